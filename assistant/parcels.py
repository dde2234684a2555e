"""Which parcel the newest message is about, in a chat of several (issue 12).

A sale-week chat often has more than one order or parcel in play: 帐篷 sent, 防潮垫 out of stock and
sent three days later; a pre-sale 礼盒 on the 15th and 坚果 today. The furthest event of the whole
chat (帐篷收到了: delivered) is then not the stage of the goods the buyer asks about now (过5天了 垫子呢:
a parcel that has not gone yet, a delay, not a packing mistake). This module reads, clause by clause,
what each side said of each parcel's state (not gone yet, sending, gone, arrived) and what the
parcel is (the clause's words besides its state words), and when the chat speaks of two or more
parcels in different states, the one the newest message names by a shared word decides the stage.
The state words are corpus data (``intents.toml [order_stage]`` and ``[parcels]``); which parcel is
which is read from the chat's own words, with no list of items, so it holds for goods the catalog
lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_CLAUSE = re.compile(r"[^\s，,。！!？?；;～~]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# a parcel's state, in the order its goods go; the order stage each one means
STATES = ("unshipped", "scheduled", "shipped", "delivered")
STATE_STAGE = {"unshipped": "paid", "scheduled": "paid", "shipped": "shipped", "delivered": "delivered"}


@dataclass(frozen=True)
class ParcelRules:
    """Regular expressions on one clause, each saying a parcel's state; ``stop``: characters that
    name no parcel (particles, pronouns, time and quantity words, the words of shipping itself)."""

    unshipped: tuple[re.Pattern, ...] = ()
    scheduled: tuple[re.Pattern, ...] = ()
    shipped: tuple[re.Pattern, ...] = ()
    delivered: tuple[re.Pattern, ...] = ()
    stop: frozenset[str] = frozenset()
    # a clause that asks or offers a choice tells no state (您是要补发还是退差价 / 发了吗)
    unsaid: re.Pattern | None = None

    def state(self, clause: str, events: Sequence[tuple[str, int, int]]) -> tuple[str, str] | None:
        """The state ``clause`` tells of its parcel and the clause without its state words; the
        order events the fact layer found in it (``events``: stage, start, end in the clause) count
        first."""
        if self.unsaid is not None and self.unsaid.search(clause):
            return None
        for state in reversed(STATES):  # the furthest said wins (发了 3天后到 is gone)
            for stage, start, end in events:
                if stage == state:
                    return state, clause[:start] + clause[end:]
        for state in reversed(STATES):
            for pattern in getattr(self, state):
                if match := pattern.search(clause):
                    return state, clause[: match.start()] + clause[match.end() :]
        return None

    def words(self, text: str) -> frozenset[str]:
        return frozenset(c for c in _CJK.findall(text) if c not in self.stop)


@dataclass(frozen=True)
class Parcel:
    """The parcel the newest message is about: its words and its last state said."""

    words: frozenset[str]
    state: str

    @property
    def stage(self) -> str:
        return STATE_STAGE[self.state]

    @property
    def unshipped(self) -> bool:
        return self.state in ("unshipped", "scheduled")


def parcel_in_question(
    texts: Sequence[str], events: Sequence[Sequence[tuple[str, int, int]]], rules: ParcelRules | None
) -> Parcel | None:
    """The parcel the newest message (``texts[-1]``) names, when the earlier turns tell of two or more
    parcels whose last states differ; ``events``: per turn, each order event the fact layer read,
    with its offsets. None when the chat has one parcel or the message names none (or several alike)."""
    if rules is None or len(texts) < 2:
        return None
    parcels: list[tuple[frozenset[str], str]] = []  # (words, state), in the order said
    for number, text in enumerate(texts[:-1]):
        subject: frozenset[str] = frozenset()
        for match in _CLAUSE.finditer(text):
            said = [
                (stage, start - match.start(), end - match.start())
                for stage, start, end in events[number]
                if match.start() <= start and end <= match.end()
            ]
            found = rules.state(match.group(0), said)
            if found is None:
                subject = rules.words(match.group(0)) or subject
                continue
            words = rules.words(found[1]) or subject  # (礼盒是预售 1月15号发: the 礼盒's date)
            subject = words
            if words:
                parcels.append((words, found[0]))
    # one parcel for every group of clauses sharing a word, its state the last one said
    groups: list[list] = []
    for words, state in parcels:
        for group in groups:
            if group[0] & words:
                group[0] = group[0] | words
                group[1] = state
                break
        else:
            groups.append([words, state])
    if len(groups) < 2 or len({state for _, state in groups}) < 2:
        return None
    asked = rules.words(texts[-1])
    shared = [(len(words & asked), words, state) for words, state in groups]
    best = max(count for count, _, _ in shared)
    named = [(words, state) for count, words, state in shared if count == best]
    if not best or len({state for _, state in named}) > 1:
        return None
    return Parcel(named[0][0], named[-1][1])
