"""Audit past replies with the etiquette checklist, at scale (质检报告).

One core API for the CLI (``assistant audit``), the notebook magics (``%audit``) and the console:

- ``read_rows(path, fmt, ...)`` reads a CSV / JSONL / XLSX table with a reply column (and usually
  a message column, chosen by ``columns.choose_columns``), or a chat log (JDDC 2018/2019,
  turn-based CSV/JSONL via ``chats.read_conversations``), into ``AuditInput`` records and the
  ``Columns`` it used. Chat logs give one row per agent reply (consecutive agent messages form one
  reply) with the buyer turns just before it as the message and earlier turns as history.
- ``audit_rows`` checks rows lazily (``AuditRow`` per input row, in order); ``audit`` checks them all
  and summarises per rule and per group (``AuditReport``); ``audit_dataframe`` does it for a pandas
  DataFrame, either one reply a row or one conversation turn a row (``session_col``, ``role_col``,
  ``turn_col``), with the same numbers as the CLI gives for the same chats.
- ``AuditReport.frames()`` gives pandas DataFrames: the rows (wide form, one row per input row,
  indexed by the DataFrame's own labels), one row per violation (long form), per rule and per
  group (keys keep their dtype and order).
- ``reports.write_report`` saves a report (CSV, XLSX, HTML, Parquet; Excel-safe).

Files are read completely before the first row is checked, so a bad file fails with one error
(``path:line: message``) before any output.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .checklist import RuleSet, Violation, check
from .columns import CLI_OPTIONS, Columns, choose_columns, load_column_names, norm
from .errors import FileFormatError, InputError
from .frames import ROW_COLUMNS, RULE_COLUMNS, VIOLATION_COLUMNS, AuditFrames  # noqa: F401  (re-exported)
from .taxonomy import did_you_mean

logger = logging.getLogger(__name__)

TABLE_FORMATS = ("csv", "jsonl", "xlsx")
CHAT_FORMATS = ("jddc2018", "jddc2019")
FORMATS = (*TABLE_FORMATS, *CHAT_FORMATS)
HISTORY_TURNS = 6  # earlier turns passed to the checklist for each chat reply
PROGRESS_MIN_ROWS = 1_000  # fewer rows take a fraction of a second
PROGRESS_DELAY_S = 1.0  # a bar shows only once an audit has run this long
_SUFFIXES = {
    ".csv": "csv", ".tsv": "csv", ".txt": None, ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
}  # fmt: skip


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class AuditInput:
    """One reply to audit: its 1-based row number, the buyer message it answers (if known),
    earlier turns (``(role, text)`` pairs), a group value (``--by``; any hashable, None when
    missing), its line in the file, and ``key``, its label in the DataFrame it came from."""

    row: int
    reply: str
    message: str | None = None
    history: tuple[tuple[str, str], ...] = ()
    group: Any = None
    line: int | None = None
    scenario: str | None = None
    key: Any = None


@dataclass(frozen=True, slots=True)  # slots: a 200,000-row audit keeps 200,000 of these
class AuditRow:
    """The checklist's verdict on one input row (``key``: its DataFrame label, if any)."""

    row: int
    passed: bool
    violations: tuple[Violation, ...]
    reply: str = ""
    message: str | None = None
    group: Any = None
    line: int | None = None
    key: Any = None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.rule for v in self.violations))

    def to_dict(self) -> dict:
        """The ``audit --json`` record: ``{"row", "passed", "violations"}``."""
        return {"row": self.row, "passed": self.passed, "violations": [v.to_dict() for v in self.violations]}

    def to_record(self) -> dict:
        """A flat record for CSV and DataFrames."""
        return {
            "row": self.row,
            "line": self.line,
            "group": self.group,
            "passed": self.passed,
            "rules": ";".join(self.rules),
            "violations": len(self.violations),
            "message": self.message or "",
            "reply": self.reply,
        }


@dataclass(frozen=True)
class RuleSummary:
    """How often one rule fired: rows with at least one violation (``count``), their share of
    all rows (``rate``) and the first one as an ``example`` (the span in its context), with its
    row number (``example_row``) and its DataFrame label (``example_key``, None for files)."""

    rule: str
    severity: str
    count: int
    rate: float
    example: str = ""
    example_row: int | None = None
    example_key: Any = None

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "count": self.count,
            "rate": self.rate,
            "example": self.example,
            "example_row": self.example_row,
        }


@dataclass(frozen=True, slots=True)  # slots: a session audit has tens of thousands of groups
class GroupSummary:
    """The verdicts of one group (an agent, a shop, a session ...); ``group`` keeps the key's
    own type (an int stays an int), None for rows without one."""

    group: Any
    rows: int
    passed: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.rows if self.rows else 1.0

    def to_dict(self) -> dict:
        return {
            "group": _jsonable(self.group),
            "rows": self.rows,
            "passed": self.passed,
            "pass_rate": self.pass_rate,
            "counts": dict(self.counts),
        }


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy and pandas scalars
        value = value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class AuditReport:
    """Every row's verdict with the per-rule and per-group summaries.

    ``columns`` are the columns the rows were read from (None for chat logs and plain rows);
    ``group_dtype`` the pandas dtype of the ``by`` column (a DataFrame's, to give the groups back
    in it); ``keyed`` is True when rows carry DataFrame labels (``AuditRow.key``); ``index_name``
    the DataFrame index's name (a tuple of names for a MultiIndex).
    """

    rows: tuple[AuditRow, ...]
    rules: tuple[RuleSummary, ...]
    groups: tuple[GroupSummary, ...] = ()
    source: str = ""
    by: str | None = None
    columns: Columns | None = None
    group_dtype: Any = None
    keyed: bool = False
    index_name: Any = None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.rows if r.passed)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "rows": self.total,
            "passed": self.passed,
            "rules": [r.to_dict() for r in self.rules],
            "groups": [g.to_dict() for g in self.groups],
        }

    def frames(self) -> AuditFrames:
        """The report as pandas DataFrames (see ``AuditFrames``)."""
        from .frames import report_frames

        return report_frames(self)


# ----------------------------------------------------------------------------- auditing


def _as_input(item: Any, number: int) -> AuditInput:
    if isinstance(item, AuditInput):
        return item
    if isinstance(item, dict):
        return AuditInput(
            number,
            _text(item.get("reply")),
            _optional_text(item.get("message")),
            group=_optional_text(item.get("group")),
            scenario=_optional_text(item.get("scenario")),
        )
    if isinstance(item, tuple | list) and len(item) == 2:
        return AuditInput(number, _text(item[1]), _optional_text(item[0]))
    if isinstance(item, str):
        return AuditInput(number, item)
    raise InputError(
        f"row {number}: expected (message, reply), a dict or an AuditInput, not {type(item).__name__}"
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    if type(value).__name__ in ("NAType", "NaTType"):
        return ""
    return str(value)


def _optional_text(value: Any) -> str | None:
    text = _text(value)
    return text if text.strip() else None


def _missing(value: Any) -> bool:
    """None, NaN, pd.NA and NaT: a row without a group key."""
    if value is None:
        return True
    try:
        return bool(value != value) or type(value).__name__ in ("NAType", "NaTType")
    except (TypeError, ValueError):
        return False


def audit_rows(rows: Iterable[Any], rules: RuleSet) -> Iterator[AuditRow]:
    """Check each row, lazily and in order.

    Args:
        rows: ``AuditInput`` records, ``(message, reply)`` pairs, ``{"message", "reply", "group"}``
            dicts or bare reply strings (numbered from 1 in that case).
        rules: the checklist rules (``corpus.rules``).

    Returns:
        An iterator with one ``AuditRow`` per input row. An empty reply passes (nothing to judge).
    """
    for number, item in enumerate(rows, start=1):
        entry = _as_input(item, number)
        yield _verdict(
            rules,
            entry.row,
            entry.reply,
            entry.message,
            entry.history,
            entry.group,
            entry.line,
            entry.scenario,
            entry.key,
        )


def _verdict(
    rules: RuleSet,
    row: int,
    reply: str,
    message: str | None,
    history: tuple = (),
    group: Any = None,
    line: int | None = None,
    scenario: str | None = None,
    key: Any = None,
) -> AuditRow:
    """The ``AuditRow`` of one reply (an empty reply passes: there is nothing to judge)."""
    if not reply.strip():
        return AuditRow(row, True, (), reply, message, group, line, key)
    result = check(reply, message, history, rules=rules, scenario=scenario, fix=False)
    return AuditRow(row, result.passed, result.violations, reply, message, group, line, key)


def _frame_verdicts(
    rules: RuleSet,
    replies: list,
    messages: list | None,
    groups: list | None,
    scenarios: list | None,
    keys: list,
) -> Iterator[AuditRow]:
    """The verdicts of a frame's columns, one row at a time, without an ``AuditInput`` per row
    (its frozen construction would cost a sixth of the checking time)."""
    for i, reply in enumerate(replies):
        if type(reply) is not str:
            reply = _text(reply)
        message = messages[i] if messages is not None else None
        if message is not None and (type(message) is not str or not message.strip()):
            message = _optional_text(message)
        scenario = _optional_text(scenarios[i]) if scenarios is not None else None
        yield _verdict(
            rules,
            i + 1,
            reply,
            message,
            (),
            groups[i] if groups is not None else None,
            None,
            scenario,
            keys[i],
        )


def progress_bar(items: Iterable[Any], total: int, desc: str = "质检 audit") -> Iterable[Any]:
    """``items`` with a progress bar that works where the user is looking: a widget in Jupyter
    (ipywidgets), a text bar on stderr in a kernel without widgets, a bar in a terminal, and
    nothing when stderr is redirected to a file. It appears only once the work has taken a
    second (``PROGRESS_DELAY_S``), so quick audits stay quiet."""
    from tqdm import std

    options = {"total": total, "desc": desc, "unit": " replies", "delay": PROGRESS_DELAY_S}
    if "ipykernel" in sys.modules and _kernel() is not None:
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as bar

            return bar(items, leave=False, **options)
        except ImportError:  # a kernel without ipywidgets: a text bar, which Jupyter shows as output
            return std.tqdm(items, file=sys.stderr, mininterval=1.0, ascii=True, **options)
    return std.tqdm(items, disable=None, leave=False, **options)


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None)


def audit(
    rows: Iterable[Any],
    rules: RuleSet,
    *,
    by: str | None = None,
    source: str = "",
    progress: bool = False,
    columns: Columns | None = None,
) -> AuditReport:
    """Check every row and summarise per rule (and per group when rows carry a group).

    Args:
        rows: as for ``audit_rows``.
        rules: the checklist rules.
        by: the name of the grouping column, for the report's headings.
        source: where the rows came from (a file name), for the report.
        progress: show a progress bar (``progress_bar``) when there are enough rows to wait for.
        columns: the columns the rows were read from, kept on the report.

    Returns:
        The ``AuditReport``.
    """
    items = rows if isinstance(rows, Sequence) else list(rows)
    checked = audit_rows(items, rules)
    if progress and len(items) >= PROGRESS_MIN_ROWS:
        checked = progress_bar(checked, len(items))
    return summarize(_collect(checked), rules, by=by, source=source, columns=columns)


def _collect(checked: Iterable[AuditRow]) -> tuple[AuditRow, ...]:
    """All the rows, with the cyclic garbage collector paused: checking makes no reference cycles,
    and each full collection would walk every row kept so far (quadratic time on large audits)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return tuple(checked)
    finally:
        if enabled:
            gc.enable()


def summarize(
    rows: Sequence[AuditRow],
    rules: RuleSet,
    *,
    by: str | None = None,
    source: str = "",
    columns: Columns | None = None,
    group_order: Sequence[Any] | None = None,
    group_dtype: Any = None,
    index_name: Any = None,
) -> AuditReport:
    """The per-rule and per-group summaries of checked rows (rules in checklist order, most
    frequent first).

    Groups come in ``group_order`` when given (a DataFrame's sorted keys, categories in their
    order), otherwise sorted (numbers as numbers, text as text); rows without a key (None) form
    the last group.
    """
    counts: Counter = Counter()
    examples: dict[str, tuple[str, int, Any]] = {}
    groups: dict[Any, list] = {}
    has_groups = any(r.group is not None for r in rows)
    for row in rows:
        if row.violations:
            for rule in row.rules:
                counts[rule] += 1
                if rule not in examples:
                    v = next(v for v in row.violations if v.rule == rule)
                    examples[rule] = (_example(row.reply, v), row.row, row.key)
        if has_groups:
            g = groups.get(row.group)
            if g is None:
                g = groups[row.group] = [0, 0, Counter()]
            g[0] += 1
            g[1] += row.passed
            if row.violations:
                g[2].update(row.rules)
    total = len(rows)
    order = {rule.id: i for i, rule in enumerate(rules.rules)}
    summaries = [
        RuleSummary(
            rule.id,
            rule.severity,
            counts[rule.id],
            counts[rule.id] / total if total else 0.0,
            *examples.get(rule.id, ("", None, None)),
        )
        for rule in rules.rules
    ]
    summaries.sort(key=lambda s: (-s.count, order[s.rule]))
    keys = [k for k in group_order if k in groups] if group_order is not None else _sorted_keys(groups)
    listed = set(keys)
    keys += [k for k in groups if k not in listed]  # anything the given order missed
    group_summaries = tuple(GroupSummary(k, *groups[k][:2], dict(groups[k][2])) for k in keys)
    return AuditReport(
        tuple(rows),
        tuple(summaries),
        group_summaries,
        source,
        by,
        columns,
        group_dtype,
        any(r.key is not None for r in rows),
        index_name,
    )


def _sorted_keys(groups: dict[Any, Any]) -> list[Any]:
    present = [k for k in groups if k is not None]
    try:
        present.sort()
    except TypeError:  # mixed types: text order, as a spreadsheet would
        present.sort(key=str)
    return present + ([None] if None in groups else [])


def _example(reply: str, v: Violation, width: int = 14) -> str:
    """The violating span in a little context, marked 【】; a whole-reply violation is the reply."""
    one_line = reply.replace("\n", " ")
    if v.start == 0 and v.end == len(reply):
        return one_line if len(one_line) <= 2 * width + 8 else one_line[: 2 * width + 7] + "…"
    left = max(0, v.start - width)
    right = min(len(reply), v.end + width)
    text = one_line[left : v.start] + "【" + one_line[v.start : v.end] + "】" + one_line[v.end : right]
    return ("…" if left else "") + text + ("…" if right < len(reply) else "")


def pick_columns(
    names: Sequence[str], message_col: str | None, reply_col: str | None, where: str
) -> tuple[str | None, str]:
    """``(message column or None, reply column)`` among ``names`` (see ``columns.choose_columns``)."""
    chosen = choose_columns(names, message=message_col, reply=reply_col, where=where)
    return chosen.message, chosen.reply


# ----------------------------------------------------------------------------- DataFrames


def audit_dataframe(
    frame: Any,
    rules: RuleSet,
    *,
    message_col: str | None = None,
    reply_col: str | None = None,
    by: str | None = None,
    scenario_col: str | None = None,
    session_col: str | None = None,
    turn_col: str | None = None,
    role_col: str | None = None,
    where: str = "the DataFrame",
    options: dict[str, str] = CLI_OPTIONS,
    progress: bool = False,
) -> AuditReport:
    """Audit the rows of a pandas DataFrame.

    Two shapes: one reply a row (a reply column and usually a message column), or one turn of a
    conversation a row (``session_col`` and ``role_col``, optionally ``turn_col`` to order the
    turns, and the text in ``reply_col`` or a column named text/content/message ...). The second is
    audited as the CLI audits a chat log: each run of agent turns is one reply, with the buyer
    turns just before it as its message and earlier turns as its history, so the numbers match.

    Args:
        frame: the DataFrame.
        rules: the checklist rules.
        message_col: the buyer-message column (default: detected from common names; none is fine).
        reply_col: the reply column (the text column of a conversation; default: detected).
        by: a column to group by (an agent, a shop, the session ...).
        scenario_col: a column with scenario ids, when the rows carry them.
        session_col, turn_col, role_col: the columns of a conversation (one turn a row).
        where: the frame's name, for errors.
        options: the options that name columns in the calling face, for errors.
        progress: show a progress bar (on large frames).

    Returns:
        The ``AuditReport``; its rows carry the frame's index labels (``AuditRow.key``),
        ``.columns`` the columns used, and ``.frames()`` gives DataFrames.

    Raises:
        FileFormatError: a named column is missing, no reply column can be found, or a role value
            is unknown.
    """
    columns = [str(c) for c in frame.columns]
    for name, option in (
        (by, "by"),
        (scenario_col, "scenario"),
        (session_col, "session"),
        (turn_col, "turn"),
        (role_col, "role"),
    ):
        if name is not None and name not in columns:
            raise FileFormatError(f"{where}: no column {name!r} for {option}{did_you_mean(name, columns)}")
    conversation = session_col is not None or role_col is not None
    if conversation:
        if session_col is None or role_col is None:
            raise InputError(
                f"{where}: a conversation needs both a session and a role column (--session, --role)"
            )
        if message_col is not None:
            raise InputError(
                f"{where}: in a conversation the buyer turns are the messages; drop the message column"
            )
        chosen = _choose_text_column(columns, reply_col, where, options)
        chosen = Columns(
            chosen.reply, None, by, scenario_col, session_col, turn_col, role_col, chosen.detected
        )
    else:
        if frame.shape[1] == 0:
            raise FileFormatError(
                f"{where}: no columns; it needs a reply column and usually a message column"
            )
        picked = choose_columns(columns, message=message_col, reply=reply_col, where=where, options=options)
        chosen = Columns(picked.reply, picked.message, by, scenario_col, detected=picked.detected)
    used = [c for c in (chosen.reply, chosen.message, by, scenario_col, session_col, turn_col, role_col) if c]
    for name in used:
        if columns.count(name) > 1:  # frame[name] would be a table, not a column
            raise FileFormatError(
                f"{where} has {columns.count(name)} columns named {name!r}; rename them so that each name is used once"
            )
    source = {str(c): c for c in frame.columns}
    keys = frame.index.tolist()
    group_order, group_dtype = (None, None)
    groups = None
    if by is not None:
        series = frame[source[by]]
        # one object per key, not one per row: a session id repeats on every turn of its session
        canonical: dict[Any, Any] = {}
        groups = [None if _missing(g) else canonical.setdefault(g, g) for g in series.tolist()]
        group_order, group_dtype = _group_order(series), series.dtype
    if conversation:
        rows = _frame_conversation_rows(frame, source, chosen, keys, groups, where)
        checked: Iterable[AuditRow] = audit_rows(rows, rules)
        total = len(rows)
    else:
        replies = frame[source[chosen.reply]].tolist()
        messages = frame[source[chosen.message]].tolist() if chosen.message else None
        scenarios = frame[source[scenario_col]].tolist() if scenario_col else None
        checked = _frame_verdicts(rules, replies, messages, groups, scenarios, keys)
        total = len(keys)
    if progress and total >= PROGRESS_MIN_ROWS:
        checked = progress_bar(checked, total)
    return summarize(
        _collect(checked),
        rules,
        by=by,
        source=where,
        columns=chosen,
        group_order=group_order,
        group_dtype=group_dtype,
        index_name=frame.index.name if frame.index.nlevels == 1 else tuple(frame.index.names),
    )


def _group_order(series: Any) -> list[Any]:
    """The keys of a column in pandas' groupby order: categories in their order, others sorted."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    values = pd.Series(series.dropna().unique())
    try:
        return values.sort_values(kind="stable").tolist()
    except TypeError:  # mixed types
        return sorted(values.tolist(), key=str)


def _choose_text_column(
    columns: list[str], text_col: str | None, where: str, options: dict[str, str]
) -> Columns:
    """The text column of a conversation table (its turns' text)."""
    if text_col is not None:
        if text_col not in columns:
            raise FileFormatError(
                f"{where}: no column {text_col!r} ({options['reply']}){did_you_mean(text_col, columns)}"
            )
        return Columns(text_col)
    from .chat_read import load_patterns
    from .columns import never_text

    wanted = [*load_patterns().columns.get("text", ()), *load_column_names().reply]
    keyed = {norm(c): c for c in columns if not never_text(c)}
    found = next((keyed[norm(w)] for w in wanted if norm(w) in keyed), None)
    if found is None:
        shown = ", ".join(repr(c) for c in columns)
        raise FileFormatError(
            f"{where}: cannot find the text column of the conversation among {shown}; name it with {options['reply']}"
        )
    return Columns(found, detected=("reply",))


class _Turn(NamedTuple):
    role: str
    text: str
    line: int | None
    key: Any


def _frame_conversation_rows(
    frame: Any, source: dict[str, Any], chosen: Columns, keys: list, groups: list | None, where: str
) -> list[AuditInput]:
    return _turn_rows(
        frame[source[chosen.session]].tolist(),
        frame[source[chosen.role]].tolist(),
        frame[source[chosen.reply]].tolist(),
        frame[source[chosen.turn]].tolist() if chosen.turn else None,
        keys,
        None,
        groups,
        chosen.role or "",
        where,
    )


def _turn_rows(
    sessions: list,
    roles: list,
    texts: list,
    order: list | None,
    keys: list | None,
    lines: list | None,
    groups: list | None,
    role_col: str,
    where: str,
) -> list[AuditInput]:
    """Audit rows from a table of turns (one turn a row): the turns of each session in ``order``
    (numbers compared as numbers, so turn 10 comes after turn 9 even when read from a file as text),
    sessions in the order they first appear; then ``_conversation_rows``."""
    from .chat_read import load_patterns

    patterns = load_patterns()
    known: dict[Any, str] = {}
    by_session: dict[Any, list[int]] = {}
    for i, session in enumerate(sessions):
        by_session.setdefault(session, []).append(i)
    sort_key = _turn_key(order) if order is not None else None
    conversations = []
    for positions in by_session.values():
        if sort_key is not None:
            positions = sorted(positions, key=sort_key)
        turns = []
        for i in positions:
            role = known.get(roles[i])
            if role is None:
                value = str(roles[i]).strip().lower()
                role = (
                    "buyer"
                    if value in patterns.buyer_roles
                    else "agent"
                    if value in patterns.agent_roles
                    else ""
                )
                if not role:
                    at = f"{where}:{lines[i]}" if lines is not None else f"{where}: row {keys[i]!r}"
                    raise FileFormatError(
                        f"{at}: unknown role {str(roles[i])!r} in {role_col!r} (expected buyer/agent, 客户/客服 or 0/1)"
                    )
                known[roles[i]] = role
            turns.append(
                _Turn(
                    role,
                    _text(texts[i]).strip(),
                    lines[i] if lines is not None else None,
                    keys[i] if keys is not None else None,
                )
            )
        conversations.append((groups[positions[0]] if groups is not None else None, turns))
    return _conversation_rows(conversations, "table")


def _turn_key(order: list) -> Callable[[int], Any]:
    """Sort positions by their turn value: as numbers when every value is one, otherwise as given."""
    try:
        numbers = [float(v) for v in order]
    except (TypeError, ValueError):
        return lambda i: order[i]
    return lambda i: numbers[i]


def _conversation_rows(conversations: Iterable[tuple[Any, Sequence[Any]]], fmt: str) -> list[AuditInput]:
    """One row per agent reply: consecutive agent turns are one reply, the buyer turns just before
    it are its message, earlier turns its history. For jddc2018 only the final reply of each
    context/answer pair is audited (the rest is context). Turns have role, text, line (and key)."""
    rows: list[AuditInput] = []
    for group, all_turns in conversations:
        turns = [t for t in all_turns if t.text and t.text.strip()]
        blocks: list[tuple[str, list]] = []
        for turn in turns:
            if blocks and blocks[-1][0] == turn.role:
                blocks[-1][1].append(turn)
            else:
                blocks.append((turn.role, [turn]))
        indices = [i for i, (role, _) in enumerate(blocks) if role == "agent"]
        if fmt == "jddc2018":
            indices = indices[-1:]
        for i in indices:
            agent_turns = blocks[i][1]
            buyer_turns = blocks[i - 1][1] if i > 0 and blocks[i - 1][0] == "buyer" else []
            earlier = [(role, t.text) for role, block in blocks[: max(0, i - 1)] for t in block]
            if fmt == "jddc2018" and len(buyer_turns) > 1:
                # its context joins turns whose roles are guessed; only the last one is surely the buyer's
                earlier += [("buyer", t.text) for t in buyer_turns[:-1]]
                buyer_turns = buyer_turns[-1:]
            message = "\n".join(t.text for t in buyer_turns) if buyer_turns else None
            earlier = earlier[-HISTORY_TURNS:]
            rows.append(
                AuditInput(
                    len(rows) + 1,
                    "\n".join(t.text for t in agent_turns),
                    message,
                    tuple(earlier),
                    group,
                    agent_turns[0].line,
                    key=getattr(agent_turns[0], "key", None),
                )
            )
    return rows


# ----------------------------------------------------------------------------- reading files


def detect_format(path: str | Path) -> str | None:
    """The format of an audit file from its extension and first lines (None when unknown)."""
    path = Path(path)
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    from .chat_read import detect_format as detect_chat

    found = detect_chat(path)
    return found if found in FORMATS else None


def load_rows(
    path: str | Path,
    fmt: str | None = None,
    *,
    message_col: str | None = None,
    reply_col: str | None = None,
    by: str | None = None,
) -> list[AuditInput]:
    """Read a file into audit rows (``read_rows`` without the columns it chose)."""
    return read_rows(path, fmt, message_col=message_col, reply_col=reply_col, by=by)[0]


def read_rows(
    path: str | Path,
    fmt: str | None = None,
    *,
    message_col: str | None = None,
    reply_col: str | None = None,
    by: str | None = None,
    options: dict[str, str] = CLI_OPTIONS,
    session_col: str | None = None,
    turn_col: str | None = None,
    role_col: str | None = None,
) -> tuple[list[AuditInput], Columns | None]:
    """Read a file into audit rows (all of it, so errors come before any output).

    Args:
        path: a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 ... detected), JSONL or XLSX table with a
            reply column and usually a buyer-message column; or a chat log (``jddc2018``,
            ``jddc2019``, or a turn-based CSV/JSONL with role and text columns).
        fmt: one of ``FORMATS``; None detects it from the extension and content.
        message_col: the message column (tables); default detected (``columns.choose_columns``).
        reply_col: the reply column (tables); default detected.
        by: a column to group by (tables); ``session`` for chat logs.
        options: the options that name columns in the calling face, for errors.
        session_col, turn_col, role_col: a table of turns (one turn a line): its session, turn order
            and role columns, the text in ``reply_col`` or a column named text/content/message ...;
            audited as ``audit_dataframe`` audits such a frame.

    Returns:
        The rows, numbered from 1 in file order, and the ``Columns`` used (None for chat logs).

    Raises:
        FileFormatError: the file is missing, empty, unreadable, not text, not a table, has one
            column only, or lacks the columns (``path:line: message``).
        UnknownIdError: ``fmt`` is not a known format.
    """
    from .errors import UnknownIdError

    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"{path}: file not found")
    if path.is_dir():
        raise FileFormatError(f"{path}: is a directory, not a file")
    if fmt is not None and fmt not in FORMATS:
        raise UnknownIdError(
            f"unknown format {fmt!r}{did_you_mean(fmt, FORMATS)} (one of {', '.join(FORMATS)})"
        )
    fmt = fmt or detect_format(path)
    if fmt is None:
        raise FileFormatError(f"{path}: cannot tell the format; pass --format ({'|'.join(FORMATS)})")
    if fmt in CHAT_FORMATS:
        if message_col or reply_col:
            raise InputError(f"--message-col/--reply-col do not apply to {fmt} logs")
        return _chat_rows(path, fmt, by), None
    names, records = read_table(path, fmt)
    if session_col is not None or role_col is not None:
        return _file_turn_rows(
            path, names, records, reply_col, message_col, by, session_col, turn_col, role_col, options
        )
    if _is_turn_log(names, reply_col):
        return _chat_rows(path, fmt, by), None
    chosen = choose_columns(names, message=message_col, reply=reply_col, where=str(path), options=options)
    if by is not None and by not in names:
        raise FileFormatError(f"{path}: no column {by!r} (--by){did_you_mean(by, list(names))}")
    reply, message = chosen.reply, chosen.message
    rows = [
        AuditInput(
            number,
            _text(record.get(reply)),
            _optional_text(record.get(message)) if message else None,
            group=_optional_text(record.get(by)) if by else None,
            line=line,
        )
        for number, (line, record) in enumerate(records, start=1)
    ]
    return rows, Columns(reply, message, by, detected=chosen.detected)


def _file_turn_rows(
    path: Path,
    names: list[str],
    records: list[tuple[int, dict]],
    text_col: str | None,
    message_col: str | None,
    by: str | None,
    session_col: str | None,
    turn_col: str | None,
    role_col: str | None,
    options: dict[str, str],
) -> tuple[list[AuditInput], Columns]:
    where = str(path)
    if session_col is None or role_col is None:
        raise InputError(f"{where}: a table of turns needs both --session and --role")
    if message_col is not None:
        raise InputError(f"{where}: in a table of turns the buyer turns are the messages; drop --message-col")
    for name, option in (
        (session_col, "--session"),
        (turn_col, "--turn"),
        (role_col, "--role"),
        (by, "--by"),
    ):
        if name is not None and name not in names:
            raise FileFormatError(f"{where}: no column {name!r} ({option}){did_you_mean(name, names)}")
    chosen = _choose_text_column(names, text_col, where, options)
    column = [record for _, record in records]
    rows = _turn_rows(
        [r.get(session_col, "") for r in column],
        [r.get(role_col, "") for r in column],
        [r.get(chosen.reply, "") for r in column],
        [r.get(turn_col, "") for r in column] if turn_col else None,
        None,
        [line for line, _ in records],
        [_optional_text(r.get(by)) for r in column] if by else None,
        role_col,
        where,
    )
    return rows, Columns(chosen.reply, None, by, None, session_col, turn_col, role_col, chosen.detected)


def read_table(path: str | Path, fmt: str | None = None) -> tuple[list[str], list[tuple[int, dict]]]:
    """The column names and ``(line, {column: text})`` records of a CSV/JSONL/XLSX table.

    Raises:
        FileFormatError: the file is empty, not text, or not a table of that format.
    """
    path = Path(path)
    fmt = fmt or detect_format(path) or "csv"
    if fmt == "xlsx":
        return _read_xlsx(path)
    if fmt == "jsonl":
        return _read_jsonl_table(path)
    return _read_csv_table(path)


def _is_turn_log(names: Sequence[str], reply_col: str | None) -> bool:
    """A CSV/JSONL with role and text columns but no reply column is a chat log, one turn a line."""
    from .columns import looks_like_reply

    if reply_col is not None or looks_like_reply(names):
        return False
    from .chat_read import load_patterns

    columns = load_patterns().columns
    lowered = {norm(n) for n in names}
    return any(r in lowered for r in columns.get("role", ())) and any(
        t in lowered for t in columns.get("text", ())
    )


def _decode(path: Path) -> str:
    from .files import decode_text, read_bytes

    raw = read_bytes(path)
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileFormatError(f"{path}: a binary file, not a text table")
    return decode_text(raw, path)


def _read_csv_table(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    text = _decode(path)
    if not text.strip():
        raise FileFormatError(f"{path}: empty file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FileFormatError(f"{path}:1: not a CSV table ({exc})") from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    if len(names) < 1 or not any(names):
        raise FileFormatError(f"{path}:1: the first line must name the columns")
    records = []
    try:
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(names):
                raise FileFormatError(
                    f"{path}:{line}: {len(cells)} cells but the header names {len(names)} columns (quote cells that contain '{dialect.delimiter}')"
                )
            records.append((line, dict(zip(names, cells, strict=False))))
    except csv.Error as exc:
        raise FileFormatError(f"{path}:{reader.line_num}: bad CSV ({exc})") from None
    return names, records


def _read_jsonl_table(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    text = _decode(path)
    names: dict[str, None] = {}
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"{path}:{number}: bad JSON at column {exc.colno}: {exc.msg}") from None
        if not isinstance(record, dict):
            raise FileFormatError(f"{path}:{number}: each line must be a JSON object")
        for key in record:
            names.setdefault(str(key))
        records.append(
            (
                number,
                {
                    str(k): (
                        "" if v is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    )
                    for k, v in record.items()
                },
            )
        )
    if not records:
        raise FileFormatError(f"{path}: no JSON records")
    return list(names), records


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise FileFormatError(f"{path}: not a readable XLSX workbook ({exc.__class__.__name__})") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(c is not None and str(c).strip() for c in header):
            raise FileFormatError(f"{path}:1: the first row of the first sheet must name the columns")
        names = ["" if c is None else str(c).strip() for c in header]
        records = []
        for number, cells in enumerate(rows, start=2):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            records.append(
                (number, {n: "" if c is None else str(c) for n, c in zip(names, cells, strict=False) if n})
            )
    finally:
        book.close()
    return names, records


def _chat_rows(path: Path, fmt: str, by: str | None) -> list[AuditInput]:
    """One row per agent reply of a chat log (see ``_conversation_rows``)."""
    from .chat_read import read_conversations

    if by not in (None, "session"):
        raise FileFormatError(f"{path}: a chat log can only be grouped by 'session', not {by!r}")
    conversations = ((c.session if by == "session" else None, c.turns) for c in read_conversations(path, fmt))
    return _conversation_rows(conversations, fmt)
