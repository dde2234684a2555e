"""Events a reply says happened, held against what happened in this chat (issue 12).

The grounding audit checks a reply's values (a courier, an amount, a size); a reply also tells what
happened: 换了新的还是不行 (an exchange was made), 退款成功表示… (the refund went through), 您的投诉我们已收到
(a complaint was filed), 仓库爆单 (a cause of the delay), 让仓库优先安排 (the parcel is still in the
warehouse). Such a claim carried over from the retrieved case's own conversation is a wrong fact about
this one: the buyer never had an exchange, the refund has not moved, the parcel came days ago. A claim
is held when the chat itself says the event (either side, not denied or asked: 换了还是不行 / 已退款), and
a claim that supposes an order stage (the parcel not yet sent) is not held once the order is past it.

The event words are data (``facts.toml [claimed_events]``); this module only reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_CLAUSE = re.compile(r"[，,。；;！!？?\n]")


@dataclass(frozen=True)
class ClaimedEvent:
    """One event of ``[claimed_events.<name>]``.

    Attributes:
        name: the event (``exchanged``, ``refunded`` …).
        claims: a reply saying it happened (Python regex).
        said: a chat turn saying it happened; a claim is held by these or by ``claims`` in the chat.
        unfit_stages: order stages at which the claim cannot be true (a rush of the warehouse once
            the parcel has gone), judged by the stage the chat's own order events reached.
        fit_stages: the only order stages at which the claim can be true (the courier asked where a
            parcel is, once it was sent): not held before them when the chat says the parcel has not
            gone (还没发; a stage read from a scenario alone is too weak to judge by).
        A claim with stages is judged by them alone.
    """

    name: str
    claims: tuple[re.Pattern, ...] = ()
    said: tuple[re.Pattern, ...] = ()
    unfit_stages: tuple[str, ...] = ()
    fit_stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventRules:
    """``[claimed_events]``: the events and the words that make a match no claim of one.

    Attributes:
        events: the events a reply may claim.
        supposed: searched in a claim's clause before it (如果 / 要是): a supposition, no claim.
        after: matched right after a claim (后 / 的话 / 吗): a condition or a question, no claim.
        denied: searched right before a chat's match (没 / 还没 / 未): the chat denies the event.
    """

    events: tuple[ClaimedEvent, ...] = ()
    supposed: re.Pattern | None = None
    after: re.Pattern | None = None
    denied: re.Pattern | None = None
    # a time limit a reply counts from an event (签收后24小时内), and the time the chat says has gone
    # since that event (签收三天了): groups ``event``, ``n``, ``unit``; ``numbers`` reads 三 as 3
    limit: re.Pattern | None = None
    elapsed: tuple[re.Pattern, ...] = ()
    numbers: str = ""


def load_events(table: dict[str, Any], compile_one: Callable[[str, str], re.Pattern | None]) -> EventRules:
    """The rules of ``[claimed_events]``; ``compile_one(pattern, key)`` compiles one (None when bad)."""
    if not table:
        return EventRules()

    def many(entry: dict[str, Any], key: str) -> tuple[re.Pattern, ...]:
        return tuple(p for s in entry.get(key, []) if (p := compile_one(str(s), key)) is not None)

    def one(key: str) -> re.Pattern | None:
        return compile_one(str(table[key]), key) if table.get(key) else None

    events = tuple(
        ClaimedEvent(
            name=str(name),
            claims=many(entry, "claims"),
            said=many(entry, "said"),
            unfit_stages=tuple(str(s) for s in entry.get("unfit_stages", [])),
            fit_stages=tuple(str(s) for s in entry.get("fit_stages", [])),
        )
        for name, entry in table.items()
        if isinstance(entry, dict)
    )
    return EventRules(
        events,
        one("supposed"),
        one("after"),
        one("denied"),
        one("limit"),
        many(table, "elapsed"),
        str(table.get("numbers", "")),
    )


def _days(n: str, unit: str, numbers: str) -> float | None:
    """``n`` ``unit`` in days (24小时 = 1, 3个工作日 = 3 × 7/5, 一周 = 7); None for a number unread."""
    value = int(n) if n.isdigit() else numbers.find(n) + 1 if len(n) == 1 and n in numbers else 0
    if not value:
        return None
    return value * {"小时": 1 / 24, "工作日": 7 / 5, "周": 7, "星期": 7}.get(unit, 1)


def passed_limit(reply: str, texts: Sequence[str], rules: EventRules) -> str:
    """A time limit ``reply`` counts from an event (仓库签收后24小时内就会审核) that the chat says passed
    already (显示签收三天了): the reply promises what has not happened in time, ``""`` when none."""
    if rules.limit is None:
        return ""
    for found in rules.limit.finditer(reply):
        limit = _days(found.group("n"), found.group("unit"), rules.numbers)
        if limit is None:
            continue
        for text in texts:
            for pattern in rules.elapsed:
                for gone in pattern.finditer(text):
                    if gone.group("event") != found.group("event"):
                        continue
                    elapsed = _days(gone.group("n"), gone.group("unit"), rules.numbers)
                    if elapsed is not None and elapsed > limit:
                        return f"limit：{found.group()}"
    return ""


def _asserted(text: str, found: re.Match, rules: EventRules) -> bool:
    """Whether ``found`` in ``text`` says the event as done, not supposed (如果退款成功), conditional
    (退款成功后) or asked (退了没有)."""
    clause = _CLAUSE.split(text[: found.start()])[-1]
    if rules.supposed is not None and rules.supposed.search(clause):
        return False
    return rules.after is None or not rules.after.match(text[found.end() :])


def _in_chat(event: ClaimedEvent, texts: Sequence[str], rules: EventRules) -> bool:
    """Whether a turn of the chat says ``event`` happened (not denied before it: 还没退款)."""
    for text in texts:
        for pattern in (*event.said, *event.claims):
            for found in pattern.finditer(text):
                before = text[max(0, found.start() - 3) : found.start()]
                if rules.denied is not None and rules.denied.search(before):
                    continue
                if _asserted(text, found, rules):
                    return True
    return False


def unheld(
    reply: str,
    texts: Sequence[str],
    stage: str,
    rules: EventRules,
    stated: str = "",
    unshipped: bool = False,
) -> str:
    """The first event ``reply`` claims that this chat (``texts``, oldest first, the buyer's newest
    message last) does not hold, as ``name：words``; ``""`` when every claim is held. ``stage`` is
    the conversation's order stage, ``stated`` the one the chat's own order events reached (the
    conversation's when empty: a stage a scenario implies is no event), ``unshipped`` whether the
    chat says the parcel has not gone."""
    for event in rules.events:
        for pattern in event.claims:
            found = next((f for f in pattern.finditer(reply) if _asserted(reply, f, rules)), None)
            if found is None:
                continue
            if event.unfit_stages or event.fit_stages:
                if (stated or stage) in event.unfit_stages or (
                    event.fit_stages and stage not in event.fit_stages and unshipped
                ):
                    return f"{event.name}：{found.group()}"
                continue
            if not _in_chat(event, texts, rules):
                return f"{event.name}：{found.group()}"
    return passed_limit(reply, texts, rules)
