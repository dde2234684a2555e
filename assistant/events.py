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
from typing import Any, Protocol

_CLAUSE = re.compile(r"[，,。；;！!？?\n]")
# kinds of value a reply may not deny once the agent stated them: the shop's courier, a colour, a size
DENIABLE = ("courier", "colour", "size")
# a chat's turns break their clauses with spaces too (亲 38码黑色有货 棕色38断码了)
_PART = re.compile(r"[，,。；;！!？?\n\s～~]")


class _Value(Protocol):
    kind: str
    value: str
    text: str
    start: int
    end: int


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
        stated_only: judge ``unfit_stages`` by the stage the chat's own order events reached only,
            never by one a scenario implies (发货了吗 is read as tracking, and the dispatch time is its
            answer), and not while the chat says the parcel has not gone.
        contradicted: a chat turn stating one of these (not asking, not denying it) is an option the
            claim cannot stand beside (当天发 said, 48小时内发出 claimed; 驿站 said, 快递柜 claimed),
            unless the reply names it too.
        asked_now: the buyer's newest message asking one of these makes the claim its answer, at any
            stage (驼色有货没 asks for the stock check, whatever the chat read as ordered before).
        hedged: searched in the claim's clause up to its end: a defect or cause said as a possibility,
            a warning or a question (容易变形开胶 / 可能是过敏 / 有没有漏), not as what happened.
        A claim with stages or ``contradicted`` is judged by them alone.
    """

    name: str
    claims: tuple[re.Pattern, ...] = ()
    said: tuple[re.Pattern, ...] = ()
    unfit_stages: tuple[str, ...] = ()
    fit_stages: tuple[str, ...] = ()
    stated_only: bool = False
    contradicted: tuple[re.Pattern, ...] = ()
    asked_now: tuple[re.Pattern, ...] = ()
    hedged: tuple[re.Pattern, ...] = ()


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
    # a clause that denies a value (没有合作 / 发不了 / 没货), and one that asks (发邮政可以吗): a value the
    # agent stated outside both is one a reply may not deny (``denies_stated``)
    negates: re.Pattern | None = None
    asked: re.Pattern | None = None
    # a reply clause that refuses what follows it (不做好评返现 / 不送 / 不支持), and the characters that
    # carry no object (您 / 的 / 哦): such a refusal sharing two pairs of object characters with an
    # agent's stated clause takes back what the agent offered (``takes_back``)
    refuses: re.Pattern | None = None
    function_chars: str = ""


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
            stated_only=bool(entry.get("stated_only", False)),
            contradicted=many(entry, "contradicted"),
            asked_now=many(entry, "asked_now"),
            hedged=many(entry, "hedged"),
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
        one("negates"),
        one("asked"),
        one("refuses"),
        str(table.get("function_chars", "")),
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


def _hedged(event: ClaimedEvent, text: str, found: re.Match) -> bool:
    """Whether ``found`` is said as a possibility, a warning or a question (容易开胶 / 以免压坏), by
    ``event.hedged`` in its clause up to the match's end."""
    clause = _CLAUSE.split(text[: found.end()])[-1]
    return any(p.search(clause) for p in event.hedged)


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


def _contradicted(event: ClaimedEvent, reply: str, texts: Sequence[str], rules: EventRules) -> str:
    """The words of a chat turn that state an option ``event``'s claim cannot stand beside (not asked:
    今天能发吗; not denied: 不是驿站), ``""`` when none or when the reply names one itself."""
    if any(p.search(reply) for p in event.contradicted):
        return ""
    for text in texts:
        for pattern in event.contradicted:
            for found in pattern.finditer(text):
                before = text[max(0, found.start() - 3) : found.start()]
                if rules.denied is not None and rules.denied.search(before):
                    continue
                clause = next((text[a:b] for a, b in _clauses(text) if a <= found.start() < b), "")
                if rules.asked is not None and rules.asked.search(clause):
                    continue
                if _asserted(text, found, rules):
                    return found.group()
    return ""


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
            found = next(
                (
                    f
                    for f in pattern.finditer(reply)
                    if _asserted(reply, f, rules) and not _hedged(event, reply, f)
                ),
                None,
            )
            if found is None:
                continue
            if event.contradicted and (said := _contradicted(event, reply, texts, rules)):
                return f"{event.name}：{found.group()} ≠ {said}"
            if event.stated_only:
                asked = bool(texts) and any(p.search(texts[-1]) for p in event.asked_now)
                if stated in event.unfit_stages and not unshipped and not asked:
                    return f"{event.name}：{found.group()}"
                continue
            if event.unfit_stages or event.fit_stages:
                if (stated or stage) in event.unfit_stages or (
                    event.fit_stages and stage not in event.fit_stages and unshipped
                ):
                    return f"{event.name}：{found.group()}"
                continue
            if not event.contradicted and not _in_chat(event, texts, rules):
                return f"{event.name}：{found.group()}"
    return passed_limit(reply, texts, rules)


def _clauses(text: str) -> list[tuple[int, int]]:
    """The spans of ``text``'s clauses (between the marks of ``_PART``)."""
    spans, start = [], 0
    for mark in _PART.finditer(text):
        spans.append((start, mark.start()))
        start = mark.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _denied_values(text: str, rules: EventRules, extract: Callable[[str], Sequence[_Value]]) -> list[_Value]:
    """The values ``text`` denies: a deniable value right after a denial in its clause (这单发不了邮政 /
    没有红色), else the one right before it (邮政这家没有合作 / 红色没货了); a supposed clause denies
    nothing (如果没有顺丰)."""
    assert rules.negates is not None
    values = [f for f in extract(text) if f.kind in DENIABLE]
    denied: list[_Value] = []
    for start, end in _clauses(text):
        clause = text[start:end]
        if rules.supposed is not None and rules.supposed.search(clause):
            continue
        inside = [f for f in values if start <= f.start and f.end <= end]
        for negation in rules.negates.finditer(clause):
            at, to = start + negation.start(), start + negation.end()
            # a value after the denial is its object only right after it (不发顺丰, not 找不到的话…联系安能)
            after = [f for f in inside if to <= f.start <= to + 2]
            before = [f for f in inside if f.end <= at]
            if after or before:
                denied.append(after[0] if after else before[-1])
    return denied


def denies_stated(
    reply: str,
    texts: Sequence[str],
    roles: Sequence[str],
    rules: EventRules,
    extract: Callable[[str], Sequence[_Value]],
) -> str:
    """A courier, colour or size ``reply`` denies (邮政这家我们没有合作) that an agent's turn of the chat
    stated as the shop's (亲 默认邮政), as ``denied：words``; ``""`` when none. The agent's clause counts
    only when it neither denies nor asks (发邮政可以吗 offers, 邮政不到 denies): a reply that takes back
    what the agent said contradicts the chat, and the buyer cannot tell which to believe."""
    if rules.negates is None:
        return takes_back(reply, texts, roles, rules)
    denied = _denied_values(reply, rules, extract)
    if not denied:
        return takes_back(reply, texts, roles, rules)
    stated: set[tuple[str, str]] = set()
    for text, role in zip(texts, roles, strict=False):
        if role != "agent":
            continue
        values = [f for f in extract(text) if f.kind in DENIABLE]
        for start, end in _clauses(text):
            clause = text[start:end]
            if rules.negates.search(clause) or (rules.asked is not None and rules.asked.search(clause)):
                continue
            if rules.supposed is not None and rules.supposed.search(clause):
                continue
            stated.update((f.kind, f.value) for f in values if start <= f.start and f.end <= end)
    found = next((f for f in denied if (f.kind, f.value) in stated), None)
    return f"denied：{found.text}" if found is not None else takes_back(reply, texts, roles, rules)


def _pairs(text: str, function_chars: str) -> set[str]:
    """The pairs of neighbouring Chinese characters of ``text`` that carry an object (no 您 / 的)."""
    kept = [c if "\u4e00" <= c <= "\u9fff" and c not in function_chars else " " for c in text]
    return {a + b for a, b in zip(kept, kept[1:], strict=False) if a != " " and b != " "}


def _denied_in(clause: str, shared: set[str]) -> bool:
    """Whether ``clause`` puts a negation right before a shared pair (暂不支持货到付款): the agent
    refused the same thing, so a reply that refuses it agrees and takes nothing back."""
    return any(re.search(f"[不没未]{re.escape(pair)}", clause) for pair in shared)


def takes_back(reply: str, texts: Sequence[str], roles: Sequence[str], rules: EventRules) -> str:
    """A clause of ``reply`` that refuses what an agent's earlier turn stated as given (好评晒图返现8元
    → 我们不做好评返现), as ``taken_back：clause``; ``""`` when none. The refusal's object (what follows
    it in its clause) and the agent's clause share at least two pairs of object characters; a clause
    that supposes (如果…不送) or that holds an earlier negation (不满199不送: a condition) refuses nothing,
    nor does the agent's clause that itself denies or asks. The agent's word stands (the conversation
    wins): the buyer cannot tell which to believe."""
    if rules.refuses is None:
        return ""
    objects = []
    for start, end in _clauses(reply):
        clause = reply[start:end]
        if rules.supposed is not None and rules.supposed.search(clause):
            continue
        refusal = rules.refuses.search(clause)
        if refusal is None or re.search("[不没未]", clause[: refusal.start()]):
            continue
        pairs = _pairs(clause[refusal.start() + 1 :], rules.function_chars)
        if len(pairs) >= 2:
            objects.append((clause.strip(), pairs))
    if not objects:
        return ""
    for text, role in zip(texts[:-1], roles[:-1], strict=False):
        if role != "agent":
            continue
        for start, end in _clauses(text):
            clause = text[start:end]
            if any(
                p is not None and p.search(clause)
                for p in (rules.negates, rules.asked, rules.supposed, rules.refuses)
            ):
                continue
            said = _pairs(clause, rules.function_chars)
            found = next(
                (
                    c
                    for c, pairs in objects
                    if len(pairs & said) >= 2 and not _denied_in(clause, pairs & said)
                ),
                None,
            )
            if found is not None:
                return f"taken_back：{found}"
    return ""
