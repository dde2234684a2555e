"""Reading chat logs: the ``ChatTurn``/``Conversation`` records, the patterns of ``chat_patterns.toml``,
one reader per export shape, and the cleaning of chat text.

Readers (``read_conversations``) turn a log in one of ``FORMATS`` into conversations of turns (role
``buyer`` or ``agent``, raw text, file and line): the JDDC 2018/2019 formats, tables of turns (CSV/TSV
and XLSX exports of 千牛, 京东咚咚, 抖店 and the like, grouped by their session column) and JSONL.
Rows whose role is a system role are dropped here; ``clean_chat_text`` removes placeholders, links
and masked numbers. ``chats`` turns what is read into candidate cases; ``audit`` reads logs here too.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FileFormatError, InputError, UnknownIdError
from .files import compile_pattern, json_objects, read_patterns_toml
from .tables import csv_rows, xlsx_rows
from .taxonomy import did_you_mean

FORMATS = ("jddc2018", "jddc2019", "csv", "xlsx", "jsonl")
PATTERNS_FILE = Path(__file__).with_name("chat_patterns.toml")
_SNIFF_BYTES = 65536

# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ChatTurn:
    """One message of a chat log, as written (placeholders and links not yet cleaned).

    ``line`` is the line number in ``path``; for paired-file formats (jddc2018 questions/answers,
    jddc2019 dev question/answer) buyer and agent turns of one conversation live in different files,
    so every turn carries its own ``path``.
    """

    role: str  # "buyer" | "agent"
    text: str
    line: int
    session: str
    path: str = ""

    @property
    def where(self) -> str:
        """``path:line`` of the turn."""
        return f"{self.path}:{self.line}"

    def to_dict(self) -> dict:
        return {
            "role": self.role,
            "text": self.text,
            "line": self.line,
            "session": self.session,
            "path": self.path,
        }


@dataclass(frozen=True)
class Conversation:
    """The turns of one chat session, oldest first; ``path`` is the file it was read from."""

    session: str
    turns: tuple[ChatTurn, ...]
    path: str

    def to_dict(self) -> dict:
        return {"session": self.session, "path": self.path, "turns": [t.to_dict() for t in self.turns]}


# ----------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class ChatPatterns:
    """The compiled contents of ``chat_patterns.toml``."""

    buyer_roles: frozenset[str]
    agent_roles: frozenset[str]
    system_roles: frozenset[str]
    columns: dict[str, tuple[str, ...]]
    placeholders: tuple[tuple[re.Pattern, str], ...]
    system: tuple[re.Pattern, ...]
    robot: tuple[re.Pattern, ...]
    empty: re.Pattern
    min_reply_chars: int
    max_reply_chars: int
    min_buyer_chars: int
    context_turns: int
    dedup: dict[str, Any]
    labels: dict[str, Any]
    agent_role_prefixes: tuple[str, ...] = ()  # 客服小美, 售后-阿强: an agent named after the role
    # how agents and buyers write ([jddc2018]): who spoke a turn of a log that does not say
    agent_voice: tuple[re.Pattern, ...] = ()
    buyer_voice: tuple[re.Pattern, ...] = ()
    last_turn_voice: int = 3

    def agent_voiced(self, text: str) -> bool:
        """Whether a turn reads as the agent's: more of the agent's ways of writing are in it than
        the buyer's (``[jddc2018] agent_voice`` / ``buyer_voice``, each counted once)."""
        return _voice(self, text) > 0


@functools.lru_cache(maxsize=4)
def load_patterns(path: str | Path = PATTERNS_FILE) -> ChatPatterns:
    """Read and compile a chat patterns file (default: the one shipped beside this module).

    Raises:
        FileFormatError: the file is not valid TOML or a regex does not compile.
    """
    data = read_patterns_toml(path, "chat patterns")

    def rx(pattern: str) -> re.Pattern:
        return compile_pattern(pattern, path, re.IGNORECASE)

    clean = data.get("clean", {})
    roles = data.get("roles", {})
    return ChatPatterns(
        buyer_roles=frozenset(str(r).lower() for r in roles.get("buyer", [])),
        agent_roles=frozenset(str(r).lower() for r in roles.get("agent", [])),
        system_roles=frozenset(str(r).lower() for r in roles.get("system", [])),
        agent_role_prefixes=tuple(str(r).lower() for r in roles.get("agent_prefixes", [])),
        columns={k: tuple(str(c).lower() for c in v) for k, v in data.get("columns", {}).items()},
        placeholders=tuple((rx(p["pattern"]), p.get("replace", "")) for p in clean.get("placeholders", [])),
        system=tuple(rx(p) for p in clean.get("system", [])),
        robot=tuple(rx(p) for p in clean.get("robot", [])),
        empty=rx(clean.get("empty_chars", r"\s*")),
        min_reply_chars=int(clean.get("min_reply_chars", 4)),
        max_reply_chars=int(clean.get("max_reply_chars", 400)),
        min_buyer_chars=int(clean.get("min_buyer_chars", 1)),
        context_turns=int(clean.get("context_turns", 4)),
        dedup=dict(data.get("dedup", {})),
        labels=dict(data.get("labels", {})),
        agent_voice=tuple(rx(p) for p in data.get("jddc2018", {}).get("agent_voice", [])),
        buyer_voice=tuple(rx(p) for p in data.get("jddc2018", {}).get("buyer_voice", [])),
        last_turn_voice=int(data.get("jddc2018", {}).get("last_turn_voice", 3)),
    )


# ----------------------------------------------------------------------------- reading


def detect_format(path: str | Path) -> str | None:
    """Guess the format of a chat log from its name and first lines.

    Args:
        path: the log file.

    Returns:
        One of ``FORMATS``, or None when the file does not look like any of them (or is unreadable).
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return "xlsx"  # a zip archive: nothing to sniff as text
    if _jddc2018_sibling(path) is not None and path.suffix.lower() == ".txt":
        return "jddc2018"
    if _dev_sibling(path) is not None:
        return "jddc2019"
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return None
    from .files import decode_text

    try:
        text = decode_text(head, path) if len(head) < _SNIFF_BYTES else head.decode("utf-8", errors="ignore")
    except FileFormatError:
        return None
    first = next((line for line in text.split("\n") if line.strip()), "")
    if first.lstrip().startswith("<session"):
        return "jddc2019"
    fields = first.split("\t")
    if len(fields) >= 7 and fields[2].strip() in ("0", "1"):
        return "jddc2019"
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json") or first.lstrip().startswith("{"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return None


def read_conversations(
    path: str | Path, fmt: str | None = None, columns: dict[str, str] | None = None
) -> Iterator[Conversation]:
    """Read the conversations of a chat log, oldest turn first.

    Args:
        path: the log. For ``jddc2018`` either file of a ``*Questions.txt``/``*Answers.txt`` pair
            (the sibling is found beside it); for ``jddc2019`` a ``chat*.txt`` TSV or either file of
            the ``dev_question.txt``/``dev_answer.txt`` pair.
        fmt: one of ``FORMATS``; None detects it with ``detect_format``.
        columns: for ``csv``/``xlsx``, which column holds the session, role and text
            (``parse_columns``), when the header names are not recognised.

    Returns:
        An iterator of conversations (read lazily; errors surface while iterating).

    Raises:
        FileFormatError: the file is missing, unreadable, not text, or not in the format, reported
            as ``path:line: message`` where there is a line.
        UnknownIdError: ``fmt`` is not a known format.
    """
    path = Path(path)
    if fmt is None:
        fmt = detect_format(path)
        if fmt is None:
            _read_text(path)  # a missing or binary file reports that rather than "unknown format"
            raise FileFormatError(f"{path}: cannot tell the chat format; pass --format ({'|'.join(FORMATS)})")
    if fmt not in FORMATS:
        raise UnknownIdError(
            f"unknown chat format {fmt!r}{did_you_mean(fmt, FORMATS)} (one of {', '.join(FORMATS)})"
        )
    if fmt in ("csv", "xlsx"):
        return _read_table(path, columns)
    if fmt == "jsonl":
        return _read_jsonl(path, columns)
    readers = {"jddc2018": _read_jddc2018, "jddc2019": _read_jddc2019}
    return readers[fmt](path)


def _read_text(path: Path) -> str:
    from .files import read_text_file

    return read_text_file(path)


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


_PAIR_WORDS = (
    ("Questions", "Answers"),
    ("questions", "answers"),
    ("Question", "Answer"),
    ("question", "answer"),
)


def _swap_pair(name: str, pairs: Iterable[tuple[str, str]]) -> str | None:
    for a, b in pairs:
        if a in name:
            return name.replace(a, b)
        if b in name:
            return name.replace(b, a)
    return None


def _jddc2018_sibling(path: Path) -> Path | None:
    if "dev_question" in path.name or "dev_answer" in path.name:
        return None
    other = _swap_pair(path.name, _PAIR_WORDS)
    return path.with_name(other) if other and path.with_name(other).is_file() else None


def _dev_sibling(path: Path) -> Path | None:
    other = _swap_pair(path.name, (("dev_question", "dev_answer"), ("test_question", "test_answer")))
    return path.with_name(other) if other and path.with_name(other).is_file() else None


def _read_jddc2018(path: Path) -> Iterator[Conversation]:
    sibling = _jddc2018_sibling(path)
    if sibling is None:
        raise FileFormatError(
            f"{path}: jddc2018 needs a *Questions.txt file and its *Answers.txt sibling in the same folder"
        )
    questions_path, answers_path = (path, sibling) if _is_question_name(path.name) else (sibling, path)
    questions = _lines(_read_text(questions_path))
    answers = _lines(_read_text(answers_path))
    if len(questions) != len(answers):
        raise FileFormatError(
            f"{answers_path}: {len(answers)} lines but {questions_path.name} has {len(questions)}; "
            "the two files must be aligned line by line"
        )
    patterns = load_patterns()
    # Segments the agents are known to have written: a context segment found here is an agent turn.
    known_agent = {_norm(seg) for line in answers for seg in line.split(",")}
    known_agent = {seg for seg in known_agent if len(seg) >= 5}
    weighed: dict[str, int] = {}  # canned agent lines recur: each text is weighed once
    for number, (question, answer) in enumerate(zip(questions, answers, strict=True), start=1):
        session = f"{questions_path.stem}:{number}"
        segments = [s.strip() for s in question.split(",") if s.strip()]
        turns: list[ChatTurn] = []
        roles = _context_roles(segments, patterns, known_agent, weighed)
        for role, segment in zip(roles, segments, strict=True):
            turns.append(ChatTurn(role, segment, number, session, str(questions_path)))
        for segment in answer.split(","):
            if segment.strip():
                turns.append(ChatTurn("agent", segment.strip(), number, session, str(answers_path)))
        if turns:
            yield Conversation(session, tuple(turns), str(path))


def _context_roles(
    segments: list[str], patterns: ChatPatterns, known_agent: set[str], weighed: dict[str, int]
) -> list[str]:
    """Who wrote each segment of a JDDC 2018 context, ``buyer`` or ``agent``.

    A segment the answers file has (``known_agent``) or that reads as the agent's is the agent's.
    The context ends with the buyer's turn, unless its last segment is the agent's: one the answers
    file has that reads as the agent's (a hold: 马上核实情况，请您稍等哈), or one that reads so by
    ``last_turn_voice`` patterns or more. Then the agent's run goes back as far as its lines read
    as the agent's and the buyer's turn is the segment before it; after the agent's line an order
    card, an id or a date is the buyer's answer to it, an emoji of the agent's continues it.
    ``weighed`` caches ``_voice`` by text across the contexts of one file.
    """

    def voice(segment: str) -> int:
        if segment not in weighed:
            weighed[segment] = _voice(patterns, segment)
        return weighed[segment]

    def agent(segment: str) -> bool:
        return _norm(segment) in known_agent or voice(segment) > 0

    spoken = [
        i
        for i, seg in enumerate(segments)
        if not _is_system(seg, patterns) and clean_chat_text(seg, patterns)
    ]
    ends = len(spoken) - 1
    if ends > 0:
        last = segments[spoken[ends]]
        if voice(last) >= patterns.last_turn_voice or (_norm(last) in known_agent and voice(last) > 0):
            ends -= 1
            while ends > 0 and agent(segments[spoken[ends]]):
                ends -= 1
    last_buyer = spoken[ends] if spoken else len(segments) - 1
    trailing = spoken[ends + 1 :]
    roles = []
    for i, segment in enumerate(segments):
        if i < last_buyer:
            roles.append("agent" if agent(segment) else "buyer")
        elif i in trailing or (trailing and i > trailing[0] and voice(segment) > 0):
            roles.append("agent")
        else:
            roles.append("buyer")
    return roles


def _is_question_name(name: str) -> bool:
    return "question" in name.lower()


def _read_jddc2019(path: Path) -> Iterator[Conversation]:
    if _dev_sibling(path) is not None:
        yield from _read_jddc2019_dev(path)
        return
    text = _read_text(path)
    if text.lstrip().startswith("<session"):
        raise FileFormatError(
            f"{path}: a jddc2019 dev file needs its dev_question/dev_answer sibling beside it"
        )
    turns: list[ChatTurn] = []
    session = None
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        fields = line.split("\t", 6)
        if len(fields) < 7:
            raise FileFormatError(
                f"{path}:{number}: expected 7 tab-separated columns "
                f"(session_id, user_id, waiter_send, is_transfer, is_repeat, sku, content), found {len(fields)}"
            )
        sid, waiter = fields[0].strip(), fields[2].strip()
        if waiter not in ("0", "1"):
            raise FileFormatError(
                f"{path}:{number}: waiter_send must be 0 (buyer) or 1 (agent), not {waiter!r}"
            )
        if sid != session and turns:
            yield Conversation(session or "", tuple(turns), str(path))
            turns = []
        session = sid
        turns.append(
            ChatTurn("agent" if waiter == "1" else "buyer", fields[6].strip(), number, sid, str(path))
        )
    if turns:
        yield Conversation(session or "", tuple(turns), str(path))


_SESSION_OPEN = re.compile(r"^<session\s+([^>]+)>\s*$")
_SESSION_CLOSE = re.compile(r"^</session\s+([^>]+)>\s*$")
_DEV_Q = re.compile(r"^<Q(\d+)>(.*)</Q\1>\s*$")
_DEV_CONTEXT = re.compile(r"^([QA]):\t?(.*)$")


def _read_jddc2019_dev(path: Path) -> Iterator[Conversation]:
    sibling = _dev_sibling(path)
    assert sibling is not None
    question_path, answer_path = (path, sibling) if "question" in path.name else (sibling, path)
    answers = _dev_answers(answer_path)
    session: str | None = None
    turns: list[ChatTurn] = []
    for number, line in enumerate(_lines(_read_text(question_path)), start=1):
        line = line.rstrip()
        if not line.strip() or line.strip() in ("<context>", "</context>"):
            continue
        if m := _SESSION_OPEN.match(line):
            session, turns = m.group(1).strip(), []
            continue
        if session is None:
            raise FileFormatError(f"{question_path}:{number}: text outside a <session ...> block")
        if m := _SESSION_CLOSE.match(line):
            yield Conversation(session, tuple(turns), str(path))
            session = None
            continue
        if m := _DEV_Q.match(line):
            for part in m.group(2).split("!@@@!"):
                turns.append(ChatTurn("buyer", part.strip(), number, session, str(question_path)))
            replies = answers.get(session, [])
            index = int(m.group(1)) - 1
            if index >= len(replies):
                raise FileFormatError(f"{answer_path}: session {session} has no answer for <Q{index + 1}>")
            answer_line, answer = replies[index]
            for part in _first_reference(answer).split("!@@@!"):
                if part.strip():
                    turns.append(ChatTurn("agent", part.strip(), answer_line, session, str(answer_path)))
            continue
        if m := _DEV_CONTEXT.match(line):
            role = "buyer" if m.group(1) == "Q" else "agent"
            text = _first_reference(m.group(2)) if role == "agent" else m.group(2)
            for part in text.split("!@@@!"):
                if part.strip():
                    turns.append(ChatTurn(role, part.strip(), number, session, str(question_path)))
            continue
        raise FileFormatError(f"{question_path}:{number}: expected Q:/A: context lines or <Qn>...</Qn>")
    if session is not None:
        raise FileFormatError(f"{question_path}: session {session} is not closed with </session {session}>")


def _dev_answers(path: Path) -> dict[str, list[tuple[int, str]]]:
    answers: dict[str, list[tuple[int, str]]] = {}
    session = None
    for number, line in enumerate(_lines(_read_text(path)), start=1):
        if not line.strip():
            continue
        if m := _SESSION_OPEN.match(line.strip()):
            session = m.group(1).strip()
            answers[session] = []
        elif _SESSION_CLOSE.match(line.strip()):
            session = None
        elif session is None:
            raise FileFormatError(f"{path}:{number}: text outside a <session ...> block")
        else:
            answers[session].append((number, line))
    return answers


def _first_reference(text: str) -> str:
    """The first of the ``<sep>``-separated human references that is not ``NULL``."""
    for ref in text.split("<sep>"):
        if ref.strip() and ref.strip() != "NULL":
            return ref.strip()
    return ""


UNKNOWN_ROLE_HINT = (
    "expected buyer/agent, 客户/客服 or 0/1; add it to [roles] in assistant/chat_patterns.toml"
)


def role_of(value: Any, patterns: ChatPatterns | None = None) -> str | None:
    """The role a role-column value names: ``"buyer"``, ``"agent"``, ``"system"``, or None when
    ``[roles]`` of ``chat_patterns.toml`` does not know it. A value that starts like an agent's role
    (``客服小美``, ``售后-阿强``, ``[roles] agent_prefixes``) is the agent's."""
    patterns = patterns or load_patterns()
    key = str(value).strip().lower()
    if key in patterns.buyer_roles:
        return "buyer"
    if key in patterns.agent_roles:
        return "agent"
    if key in patterns.system_roles:
        return "system"
    if key and any(key.startswith(p) for p in patterns.agent_role_prefixes):
        return "agent"
    return None


def _role(value: Any, patterns: ChatPatterns, where: str) -> str:
    role = role_of(value, patterns)
    if role is None:
        raise FileFormatError(f"{where}: unknown role {str(value)!r} ({UNKNOWN_ROLE_HINT})")
    return role


def _pick_column(names: list[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {n.strip().lower().lstrip("\ufeff"): n for n in names if n}
    return next((lowered[w] for w in wanted if w in lowered), None)


COLUMN_KEYS = ("session", "role", "text")


def parse_columns(spec: str | None) -> dict[str, str]:
    """``session=会话ID,role=角色,text=内容`` → ``{"session": "会话ID", ...}`` (the ``--columns`` option).

    Raises:
        InputError: a part is not ``key=COLUMN`` or the key is not one of ``COLUMN_KEYS``.
    """
    mapping: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        key = key.strip().lower()
        if not sep or not column.strip():
            raise InputError(f"--columns {spec!r}: write KEY=COLUMN pairs such as role=发送方,text=消息")
        if key not in COLUMN_KEYS:
            raise InputError(
                f"--columns: unknown key {key!r}{did_you_mean(key, COLUMN_KEYS)} (one of {', '.join(COLUMN_KEYS)})"
            )
        mapping[key] = column.strip()
    return mapping


def _csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    names, _, rows = csv_rows(_read_text(path), path)
    return names, rows


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    names, rows = xlsx_rows(path)
    return names, iter(rows)


def _read_table(path: Path, columns: dict[str, str] | None = None) -> Iterator[Conversation]:
    """Conversations of a table of turns (CSV/TSV or the first sheet of an XLSX), one turn a row.

    Rows are grouped by the session column when there is one (exports sorted by time interleave
    sessions); without one, the whole file is one conversation. Rows whose role is a system role
    (``[roles] system``) are dropped.
    """
    names, rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    patterns = load_patterns()
    names = [n.strip().lstrip("\ufeff") for n in names]
    picked = {key: _pick_column(names, patterns.columns.get(key, ())) for key in COLUMN_KEYS}
    for key, name in (columns or {}).items():
        if name not in names:
            raise FileFormatError(
                f"{path}:1: --columns {key}={name}: no such column (found {', '.join(names)})"
            )
        picked[key] = name
    missing = [key for key in ("role", "text") if picked[key] is None]
    if missing:
        expected = "; ".join(f"{key}: {'/'.join(patterns.columns.get(key, ())[:6])}" for key in missing)
        mapping = ",".join(f"{key}=COL" for key in missing)
        raise FileFormatError(
            f"{path}:1: missing column(s) {', '.join(missing)} (found {', '.join(names)}; "
            f"expected {expected}); map them with --columns {mapping}"
        )
    index = {key: names.index(name) for key, name in picked.items() if name is not None}

    def cell(row: list[str], key: str) -> str:
        i = index.get(key)
        return row[i].strip() if i is not None and i < len(row) and row[i] is not None else ""

    default_session = path.stem
    sessions: dict[str, list[ChatTurn]] = {}
    for number, row in rows:
        value, role_value = cell(row, "text"), cell(row, "role")
        if not value and not role_value:
            continue
        role = _role(role_value, patterns, f"{path}:{number}")
        if role == "system" or not value:
            continue
        sid = cell(row, "session") if "session" in index else default_session
        sid = sid or default_session
        sessions.setdefault(sid, []).append(ChatTurn(role, value, number, sid, str(path)))
    for sid, turns in sessions.items():
        yield Conversation(sid, tuple(turns), str(path))


def _field(record: dict, names: tuple[str, ...]) -> Any:
    lowered = {str(k).lower(): v for k, v in record.items()}
    return next((lowered[n] for n in names if n in lowered), None)


def _read_jsonl(path: Path, columns: dict[str, str] | None = None) -> Iterator[Conversation]:
    patterns = load_patterns()
    mapped = {key: (name.lower(),) for key, name in (columns or {}).items()}
    session_names = mapped.get("session", ()) + patterns.columns.get("session", ("session",))
    role_names = mapped.get("role", ()) + patterns.columns.get("role", ("role",))
    text_names = mapped.get("text", ()) + patterns.columns.get("text", ("text",))
    # per-turn lines are grouped by session (a log sorted by time interleaves sessions)
    sessions: dict[str, list[ChatTurn]] = {}
    session: str | None = None
    for number, record in json_objects(_read_text(path), path):
        where = f"{path}:{number}"
        sid = str(_field(record, session_names) or f"{path.stem}:{number}")
        if "turns" in record:
            raw_turns = record["turns"]
            if not isinstance(raw_turns, list):
                raise FileFormatError(f"{where}: 'turns' must be a list of {{role, text}} objects")
            conversation = []
            for i, turn in enumerate(raw_turns, start=1):
                if not isinstance(turn, dict):
                    raise FileFormatError(f"{where}: turn {i} must be an object with role and text")
                role_value, text = _field(turn, role_names), _field(turn, text_names)
                if role_value is None or not isinstance(text, str):
                    raise FileFormatError(f"{where}: turn {i} needs a 'role' and a 'text' string")
                role = _role(role_value, patterns, f"{where}: turn {i}")
                if text.strip() and role != "system":
                    conversation.append(ChatTurn(role, text.strip(), number, sid, str(path)))
            yield Conversation(sid, tuple(conversation), str(path))
            continue
        role_value, text = _field(record, role_names), _field(record, text_names)
        if role_value is None or not isinstance(text, str):
            missing = ",".join(
                f"{key}=KEY" for key, value in (("role", role_value), ("text", text)) if value is None
            )
            raise FileFormatError(
                f'{where}: expected {{"session", "role", "text"}} or {{"session", "turns": [...]}} '
                f"(found {', '.join(map(str, record))}); map them with --columns {missing or 'text=KEY'}"
            )
        if _field(record, session_names) is None:
            sid = session or path.stem
        session = sid
        role = _role(role_value, patterns, where)
        if text.strip() and role != "system":
            sessions.setdefault(sid, []).append(ChatTurn(role, text.strip(), number, sid, str(path)))
    for sid, turns in sessions.items():
        yield Conversation(sid, tuple(turns), str(path))


# ----------------------------------------------------------------------------- cleaning


_WORD = re.compile(r"[\w]", re.UNICODE)
_SPACE = re.compile(r"\s+")
_EDGE = " \t,，.。;；:：、|/\\-—_~～'\"‘’“”"


def clean_chat_text(text: str, patterns: ChatPatterns | None = None) -> str:
    """A chat message without placeholders, emoji codes, links and ids, with spaces squeezed.

    ``[数字x]``/``[金额x]`` become ``N`` (so a trainer sees where a value belongs); other
    placeholders (``[ORDERID_…]``, ``[姓名x]``, ``[地址x]``, ``USERID_…``, URLs) are removed.
    Returns an empty string when nothing but placeholders and punctuation is left.
    """
    patterns = patterns or load_patterns()
    out = text
    for regex, replacement in patterns.placeholders:
        out = regex.sub(replacement, out)
    out = _SPACE.sub(" ", out).strip().strip(_EDGE).strip()
    if patterns.empty.fullmatch(out):
        return ""
    return out


def has_placeholder(text: str, patterns: ChatPatterns | None = None) -> bool:
    """Whether ``text`` holds a private-data placeholder, emoji code or link."""
    patterns = patterns or load_patterns()
    return any(regex.search(text) for regex, _ in patterns.placeholders)


def _is_system(text: str, patterns: ChatPatterns) -> bool:
    stripped = text.strip()
    return any(regex.search(stripped) for regex in patterns.system)


def _is_robot(text: str, patterns: ChatPatterns) -> bool:
    return any(regex.search(text) for regex in patterns.robot)


def _voice(patterns: ChatPatterns, text: str) -> int:
    """How many more of the agent's ways of writing than of the buyer's are in ``text``."""
    return sum(1 for rx in patterns.agent_voice if rx.search(text)) - sum(
        1 for rx in patterns.buyer_voice if rx.search(text)
    )


def _norm(text: str) -> str:
    """Matching form for duplicate detection: NFKC, lower case, placeholders and punctuation gone."""
    text = re.sub(r"#E-s\[[^\]]*\]|\[[^\]]*x\]|\[ORDERID_\d+\]", "", text)
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if _WORD.match(ch))


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and out[-1] not in "，。！？!?,.~～…；;：: ":
            out += "，"
        out += part
    return out
