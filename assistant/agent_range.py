"""A range the agent already stated (36到40cm选M / 这款适合1到4kg的猫咪 / S码适合头围50到54cm), read back
to a buyer who gives a value of the same measure (量了是38 那就M对吧 / 我家猫4斤 对吧): the value lies in
the agent's range, so the answer is a fact of this chat, not a lookup (the judges: "the chat already says
36-40 is M; needless hold"). Only a value inside a range is answered; one outside every range, or a
message that gives none, is left to the other replies. ``[agent_range]`` in adaptation.toml holds the
patterns, the units and the replies."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RangeRules:
    """How an agent turn states a range, the units that compare, and the replies."""

    # a range with its unit (groups low, high, unit; the unit may be empty: 36到40选M)
    stated: re.Pattern | None = None
    # an upper limit with its unit (group high, unit: 大号适合10kg以内 / 承重不超过20公斤): a range from
    # nothing up to it, answered both ways, since a value over a limit is as plain a fact as one under it
    limit: re.Pattern | None = None
    # what the range is for, right before it (group target: S码适合头围) or right after (选M)
    target_before: re.Pattern | None = None
    target_after: re.Pattern | None = None
    # a range with no target only answers when its clause says what it fits (适合 / 适用)
    fits: re.Pattern | None = None
    # a number the buyer gives (groups number, unit), and what after a bare number makes it no measure
    # (岁 / 个 / 块 / 码: an age, a count, money, a size)
    value: re.Pattern | None = None
    not_measure: re.Pattern | None = None
    # unit word -> (measure, factor to that measure's base unit): 斤 is half a kilogram
    units: dict[str, tuple[str, float]] = field(default_factory=dict)
    # the scenarios it answers in (a complaint is not told its cat's weight is in range)
    scenarios: frozenset[str] = frozenset()
    # replies: {value} the buyer's words, {range} the agent's, {target} the size it is for
    named: str = ""  # the buyer named the target (那就M对吧)
    target: str = ""
    fit: str = ""
    # a limit: {value} the buyer's words, {converted} the value in the agent's unit when the buyer used
    # another (12斤 → 就是6kg), {range} the agent's words (10kg以内), {bound} the limit (10kg)
    within: str = ""
    over: str = ""
    # the value lies in two sizes' ranges (an overlap, or the bound they share: 54 of 50到54cm / 54到58cm):
    # {value}, {ranges} both as the agent wrote them, {smaller} / {larger} their targets
    between: str = ""


@dataclass(frozen=True)
class StatedRange:
    """One range of an agent turn: its bounds in the base unit, as written, and its target."""

    low: float
    high: float
    measure: str  # "" when the agent wrote no unit
    text: str
    target: str
    fits: bool
    # a limit (10kg以内): its unit word and factor, to say the buyer's value in the agent's unit
    limit: bool = False
    unit_word: str = ""
    factor: float = 1.0


def load_range_rules(table: dict[str, Any], compile_one: Any) -> RangeRules:
    """The ``[agent_range]`` table; ``compile_one(pattern, kind)`` compiles (None if bad)."""

    def one(key: str) -> re.Pattern | None:
        return compile_one(str(table[key]), key) if table.get(key) else None

    units = {}
    for measure, words in (table.get("units") or {}).items():
        for word, factor in (words or {}).items():
            units[str(word).lower()] = (str(measure), float(factor))
    replies = table.get("replies") or {}
    return RangeRules(
        stated=one("stated"),
        limit=one("limit"),
        target_before=one("target_before"),
        target_after=one("target_after"),
        fits=one("fits"),
        value=one("value"),
        not_measure=one("not_measure"),
        units=units,
        scenarios=frozenset(str(s) for s in table.get("scenarios", [])),
        named=str(replies.get("named", "")),
        target=str(replies.get("target", "")),
        fit=str(replies.get("fit", "")),
        within=str(replies.get("within", "")),
        over=str(replies.get("over", "")),
        between=str(replies.get("between", "")),
    )


def _unit(rules: RangeRules, word: str) -> tuple[str, float] | None:
    return rules.units.get(word.lower()) if word else ("", 1.0)


def stated_ranges(rules: RangeRules, text: str) -> list[StatedRange]:
    """The ranges an agent turn states, each with the target written beside it within its clause."""
    if rules.stated is None:
        return []
    matches = list(rules.stated.finditer(text))
    found = []
    for n, match in enumerate(matches):
        unit = _unit(rules, match.group("unit") or "")
        if unit is None:
            continue
        try:
            low, high = float(match.group("low")), float(match.group("high"))
        except ValueError:
            continue
        if low >= high:
            continue
        # the clause around the range, no further than the neighbouring ranges
        start = matches[n - 1].end() if n else 0
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        before, after = text[start : match.start()], text[match.end() : end]
        before = re.split(r"[，,。；;！!？?]", before)[-1]
        after = re.split(r"[，,。；;！!？?]", after)[0]
        # a size said after it with a verb (选M) is its own; else the one before it (S码适合头围)
        hit = (rules.target_after.match(after) if rules.target_after else None) or (
            rules.target_before.search(before) if rules.target_before else None
        )
        target = hit.group("target") if hit else ""
        fits = bool(rules.fits is not None and rules.fits.search(before + match.group(0) + after))
        found.append(
            StatedRange(low * unit[1], high * unit[1], unit[0], match.group(0).strip(), target, fits)
        )
    return found + _limits(rules, text, [m.span() for m in matches])


def _limits(rules: RangeRules, text: str, taken: list[tuple[int, int]]) -> list[StatedRange]:
    """The upper limits an agent turn states (大号适合10kg以内), each with the size before it in its
    clause; only with a unit, since a bare 10以内 may be a count or a price."""
    if rules.limit is None:
        return []
    found = []
    for match in rules.limit.finditer(text):
        if any(a < match.end() and match.start() < b for a, b in taken):
            continue  # the high end of a range (1到10kg以内) is that range's
        word = match.group("unit") or ""
        unit = _unit(rules, word)
        if not word or unit is None or not unit[0]:
            continue
        try:
            high = float(match.group("high"))
        except ValueError:
            continue
        before = re.split(r"[，,。；;！!？?]", text[: match.start()])[-1]
        hit = rules.target_before.search(before) if rules.target_before else None
        found.append(
            StatedRange(
                0.0,
                high * unit[1],
                unit[0],
                match.group(0).strip(),
                hit.group("target") if hit else "",
                True,
                limit=True,
                unit_word=word,
                factor=unit[1],
            )
        )
    return found


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _limit_answer(
    rules: RangeRules, stated: StatedRange, said: str, measure_word: str, value: float
) -> tuple[str, dict[str, str]] | None:
    """The buyer's value against the agent's limit, with the conversion shown when the units differ
    (12斤就是6kg), so the agent sees the arithmetic before sending it."""
    template = rules.within if value <= stated.high else rules.over
    if not template:
        return None
    converted = ""
    if measure_word and measure_word.lower() != stated.unit_word.lower():
        converted = f"，就是{_number(value / stated.factor)}{stated.unit_word}"
    bound = stated.text[: stated.text.find(stated.unit_word) + len(stated.unit_word)]
    bound = re.sub(r"^\D+", "", bound)  # 承重不超过20公斤 → 20公斤
    words = {
        "{value}": said,
        "{converted}": converted,
        "{range}": stated.text,
        "{bound}": bound,
        "{target}": stated.target,
    }
    return template, words


def buyer_values(rules: RangeRules, message: str) -> list[tuple[str, str, float]]:
    """The numbers ``message`` gives as measures: (as said, measure or "" for a bare number, value in
    the measure's base unit); a number before a word of ``not_measure`` (65岁 / 2件) is none."""
    if rules.value is None:
        return []
    values = []
    for match in rules.value.finditer(message):
        word = match.group("unit") or ""
        unit = _unit(rules, word)
        if unit is None:
            continue
        if not word and rules.not_measure is not None and rules.not_measure.match(message, match.end()):
            continue
        try:
            number = float(match.group("number"))
        except ValueError:
            continue
        values.append((match.group(0).strip(), unit[0], number * unit[1]))
    return values


def read_back(
    rules: RangeRules,
    message: str,
    agent_turns: Sequence[str],
    sizes_named: Sequence[str] = (),
    told: Sequence[str] = (),
) -> tuple[str, dict[str, str]] | None:
    """The reply saying the buyer's value back against the range the agent's latest turn that states
    one gave, as a template and the words for its ``{value}``, ``{range}`` and ``{target}``; None when
    the message gives no value of that measure, its values disagree, or none lies in a range that has a
    target or says what it fits. ``sizes_named``: the sizes the message names. ``told``: the buyer's
    turns after the last agent turn; when that turn states the ranges and the message gives no value
    (那我拿哪个 after 量了19), the value they told is the one answered, since the agent asked
    for it and has not replied yet."""
    ranges: list[StatedRange] = []
    latest = True  # the ranges are of the agent's last turn
    for text in reversed(agent_turns):
        ranges = stated_ranges(rules, text)
        if ranges:
            break
        latest = False
    if not ranges:
        return None
    if latest and told and not buyer_values(rules, message):
        message = " ".join(told)
    limits = [r for r in ranges if r.limit]
    ranges = [r for r in ranges if not r.limit]
    if limits and not ranges:
        # one limit and values of its measure only (a bare number is no weight against 10kg以内)
        if len(limits) != 1:
            return None
        values = [v for v in buyer_values(rules, message) if v[1] == limits[0].measure]
        if len(values) != 1:
            return None
        said, _, value = values[0]
        word = rules.value.match(said) if rules.value is not None else None
        return _limit_answer(rules, limits[0], said, (word.group("unit") or "") if word else "", value)
    fitting: list[tuple[str, StatedRange]] = []
    for said, measure, value in buyer_values(rules, message):
        comparable = []
        for r in ranges:
            if measure and r.measure and measure != r.measure:
                continue
            if not measure:
                # a bare number is a measure only near the range (65 of 我妈65了 is no leg of 36到40cm)
                width = r.high - r.low
                if not r.low - width <= value <= r.high + width:
                    continue
            elif not r.measure:
                continue  # a unit against a range the agent wrote without one: not comparable
            comparable.append(r)
        inside = [r for r in comparable if r.low <= value <= r.high]
        if comparable and not inside:
            return None  # a value outside every range the agent gave: the agent decides
        fitting.extend((said, r) for r in inside)
    if len({id(r) for _, r in fitting}) == 2:
        return _between(rules, fitting)
    if not fitting or len({id(r) for _, r in fitting}) != 1:
        return None
    stated = fitting[0][1]
    words = list(dict.fromkeys(s for s, _ in fitting))
    said = f"{words[0]}（{words[1]}）" if len(words) > 1 else words[0]  # 4斤（2公斤）: both the buyer's
    if stated.target:
        template = rules.named if stated.target in "".join(sizes_named) else rules.target
    elif stated.fits:
        template = rules.fit
    else:
        return None
    if not template:
        return None
    return template, {"{value}": said, "{range}": stated.text, "{target}": stated.target}


def _between(rules: RangeRules, fitting: list[tuple[str, StatedRange]]) -> tuple[str, dict[str, str]] | None:
    """One value inside two sizes' ranges (66码 6到9kg and 73码 8到11kg for 17斤; 54 on the bound of
    50到54cm and 54到58cm): both fit by the agent's own chart, so both are named, the larger for room;
    only two targeted ranges of one measure whose order is plain (the larger starts and ends higher)."""
    pair = list({id(r): r for _, r in fitting}.values())
    if any({id(r) for s, r in fitting if s == said} != {id(r) for r in pair} for said, _ in fitting):
        return None  # two values, one in each range: they disagree, the agent decides
    if not rules.between or any(not r.target for r in pair) or pair[0].target == pair[1].target:
        return None
    if pair[0].measure != pair[1].measure:
        return None
    smaller, larger = sorted(pair, key=lambda r: (r.low, r.high))
    if not (smaller.low < larger.low and smaller.high < larger.high):
        return None
    said = list(dict.fromkeys(s for s, _ in fitting))[0]
    words = {
        "{value}": said,
        "{ranges}": f"{_size(smaller.target)}{smaller.text}、{_size(larger.target)}{larger.text}",
        "{smaller}": _size(smaller.target),
        "{larger}": _size(larger.target),
    }
    return rules.between, words


def _size(target: str) -> str:
    """A target as a size name: M → M码, 大号 and 90码 stay."""
    return target if target.endswith(("号", "码")) or target == "均码" else f"{target}码"
