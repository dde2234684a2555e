"""The CLI commands that start a server: ``console`` (the Streamlit console) and ``serve`` (the
local HTTP JSON API).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_state import CliState, handle_errors


@click.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Local port to serve on."
)
@click.option("--headless", is_flag=True, help="Do not open a browser window (servers, tests).")
@click.pass_obj
@handle_errors
def console(state: CliState, port: int, headless: bool) -> None:
    """Open the web console for agents, trainers and analysts (网页控制台).

    Runs `streamlit run console/app.py` (through console/serve.py, which loads the model while the
    server starts); the global options (--corpus, --data-dir, ...) apply to it.

    \b
    Example:
        assistant console --port 8501
    """
    import importlib.util
    import os
    import subprocess

    from .errors import InputError

    # the installed console package (the wheel ships it beside assistant), not a checkout path
    try:
        spec = importlib.util.find_spec("console.serve")
    except ModuleNotFoundError:  # an editable install made before console/ was packaged: the checkout's
        spec = None
    serve = (
        Path(spec.origin)
        if spec and spec.origin
        else Path(__file__).resolve().parents[1] / "console" / "serve.py"
    )
    if not serve.is_file():
        raise InputError(f"{serve}: the console is not installed (reinstall shop-reply-assistant)")
    state.settings()  # a bad option or settings file fails here, with its one-line message
    env = dict(os.environ)
    if state.config:
        env["ASSISTANT_CONFIG"] = str(Path(state.config).resolve())
    for name, value in state.overrides.items():
        if value is not None:
            env[f"ASSISTANT_{name.upper()}"] = (
                str(Path(value).resolve()) if name.endswith("_dir") else str(value)
            )
    command = [
        sys.executable,
        str(serve),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--server.fileWatcherType",
        "none",
    ]
    click.echo(f"控制台 console: http://localhost:{port}", err=True)
    sys.exit(subprocess.call(command, env=env))


@click.command()
@click.option("--host", help="Interface to listen on (default: the host of the setting api_url, 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port to listen on (default: the port of api_url, 8765)."
)
@click.option(
    "--allow-origin",
    "origins",
    multiple=True,
    metavar="ORIGIN",
    help="A web page origin allowed to call the API from the browser (CORS), e.g. a workbench "
    "plugin's https://... page (repeatable). A browser extension with host permissions needs none.",
)
@click.pass_obj
@handle_errors
def serve(state: CliState, host: str | None, port: int | None, origins: tuple[str, ...]) -> None:
    """Serve the local HTTP JSON API (本地接口): suggest, check, audit, health; docs at /docs.

    The model and index load before the port opens, so every answer is warm. Endpoints: GET
    /health; POST /suggest {"message", "history", "k"}; POST /check {"reply", "message"};
    POST /audit [{"message", "reply"}, ...]. The JSON is that of `suggest --json`, `check --json`
    and `audit --json`; errors are {"error": "..."}. `assistant suggest` uses it when it runs.

    \b
    Example:
        assistant serve --port 8765
        curl -s localhost:8765/suggest -H 'Content-Type: application/json' -d '{"message": "包邮吗"}'
    """
    from urllib.parse import urlsplit

    import uvicorn

    from .api import LOOPBACK_HOSTS, create_app

    settings = state.settings()
    configured = urlsplit(settings.api_url or "http://127.0.0.1:8765")
    host = host or configured.hostname or "127.0.0.1"
    port = port or configured.port or 8765
    loopback = host in LOOPBACK_HOSTS
    if not loopback:
        click.echo(f"注意 Warning: listening on {host}; the API has no authentication", err=True)
    shown = f"[{host}]" if ":" in host else host

    def ready() -> None:
        click.echo(
            f"本地接口已就绪 API ready: http://{shown}:{port} (docs: http://{shown}:{port}/docs)", err=True
        )

    _check_port_free(host, port)  # before the model loads, not 15 s later
    click.echo("正在加载模型和索引 loading the model and index ...", err=True)
    app = create_app(
        state.assistant(),
        allow_origins=origins,
        allowed_hosts=LOOPBACK_HOSTS if loopback else None,
        on_ready=ready,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check_port_free(host: str, port: int) -> None:
    import socket

    from .errors import InputError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"端口不可用 cannot listen on {host}:{port}: {exc.strerror or exc}") from None
