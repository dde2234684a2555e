"""What a buyer says is missing from a parcel that came (少了一袋 只有4袋 / 手柄套没看到 / 说好的送袜子呢 /
小样只有一个): the reading of ``[missing_item]`` in adaptation.toml and the reply that names it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .facts import chinese_number


@dataclass(frozen=True)
class MissingRules:
    """``[missing_item]``: the patterns that read what is missing and the replies that name it."""

    arrived: re.Pattern | None = None
    things: tuple[re.Pattern, ...] = ()  # a clause naming a missing thing: (?P<thing>) (?P<partial>)
    short: tuple[re.Pattern, ...] = ()  # a clause saying how many are missing: (?P<short>) (?P<thing>)
    got: re.Pattern | None = None  # how many came: (?P<n>) (?P<unit>)
    ordered: re.Pattern | None = None  # how many were bought: (?P<n>) (?P<unit>)
    lead: re.Pattern | None = None  # words before the thing that are not it (说好的送 / 收到了)
    not_thing: re.Pattern | None = None  # no missing part (钱 / 发票 / 快递 / 三天了)
    other_question: re.Pattern | None = None  # another question the reply would leave unanswered
    about_missing: re.Pattern | None = None  # a question that is about the missing part (能补寄吗)
    # kinds of fact that are no part (10块太少了 / 说好的周一呢: money, a day): a thing a fact of one covers
    not_kinds: tuple[str, ...] = ()
    replies: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """What the buyer says is missing: the things in their words, how many, and the counts."""

    things: tuple[str, ...] = ()
    partial: bool = False  # 小样只有一个: some came
    short: str = ""  # 两颗 (螺丝少了两颗)
    got: str = ""  # 4袋
    ordered: str = ""  # 5袋


def load_missing(table: dict[str, Any], compile_one: Any) -> MissingRules:
    """The rules of ``[missing_item]``; ``compile_one(pattern, kind)`` compiles (None if bad)."""
    if not table:
        return MissingRules()

    def one(key: str) -> re.Pattern | None:
        return compile_one(str(table[key]), key) if key in table else None

    def many(key: str) -> tuple[re.Pattern, ...]:
        return tuple(p for p in (compile_one(str(s), key) for s in table.get(key, [])) if p is not None)

    return MissingRules(
        arrived=one("arrived"),
        things=many("things"),
        short=many("short"),
        got=one("got"),
        ordered=one("ordered"),
        lead=one("lead"),
        not_thing=one("not_thing"),
        other_question=one("other_question"),
        about_missing=one("about_missing"),
        not_kinds=tuple(str(k) for k in table.get("not_kinds", [])),
        replies={k: str(v) for k, v in table.get("replies", {}).items()},
    )


_CLAUSES = re.compile(r"[\s，。,.!！?？~～；;]+")


def _thing(raw: str, rules: MissingRules) -> str:
    """The buyer's word for the missing part (说好的送袜子 → 袜子, 炸篮的把手 → 把手), or ""."""
    thing = raw
    if rules.lead is not None:
        thing = rules.lead.sub("", thing)
    thing = thing.rsplit("的", 1)[-1]
    if not re.fullmatch(r"[\u4e00-\u9fffA-Za-z]{2,6}", thing) or not re.search(r"[\u4e00-\u9fff]", thing):
        return ""
    if rules.not_thing is not None and rules.not_thing.search(thing):
        return ""
    return thing


def _typed(
    clause: str,
    found: re.Match,
    thing: str,
    rules: MissingRules,
    facts: Callable[[str], Sequence[Any]] | None,
) -> bool:
    """Whether the thing read off ``clause`` is a fact of another kind (the 块 of 10块太少了 is money's
    unit, the 周一 of 说好的周一呢 a day): a fact of ``not_kinds`` covers where it stands."""
    if facts is None or not rules.not_kinds:
        return False
    start = clause.rfind(thing, 0, found.end("thing"))
    if start < 0:
        return False
    end = start + len(thing)
    return any(f.kind in rules.not_kinds and f.start < end and start < f.end for f in facts(clause))


def _count(text: str, pattern: re.Pattern | None) -> tuple[float, str, str] | None:
    found = pattern.search(text) if pattern is not None else None
    if found is None:
        return None
    # (a pattern may say the number twice, 拍了5袋 or 五双装: the second as n2, unit2)
    number = found.groupdict().get("n") or found.groupdict().get("n2") or ""
    unit = found.groupdict().get("unit") or found.groupdict().get("unit2") or ""
    value = chinese_number(number)
    return (value, unit, number + unit) if value is not None else None


def read_missing(
    message: str,
    buyer_earlier: Sequence[str],
    delivered: bool,
    rules: MissingRules,
    facts: Callable[[str], Sequence[Any]] | None = None,
) -> Missing | None:
    """What this message says is missing from the parcel, or None when it says nothing of the kind.

    Args:
        message: the buyer's message.
        buyer_earlier: the buyer's earlier turns, newest last (拍了5袋: how many were bought).
        delivered: whether the chat says the parcel came.
        facts: the fact layer's reading of a clause (``FactExtractor.extract``): a thing that a fact
            of ``not_kinds`` covers is that fact, not a part (10块太少了 / 说好的周一呢).
    """
    if not rules.replies or not (rules.things or rules.short):
        return None
    arrived = delivered or (rules.arrived is not None and rules.arrived.search(message) is not None)
    things: list[str] = []
    partial = False
    short = ""
    explicit = False  # 少了 / 漏发 / 只有4袋 say something is missing whatever came before
    asks_other = False
    for clause in (c for c in _CLAUSES.split(message) if c):
        matched = False
        for pattern in rules.short:
            if found := pattern.search(clause):
                thing = _thing(found.groupdict().get("thing") or "", rules)
                if thing and _typed(clause, found, thing, rules, facts):
                    break  # 10块太少了: an amount judged, nothing missing
                matched = explicit = True
                short = short or (found.groupdict().get("short") or "")
                if thing:
                    things.append(thing)
                break
        if not matched:
            for pattern in rules.things:
                if (
                    (found := pattern.search(clause))
                    and (thing := _thing(found["thing"], rules))
                    and not _typed(clause, found, thing, rules, facts)
                ):
                    matched = True
                    things.append(thing)
                    partial = partial or bool(found.groupdict().get("partial"))
                    explicit = explicit or bool(found.groupdict().get("partial"))
                    break
        if (
            not matched
            and rules.other_question is not None
            and rules.other_question.search(clause)
            and not (rules.about_missing is not None and rules.about_missing.search(clause))
        ):
            asks_other = True
    got = _count(message, rules.got)
    ordered = next(
        (c for t in [message, *reversed(buyer_earlier)] if (c := _count(t, rules.ordered)) is not None), None
    )
    counted = got is not None and ordered is not None and got[1] == ordered[1] and got[0] < ordered[0]
    if asks_other or not (things or counted):
        return None
    # a thing asked after (湿巾呢 / 袜子没有啊) is missing only once the parcel came: before, it is a
    # question about what the order will hold
    if not (explicit or counted or arrived):
        return None
    return Missing(
        tuple(dict.fromkeys(things)),
        partial,
        short,
        got[2] if counted and got else "",
        ordered[2] if counted and ordered else "",
    )


def missing_reply(missing: Missing, rules: MissingRules) -> str:
    """The reply that apologises, names what is missing (and the counts) and offers to send it."""
    replies = rules.replies
    if missing.ordered and not missing.things:
        template = replies.get("counted", "")
    else:
        template = replies.get("named", "")
    how = (
        (replies.get("short", "") and replies["short"].replace("{short}", missing.short))
        if missing.short and len(missing.things) == 1
        else replies.get("partial" if missing.partial else "absent", "")
    )
    things = replies.get("and", "和").join(missing.things)
    return (
        template.replace("{things}", things)
        .replace("{how}", how)
        .replace("{got}", missing.got)
        .replace("{ordered}", missing.ordered)
    )
