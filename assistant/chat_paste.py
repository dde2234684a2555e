"""A pasted chat block: the conversation an agent copies out of 千牛/京麦/抖店, read into turns.

The console's agent page takes a whole block (names, timestamps, system lines) and answers its last
buyer message with the turns before it as history. Header lines (``name time``) and system lines are
patterns in ``chat_patterns.toml`` (``[paste]``); lines prefixed ``买家:``/``客服:`` keep their role.
Who is the buyer: the last speaker who is not marked as the shop's (a sub-account ``店铺:客服``, a name
with 客服/官方/旗舰店, or one of ``agent_names``); every other named speaker is the shop's side.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .chat_read import PATTERNS_FILE, clean_chat_text, load_patterns
from .corpus import Turn, parse_turn
from .files import compile_pattern, read_patterns_toml


@dataclass(frozen=True)
class PastedChat:
    """What a pasted block holds: the last buyer message and the turns before it, oldest first."""

    message: str
    history: tuple[Turn, ...]
    speakers: tuple[str, ...] = ()  # the names found in header lines, in order of appearance

    @property
    def turns(self) -> int:
        """How many turns the block held (history and the message)."""
        return len(self.history) + (1 if self.message else 0)

    def history_lines(self) -> list[str]:
        """The history as ``买家: ...``/``客服: ...`` lines (what ``suggest`` accepts)."""
        return [f"{'买家' if t.role == 'buyer' else '客服'}: {t.text}" for t in self.history]

    def to_dict(self) -> dict:
        return {
            "message": self.message,
            "history": [t.to_dict() for t in self.history],
            "speakers": list(self.speakers),
        }


@dataclass(frozen=True)
class _PastePatterns:
    headers: tuple[re.Pattern, ...]
    agent_name: re.Pattern
    system: tuple[re.Pattern, ...]


@functools.lru_cache(maxsize=4)
def _patterns(path: str | Path = PATTERNS_FILE) -> _PastePatterns:
    data = read_patterns_toml(path, "chat patterns").get("paste", {})
    return _PastePatterns(
        headers=tuple(compile_pattern(p, path) for p in data.get("header", [])),
        agent_name=compile_pattern(data.get("agent_name", "(?!)"), path, re.IGNORECASE),
        system=tuple(compile_pattern(p, path) for p in data.get("system", [])),
    )


def _header(line: str, patterns: _PastePatterns) -> str | None:
    for regex in patterns.headers:
        match = regex.match(line)
        if match and match.group("name").strip():
            return match.group("name").strip()
    return None


def _is_system(line: str, patterns: _PastePatterns) -> bool:
    chat = load_patterns()
    return any(r.search(line) for r in patterns.system) or any(r.search(line) for r in chat.system)


def _blocks(
    text: str, patterns: _PastePatterns, *, headers: bool
) -> list[tuple[str | None, str | None, list[str]]]:
    """The block's lines grouped by who spoke: ``(speaker, prefixed role, lines)``, in order."""
    blocks: list[tuple[str | None, str | None, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _is_system(line, patterns):
            continue
        name = _header(line, patterns) if headers else None
        if name is not None:
            blocks.append((name, None, []))
            continue
        prefixed = parse_turn(line, "")
        if prefixed.role:
            blocks.append((None, prefixed.role, [prefixed.text]))
        elif blocks:
            blocks[-1][2].append(line)
        else:
            blocks.append((None, None, [line]))
    return blocks


def parse_pasted_chat(text: str, agent_names: tuple[str, ...] | list[str] = ()) -> PastedChat:
    """Read a pasted chat block into the last buyer message and the history before it.

    Args:
        text: the block as copied (header lines ``昵称 2024-05-01 10:23:45`` or ``买家:``/``客服:``
            prefixes; system lines, timestamps and 撤回 notices are dropped).
        agent_names: nicknames of the shop's side, when known (the agent's own nickname).

    Returns:
        The buyer's last message (consecutive buyer lines at the end, joined) and the turns before
        it; ``message`` is empty when the block does not end with the buyer.
    """
    patterns = _patterns()
    ours = {n.strip() for n in agent_names if n and n.strip()}
    blocks = _blocks(text, patterns, headers=True)
    if not any(name and lines for name, _, lines in blocks):
        # No header has a message under it ("在吗 10:00", "发货了吗 明天14:00"): the lines only end
        # in a time; they are what the buyer wrote, not a chat window's name lines.
        blocks = _blocks(text, patterns, headers=False)
    speakers = list(dict.fromkeys(name for name, _, _ in blocks if name))
    shop = {n for n in speakers if n in ours or patterns.agent_name.search(n)}
    buyers = [n for n, _, _ in reversed(blocks) if n and n not in shop]
    buyer = buyers[0] if buyers else None
    turns: list[Turn] = []
    for name, role, lines in blocks:
        body = "，".join(part for part in (clean_chat_text(line) for line in lines) if part)
        if not body:
            continue
        if role is None:
            role = "agent" if name is not None and name != buyer else "buyer" if name else ""
        if not role:  # plain lines before any header: the buyer's, unless the block says otherwise
            role = "buyer"
        if turns and turns[-1].role == role:  # one person's lines in a row are one turn
            turns[-1] = Turn(role, f"{turns[-1].text}，{body}")
        else:
            turns.append(Turn(role, body))
    if turns and turns[-1].role == "buyer":
        return PastedChat(turns[-1].text, tuple(turns[:-1]), tuple(speakers))
    return PastedChat("", tuple(turns), tuple(speakers))
