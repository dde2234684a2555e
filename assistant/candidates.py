"""Imported candidates made safe to review: facts become slots or fill-ins, and every reply carries
the checklist's verdict.

A past reply states facts of one buyer's order (her height, his amount, the date promised to him).
``Templater`` turns each of them into what a corpus reply may hold, with the fact layer that grounds
suggestions (``facts.FactExtractor``): the shop's own value (its courier, its dispatch time) becomes
the matching shop slot of ``shop.toml``; a value the buyer side of this conversation stated becomes
the conversation slot of its kind ({height}, {amount}, {date} …); a shop or catalog fact stays; any
other fact becomes a visible fill-in (【快递】, 【日期】) for the agent to complete. So one buyer's order
never reaches another buyer's suggestion, and ``assistant corpus lint`` passes on approved imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .corpus import Corpus, Turn
from .facts import FILL_IN_LABELS, FactExtractor, FactSet
from .grounding import _SLOT_KINDS, FILL_IN
from .text import SLOT_PATTERN

# order events are how a reply talks about the order (发货后), stock claims answer the buyer's
# question; neither is one buyer's private value (as in ``lint``)
_NOT_FACTS = frozenset({"order_event"})
# kinds that describe one buyer's order: unless the buyer side said them (a slot) or the shop
# profile holds them, they become fill-ins even when the catalog knows the value (建议拿M码 was
# advice for that buyer's measurements, not for the next buyer)
_ORDER_KINDS = frozenset(
    {"size", "spec", "colour", "money", "quantity", "date", "time", "order_id", "tracking_no"}
    | {"height", "weight", "foot_length"}
)
# the conversation slot that holds a fact of each kind (the grounding layer fills them)
_SLOT_OF_KIND = {kind: slot for slot, kinds in _SLOT_KINDS.items() for kind in kinds} | {"date": "date"}
# kinds the grounding layer always fills from the buyer's item (its catalog stock), said or not
_ITEM_SLOTS = {"stock": "stock_status"}


@dataclass(frozen=True)
class Templated:
    """A reply with its facts turned into slots or fill-ins, and what changed."""

    reply: str
    changes: tuple[tuple[str, str], ...]  # (was, now)
    categories: tuple[str, ...]


class Templater:
    """Turns the facts of imported replies into slots or fill-ins (see the module docstring).

    Args:
        corpus: the corpus whose shop profile, catalog and fact vocabulary decide.
    """

    def __init__(self, corpus: Corpus):
        self.extractor = FactExtractor(corpus.facts, corpus.catalog)
        self.known_slots = set(corpus.shop.conversation_slots)
        self.allowed = FactSet()
        for product in corpus.catalog:
            entry = " ".join([*product.names, *product.sizes, *product.colours, f"{product.price:g}元"])
            self.allowed.add(self.extractor.extract(entry), entry)
        # shop slot values, longest first, that name one slot only (24小时 is two slots' value: ambiguous)
        owners: dict[str, list[str]] = {}
        for slot, value in corpus.shop.slots.items():
            if value and self.extractor.extract(value):
                owners.setdefault(value, []).append(slot)
        self.shop_values = sorted(
            ((value, slots[0]) for value, slots in owners.items() if len(slots) == 1),
            key=lambda x: -len(x[0]),
        )
        self.shop_facts: dict[tuple[str, str], str | None] = {}
        for slot, value in corpus.shop.slots.items():
            for fact in self.extractor.extract(value):
                key = (fact.kind, fact.value)
                self.shop_facts[key] = slot if key not in self.shop_facts else None  # None: ambiguous
                self.allowed.add([fact])

    def template(self, reply: str, buyer: str, context: Sequence[Turn] = ()) -> Templated:
        """``reply`` (literal braces already escaped) with every concrete fact made a slot or fill-in.

        Args:
            reply: the imported reply.
            buyer: the buyer message it answers.
            context: earlier turns; facts the buyer stated there are this conversation's too.
        """
        changes: list[tuple[str, str]] = []
        out = reply
        for value, slot in self.shop_values:
            if value in out:
                out = out.replace(value, "{" + slot + "}")
                changes.append((value, "{" + slot + "}"))
        buyer_side = " ".join([buyer, *(t.text for t in context if t.role == "buyer")])
        said = {(f.kind, f.value) for f in self.extractor.extract(buyer_side)}
        people = {
            (f.kind, f.value) for f in self.extractor.extract(buyer_side) if f.kind in ("person", "occasion")
        }
        # blank the slots out so their names are not read as facts; offsets stay the same
        blanked = SLOT_PATTERN.sub(lambda m: "\u3000" * len(m.group(0)), out)
        edits = []
        for fact in self.extractor.extract(blanked):
            if fact.kind in _NOT_FACTS or fact.kind == "item":
                continue
            if (fact.kind, fact.value) in people:
                continue
            key = (fact.kind, fact.value)
            slot = _SLOT_OF_KIND.get(fact.kind)
            if key in said and slot in self.known_slots:
                now = "{" + slot + "}"
            elif _ITEM_SLOTS.get(fact.kind) in self.known_slots:
                now = "{" + _ITEM_SLOTS[fact.kind] + "}"
            elif self.shop_facts.get(key):
                now = "{" + str(self.shop_facts[key]) + "}"
            elif self.allowed.allows(fact) and fact.kind not in _ORDER_KINDS:
                continue
            elif fact.kind in FILL_IN_LABELS:
                now = FILL_IN.format(FILL_IN_LABELS[fact.kind])
            else:
                continue
            edits.append((fact.start, fact.end, now))
        for start, end, now in sorted(edits, reverse=True):
            changes.append((out[start:end], now))
            out = out[:start] + now + out[end:]
        categories = tuple(sorted(self.extractor.categories_in(SLOT_PATTERN.sub("\u3000", out))))
        return Templated(out, tuple(changes), categories)
