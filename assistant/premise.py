"""What a retrieved reply takes for granted, held against this chat (issue 12).

A case reply was written for another buyer's chat, and some of its clauses presuppose what happened
there: a suspicion raised (如果真贴错了 supposes someone thought the label wrong), a remedy that failed
(换了还是不行 supposes an exchange), a parcel on its way (包裹这么久没动 / 包裹发出后就改不了), a property the
item has (换同款其他颜色 for mooncakes), or advice not yet given (建议先停用 after the agent's 请先停用). Such a
clause is read by its structure, not its wording alone: the event it names must be in this chat, the
stage it needs reached, the property one the buyer's item has, the instruction one nobody gave yet.
A clause that fails is left out; a reply built on it (``whole``), or one with too little left, is not
shown. The patterns live in ``adaptation.toml [premise]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .files import toml_line

_CLAUSE = re.compile(r"[^，,。；;！!？?～~]+[，,。；;！!？?～~]*")
_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
_SLOT = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True)
class Premise:
    """One table of ``[[premise.said]]`` / ``[[premise.stage]]`` / ``[[premise.variant]]``."""

    clauses: tuple[re.Pattern, ...]
    whole: bool = False  # the reply is built on it: not shown at all when the premise fails
    stage: str = ""  # [[premise.stage]]: the order stage the clause needs reached
    before: bool = False  # …or, with before, not yet reached (盯到发出 for a parcel already sent)
    variant: str = ""  # [[premise.variant]]: the item property the clause offers (colour)
    # a supposition: the rest of its sentence (its consequence: …，会让快递改派) goes with it
    consequence: bool = False
    # [[premise.followed]]: the buyer's words saying they did it already (物流三天没动 has looked at the tracking);
    # [[premise.stage]]: words of the chat that give the premise whatever the stage read (显示在义乌三天没动了)
    said: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class PremiseRules:
    """The tables of ``adaptation.toml [premise]``."""

    said: tuple[Premise, ...] = ()
    stage: tuple[Premise, ...] = ()
    followed: tuple[Premise, ...] = ()
    variant: tuple[Premise, ...] = ()
    # a clause giving an instruction (建议先停用 / 请先…): its lead, left out before comparing
    instruction: re.Pattern | None = None
    # the share of an instruction's two-character pieces an agent turn must hold to have given it
    repeat_share: float = 0.75
    # words opening a clause that joined it to the one left out (或者直接退款 → 直接退款)
    joiner: re.Pattern | None = None
    min_chars: int = 10  # what must be left of a reply, slots aside


def load_premise(path: Path, data: dict, problems: list[Problem]) -> PremiseRules:
    """Read ``[premise]`` (``data``: that table); problems are appended (``file:line: message``)."""

    def compiled(values: object, key: str) -> tuple[re.Pattern, ...]:
        found = []
        for value in values if isinstance(values, list) else [values] if values else []:
            try:
                found.append(re.compile(str(value)))
            except re.error as exc:
                problems.append(
                    Problem(str(path), toml_line(path, str(value)), f"[premise] {key}: bad pattern ({exc})")
                )
        return tuple(found)

    def tables(key: str) -> tuple[Premise, ...]:
        return tuple(
            Premise(
                compiled(t.get("clauses", []), key),
                bool(t.get("whole", False)),
                str(t.get("stage", "")),
                bool(t.get("before", False)),
                str(t.get("variant", "")),
                bool(t.get("consequence", False)),
                compiled(t.get("said", []), key),
            )
            for t in data.get(key, [])
        )

    one = {key: (compiled(data.get(key, ""), key) or (None,))[0] for key in ("instruction", "joiner")}
    return PremiseRules(
        said=tables("said"),
        stage=tables("stage"),
        followed=tables("followed"),
        variant=tables("variant"),
        instruction=one["instruction"],
        repeat_share=float(data.get("repeat_share", 0.75)),
        joiner=one["joiner"],
        min_chars=int(data.get("min_chars", 10)),
    )


def pieces(text: str) -> set[str]:
    """The two-character pieces of ``text``'s Chinese (停用 / 先停 of 请先停用)."""
    return set(_CJK_PAIR.findall(text))


@dataclass(frozen=True)
class Chat:
    """What a reply's premises are held against."""

    texts: Sequence[str]  # every turn and the newest message
    buyer: Sequence[str]  # the buyer's turns and the newest message
    agent: Sequence[str]  # the agent's turns
    message: str  # the buyer's newest message
    reached: Callable[[str], bool]  # whether the order reached this stage
    has: Callable[[str], bool | None]  # whether the buyer's item has this property (None: unknown)


class Premises:
    """Leaves out a reply's clauses whose premise this chat does not give."""

    def __init__(self, rules: PremiseRules):
        self.rules = rules

    def fails(self, clause: str, chat: Chat) -> tuple[Premise | None, bool]:
        """The table of the premise ``clause`` takes that ``chat`` does not give (None: none), and whether
        it is an instruction already given."""
        said = " ".join(chat.texts)
        for table in self.rules.said:
            for pattern in table.clauses:
                match = pattern.search(clause)
                if match is None:
                    continue
                event = match.groupdict().get("event") or match.group(0)
                named = pieces(event) or {event}
                if not any(p in said for p in named):
                    return table, False  # 如果真贴错了 where nobody spoke of a wrong label
        for table in self.rules.stage:
            if (
                table.stage
                and chat.reached(table.stage) == table.before
                and any(p.search(clause) for p in table.clauses)
                and not any(p.search(t) for t in chat.texts for p in table.said)
            ):
                return table, False  # 包裹这么久没动 for an order not shipped (nobody said it is stuck)
        for table in self.rules.variant:
            if chat.has(table.variant) is False and any(p.search(clause) for p in table.clauses):
                return table, False  # 换同款其他颜色 for mooncakes
        for table in self.rules.followed:
            if any(p.search(clause) for p in table.clauses) and any(
                p.search(t) for t in chat.buyer for p in table.said
            ):
                return table, False  # 点“查看物流”能看到进度 to a buyer telling what the tracking shows
        return None, self.repeated(clause, chat)

    def repeated(self, clause: str, chat: Chat) -> bool:
        """An instruction the agent already gave in this chat (建议先停用 after 请先停用), which the buyer's
        newest message does not ask about again."""
        lead = self.rules.instruction
        found = lead.search(clause) if lead is not None else None
        if found is None:
            return False
        own = pieces(clause[found.end() :])
        if len(own) < 2 or own & pieces(chat.message):
            return False
        return any(len(own & pieces(turn)) >= self.rules.repeat_share * len(own) for turn in chat.agent)

    def left_out(self, reply: str, chat: Chat) -> tuple[str | None, int]:
        """``reply`` less its clauses whose premise ``chat`` does not give, and how many went; None when
        the reply is built on one, or too little is left to send."""
        parts = _CLAUSE.findall(reply)
        kept: list[str] = []
        dropped = 0
        after = ""  # the clause before this one, left out
        going = False  # a supposition left out: its sentence goes with it
        for part in parts:
            table, repeated = self.fails(part, chat)
            if table is not None and table.whole:
                return None, dropped + 1
            if table is not None or repeated or going:
                dropped += 1
                after = part
                going = (going or (table is not None and table.consequence)) and part[-1:] not in "。！!？?"
                opening = len(kept) == 1  # 不好意思让您着急了， goes on with what follows
                if kept and not opening and part[-1:] in "。！!？?" and kept[-1][-1:] in "，,；;～~":
                    kept[-1] = kept[-1][:-1] + part[-1]  # the sentence now ends where the clause ended
                continue
            if after and self.rules.joiner is not None:
                # …，可以为您换同款其他颜色，或者直接退款 → …，可以直接退款 (the modal of the clause left out stays)
                modal = re.match(r"(?:也)?可以|能", after)
                part = self.rules.joiner.sub(modal.group(0) if modal else "", part, count=1)
            after = ""
            kept.append(part)
        if not dropped:
            return reply, 0
        rest = "".join(kept)
        return (rest if len(_SLOT.sub("", rest)) >= self.rules.min_chars else None), dropped
