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
from collections.abc import Callable, Collection, Sequence
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
    # words opening a clause that is an alternative to the one before it (或者 / 或是): it goes with it
    alternative: re.Pattern | None = None
    # characters that make a shared pair of characters no word of substance (的 / 这 / 可以)
    function_chars: str = ""
    named: str = "按刚才说的，{said}；"  # said after the opening of a reply that builds on it
    turns: int = 3  # the agent's turn is one of this many turns before the message
    min_chars: int = 4  # the agent's words said back at least (明天 alone is no fact said back)
    max_chars: int = 30  # and at most (longer: only the clauses with facts)
    # [agent_said.slots]: a shop slot of shop.toml -> the topics of the agent's statements that give
    # this chat's value of it (a step of ``steps`` the agent timed, a fact kind, a topic of ``topics``)
    slots: dict[str, frozenset[str]] = field(default_factory=dict)
    # [agent_said.topics]: a topic -> the kinds of fact and the words that, in the clause or in the
    # clause before it, put a clause with such a fact on it (补10元 after 寄回来的运费您先垫: the freight)
    topics: dict[str, tuple[frozenset[str], re.Pattern]] = field(default_factory=dict)
    # [agent_said.asked]: a topic -> the intents.toml objects (or [unasked.asks] topics) asking about it
    asked: dict[str, frozenset[str]] = field(default_factory=dict)
    # scenarios whose buyer is not told the agent's earlier statement again (a delay complaint: the time
    # the agent promised is what failed them)
    not_recalled: frozenset[str] = frozenset()
    # kinds of fact a buyer names to pick one (中通 after 中通和极兔都可以), asking nothing about it
    picked: frozenset[str] = frozenset()
    # a clause asking the agent to confirm what it said (今天能发是吧 / 应该赶上了吧): the agent's words
    # said back answer it, so a holding reply says them; to a message only sharing a word with the
    # agent's turn, or going on from it (那支撑腿调多长 after 卡扣推进去), they answer nothing and a
    # holding reply leaves them out (judges: "irrelevant restatement", "confusing restatement")
    confirms: re.Pattern | None = None
    # an offer's clause a price hold leaves out, said before the hold's closing question (…单独改价这边做
    # 不了，不过送一个研磨杯哦，您看可以吗？), not as 按刚才说的 before the refusal (judges: awkward)
    offer_named: str = ""


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


def without_restated(text: str, said: AgentSaid, rules: AgentSaidRules) -> str:
    """``text`` (a reply the agent's words are said back in) without its clauses that state a step the
    agent timed with only a fill-in for its time (按刚才说的，3-5天发出；我们【发货时间】发出 → the second
    clause goes: the same fact twice, once as a blank; judges: "duplicated dispatch phrase")."""
    timed = {w.step for w in said.when}
    if not timed:
        return text
    parts = re.split(r"(?<=[，,；;])", text)
    kept = [
        part
        for part in parts
        if not (
            "【" in part
            and not re.search(r"[。！!？?～~]", part)
            and any(rules.steps[step].search(part) for step in timed if step in rules.steps)
            and not any(rules.steps[step].search(part) for step in rules.steps if step not in timed)
        )
    ]
    return "".join(kept) if len(kept) < len(parts) else text


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
    kept_before = False  # whether the part before this one was kept (an alternative goes with it)
    for part in _CLAUSES.split(texts[turn]):
        clause = rules.particles.sub("", part).strip()
        if rules.lead is not None:
            clause = rules.lead.sub("", clause)
        if clause and rules.alternative is not None and rules.alternative.search(clause):
            # (1.5m的床选床单款，或者1.8m的床笠款: the alternative is half of the clause before it,
            # never said back alone as 按刚才说的，或者1.8m的床笠款)
            if kept_before and clauses:
                clause = clauses[-1][0] + "，" + clause
                facts = [f for f in extract(clause) if f.kind not in _NO_FACT]
                clauses[-1] = (clause, facts, whens(clause, facts, rules))
            continue
        kept_before = False
        if clause and not rules.skip.search(clause):
            facts = [f for f in extract(clause) if f.kind not in _NO_FACT]
            if courier and any(f.kind == "courier" and courier not in (f.value, f.text) for f in facts):
                continue
            clauses.append((clause, facts, whens(clause, facts, rules)))
            kept_before = True
    # (帮您改成888了 → 改成520吧: the agent's value the message replaces is never said back)
    clauses = [c for c in clauses if not superseded(c[0], message)]
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


_WORD_VALUE = re.compile(r"([\u4e00-\u9fff]{2})\s*(#?[0-9A-Za-z][0-9A-Za-z.]*)")
# a clause that asks (吗 / 么 / ？): the value in it is asked about, not stated
_ASKED = re.compile(r"[吗么嘛?？]")


def superseded(clause: str, message: str) -> bool:
    """Whether ``message`` states another value after a word ``clause`` puts a value after (改成888 in
    the clause, 改成520吧 in the message): the clause's value is the old one, no longer under discussion.
    A value the message asks about (活动价459吗) replaces nothing: the agent's own is the answer."""
    said: dict[str, set[str]] = {}
    for word, value in _WORD_VALUE.findall(clause):
        said.setdefault(word, set()).add(value)
    for part in _CLAUSES.split(message):
        if _ASKED.search(part):
            continue
        if any(word in said and value not in said[word] for word, value in _WORD_VALUE.findall(part)):
            return True
    return False


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


@dataclass(frozen=True)
class Stated:
    """One clause of an agent's turn stating a fact of the shop's kind: its topics (a fact kind such as
    gift or courier, the step a time is for, a topic of ``[agent_said.topics]``) and its facts."""

    clause: str
    topics: frozenset[str]
    values: tuple[str, ...]  # the facts as written (同色腰带, 2天, 10元) and the clause's figures
    turn: int
    facts: tuple[str, ...] = ()  # the facts as written only (2天, not the 2 of it)
    kinds: tuple[tuple[str, str], ...] = ()  # each fact's kind and value (money 10 of 补10元)


def stated(
    texts: Sequence[str], roles: Sequence[str], extract: Callable[[str], list[Fact]], rules: AgentSaidRules
) -> list[Stated]:
    """Every clause of the agent's turns before the newest message (``texts`` ends with it) that states
    a fact, oldest first: what this chat's shop said, which wins over the shop profile."""
    found: list[Stated] = []
    for turn in range(len(texts) - 1):
        if roles[turn] != "agent":
            continue
        before = ""
        for part in _CLAUSES.split(texts[turn]):
            clause = rules.particles.sub("", part).strip()
            if rules.lead is not None:
                clause = rules.lead.sub("", clause)
            if not clause or rules.skip.search(clause):
                before = clause
                continue
            facts = [f for f in extract(clause) if f.kind not in _NO_FACT]
            if facts:
                topics = {f.kind for f in facts} | {w.step for w in whens(clause, facts, rules)}
                kinds = {f.kind for f in facts}
                near = before + " " + clause
                topics |= {t for t, (of, words) in rules.topics.items() if of & kinds and words.search(near)}
                written = tuple(dict.fromkeys(f.text.strip() for f in facts if f.text.strip()))
                valued = tuple(dict.fromkeys((f.kind, f.value) for f in facts))
                found.append(Stated(clause, frozenset(topics), _values(clause, facts), turn, written, valued))
            before = clause
    return found


def contradicted(statements: Sequence[Stated], shop_slots: dict[str, str], rules: AgentSaidRules) -> set[str]:
    """The shop slots whose value this chat's agent gave otherwise: a statement of one of the slot's
    topics none of whose values the shop's value says (冷链发顺丰 一般2天到 against 2到4天; 补10元 for the
    return freight against 由店铺承担). Saying the shop's own value (48小时内发) contradicts nothing."""
    unfit: set[str] = set()
    for slot, topics in rules.slots.items():
        value = shop_slots.get(slot, "")
        if not value:
            continue
        said = [s for s in statements if s.topics & topics]
        # (the facts as written: the 2 of 2天 is in 2到4天, 2天 is not)
        if said and not any(v in value or value in v for s in said for v in s.facts):
            unfit.add(slot)
    return unfit


def builds_weakly(said: AgentSaid | None, message: str, rules: AgentSaidRules) -> bool:
    """Whether ``said`` (``agent_said``'s reading of the agent's newest turn) is no firm reading of what
    the message asks about: none, no fact in it, or clauses taken only because the message goes on
    from the turn (那… shares no word with them: 那个防尘罩是自己拍吗 after 白色有现货)."""
    if said is None or not any(values for _, values in said.clauses):
        return True
    shared = _pairs(message, rules.function_chars) & _pairs(said.said, rules.function_chars)
    return not (said.timing or said.offer or shared)


def recalled(
    message: str,
    facts: Sequence[Fact],
    statements: Sequence[Stated],
    objects: Collection[str],
    rules: AgentSaidRules,
) -> AgentSaid | None:
    """The agent's statements, in any earlier turn, that the buyer's newest message asks about: one of
    a topic the message asks (its ``objects``, by ``[agent_said.asked]``: 送一瓶还是两瓶 asks the gift:
    老客户回购送旅行装化妆水一瓶), one
    whose fact the message names (腰带 of 送一条同色腰带), or whose value of a kind it says back (补10块对吧
    after 补10元: ``facts``, the message's). The latest turn holding one; None when the message asks
    about none."""
    asked = {topic for topic, by in rules.asked.items() if by & set(objects)}
    # (a figure said back: 中通 after 中通和极兔都可以 picks one, it asks nothing about it)
    said_back = {(f.kind, f.value) for f in facts if re.search(r"\d", f.value)}
    shared = _pairs(message, rules.function_chars)

    def asks(s: Stated) -> bool:
        if s.topics & asked or said_back & set(s.kinds):
            return True
        named = [v for kind, v in s.kinds if kind not in rules.picked]
        return any(shared & _pairs(v, rules.function_chars) for v in named)

    # (only the shop's kinds of fact: a size or a stock the agent stated is no rule the shop profile has)
    shop = {t for topics in rules.slots.values() for t in topics} | set(rules.asked)
    chosen = [s for s in statements if s.topics & shop and asks(s)]
    if not chosen:
        return None
    turn = chosen[-1].turn
    kept = [s for s in chosen if s.turn == turn]
    said = "，".join(s.clause for s in kept)
    if not rules.min_chars <= len(said) <= rules.max_chars:
        return None
    values = tuple(dict.fromkeys(v for s in kept for v in s.values if v not in message))
    return AgentSaid(said, values, (), False, turn, "", False, tuple((s.clause, s.values) for s in kept))
