"""The checklist's matching: the buyer side and the reply prepared once per check (folded, buyer
quotes masked, recent turns joined), trigger evaluation behind the prefilters, and ``check``."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from .checklist_fix import _fix
from .checklist_rules import (
    BLOCKING,
    CheckResult,
    RuleSet,
    Trigger,
    Violation,
    When,
    _except_spans,
    _inside,
    _outside,
)
from .checklist_text import _CASE_SPECIAL, _NON_ALNUM, char_length, content_length, fold
from .prefilter import alphabet, has_literal

# Quoted stretches of a reply; whether one holds the buyer's words is decided per quote.
_DIGIT = re.compile(r"\d")
_QUOTE_OPEN = re.compile('[“「『"‘]')
_QUOTES = re.compile(r"“[^”\n]{1,80}”|「[^」\n]{1,80}」|『[^』\n]{1,80}』|\"[^\"\n]{1,80}\"|‘[^’\n]{1,80}’")
_MASK = "\x00"

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
    if (
        trigger.unless_message is not None
        and ctx.buyer.message is not None
        and trigger.unless_message.search(ctx.buyer.message)
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
    fixed, fixes, unfixed = (
        _fix(
            reply,
            ctx.text,
            rules,
            violations,
            lambda candidate: _evaluate(_Context(candidate, buyer, rules), rules),
        )
        if fix
        else (None, [], [])
    )
    passed = not any(v.severity in BLOCKING for v in violations)
    return CheckResult(reply, passed, tuple(violations), fixed, tuple(fixes), tuple(unfixed))
