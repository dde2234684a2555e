"""Adapting retrieved replies to this message, this conversation and this shop.

For each retrieved case: fill its ``{slots}`` from the shop profile and from what the buyer said
(product, size, colour found through the catalog), drop a second greeting mid-conversation, put
empathy first in complaints, run the etiquette checklist and apply its safe fixes. Suggestions
that say the same thing are merged; when nothing similar enough exists, a safe reply for the
detected scenario (``corpus/adaptation.toml``) is offered instead of an unrelated case.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import Product, ShopProfile, Turn
from .errors import Problem
from .text import SLOT_PATTERN, fold

MESSAGE_SLOTS = ("product", "size", "colour")


@dataclass(frozen=True)
class AdaptationRules:
    """The phrases and thresholds of ``adaptation.toml``."""

    greeting_openers: tuple[re.Pattern, ...] = ()
    empathy_scenarios: tuple[str, ...] = ()
    empathy_markers: tuple[str, ...] = ()
    empathy_opening_chars: int = 20
    empathy_prefix: str = ""
    short_message_chars: int = 8
    short_message_reply_chars: int = 80
    long_message_chars: int = 40
    long_message_reply_chars: int = 25
    max_overlap: float = 0.55
    fallback: dict[str, str] = field(default_factory=dict)


def load_adaptation(
    path: Path, scenario_ids: Sequence[str] = (), slots: dict | None = None
) -> tuple[AdaptationRules, list[Problem]]:
    """Read ``adaptation.toml``; returns the rules and every problem (``file:line: message``)."""
    problems: list[Problem] = []
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AdaptationRules(), [Problem(where, None, "adaptation file not found")]
    except OSError as exc:
        return AdaptationRules(), [Problem(where, None, f"cannot read file ({exc.strerror})")]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return AdaptationRules(), [Problem(where, getattr(exc, "lineno", None), f"not valid TOML: {exc}")]
    greeting = data.get("greeting", {})
    empathy = data.get("empathy", {})
    length = data.get("length", {})
    diversity = data.get("diversity", {})
    fallback = {k: str(v) for k, v in data.get("fallback", {}).items()}
    openers = []
    for pattern in greeting.get("openers", []):
        try:
            openers.append(re.compile(pattern))
        except re.error as exc:
            problems.append(
                Problem(where, _line_of(path, pattern), f"bad greeting pattern {pattern!r}: {exc}")
            )
    if scenario_ids:
        for scenario in empathy.get("scenarios", []):
            if scenario not in scenario_ids:
                problems.append(
                    Problem(where, _line_of(path, scenario), f"unknown scenario {scenario!r} in [empathy]")
                )
        for scenario in fallback:
            if scenario not in scenario_ids:
                problems.append(
                    Problem(where, _line_of(path, scenario), f"unknown scenario {scenario!r} in [fallback]")
                )
        for scenario in scenario_ids:
            if scenario not in fallback:
                problems.append(Problem(where, None, f"[fallback] has no reply for scenario {scenario!r}"))
    if slots is not None:
        for scenario, reply in fallback.items():
            for slot in SLOT_PATTERN.findall(reply):
                if slot not in slots:
                    problems.append(
                        Problem(where, _line_of(path, scenario), f"slot {{{slot}}} has no value in shop.toml")
                    )
    rules = AdaptationRules(
        greeting_openers=tuple(openers),
        empathy_scenarios=tuple(empathy.get("scenarios", [])),
        empathy_markers=tuple(empathy.get("markers", [])),
        empathy_opening_chars=int(empathy.get("opening_chars", 20)),
        empathy_prefix=str(empathy.get("prefix", "")),
        short_message_chars=int(length.get("short_message_chars", 8)),
        short_message_reply_chars=int(length.get("short_message_reply_chars", 80)),
        long_message_chars=int(length.get("long_message_chars", 40)),
        long_message_reply_chars=int(length.get("long_message_reply_chars", 25)),
        max_overlap=float(diversity.get("max_overlap", 0.55)),
        fallback=fallback,
    )
    return rules, problems


def _line_of(path: Path, needle: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if needle in line:
                return number
    except OSError:
        pass
    return None


# ----------------------------------------------------------------------------- slots


@dataclass(frozen=True)
class MessageFacts:
    """What the buyer's words say about the item: catalog product, size and colour (if any)."""

    product: Product | None = None
    size: str | None = None
    colour: str | None = None

    def slot_values(self) -> dict[str, str]:
        values = {}
        if self.product is not None:
            values["product"] = self.product.name
        if self.size:
            values["size"] = self.size
        if self.colour:
            values["colour"] = self.colour
        return values


class SlotFiller:
    """Finds products, sizes and colours in buyer text (through the catalog) and fills templates."""

    def __init__(self, shop: ShopProfile, catalog: Sequence[Product]):
        self.shop = shop
        self.catalog = list(catalog)
        names = sorted(
            {(fold(name), p.id) for p in self.catalog for name in p.names if name.strip()},
            key=lambda x: -len(x[0]),
        )
        self._names = names
        self._by_id = {p.id: p for p in self.catalog}
        colours = {c for p in self.catalog for c in p.colours}
        self._colours = sorted(colours, key=len, reverse=True)
        sizes = {s for p in self.catalog for s in p.sizes if s}
        # letter sizes must not match inside English words; numeric sizes need 码 or a clear boundary
        letters = sorted((s for s in sizes if not s[0].isdigit()), key=len, reverse=True)
        numbers = sorted((s for s in sizes if s[0].isdigit()), key=len, reverse=True)
        parts = []
        if letters:
            parts.append(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, letters)) + r")(?![A-Za-z])")
        if numbers:
            parts.append(r"(?<!\d)(?:" + "|".join(map(re.escape, numbers)) + r")(?=码|号|cm|CM)")
        self._size_pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def facts(self, message: str, history: Sequence[Turn] = ()) -> MessageFacts:
        """Product, size and colour the buyer named: in the message, else in their earlier turns."""
        texts = [message] + [t.text for t in reversed(history) if t.role == "buyer"]
        product = size = colour = None
        for text in texts:
            folded = fold(text)
            if product is None:
                for name, pid in self._names:
                    if name and name in folded:
                        product = self._by_id[pid]
                        break
            if size is None and self._size_pattern is not None:
                match = self._size_pattern.search(text)
                if match:
                    size = match.group(0).upper()
            if colour is None:
                colour = next((c for c in self._colours if c in text), None)
            if product and size and colour:
                break
        return MessageFacts(product, size, colour)

    def retarget(self, reply: str, source: MessageFacts, target: MessageFacts) -> str:
        """Swap the product, colour and size a source case talked about for the ones this buyer named.

        A handled case about 黑色 M 码 answers a buyer asking for 白色 L 码 once those words are swapped.
        A word is swapped when the source buyer used it, or when it is the only colour (size) in the
        reply; replies about several products are left alone.
        """
        named = self.products_in(reply)
        if len(named) > 1:
            return reply
        if source.product and target.product and source.product.id != target.product.id:
            for name in sorted(source.product.names, key=len, reverse=True):
                if name and name in reply:
                    reply = reply.replace(name, target.product.name)
                    break
        colours = self.colours_in(reply)
        if target.colour:
            old = source.colour if source.colour in colours else (colours[0] if len(colours) == 1 else None)
            if old and old != target.colour:
                reply = reply.replace(old, target.colour)
        elif target.product and len(colours) == 1 and colours[0] not in target.product.colours:
            # the buyer named no colour and the product does not come in this one: leave it out
            reply = reply.replace(colours[0], "")
        if target.size and self._size_pattern is not None:
            sizes = {m.group(0).upper() for m in self._size_pattern.finditer(reply)}
            old = source.size if source.size in sizes else (next(iter(sizes)) if len(sizes) == 1 else None)
            if old and old != target.size:
                reply = self._size_pattern.sub(
                    lambda m: target.size if m.group(0).upper() == old else m.group(0), reply
                )
        return reply

    def products_in(self, text: str) -> list[str]:
        """Ids of the catalog products named in ``text`` (longest names first, no double counting)."""
        folded = fold(text)
        found: list[str] = []
        for name, pid in self._names:
            if name and name in folded:
                folded = folded.replace(name, "\0")
                if pid not in found:
                    found.append(pid)
        return found

    def colours_in(self, text: str) -> list[str]:
        found: list[str] = []
        for colour in self._colours:
            if colour in text and not any(colour in f for f in found):
                found.append(colour)
        return found

    def conflicts(self, reply: str, facts: MessageFacts) -> int:
        """How many facts in a reply belong to another item than the buyer's (other products,
        colours or sizes the buyer's product does not come in)."""
        if facts.product is None:
            return 0
        product = facts.product
        others = [pid for pid in self.products_in(reply) if pid != product.id]
        colours = [c for c in self.colours_in(reply) if c not in product.colours and c != facts.colour]
        return len(others) + (1 if colours else 0)

    def fill(self, template: str, facts: MessageFacts) -> str:
        """Replace every ``{slot}`` with the message's facts or the shop's values."""
        values = {**self.shop.slots, **facts.slot_values()}

        def replace(match: re.Match) -> str:
            return values.get(match.group(1), match.group(0))

        return SLOT_PATTERN.sub(replace, template).replace("{{", "{").replace("}}", "}")


# ----------------------------------------------------------------------------- fitting


def conversation_started(history: Sequence[Turn]) -> bool:
    """True once the agent has said something in this chat (then no second greeting)."""
    return any(t.role == "agent" and t.text.strip() for t in history)


def drop_greeting(reply: str, rules: AdaptationRules) -> str:
    """Remove an opening greeting formula, keeping the reply when that would leave too little."""
    text = reply
    for _ in range(3):  # "亲，您好，在的，" stacks several openers
        before = text
        for pattern in rules.greeting_openers:
            text = pattern.sub("", text, count=1)
        if text == before:
            break
    return text if len(text) >= 6 else reply


def empathy_first(reply: str, scenario: str, rules: AdaptationRules) -> str:
    """For complaints, make sure the reply opens with empathy or an apology."""
    if scenario not in rules.empathy_scenarios or not rules.empathy_prefix:
        return reply
    opening = reply[: rules.empathy_opening_chars]
    if any(marker in opening for marker in rules.empathy_markers):
        return reply
    return rules.empathy_prefix + reply


def length_fit(message: str, reply: str, rules: AdaptationRules) -> float:
    """A multiplier in (0, 1] that prefers replies in proportion to the message's length."""
    m, r = len(message.strip()), len(reply)
    if m <= rules.short_message_chars and r > rules.short_message_reply_chars:
        return max(0.6, rules.short_message_reply_chars / r)
    if m >= rules.long_message_chars and r < rules.long_message_reply_chars:
        return 0.8
    return 1.0


def bigram_overlap(a: str, b: str) -> float:
    """Share of character bigrams two replies have in common (Jaccard)."""
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not grams_a or not grams_b:
        return 1.0 if a == b else 0.0
    return len(grams_a & grams_b) / len(grams_a | grams_b)


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Suggestion:
    """A reply the agent can send, with where it came from and what the checklist says of it."""

    reply: str
    score: float
    sources: tuple[str, ...]
    scenario: str
    violations: tuple[Any, ...] = ()  # checklist.Violation
    fixes: tuple[str, ...] = ()
    guidance: tuple[str, ...] = ()
    fallback: bool = False
    template: str = ""

    @property
    def has_error(self) -> bool:
        return any(getattr(v, "severity", "") == "error" for v in self.violations)

    def to_dict(self) -> dict:
        return {
            "reply": self.reply,
            "score": round(self.score, 4),
            "sources": list(self.sources),
            "scenario": self.scenario,
            "violations": [v.to_dict() for v in self.violations],
            "fixes": list(self.fixes),
            "guidance": list(self.guidance),
            "fallback": self.fallback,
        }


@dataclass(frozen=True)
class SuggestResult:
    """Everything ``suggest`` returns for one buyer message."""

    message: str
    history: tuple[Turn, ...]
    detection: Any  # detection.Detection
    suggestions: tuple[Suggestion, ...]
    guidance: tuple[Any, ...]  # corpus.GuidanceSection
    fallback: bool = False
    note: str = ""

    def to_dict(self) -> dict:
        """The JSON shape printed by ``assistant suggest --json``."""
        return {
            "message": self.message,
            "scenario": self.detection.scenario,
            "scenario_confidence": round(self.detection.scenario_confidence, 4),
            "stage": self.detection.stage,
            "buyer_type": self.detection.buyer_type,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "guidance": [{"id": g.id, "title": g.title} for g in self.guidance],
            "fallback": self.fallback,
            "note": self.note,
        }


class Adapter:
    """Turns retrieved cases into the k suggestions shown to the agent.

    Args:
        rules: the adaptation phrases (``adaptation.toml``).
        slots: the slot filler built from the shop profile and catalog.
        check: ``check(reply, message, history, scenario) -> CheckResult`` (the etiquette checklist).
        min_similarity: below this cosine similarity no case counts as similar enough.
    """

    def __init__(self, rules: AdaptationRules, slots: SlotFiller, check, min_similarity: float):
        self.rules = rules
        self.slots = slots
        self.check = check
        self.min_similarity = min_similarity

    def eligible(self, hits: Sequence[Any], scenario: str) -> list[Any]:
        """The hits worth adapting: similar enough, and about the detected scenario unless very close."""
        same = [h for h in hits if h.case.scenario == scenario and h.similarity >= self.min_similarity]
        close = [h for h in hits if h.case.scenario != scenario and h.similarity >= self.min_similarity + 0.3]
        return same + close

    def adapt(
        self,
        template: str,
        message: str,
        history: Sequence[Turn],
        scenario: str,
        facts: MessageFacts,
        source: MessageFacts | None = None,
    ):
        """Fill, retarget, fit and check one reply template; returns (reply, violations, fixes).

        ``source`` holds the product, colour and size the source case's buyer named; they are
        swapped for this buyer's (``facts``).
        """
        reply = self.slots.fill(template, facts)
        fixes: list[str] = []
        if source is not None:
            retargeted = self.slots.retarget(reply, source, facts)
            if retargeted != reply:
                reply = retargeted
                fixes.append("换成买家说的商品/颜色/尺码 matched the buyer's item")
        if conversation_started(history):
            trimmed = drop_greeting(reply, self.rules)
            if trimmed != reply:
                reply = trimmed
                fixes.append("去掉重复问候 dropped a second greeting")
        with_empathy = empathy_first(reply, scenario, self.rules)
        if with_empathy != reply:
            reply = with_empathy
            fixes.append("投诉先致歉 empathy first")
        result = self.check(reply, message, history, scenario)
        if result.fixed and result.fixed != reply:
            reply = result.fixed
            fixes.extend(getattr(result, "fixes", ()) or ["checklist safe fix"])
            result = self.check(reply, message, history, scenario)
        return reply, tuple(result.violations), tuple(fixes)

    def suggest(
        self,
        message: str,
        history: Sequence[Turn],
        detection: Any,
        hits: Sequence[Any],
        k: int,
        guidance_ids: tuple[str, ...] = (),
    ) -> tuple[list[Suggestion], bool]:
        """The ``k`` best distinct suggestions, and whether the safe fallback had to be used."""
        facts = self.slots.facts(message, history)
        scenario = detection.scenario
        candidates: list[Suggestion] = []
        top_fused = max((h.score for h in hits), default=0.0) or 1.0
        for hit in self.eligible(hits, scenario):
            source = self.slots.facts(hit.case.buyer, hit.case.context)
            reply, violations, fixes = self.adapt(hit.case.reply, message, history, scenario, facts, source)
            # cosine similarity says "close in meaning", the fused rank adds "shares the buyer's words"
            relevance = 0.5 * hit.similarity + 0.5 * hit.score / top_fused
            score = relevance * length_fit(message, reply, self.rules)
            if hit.case.scenario != scenario:
                score *= 0.8
            # details (colours, materials, prices) that belong to another item make a poor answer
            score *= 0.6 ** self.slots.conflicts(reply, facts)
            # a reply written for a conversation (or a buyer type) may refer to what this buyer never said
            if hit.case.context and not history:
                score *= 0.85
            if hit.case.buyer_type and hit.case.buyer_type != detection.buyer_type:
                score *= 0.85
            if any(getattr(v, "severity", "") == "error" for v in violations):
                score *= 0.3  # an error violation must never be the top suggestion
            candidates.append(
                Suggestion(
                    reply=reply,
                    score=score,
                    sources=(hit.case.id,),
                    scenario=hit.case.scenario,
                    violations=violations,
                    fixes=fixes,
                    guidance=guidance_ids,
                    template=hit.case.reply,
                )
            )
        chosen = self._distinct(sorted(candidates, key=lambda s: -s.score), k)
        chosen = [s for s in chosen if not s.has_error] or chosen
        fallback = not chosen or all(s.has_error for s in chosen)
        if fallback:
            template = self.rules.fallback.get(scenario)
            if template:
                reply, violations, fixes = self.adapt(template, message, history, scenario, facts)
                chosen = [
                    Suggestion(
                        reply=reply,
                        score=0.0,
                        sources=(),
                        scenario=scenario,
                        violations=violations,
                        fixes=fixes,
                        guidance=guidance_ids,
                        fallback=True,
                        template=template,
                    )
                ] + [s for s in chosen if not s.has_error]
        return chosen[:k], fallback

    def _distinct(self, ranked: Sequence[Suggestion], k: int) -> list[Suggestion]:
        """Keep suggestions that differ in substance; a near-copy adds its source to the kept one."""
        kept: list[Suggestion] = []
        for suggestion in ranked:
            twin = next(
                (
                    i
                    for i, s in enumerate(kept)
                    if bigram_overlap(s.reply, suggestion.reply) > self.rules.max_overlap
                ),
                None,
            )
            if twin is None:
                if len(kept) < k:
                    kept.append(suggestion)
            else:
                merged = kept[twin]
                kept[twin] = Suggestion(**{**merged.__dict__, "sources": merged.sources + suggestion.sources})
        return kept
