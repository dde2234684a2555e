"""Audit past replies with the etiquette checklist, at scale (质检报告).

One core API for the CLI (``assistant audit``), the notebook magics (``%audit``) and the console:

- ``load_rows(path, fmt, ...)`` reads a CSV / JSONL / XLSX table with a message and a reply column,
  or a chat log (JDDC 2018/2019, turn-based CSV/JSONL via ``chats.read_conversations``), into
  ``AuditInput`` records. Chat logs give one row per agent reply (consecutive agent messages form
  one reply) with the buyer turns just before it as the message.
- ``audit_rows`` checks rows lazily (``AuditRow`` per input row, in order); ``audit`` checks them all
  and summarises per rule and per group (``AuditReport``); ``audit_dataframe`` does it for a pandas
  DataFrame. ``AuditReport.frames()`` gives the rows, the per-rule and the per-group DataFrames.
- ``write_report`` saves a report as CSV (one line per row) or HTML (summary + flagged replies).

Files are read completely before the first row is checked, so a bad file fails with one error
(``path:line: message``) before any output.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checklist import BLOCKING, RuleSet, Violation, check, render_html
from .errors import FileFormatError, InputError
from .taxonomy import did_you_mean

logger = logging.getLogger(__name__)

TABLE_FORMATS = ("csv", "jsonl", "xlsx")
CHAT_FORMATS = ("jddc2018", "jddc2019")
FORMATS = (*TABLE_FORMATS, *CHAT_FORMATS)
HISTORY_TURNS = 6  # earlier turns passed to the checklist for each chat reply
# Header names recognised for the message and reply columns (compared lower-cased, without spaces,
# '_' or '-'), most specific first: an exact name wins over a header that merely contains one, and
# role words (客服, agent), which often name the agent instead, come last.
MESSAGE_COLUMNS = (
    "message", "买家消息", "buyermessage", "客户消息", "顾客消息", "用户消息", "买家问题", "客户问题", "question",
    "query", "问题", "咨询", "咨询内容", "提问", "买家留言", "消息", "买家说", "buyer", "customer", "user", "买家",
    "客户", "顾客", "用户", "q", "ask",
)  # fmt: skip
REPLY_COLUMNS = (
    "reply", "客服回复", "回复", "answer", "response", "agentreply", "客服回答", "回复内容", "答复", "回答", "应答",
    "客服消息", "卖家回复", "商家回复", "客服说", "agentmessage", "agent", "客服", "a",
)  # fmt: skip
_SUFFIXES = {
    ".csv": "csv", ".tsv": "csv", ".txt": None, ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
}  # fmt: skip


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class AuditInput:
    """One reply to audit: its 1-based row number, the buyer message it answers (if known),
    earlier turns (``(role, text)`` pairs), a group value (``--by``) and its line in the file."""

    row: int
    reply: str
    message: str | None = None
    history: tuple[tuple[str, str], ...] = ()
    group: str | None = None
    line: int | None = None
    scenario: str | None = None


@dataclass(frozen=True)
class AuditRow:
    """The checklist's verdict on one input row."""

    row: int
    passed: bool
    violations: tuple[Violation, ...]
    reply: str = ""
    message: str | None = None
    group: str | None = None
    line: int | None = None

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
    all rows (``rate``) and the first one as an ``example`` (the span in its context)."""

    rule: str
    severity: str
    count: int
    rate: float
    example: str = ""
    example_row: int | None = None

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "count": self.count,
            "rate": self.rate,
            "example": self.example,
            "example_row": self.example_row,
        }


@dataclass(frozen=True)
class GroupSummary:
    """The verdicts of one group (an agent, a shop, a session ...)."""

    group: str
    rows: int
    passed: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.rows if self.rows else 1.0

    def to_dict(self) -> dict:
        return {
            "group": self.group,
            "rows": self.rows,
            "passed": self.passed,
            "pass_rate": self.pass_rate,
            "counts": dict(self.counts),
        }


@dataclass(frozen=True)
class AuditReport:
    """Every row's verdict with the per-rule and per-group summaries."""

    rows: tuple[AuditRow, ...]
    rules: tuple[RuleSummary, ...]
    groups: tuple[GroupSummary, ...] = ()
    source: str = ""
    by: str | None = None

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
        """The report as pandas DataFrames (rows, per rule, per group)."""
        import pandas as pd

        rows = pd.DataFrame([r.to_record() for r in self.rows], columns=list(ROW_COLUMNS))
        by_rule = pd.DataFrame([r.to_dict() for r in self.rules], columns=list(RULE_COLUMNS))
        by_group = None
        if self.groups:
            rule_ids = [r.rule for r in self.rules]
            records = [
                {"group": g.group, "rows": g.rows, "passed": g.passed, "pass_rate": g.pass_rate}
                | {rule: g.counts.get(rule, 0) for rule in rule_ids}
                for g in self.groups
            ]
            by_group = pd.DataFrame(records, columns=["group", "rows", "passed", "pass_rate", *rule_ids])
            if self.by:
                by_group = by_group.rename(columns={"group": self.by})
        return AuditFrames(rows, by_rule, by_group)


ROW_COLUMNS = ("row", "line", "group", "passed", "rules", "violations", "message", "reply")
RULE_COLUMNS = ("rule", "severity", "count", "rate", "example", "example_row")


@dataclass(frozen=True)
class AuditFrames:
    """An audit as DataFrames: one row per input row, one per rule, one per group (or None)."""

    rows: Any
    by_rule: Any
    by_group: Any = None


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
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    return str(value)


def _optional_text(value: Any) -> str | None:
    text = _text(value)
    return text if text.strip() else None


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
        if not entry.reply.strip():
            yield AuditRow(entry.row, True, (), entry.reply, entry.message, entry.group, entry.line)
            continue
        result = check(
            entry.reply, entry.message, entry.history, rules=rules, scenario=entry.scenario, fix=False
        )
        yield AuditRow(
            entry.row, result.passed, result.violations, entry.reply, entry.message, entry.group, entry.line
        )


def audit(
    rows: Iterable[Any], rules: RuleSet, *, by: str | None = None, source: str = "", progress: bool = False
) -> AuditReport:
    """Check every row and summarise per rule (and per group when rows carry a group).

    Args:
        rows: as for ``audit_rows``.
        rules: the checklist rules.
        by: the name of the grouping column, for the report's headings.
        source: where the rows came from (a file name), for the report.
        progress: show a progress bar on stderr (when it is a terminal).

    Returns:
        The ``AuditReport``.
    """
    items = rows if isinstance(rows, Sequence) else list(rows)
    checked = audit_rows(items, rules)
    if progress:
        from tqdm import tqdm

        checked = tqdm(
            checked, total=len(items), desc="质检 audit", unit=" replies", disable=None, leave=False
        )
    results = tuple(checked)
    return summarize(results, rules, by=by, source=source)


def summarize(
    rows: Sequence[AuditRow], rules: RuleSet, *, by: str | None = None, source: str = ""
) -> AuditReport:
    """The per-rule and per-group summaries of checked rows (rules in checklist order, most
    frequent first)."""
    counts: Counter = Counter()
    examples: dict[str, tuple[str, int]] = {}
    groups: dict[str, list] = defaultdict(lambda: [0, 0, Counter()])
    has_groups = any(r.group is not None for r in rows)
    for row in rows:
        for rule in row.rules:
            counts[rule] += 1
            if rule not in examples:
                v = next(v for v in row.violations if v.rule == rule)
                examples[rule] = (_example(row.reply, v), row.row)
        if has_groups:
            g = groups["" if row.group is None else row.group]
            g[0] += 1
            g[1] += row.passed
            g[2].update(row.rules)
    total = len(rows)
    order = {rule.id: i for i, rule in enumerate(rules.rules)}
    summaries = [
        RuleSummary(
            rule.id,
            rule.severity,
            counts[rule.id],
            counts[rule.id] / total if total else 0.0,
            *examples.get(rule.id, ("", None)),
        )
        for rule in rules.rules
    ]
    summaries.sort(key=lambda s: (-s.count, order[s.rule]))
    group_summaries = tuple(
        GroupSummary(name, g[0], g[1], dict(g[2])) for name, g in sorted(groups.items(), key=lambda kv: kv[0])
    )
    return AuditReport(tuple(rows), tuple(summaries), group_summaries, source, by)


def _example(reply: str, v: Violation, width: int = 14) -> str:
    """The violating span in a little context, marked 【】; a whole-reply violation is the reply."""
    one_line = reply.replace("\n", " ")
    if v.start == 0 and v.end == len(reply):
        return one_line if len(one_line) <= 2 * width + 8 else one_line[: 2 * width + 7] + "…"
    left = max(0, v.start - width)
    right = min(len(reply), v.end + width)
    text = one_line[left : v.start] + "【" + one_line[v.start : v.end] + "】" + one_line[v.end : right]
    return ("…" if left else "") + text + ("…" if right < len(reply) else "")


def audit_dataframe(
    frame: Any,
    rules: RuleSet,
    *,
    message_col: str | None = None,
    reply_col: str | None = None,
    by: str | None = None,
    scenario_col: str | None = None,
    progress: bool = False,
) -> AuditReport:
    """Audit the rows of a pandas DataFrame.

    Args:
        frame: the DataFrame.
        rules: the checklist rules.
        message_col: the buyer-message column (default: detected from common names; none is fine).
        reply_col: the reply column (default: detected from common names).
        by: a column to group by (an agent, a shop ...).
        scenario_col: a column with scenario ids, when the rows carry them.
        progress: show a progress bar.

    Returns:
        The ``AuditReport`` (``.frames()`` gives DataFrames).

    Raises:
        FileFormatError: a named column is missing or no reply column can be found.
    """
    columns = [str(c) for c in frame.columns]
    message_col, reply_col = pick_columns(columns, message_col, reply_col, "the DataFrame")
    for name, option in ((by, "by"), (scenario_col, "scenario_col")):
        if name is not None and name not in columns:
            raise FileFormatError(
                f"the DataFrame: no column {name!r} for {option}{did_you_mean(name, columns)}"
            )
    for name in (reply_col, message_col, by, scenario_col):
        if name and columns.count(name) > 1:  # frame[name] would be a table, not a column
            raise FileFormatError(
                f"the DataFrame has {columns.count(name)} columns named {name!r}; rename them so that each name is used once"
            )
    source = {str(c): c for c in frame.columns}
    data = {
        key: frame[source[col]].tolist()
        for key, col in (
            ("reply", reply_col),
            ("message", message_col),
            ("group", by),
            ("scenario", scenario_col),
        )
        if col
    }
    rows = [
        AuditInput(
            i + 1,
            _text(data["reply"][i]),
            _optional_text(data["message"][i]) if "message" in data else None,
            group=_text(data["group"][i]) if "group" in data else None,
            scenario=_optional_text(data["scenario"][i]) if "scenario" in data else None,
        )
        for i in range(len(frame))
    ]
    return audit(rows, rules, by=by, source="DataFrame", progress=progress)


# ----------------------------------------------------------------------------- columns


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).strip().lstrip("\ufeff")).lower()


def _find_column(names: Sequence[str], aliases: Sequence[str], taken: str | None = None) -> str | None:
    normed = [(n, _norm(n)) for n in names if n != taken]
    for alias in aliases:  # an exact name first, in the order of the aliases
        for name, key in normed:
            if key == alias:
                return name
    for alias in aliases:  # then a header that contains a (longer) alias: 买家消息内容
        if len(alias) < 2:
            continue
        for name, key in normed:
            if alias in key:
                return name
    return None


def pick_columns(
    names: Sequence[str], message_col: str | None, reply_col: str | None, where: str
) -> tuple[str | None, str]:
    """The message and reply columns among ``names`` (explicit ones must exist).

    Returns:
        ``(message column or None, reply column)``.

    Raises:
        FileFormatError: a named column does not exist, or no reply column is found.
    """
    shown = ", ".join(repr(n) for n in names) or "none"
    for option, value in (("--reply-col", reply_col), ("--message-col", message_col)):
        if value is not None and value not in names:
            raise FileFormatError(
                f"{where}: no column {value!r} ({option}){did_you_mean(value, list(names))}; columns: {shown}"
            )
    reply = reply_col or _find_column(names, REPLY_COLUMNS, taken=message_col)
    if reply is None:
        from .taxonomy import closest

        keys = [_norm(n) for n in names]
        guesses = [closest(alias, keys) for alias in REPLY_COLUMNS if len(alias) > 1]
        guess = next((n for g in guesses if g for n in names if _norm(n) == g), None)
        hint = f" (did you mean --reply-col {guess!r}?)" if guess else ""
        raise FileFormatError(
            f"{where}: cannot find the reply column among {shown}; name it with --reply-col{hint}"
        )
    message = message_col or _find_column(names, MESSAGE_COLUMNS, taken=reply)
    if message == reply:
        message = None
    if message is None:
        logger.info("%s: no buyer-message column; auditing replies alone", where)
    return message, reply


# ----------------------------------------------------------------------------- reading files


def detect_format(path: str | Path) -> str | None:
    """The format of an audit file from its extension and first lines (None when unknown)."""
    path = Path(path)
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    from .chats import detect_format as detect_chat

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
    """Read a file into audit rows (all of it, so errors come before any output).

    Args:
        path: a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 ... detected), JSONL or XLSX table with a
            reply column and usually a buyer-message column; or a chat log (``jddc2018``,
            ``jddc2019``, or a turn-based CSV/JSONL with role and text columns).
        fmt: one of ``FORMATS``; None detects it from the extension and content.
        message_col: the message column (tables); default detected from common names.
        reply_col: the reply column (tables); default detected from common names.
        by: a column to group by (tables); ``session`` for chat logs.

    Returns:
        The rows, numbered from 1 in file order.

    Raises:
        FileFormatError: the file is missing, unreadable, not a table, or lacks the columns
            (``path:line: message``).
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
        return _chat_rows(path, fmt, by)
    if fmt == "xlsx":
        names, records = _read_xlsx(path)
    elif fmt == "jsonl":
        names, records = _read_jsonl_table(path)
    else:
        names, records = _read_csv_table(path)
    if _is_turn_log(names, reply_col):
        return _chat_rows(path, fmt, by)
    message, reply = pick_columns(names, message_col, reply_col, str(path))
    if by is not None and by not in names:
        raise FileFormatError(f"{path}: no column {by!r} (--by){did_you_mean(by, list(names))}")
    return [
        AuditInput(
            number,
            _text(record.get(reply)),
            _optional_text(record.get(message)) if message else None,
            group=_text(record.get(by)) if by else None,
            line=line,
        )
        for number, (line, record) in enumerate(records, start=1)
    ]


def _is_turn_log(names: Sequence[str], reply_col: str | None) -> bool:
    """A CSV/JSONL with role and text columns but no reply column is a chat log, one turn a line."""
    if reply_col is not None or _find_column(names, REPLY_COLUMNS) is not None:
        return False
    from .chats import load_patterns

    columns = load_patterns().columns
    lowered = {_norm(n) for n in names}
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
    """One row per agent reply of a chat log: consecutive agent messages are one reply, the
    buyer messages just before it are its message, earlier turns its history. For jddc2018
    only the final reply of each context/answer pair is audited (the rest is context)."""
    from .chats import read_conversations

    if by not in (None, "session"):
        raise FileFormatError(f"{path}: a chat log can only be grouped by 'session', not {by!r}")
    rows: list[AuditInput] = []
    for conversation in read_conversations(path, fmt):
        turns = [t for t in conversation.turns if t.text and t.text.strip()]
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
                    conversation.session if by == "session" else None,
                    agent_turns[0].line,
                )
            )
    return rows


# ----------------------------------------------------------------------------- reports


def write_report(
    report: AuditReport, path: str | Path, guidance_titles: dict[str, str] | None = None
) -> Path:
    """Save a report: ``.csv`` (one line per row: row, line, group, passed, rules, violations,
    message, reply) or ``.html`` (summary table, per-group table, flagged replies highlighted).

    Raises:
        InputError: the extension is neither .csv nor .html.
        StoreError: the file cannot be written.
    """
    from .errors import StoreError
    from .storage import atomic_write_text

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(ROW_COLUMNS))
        writer.writeheader()
        for row in report.rows:
            writer.writerow(row.to_record())
        text = "\ufeff" + buffer.getvalue()  # with a BOM so Excel opens the Chinese text as UTF-8
    elif suffix in (".html", ".htm"):
        text = report_html(report, guidance_titles)
    else:
        raise InputError(f"--out {path.name!r}: the report must end in .csv or .html")
    try:
        atomic_write_text(path, text)
        umask = os.umask(0)
        os.umask(umask)
        path.chmod(0o666 & ~umask)  # a report is for sharing; the atomic write leaves it private
    except OSError as exc:
        raise StoreError(f"{path}: cannot write the report ({exc.strerror})") from None
    return path


def report_html(
    report: AuditReport, guidance_titles: dict[str, str] | None = None, max_rows: int = 500
) -> str:
    """A standalone HTML page of the report (all text escaped)."""
    esc = html.escape
    head = (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>质检报告 audit</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}th{background:#f5f5f5}</style></head><body>"
    )
    parts = [head, f"<h1>质检报告 audit: {esc(report.source)}</h1>"]
    parts.append(
        f"<p>{report.total} rows, {report.passed} passed ({report.passed / report.total:.1%})</p>"
        if report.total
        else "<p>no rows</p>"
    )
    parts.append(
        "<h2>按规则 by rule</h2><table><tr><th>rule</th><th>severity</th><th>count</th><th>rate</th><th>example</th></tr>"
    )
    for s in report.rules:
        title = f" <small>{esc(guidance_titles.get(s.rule, ''))}</small>" if guidance_titles else ""
        parts.append(
            f"<tr><td>{esc(s.rule)}{title}</td><td>{esc(s.severity)}</td><td>{s.count}</td>"
            f"<td>{s.rate:.2%}</td><td>{esc(s.example)}</td></tr>"
        )
    parts.append("</table>")
    if report.groups:
        rule_ids = [s.rule for s in report.rules if s.count]
        parts.append(
            f"<h2>按{esc(report.by or 'group')} by group</h2><table><tr><th>{esc(report.by or 'group')}</th><th>rows</th><th>pass rate</th>"
        )
        parts.extend(f"<th>{esc(r)}</th>" for r in rule_ids)
        parts.append("</tr>")
        for g in report.groups:
            parts.append(f"<tr><td>{esc(g.group)}</td><td>{g.rows}</td><td>{g.pass_rate:.1%}</td>")
            parts.extend(f"<td>{g.counts.get(r, 0)}</td>" for r in rule_ids)
            parts.append("</tr>")
        parts.append("</table>")
    flagged = [r for r in report.rows if r.violations]
    parts.append(
        f"<h2>有问题的回复 flagged replies ({len(flagged)})</h2><table><tr><th>row</th><th>message</th><th>reply</th><th>rules</th></tr>"
    )
    for row in flagged[:max_rows]:
        blocking = any(v.severity in BLOCKING for v in row.violations)
        parts.append(
            f"<tr><td>{row.row}</td><td>{esc(row.message or '')}</td><td>{render_html(row.reply, row.violations)}</td>"
            f"<td>{'<b>' if blocking else ''}{esc(', '.join(row.rules))}{'</b>' if blocking else ''}</td></tr>"
        )
    parts.append("</table>")
    if len(flagged) > max_rows:
        parts.append(f"<p>… {len(flagged) - max_rows} more (see the CSV report)</p>")
    parts.append("</body></html>")
    return "".join(parts)
