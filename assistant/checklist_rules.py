"""The checklist's records: the results of a check (``Violation``, ``Fix``, ``CheckResult``), the
compiled rules (``Rule``, ``Trigger``, ``When``, ``RuleSet``) and the prefilter plan a rule set is
checked by (the multi-pattern literal indexes over its triggers and buyer-side conditions)."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checklist_text import _CASE_SPECIAL
from .prefilter import CASE_SPECIALS, LiteralIndex, PhraseList, has_literal

SEVERITIES = ("error", "warn", "info")
# ``passed`` is False when any violation has one of these severities; ``info`` never blocks a reply.
BLOCKING = ("error", "warn")

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
    # the buyer message (the last one) holds one of these: the reply answers a kind of question the
    # trigger does not apply to (a no to what the product can do is an answer, not a refusal)
    unless_message: re.Pattern | None = None
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
