"""The CLI commands that answer a buyer: ``suggest`` (through a running ``assistant serve`` when
one answers with the same settings, else in-process), ``similar`` and ``detect``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_output import render_similar, render_suggestions
from .cli_state import CliState, echo_json, handle_errors
from .config import K_RANGE


def _read_messages(path: str) -> list[tuple[int, tuple[str, list] | Exception]]:
    """Conversations from a text file (one message per line), a CSV with a ``message`` column, or
    JSONL with one conversation per line (``{"message": ..., "history": ["买家: ...", "客服: ..."]}``),
    each with its line number in the file.

    Blank lines are skipped (a file often ends with, or is spaced by, empty lines); the others keep
    their own line numbers. A JSONL line that cannot be read becomes an ``InputError`` naming its
    ``file:line``.
    """
    from .errors import InputError
    from .files import json_lines, read_text_file

    file = Path(path)
    text = read_text_file(file)
    if file.suffix.lower() in (".jsonl", ".ndjson"):
        items: list[tuple[int, tuple[str, list] | Exception]] = []
        for number, data, error in json_lines(text):
            if error is not None:
                items.append((number, InputError(f"{file}:{number}: {error}")))
                continue
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                items.append(
                    (
                        number,
                        InputError(
                            f'{file}:{number}: each line needs {{"message": "...", "history": [...]}}'
                        ),
                    )
                )
                continue
            history = data.get("history") or []
            if not isinstance(history, list):
                items.append(
                    (
                        number,
                        InputError(
                            f"{file}:{number}: 'history' must be a list of '买家: ...'/'客服: ...' turns"
                        ),
                    )
                )
                continue
            turns = [
                f"{'买家' if t.get('role') == 'buyer' else '客服'}: {t.get('text', '')}"
                if isinstance(t, dict)
                else t
                for t in history
            ]
            items.append((number, (data["message"], turns)))
        return items
    if file.suffix.lower() == ".csv":
        import csv
        import io

        reader = csv.DictReader(io.StringIO(text))
        columns = reader.fieldnames or []
        if "message" not in columns:
            from .errors import FileFormatError
            from .taxonomy import did_you_mean

            raise FileFormatError(
                f"{file}:1: no 'message' column (columns: {', '.join(columns) or 'none'}){did_you_mean('message', columns)}"
            )
        # line_num after reading a row is its last line (a quoted cell may span lines)
        return [(reader.line_num, (row.get("message") or "", [])) for row in reader]
    return [(n, (line, [])) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


class _ServerGone(Exception):
    """The API stopped answering mid-run (the caller goes on in-process)."""


class _Suggester:
    """``suggest --json`` objects from a running ``assistant serve`` whose settings match these
    (a quick /health probe), else from the core in this process."""

    # a local server answers /health in about a millisecond; when none listens the probe costs
    # this at most, against the ~10 s of loading the model in-process
    PROBE_TIMEOUT_S = 0.2
    SUGGEST_TIMEOUT_S = 60.0

    def __init__(self, state: CliState, use_server: bool = True):
        self.state = state
        self._assistant = None
        self.url = self._probe() if use_server else None

    def _probe(self) -> str | None:
        import urllib.request

        settings = self.state.settings()
        url = settings.api_url.rstrip("/")
        if not url:
            return None
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=self.PROBE_TIMEOUT_S) as response:
                health = json.loads(response.read())
        except (OSError, ValueError):  # nothing listens, too slow, or not our API
            return None
        same = (
            isinstance(health, dict)
            and health.get("ready")
            and health.get("settings") == settings.fingerprint()
        )
        return url if same else None

    def one(self, message: str, history: list, k: int | None) -> dict:
        if self.url is not None:
            try:
                return self._post(message, history, k)
            except _ServerGone:
                self.url = None
        if self._assistant is None:
            self._assistant = self.state.assistant()
        return self._assistant.suggest(message, history=history, k=k).to_dict()

    def many(self, conversations: list, k: int | None):
        """As ``Assistant.suggest_many``, one dict (or ``InputError``) per item, in order."""
        from .core import answer_each

        return answer_each(conversations, lambda message, history: self.one(message, history or [], k))

    def _post(self, message: str, history: list, k: int | None) -> dict:
        import urllib.error
        import urllib.request

        from .errors import InputError

        body = json.dumps({"message": message, "history": history, "k": k}, ensure_ascii=False).encode(
            "utf-8"
        )
        request = urllib.request.Request(
            f"{self.url}/suggest", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.SUGGEST_TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 400:  # the core refused the input: the same one-line error as in-process
                raise InputError(json.loads(exc.read())["error"]) from None
            raise _ServerGone from None
        except (OSError, ValueError):
            raise _ServerGone from None


@click.command()
@click.argument("message", required=False)
@click.option(
    "--history", multiple=True, help="An earlier turn, oldest first; prefix with 买家:/客服: (repeatable)."
)
@click.option("--k", type=click.IntRange(*K_RANGE), default=None, help="How many suggestions (default 3).")
@click.option(
    "--file",
    "file_",
    type=click.Path(dir_okay=False),
    help="Text file (one message per line; blank lines skipped), CSV with a 'message' column, or "
    "JSONL conversations "
    '({"message": ..., "history": ["买家: ...", "客服: ..."]} per line).',
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one line per message with --file).")
@click.option(
    "--no-server", is_flag=True, help="Answer in this process even when `assistant serve` is running."
)
@click.pass_obj
@handle_errors
def suggest(state: CliState, message, history, k, file_, as_json, no_server) -> None:
    """Suggest replies for a buyer message (推荐回复).

    Prints the detected scenario, stage and buyer type, the suggestions with their source cases
    and checklist results, and the guidance that applies. When `assistant serve` is running at
    the setting api_url with the same settings, it answers (in milliseconds, the model already
    loaded); the output is the same either way.

    \b
    Examples:
        assistant suggest "亲 这个T恤有M码吗"
        assistant suggest "那L呢" --history "买家: M码有吗" --history "客服: M码有现货哦"
        assistant suggest --file messages.txt --json
        assistant suggest --file conversations.jsonl --json   # {"message": ..., "history": [...]} per line
    """
    from .errors import InputError

    if (message is None) == (file_ is None):
        raise InputError("give a MESSAGE or --file FILE (one of them)")
    suggester = _Suggester(state, use_server=not no_server)
    if file_ is None:
        result = suggester.one(message, list(history), k)
        if as_json:
            echo_json(result)
        else:
            render_suggestions(result)
        return
    numbered = _read_messages(file_)
    conversations = [c for _, c in numbered]
    messages = [c[0] if isinstance(c, tuple) else "" for c in conversations]
    from tqdm import tqdm

    failed = 0
    answers = tqdm(
        suggester.many(conversations, k),
        total=len(messages),
        disable=len(messages) < 50,
        file=sys.stderr,
        desc="suggest",
    )
    for (number, _), message, result in zip(numbered, messages, answers, strict=True):
        if isinstance(result, InputError):
            failed += 1
            where = "" if str(result).startswith(f"{file_}:") else f"{file_}:{number}: "
            item = {"message": message, "error": f"{where}{result}"}
            if as_json:
                echo_json(item)
            else:
                click.echo(item["error"], err=True)
            continue
        if as_json:
            echo_json(result)
        else:
            click.echo(f"\n[{number}] {result['message']}")
            render_suggestions(result)
    if failed:
        click.echo(f"{failed} of {len(messages)} message(s) could not be answered", err=True)


@click.command()
@click.argument("message")
@click.option("--history", multiple=True, help="An earlier turn, oldest first (repeatable).")
@click.option("--k", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--scenario", "scenarios", multiple=True, help="Only cases of this scenario (repeatable).")
@click.option("--stage", "stages", multiple=True, help="Only cases of this stage (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only cases with this tag (repeatable).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    default=("approved",),
    show_default=True,
    help="Case status (repeatable).",
)
@click.option(
    "--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def similar(state: CliState, message, history, k, scenarios, stages, tags, statuses, mode, as_json) -> None:
    """Find handled cases similar to a buyer message (相似案例).

    \b
    Example:
        assistant similar "快递怎么还没到" --k 5
    """
    hits = state.assistant().similar(
        message,
        history=list(history),
        k=k,
        scenarios=scenarios,
        stages=stages,
        tags=tags,
        status=statuses,
        mode=mode,
    )
    if as_json:
        echo_json([h.to_dict() for h in hits])
        return
    render_similar(hits)


@click.command()
@click.argument("message")
@click.option("--history", multiple=True, help="An earlier turn, oldest first (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def detect(state: CliState, message, history, as_json) -> None:
    """Detect the scenario, stage and buyer type of a buyer message (场景识别).

    \b
    Example:
        assistant detect "都五天了还没发货"
    """
    detection = state.assistant().detect(message, history=list(history))
    if as_json:
        echo_json(detection.to_dict())
        return
    buyer = detection.buyer_type or "-"
    click.echo(
        f"场景 {detection.scenario} ({detection.scenario_confidence:.0%}) · 阶段 {detection.stage} · 买家类型 {buyer}"
    )
