"""The audit engine: past replies checked with the etiquette checklist at scale (质检报告), and
summarised per rule and per group.

One core API for the CLI (``assistant audit``), the notebook magics (``%audit``) and the console:

- ``audit_read.read_rows`` (re-exported here with ``load_rows``, ``read_table`` and
  ``detect_format``) reads tables and chat logs into ``AuditInput`` rows.
- ``audit_rows`` checks rows lazily (``AuditRow`` per input row, in order); ``audit`` checks them all
  and summarises per rule and per group (``AuditReport``); ``audit_dataframe`` does it for a pandas
  DataFrame, either one reply a row or one conversation turn a row (``session_col``, ``role_col``,
  ``turn_col``), with the same numbers as the CLI gives for the same chats.
- The reports: ``AuditReport.frames()`` gives pandas DataFrames (``frames.py``: the rows in wide
  form, one row per violation, per rule and per group); ``reports.write_report`` saves a report
  (CSV, XLSX, HTML, Parquet; Excel-safe).
"""

from __future__ import annotations

import gc
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .audit_read import (  # noqa: F401  (the readers are re-exported: callers import them from here)
    CHAT_FORMATS,
    FORMATS,
    HISTORY_TURNS,
    TABLE_FORMATS,
    AuditInput,
    _choose_text_column,
    _frame_conversation_rows,
    _missing,
    _optional_text,
    _text,
    detect_format,
    load_rows,
    read_rows,
    read_table,
)
from .checklist import RuleSet, Violation, check
from .columns import CLI_OPTIONS, Columns, choose_columns
from .errors import FileFormatError, InputError
from .frames import ROW_COLUMNS, RULE_COLUMNS, VIOLATION_COLUMNS, AuditFrames  # noqa: F401  (re-exported)
from .taxonomy import did_you_mean

logger = logging.getLogger(__name__)

PROGRESS_MIN_ROWS = 1_000  # fewer rows take a fraction of a second
PROGRESS_DELAY_S = 1.0  # a bar shows only once an audit has run this long


# ----------------------------------------------------------------------------- records


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
    on_row: Callable[[AuditRow], None] | None = None,
) -> AuditReport:
    """Check every row and summarise per rule (and per group when rows carry a group).

    Args:
        rows: as for ``audit_rows``.
        rules: the checklist rules.
        by: the name of the grouping column, for the report's headings.
        source: where the rows came from (a file name), for the report.
        progress: show a progress bar (``progress_bar``) when there are enough rows to wait for.
        columns: the columns the rows were read from, kept on the report.
        on_row: called with each ``AuditRow`` as soon as it is checked, in order (the CLI's
            ``--json`` prints them as they come).

    Returns:
        The ``AuditReport``.
    """
    items = rows if isinstance(rows, Sequence) else list(rows)
    checked = audit_rows(items, rules)
    if on_row is not None:
        checked = _passed_to(on_row, checked)
    if progress and len(items) >= PROGRESS_MIN_ROWS:
        checked = progress_bar(checked, len(items))
    return summarize(_collect(checked), rules, by=by, source=source, columns=columns)


def _passed_to(callback: Callable[[AuditRow], None], checked: Iterable[AuditRow]) -> Iterator[AuditRow]:
    for row in checked:
        callback(row)
        yield row


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
