"""What the agent already said that the buyer's newest message builds on (issue 12).

A buyer often answers the agent's fact with a follow-up: 为啥 那要几天 after 刀具只能发邮政EMS, 明天什么
时候到 after 京东快递 明天到, 那多久用一次 after 5kg的狗建议使用2-10kg规格. A reply must build on that
fact: one that states a time of its own for the same step (发出后一般2到4天能到 after 明天到; 4点前付款当天
发 after 5点前付款当天发) contradicts the agent, and a reply that holds, or answers when without it, says
the agent's fact back first, so the buyer sees the agent remembers what was said. The agent's turn is
read by its structure (clauses, their typed facts, the step a time belongs to, the words a clause shares
with the buyer's message); the few words this needs live in ``intents.toml [agent_said]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .facts import Fact

# the kinds of fact that say when (a day, a time, how long)
WHEN_KINDS = frozenset({"date", "duration", "time"})
# facts that are no fact the agent stated about the goods (an order event, a person, the item's name)
_NO_FACT = frozenset({"order_event", "person", "occasion", "item"})
_CLAUSES = re.compile(r"[\s，,。！!？?；;~～、]+")
_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
# a clause that is a price and nothing else (29.9 in 亲 29.9 包邮)
_BARE_PRICE = re.compile(r"\d+(?:\.\d+)?\s*(?:元|块)?")


@dataclass(frozen=True)
class AgentSaidRules:
    """The words of ``intents.toml [agent_said]``."""

    skip: re.Pattern  # an agent clause that asks, asks for something or holds states no fact (请问 / 稍等)
    particles: re.Pattern  # the talk around a clause (亲 / 哦), left out when it is said back
    timing: re.Pattern  # the buyer asks when or how long (几天 / 多久 / 什么时候 / 几号 / 来得及)
    continues: re.Pattern  # a message going on from the agent's turn (那… / 为啥): builds on it
    # a message asking how long about something that is no step of the order (保质期多久 / 续航多久)
    not_timing: re.Pattern | None = None
    # the steps a time belongs to, by the words around it (发出 → dispatch, 到 → arrival, 到账 → refund)
    steps: dict[str, re.Pattern] = field(default_factory=dict)
    # a clause of the agent's stating an offer (活动价499 / 还送鞋油一支 / 领券减20), built on by a buyer
    # haggling or hesitating (the message's scenario one of ``offer_scenarios``)
    offer: re.Pattern | None = None
    offer_scenarios: frozenset[str] = frozenset()
    lead: re.Pattern | None = None  # words joining a clause to the one before it (还 / 且), left out
    # characters that make a shared pair of characters no word of substance (的 / 这 / 可以)
    function_chars: str = ""
    named: str = "按刚才说的，{said}；"  # said after the opening of a reply that builds on it
    turns: int = 3  # the agent's turn is one of this many turns before the message
    min_chars: int = 4  # the agent's words said back at least (明天 alone is no fact said back)
    max_chars: int = 30  # and at most (longer: only the clauses with facts)


@dataclass(frozen=True)
class When:
    """A time the agent or a reply states, and the step of the order it is the time of."""

    value: str
    step: str


@dataclass(frozen=True)
class AgentSaid:
    """The agent's clauses the buyer's newest message builds on."""

    said: str  # the clauses, joined by ，, in the agent's words
    values: tuple[str, ...]  # the facts stated in them that the buyer did not say (7天, 韵达)
    when: tuple[When, ...]  # the times among them, each with its step
    timing: bool  # the buyer asks when or how long, and these clauses say when or by which courier
    turn: int  # the agent's turn
    buyer: str = ""  # what the buyer said in this chat (their own day: 周五要穿 is no time of a reply's)
    offer: bool = False  # the buyer haggles or hesitates, and these clauses state the agent's offer
    # each clause with the values a reply naming it contains (its facts, its figures)
    clauses: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def named(self, rules: AgentSaidRules) -> str:
        return rules.named.replace("{said}", self.said)

    def in_reply(self, reply: str) -> bool:
        """Whether ``reply`` already says one of these facts (or the clauses themselves)."""
        return self.said in reply or any(v in reply for v in self.values)

    def left_out(self, reply: str) -> str:
        """The clauses ``reply`` does not say, joined by ，: an offer's gift a price hold leaves out
        (还送鞋油一支 beside 499已经是现在能给到的价格了)."""
        return "，".join(c for c, values in self.clauses if not any(v in reply for v in (values or (c,))))


def _pairs(text: str, function_chars: str) -> set[str]:
    return {p for p in _CJK_PAIR.findall(text) if not any(c in function_chars for c in p)}


def whens(text: str, facts: Sequence[Fact], rules: AgentSaidRules) -> list[When]:
    """The times in ``text`` with the step each is the time of: the step named right after it in its
    clause (明天上午发出 → dispatch; 2到4天能到 → arrival), else right before it (到账需要3天); a time
    no step names (七天无理由 / 保质期8个月) is left out."""
    found: list[When] = []
    for fact in facts:
        if fact.kind not in WHEN_KINDS:
            continue
        start = max((m.end() for m in _CLAUSES.finditer(text, 0, fact.start)), default=0)
        end = next((m.start() for m in _CLAUSES.finditer(text, fact.end)), len(text))
        after, before = text[fact.end : end], text[start : fact.start]
        for part in (after, before):
            hits = [
                (m.start() if part is after else -m.end(), step)
                for step, p in rules.steps.items()
                if (m := p.search(part))
            ]
            if hits:
                found.append(When(fact.value, min(hits)[1]))
                break
    return found


def agent_said(
    message: str,
    texts: Sequence[str],
    roles: Sequence[str],
    extract: Callable[[str], list[Fact]],
    rules: AgentSaidRules,
    scenario: str = "",
    courier: str | None = None,
) -> AgentSaid | None:
    """The clauses of the agent's newest turn (one of the ``rules.turns`` before the message, which
    ``texts`` ends with) that the message builds on: those saying when a step happens or by which
    courier, for a buyer asking when (几天 / 什么时候); those stating an offer, for a buyer haggling or
    hesitating (``scenario``: 能便宜点吗 after 活动价499 还送鞋油一支); else those sharing a word with the message (刻字
    in 那刻字的能退吗 after 激光刻字免费); else, for a message going on from the agent's turn (那… /
    为啥), its clauses stating a fact. A clause naming a courier other than the one the chat settled on (``courier``: 顺丰要补12元 once the
    buyer took 默认圆通) is not said back. None when the agent stated nothing the message builds on."""
    earlier = range(len(texts) - 2, max(-1, len(texts) - 2 - rules.turns), -1)
    turn = next((i for i in earlier if roles[i] == "agent"), None)
    if turn is None:
        return None
    clauses: list[tuple[str, list[Fact], list[When]]] = []
    for part in _CLAUSES.split(texts[turn]):
        clause = rules.particles.sub("", part).strip()
        if rules.lead is not None:
            clause = rules.lead.sub("", clause)
        if clause and not rules.skip.search(clause):
            facts = [f for f in extract(clause) if f.kind not in _NO_FACT]
            if courier and any(f.kind == "courier" and courier not in (f.value, f.text) for f in facts):
                continue
            clauses.append((clause, facts, whens(clause, facts, rules)))
    if not clauses:
        return None
    timing = bool(rules.timing.search(message)) and not (
        rules.not_timing is not None and rules.not_timing.search(message)
    )
    chosen: list[tuple[str, list[Fact], list[When]]] = []
    if timing:
        chosen = [c for c in clauses if c[2] or any(f.kind == "courier" for f in c[1])]
    offer = False
    if not chosen and scenario in rules.offer_scenarios and rules.offer is not None:
        timing = False
        chosen = [c for c in clauses if rules.offer.search(c[0])]
        if all(_BARE_PRICE.fullmatch(c[0]) for c in chosen):
            chosen = []  # (a price alone said back is no sentence: 按刚才说的，799)
        offer = bool(chosen)
    if not chosen:
        timing = False
        shared = _pairs(message, rules.function_chars)
        chosen = [c for c in clauses if shared & _pairs(c[0], rules.function_chars)]
    if not chosen and rules.continues.search(message):
        chosen = [c for c in clauses if c[1]]
    said = "，".join(c[0] for c in chosen)
    if len(said) > rules.max_chars:
        # (a long turn is said back by its clauses with facts only, and never at any length)
        said = "，".join(c[0] for c in chosen if c[1])
    # (an offer is said back however short: 送锅铲)
    if not (2 if offer else rules.min_chars) <= len(said) <= rules.max_chars:
        return None
    facts = [f for c in chosen for f in c[1] if c[0] in said]
    # (a value the buyer said too is no sign a reply took up the agent's fact: 5kg in 5kg的狗建议…)
    buyer = " ".join(t for t, r in zip(texts, roles, strict=True) if r == "buyer")
    values = [v.strip() for f in facts for v in (f.text, f.value) if len(v.strip()) >= 2]
    kept = [c for c in chosen if c[0] in said]
    return AgentSaid(
        said,
        tuple(dict.fromkeys(v for v in values if v not in buyer)),
        tuple(w for c in kept for w in c[2]),
        timing,
        turn,
        buyer,
        offer,
        tuple((c[0], _values(c[0], c[1])) for c in kept),
    )


def _values(clause: str, facts: Sequence[Fact]) -> tuple[str, ...]:
    """What a reply naming ``clause`` contains: its facts as written, and its figures (499 of 活动价499)."""
    found = [f.text.strip() for f in facts if len(f.text.strip()) >= 2]
    found += re.findall(r"\d+(?:\.\d+)?", clause)
    return tuple(dict.fromkeys(found))


def own_when(
    reply: str, said: AgentSaid, extract: Callable[[str], list[Fact]], rules: AgentSaidRules
) -> list[When]:
    """The times ``reply`` states for a step the agent gave another time for (2到4天能到 after 明天到;
    16:00 发 after 5点前 发): such a reply contradicts the agent. A time for a step the agent did not
    time (2到4天送到 after 明天上午发出), or the buyer's own day (周五前能不能送到 after 我周五要穿), does not."""
    if not said.timing or not said.when:
        return []
    agent = {(w.step, w.value) for w in said.when}
    steps = {w.step for w in said.when}
    facts = [f for f in extract(reply) if f.text.strip() not in said.buyer]
    return [w for w in whens(reply, facts, rules) if w.step in steps and (w.step, w.value) not in agent]
