"""The local HTTP JSON API (``assistant serve``): a thin FastAPI face over one warm ``Assistant``.

Every endpoint is one call to the core and answers with the same JSON as the CLI's ``--json``:
``POST /suggest`` the ``suggest --json`` object, ``POST /check`` the ``check --json`` object,
``POST /audit`` the ``audit --json`` rows; ``GET /health`` says whether the model and index are
loaded. Core errors become ``{"error": "<one line>"}`` (400 for bad input, 422 for a request of the
wrong shape, 503 when the corpus, model or index cannot answer); no traceback reaches a client.
Chinese is written as UTF-8 text, not ``\\u`` escapes. The model and index load in the app's
start-up, before uvicorn opens its port, so a server that answers is a warm one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .core import Assistant
from .errors import AssistantError, FileFormatError, InputError, UnknownIdError

logger = logging.getLogger(__name__)

# Errors the client caused (400); every other AssistantError is the server's state (503).
CLIENT_ERRORS = (InputError, UnknownIdError, FileFormatError)
# One request audits at most this many rows (about a second of checking); larger tables go
# through `assistant audit FILE`, which streams them.
MAX_AUDIT_ROWS = 10_000
# Host headers accepted when serving on loopback: a web page that rebinds its own domain to
# 127.0.0.1 (DNS rebinding) is refused, since its requests carry its domain as Host.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# The message used to warm the model, tokenizer and caches before the port opens.
WARM_UP_MESSAGE = "亲 在吗 这个有M码吗"


class UTF8JSONResponse(JSONResponse):
    """JSON with Chinese as UTF-8 text (Starlette's default escapes it as ``\\uXXXX``)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _valid_unicode(value: str) -> str:
    # JSON may carry lone surrogates ("\ud800"); they cannot be written back as UTF-8
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("不是有效的 Unicode 文本 the text holds a lone surrogate (\\ud800-\\udfff)")
    return value


Text = Annotated[str, AfterValidator(_valid_unicode)]


class SuggestRequest(BaseModel):
    """A buyer message and the conversation before it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"message": "那L呢", "history": ["买家: M码有吗", "客服: M码有现货哦"], "k": 3}]
        },
    )

    message: Text = Field(description="The buyer's newest message (at most max_message_chars characters).")
    history: list[Text] = Field(
        default_factory=list, description="Earlier turns, oldest first: '买家: ...' or '客服: ...'."
    )
    k: int | None = Field(default=None, description="How many suggestions at most (1-50; default setting k).")


class CheckRequest(BaseModel):
    """An agent's reply, and the buyer message it answers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reply": "你自己看详情页！！", "message": "有S码吗"}]},
    )

    reply: Text = Field(description="The reply to check.")
    message: Text | None = Field(default=None, description="The buyer message the reply answers.")
    history: list[Text] = Field(
        default_factory=list, description="Earlier turns, oldest first: '买家: ...' or '客服: ...'."
    )


class AuditItem(BaseModel):
    """One reply to audit, with the buyer message it answers."""

    model_config = ConfigDict(extra="forbid")

    message: Text | None = Field(default=None, description="The buyer message (may be omitted).")
    reply: Text = Field(description="The agent's reply.")


def create_app(
    assistant: Assistant,
    *,
    warm: bool = True,
    allow_origins: tuple[str, ...] = (),
    allowed_hosts: tuple[str, ...] | None = None,
    on_ready: Callable[[], None] | None = None,
) -> FastAPI:
    """The API over one assistant.

    Args:
        assistant: the core that answers every request.
        warm: load the model, index and detector (and answer one message) at start-up, before the
            server accepts connections; otherwise they load on the first request.
        allow_origins: web origins allowed to call the API from a page (CORS), e.g. a workbench
            plugin's page; a browser extension with host permissions needs none.
        allowed_hosts: accepted ``Host`` headers (None: any); ``serve`` passes the loopback names.
        on_ready: called once the assistant is warm (the CLI prints where the API listens).

    Returns:
        The FastAPI application (run it with uvicorn, or test it with ``TestClient``).
    """

    # Every core call runs on one thread of its own: torch, FAISS and their OpenMP pools stay warm
    # on that thread (a new thread per request cost ~8 ms a call on two shared cores), and the
    # CPU-bound calls do not compete with each other; the event loop keeps answering /health.
    core = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant-core")

    async def on_core(function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(core, function, *args)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:
            await on_core(_warm_up, assistant)
        if on_ready is not None:
            on_ready()
        yield
        core.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="电商客服回复助手 Shop reply assistant",
        summary="Local JSON API: suggest replies, check a reply, audit replies.",
        description=(
            'The same JSON as the CLI\'s `--json`. Errors are `{"error": "<one line>"}`: '
            "400 bad input, 422 a request of the wrong shape, 503 the assistant cannot answer."
        ),
        version=_version(),
        default_response_class=UTF8JSONResponse,
        lifespan=lifespan,
    )
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, hosts=tuple(allowed_hosts))
    if allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(allow_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    _add_error_handlers(app)
    model_id = assistant.model_id

    @app.get("/health", summary="Whether the model and index are loaded")
    async def health() -> UTF8JSONResponse:
        """`ready` is true once `suggest` answers at once; `cases` counts the cases it retrieves from."""
        ready = assistant.ready
        cases = len(assistant.engine.corpus.approved) if ready else None
        return UTF8JSONResponse(
            {
                "ok": True,
                "ready": ready,
                "cases": cases,
                "model": model_id,
                "settings": assistant.settings.fingerprint(),
            }
        )

    @app.post("/suggest", summary="Suggested replies for a buyer message (the `suggest --json` object)")
    async def suggest(request: SuggestRequest) -> UTF8JSONResponse:
        """Scenario, stage, buyer type, the conversation as read, suggestions with their sources,
        fill-ins, changes, checklist results and readiness, and the guidance that applies."""
        result = await on_core(assistant.suggest, request.message, request.history, request.k)
        return UTF8JSONResponse(result.to_dict())

    @app.post("/check", summary="Check a reply with the etiquette checklist (the `check --json` object)")
    async def check(request: CheckRequest) -> UTF8JSONResponse:
        """`passed`, the violations with their spans and guidance, the reply with safe fixes (`fixed`)."""
        result = await on_core(assistant.check, request.reply, request.message, request.history)
        return UTF8JSONResponse(result.to_dict())

    @app.post("/audit", summary="Audit replies with the checklist (the `audit --json` rows)")
    async def audit(rows: list[AuditItem]) -> UTF8JSONResponse:
        """A JSON array of `{"message", "reply"}` in, one `{"row", "passed", "violations"}` per row out."""
        if len(rows) > MAX_AUDIT_ROWS:
            raise InputError(
                f"行数太多 {len(rows):,} rows; one request audits at most {MAX_AUDIT_ROWS:,} (use `assistant audit FILE`)"
            )
        report = await on_core(assistant.audit, [(row.message, row.reply) for row in rows])
        return UTF8JSONResponse([row.to_dict() for row in report.rows])

    return app


class HostCheck:
    """Refuse requests whose ``Host`` header names another host, with the API's one-line JSON error
    (Starlette's TrustedHostMiddleware answers in plain text and cannot read ``[::1]:8765``)."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] in ("http", "websocket")
            and host_name(Headers(scope=scope).get("host", "")) not in self.hosts
        ):
            response = UTF8JSONResponse(
                {"error": "主机名不被接受 this API answers only to 127.0.0.1 or localhost"}, 400
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def host_name(host: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8765`` → ``::1``)."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _warm_up(assistant: Assistant) -> None:
    """Load the model, index and detector, and answer one message (tokenizer and caches warm)."""
    started = time.perf_counter()
    _ = assistant.engine
    assistant.suggest(WARM_UP_MESSAGE)
    logger.info("assistant warm in %.1f s", time.perf_counter() - started)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> UTF8JSONResponse:
        status = 400 if isinstance(exc, CLIENT_ERRORS) else 503
        return UTF8JSONResponse({"error": _one_line(str(exc))}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> UTF8JSONResponse:
        return UTF8JSONResponse({"error": validation_message(exc.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> UTF8JSONResponse:
        return UTF8JSONResponse(
            {"error": _one_line(str(exc.detail))}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> UTF8JSONResponse:
        # the traceback goes to the server's log, never to the client
        logger.exception("unexpected error")
        return UTF8JSONResponse({"error": f"内部错误 internal error ({type(exc).__name__})"}, status_code=500)


def validation_message(errors: list[dict] | tuple[dict, ...]) -> str:
    """One line for pydantic's validation errors: the first one, with where it is, and how many more."""
    if not errors:
        return "请求有误 bad request"
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first.get("type") == "json_invalid":
        position = first.get("loc", ("body", "?"))[-1]
        reason = (first.get("ctx") or {}).get("error", "")
        return f"请求不是有效的 JSON the request body is not valid JSON ({reason} at position {position})"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return _one_line(f"请求有误 bad request: {where}: {message}{more}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("shop-reply-assistant")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"
