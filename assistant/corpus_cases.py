"""Case files: the JSONL case format (fields, statuses, ids), one line read and validated into a
``Case`` with every problem as ``file:line: message``, and the ``买家:``/``客服:`` turns of a history.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import Problem
from .files import json_lines
from .records import Case, ShopProfile, Turn
from .taxonomy import Taxonomy, did_you_mean
from .text import slots_in

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
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")


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


def case_files(directory: Path) -> list[Path]:
    """The case files of a corpus, in a stable order."""
    cases_dir = directory / "cases"
    return sorted(cases_dir.glob("*.jsonl")) if cases_dir.is_dir() else []


def load_cases(
    cases_dir: Path, taxonomy: Taxonomy | None, shop: ShopProfile | None, problems: list[Problem]
) -> list[Case]:
    """Every valid case of ``cases_dir/*.jsonl``; each problem (a bad line, a duplicate id) goes to ``problems``."""
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
    if not ID_PATTERN.match(case_id):
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
