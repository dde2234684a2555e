"""Review at scale: approval policies a trainer states once, and a review queue ordered by value.

A policy is a small expression over a candidate's fields, parsed here (never ``eval``)::

    passed and occurrences>=3
    scenario in (stock, size_advice) and not tone.command in violations
    occurrences >= 2 and source ~ "qianniu" or passed and violations == 0

Fields: ``passed`` (no ``warn``/``error`` violation), ``occurrences`` (≥ 1), ``scenario``,
``source``, ``violations`` (a set of rule ids; compared with a number it is their count).
Operators: ``== = != < <= > >=``, ``~`` (contains), ``in`` (``x in violations`` or
``scenario in (a, b)``), ``and``, ``or``, ``not``, parentheses. Values are numbers, quoted strings or
bare words (``stock``, ``tone.command``).

Whatever the policy says, only ``candidate`` cases are approved, and never one that fails the
checklist: a violation of severity ``warn`` or ``error`` (a rude 你自己看详情 is a ``warn``), or of
a rule the checklist no longer knows. A trainer approves those one by one, after reading them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .corpus import Case
from .errors import InputError
from .taxonomy import did_you_mean

FIELDS = ("passed", "occurrences", "scenario", "source", "violations")
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?)(?![\w.])
      | (?P<str>"[^"]*"|'[^']*')
      | (?P<op>==|!=|<=|>=|=|<|>|~|\(|\)|,)
      | (?P<word>[^\s()<>=!~,"']+)
    )""",
    re.VERBOSE,
)


class PolicyError(InputError):
    """A review policy that cannot be parsed (one line, with the column)."""


@dataclass(frozen=True)
class Facts:
    """What a policy can see of one candidate."""

    passed: bool
    occurrences: int
    scenario: str
    source: str
    violations: frozenset[str]

    def get(self, name: str) -> Any:
        return getattr(self, name)


Predicate = Callable[[Facts], bool]


@dataclass(frozen=True)
class Policy:
    """A parsed policy: ``policy.matches(facts)``."""

    text: str
    predicate: Predicate

    def matches(self, facts: Facts) -> bool:
        return bool(self.predicate(facts))


def parse_policy(text: str) -> Policy:
    """Parse a policy expression (see the module docstring).

    Raises:
        PolicyError: with the column of the problem and the closest field name for a typo.
    """
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None or match.end() == pos:
            raise PolicyError(
                f"--where {text!r}: cannot read {stripped[pos:].strip()[:10]!r} at column {pos + 1}"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    parser = _Parser(text, tokens)
    predicate = parser.expression()
    if parser.i < len(tokens):
        parser.fail("unexpected")
    return Policy(text, predicate)


class _Parser:
    """Recursive descent: or → and → not → comparison | ( or )."""

    def __init__(self, text: str, tokens: list[tuple[str, str, int]]):
        self.text, self.tokens, self.i = text, tokens, 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def fail(self, what: str, hint: str = "") -> None:
        token = self.peek()
        where = f"{token[1]!r} at column {token[2]}" if token else "the end"
        raise PolicyError(f"--where {self.text!r}: {what} {where}{hint}")

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.i += 1
            return True
        return False

    def expect(self, op: str) -> None:
        token = self.peek()
        if not token or token[0] != "op" or token[1] != op:
            self.fail(f"expected {op!r}, found")
        self.i += 1

    def expression(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda f, ps=tuple(parts): any(p(f) for p in ps))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda f, ps=tuple(parts): all(p(f) for p in ps))

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda f: not inner(f)
        token = self.peek()
        if token and token[0] == "op" and token[1] == "(":
            self.i += 1
            inner = self.expression()
            self.expect(")")
            return inner
        return self.comparison()

    def value(self) -> Any:
        token = self.peek()
        if token is None or token[0] == "op":
            self.fail("expected a value, found")
        assert token is not None
        self.i += 1
        kind, text, _ = token
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1]
        return text

    def field(self) -> str:
        token = self.peek()
        if token is None or token[0] != "word" or token[1] not in FIELDS:
            name = token[1] if token else ""
            self.fail(
                "expected a field name, found", f"{did_you_mean(name, FIELDS)} (fields: {', '.join(FIELDS)})"
            )
        assert token is not None
        self.i += 1
        return token[1]

    def comparison(self) -> Predicate:
        token = self.peek()
        if token and token[0] == "word" and token[1] in FIELDS:
            name = self.field()
            if name == "passed" and not self._comparison_follows():
                return lambda f: f.passed
            if self.keyword("in"):
                self.expect("(")
                options = [str(self.value())]
                while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                    self.i += 1
                    options.append(str(self.value()))
                self.expect(")")
                return lambda f, n=name, o=frozenset(options): str(f.get(n)) in o
            op = self.peek()
            if op is None or op[0] != "op" or op[1] in "(),":
                self.fail("expected a comparison (== != < <= > >= ~ in), found")
            assert op is not None
            self.i += 1
            return _compare(name, op[1], self.value(), self)
        # "x in violations"; a word before a comparison operator is a misspelt field
        after = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        if token and token[0] == "word" and (after is None or (after[0] == "op" and after[1] not in "(),")):
            self.fail("unknown field", f"{did_you_mean(token[1], FIELDS)} (fields: {', '.join(FIELDS)})")
        needle = self.value()
        if not self.keyword("in"):
            self.fail("expected 'in' after a value, found")
        if self.field() != "violations":
            self.i -= 1
            self.fail("only violations can hold a value; found")
        return lambda f, n=str(needle): n in f.violations

    def _comparison_follows(self) -> bool:
        token = self.peek()
        return bool(token and token[0] == "op" and token[1] not in "(),")


def _compare(name: str, op: str, value: Any, parser: _Parser) -> Predicate:
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "==": lambda a, b: a == b,
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    if op == "~":
        return lambda f: (
            str(value) in (" ".join(sorted(f.violations)) if name == "violations" else str(f.get(name)))
        )
    numeric = name in ("occurrences", "violations")
    if numeric != isinstance(value, float) and name != "passed":
        parser.i -= 1
        parser.fail(f"{name} compares with {'a number' if numeric else 'text'}, not")
    if name == "passed":
        wanted = str(value).lower() in ("true", "1", "1.0", "yes")
        return lambda f: ops[op](f.passed, wanted)
    if name == "violations":
        return lambda f: ops[op](len(f.violations), value)
    return lambda f: ops[op](f.get(name), value)


# ----------------------------------------------------------------------------- verdicts and value


@dataclass(frozen=True)
class ReviewItem:
    """A candidate in the review queue: what a policy sees of it and its value for review."""

    case: Case
    facts: Facts
    blocked: str  # why no policy may approve it, e.g. "warn: tone.command" ("" when one may)
    value: float
    approved_in_scenario: int

    def to_dict(self) -> dict:
        return {
            "id": self.case.id,
            "scenario": self.case.scenario,
            "passed": self.facts.passed,
            "occurrences": self.facts.occurrences,
            "violations": sorted(self.facts.violations),
            "blocked": self.blocked,
            "value": round(self.value, 4),
            "approved_in_scenario": self.approved_in_scenario,
            "source": self.case.source,
            "buyer": self.case.buyer,
            "reply": self.case.reply,
        }


def review_items(
    cases: Sequence[Case], severity: Callable[[str], str | None], verdict: Callable[[Case], Sequence[str]]
) -> list[ReviewItem]:
    """The candidates of ``cases`` with their facts, ordered by value (most valuable first).

    Value favours replies that occur often (log scale), that pass the checklist, and that cover a
    scenario with few approved cases: ``log2(1 + occurrences) × clean × (1 + 1/√(1 + approved))``,
    where clean is 1 for a passing reply, 0.3 with warnings only and 0 with an error.

    Args:
        cases: every case of the corpus (approved ones count towards their scenario's coverage).
        severity: a rule id's severity (None for a rule the checklist no longer has).
        verdict: the rule ids a case breaks, for candidates without a stored ``violations``.
    """
    approved = Counter(c.scenario for c in cases if c.status == "approved")
    items = []
    for case in cases:
        if case.status != "candidate":
            continue
        rules = case.violations if case.violations is not None else tuple(verdict(case))
        levels = {rule: severity(rule) for rule in rules}
        errors = sorted(rule for rule, level in levels.items() if level in (None, "error"))
        warnings = sorted(rule for rule, level in levels.items() if level == "warn")
        passed = not errors and not warnings
        facts = Facts(passed, case.occurrences or 1, case.scenario, case.source, frozenset(rules))
        clean = 1.0 if passed else (0.0 if errors else 0.3)
        have = approved[case.scenario]
        value = math.log2(1 + facts.occurrences) * clean * (1 + 1 / math.sqrt(1 + have))
        blocked = "; ".join(
            f"{level}: {', '.join(rules)}"
            for level, rules in (("error", errors), ("warn", warnings))
            if rules
        )
        items.append(ReviewItem(case, facts, blocked, value, have))
    items.sort(key=lambda item: (-item.value, -item.facts.occurrences, item.case.id))
    return items


@dataclass(frozen=True)
class Approval:
    """What a policy approved (or would approve, for a dry run)."""

    policy: str
    approved: tuple[ReviewItem, ...]
    matched_blocked: int  # matched the policy but fail the checklist: left for a person
    candidates: int
    dry_run: bool

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "approved": [item.case.id for item in self.approved],
            "matched_blocked": self.matched_blocked,
            "candidates": self.candidates,
            "dry_run": self.dry_run,
        }


def select(items: Sequence[ReviewItem], policy: Policy) -> tuple[list[ReviewItem], int]:
    """The items a policy approves, and how many more it matched that fail the checklist."""
    chosen, blocked = [], 0
    for item in items:
        if not policy.matches(item.facts):
            continue
        if item.blocked:
            blocked += 1
        else:
            chosen.append(item)
    return chosen, blocked
