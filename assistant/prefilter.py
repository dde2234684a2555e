"""Prefilters for the checklist: which rule triggers can possibly fire on a text.

Two kinds, both read from each trigger's regex when the rules load:

- per trigger: the characters a match can start with (``first_chars``) and literal pieces one of
  which every match contains (``required_literals``, the idea of RE2's prefilter);
- per rule set: one multi-pattern index (``LiteralIndex``) over every trigger's literals, so one
  scan of a text (Aho-Corasick, from ``pyahocorasick``) tells which triggers need evaluating at all.
  Without ``pyahocorasick`` the index is not built and each trigger checks its own literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def first_chars(pattern: re.Pattern) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, read from its syntax tree; None when
    that cannot be known exactly (a class like \\w, ``.``, a negated set, or an empty match)."""
    from re import _constants as sre  # the stdlib's own regex syntax tree (CPython ≥ 3.11)
    from re import _parser

    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown construct only turns the prefilter off
        return None

    def seq(items) -> tuple[set[str] | None, bool]:
        out: set[str] = set()
        for op, av in items:
            first, nullable = item(op, av)
            if first is None:
                return None, False
            out |= first
            if not nullable:
                return out, False
        return out, True

    def item(op, av) -> tuple[set[str] | None, bool]:
        if op is sre.LITERAL:
            return {chr(av)}, False
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return set(), True
        if op is sre.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind is sre.LITERAL:
                    chars.add(chr(value))
                elif kind is sre.RANGE and value[1] - value[0] <= 512:
                    chars.update(chr(c) for c in range(value[0], value[1] + 1))
                else:
                    return None, False
            return chars, False
        if op is sre.BRANCH:
            out: set[str] = set()
            nullable = False
            for branch in av[1]:
                first, empty = seq(branch)
                if first is None:
                    return None, False
                out |= first
                nullable = nullable or empty
            return out, nullable
        if op is sre.SUBPATTERN:
            return seq(av[-1])
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)):
            first, empty = seq(av[2])
            return first, empty or av[0] == 0
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return seq(av)
        return None, False

    first, nullable = seq(tree)
    if first is None or nullable or not first:
        return None
    if pattern.flags & re.IGNORECASE:
        extra = {"k": "\u212a", "s": "\u017f"}  # case variants that Unicode ignore-case also matches
        first |= {c.lower() for c in first} | {c.upper() for c in first}
        first |= {extra[c] for c in list(first) if c in extra}
    return frozenset(first)


CASE_SPECIALS = frozenset("\u212a\u017f\u0130\u0131")


def by_first(literals: tuple[str, ...] | None) -> dict[str, tuple[str, ...]] | None:
    if not literals:
        return None
    index: dict[str, list[str]] = {}
    for literal in literals:
        index.setdefault(literal[0], []).append(literal)
    return {first: tuple(group) for first, group in index.items()}


def has_literal(text: str, literals: dict[str, tuple[str, ...]], chars: frozenset[str] | None = None) -> bool:
    """Whether ``text`` (lower-cased like the ignore-case patterns) holds one of ``literals``;
    ``chars`` is the set of its characters, when the caller has it."""
    for first in (chars if chars is not None else frozenset(text)).intersection(literals):
        for literal in literals[first]:
            if literal in text:
                return True
    return False


def required_literals(pattern: re.Pattern, limit: int = 64) -> tuple[str, ...] | None:
    """Literal strings one of which every match of ``pattern`` contains, read from its syntax tree
    (the idea of RE2's prefilter). Parts that match one of a few exact strings are multiplied out
    (``(转|打)(钱|款)`` → 转钱, 转款, 打钱, 打款, at most ``limit`` of them); a concatenation keeps
    its most selective part, an alternation the union of its branches. None when some match
    needs no literal at all."""
    from re import _constants as sre
    from re import _parser

    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown construct only turns the prefilter off
        return None
    repeats = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
    Info = tuple[set[str] | None, set[str] | None]  # (exact strings, or literals every match contains)

    def best(candidates: list[set[str]]) -> set[str] | None:
        usable = [c for c in candidates if c and "" not in c]
        return max(usable, key=lambda c: (min(map(len, c)), -len(c))) if usable else None

    def seq(items) -> Info:
        acc: set[str] = {""}
        exact = True
        candidates: list[set[str]] = []
        for op, av in items:
            ex, match = item(op, av)
            if ex is not None and len(acc) * len(ex) <= limit:
                acc = {a + b for a in acc for b in ex}
                continue
            exact = False
            candidates.append(acc)
            if ex is not None and len(ex) <= limit:
                acc = ex  # too many combinations: start a new exact run here
            else:
                candidates.append(ex if ex is not None else match or set())
                acc = {""}
        if exact:
            return acc, None
        candidates.append(acc)
        return None, best(candidates)

    def item(op, av) -> Info:
        if op is sre.LITERAL:
            return {chr(av)}, None
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return {""}, None  # zero-width
        if op is sre.IN:
            if all(kind is sre.LITERAL for kind, _ in av) and len(av) <= 16:
                return {chr(value) for _, value in av}, None
            return None, None
        if op is sre.BRANCH:
            branches = [seq(b) for b in av[1]]
            if all(ex is not None for ex, _ in branches):
                union = set().union(*(ex for ex, _ in branches))
                if len(union) <= limit:
                    return union, None
                return None, (None if "" in union else union)
            needed: set[str] = set()
            for ex, match in branches:
                part = ex if ex is not None else match
                if not part or "" in part:
                    return None, None
                needed |= part
            return None, needed
        if op is sre.SUBPATTERN:
            return seq(av[-1])
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return seq(av)
        if op in repeats:
            low, high, inner = av
            ex, match = seq(inner)
            if ex is not None and high == 1:
                return (ex | {""}) if low == 0 else ex, None
            if low == 0:
                return None, None
            part = ex if ex is not None else match
            return None, (part if part and "" not in part else None)
        return None, None

    ex, match = seq(tree)
    found = ex if ex is not None else match
    if not found or "" in found:
        return None
    if pattern.flags & re.IGNORECASE:
        if any(len(a) != len(a.lower()) for a in found):
            return None
        found = {a.lower() for a in found}
    # a literal that contains another is redundant; shortest first rejects fastest
    ordered = sorted(found, key=lambda a: (len(a), a))
    return tuple(lit for i, lit in enumerate(ordered) if not any(other in lit for other in ordered[:i]))


class LiteralIndex:
    """One Aho-Corasick automaton over the literals of many keys (small ints): ``hits(text)`` is a
    bit mask with bit ``k`` set when ``text`` holds one of key ``k``'s literals. One scan of the
    text replaces a literal check per key."""

    def __init__(self, automaton) -> None:
        self._automaton = automaton

    @classmethod
    def build(cls, literals_by_key: dict[int, Iterable[str]]) -> LiteralIndex | None:
        """The index, or None when ``pyahocorasick`` is not installed (callers then check each
        key's literals themselves)."""
        try:
            import ahocorasick
        except ImportError:
            return None
        masks: dict[str, int] = {}
        for key, literals in literals_by_key.items():
            for literal in literals:
                masks[literal] = masks.get(literal, 0) | (1 << key)
        automaton = ahocorasick.Automaton()
        for literal, mask in masks.items():
            automaton.add_word(literal, mask)
        if not masks:
            return cls(None)
        automaton.make_automaton()
        return cls(automaton)

    def hits(self, text: str) -> int:
        """The keys with a literal in ``text`` (lower-cased like the literals), as a bit mask."""
        if self._automaton is None:
            return 0
        mask = 0
        for _, bits in self._automaton.iter(text):
            mask |= bits
        return mask
