"""Etiquette checklist (质检): rules as data, exact spans, severities and safe fixes.

The rules live in ``corpus/checklist.toml`` (the rule language is documented for trainers in
``docs/checklist-rules.md``); this module holds only the generic matchers:

- ``load_rules`` reads and validates the TOML and compiles every rule once (one combined regular
  expression per phrase list), reporting each problem as ``path:line: message``.
- ``check`` judges one reply (optionally with the buyer message, earlier turns and the scenario)
  and returns a ``CheckResult``: ``passed``, the ``violations`` with character spans into the
  original reply, and the reply with every safe fix applied (``fixed``).
- ``render_text`` / ``render_html`` / ``render_rich`` show a reply with its offending spans marked.

Matching works on a folded copy of the reply of exactly the same length (full-width letters and
digits to ASCII, ASCII lower case, Traditional to Simplified when that keeps the length), so spans
found on it are spans of the original. The buyer's words quoted inside the reply (您说的“不行”是指…)
are blanked out of that copy first, so no rule ever fires on them and no fix ever touches them.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ChecklistError, Problem
from .prefilter import (
    CASE_SPECIALS,
    LiteralIndex,
    PhraseList,
    alphabet,
    by_first,
    first_chars,
    has_literal,
    min_digits,
    required_literals,
    start_class,
)

__all__ = [
    "CheckResult",
    "Fix",
    "Rule",
    "RuleSet",
    "Violation",
    "char_length",
    "check",
    "content_length",
    "first_chars",
    "fold",
    "load_checklist",
    "load_rules",
    "render_html",
    "render_rich",
    "render_text",
    "required_literals",
]

SEVERITIES = ("error", "warn", "info")
# ``passed`` is False when any violation has one of these severities; ``info`` never blocks a reply.
BLOCKING = ("error", "warn")
TOP_KEYS = ("version", "lists", "quotes", "context", "boilerplate", "rule")
TRIGGER_KEYS = (
    "find",
    "whole",
    "except",
    "unless",
    "unless_history",
    "min_count",
    "reply_length",
    "message_length",
    "reply_chars",
    "message_chars",
    "when",
)
RULE_KEYS = (
    "id",
    "severity",
    "message",
    "guidance",
    "description",
    "fix",
    "fires",
    "passes",
    "trigger",
    *TRIGGER_KEYS,
)
WHEN_KEYS = ("scenario", "message", "except", "unknown", "recent")
FIX_KINDS = ("replace", "collapse", "prepend", "reply")
FIX_KEYS = (*FIX_KINDS, "after")
LENGTH_KEYS = ("min", "max")
EXAMPLE_KEYS = ("reply", "message", "scenario", "history")
QUOTE_KEYS = ("cues",)
CONTEXT_KEYS = ("empty", "hold")
BOILERPLATE_KEYS = ("phrases",)
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_LIST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Quoted stretches of a reply; whether one holds the buyer's words is decided per quote.
_DIGIT = re.compile(r"\d")
_QUOTE_OPEN = re.compile('[“「『"‘]')
_QUOTES = re.compile(r"“[^”\n]{1,80}”|「[^」\n]{1,80}」|『[^』\n]{1,80}』|\"[^\"\n]{1,80}\"|‘[^’\n]{1,80}’")
_MASK = "\x00"
# removing these keeps exactly the characters for which str.isalnum() is true
_NON_ALNUM = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")

# Full-width letters and digits → ASCII, ASCII upper → lower. Punctuation keeps its width (rules
# tell ！ from ! where it matters, and folding ？ into ? would turn it into a regex operator).
_FOLD = {code: code + 0x20 for code in range(ord("A"), ord("Z") + 1)}
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)})  # ０-９
_FOLD.update({code: code - 0xFEE0 + 0x20 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ → a-z
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
# Regexes get only the full-width part: lower-casing ASCII would turn \W into \w (the text is
# folded, so patterns are compiled case-insensitively instead).
_FOLD_REGEX = {code: target for code, target in _FOLD.items() if code > 0x7F}
# a text without any of these needs no translate() (most Chinese replies)
_FOLDABLE = re.compile("[A-Z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# letters that ignore-case regexes equate with ASCII ones (K ſ İ ı)
_CASE_SPECIAL = re.compile("[" + "".join(sorted(CASE_SPECIALS)) + "]")


@functools.lru_cache(maxsize=1)
def _traditional() -> re.Pattern:
    """A character class of the CJK characters OpenCC's t2s changes (about 5,000, found once by
    converting every CJK code point): text without any of them is already Simplified, and skipping
    the converter for it makes folding several times faster."""
    from .text import to_simplified

    ranges = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0x20000, 0x2FA1F))
    chars = [chr(c) for low, high in ranges for c in range(low, high + 1)]
    converted = to_simplified("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a converter that joins lines: give up the shortcut
        return re.compile(r"[^\x00-\x7f]")
    changed = [c for c, s in zip(chars, converted, strict=True) if c != s and ord(c) < 0x10000]
    # astral characters go in as one range: listing them one by one makes the class a slow scan
    return re.compile("[" + "".join(re.escape(c) for c in changed) + "\U00020000-\U0002fa1f]")


def fold(text: str) -> str:
    """A same-length matching form of ``text`` (see the module docstring)."""
    folded = text.translate(_FOLD) if _FOLDABLE.search(text) else text
    if not folded.isascii() and _traditional().search(folded):
        from .text import to_simplified

        try:
            simplified = to_simplified(folded)
        except UnicodeEncodeError:
            # OpenCC cannot encode lone surrogates (they come in from broken JSON); U+FFFD keeps the length
            simplified = to_simplified(_SURROGATES.sub("\ufffd", folded))
        if len(simplified) == len(folded):
            folded = simplified
    return folded


def content_length(text: str) -> int:
    """Characters that count as words: letters, digits and Chinese characters (no punctuation,
    spaces or emoji); what ``reply_length`` / ``message_length`` count."""
    return len(_NON_ALNUM.sub("", text))


def char_length(text: str) -> int:
    """Every character but whitespace (punctuation and emoji included); what ``reply_chars`` /
    ``message_chars`` count."""
    return len(text) - sum(map(len, _SPACE.findall(text)))


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Violation:
    """One broken rule: where in the reply (character offsets, end exclusive) and what to do."""

    rule: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    guidance: str

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "guidance": self.guidance,
        }


@dataclass(frozen=True)
class Fix:
    """One safe fix applied to a reply: ``before`` at ``start:end`` of the original became ``after``."""

    rule: str
    start: int
    end: int
    before: str
    after: str

    def __str__(self) -> str:
        if self.before and self.after.endswith(self.before):
            return f"{self.rule}: 加上「{self.after[: len(self.after) - len(self.before)]}」"
        if not self.before:
            return f"{self.rule}: 加上「{self.after}」"
        return f"{self.rule}: 「{self.before}」→「{self.after}」"

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class CheckResult:
    """The checklist's judgement of one reply.

    ``passed`` is True when no violation has severity ``error`` or ``warn`` (``info`` is advice and
    never blocks). ``fixed`` is the reply with every safe fix applied, offered only when that fixed
    reply passes the checklist; otherwise it is None and the violations' messages say what to
    rewrite. ``fixes`` lists the fixes in ``fixed``; ``unfixed`` names the rules whose safe fix was
    withheld because the reply would still not pass (an apology in front of rude text).
    """

    reply: str
    passed: bool
    violations: tuple[Violation, ...]
    fixed: str | None = None
    fixes: tuple[Fix, ...] = ()
    unfixed: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[str, ...]:
        """The ids of the broken rules, each once, in order of first appearance."""
        return tuple(dict.fromkeys(v.rule for v in self.violations))

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "violations": [v.to_dict() for v in self.violations],
            "fixed": self.fixed,
            "fixes": [f.to_dict() for f in self.fixes],
            "unfixed": list(self.unfixed),
        }


# ----------------------------------------------------------------------------- compiled rules


@dataclass(frozen=True)
class Length:
    """A ``{min, max}`` bound on a content length (both inclusive, either optional)."""

    min: int | None = None
    max: int | None = None

    def holds(self, n: int) -> bool:
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)


@dataclass(frozen=True)
class When:
    """A condition on the buyer side.

    When the caller knows the scenario and the condition lists scenarios, the scenario decides
    (whoever detected it saw more than a few cue words). Otherwise the buyer message decides: it
    must contain one of the ``message`` phrases (outside ``except``); with ``recent`` the buyer's
    other turns since the agent last wrote count too (and, when those carry no words of their own,
    such as an order card or 是的, the buyer's turns before the agent's last reply). With neither
    known, ``unknown`` decides.
    """

    scenarios: frozenset[str] = frozenset()
    message: re.Pattern | None = None
    except_: re.Pattern | None = None
    unknown: bool = False
    recent: bool = False
    # finds the literal pieces one of which every ``message`` match contains (a prefilter)
    literals: dict[str, tuple[str, ...]] | None = field(default=None, compare=False)
    # the same phrases searched one by one behind one literal scan (None: use the regexes above)
    phrases: PhraseList | None = field(default=None, compare=False)
    except_phrases: PhraseList | None = field(default=None, compare=False)

    def holds(
        self,
        scenario: str | None,
        message: str | None,
        memo: dict | None = None,
        literal: bool | None = None,
        phrases: bool = True,
    ) -> bool:
        """Whether the condition holds; ``memo`` shares message searches between conditions
        that use the same phrases (one check's cache); ``literal`` is the prefilter's verdict on
        ``message`` when the caller has it (None: look here); ``phrases``: search phrase by phrase
        (the multi-pattern prefilter) rather than with the combined regex."""
        if self.scenarios and scenario is not None:
            return scenario in self.scenarios
        if self.message is not None and message is not None:
            key = (id(self.message), id(self.except_), self.recent)
            if memo is not None and key in memo:
                return memo[key]
            if literal is None:
                literal = (
                    self.literals is None
                    or not CASE_SPECIALS.isdisjoint(message)
                    or has_literal(message if message.isascii() else message.lower(), self.literals)
                )
            if not literal:
                found = False
            elif phrases and self.phrases is not None and _CASE_SPECIAL.search(message) is None:
                found = self._search_phrases(message)
            else:
                found = _search_outside(self.message, self.except_, message)
            if memo is not None:
                memo[key] = found
            return found
        return self.unknown

    def _search_phrases(self, message: str) -> bool:
        lowered = message if message.isascii() else message.lower()
        if self.except_ is None:
            return self.phrases.contains(message, lowered)
        if self.except_phrases is not None:
            return self.phrases.first_outside(
                message, lowered, lambda: self.except_phrases.overlapping_spans(message, lowered)
            )
        return self.phrases.first_outside(message, lowered, lambda: _except_spans(self.except_, message))


@dataclass(frozen=True)
class Trigger:
    """One way a rule fires. Without ``find``/``whole`` its span is the whole reply."""

    find: re.Pattern | None = None
    whole: re.Pattern | None = None
    except_: re.Pattern | None = None
    unless: re.Pattern | None = None
    unless_history: re.Pattern | None = None
    min_count: int = 1
    reply_length: Length | None = None
    message_length: Length | None = None
    reply_chars: Length | None = None
    message_chars: Length | None = None
    when: When | None = None
    # the characters a ``find`` match can start with (None: any); a reply without any of them is skipped
    first: frozenset[str] | None = None
    # the characters a ``whole`` match can start with and can contain (None: any), checked on the
    # reply's letters: 您好，请问… is no bare 嗯 whatever its length
    whole_first: frozenset[str] | None = None
    whole_alphabet: frozenset[str] | None = None
    # for a ``find`` without literals: a character class one of whose characters every match
    # starts with (\\d for a phone number), searched in C before the pattern itself
    gate: re.Pattern | None = None
    # the digits every ``find`` match holds at least (a phone number: 10); fewer in the reply skips it
    digits: int = 0
    # for a ``whole``: a letter outside the pattern's alphabet (such a reply cannot be a match)
    whole_outside: re.Pattern | None = None
    # the ``unless`` phrases searched one by one behind one literal scan (None: use ``unless``)
    unless_phrases: PhraseList | None = None
    # literal pieces one of which every ``find`` match contains (None: unknown); a reply without
    # any of them is skipped
    literals: dict[str, tuple[str, ...]] | None = None
    # the length conditions that are set, message ones first (they fail fastest); filled on load
    lengths: tuple[tuple[str, Length], ...] = ()


@dataclass(frozen=True)
class FixSpec:
    """A safe fix: ``replace`` each span with text, ``collapse`` each span to its first character,
    ``prepend`` text (after a leading ``after`` phrase such as 亲，), or replace the whole ``reply``."""

    kind: str
    text: str = ""
    after: re.Pattern | None = None


@dataclass(frozen=True)
class Example:
    """A reply (with optional buyer message, scenario and history) a rule must fire or stay silent on."""

    reply: str
    message: str | None = None
    scenario: str | None = None
    history: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A compiled checklist rule."""

    id: str
    severity: str
    message: str
    guidance: str
    triggers: tuple[Trigger, ...]
    fix: FixSpec | None = None
    description: str = ""
    fires: tuple[Example, ...] = ()
    passes: tuple[Example, ...] = ()
    path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "guidance": self.guidance,
            "description": self.description,
            "fix": self.fix.kind if self.fix else None,
        }


@dataclass(frozen=True)
class RuleSet:
    """The checklist rules of a corpus, compiled."""

    rules: tuple[Rule, ...] = ()
    quote_cues: re.Pattern | None = None
    path: str = ""
    # [context] empty: buyer turns made only of these carry no words of their own (order cards, ids)
    context_empty: re.Pattern | None = None
    # [boilerplate] phrases: stock formulas (请问还有其他可以帮到您的吗) that never count for `unless`
    boilerplate: re.Pattern | None = None
    boilerplate_phrases: PhraseList | None = field(default=None, compare=False)
    # [context] hold: agent turns made only of these (请您稍等，正在为您查询) do not answer the buyer
    context_hold: re.Pattern | None = None
    # whether an agent turn is such a hold (cached per text; built on load)
    is_hold: Callable[[str], bool] | None = field(default=None, compare=False)
    # use the multi-pattern prefilter (one scan per text); False checks each trigger's literals
    indexed: bool = field(default=True, compare=False)

    def __len__(self) -> int:
        return len(self.rules)

    @functools.cached_property
    def plan(self) -> _Plan:
        """The triggers in evaluation order with the multi-pattern prefilter over their literals
        (built on first use, once per rule set)."""
        return _Plan.of(self)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id.

        Raises:
            UnknownIdError: no such rule (with the closest id).
        """
        from .errors import UnknownIdError
        from .taxonomy import did_you_mean

        for r in self.rules:
            if r.id == rule_id:
                return r
        raise UnknownIdError(f"no checklist rule {rule_id!r}{did_you_mean(rule_id, self.ids)}")

    def only(self, rule_ids: Iterable[str]) -> RuleSet:
        """A rule set with only these rules (unknown ids raise ``UnknownIdError``)."""
        wanted = [self.rule(r).id for r in rule_ids]
        return dataclasses.replace(self, rules=tuple(r for r in self.rules if r.id in wanted))


def _outside(chars: frozenset[str] | None) -> re.Pattern | None:
    """A regex that finds a letter, digit or Chinese character not in ``chars``."""
    if chars is None:
        return None
    return re.compile("[^\\W_" + "".join(re.escape(c) for c in sorted(chars)) + "]")


def _search_outside(pattern: re.Pattern, except_: re.Pattern | None, text: str) -> bool:
    if except_ is None:
        return pattern.search(text) is not None
    excluded = None
    for m in pattern.finditer(text):
        if m.end() > m.start():
            if excluded is None:
                excluded = _except_spans(except_, text)
            if not _inside(m.start(), m.end(), excluded):
                return True
    return False


def _except_spans(except_: re.Pattern, text: str) -> list[tuple[int, int]]:
    """Every match of an ``except`` pattern, overlapping ones included (it is compiled as a
    lookahead with one group), so a harmless phrase is found even where another one starts."""
    return [m.span(1) for m in except_.finditer(text) if m.end(1) > m.start(1)]


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


# ----------------------------------------------------------------------------- checking


def _turn_parts(turn: Any) -> tuple[str, str]:
    """``(role, text)`` of a history item: a Turn/ChatTurn, a dict, a (role, text) pair or a string
    (a plain string counts as a buyer turn)."""
    if type(turn) is tuple and len(turn) == 2 and type(turn[0]) is str and type(turn[1]) is str:
        return turn  # the audit's own shape, made for every earlier turn of every reply: no copies
    if isinstance(turn, str):
        return "buyer", turn
    if isinstance(turn, dict):
        return str(turn.get("role", "buyer")), str(turn.get("text", ""))
    if isinstance(turn, (tuple, list)) and len(turn) == 2:
        return str(turn[0]), str(turn[1])
    return str(getattr(turn, "role", "buyer")), str(getattr(turn, "text", ""))


class _BuyerSide:
    """The folded buyer message, recent buyer turns, agent history and scenario: the same for a
    reply and for every fixed version of it, so folded once, and the history only when a rule asks
    (most replies need neither the agent's earlier turns nor the buyer's quotable words). A plain
    class with slots: it is made for every reply checked."""

    __slots__ = ("message", "scenario", "recent", "_turns", "_agent_history", "_buyer_text")

    def __init__(
        self,
        message: str | None,
        scenario: str | None,
        turns: list[tuple[str, str]] | None = None,
        recent: str | None = None,
    ):
        self.message = message
        self.scenario = scenario
        # the message with the buyer's other recent turns (``when.recent``)
        self.recent = recent
        self._turns = turns or []
        self._agent_history: str | None | bool = False
        self._buyer_text: str | None = None

    @property
    def agent_history(self) -> str | None:
        """The agent's earlier turns, folded and joined (None without any)."""
        if self._agent_history is False:
            agent = [fold(text) for role, text in self._turns if role == "agent"]
            self._agent_history = "\n".join(agent) if agent else None
        return self._agent_history

    @property
    def buyer_text(self) -> str:
        """The buyer's message and earlier turns, folded (to recognise quoted buyer words)."""
        if self._buyer_text is None:
            buyer = [fold(text) for role, text in self._turns if role != "agent"]
            self._buyer_text = "\n".join([self.message or "", *buyer])
        return self._buyer_text

    @classmethod
    def of(
        cls, message: str | None, history: Sequence[Any], scenario: str | None, rules: RuleSet
    ) -> _BuyerSide:
        folded_message = fold(message) if message else None
        if not history:
            return cls(folded_message, scenario or None, None, folded_message)
        turns = [_turn_parts(turn) for turn in history]
        return cls(
            folded_message,
            scenario or None,
            turns,
            _recent(folded_message, turns, rules.context_empty, rules.is_hold),
        )


_RECENT_TURNS = 4  # at most this many earlier buyer turns join the message for ``when.recent``


def _recent(
    message: str | None,
    turns: list[tuple[str, str]],
    empty: re.Pattern | None,
    is_hold: Callable[[str], bool] | None = None,
) -> str | None:
    # ``message`` is folded already, the turns are not
    """The buyer's words the reply answers: the message and the buyer turns since the agent last
    wrote (an agent turn that only asks the buyer to hold on, ``[context] hold``, answers nothing:
    the reply after it answers what came before it); when none of those carries words of its own
    (order cards, ids, 是的, 你好 as listed in ``[context] empty``), also the buyer's turns before
    the agent's last reply (a complaint, then the order number the agent asked for, then the reply)."""
    i = len(turns)
    trailing: list[str] = []
    while i > 0 and len(trailing) < _RECENT_TURNS:
        role, text = turns[i - 1]
        if role != "agent":
            trailing.append(text)
        elif is_hold is None or not is_hold(text):
            break
        i -= 1
    trailing.reverse()
    parts = [*(fold(t) for t in trailing), message or ""]
    # newest first: the message is the part most likely to carry words, which settles it at once
    if empty is not None and i > 0 and all(_is_empty(p, empty) for p in reversed(parts)):
        while i > 0 and turns[i - 1][0] == "agent":
            i -= 1
        earlier: list[str] = []
        while i > 0 and turns[i - 1][0] != "agent" and len(earlier) < _RECENT_TURNS:
            i -= 1
            earlier.insert(0, fold(turns[i][1]))
        parts = [*earlier, *parts]
    text = "\n".join(p for p in parts if p and p.strip())
    return text or None


def _is_empty(text: str, empty: re.Pattern) -> bool:
    return not text.strip() or content_length(empty.sub("", text)) == 0


_HOLD_MAX = 60  # characters: a turn longer than this says more than 请您稍等 (and is not searched)


def _hold_test(hold: re.Pattern) -> Callable[[str], bool]:
    """Whether an agent turn (not folded) only asks the buyer to hold on, cached per text (the
    agents' canned hold formulas recur across a chat log; a pattern is no cache key, hashing one
    hashes its compiled code)."""
    outside = _outside(alphabet(hold))

    @functools.lru_cache(maxsize=4096)
    def is_hold(text: str) -> bool:
        # screened on the raw turn (folding costs more): a letter outside the holds' alphabet, a
        # full-width or Traditional one included, makes it no hold
        if len(text) > _HOLD_MAX or (outside is not None and outside.search(text) is not None):
            return False
        return _is_empty(fold(text), hold)

    return is_hold


@dataclass(frozen=True)
class _Plan:
    """A rule set flattened for checking: every trigger with the position of its rule, in rule
    order, and the multi-pattern prefilters over the literals of the triggers (reply side) and of
    the ``when`` conditions (buyer side). Trigger sets are bit masks (bit k: trigger k)."""

    triggers: tuple[tuple[int, Trigger], ...]
    # triggers the reply index cannot rule out (no literals known)
    always: int
    everything: int
    reply_index: LiteralIndex | None
    # bit of each indexed `when` condition, by id; the triggers that need each one (by bit)
    whens: dict[int, int]
    when_index: LiteralIndex | None
    # triggers with an indexed `when` on the message, on the recent turns, and those whose `when`
    # lists scenarios (a known scenario decides those); the buyer index's hits hold the when bits
    # below ``shift`` and, above it, the triggers whose `when` literals occur
    on_message: int = 0
    on_recent: int = 0
    by_scenario: int = 0
    shift: int = 0
    # `whole` triggers, and a letter outside all their alphabets (a reply with one skips them all)
    wholes: int = 0
    whole_outside: re.Pattern | None = None
    boilerplate: PhraseList | None = None
    # cheap tests on triggers the index cannot rule on: (trigger bit, least raw reply length,
    # least raw message length, start-class gate, least digits)
    screens: tuple[tuple[int, int, int, re.Pattern | None, int], ...] = ()

    @classmethod
    def of(cls, rules: RuleSet) -> _Plan:
        triggers: list[tuple[int, Trigger]] = []
        literals: dict[int, list[str]] = {}
        always = 0
        when_literals: dict[int, list[str]] = {}
        whens: dict[int, int] = {}
        needs: dict[int, int] = {}
        on_message = on_recent = by_scenario = 0
        wholes = 0
        letters: set[str] | None = set()
        for position, rule in enumerate(rules.rules):
            for trigger in rule.triggers:
                key = len(triggers)
                triggers.append((position, trigger))
                if trigger.literals is None:
                    always |= 1 << key
                else:
                    literals[key] = [lit for group in trigger.literals.values() for lit in group]
                if trigger.whole is not None:
                    wholes |= 1 << key
                    if trigger.whole_alphabet is None or letters is None:
                        letters = None
                    else:
                        letters |= trigger.whole_alphabet
                when = trigger.when
                if when is not None and when.literals is not None:
                    if id(when) not in whens:
                        whens[id(when)] = len(whens)
                        when_literals[whens[id(when)]] = [lit for g in when.literals.values() for lit in g]
                    needs[whens[id(when)]] = needs.get(whens[id(when)], 0) | (1 << key)
                    if when.recent:
                        on_recent |= 1 << key
                    else:
                        on_message |= 1 << key
                    if when.scenarios:
                        by_scenario |= 1 << key
        everything = (1 << len(triggers)) - 1
        shift = len(whens)
        for bit, mask in needs.items():  # a literal of a `when` also marks the triggers that need it
            for key in range(len(triggers)):
                if mask >> key & 1:
                    when_literals[shift + key] = when_literals[bit]
        reply_index = LiteralIndex.build(literals) if rules.indexed else None
        when_index = LiteralIndex.build(when_literals) if rules.indexed else None
        if reply_index is None:
            always = everything
        if when_index is None or reply_index is None:
            whens, on_message, on_recent = {}, 0, 0
        return cls(
            tuple(triggers),
            always,
            everything,
            reply_index,
            whens,
            when_index,
            on_message,
            on_recent,
            by_scenario,
            shift,
            wholes if reply_index is not None and letters else 0,
            _outside(frozenset(letters)) if letters else None,
            rules.boilerplate_phrases if rules.indexed else None,
            tuple(
                _screen(1 << key, t)
                for key, (_, t) in enumerate(triggers)
                if always >> key & 1 and _screen(1, t)
            ),
        )


def _screen(bit: int, trigger: Trigger) -> tuple[int, int, int, re.Pattern | None, int] | None:
    """The cheap necessary conditions of a trigger without literals, or None when it has none:
    no count exceeds the raw length of the text, so a shorter text fails a ``min`` at once."""
    reply = max((b.min or 0 for k, b in trigger.lengths if k.startswith("reply")), default=0)
    message = max((b.min or 0 for k, b in trigger.lengths if k.startswith("message")), default=0)
    if not (reply or message or trigger.gate is not None or trigger.digits > 2):
        return None
    return bit, reply, message, trigger.gate, trigger.digits if trigger.digits > 2 else 0


class _Context:
    """Everything the matchers look at for one reply, computed once (lazily where costly)."""

    __slots__ = (
        "original",
        "text",
        "message",
        "recent",
        "scenario",
        "buyer",
        "_chars",
        "exact",
        "memo",
        "lowered",
        "plan",
        "boilerplate",
        "_core",
        "_lengths",
        "_unless_text",
        "_hits",
        "_letters",
    )

    def __init__(self, reply: str, buyer: _BuyerSide, rules: RuleSet):
        self.original = reply
        self.message = buyer.message
        self.recent = buyer.recent
        self.scenario = buyer.scenario
        self.buyer = buyer
        self.text = _mask_buyer_quotes(fold(reply), buyer, rules.quote_cues)
        self._chars: frozenset[str] | None = None
        # letters that ignore-case regexes equate with ASCII ones (K ſ İ ı) defeat the literal prefilter
        self.exact = _CASE_SPECIAL.search(self.text) is None
        # results shared by several triggers (the same `when` phrases or `unless` list), by object id
        self.memo: dict = {}
        # the ignore-case patterns' literals are lower case; only non-ASCII letters still need it
        self.lowered = self.text if self.text.isascii() else self.text.lower()
        self.plan = rules.plan
        self.boilerplate = rules.boilerplate
        self._core: str | None = None
        self._lengths: dict[str, int | None] = {}
        self._unless_text: str | None = None
        self._hits: dict[bool, int | None] = {}
        self._letters: frozenset[str] | None = None

    @property
    def chars(self) -> frozenset[str]:
        """The set of the reply's characters (the per-trigger prefilter; built only when used:
        a set of Chinese characters costs more than the rest of a check)."""
        if self._chars is None:
            self._chars = frozenset(self.text)
        return self._chars

    @property
    def lowered_chars(self) -> frozenset[str]:
        if self.lowered is self.text:
            return self.chars
        if "lowered" not in self.memo:
            self.memo["lowered"] = frozenset(self.lowered)
        return self.memo["lowered"]

    @property
    def letters(self) -> frozenset[str]:
        """The characters of ``core``: letters, digits and Chinese characters."""
        if self._letters is None:
            self._letters = frozenset(self.core)
        return self._letters

    @property
    def core(self) -> str:
        """The reply without punctuation, spaces, emoji or quoted buyer words (for ``whole``)."""
        if self._core is None:
            self._core = _NON_ALNUM.sub("", self.text)
        return self._core

    @property
    def unless_lowered(self) -> str:
        """``unless_text`` lower-cased like the phrases' literals (same length: ``exact``)."""
        text = self.unless_text
        return text if text.isascii() else text.lower()

    @property
    def unless_text(self) -> str:
        """The reply with the boilerplate formulas blanked out (what ``unless`` looks at)."""
        if self._unless_text is None:
            self._unless_text = self.text
            phrases = self.plan.boilerplate if self.plan.reply_index is not None and self.exact else None
            if phrases is not None:
                spans = phrases.spans(self.text, self.lowered)
                if spans:
                    chars = list(self.text)
                    for start, end in spans:
                        chars[start:end] = _MASK * (end - start)
                    self._unless_text = "".join(chars)
            elif self.boilerplate is not None:
                self._unless_text = self.boilerplate.sub(lambda m: _MASK * len(m.group()), self.text)
        return self._unless_text

    def candidates(self) -> int:
        """The triggers worth evaluating, as a bit mask: those whose literals occur in the reply
        (one scan of the multi-pattern index) and those without literals, less the `whole`
        triggers when the reply has a letter none of them allows, less the triggers whose buyer
        condition cannot hold because the buyer's words lack its literals (one scan as well)."""
        plan = self.plan
        if plan.reply_index is None or not self.exact:
            return plan.everything
        mask = plan.always | plan.reply_index.hits(self.lowered)
        if plan.wholes and plan.whole_outside.search(self.text) is not None:
            mask &= ~plan.wholes
        for bit, reply, message, gate, digits in plan.screens:
            if (
                len(self.original) < reply
                or (message and (self.message is None or len(self.message) < message))
                or (gate is not None and gate.search(self.text) is None)
                or (digits and len(self.text) - len(_DIGIT.sub("", self.text)) < digits)
            ):
                mask &= ~bit
        scenario_decides = plan.by_scenario if self.scenario is not None else 0
        for recent, gated in ((False, plan.on_message), (True, plan.on_recent)):
            gated &= mask & ~scenario_decides
            if gated:
                hits = self.buyer_hits(recent)
                if hits is not None:
                    mask &= ~(gated & ~(hits >> plan.shift))
        return mask

    def buyer_hits(self, recent: bool) -> int | None:
        """The buyer-side index's hits on the message (or the recent turns), cached; None when
        there is no message or the prefilter cannot rule (letters like K that ignore-case equates)."""
        key = recent and self.recent is not self.message
        hits = self._hits.get(key, False)
        if hits is False:
            message = self.recent if key else self.message
            if message is None or _CASE_SPECIAL.search(message) is not None:
                hits = None
            else:
                hits = self.plan.when_index.hits(message if message.isascii() else message.lower())
            self._hits[key] = hits
        return hits

    def when_holds(self, when: When) -> bool:
        """``when`` for this reply's buyer side, with the buyer-side index as its prefilter."""
        message = self.recent if when.recent else self.message
        literal = None
        bit = self.plan.whens.get(id(when))
        if bit is not None and not (when.scenarios and self.scenario is not None):
            hits = self.buyer_hits(when.recent)
            if hits is not None:
                literal = bool(hits >> bit & 1)
        return when.holds(self.scenario, message, self.memo, literal, self.plan.reply_index is not None)

    def length(self, key: str) -> int | None:
        """``reply_length``, ``message_length``, ``reply_chars`` or ``message_chars`` (None: no message)."""
        if key not in self._lengths:
            text = self.original if key.startswith("reply") else self.message
            measure = content_length if key.endswith("length") else char_length
            self._lengths[key] = None if text is None else measure(text)
        return self._lengths[key]


def _mask_buyer_quotes(text: str, buyer: _BuyerSide, cues: re.Pattern | None) -> str:
    if _QUOTE_OPEN.search(text) is None:
        return text
    buyer_text = buyer.buyer_text
    spans = []
    for m in _QUOTES.finditer(text):
        inner = m.group()[1:-1]
        words = _NON_ALNUM.sub("", inner)
        before = text[max(0, m.start() - 12) : m.start()]
        if (cues is not None and cues.search(before)) or (len(words) >= 2 and words in _alnum(buyer_text)):
            spans.append(m.span())
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


@functools.lru_cache(maxsize=256)
def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", text)


def _trigger_spans(trigger: Trigger, ctx: _Context, indexed: bool) -> list[tuple[int, int]]:
    """The spans where ``trigger`` fires on the reply (empty when it does not fire); ``indexed``:
    the multi-pattern prefilter has already ruled on this trigger's literals."""
    if not indexed:  # the per-trigger prefilters (the index has ruled on the literals already)
        if trigger.first is not None and ctx.chars.isdisjoint(trigger.first):
            return []
        if (
            trigger.literals is not None
            and ctx.exact
            and not has_literal(ctx.lowered, trigger.literals, ctx.lowered_chars)
        ):
            return []
    else:
        if trigger.gate is not None and trigger.gate.search(ctx.text) is None:
            return []
        if trigger.digits > 2 and len(ctx.text) - len(_DIGIT.sub("", ctx.text)) < trigger.digits:
            return []
    if trigger.whole_outside is not None and trigger.whole_outside.search(ctx.text) is not None:
        return []
    for key, bound in trigger.lengths:  # before `when`: comparing two numbers is cheaper
        if bound.min is not None:  # no count exceeds the raw length: skip counting short text
            raw = ctx.original if key.startswith("reply") else ctx.message
            if raw is None or len(raw) < bound.min:
                return []
        n = ctx.length(key)
        if n is None or not bound.holds(n):
            return []
    when = trigger.when
    if when is not None:
        holds = ctx.memo.get(id(when))
        if holds is None:
            holds = ctx.memo[id(when)] = ctx.when_holds(when)
        if not holds:
            return []
    text = ctx.text
    if trigger.whole is not None:
        core = ctx.core
        if not core or (trigger.whole_first is not None and core[0] not in trigger.whole_first):
            return []
        if not trigger.whole.fullmatch(core):
            return []
        spans = [(0, len(text))]
    elif trigger.find is not None:
        spans = [m.span() for m in trigger.find.finditer(text) if m.end() > m.start()]
        if spans and trigger.except_ is not None:
            excluded = _except_spans(trigger.except_, text)
            spans = [(s, e) for s, e in spans if not _inside(s, e, excluded)]
        if trigger.min_count > 1:
            spans = spans[trigger.min_count - 1 :]
        if not spans:
            return []
    else:
        spans = [(0, len(text))]
    if trigger.unless is not None:
        found = ctx.memo.get(id(trigger.unless))
        if found is None:
            if indexed and trigger.unless_phrases is not None:
                # blanking the boilerplate can only remove matches: look at the raw reply first
                found = trigger.unless_phrases.contains(ctx.text, ctx.lowered) and (
                    trigger.unless_phrases.contains(ctx.unless_text, ctx.unless_lowered)
                )
            else:
                found = trigger.unless.search(ctx.unless_text) is not None
            ctx.memo[id(trigger.unless)] = found
        if found:
            return []
    if (
        trigger.unless_history is not None
        and ctx.buyer.agent_history is not None
        and trigger.unless_history.search(ctx.buyer.agent_history)
    ):
        return []
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of one rule, sorted, with overlapping ones joined: one refusal is one violation even
    when two of the rule's triggers matched parts of it."""
    spans.sort()
    out = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = out[-1]
        if start < last_end or (start, end) == (last_start, last_end):
            out[-1] = (last_start, max(last_end, end))
        else:
            out.append((start, end))
    return out


def _evaluate(ctx: _Context, rules: RuleSet) -> list[Violation]:
    plan = ctx.plan
    indexed = plan.reply_index is not None and ctx.exact
    mask = ctx.candidates()
    by_rule: dict[int, list[tuple[int, int]]] = {}
    while mask:
        low = mask & -mask
        mask ^= low
        position, trigger = plan.triggers[low.bit_length() - 1]
        spans = _trigger_spans(trigger, ctx, indexed)
        if spans:
            by_rule.setdefault(position, []).extend(spans)
    if not by_rule:
        return []
    found: list[tuple[int, int, Violation]] = []
    original = ctx.original
    for position, spans in by_rule.items():
        rule = rules.rules[position]
        for start, end in _merged(spans):
            violation = Violation(
                rule.id, rule.severity, start, end, original[start:end], rule.message, rule.guidance
            )
            found.append((start, position, violation))
    found.sort(key=lambda item: (item[0], item[1]))
    return [v for _, _, v in found]


def check(
    reply: str,
    message: str | None = None,
    history: Sequence[Any] | None = None,
    *,
    rules: RuleSet,
    scenario: str | None = None,
    fix: bool = True,
) -> CheckResult:
    """Judge one agent reply against the checklist.

    Args:
        reply: the agent's reply (any text; an empty reply passes, there is nothing to judge).
        message: the buyer message it answers, when known (rules with buyer-side conditions use it).
        history: earlier turns, oldest first: ``Turn``/``ChatTurn`` records, ``{"role", "text"}``
            dicts, ``(role, text)`` pairs or plain strings (buyer turns). Buyer turns help recognise
            quoted buyer words and complaints made just before (``when.recent``); agent turns
            satisfy ``unless_history`` (an apology made earlier).
        rules: the compiled rules (``corpus.rules`` or ``load_checklist(path)``).
        scenario: the buyer's scenario id when the caller already knows it (``suggest`` does);
            it then decides every ``when`` that lists scenarios, instead of the message's cues.
        fix: also compute the reply with the safe fixes applied (audits, which never show it,
            turn this off to save time).

    Returns:
        The ``CheckResult``; violation spans are character offsets into ``reply`` as given.
    """
    if not isinstance(reply, str):
        from .errors import InputError

        raise InputError(f"the reply must be text, not {type(reply).__name__}")
    if message is not None and not isinstance(message, str):
        message = str(message)
    buyer = _BuyerSide.of(
        message, history if isinstance(history, list) else list(history or ()), scenario, rules
    )
    ctx = _Context(reply, buyer, rules)
    violations = _evaluate(ctx, rules)
    fixed, fixes, unfixed = _fix(reply, buyer, ctx.text, rules, violations) if fix else (None, [], [])
    passed = not any(v.severity in BLOCKING for v in violations)
    return CheckResult(reply, passed, tuple(violations), fixed, tuple(fixes), tuple(unfixed))


def _edits_for(rule: Rule, violations: list[Violation], reply: str, ctx_text: str) -> list[Fix]:
    spec = rule.fix
    if spec is None:
        return []
    if spec.kind == "reply":
        return [Fix(rule.id, 0, len(reply), reply, spec.text)]
    if spec.kind == "prepend":
        at = 0
        if spec.after is not None:
            m = spec.after.match(ctx_text)
            if m:
                at = m.end()
        return [Fix(rule.id, at, at, "", spec.text)]
    edits = []
    for v in violations:
        if v.rule != rule.id or v.end <= v.start:
            continue
        after = spec.text if spec.kind == "replace" else v.text[0]
        if after != v.text:
            edits.append(Fix(rule.id, v.start, v.end, v.text, after))
    return edits


def _apply(reply: str, edits: Sequence[Fix]) -> str:
    out = reply
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: edit.start] + edit.after + out[edit.end :]
    return out


def _overlap(edits: Sequence[Fix]) -> bool:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end or (a.start == a.end == b.start == b.end):
            return True
    return False


def _fix(
    reply: str, buyer: _BuyerSide, masked: str, rules: RuleSet, violations: list[Violation]
) -> tuple[str | None, list[Fix], list[str]]:
    """Apply the safe fixes one rule at a time, keeping a rule's fixes only when the result no
    longer breaks that rule (nor any rule fixed before it) and breaks no rule the reply did not
    break already. So a fix can never introduce a violation. The fixed reply is offered only when
    it passes; otherwise ``(None, [], rules whose fix was withheld)``: an apology in front of rude
    text, or 您 in a reply that stays rude, is no fix, the reply needs rewriting."""
    broken = {v.rule for v in violations}
    fixable = [r for r in rules.rules if r.fix is not None and r.id in broken]
    if not fixable:
        return None, [], []
    # whole-reply fixes first: when one holds, the other edits are moot
    fixable.sort(key=lambda r: r.fix.kind != "reply")
    accepted: list[Fix] = []
    done: set[str] = set()
    after: list[Violation] = violations
    for rule in fixable:
        edits = _edits_for(rule, violations, reply, masked)
        trial = accepted + edits
        if not edits or _overlap(trial):
            continue
        candidate = _apply(reply, trial)
        found = _evaluate(_Context(candidate, buyer, rules), rules)
        rules_after = {v.rule for v in found}
        if rule.id in rules_after or rules_after & done or not rules_after <= broken:
            continue
        accepted = trial
        done.add(rule.id)
        after = found
    if not accepted:
        return None, [], []
    if any(v.severity in BLOCKING for v in after):
        return None, [], sorted(done, key=[r.id for r in rules.rules].index)
    return _apply(reply, accepted), sorted(accepted, key=lambda e: e.start), []


# ----------------------------------------------------------------------------- loading


class _Locator:
    """Line numbers of rules and keys in the TOML text (tomllib does not report them)."""

    _RULE = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
    _TRIGGER = re.compile(r"^\s*\[\[\s*rule\.trigger\s*\]\]")

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.rule_lines = [i for i, line in enumerate(self.lines) if self._RULE.match(line)]

    def _block(self, index: int) -> tuple[int, int]:
        if index >= len(self.rule_lines):
            return 0, len(self.lines)
        start = self.rule_lines[index]
        end = self.rule_lines[index + 1] if index + 1 < len(self.rule_lines) else len(self.lines)
        return start, end

    def rule(self, index: int) -> int | None:
        return self.rule_lines[index] + 1 if index < len(self.rule_lines) else None

    def key(
        self, index: int | None, key: str, trigger: int | None = None, needle: str | None = None
    ) -> int | None:
        """The line of ``key`` (or of the text ``needle``) in rule ``index`` (or the whole file)."""
        start, end = self._block(index) if index is not None else (0, len(self.lines))
        if trigger is not None:
            headers = [i for i in range(start, end) if self._TRIGGER.match(self.lines[i])]
            if trigger < len(headers):
                start = headers[trigger]
                end = headers[trigger + 1] if trigger + 1 < len(headers) else end
        if needle:
            escaped = needle.replace("\\", "\\\\").replace('"', '\\"')
            # the quoted phrase first: "我不知道" must not be found inside "这个我不知道"
            for variant in (f'"{escaped}"', f"'{needle}'", escaped, needle):
                for i in range(start, end):
                    if variant in self.lines[i]:
                        return i + 1
        pattern = re.compile(
            rf"^\s*(?:[\w.]+\.)?{re.escape(key)}\s*=|^\s*\[\[?\s*(?:rule\.)?{re.escape(key)}\s*\]"
        )
        for i in range(start, end):
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1 if index is not None and index < len(self.rule_lines) else None


class _Loader:
    """Validates the parsed TOML and compiles it, collecting every problem."""

    def __init__(self, path: Path, text: str, data: dict, guidance_ids: set[str] | None):
        self.path = str(path)
        self.where = _Locator(text)
        self.data = data
        self.guidance_ids = guidance_ids
        self.problems: list[Problem] = []
        self.lists: dict[str, Any] = {}
        self.expanded: dict[str, tuple[list[str], list[str]]] = {}
        self.scenarios = _scenario_ids(path.parent / "taxonomy.toml")
        # identical phrase lists and conditions compile to one object, so a check can share results
        self.compiled: dict[str, re.Pattern] = {}
        self.whens: dict[When, When] = {}

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    # ----------------------------------------------------------------- phrases

    def expand(
        self, items: Any, line: int | None, what: str, stack: tuple[str, ...] = ()
    ) -> tuple[list[str], list[str]]:
        """Literal words and regexes of a phrase list, with ``@list`` references resolved."""
        from .taxonomy import did_you_mean

        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            self.problem(line, f"{what} must be a list of strings")
            return [], []
        words: list[str] = []
        regexes: list[str] = []
        for item in items:
            if item.startswith("@"):
                name = item[1:]
                if name in stack:
                    self.problem(line, f"{what}: list @{name} refers to itself")
                    continue
                if name not in self.lists:
                    self.problem(line, f"{what}: unknown list {item!r}{did_you_mean(name, list(self.lists))}")
                    continue
                if name not in self.expanded:
                    list_line = self.where.key(None, name)
                    self.expanded[name] = self.expand(
                        self.lists[name], list_line, f"list {name!r}", (*stack, name)
                    )
                w, r = self.expanded[name]
                words.extend(w)
                regexes.extend(r)
            elif item.startswith("re:"):
                pattern = item[3:].translate(_FOLD_REGEX)
                try:
                    compiled = re.compile(pattern)
                except re.error as exc:
                    self.problem(
                        self.where.key(None, "", needle=item) or line, f"{what}: bad regex {item!r}: {exc}"
                    )
                    continue
                if compiled.fullmatch(""):  # it would match everywhere
                    self.problem(line, f"{what}: regex {item!r} matches empty text")
                    continue
                regexes.append(pattern)
            elif item == "":
                self.problem(line, f"{what}: empty phrase")
            else:
                words.append(fold(item))
        return words, regexes

    def compile(
        self, items: Any, line: int | None, what: str, overlapping: bool = False
    ) -> re.Pattern | None:
        """One regex for a phrase list (regexes first, then words longest first); with
        ``overlapping`` it is a lookahead whose group 1 is the match (for ``except`` lists)."""
        if items is None:
            return None
        words, regexes = self.expand(items, line, what)
        parts = [f"(?:{r})" for r in regexes]
        parts += [re.escape(w) for w in sorted(set(words), key=len, reverse=True)]
        if not parts:
            return None
        joined = "|".join(parts)
        if overlapping:
            joined = f"(?=({joined}))"
        if joined in self.compiled:
            return self.compiled[joined]
        try:
            self.compiled[joined] = re.compile(joined, re.IGNORECASE)
            return self.compiled[joined]
        except re.error as exc:  # a regex that compiles alone but not in company (e.g. global flags)
            self.problem(line, f"{what}: bad regex: {exc}")
            return None

    def phrase_list(self, items: Any, line: int | None, what: str) -> PhraseList | None:
        """The phrases of a list for ``PhraseList`` search (shared by identical lists)."""
        words, regexes = self.expand(items, line, what)
        key = ("phrases", tuple(words), tuple(regexes))
        if key not in self.compiled:
            try:
                self.compiled[key] = PhraseList.build(sorted(set(words)), regexes)
            except re.error:  # reported by compile() already
                self.compiled[key] = None
        return self.compiled[key]

    # ----------------------------------------------------------------- parts

    def unknown_keys(
        self, table: dict, known: Sequence[str], index: int | None, what: str, trigger: int | None = None
    ) -> None:
        from .taxonomy import did_you_mean

        for key in table:
            if key not in known:
                line = self.where.key(index, key, trigger)
                self.problem(line, f"{what}: unknown key {key!r}{did_you_mean(key, list(known))}")

    def length(self, value: Any, index: int, key: str, what: str, trigger: int | None) -> Length | None:
        if value is None:
            return None
        line = self.where.key(index, key, trigger)
        if not isinstance(value, dict):
            self.problem(line, f"{what}: {key} must be a table like {{ min = 20 }} or {{ max = 2 }}")
            return None
        self.unknown_keys(value, LENGTH_KEYS, index, f"{what} {key}", trigger)
        bounds = {}
        for k in LENGTH_KEYS:
            v = value.get(k)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                self.problem(line, f"{what}: {key}.{k} must be a whole number ≥ 0")
                return None
            bounds[k] = v
        if bounds["min"] is None and bounds["max"] is None:
            self.problem(line, f"{what}: {key} needs min or max")
            return None
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            self.problem(line, f"{what}: {key} min {bounds['min']} is larger than max {bounds['max']}")
            return None
        return Length(bounds["min"], bounds["max"])

    def when(self, value: Any, index: int, what: str, trigger: int | None) -> When | None:
        from .taxonomy import did_you_mean

        if value is None:
            return None
        line = self.where.key(index, "when", trigger)
        if not isinstance(value, dict):
            self.problem(line, f"{what}: when must be a table (scenario, message, except, unknown)")
            return None
        self.unknown_keys(value, WHEN_KEYS, index, f"{what} when", trigger)
        scenarios = value.get("scenario", [])
        if isinstance(scenarios, str):
            scenarios = [scenarios]
        if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
            self.problem(line, f"{what}: when.scenario must be a list of scenario ids")
            scenarios = []
        if self.scenarios:
            for s in scenarios:
                if s not in self.scenarios:
                    self.problem(
                        self.where.key(index, "scenario", trigger, needle=s) or line,
                        f"{what}: unknown scenario {s!r}{did_you_mean(s, self.scenarios)}",
                    )
        unknown = value.get("unknown", False)
        if not isinstance(unknown, bool):
            self.problem(line, f"{what}: when.unknown must be true or false")
            unknown = False
        message = self.compile(value.get("message"), line, f"{what} when.message")
        if not scenarios and message is None:
            self.problem(line, f"{what}: when needs a scenario list or message phrases")
            return None
        recent = value.get("recent", False)
        if not isinstance(recent, bool):
            self.problem(line, f"{what}: when.recent must be true or false")
            recent = False
        except_ = self.compile(value.get("except"), line, f"{what} when.except", overlapping=True)
        literals = required_literals(message) if message is not None else None
        when = When(
            frozenset(scenarios),
            message,
            except_,
            unknown,
            recent,
            by_first(literals),
            self.phrase_list(value.get("message"), line, what) if message is not None else None,
            self.phrase_list(value.get("except"), line, what) if except_ is not None else None,
        )
        return self.whens.setdefault(when, when)

    def trigger(self, table: dict, index: int, what: str, trigger: int | None) -> Trigger | None:
        def line_of(key: str) -> int | None:
            return self.where.key(index, key, trigger)

        find = self.compile(table.get("find"), line_of("find"), f"{what} find")
        whole = self.compile(table.get("whole"), line_of("whole"), f"{what} whole")
        if find is not None and whole is not None:
            self.problem(line_of("whole"), f"{what}: use either find or whole, not both")
        min_count = table.get("min_count", 1)
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            self.problem(line_of("min_count"), f"{what}: min_count must be a whole number ≥ 1")
            min_count = 1
        result = Trigger(
            find=find,
            whole=whole,
            except_=self.compile(table.get("except"), line_of("except"), f"{what} except", overlapping=True),
            unless=self.compile(table.get("unless"), line_of("unless"), f"{what} unless"),
            unless_history=self.compile(
                table.get("unless_history"), line_of("unless_history"), f"{what} unless_history"
            ),
            min_count=min_count,
            reply_length=self.length(table.get("reply_length"), index, "reply_length", what, trigger),
            message_length=self.length(table.get("message_length"), index, "message_length", what, trigger),
            reply_chars=self.length(table.get("reply_chars"), index, "reply_chars", what, trigger),
            message_chars=self.length(table.get("message_chars"), index, "message_chars", what, trigger),
            when=self.when(table.get("when"), index, what, trigger),
            first=first_chars(find) if find is not None else None,
            whole_first=first_chars(whole) if whole is not None else None,
            whole_alphabet=alphabet(whole) if whole is not None else None,
            whole_outside=_outside(alphabet(whole)) if whole is not None else None,
            unless_phrases=self.phrase_list(table.get("unless"), line_of("unless"), f"{what} unless")
            if table.get("unless") is not None
            else None,
            gate=start_class(find) if find is not None and required_literals(find) is None else None,
            digits=min_digits(find) if find is not None and required_literals(find) is None else 0,
            literals=by_first(required_literals(find)) if find is not None else None,
        )
        keys = ("message_length", "message_chars", "reply_length", "reply_chars")
        result = dataclasses.replace(
            result, lengths=tuple((k, getattr(result, k)) for k in keys if getattr(result, k) is not None)
        )
        if (
            result.find is None
            and result.whole is None
            and result.when is None
            and result.reply_length is None
            and result.message_length is None
            and result.reply_chars is None
            and result.message_chars is None
            and "find" not in table
            and "whole" not in table
        ):
            self.problem(
                line_of("trigger") or self.where.rule(index),
                f"{what}: nothing to match (add find, whole, when or a length)",
            )
            return None
        return result

    def fix(self, value: Any, index: int, what: str) -> FixSpec | None:
        from .taxonomy import did_you_mean

        if value is None:
            return None
        line = self.where.key(index, "fix")
        if not isinstance(value, dict):
            self.problem(line, f'{what}: fix must be a table, e.g. {{ replace = "您" }}')
            return None
        self.unknown_keys(value, FIX_KEYS, index, f"{what} fix")
        kinds = [k for k in FIX_KINDS if k in value]
        if len(kinds) != 1:
            self.problem(line, f"{what}: fix needs exactly one of {', '.join(FIX_KINDS)}")
            return None
        kind = kinds[0]
        text = value[kind]
        if kind == "collapse":
            if text is not True:
                self.problem(line, f"{what}: fix.collapse must be true")
                return None
            text = ""
        elif not isinstance(text, str) or (kind != "replace" and not text.strip()):
            self.problem(line, f"{what}: fix.{kind} must be text")
            return None
        after = None
        if "after" in value:
            if kind != "prepend":
                self.problem(
                    line, f"{what}: fix.after only goes with prepend{did_you_mean('after', ['prepend'])}"
                )
            after = self.compile(value["after"], line, f"{what} fix.after")
        return FixSpec(kind, text, after)

    def examples(self, value: Any, index: int, key: str, what: str) -> tuple[Example, ...]:
        if value is None:
            return ()
        line = self.where.key(index, key)
        if not isinstance(value, list):
            self.problem(line, f"{what}: {key} must be a list of replies or {{ reply, message }} tables")
            return ()
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(Example(item))
            elif isinstance(item, dict) and isinstance(item.get("reply"), str):
                self.unknown_keys(item, EXAMPLE_KEYS, index, f"{what} {key}")
                history = item.get("history") or []
                out.append(Example(item["reply"], item.get("message"), item.get("scenario"), tuple(history)))
            else:
                self.problem(
                    line, f'{what}: each of {key} is a reply or a {{ reply = "...", message = "..." }} table'
                )
        return tuple(out)

    def rule(self, table: Any, index: int, seen: dict[str, int]) -> Rule | None:
        from .taxonomy import did_you_mean

        head = self.where.rule(index)
        if not isinstance(table, dict):
            self.problem(head, "each [[rule]] must be a table")
            return None
        rule_id = table.get("id")
        what = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
        before = len(self.problems)
        self.unknown_keys(table, RULE_KEYS, index, what)
        for key in ("id", "severity", "message", "guidance"):
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    self.where.key(index, key) if key in table else head, f"{what}: missing or empty {key!r}"
                )
        if isinstance(rule_id, str) and rule_id:
            if not _RULE_ID.match(rule_id):
                self.problem(
                    self.where.key(index, "id"),
                    f"{what}: id must be lower-case words joined by dots (e.g. tone.blame)",
                )
            if rule_id in seen:
                self.problem(
                    self.where.key(index, "id"),
                    f"duplicate rule id {rule_id!r} (first at line {seen[rule_id]})",
                )
            else:
                seen[rule_id] = head or 0
        severity = table.get("severity")
        if isinstance(severity, str) and severity and severity not in SEVERITIES:
            self.problem(
                self.where.key(index, "severity"),
                f"{what}: unknown severity {severity!r}{did_you_mean(severity, SEVERITIES)} (error, warn or info)",
            )
        guidance = table.get("guidance")
        if (
            isinstance(guidance, str)
            and guidance
            and self.guidance_ids is not None
            and guidance not in self.guidance_ids
        ):
            self.problem(
                self.where.key(index, "guidance"),
                f"{what}: unknown guidance section {guidance!r}{did_you_mean(guidance, sorted(self.guidance_ids))}",
            )
        defaults = {k: v for k, v in table.items() if k in TRIGGER_KEYS}
        triggers: list[Trigger] = []
        blocks = table.get("trigger")
        if blocks is None:
            t = self.trigger(defaults, index, what, None)
            if t is not None:
                triggers.append(t)
        elif not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            self.problem(self.where.key(index, "trigger"), f"{what}: trigger must be [[rule.trigger]] tables")
        else:
            for j, block in enumerate(blocks):
                self.unknown_keys(block, TRIGGER_KEYS, index, f"{what} trigger {j + 1}", j)
                t = self.trigger({**defaults, **block}, index, f"{what} trigger {j + 1}", j)
                if t is not None:
                    triggers.append(t)
        fix = self.fix(table.get("fix"), index, what)
        fires = self.examples(table.get("fires"), index, "fires", what)
        passes = self.examples(table.get("passes"), index, "passes", what)
        description = table.get("description", "")
        if len(self.problems) > before or not triggers:
            return None
        return Rule(
            id=rule_id,
            severity=severity,
            message=table["message"].strip(),
            guidance=guidance,
            triggers=tuple(triggers),
            fix=fix,
            description=description if isinstance(description, str) else "",
            fires=fires,
            passes=passes,
            path=self.path,
            line=head or 0,
        )

    def load(self) -> RuleSet:
        from .taxonomy import did_you_mean

        for key in self.data:
            if key not in TOP_KEYS:
                self.problem(
                    self.where.key(None, key), f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}"
                )
        lists = self.data.get("lists", {})
        if not isinstance(lists, dict):
            self.problem(self.where.key(None, "lists"), '[lists] must be a table of name = ["phrase", ...]')
            lists = {}
        for name in lists:
            if not _LIST_NAME.match(name):
                self.problem(
                    self.where.key(None, name), f"list name {name!r} may only hold letters, digits and _"
                )
        self.lists = lists
        for name, items in lists.items():  # report problems in unused lists too
            if name not in self.expanded:
                self.expanded[name] = self.expand(
                    items, self.where.key(None, name), f"list {name!r}", (name,)
                )
        quotes = self.data.get("quotes", {})
        quote_cues = None
        if not isinstance(quotes, dict):
            self.problem(self.where.key(None, "quotes"), "[quotes] must be a table")
        else:
            self.unknown_keys(quotes, QUOTE_KEYS, None, "[quotes]")
            cues = self.compile(quotes.get("cues"), self.where.key(None, "cues"), "[quotes] cues")
            if cues is not None:
                quote_cues = re.compile(rf"(?:{cues.pattern})[的了过是]?[:：,，\s]*$", re.IGNORECASE)
        context_empty = self.section("context", CONTEXT_KEYS, "empty")
        context_hold = self.section("context", CONTEXT_KEYS, "hold")
        boilerplate = self.section("boilerplate", BOILERPLATE_KEYS, "phrases")
        raw_rules = self.data.get("rule", [])
        if not isinstance(raw_rules, list):
            self.problem(self.where.key(None, "rule"), "rules must be written as [[rule]] tables")
            raw_rules = []
        if not raw_rules:
            self.problem(None, "no [[rule]] defined")
        seen: dict[str, int] = {}
        rules = [r for i, table in enumerate(raw_rules) if (r := self.rule(table, i, seen)) is not None]
        phrases = (
            self.data.get("boilerplate", {}).get("phrases")
            if isinstance(self.data.get("boilerplate"), dict)
            else None
        )
        ruleset = RuleSet(
            tuple(rules),
            quote_cues,
            self.path,
            context_empty,
            boilerplate,
            self.phrase_list(phrases, None, "[boilerplate] phrases") if boilerplate is not None else None,
            context_hold=context_hold,
            is_hold=_hold_test(context_hold) if context_hold is not None else None,
        )
        self.check_examples(ruleset)
        return ruleset

    def section(self, name: str, keys: Sequence[str], key: str) -> re.Pattern | None:
        """The phrase list ``key`` of the top-level table ``name`` (``[context]``, ``[boilerplate]``),
        compiled; None when the table is absent."""
        table = self.data.get(name, {})
        if not isinstance(table, dict):
            self.problem(self.where.key(None, name), f"[{name}] must be a table")
            return None
        self.unknown_keys(table, keys, None, f"[{name}]")
        return self.compile(table.get(key), self.where.key(None, key), f"[{name}] {key}")

    def check_examples(self, ruleset: RuleSet) -> None:
        """Every rule's ``fires`` examples must fire it, its ``passes`` examples must not."""
        for index, rule in enumerate(ruleset.rules):
            raw_index = next(
                (
                    i
                    for i, t in enumerate(self.data.get("rule", []))
                    if isinstance(t, dict) and t.get("id") == rule.id
                ),
                index,
            )
            for key, examples, expected in (("fires", rule.fires, True), ("passes", rule.passes, False)):
                for example in examples:
                    try:
                        result = check(
                            example.reply,
                            example.message,
                            list(example.history),
                            rules=ruleset,
                            scenario=example.scenario,
                        )
                    except Exception as exc:  # noqa: BLE001 - a broken example must be reported, not crash the load
                        self.problem(
                            self.where.key(raw_index, key),
                            f"rule {rule.id!r}: example {example.reply!r} cannot be checked ({exc})",
                        )
                        continue
                    fired = rule.id in result.rules
                    if fired != expected:
                        verb = "should fire but does not" if expected else "should not fire but does"
                        context = f" (buyer: {example.message!r})" if example.message else ""
                        self.problem(
                            self.where.key(raw_index, key, needle=example.reply)
                            or self.where.key(raw_index, key),
                            f"rule {rule.id!r}: example {example.reply!r}{context} {verb}",
                        )


def _scenario_ids(path: Path) -> tuple[str, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        builtin = tuple(s["id"] for s in data.get("scenario", []) if isinstance(s, dict) and "id" in s)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    from .taxonomy import shop_scenarios  # a shop's own scenarios (shop.toml) are valid in rules too

    return builtin + tuple(
        s.id for s in shop_scenarios(path.parent / "shop.toml", (), dict(data.get("stages", {})), [])
    )


_TOML_LINE = re.compile(r"line (\d+)")


def load_rules(path: Path, guidance_ids: set[str] | None = None) -> tuple[RuleSet, list[Problem]]:
    """Read, validate and compile ``checklist.toml``.

    Args:
        path: the rules file.
        guidance_ids: the guidance section ids of the corpus; when given, every rule's
            ``guidance`` must be one of them.

    Returns:
        ``(rules, problems)``: the rules that are valid and every problem found, each as
        ``path:line: message`` (unknown keys and ids come with the closest valid one).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return RuleSet(path=str(path)), [Problem(str(path), None, "checklist file not found")]
    except UnicodeDecodeError:
        return RuleSet(path=str(path)), [Problem(str(path), None, "not UTF-8 text; save the file as UTF-8")]
    except OSError as exc:
        return RuleSet(path=str(path)), [Problem(str(path), None, f"cannot read file ({exc.strerror})")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        return RuleSet(path=str(path)), [
            Problem(str(path), int(m.group(1)) if m else None, f"not valid TOML: {exc}")
        ]
    loader = _Loader(path, text, data, guidance_ids)
    rules = loader.load()
    return rules, loader.problems


def load_checklist(path: str | Path, guidance_ids: set[str] | None = None) -> RuleSet:
    """``load_rules`` for callers that want the rules or an error (benchmarks, tests, notebooks).

    Raises:
        ChecklistError: the file has problems (the first one, with a count of the rest).
    """
    rules, problems = load_rules(Path(path), guidance_ids)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ChecklistError(f"{problems[0]}{more}")
    return rules


# ----------------------------------------------------------------------------- rendering

# shown when a safe fix exists but the fixed reply would still not pass
REWRITE_NOTE = "只做安全修正仍不合格，请按上面的提示改写 rewrite the reply as the messages above say"

_SEVERITY_RANK = {"info": 1, "warn": 2, "error": 3}
_HTML_COLOURS = {"error": "#ffcdd2", "warn": "#ffe0b2", "info": "#bbdefb"}
_RICH_STYLES = {"error": "bold white on red", "warn": "black on yellow", "info": "underline blue"}
_SEVERITY_ZH = {"error": "错误", "warn": "警告", "info": "提示"}


def _is_whole(v: Violation, reply: str) -> bool:
    return v.start == 0 and v.end == len(reply) and len(reply) > 0


def _segments(
    reply: str, violations: Sequence[Violation]
) -> list[tuple[str, str | None, tuple[Violation, ...]]]:
    """Split ``reply`` into runs with the most severe violation covering each (whole-reply
    violations are listed, not highlighted)."""
    marks: list[list[Violation]] = [[] for _ in reply]
    for v in violations:
        if _is_whole(v, reply) and len(reply) > 4:
            continue
        for i in range(max(0, v.start), min(len(reply), v.end)):
            marks[i].append(v)
    out: list[tuple[str, str | None, tuple[Violation, ...]]] = []
    for i, ch in enumerate(reply):
        here = tuple(marks[i])
        severity = max((v.severity for v in here), key=lambda s: _SEVERITY_RANK.get(s, 0)) if here else None
        if out and out[-1][1] == severity and out[-1][2] == here:
            out[-1] = (out[-1][0] + ch, severity, here)
        else:
            out.append((ch, severity, here))
    return out


def _where(v: Violation, reply: str) -> str:
    return "整条回复 whole reply" if _is_whole(v, reply) else f"「{v.text}」 {v.start}–{v.end}"


def render_text(reply: str, violations: Sequence[Violation]) -> str:
    """The reply as plain text with each offending span wrapped in 【】 (for logs and notebooks)."""
    parts = []
    for text, severity, _ in _segments(reply, violations):
        parts.append(f"【{text}】" if severity else text)
    return "".join(parts)


def render_html(
    reply: str,
    violations: Sequence[Violation],
    *,
    details: bool = False,
    guidance_titles: dict[str, str] | None = None,
) -> str:
    """The reply as escaped HTML with each offending span highlighted (colour by severity, the
    rule and message in its ``title``).

    Args:
        reply: the reply the violations were found in.
        violations: its violations (``CheckResult.violations``).
        details: also list each violation (severity, rule, span, message, guidance) under the reply.
        guidance_titles: guidance section titles by id, shown next to the ids.

    Returns:
        An HTML fragment (``<div class="checklist">``); all text is escaped.
    """
    esc = functools.partial(html.escape, quote=True)
    body = []
    for text, severity, here in _segments(reply, violations):
        if severity is None:
            body.append(esc(text))
            continue
        title = "; ".join(f"{v.rule}: {v.message}" for v in here)
        body.append(
            f'<mark class="checklist-{esc(severity)}" style="background:{_HTML_COLOURS.get(severity, "#eee")};'
            f'padding:0 1px" title="{esc(title)}">{esc(text)}</mark>'
        )
    out = [f'<div class="checklist"><div class="checklist-reply">{"".join(body)}</div>']
    if details and violations:
        items = []
        for v in violations:
            guidance = esc(v.guidance)
            if guidance_titles and v.guidance in guidance_titles:
                guidance += f" {esc(guidance_titles[v.guidance])}"
            items.append(
                f'<li><b class="checklist-{esc(v.severity)}">{esc(v.severity)} {esc(v.rule)}</b> '
                f"{esc(_where(v, reply))}: {esc(v.message)} <small>→ {guidance}</small></li>"
            )
        out.append(f'<ul class="checklist-violations">{"".join(items)}</ul>')
    out.append("</div>")
    return "".join(out)


def render_rich(result: CheckResult, guidance_titles: dict[str, str] | None = None):
    """A rich renderable of a check: the reply with offending spans highlighted, then each
    violation with its message and guidance section, then the fixed reply (for the terminal)."""
    from rich.console import Group
    from rich.text import Text

    reply = result.reply
    line = Text()
    for text, severity, _ in _segments(reply, result.violations):
        line.append(text, style=_RICH_STYLES.get(severity, "") if severity else "")
    parts: list[Any] = [line]
    for n, v in enumerate(result.violations, start=1):
        head = Text(f"{n}. ")
        head.append(
            f"{_SEVERITY_ZH.get(v.severity, v.severity)} {v.severity}", style=_RICH_STYLES.get(v.severity, "")
        )
        head.append(f" {v.rule} {_where(v, reply)}")
        parts.append(head)
        parts.append(Text(f"   {v.message}"))
        title = f" {guidance_titles[v.guidance]}" if guidance_titles and v.guidance in guidance_titles else ""
        parts.append(Text(f"   指引 guidance: {v.guidance}{title}", style="dim"))
    if result.fixed is not None:
        parts.append(Text(f"建议改为 fixed: {result.fixed}", style="green"))
    elif result.unfixed:
        parts.append(Text(f"无一键修正 no safe fix: {REWRITE_NOTE}", style="yellow"))
    verdict = "✓ 通过 passed" if result.passed else "✗ 未通过 not passed"
    count = f" ({len(result.violations)} 处 violations)" if result.violations else ""
    parts.append(Text(verdict + count, style="bold green" if result.passed else "bold red"))
    return Group(*parts)
