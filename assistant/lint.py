"""Corpus lint: the shipped replies are templates that carry no other shop's or buyer's facts.

Lists every concrete fact in a reply (cases, fallback and holding replies) that is neither a
``{slot}`` nor a fact of the shop profile or the catalog, and every case whose wording assumes a
product category without saying so in ``categories``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .corpus import Corpus
from .facts import FILL_IN_LABELS, FactExtractor, FactSet
from .text import SLOT_PATTERN

# order events are how a reply talks about the order ("发货后"), not facts it states
_NOT_FACTS = frozenset({"order_event"})


@dataclass(frozen=True)
class LintFinding:
    """One problem with one reply: where it is, which case, and what to change."""

    path: str
    line: int | None
    case_id: str
    kind: str  # "fact" | "category"
    text: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.case_id}: {self.message}"

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "case": self.case_id,
            "kind": self.kind,
            "text": self.text,
            "message": self.message,
        }


def lint_corpus(corpus: Corpus, fallbacks: dict[str, str] | None = None) -> list[LintFinding]:
    """Every ungrounded fact and unmarked category wording in the corpus's replies.

    Args:
        corpus: the loaded corpus.
        fallbacks: other reply templates to check (``adaptation.toml`` fallback and holding replies),
            by name.
    """
    extractor = FactExtractor(corpus.facts, corpus.catalog)
    allowed = FactSet()
    for value in corpus.shop.slots.values():
        allowed.add(extractor.extract(value), value)
    for product in corpus.catalog:
        entry = " ".join([*product.names, *product.sizes, *product.colours, f"{product.price:g}元"])
        allowed.add(extractor.extract(entry), entry)
    findings: list[LintFinding] = []

    def check(
        reply: str, path: str, line: int | None, case_id: str, categories: tuple[str, ...], own: str = ""
    ) -> None:
        # a slot stands for a value chosen per shop or per conversation: blank it out
        template = SLOT_PATTERN.sub("\u3000", reply)
        own_people = {(f.kind, f.value) for f in extractor.extract(own) if f.kind in ("person", "occasion")}
        for fact in extractor.extract(template):
            if fact.kind in _NOT_FACTS or allowed.allows(fact):
                continue
            # the person the case's own buyer named (给妈妈的礼物): suggestions show the reply only to a
            # buyer who names the same person, so it stays as written
            if (fact.kind, fact.value) in own_people:
                continue
            label = FILL_IN_LABELS.get(fact.kind, fact.kind)
            findings.append(
                LintFinding(
                    path,
                    line,
                    case_id,
                    "fact",
                    fact.text,
                    f"「{fact.text}」是具体事实（{label}），请改成槽位或删去 a {fact.kind} fact that is neither a slot "
                    "nor a shop/catalog fact",
                )
            )
        found = extractor.categories_in(template) - set(categories)
        if found and not categories:
            findings.append(
                LintFinding(
                    path,
                    line,
                    case_id,
                    "category",
                    ",".join(sorted(found)),
                    f'用词只适合某些品类 wording assumes {", ".join(sorted(found))}: add "categories" or reword',
                )
            )

    for case in corpus.cases:
        if case.status == "rejected":
            continue
        own = " ".join([case.buyer, *(t.text for t in case.context)])
        check(case.reply, case.path, case.line, case.id, case.categories, own)
    for name, reply in (fallbacks or {}).items():
        check(reply, str(corpus.directory / "adaptation.toml"), None, name, ())
    return findings
