"""Shop facts nobody asked about (issue 12): a reply says the shop's fact when it answers the buyer.

A blind judge sees the chat and the suggestions, not the shop profile: a shop fact the buyer did not
ask about (a coupon in a free-shipping answer, a gift promised while refusing a discount, the warranty
in a farewell) reads as invented, and risks contradicting what this chat's shop says. A retrieved
case's writer often added such a fact to the answer; this module leaves it out for a buyer who did not
ask about it either, when the rest of the reply stands on its own.

What is measured is the structure of the reply template, not buyer phrasings: each shop slot of
``shop.toml`` listed in ``[unasked.topics]`` (adaptation.toml) has the topics that ask about it
(intents.toml objects or scenario ids). A slot is the case's *answer* when its case's buyer asked one
of its topics (or its case is of one of those scenarios); otherwise the case's writer added it. An
added slot whose topic the buyer's message, the question they chase and the detected scenario all
leave out is dropped with its sentence (when it opens the sentence: the clauses after it speak of it,
可以领5元券，下单直接抵扣) or with the clauses from it to the sentence's end (单独降价做不了，抱歉，
我给您备注送收纳袋 → 单独降价做不了，抱歉。). A slot whose value this chat already said stays.

``[unasked.courier]``: the shop's default courier (``{courier}``) is not named where the template asks
the courier to act (联系{courier}核实 → 联系快递核实) unless the chat named it or the buyer asks about
couriers; once the parcel has left, which courier carries it is this order's fact, so elsewhere a
visible fill-in stands in (已经用【快递公司】发出了).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem
from .files import pattern_or_problem, toml_line
from .text import SLOT_PATTERN

# a sentence ends at one of these (kept with it); a clause at a comma
_SENTENCE = re.compile(r"[^。！？；!?;～~]+[。！？；!?;～~]*")
_CLAUSE_END = re.compile(r"[，,]")
# a parenthesis inside a sentence ((新疆、西藏等偏远地区除外)) is a unit of its own
_PAREN = re.compile(r"[（(][^（）()]*[）)]")
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@dataclass(frozen=True)
class Unasked:
    """``[unasked]`` of adaptation.toml."""

    # shop slot -> the intents.toml objects and scenario ids that ask about it
    topics: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # topic -> patterns of a buyer's message that ask about it besides the intents.toml objects
    asks: Mapping[str, tuple[re.Pattern, ...]] = field(default_factory=dict)
    # characters of content (letters, digits, Chinese) the reply must keep besides its opening
    min_rest: int = 10
    # the clauses kept before a left-out one: fewer content characters, or a condition, and the
    # sentence goes whole (万一不合适，签收15天内可以换码)
    min_head: int = 6
    condition: re.Pattern | None = None
    # a reply's opening (亲， / 好的亲，) that stays when the sentence it opens goes
    opening: re.Pattern | None = None
    # [unasked.courier]: the default courier where it acts (word) or, once shipped, elsewhere (label)
    courier_slot: str = "courier"
    courier_stages: frozenset[str] = frozenset()
    courier_word: str = ""
    courier_label: str = ""
    courier_before: re.Pattern | None = None
    courier_after: re.Pattern | None = None
    # topics of a buyer asking which courier (before dispatch the shop's default then answers them)
    courier_asks: frozenset[str] = frozenset()
    # optional conversation slots a template is about (不合作的{asked_courier}这家): no value, no reply
    needs: frozenset[str] = frozenset()
    # [unasked.place]: slots about far areas (the shop's remote areas, their surcharge) that do not
    # concern a buyer who named a place outside them (``area``: the slot listing the areas)
    place_slots: frozenset[str] = frozenset()
    place_area: str = ""
    # [unasked.greeting]: the shop's name (欢迎光临{shop} / 这里是{shop}的客服) and what stands instead
    # when this chat never named the shop and the buyer does not ask which shop (``asked``), or the
    # shop profile says name_in_greeting = false; only templates of ``scenarios`` (all when empty)
    greeting_scenarios: frozenset[str] = frozenset()
    unnamed: tuple[tuple[re.Pattern, str], ...] = ()
    name_asked: re.Pattern | None = None
    # [unasked.promise]: a time the shop promises to come back within ({complaint_reply_time}内), said
    # only to a buyer asking when (question types of intents.toml); otherwise what stands instead
    promise_slot: str = ""
    promise_asks: frozenset[str] = frozenset()
    unpromised: tuple[tuple[re.Pattern, str], ...] = ()

    def without_name(self, template: str, case_topics: Collection[str]) -> str:
        """A template without the shop's name (欢迎光临{shop}， → 欢迎光临，)."""
        if self.greeting_scenarios and not (self.greeting_scenarios & set(case_topics)):
            return template
        for pattern, instead in self.unnamed:
            template = pattern.sub(instead, template)
        return template

    def asks_name(self, text: str) -> bool:
        """Whether ``text`` asks which shop this is (你们是哪家店)."""
        return self.name_asked is not None and bool(self.name_asked.search(text))

    def without_promise(self, template: str, question_types: Collection[str]) -> str:
        """A template without the shop's reply-time promise for a buyer who does not ask when
        ({complaint_reply_time}内回复您 → 尽快回复您): the promise is a fact the chat never gave."""
        if not self.promise_slot or self.promise_asks & set(question_types):
            return template
        for pattern, instead in self.unpromised:
            template = pattern.sub(instead, template)
        return template

    def asked_in(self, text: str) -> frozenset[str]:
        """The topics ``text`` asks about by ``asks`` (送个小样吧 → gift)."""
        return frozenset(t for t, patterns in self.asks.items() if any(p.search(text) for p in patterns))

    def added(self, template: str, case_topics: Collection[str]) -> frozenset[str]:
        """The listed shop slots of ``template`` its case did not ask about (its writer added them)."""
        return frozenset(
            slot
            for slot in SLOT_PATTERN.findall(template)
            if slot in self.topics and not (self.topics[slot] & set(case_topics))
        )

    def elsewhere(
        self, places: Collection[str], area_text: str, maybe: Collection[str] = ()
    ) -> frozenset[str]:
        """The place slots that do not concern this buyer: the latest place they named is neither in
        the shop's list of areas (``area_text``) nor one the list may mean by 等 (``maybe``)."""
        place = list(places)[-1] if places else ""
        if not place or not area_text or place in area_text or place in maybe:
            return frozenset()
        return self.place_slots

    def trim(
        self,
        template: str,
        case_topics: Collection[str],
        asked: Collection[str],
        said: Callable[[str], bool],
        elsewhere: Collection[str] = (),
    ) -> tuple[str, tuple[str, ...]]:
        """``template`` without the parts that carry only shop facts nobody asked about.

        Args:
            case_topics: the objects and scenario the retrieved case was written for.
            asked: the objects the buyer asks about now (or chases) and the detected scenario.
            said: whether this chat already said the slot's value (then it stays).
            elsewhere: slots about another place than the buyer's: left out whatever was asked.

        Returns:
            the template (unchanged when the rest would not stand on its own) and the slots dropped.
        """
        asked = set(asked)
        drop = {slot for slot in self.added(template, case_topics) if not (self.topics[slot] & asked)}
        drop = {slot for slot in drop if not said(slot)} | (
            set(elsewhere) & set(SLOT_PATTERN.findall(template))
        )
        if not drop:
            return template, ()
        kept_slots = {s for s in SLOT_PATTERN.findall(template) if s in self.topics and s not in drop}

        def only_dropped(text: str) -> bool:
            slots = set(SLOT_PATTERN.findall(text))
            return bool(slots & drop) and not (slots & kept_slots)

        # a parenthesis that carries only dropped slots goes first, on its own
        text = _PAREN.sub(lambda m: "" if only_dropped(m.group(0)) else m.group(0), template)
        pieces: list[str] = []
        opening = ""
        cut = False  # a sentence went or lost clauses (a parenthesis gone leaves every sentence whole)
        for index, sentence in enumerate(_SENTENCE.findall(text)):
            if index == 0 and self.opening is not None and (m := self.opening.match(sentence)):
                opening, sentence = sentence[: m.end()], sentence[m.end() :]
            clauses = _clauses(sentence)
            marks = [only_dropped(c) for c in clauses]
            if True not in marks:
                pieces.append(sentence)
                continue
            first = marks.index(True)
            tail = clauses[first:]
            if any(set(SLOT_PATTERN.findall(c)) - drop for c in tail):
                pieces.append(sentence)  # another fact follows it (one asked for, the chat's): it stays
                continue
            cut = True
            head = "".join(clauses[:first]).rstrip("，, ")
            # a short head opens the reply (能到的亲，…); elsewhere it says too little to stand alone
            short = len(_CONTENT.findall(head)) < self.min_head
            if (
                first == 0  # the sentence opens with it: what follows speaks of it (可以领券，下单直接抵扣)
                or (short and index > 0)
                or (self.condition is not None and self.condition.search(clauses[first - 1].rstrip("，, ")))
            ):
                continue
            # the question left out with it (…，我给您备注送收纳袋，您看可以吗？) ends the sentence no more
            end = re.search(r"[。！？；!?;～~]+$", sentence)
            end_mark = end.group(0) if end else ""
            pieces.append(head + ("，" if short else "。" if end_mark[:1] in "？?" else end_mark))
        if not pieces:
            return template, ()
        # the reply ends as a sentence does (…申请不了，抱歉；→ …申请不了，抱歉。)
        body = re.sub(r"[；;，,、]+$", "。", "".join(pieces))
        if opening and not body.strip():
            return template, ()
        result = opening + body
        rest = SLOT_PATTERN.sub("xx", body)
        if (cut and len(_CONTENT.findall(rest)) < self.min_rest) or result == template:
            return template, ()
        return result, tuple(sorted(s for s in drop if s in template and ("{" + s + "}") not in result))

    def shipped_courier(
        self, template: str, stage: str, chat_couriers: bool, asked: Collection[str] = ()
    ) -> str:
        """``{courier}`` when the chat named no courier: where the template asks the courier to act
        (联系{courier}核实 / 请{courier}送货上楼) the neutral word, unless the buyer asks about couriers
        (``courier_asks``) before the parcel left; once it is on its way (``courier_stages``) a visible
        fill-in elsewhere (已经用【快递公司】发出了): the shop's default may not be the courier it went with."""
        slot = "{" + self.courier_slot + "}"
        if not self.courier_word or chat_couriers or slot not in template:
            return template
        shipped = stage in self.courier_stages
        asking = bool(self.courier_asks & set(asked))

        def one(match: re.Match) -> str:
            before, after = template[: match.start()], template[match.end() :]
            acts = (self.courier_before is not None and self.courier_before.search(before)) or (
                self.courier_after is not None and self.courier_after.match(after)
            )
            if acts and (shipped or not asking):
                return self.courier_word
            return "【" + self.courier_label + "】" if shipped else match.group(0)

        return re.sub(re.escape(slot), one, template)


def _clauses(sentence: str) -> list[str]:
    """A sentence's clauses, each with its comma (the last with the sentence's end)."""
    clauses, start = [], 0
    for match in _CLAUSE_END.finditer(sentence):
        clauses.append(sentence[start : match.end()])
        start = match.end()
    if start < len(sentence):
        clauses.append(sentence[start:])
    return clauses


def load_unasked(
    path: Path, data: dict, slots: Collection[str] | None = None
) -> tuple[Unasked, list[Problem]]:
    """Read ``[unasked]`` (``data``: that table); returns it and every problem (``file:line: message``)."""
    problems: list[Problem] = []
    where = str(path)

    def pattern(value: object, key: str) -> re.Pattern | None:
        return pattern_or_problem(value, path, "unasked", key, problems)

    asks = {
        str(topic): tuple(p for p in (pattern(x, "asks") for x in found) if p is not None)
        for topic, found in data.get("asks", {}).items()
    }
    topics: dict[str, frozenset[str]] = {}
    for slot, words in data.get("topics", {}).items():
        if slots is not None and slot not in slots:
            problems.append(
                Problem(where, toml_line(path, slot), f"[unasked.topics] {slot!r} is no slot of shop.toml")
            )
            continue
        topics[slot] = frozenset(str(w) for w in words)
    courier = data.get("courier", {})
    place = data.get("place", {})
    greeting = data.get("greeting", {})
    promise = data.get("promise", {})

    def pairs(table: dict, key: str, name: str) -> list[tuple[re.Pattern, str]]:
        found_pairs = []
        for pair in table.get(key, []):
            found = pattern(pair[0], key) if isinstance(pair, list) and len(pair) == 2 else None
            if found is None:
                problems.append(
                    Problem(where, toml_line(path, key), f"[unasked.{name}] {key}: [pattern, instead] pairs")
                )
                continue
            found_pairs.append((found, str(pair[1])))
        return found_pairs

    unnamed = pairs(greeting, "unnamed", "greeting")
    unpromised = pairs(promise, "instead", "promise")
    promise_slot = str(promise.get("slot", ""))
    if promise_slot and slots is not None and promise_slot not in slots:
        problems.append(
            Problem(
                where, toml_line(path, "slot"), f"[unasked.promise] {promise_slot!r} is no slot of shop.toml"
            )
        )
        promise_slot = ""
    return (
        Unasked(
            topics=topics,
            asks=asks,
            min_rest=int(data.get("min_rest", Unasked.min_rest)),
            needs=frozenset(str(n) for n in data.get("needs", [])),
            min_head=int(data.get("min_head", Unasked.min_head)),
            condition=pattern(data.get("condition"), "condition"),
            opening=pattern(data.get("opening"), "opening"),
            courier_slot=str(courier.get("slot", Unasked.courier_slot)),
            courier_stages=frozenset(str(s) for s in courier.get("stages", [])),
            courier_word=str(courier.get("word", "")),
            courier_label=str(courier.get("label", "")),
            courier_before=pattern(courier.get("before"), "before"),
            courier_after=pattern(courier.get("after"), "after"),
            courier_asks=frozenset(str(t) for t in courier.get("asks", [])),
            place_slots=frozenset(str(t) for t in place.get("slots", [])),
            place_area=str(place.get("area", "")),
            greeting_scenarios=frozenset(str(t) for t in greeting.get("scenarios", [])),
            unnamed=tuple(unnamed),
            name_asked=pattern(greeting.get("asked"), "asked"),
            promise_slot=promise_slot,
            promise_asks=frozenset(str(t) for t in promise.get("asks", [])),
            unpromised=tuple(unpromised),
        ),
        problems,
    )
