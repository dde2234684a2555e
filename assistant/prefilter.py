"""Prefilters for the checklist: which rule triggers can possibly fire on a text.

Two kinds, both read from each trigger's regex when the rules load:

- per trigger: the characters a match can start with (``first_chars``) and literal pieces one of
  which every match contains (``required_literals``, the idea of RE2's prefilter);
- per rule set: one multi-pattern index (``LiteralIndex``) over every trigger's literals, so one
  scan of a text (Aho-Corasick, from ``pyahocorasick``) tells which triggers need evaluating at all.
  Without ``pyahocorasick`` the index is not built and each trigger checks its own literals.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# Compiled patterns and their literals, by source: every corpus load (each test, each trainer's save)
# compiles the same few thousand checklist patterns again, more than the `re` module's own cache holds.
regex = functools.lru_cache(maxsize=8192)(re.compile)


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


def required_literals(pattern: re.Pattern, limit: int = 256) -> tuple[str, ...] | None:
    """See ``_required_literals`` (the same pattern gives the same literals: cached by its source)."""
    return _required_literals(pattern.pattern, pattern.flags, limit)


@functools.lru_cache(maxsize=8192)
def _required_literals(source: str, flags: int, limit: int) -> tuple[str, ...] | None:
    """Literal strings one of which every match of ``source`` contains, read from its syntax tree
    (the idea of RE2's prefilter). Parts that match one of a few exact strings are multiplied out
    (``(转|打)(钱|款)`` → 转钱, 转款, 打钱, 打款, at most ``limit`` of them); a concatenation keeps
    its most selective part, an alternation the union of its branches. None when some match
    needs no literal at all."""
    from re import _constants as sre
    from re import _parser

    try:
        tree = _parser.parse(source, flags)
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
            if low >= 2 and ex is not None and "" not in ex and len(ex) ** 2 <= limit:
                # x{2,}: every match holds two x in a row (！！ rather than ！)
                return None, {a + b for a in ex for b in ex}
            part = ex if ex is not None else match
            return None, (part if part and "" not in part else None)
        return None, None

    ex, match = seq(tree)
    found = ex if ex is not None else match
    if not found or "" in found:
        return None
    if flags & re.IGNORECASE:
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


def alphabet(pattern: re.Pattern) -> frozenset[str] | None:
    """Every character a match of ``pattern`` can contain, read from its syntax tree; None when
    that is not a small known set (a class like \\w or ``.``, a negated set). A text holding any
    other letter cannot be a ``fullmatch`` of it (the prefilter of ``whole`` triggers)."""
    from re import _constants as sre
    from re import _parser

    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown construct only turns the prefilter off
        return None
    chars: set[str] = set()

    def walk(items) -> bool:
        for op, av in items:
            if op is sre.LITERAL:
                chars.add(chr(av))
            elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
                continue
            elif op is sre.IN:
                for kind, value in av:
                    if kind is sre.LITERAL:
                        chars.add(chr(value))
                    elif kind is sre.RANGE and value[1] - value[0] <= 512:
                        chars.update(chr(c) for c in range(value[0], value[1] + 1))
                    else:
                        return False
            elif op is sre.BRANCH:
                if not all(walk(branch) for branch in av[1]):
                    return False
            elif op is sre.SUBPATTERN:
                if not walk(av[-1]):
                    return False
            elif op is getattr(sre, "ATOMIC_GROUP", None):
                if not walk(av):
                    return False
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)):
                if not walk(av[2]):
                    return False
            else:
                return False
        return True

    if not walk(tree):
        return None
    if pattern.flags & re.IGNORECASE:
        extra = {"k": "\u212a", "s": "\u017f", "i": "\u0130\u0131"}
        chars |= {c.lower() for c in chars} | {c.upper() for c in chars}
        chars |= {x for c in list(chars) if c.lower() in extra for x in extra[c.lower()]}
    return frozenset(chars)


def start_class(pattern: re.Pattern) -> re.Pattern | None:
    """A one-character class that every match of ``pattern`` starts with, categories (\\d, \\s, \\w)
    included, compiled; None when no such class is known (``.``, a negated set, an empty match).
    Searching it is a C-level scan, so a reply without a digit skips a phone-number pattern that
    has no literal piece for the index."""
    from re import _constants as sre
    from re import _parser

    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown construct only turns the prefilter off
        return None
    categories = {
        sre.CATEGORY_DIGIT: r"\d",
        sre.CATEGORY_NOT_DIGIT: r"\D",
        sre.CATEGORY_SPACE: r"\s",
        sre.CATEGORY_NOT_SPACE: r"\S",
        sre.CATEGORY_WORD: r"\w",
        sre.CATEGORY_NOT_WORD: r"\W",
    }

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
            return {re.escape(chr(av))}, False
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return set(), True
        if op is sre.IN:
            parts: set[str] = set()
            for kind, value in av:
                if kind is sre.LITERAL:
                    parts.add(re.escape(chr(value)))
                elif kind is sre.RANGE:
                    parts.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
                elif kind is sre.CATEGORY and value in categories:
                    parts.add(categories[value])
                else:
                    return None, False
            return parts, False
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
    return re.compile("[" + "".join(sorted(first)) + "]", pattern.flags & re.IGNORECASE)


class PhraseList:
    """A phrase list compiled for searching a text phrase by phrase: one Aho-Corasick scan finds the
    literal words (their matches are the scan's hits) and the literal pieces of the regexes, and only
    the regexes whose pieces occur are run. A combined alternation of a few hundred phrases costs tens
    of microseconds per text; this costs a scan plus the one or two regexes that can match.

    ``spans(text)`` returns every match of every phrase (overlapping ones included, as an ``except``
    list needs). Built by ``PhraseList.build``; None when ``pyahocorasick`` is missing.
    """

    def __init__(
        self, automaton, regexes: tuple[re.Pattern, ...], always: int, lookaheads: tuple[re.Pattern, ...] = ()
    ):
        self._automaton = automaton
        self._regexes = regexes
        self._always = always
        # each regex as (?=(...)): one C-level scan finds its match at every start position
        self._lookaheads = lookaheads or tuple(regex(f"(?=({p.pattern}))", p.flags) for p in regexes)

    @classmethod
    def build(
        cls, words: Iterable[str], regexes: Iterable[str], flags: int = re.IGNORECASE
    ) -> PhraseList | None:
        try:
            import ahocorasick
        except ImportError:
            return None
        automaton = ahocorasick.Automaton()
        values: dict[str, list] = {}  # literal -> [word length or 0, regex bit mask]
        compiled: list[re.Pattern] = []
        always = 0
        for source in regexes:
            pattern = regex(source, flags)
            bit = 1 << len(compiled)
            compiled.append(pattern)
            literals = required_literals(pattern)
            if literals is None:
                always |= bit
                continue
            for literal in literals:
                values.setdefault(literal, [0, 0])[1] |= bit
        for word in words:
            key = word.lower() if flags & re.IGNORECASE else word
            if len(key) != len(word):  # lower-casing changed the length: let a regex find it
                bit = 1 << len(compiled)
                compiled.append(re.compile(re.escape(word), flags))
                always |= bit
                continue
            values.setdefault(key, [0, 0])[0] = len(key)
        for literal, (length, mask) in values.items():
            automaton.add_word(literal, (length, mask))
        if values:
            automaton.make_automaton()
        return cls(automaton if values else None, tuple(compiled), always)

    def spans(self, text: str, lowered: str) -> list[tuple[int, int]]:
        """Every match of every phrase in ``text``; ``lowered`` is ``text`` lower-cased (same length)."""
        out: list[tuple[int, int]] = []
        mask = self._always
        if self._automaton is not None:
            for end, (length, bits) in self._automaton.iter(lowered):
                if length:
                    out.append((end + 1 - length, end + 1))
                mask |= bits
        regexes = self._regexes
        while mask:
            low = mask & -mask
            mask ^= low
            out.extend(m.span() for m in regexes[low.bit_length() - 1].finditer(text) if m.end() > m.start())
            if len(out) > 64:  # a pathological text: enough to decide
                break
        return out

    def overlapping_spans(self, text: str, lowered: str) -> list[tuple[int, int]]:
        """Like ``spans`` but every start position of each regex (what an ``except`` list needs:
        a harmless phrase may start inside another)."""
        out: list[tuple[int, int]] = []
        mask = self._always
        if self._automaton is not None:
            for end, (length, bits) in self._automaton.iter(lowered):
                if length:
                    out.append((end + 1 - length, end + 1))
                mask |= bits
        lookaheads = self._lookaheads
        while mask:
            low = mask & -mask
            mask ^= low
            out.extend(
                m.span(1) for m in lookaheads[low.bit_length() - 1].finditer(text) if m.end(1) > m.start(1)
            )
        return out

    def first_outside(self, text: str, lowered: str, excluded) -> bool:
        """Whether some phrase matches ``text`` outside the spans that ``excluded()`` returns
        (called once, only when a match is found; ``(start, end)`` pairs); stops at the first."""
        spans_out: list[tuple[int, int]] | None = None
        mask = self._always
        if self._automaton is not None:
            for end, (length, bits) in self._automaton.iter(lowered):
                if length:
                    if spans_out is None:
                        spans_out = excluded()
                    start = end + 1 - length
                    if not any(s <= start and end + 1 <= e for s, e in spans_out):
                        return True
                mask |= bits
        regexes = self._regexes
        while mask:
            low = mask & -mask
            mask ^= low
            for m in regexes[low.bit_length() - 1].finditer(text):
                if m.end() > m.start():
                    if spans_out is None:
                        spans_out = excluded()
                    if not any(s <= m.start() and m.end() <= e for s, e in spans_out):
                        return True
        return False

    def contains(self, text: str, lowered: str) -> bool:
        """Whether any phrase matches ``text`` (stops at the first)."""
        mask = self._always
        if self._automaton is not None:
            for _, (length, bits) in self._automaton.iter(lowered):
                if length:
                    return True
                mask |= bits
        regexes = self._regexes
        while mask:
            low = mask & -mask
            mask ^= low
            if regexes[low.bit_length() - 1].search(text) is not None:
                return True
        return False


def min_digits(pattern: re.Pattern) -> int:
    """How many digits every match of ``pattern`` holds at least (read from its syntax tree; 0 when
    unknown). A phone-number pattern needs ten or more, so a reply with fewer digits skips it."""
    from re import _constants as sre
    from re import _parser

    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown construct only turns the prefilter off
        return 0

    def digit_only(op, av) -> bool:
        if op is sre.LITERAL:
            return chr(av).isdigit()
        if op is sre.IN:
            for kind, value in av:
                if kind is sre.LITERAL and chr(value).isdigit():
                    continue
                if kind is sre.RANGE and all(chr(c).isdigit() for c in range(value[0], value[1] + 1)):
                    continue
                if kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
                    continue
                return False
            return True
        return False

    def seq(items) -> int:
        return sum(item(op, av) for op, av in items)

    def item(op, av) -> int:
        if digit_only(op, av):
            return 1
        if op is sre.BRANCH:
            return min(seq(branch) for branch in av[1])
        if op is sre.SUBPATTERN:
            return seq(av[-1])
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return seq(av)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)):
            return av[0] * seq(av[2])
        return 0

    return seq(tree)
