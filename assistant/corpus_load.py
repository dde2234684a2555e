"""The whole corpus at once: ``load_corpus`` reads every file (cases, guidance, rules, adaptation,
facts, intents, shop profile, catalog), checks them against each other, and reports every problem
as ``file:line: message``; ``Corpus`` is what it returns.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus_cases import load_cases
from .corpus_guidance import load_guidance
from .corpus_shop import load_catalog, load_shop
from .errors import CorpusError, CorpusNotFoundError, Problem, UnknownIdError
from .facts import Vocabulary, load_vocabulary
from .intent import IntentLexicon, load_intents
from .packs import case_packs, pack_problems, serves, shop_packs
from .records import Case, GuidanceSection, Product, ShopProfile, case_fingerprint, fingerprints_hash
from .taxonomy import Taxonomy, did_you_mean, load_taxonomy

# the facade's name: loggers and log filters (and tests) know the corpus's warnings by it
logger = logging.getLogger("assistant.corpus")


@dataclass(frozen=True)
class Corpus:
    """Everything a trainer curates, loaded and validated."""

    directory: Path
    taxonomy: Taxonomy
    cases: tuple[Case, ...]
    guidance: tuple[GuidanceSection, ...]
    shop: ShopProfile
    catalog: tuple[Product, ...]
    rules: Any  # checklist.RuleSet (kept loose here to avoid importing the checklist at import time)
    facts: Vocabulary = field(default_factory=Vocabulary)
    intents: IntentLexicon = field(default_factory=IntentLexicon)

    @property
    def approved(self) -> tuple[Case, ...]:
        return tuple(c for c in self.cases if c.status == "approved")

    def case(self, case_id: str) -> Case:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise UnknownIdError(
            f"no case with id {case_id!r}{did_you_mean(case_id, [c.id for c in self.cases])}"
        )

    def section(self, section_id: str) -> GuidanceSection:
        for s in self.guidance:
            if s.id == section_id:
                return s
        raise UnknownIdError(
            f"no guidance section with id {section_id!r}{did_you_mean(section_id, [s.id for s in self.guidance])}"
        )

    def guidance_for(self, scenario: str | None, buyer_type: str | None = None) -> list[GuidanceSection]:
        """Sections for the scenario, most specific first (those that name it first and name fewer
        scenarios), then those for the buyer type."""
        specific = [s for s in self.guidance if scenario is not None and scenario in s.scenarios]
        specific.sort(key=lambda s: (s.scenarios.index(scenario), len(s.scenarios)))
        typed = [s for s in self.guidance if buyer_type and buyer_type in s.buyer_types and s not in specific]
        return specific + typed

    @property
    def content_hash(self) -> str:
        """A hash of everything the index depends on (the cases' embedded text and labels)."""
        return fingerprints_hash((c.id, case_fingerprint(c)) for c in self.cases)

    def stats(self) -> dict:
        """Counts for ``assistant corpus stats --json``."""
        approved = self.approved
        scenarios = Counter(c.scenario for c in approved)
        buyer_types = Counter(c.buyer_type for c in approved if c.buyer_type)
        return {
            "cases": len(self.cases),
            "approved": len(approved),
            "candidates": sum(1 for c in self.cases if c.status == "candidate"),
            "rejected": sum(1 for c in self.cases if c.status == "rejected"),
            "disabled": sum(1 for c in self.cases if c.status == "disabled"),
            # approved cases per starter pack of this shop's corpus (packs.py; a case may be in two)
            "packs": dict(Counter(p for c in approved for p in case_packs(c)).most_common()),
            "guidance_sections": len(self.guidance),
            "rules": len(getattr(self.rules, "rules", ()) or ()),
            "products": len(self.catalog),
            "scenarios": {sid: scenarios.get(sid, 0) for sid in self.taxonomy.scenario_ids},
            "buyer_types": {bid: buyer_types.get(bid, 0) for bid in self.taxonomy.buyer_type_ids},
        }


# ----------------------------------------------------------------------------- loading


def load_corpus(directory: str | Path, *, strict: bool = True, skip_bad_cases: bool = False) -> Corpus:
    """Read and validate the corpus in ``directory``.

    Args:
        directory: the corpus directory (with ``taxonomy.toml``, ``cases/``, ``guidance/`` ...).
        strict: raise on any problem; with ``False`` the problems are dropped and the valid parts kept
            (the console uses this to stay usable while a trainer fixes a typo).
        skip_bad_cases: while serving, a bad case line is left out with a logged warning instead of
            stopping suggestions for the whole team; every other problem still raises
            (``corpus validate`` and CI stay strict).

    Returns:
        The corpus.

    Raises:
        CorpusNotFoundError: the directory or its taxonomy is missing.
        CorpusError: with every problem found, when ``strict``.
    """
    corpus, problems = _load(Path(directory))
    if skip_bad_cases:
        cases_dir = corpus.directory / "cases"
        bad_lines = [p for p in problems if p.line and Path(p.path).parent == cases_dir]
        for problem in bad_lines:
            logger.warning(
                "跳过有问题的案例 skipping a bad case line: %s (run `assistant corpus validate`)", problem
            )
        problems = [p for p in problems if p not in bad_lines]
    if problems and strict:
        raise CorpusError(problems)
    return corpus


def validate_corpus(directory: str | Path) -> list[Problem]:
    """Every problem in the corpus (an empty list when it is valid)."""
    return _load(Path(directory))[1]


def _load(directory: Path) -> tuple[Corpus, list[Problem]]:
    directory = directory.resolve()
    if not directory.is_dir():
        raise CorpusNotFoundError(f"{directory}: corpus directory not found")
    taxonomy_path = directory / "taxonomy.toml"
    if not taxonomy_path.is_file():
        raise CorpusNotFoundError(
            f"{taxonomy_path}: taxonomy file not found (is {directory} a corpus directory?)"
        )
    problems: list[Problem] = []
    taxonomy = load_taxonomy(taxonomy_path, problems)
    shop_problems: list[Problem] = []
    shop = load_shop(directory / "shop.toml", shop_problems)
    problems.extend(shop_problems)
    # one mistake, one message: while the shop profile cannot be read, its slots and scenarios are
    # unknown, so checks that depend on them would flag every case (811 knock-on lines for one quote)
    shop_ok = not shop_problems
    catalog = load_catalog(directory / "catalog.csv", problems)
    guidance_problems: list[Problem] = []
    guidance = load_guidance(directory / "guidance", taxonomy if shop_ok else None, guidance_problems)
    problems.extend(guidance_problems)
    cases = load_cases(
        directory / "cases", taxonomy if shop_ok else None, shop if shop_ok else None, problems
    )
    from .checklist import load_rules  # the checklist pulls in its matchers only when a corpus loads

    # a guidance file that cannot be read must not make every rule that cites it an error too
    guidance_ids = None if guidance_problems else {s.id for s in guidance}
    rules, rule_problems = load_rules(directory / "checklist.toml", guidance_ids=guidance_ids)
    problems.extend(rule_problems)
    from .adaptation import load_adaptation

    _, adaptation_problems = load_adaptation(
        directory / "adaptation.toml",
        scenario_ids=taxonomy.scenario_ids if shop_ok else (),
        slots={**shop.slots, **shop.conversation_slots} if shop_ok else None,
        required=taxonomy.builtin_scenario_ids,
    )
    problems.extend(adaptation_problems)
    from .money import money_problems

    slot_names = {**shop.slots, **shop.conversation_slots} if shop_ok else None
    problems.extend(money_problems(directory / "money.toml", slot_names))
    vocabulary, vocabulary_problems = load_vocabulary(directory / "facts.toml")
    problems.extend(vocabulary_problems)
    intents, intent_problems = load_intents(directory / "intents.toml")
    problems.extend(intent_problems)
    from .upset import load_mood

    problems.extend(load_mood(directory / "upset.toml")[1])
    if vocabulary.categories:
        known = vocabulary.category_ids
        for case in cases:
            for category in case.categories:
                if category not in known:
                    problems.append(
                        Problem(
                            case.path,
                            case.line,
                            f"unknown category {category!r}{did_you_mean(category, known)} (facts.toml [categories])",
                        )
                    )
    problems.extend(pack_problems(directory / "shop.toml", shop, cases, vocabulary.category_ids))
    # starter cases of packs the shop did not choose are not part of its corpus (packs.py)
    chosen = shop_packs(shop)
    cases = [c for c in cases if serves(c, chosen)]
    corpus = Corpus(
        directory, taxonomy, tuple(cases), tuple(guidance), shop, tuple(catalog), rules, vocabulary, intents
    )
    return corpus, problems
