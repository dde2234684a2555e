"""The corpus: handled cases, guidance sections, checklist rules, shop profile and catalog.

``load_corpus`` reads and validates everything in one pass and reports every problem as
``file:line: message``. ``CaseStore`` changes cases safely (locked, atomic) for the console,
the CLI and chat import.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CorpusError, CorpusNotFoundError, Problem, UnknownIdError
from .facts import Vocabulary, load_vocabulary
from .files import json_lines, toml_error_line, toml_line
from .intent import IntentLexicon, load_intents
from .packs import case_packs, pack_problems, serves, shop_packs
from .records import (  # re-exported: the records lived here
    Case,
    GuidanceSection,
    Product,
    ShopProfile,
    Turn,
    case_fingerprint,
    fingerprints_hash,
)
from .storage import atomic_write_text, locked
from .taxonomy import Taxonomy, did_you_mean, load_taxonomy
from .text import slots_in

logger = logging.getLogger(__name__)

# disabled: kept in its file but never served (a starter pack the shop switched off)
STATUSES = ("approved", "candidate", "rejected", "disabled")
ROLES = ("buyer", "agent")
CASE_FIELDS = (
    "id",
    "buyer",
    "context",
    "reply",
    "scenario",
    "stage",
    "buyer_type",
    "tags",
    "categories",
    "pack",
    "source",
    "status",
    "notes",
    "violations",
    "occurrences",
)
REQUIRED_CASE_FIELDS = ("id", "buyer", "reply", "scenario", "stage")
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*(?:\{#(?P<id>[^}]*)\})?\s*$")
_META = re.compile(r"^(?P<key>[a-z_]+)\s*:\s*(?P<value>.*)$")
LOCK_NAME = ".corpus.lock"
INBOX_FILE = "inbox.jsonl"


ROLE_PREFIXES = {
    "buyer": ("买家", "顾客", "客户", "buyer", "Q"),
    "agent": ("客服", "卖家", "agent", "A"),
}
_PREFIX = re.compile(r"^\s*(?P<who>买家|顾客|客户|客服|卖家|buyer|agent|Q|A)\s*[:：]\s*", re.IGNORECASE)


def parse_turn(text: str, default_role: str) -> Turn:
    """A turn from ``"买家: ..."``/``"客服: ..."`` (also buyer:/agent:/Q:/A:) or plain text with ``default_role``."""
    match = _PREFIX.match(text)
    if not match:
        return Turn(default_role, text.strip())
    who = match.group("who").lower()
    role = next(r for r, names in ROLE_PREFIXES.items() if who in {n.lower() for n in names})
    return Turn(role, text[match.end() :].strip())


def parse_history(lines: list[str] | tuple[str, ...]) -> tuple[Turn, ...]:
    """Earlier turns given on the command line or in a notebook cell, oldest first.

    Prefixed lines keep their role; unprefixed ones alternate so that the last turn before the
    current buyer message is the agent's (the usual rhythm of a chat).
    """
    turns: list[Turn] = []
    n = len(lines)
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        default = "agent" if (n - 1 - i) % 2 == 0 else "buyer"
        turns.append(parse_turn(line, default))
    return tuple(turns)


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
    shop = _load_shop(directory / "shop.toml", shop_problems)
    problems.extend(shop_problems)
    # one mistake, one message: while the shop profile cannot be read, its slots and scenarios are
    # unknown, so checks that depend on them would flag every case (811 knock-on lines for one quote)
    shop_ok = not shop_problems
    catalog = _load_catalog(directory / "catalog.csv", problems)
    guidance_problems: list[Problem] = []
    guidance = _load_guidance(directory / "guidance", taxonomy if shop_ok else None, guidance_problems)
    problems.extend(guidance_problems)
    cases = _load_cases(
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
    vocabulary, vocabulary_problems = load_vocabulary(directory / "facts.toml")
    problems.extend(vocabulary_problems)
    intents, intent_problems = load_intents(directory / "intents.toml")
    problems.extend(intent_problems)
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


def case_files(directory: Path) -> list[Path]:
    """The case files of a corpus, in a stable order."""
    cases_dir = directory / "cases"
    return sorted(cases_dir.glob("*.jsonl")) if cases_dir.is_dir() else []


def _load_cases(
    cases_dir: Path, taxonomy: Taxonomy, shop: ShopProfile, problems: list[Problem]
) -> list[Case]:
    if not cases_dir.is_dir():
        problems.append(Problem(str(cases_dir), None, "cases directory not found"))
        return []
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in sorted(cases_dir.glob("*.jsonl")):
        for case, case_problems in read_case_file(path, taxonomy, shop):
            problems.extend(case_problems)
            if case is None:
                continue
            if case.id in seen:
                problems.append(
                    Problem(str(path), case.line, f"duplicate case id {case.id!r} (first at {seen[case.id]})")
                )
                continue
            seen[case.id] = case.where
            cases.append(case)
    return cases


def read_case_file(path: Path, taxonomy: Taxonomy | None = None, shop: ShopProfile | None = None):
    """Yield ``(case or None, problems)`` for every non-blank line of a case file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield None, [Problem(str(path), None, f"cannot read file ({exc.strerror})")]
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield None, [Problem(str(path), line, "not UTF-8 text; save the file as UTF-8")]
        return
    for number, data, error in json_lines(text, comments=True):
        if error is not None:
            yield None, [Problem(str(path), number, error)]
            continue
        yield parse_case(data, str(path), number, taxonomy, shop)


def parse_case(
    data: Any, path: str, line: int, taxonomy: Taxonomy | None = None, shop: ShopProfile | None = None
) -> tuple[Case | None, list[Problem]]:
    """Turn one decoded JSON object into a ``Case``, collecting every problem with it."""
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(path, line, message))

    if not isinstance(data, dict):
        problem("a case must be a JSON object")
        return None, problems
    unknown = sorted(set(data) - set(CASE_FIELDS))
    for key in unknown:
        problem(f"unknown field {key!r}{did_you_mean(key, CASE_FIELDS)}")
    for key in REQUIRED_CASE_FIELDS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problem(f"missing or empty {key!r}")
    if problems and any("missing or empty" in p.message for p in problems):
        return None, problems
    case_id = data["id"].strip()
    if not _ID_PATTERN.match(case_id):
        problem(f"id {case_id!r} may only hold letters, digits, '-', '_' and '.' (at most 80)")
    status = data.get("status") or "approved"
    if status not in STATUSES:
        problem(f"unknown status {status!r}{did_you_mean(str(status), STATUSES)}")
    context: list[Turn] = []
    raw_context = data.get("context") or []
    if not isinstance(raw_context, list):
        problem("'context' must be a list of {role, text} turns")
        raw_context = []
    for i, turn in enumerate(raw_context, start=1):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ROLES
            or not isinstance(turn.get("text"), str)
        ):
            problem(f'context turn {i} must be {{"role": "buyer"|"agent", "text": "..."}}')
            continue
        context.append(Turn(turn["role"], turn["text"]))
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problem("'tags' must be a list of strings")
        tags = []
    categories = data.get("categories") or []
    if not isinstance(categories, list) or not all(isinstance(t, str) and t for t in categories):
        problem('\'categories\' must be a list of category ids such as ["apparel", "shoes"]')
        categories = []
    pack = data.get("pack") or ""
    if not isinstance(pack, str):
        problem('\'pack\' must be a starter pack id such as "core" or "kitchen"')
        pack = ""
    buyer_type = data.get("buyer_type") or None
    if taxonomy is not None:
        if data["scenario"] not in taxonomy.scenario_ids:
            problem(
                f"unknown scenario {data['scenario']!r}{did_you_mean(data['scenario'], taxonomy.scenario_ids)}"
            )
        elif data["stage"] not in taxonomy.concrete_stages:
            problem(f"unknown stage {data['stage']!r}{did_you_mean(data['stage'], taxonomy.concrete_stages)}")
        else:
            expected = taxonomy.stage_of(data["scenario"])
            if expected != "any" and data["stage"] != expected:
                problem(f"scenario {data['scenario']!r} belongs to stage {expected!r}, not {data['stage']!r}")
        if buyer_type is not None and buyer_type not in taxonomy.buyer_type_ids:
            problem(
                f"unknown buyer type {buyer_type!r}{did_you_mean(str(buyer_type), taxonomy.buyer_type_ids)}"
            )
    if shop is not None:
        for slot in slots_in(data["reply"]):
            if not shop.knows(slot):
                known = [*shop.slots, *shop.conversation_slots]
                problem(
                    f"slot {{{slot}}} is neither in shop.toml [slots] nor [conversation_slots]"
                    f"{did_you_mean(slot, known)}"
                )
    for key in ("source", "notes"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            problem(f"{key!r} must be a string")
    violations = data.get("violations")
    if violations is not None and (
        not isinstance(violations, list) or not all(isinstance(v, str) and v for v in violations)
    ):
        problem("'violations' must be a list of checklist rule ids such as [\"tone.command\"]")
        violations = None
    occurrences = data.get("occurrences")
    if occurrences is not None and (
        isinstance(occurrences, bool) or not isinstance(occurrences, int) or occurrences < 1
    ):
        problem(f"'occurrences' must be a whole number of at least 1, not {occurrences!r}")
        occurrences = None
    if problems:
        return None, problems
    case = Case(
        id=case_id,
        buyer=data["buyer"].strip(),
        reply=data["reply"].strip(),
        scenario=data["scenario"],
        stage=data["stage"],
        buyer_type=buyer_type,
        context=tuple(context),
        tags=tuple(tags),
        categories=tuple(categories),
        pack=pack,
        source=data.get("source") or "",
        status=status,
        notes=data.get("notes") or "",
        violations=None if violations is None else tuple(violations),
        occurrences=occurrences,
        path=path,
        line=line,
    )
    return case, problems


def _load_guidance(guidance_dir: Path, taxonomy: Taxonomy, problems: list[Problem]) -> list[GuidanceSection]:
    if not guidance_dir.is_dir():
        problems.append(Problem(str(guidance_dir), None, "guidance directory not found"))
        return []
    sections: list[GuidanceSection] = []
    seen: dict[str, str] = {}
    # subfolders too: `assistant ingest` writes guidance/imported/, and trainers sort files in folders
    for path in sorted(guidance_dir.rglob("*.md")):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem(str(path), None, "not UTF-8 text; save the file as UTF-8"))
            continue
        except OSError as exc:
            problems.append(Problem(str(path), None, f"cannot read file ({exc.strerror})"))
            continue
        for section in parse_guidance(text, str(path), taxonomy, problems):
            if section.id in seen:
                problems.append(
                    Problem(
                        str(path),
                        section.line,
                        f"duplicate guidance id {section.id!r} (first at {seen[section.id]})",
                    )
                )
                continue
            seen[section.id] = f"{path}:{section.line}"
            sections.append(section)
    return sections


def parse_guidance(
    text: str, path: str, taxonomy: Taxonomy | None = None, problems: list[Problem] | None = None
) -> list[GuidanceSection]:
    """Parse the ``##`` sections of one guidance Markdown file."""
    problems = problems if problems is not None else []
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    sections = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        line_no = start + 1
        match = _HEADING.match(lines[start])
        if not match or not match.group("id"):
            problems.append(Problem(path, line_no, "guidance heading needs an id: '## Title {#some-id}'"))
            continue
        section_id = match.group("id").strip()
        if not _ID_PATTERN.match(section_id):
            problems.append(
                Problem(
                    path, line_no, f"guidance id {section_id!r} may only hold letters, digits, '-', '_', '.'"
                )
            )
            continue
        meta: dict[str, str] = {}
        body_start = start + 1
        for i in range(start + 1, end):
            meta_match = _META.match(lines[i].strip())
            if not lines[i].strip() or not meta_match:
                body_start = i
                break
            meta[meta_match.group("key")] = meta_match.group("value").strip()
            body_start = i + 1
        body = "\n".join(lines[body_start:end]).strip()
        scenarios = _split_ids(meta.get("scenarios", ""))
        buyer_types = _split_ids(meta.get("buyer_types", ""))
        ok = True
        if not scenarios:
            problems.append(
                Problem(path, line_no, f"section {section_id!r} needs a 'scenarios:' line (ids or 'all')")
            )
            ok = False
        if not body:
            problems.append(Problem(path, line_no, f"section {section_id!r} has no text"))
            ok = False
        if taxonomy is not None:
            for sid in scenarios:
                if sid != "all" and sid not in taxonomy.scenario_ids:
                    problems.append(
                        Problem(
                            path,
                            line_no,
                            f"unknown scenario {sid!r}{did_you_mean(sid, taxonomy.scenario_ids)}",
                        )
                    )
                    ok = False
            for bid in buyer_types:
                if bid not in taxonomy.buyer_type_ids:
                    problems.append(
                        Problem(
                            path,
                            line_no,
                            f"unknown buyer type {bid!r}{did_you_mean(bid, taxonomy.buyer_type_ids)}",
                        )
                    )
                    ok = False
        for key in meta:
            if key not in ("scenarios", "buyer_types", "source"):
                problems.append(
                    Problem(
                        path, line_no, f"unknown metadata key {key!r} (use scenarios, buyer_types, source)"
                    )
                )
        if ok:
            sections.append(
                GuidanceSection(
                    id=section_id,
                    title=match.group("title").strip(),
                    text=body,
                    scenarios=tuple(scenarios),
                    buyer_types=tuple(buyer_types),
                    source=meta.get("source", ""),
                    path=path,
                    line=line_no,
                )
            )
    return sections


def _split_ids(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,，\s]+", value) if v.strip()]


def _load_shop(path: Path, problems: list[Problem]) -> ShopProfile:
    empty = ShopProfile(name="", slots={}, policy={}, info={}, conversation_slots={})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, "shop profile not found"))
        return empty
    except OSError as exc:
        problems.append(Problem(str(path), None, f"cannot read file ({exc.strerror})"))
        return empty
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), toml_error_line(exc), f"not valid TOML: {exc}"))
        return empty
    slots = data.get("slots", {})
    if not isinstance(slots, dict):
        problems.append(Problem(str(path), None, '[slots] must be a table of name = "text"'))
        slots = {}
    clean_slots = {}
    for name, value in slots.items():
        if not isinstance(value, str | int | float) or str(value).strip() == "":
            problems.append(Problem(str(path), toml_line(path, name), f"slot {name!r} has no value"))
            continue
        clean_slots[name] = str(value)
    conversation = data.get("conversation_slots", {})
    if not isinstance(conversation, dict):
        problems.append(Problem(str(path), None, '[conversation_slots] must be a table of name = "label"'))
        conversation = {}
    conversation_slots = {}
    for name, label in conversation.items():
        if not isinstance(label, str) or not label.strip():
            problems.append(
                Problem(str(path), toml_line(path, name), f"conversation slot {name!r} has no label")
            )
            continue
        conversation_slots[name] = label.strip()
    policy = data.get("policy", {})
    if not isinstance(policy, dict):
        problems.append(
            Problem(str(path), toml_line(path, "[policy]"), "[policy] must be a table of name = number")
        )
        policy = {}
    problems.extend(_policy_problems(path, policy, clean_slots))
    info = data.get("shop", {})
    return ShopProfile(
        name=str(info.get("name", clean_slots.get("shop", ""))),
        slots=clean_slots,
        policy=dict(policy),
        info=dict(info),
        conversation_slots=conversation_slots,
    )


_POLICY_UNITS = {"_yuan": "元", "_days": "天", "_months": "个月"}


def _policy_problems(path: Path, policy: dict, slots: dict[str, str]) -> list[Problem]:
    """Each ``[policy]`` number must agree with the slot text of the same name (the key, or the key
    without its unit: ``free_shipping_threshold_yuan`` ↔ ``free_shipping_threshold``): replies say
    the slot text, so a number changed in one place only would be silently wrong in the other."""
    from .facts import chinese_number

    problems = []
    for key, value in policy.items():
        unit = next((u for u in _POLICY_UNITS if key.endswith(u)), "")
        slot = key if key in slots else key[: -len(unit)] if unit and key[: -len(unit)] in slots else None
        if slot is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(
                Problem(str(path), toml_line(path, key), f"policy {key} must be a number, not {value!r}")
            )
            continue
        text = slots[slot]
        said = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}
        said |= {
            n
            for w in re.findall(r"[零一二两三四五六七八九十百千半]+", text)
            if (n := chinese_number(w)) is not None
        }
        if unit == "_months" and "年" in text:
            said |= {n * 12 for n in said}
        if float(value) not in said:
            problems.append(
                Problem(
                    str(path),
                    toml_line(path, key),
                    f"policy {key} = {value:g} but slot {slot} says {text!r}: make them agree",
                )
            )
    return problems


CATALOG_COLUMNS = ("id", "name", "aliases", "category", "sizes", "colours", "price", "stock")
STOCK_STATES = ("in_stock", "low_stock", "sold_out")


def _load_catalog(path: Path, problems: list[Problem]) -> list[Product]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem(str(path), None, "catalog not found"))
        return []
    except OSError as exc:
        problems.append(Problem(str(path), None, f"cannot read file ({exc.strerror})"))
        return []
    except UnicodeDecodeError:
        problems.append(Problem(str(path), None, "not UTF-8 text; save the file as UTF-8"))
        return []
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CATALOG_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(Problem(str(path), 1, f"missing column(s): {', '.join(missing)}"))
        return []
    products = []
    for row in reader:
        line = reader.line_num

        def split(value: str | None) -> tuple[str, ...]:
            return tuple(v.strip() for v in (value or "").split("|") if v.strip())

        if not (row.get("id") or "").strip() or not (row.get("name") or "").strip():
            problems.append(Problem(str(path), line, "product needs an id and a name"))
            continue
        try:
            price = float(row["price"])
        except (TypeError, ValueError):
            problems.append(Problem(str(path), line, f"price {row.get('price')!r} is not a number"))
            continue
        stock = (row.get("stock") or "").strip()
        if stock not in STOCK_STATES:
            problems.append(
                Problem(str(path), line, f"stock {stock!r} is not one of {', '.join(STOCK_STATES)}")
            )
            continue
        products.append(
            Product(
                id=row["id"].strip(),
                name=row["name"].strip(),
                aliases=split(row.get("aliases")),
                category=(row.get("category") or "").strip(),
                sizes=split(row.get("sizes")),
                colours=split(row.get("colours")),
                price=price,
                stock=stock,
            )
        )
    return products


# ----------------------------------------------------------------------------- writing


class CaseStore:
    """Adds, edits, deletes and re-labels cases in a corpus directory, safely.

    Every change holds the corpus lock, re-reads the file it changes, and replaces it atomically,
    so concurrent console sessions and CLI runs never lose each other's edits.
    """

    def __init__(self, directory: str | Path, lock_timeout_s: float = 30.0):
        self.directory = Path(directory).resolve()
        self.lock_timeout_s = lock_timeout_s

    @property
    def lock_path(self) -> Path:
        return self.directory / LOCK_NAME

    def _taxonomy_and_shop(self) -> tuple[Taxonomy, ShopProfile]:
        problems: list[Problem] = []
        shop = _load_shop(self.directory / "shop.toml", problems)
        return load_taxonomy(self.directory / "taxonomy.toml"), shop

    def _validated(self, data: dict, file: Path) -> Case:
        taxonomy, shop = self._taxonomy_and_shop()
        case, problems = parse_case(data, str(file), 0, taxonomy, shop)
        if problems or case is None:
            raise CorpusError(problems)
        return case

    def _all_ids(self) -> dict[str, Path]:
        ids: dict[str, Path] = {}
        for path in case_files(self.directory):
            for case, _ in read_case_file(path):
                if case is not None:
                    ids[case.id] = path
        return ids

    def add(self, data: dict, file_name: str | None = None) -> Case:
        """Append a new case (``data`` as in the JSONL format) and return it.

        Args:
            data: the case fields; a missing ``id`` is generated from the scenario.
            file_name: the case file to append to (default: ``inbox.jsonl`` for candidates,
                ``<scenario>.jsonl`` for approved cases).

        Raises:
            CorpusError: the case is invalid or its id is taken.
        """
        from .storage import append_line

        with locked(self.lock_path, self.lock_timeout_s):
            ids = self._all_ids()
            data = dict(data)
            if not data.get("id"):
                data["id"] = _new_id(str(data.get("scenario") or "case"), ids)
            if data["id"] in ids:
                raise CorpusError(
                    [Problem(str(ids[data["id"]]), None, f"case id {data['id']!r} is already used")]
                )
            status = data.get("status") or "approved"
            target = (
                self.directory
                / "cases"
                / (file_name or (INBOX_FILE if status == "candidate" else f"{data.get('scenario')}.jsonl"))
            )
            case = self._validated(data, target)
            append_line(target, case.to_json())
            return dataclasses.replace(case, path=str(target), line=_line_count(target))

    def add_many(self, records: list[dict], file_name: str) -> int:
        """Append many new cases to one file in a single locked, atomic write; returns how many."""
        with locked(self.lock_path, self.lock_timeout_s):
            ids = self._all_ids()
            target = self.directory / "cases" / file_name
            lines = [line for line in _read_lines(target)]
            added = 0
            for data in records:
                data = dict(data)
                if not data.get("id") or data["id"] in ids:
                    data["id"] = _new_id(str(data.get("scenario") or "case"), ids)
                case = self._validated(data, target)
                ids[case.id] = target
                lines.append(case.to_json())
                added += 1
            atomic_write_text(target, "\n".join(lines) + "\n")
            return added

    def update(self, case_id: str, **changes: Any) -> Case:
        """Change fields of an existing case in place (e.g. ``status="approved"`` or a new ``reply``)."""
        with locked(self.lock_path, self.lock_timeout_s):
            path, index, lines, data = self._locate(case_id)
            data.update({k: v for k, v in changes.items()})
            data["id"] = case_id
            case = self._validated(data, path)
            lines[index] = case.to_json()
            atomic_write_text(path, "\n".join(lines) + "\n")
            return dataclasses.replace(case, path=str(path), line=index + 1)

    def delete(self, case_id: str) -> None:
        """Remove a case from its file."""
        with locked(self.lock_path, self.lock_timeout_s):
            path, index, lines, _ = self._locate(case_id)
            del lines[index]
            atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))

    def delete_many(self, case_ids: list[str]) -> int:
        """Remove many cases under one lock, writing each changed file once; returns how many.

        Raises:
            UnknownIdError: an id is unknown (nothing is written then).
        """
        wanted = set(case_ids)
        with locked(self.lock_path, self.lock_timeout_s):
            writes: list[tuple[Path, list[str]]] = []
            for path in case_files(self.directory):
                lines = _read_lines(path)
                kept = []
                for line in lines:
                    stripped = line.strip()
                    try:
                        data = json.loads(stripped) if stripped and not stripped.startswith("//") else None
                    except json.JSONDecodeError:
                        data = None
                    if isinstance(data, dict) and data.get("id") in wanted:
                        wanted.discard(data["id"])
                        continue
                    kept.append(line)
                if len(kept) != len(lines):
                    writes.append((path, kept))
            if wanted:
                raise UnknownIdError(f"no case with id {sorted(wanted)[0]!r}")
            for path, kept in writes:
                atomic_write_text(path, "\n".join(kept) + ("\n" if kept else ""))
        return len(set(case_ids))

    def set_status(self, case_id: str, status: str) -> Case:
        """Approve, reject or send back a case (``approved`` | ``candidate`` | ``rejected``)."""
        if status not in STATUSES:
            raise UnknownIdError(f"unknown status {status!r}{did_you_mean(status, STATUSES)}")
        return self.update(case_id, status=status)

    def set_status_many(self, case_ids: list[str], status: str) -> list[Case]:
        """Set the status of many cases under one lock, writing each changed file once.

        Raises:
            UnknownIdError: a status or an id is unknown (nothing is written then).
        """
        if status not in STATUSES:
            raise UnknownIdError(f"unknown status {status!r}{did_you_mean(status, STATUSES)}")
        wanted = set(case_ids)
        taxonomy, shop = self._taxonomy_and_shop()
        changed: list[Case] = []
        with locked(self.lock_path, self.lock_timeout_s):
            writes: list[tuple[Path, list[str]]] = []
            for path in case_files(self.directory):
                lines = _read_lines(path)
                touched = False
                for index, line in enumerate(lines):
                    stripped = line.strip()
                    if not stripped or stripped.startswith("//") or not wanted:
                        continue
                    try:
                        data = json.loads(stripped)
                    except json.JSONDecodeError:
                        continue
                    if not isinstance(data, dict) or data.get("id") not in wanted:
                        continue
                    wanted.discard(data["id"])
                    case, problems = parse_case(
                        {**data, "status": status}, str(path), index + 1, taxonomy, shop
                    )
                    if problems or case is None:
                        raise CorpusError(problems)
                    lines[index] = case.to_json()
                    changed.append(case)
                    touched = True
                if touched:
                    writes.append((path, lines))
            if wanted:
                missing = sorted(wanted)[0]
                raise UnknownIdError(f"no case with id {missing!r}")
            for path, lines in writes:
                atomic_write_text(path, "\n".join(lines) + "\n")
        return changed

    def _locate(self, case_id: str) -> tuple[Path, int, list[str], dict]:
        unreadable = None
        for path in case_files(self.directory):
            try:
                lines = _read_lines(path)
            except CorpusError as exc:  # e.g. saved in another encoding: edits elsewhere still work
                unreadable = exc
                continue
            for index, line in enumerate(lines):
                stripped = line.strip()
                if not stripped or stripped.startswith("//"):
                    continue
                try:
                    data = json.loads(stripped)
                except json.JSONDecodeError:
                    continue
                if isinstance(data, dict) and data.get("id") == case_id:
                    return path, index, lines, data
        if unreadable is not None:
            raise unreadable  # the case may well be in the file we cannot read
        known = list(self._all_ids())
        raise UnknownIdError(f"no case with id {case_id!r}{did_you_mean(case_id, known)}")


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise CorpusError([Problem(str(path), None, f"cannot read file ({exc.strerror})")]) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError([Problem(str(path), line, "not UTF-8 text; save the file as UTF-8")]) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _line_count(path: Path) -> int:
    return len(_read_lines(path))


def _new_id(prefix: str, taken: dict[str, Any]) -> str:
    prefix = re.sub(r"[^A-Za-z0-9_.\-]", "-", prefix) or "case"
    n = len(taken) + 1
    while f"{prefix}-{n:04d}" in taken:
        n += 1
    return f"{prefix}-{n:04d}"
