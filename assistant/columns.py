"""Which columns of a table an audit reads: one rule for the CLI, the magics and the console.

A table is a CSV/JSONL/XLSX file, a console upload or a pandas DataFrame. ``choose_columns`` picks
the reply column and the buyer-message column from the header names listed in
``table_columns.toml``; a column whose name means a person, an id, a time or a session (agent,
user_id, reply_time, 客服昵称, session) is never taken as text, however it is spelt otherwise. A
table without a recognisable reply column, or with two equally good ones, is refused with one line
that lists its columns and the option that maps them (``--reply-col`` in the CLI and the console,
``--reply`` in ``%audit``). The choice is a ``Columns`` record: the audit keeps it on its report
and every face prints ``Columns.describe()``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import FileFormatError
from .files import read_patterns_toml
from .taxonomy import did_you_mean

COLUMNS_FILE = Path(__file__).with_name("table_columns.toml")
CLI_OPTIONS = {"message": "--message-col", "reply": "--reply-col"}
MAGIC_OPTIONS = {"message": "--message", "reply": "--reply"}


@dataclass(frozen=True)
class ColumnNames:
    """The contents of ``table_columns.toml`` (names normalised as ``norm`` does)."""

    reply: tuple[str, ...]
    message: tuple[str, ...]
    people: frozenset[str]
    endings: tuple[str, ...]
    group: tuple[str, ...] = ()


@functools.lru_cache(maxsize=2)
def load_column_names(path: str | Path = COLUMNS_FILE) -> ColumnNames:
    """Read the column names file (default: the one shipped beside this module)."""
    data = read_patterns_toml(path, "table column names")
    return ColumnNames(
        reply=tuple(norm(n) for n in data.get("reply", [])),
        message=tuple(norm(n) for n in data.get("message", [])),
        people=frozenset(norm(n) for n in data.get("people", [])),
        # longest first, so that 'nickname' is tried before 'name'
        endings=tuple(sorted((norm(n) for n in data.get("endings", [])), key=len, reverse=True)),
        group=tuple(norm(n) for n in data.get("group", [])),
    )


def group_column(names: Sequence[str], known: ColumnNames | None = None) -> str | None:
    """The first column whose name says it holds the agent of each reply (客服昵称, agent ...), the
    default grouping of an audit; None when no column does."""
    known = known or load_column_names()
    return next((name for name in names if norm(name) in known.group), None)


def norm(name: object) -> str:
    """A header name as compared: lower-cased, without a BOM, spaces, '_' or '-'."""
    return re.sub(r"[\s_\-]+", "", str(name).strip().lstrip("\ufeff")).lower()


def never_text(name: object, names: ColumnNames | None = None) -> bool:
    """True when a column's name says it holds a person, an id, a time or a session, not text."""
    names = names or load_column_names()
    key = norm(name)
    return key in names.people or any(key.endswith(e) for e in names.endings)


@dataclass(frozen=True)
class Columns:
    """The columns an audit reads, and which of them were found by name (``detected``).

    ``reply`` is the reply column of a table, or the text column of a conversation table (one row
    per turn, with ``session``, ``turn`` and ``role`` columns).
    """

    reply: str
    message: str | None = None
    by: str | None = None
    scenario: str | None = None
    session: str | None = None
    turn: str | None = None
    role: str | None = None
    detected: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line naming each column used, e.g. ``列 columns: reply=客服回复 (detected) · message=买家消息``."""
        parts = []
        for field in ("reply", "message", "by", "scenario", "session", "turn", "role"):
            value = getattr(self, field)
            if value is None:
                continue
            label = "text" if field == "reply" and self.role else field
            parts.append(f"{label}={value}" + (" (detected)" if field in self.detected else ""))
        if self.message is None and self.role is None:
            parts.append("message=none (replies audited alone)")
        return "列 columns: " + " · ".join(parts)

    def to_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("reply", "message", "by", "scenario", "session", "turn", "role")
            if getattr(self, k) is not None
        } | {"detected": list(self.detected)}


def _matches(names: Sequence[str], aliases: Sequence[str], taken: set[str]) -> list[str]:
    """The columns named like the best-ranked alias that any column matches (an exact name first,
    then a header containing a longer alias); more than one means the choice is ambiguous."""
    candidates = [(n, norm(n)) for n in names if n not in taken and not never_text(n)]
    for alias in aliases:
        found = [n for n, key in candidates if key == alias]
        if found:
            return found
    for alias in aliases:
        if len(alias) < 2:
            continue
        found = [n for n, key in candidates if alias in key]
        if found:
            return found
    return []


def choose_columns(
    names: Sequence[str],
    *,
    message: str | None = None,
    reply: str | None = None,
    where: str,
    options: dict[str, str] = CLI_OPTIONS,
) -> Columns:
    """The reply and message columns among ``names`` (given ones must exist).

    Args:
        names: the table's column names, in order.
        message, reply: columns the user named (checked, never second-guessed).
        where: the table, for the error (a file name, a variable name).
        options: the options that name the columns in this face, for the error.

    Returns:
        ``Columns`` with ``message`` None when no buyer-message column is found (replies are then
        audited alone).

    Raises:
        FileFormatError: a named column does not exist; no column, or more than one, looks like
            the replies; more than one looks like the messages; or a one-column table whose header
            is not a reply column's name.
    """
    names = list(dict.fromkeys(str(n) for n in names))  # a repeated name is refused by the caller
    shown = ", ".join(repr(n) for n in names) or "none"
    for field, value in (("reply", reply), ("message", message)):
        if value is not None and value not in names:
            raise FileFormatError(
                f"{where}: no column {value!r} ({options[field]}){did_you_mean(value, names)}; columns: {shown}"
            )
    known = load_column_names()
    if not names:
        raise FileFormatError(f"{where}: no columns; the first line must name them, e.g. message,reply")
    if len(names) == 1 and reply is None and norm(names[0]) not in known.reply:
        raise FileFormatError(
            f"{where}: one column only ({names[0]!r}); a table needs named columns (e.g. message,reply), "
            f"or name the reply column with {options['reply']}"
        )
    detected = []
    if reply is None:
        found = _matches(names, known.reply, {message} if message else set())
        if len(found) != 1:
            what = "more than one column looks like the replies" if found else "cannot find the reply column"
            raise FileFormatError(
                f"{where}: {what} among {shown}; name it with {options['reply']}{'' if found else _hint(names, known, options)}"
            )
        reply = found[0]
        detected.append("reply")
    if message is None:
        found = _matches(names, known.message, {reply})
        if len(found) > 1:
            raise FileFormatError(
                f"{where}: more than one column looks like the buyer messages among {shown}; "
                f"name it with {options['message']}"
            )
        if found:
            message = found[0]
            detected.append("message")
    return Columns(reply, message, detected=tuple(detected))


def _hint(names: Sequence[str], known: ColumnNames, options: dict[str, str]) -> str:
    """A close header for the reply column (``replies`` for ``reply``), as a suggestion."""
    from .taxonomy import closest

    keys = [norm(n) for n in names if not never_text(n) and norm(n) not in known.message]
    guesses = [closest(alias, keys) for alias in known.reply if len(alias) > 1]
    guess = next((n for g in guesses if g for n in names if norm(n) == g), None)
    return f" (did you mean {options['reply']} {guess!r}?)" if guess else ""


def looks_like_reply(names: Sequence[str]) -> bool:
    """True when some column is named like a reply column (and is not a person, id or time)."""
    return bool(_matches([str(n) for n in names], load_column_names().reply, set()))
