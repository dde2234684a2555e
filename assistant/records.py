"""The records several modules share: a conversation turn, a handled case (with its fingerprint and
the corpus hash over them), a guidance section, a catalog product and the shop profile. Plain frozen
dataclasses; this module imports nothing of ours, so every layer may import it (README.md,
## Architecture)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation."""

    role: str  # "buyer" | "agent"
    text: str

    def to_dict(self) -> dict:
        return {"role": self.role, "text": self.text}


@dataclass(frozen=True)
class Case:
    """A handled case: a buyer message, the conversation before it and a good agent reply."""

    id: str
    buyer: str
    reply: str
    scenario: str
    stage: str
    buyer_type: str | None = None
    context: tuple[Turn, ...] = ()
    tags: tuple[str, ...] = ()
    # product categories the reply's wording assumes (``apparel``, ``food`` …); empty = any category
    categories: tuple[str, ...] = ()
    source: str = ""
    status: str = "approved"
    notes: str = ""
    # imported candidates: the checklist's rule ids broken by the reply as the agent wrote it
    # (None: never checked), and how often the same reply (near-duplicates included) occurred
    violations: tuple[str, ...] | None = None
    occurrences: int | None = None
    # the starter pack, only where its categories do not say it (packs.case_packs derives it)
    pack: str = ""
    path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else self.id

    def to_dict(self) -> dict:
        """The case as stored in JSONL (without its file position)."""
        data: dict[str, Any] = {"id": self.id, "buyer": self.buyer}
        if self.context:
            data["context"] = [t.to_dict() for t in self.context]
        data.update(reply=self.reply, scenario=self.scenario, stage=self.stage, buyer_type=self.buyer_type)
        data["tags"] = list(self.tags)
        if self.categories:
            data["categories"] = list(self.categories)
        if self.pack:
            data["pack"] = self.pack
        data.update(source=self.source, status=self.status)
        if self.notes:
            data["notes"] = self.notes
        if self.violations is not None:
            data["violations"] = list(self.violations)
        if self.occurrences is not None:
            data["occurrences"] = self.occurrences
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class GuidanceSection:
    """One piece of advice (a ``##`` section of a guidance file)."""

    id: str
    title: str
    text: str
    scenarios: tuple[str, ...]  # ("all",) for advice that applies everywhere
    buyer_types: tuple[str, ...] = ()
    source: str = ""
    path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def applies_to(self, scenario: str | None) -> bool:
        return "all" in self.scenarios or (scenario is not None and scenario in self.scenarios)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "scenarios": list(self.scenarios),
            "buyer_types": list(self.buyer_types),
            "source": self.source,
            "text": self.text,
        }

    def to_markdown(self) -> str:
        """The section in the guidance format (``## Title {#id}``, metadata, blank line, text)."""
        lines = [f"## {self.title} {{#{self.id}}}", f"scenarios: {', '.join(self.scenarios)}"]
        if self.buyer_types:
            lines.append(f"buyer_types: {', '.join(self.buyer_types)}")
        lines += [f"source: {self.source}", "", self.text]
        return "\n".join(lines)


@dataclass(frozen=True)
class Product:
    """A catalog row."""

    id: str
    name: str
    aliases: tuple[str, ...]
    category: str
    sizes: tuple[str, ...]
    colours: tuple[str, ...]
    price: float
    stock: str
    # optional columns: the product's size chart (``assistant.sizing``) and its key facts, each
    # ``(topic, phrase)`` (材质 → 面料是100%棉), answered when a buyer asks about that topic
    size_chart: str = ""
    details: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ShopProfile:
    """The shop facts that fill ``{slots}``."""

    name: str
    slots: dict[str, str]
    policy: dict[str, Any]
    info: dict[str, Any]
    # slots filled from this conversation's facts (``height`` -> its fill-in label ``身高``); when the
    # conversation has no value the suggestion shows a visible fill-in such as 【身高】
    conversation_slots: dict[str, str] = field(default_factory=dict)
    # the shop's size charts by product category (``[size_charts]``), for items without their own
    size_charts: dict[str, str] = field(default_factory=dict)

    def knows(self, slot: str) -> bool:
        """True when ``{slot}`` can be filled (a shop fact or a conversation slot)."""
        return slot in self.slots or slot in self.conversation_slots


def case_fingerprint(case: Case) -> str:
    """The parts of a case that decide its vectors and filters; changes here mean re-embedding."""
    context = "\u241e".join(f"{t.role}:{t.text}" for t in case.context)
    return "\u241f".join(
        [
            case.id,
            case.buyer,
            context,
            case.scenario,
            case.stage,
            case.status,
            "|".join(case.tags),
            "|".join(case.categories),
        ]
    )


def fingerprints_hash(fingerprints: Iterable[tuple[str, str]]) -> str:
    """The corpus hash an index records: ``(case id, fingerprint)`` pairs hashed in case-id order
    (``Corpus.content_hash``; the index computes the same when it is not given one)."""
    digest = hashlib.sha256()
    for _, fingerprint in sorted(fingerprints):
        digest.update(fingerprint.encode("utf-8"))
    return digest.hexdigest()[:16]
