"""Reading what an audit checks: CSV/JSONL/XLSX tables, chat logs and tables of turns, into
``AuditInput`` rows (one per agent reply), with the columns chosen; the audit engine (``audit.py``)
checks them.

Chat logs give one row per agent reply (consecutive agent messages form one reply) with the buyer
turns just before it as the message and earlier turns as history. Files are read completely before
the first row is checked, so a bad file fails with one error (``path:line: message``) before any
output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .columns import CLI_OPTIONS, Columns, choose_columns, load_column_names, norm
from .errors import FileFormatError, InputError
from .files import json_objects
from .tables import csv_rows, xlsx_rows
from .taxonomy import did_you_mean

TABLE_FORMATS = ("csv", "jsonl", "xlsx")
CHAT_FORMATS = ("jddc2018", "jddc2019")
FORMATS = (*TABLE_FORMATS, *CHAT_FORMATS)
HISTORY_TURNS = 6  # earlier turns passed to the checklist for each chat reply
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


# ----------------------------------------------------------------------------- conversations


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
    from .chat_read import UNKNOWN_ROLE_HINT, load_patterns, role_of

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
                role = role_of(roles[i], patterns) or ""
                if role not in ("buyer", "agent"):
                    at = f"{where}:{lines[i]}" if lines is not None else f"{where}: row {keys[i]!r}"
                    raise FileFormatError(
                        f"{at}: unknown role {str(roles[i])!r} in {role_col!r} ({UNKNOWN_ROLE_HINT})"
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
    if not records:
        raise FileFormatError(f"{path}: 没有可质检的回复 no replies below the header ({', '.join(names)})")
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
    header, delimiter, rows = csv_rows(_decode(path), path)
    names = [h.strip() for h in header]
    if not any(names):
        raise FileFormatError(f"{path}:1: the first line must name the columns")
    records = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            raise FileFormatError(
                f"{path}:{line}: {len(cells)} cells but the header names {len(names)} columns (quote cells that contain '{delimiter}')"
            )
        records.append((line, dict(zip(names, cells, strict=False))))
    return names, records


def _read_jsonl_table(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    text = _decode(path)
    names: dict[str, None] = {}
    records = []
    for number, record in json_objects(text, path):
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
    names, rows = xlsx_rows(path)
    records = [
        (number, {n: c for n, c in zip(names, cells, strict=False) if n})
        for number, cells in rows
        if any(c.strip() for c in cells)
    ]
    return names, records


def _chat_rows(path: Path, fmt: str, by: str | None) -> list[AuditInput]:
    """One row per agent reply of a chat log (see ``_conversation_rows``)."""
    from .chat_read import read_conversations

    if by not in (None, "session"):
        raise FileFormatError(f"{path}: a chat log can only be grouped by 'session', not {by!r}")
    conversations = ((c.session if by == "session" else None, c.turns) for c in read_conversations(path, fmt))
    return _conversation_rows(conversations, fmt)
