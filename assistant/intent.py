"""What a buyer asks: the question type (when / how / how much / whether …) and its object
(restock vs dispatch, exchange vs refund, applied vs how to apply, 专票 vs 普票).

The words live in the corpus's ``intents.toml``; suggestions are reranked on them so that the top
one answers this question rather than a neighbouring one of the same scenario.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .agent_said import AgentSaidRules
from .conversation import Deadline, SizeRules, Substitution
from .errors import Problem
from .facts import _normalised, read_optional_toml
from .parcels import ParcelRules
from .text import Memo

T = TypeVar("T")


@functools.lru_cache(maxsize=256)
def _pattern(word: str) -> re.Pattern | None:
    """An object word written /…/ is a regular expression (退回 of goods, not the money's 原路退回)."""
    return re.compile(word[1:-1]) if len(word) > 2 and word[0] == word[-1] == "/" else None


def found_at(word: str, source: str) -> int:
    """Where ``word`` (plain, or a /regular expression/) first occurs in ``source``, else -1."""
    pattern = _pattern(word)
    if pattern is None:
        return source.find(word)
    found = pattern.search(source)
    return found.start() if found else -1


def found_word(word: str, source: str) -> tuple[int, str]:
    """Where ``word`` (plain, or a /regular expression/) first occurs in ``source`` and the text it
    matched there (a pattern's own text is no word of the message), else ``(-1, word)``."""
    pattern = _pattern(word)
    if pattern is None:
        return source.find(word), word
    found = pattern.search(source)
    return (found.start(), found.group(0)) if found else (-1, word)


def word_bounds(text: str) -> set[int]:
    """Where the words of ``text`` (jieba's cut) begin and end."""
    import jieba

    from .text import _jieba

    _jieba()
    bounds, at = {0}, 0
    for word in jieba.cut(text):
        at += len(word)
        bounds.add(at)
    return bounds


@dataclass(frozen=True)
class Intent:
    """The question types and objects found in one buyer message."""

    question_types: frozenset[str] = frozenset()
    objects: frozenset[str] = frozenset()

    def to_dict(self) -> dict:
        return {"question_types": sorted(self.question_types), "objects": sorted(self.objects)}


@dataclass(frozen=True)
class Carried:
    """A situation the chat carries into a message that does not name it (intents.toml ``[carried]``):
    钱呢 / 今天能到吗 after a refund was promised asks after the refund, whatever the message reads as."""

    scenario: str
    history: re.Pattern  # one of the last ``turns`` earlier turns (either side) says the situation
    message: re.Pattern  # the newest message asks after it (到了吗 / 还没看到 / 几天)
    unless: re.Pattern | None = None  # the newest message names something else (快递 / 补发 / 寄)
    turns: int = 3

    def applies(self, message: str, history: Sequence[str]) -> bool:
        if not self.message.search(message) or (self.unless is not None and self.unless.search(message)):
            return False
        return any(self.history.search(text) for text in history[-self.turns :])


@dataclass(frozen=True)
class PromisedAmount:
    """Money the agent promised (补偿5元 / 好评返10元 / 退款12.9元) that the buyer asks after later (5块钱
    什么时候给 / 啥时候到账 / 钱退哪了): the top reply names it (intents.toml ``[promised_amount]``)."""

    agent: re.Pattern  # an agent turn promising it: (?P<what>…) the kind of money, (?P<amount>…) its sum
    message: re.Pattern  # the newest message asks after money
    named: str  # said after the reply's opening: {what} (as ``what`` names it), {amount}
    what: dict[str, str] = field(default_factory=dict)
    turns: int = 4

    def said(self, message: str, agent_turns: Sequence[str]) -> tuple[str, str] | None:
        """(the amount, the words naming it) for the newest promise asked after, else None."""
        if not self.message.search(message):
            return None
        for text in reversed(agent_turns[-self.turns :]):
            if found := self.agent.search(text):
                what = self.what.get(found.group("what"), found.group("what"))
                amount = found.group("amount")
                return amount, self.named.replace("{what}", what).replace("{amount}", amount)
        return None


@dataclass(frozen=True)
class Restated:
    """A rule the agent stated in this chat, said back in the agent's words by the reply of its kind
    (intents.toml ``[[restated]]``): the dispatch (今天拍明天发 韵达 / 48小时内发货 默认圆通) when the buyer
    then announces the order (拍了 红M), the free-shipping rule (两根包邮 / 满49包邮) when the buyer asks
    about it again (一根不包？): a reply that leaves it out drops the agent's promise, one stating the
    shop's own rule instead contradicts it."""

    message: re.Pattern  # the newest message this applies to
    clause: re.Pattern  # a clause of an agent turn stating the rule: its time, condition, courier
    verb: re.Pattern  # one of those clauses must state the rule itself (发 / 发货 / 包邮)
    skip: re.Pattern  # a clause that negates or asks (还没发货 / 今天能发吗) states no rule
    particles: re.Pattern  # the talk around a clause (亲 / 哦), left out when it is said back
    own: re.Pattern  # a reply stating a rule of its own kind (48小时内发出 / 满99元包邮: (…) its number)
    named: str  # added to a reply that leaves the rule out: {said} ("": nothing added)
    reply: str  # in place of a holding reply or one stating a rule of its own: {said}
    scenarios: frozenset[str] = frozenset()
    turns: int = 4

    def contradicted(self, reply: str, said: str) -> bool:
        """Whether ``reply`` states a rule of its own kind, not the agent's ``said``: an ``own`` match
        whose number (its first group, when it has one) the agent's words do not have."""
        for found in self.own.finditer(reply):
            number = next((g for g in found.groups() if g), None)
            if number is None or not re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", said):
                return True
        return False

    def said(self, message: str, scenario: str, agent_turns: Sequence[str]) -> str | None:
        """The agent's newest clauses stating the rule, joined by ，, else None."""
        if scenario not in self.scenarios or not self.message.search(message):
            return None
        for text in reversed(agent_turns[-self.turns :]):
            clauses = [self.particles.sub("", c) for c in re.split(r"[\s，,。！!？?；;~～]+", text)]
            kept = [c for c in clauses if c and self.clause.search(c) and not self.skip.search(c)]
            if any(self.verb.search(c) for c in kept):
                return "，".join(kept)
        return None


@dataclass(frozen=True)
class VariantNamed:
    """The variant a buyer says they take in the message (那我拍白茶 / 确认下是AX3000的 / 我要拍的是2段),
    named by a top reply of an order that leaves it out (intents.toml ``[variant_named]``)."""

    message: re.Pattern  # (?P<variant>…) the variant taken
    named: str  # said after the reply's opening: {variant}
    scenarios: frozenset[str] = frozenset()

    def said(self, message: str, scenario: str) -> tuple[str, str] | None:
        """(the variant, the words naming it), else None."""
        if scenario not in self.scenarios or not (found := self.message.search(message)):
            return None
        return found.group("variant"), self.named.replace("{variant}", found.group("variant"))


@dataclass(frozen=True)
class Direction:
    """Which way the goods go (intents.toml ``[[direction]]``): once a chat has set the goods going
    back (来回运费我们出 / 退货运费 / 寄回了), 用什么快递 / 我寄顺丰行吗 / 运费咋补给我 ask about the return,
    so a case written for the shop's dispatch (发什么快递 / 能发顺丰吗 / 满99包邮) answers the other way."""

    name: str
    marks: frozenset[str]  # objects that say this direction (return_goods, return_freight)
    others: frozenset[str]  # objects of the other direction (courier_choice, free_shipping, dispatch)
    against: re.Pattern | None = None  # a message that itself says the other way (换的那双什么时候发)
    turns: int = 4
    # an object of the other way that, asked in this direction, is this one's (运费多少 谁出 in a return
    # asks the return freight, not the free-shipping rule)
    reads: dict[str, str] = field(default_factory=dict)
    # scenarios whose cases are written for the other way, whatever their words (请问寄哪间快递 is a
    # courier case: the shop's dispatch)
    scenarios: frozenset[str] = frozenset()

    def set_by(self, objects: frozenset[str], message: str) -> bool:
        """Whether ``objects`` (the message's and the chat's last turns') set this direction and the
        message does not itself ask the other way."""
        return bool(self.marks & objects) and not (self.against is not None and self.against.search(message))

    def opposed(self, spoken: frozenset[str], scenario: str = "") -> bool:
        """Whether a case speaking of ``spoken`` (of ``scenario``) is written for the other direction
        only."""
        return bool(self.others & spoken or scenario in self.scenarios) and not (self.marks & spoken)


@dataclass(frozen=True)
class _Words:
    """The lexicon's words indexed for reading a text once (hot path: every case text is parsed the
    first time it is a candidate): each text is looked up only for the words beginning with one of
    its characters, not searched for each of the lexicon's some 500 words in turn."""

    by_first: dict[str, tuple[str, ...]]  # every word, literally, by its first character
    empty: frozenset[str]  # an empty word is in every text
    objects_of: dict[str, tuple[str, ...]]  # a plain object word → the objects it names
    types_of: dict[str, tuple[str, ...]]  # a question-type word → its question types
    patterns: dict[str, re.Pattern]  # the object words written /…/
    pattern_objects: tuple[tuple[str, re.Pattern], ...]  # (object, pattern) of each /…/ word
    object_words: frozenset[str]
    longer: dict[str, frozenset[str]]  # an object word → the longer object words that hold it

    @classmethod
    def of(cls, objects: dict[str, tuple[str, ...]], question_types: dict[str, tuple[str, ...]]) -> _Words:
        patterns = {w: p for ws in objects.values() for w in ws if (p := _pattern(w)) is not None}
        every = {w for ws in (*objects.values(), *question_types.values()) for w in ws}
        by_first: dict[str, list[str]] = {}
        for word in sorted(every):
            if word:
                by_first.setdefault(word[0], []).append(word)
        objects_of: dict[str, list[str]] = {}
        for name, words in objects.items():
            for word in words:
                if word not in patterns:
                    objects_of.setdefault(word, []).append(name)
        types_of: dict[str, list[str]] = {}
        for name, words in question_types.items():
            for word in words:
                types_of.setdefault(word, []).append(name)
        object_words = frozenset(w for ws in objects.values() for w in ws)
        return cls(
            by_first={c: tuple(ws) for c, ws in by_first.items()},
            empty=frozenset(w for w in every if not w),
            objects_of={w: tuple(ns) for w, ns in objects_of.items()},
            types_of={w: tuple(ns) for w, ns in types_of.items()},
            patterns=patterns,
            pattern_objects=tuple((n, patterns[w]) for n, ws in objects.items() for w in ws if w in patterns),
            object_words=object_words,
            longer={w: frozenset(m for m in object_words if w in m and w != m) for w in object_words},
        )

    def present(self, source: str) -> set[str]:
        """The words (as written, /…/ ones too) that occur literally in ``source``."""
        here = {w for c in set(source) for w in self.by_first.get(c, ()) if w in source}
        return here | self.empty if self.empty else here

    def named(self, source: str, here: set[str]) -> set[str]:
        """The objects one of whose words (plain, or a /regular expression/) occurs in ``source``."""
        named = {o for w in here for o in self.objects_of.get(w, ())}
        named.update(o for o, p in self.pattern_objects if o not in named and p.search(source))
        return named


@dataclass(frozen=True)
class IntentLexicon:
    """The words of ``intents.toml``."""

    question_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    objects: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excludes: dict[str, frozenset[str]] = field(default_factory=dict)
    # objects that no longer apply once the order reached a stage (dispatch once shipped)
    not_from_stage: dict[str, str] = field(default_factory=dict)
    # objects a case's reply answers when it names them, whatever its buyer asked (目前在补货)
    in_reply: frozenset[str] = frozenset()
    # how a holding reply names what the buyer asks about (退款的情况)
    topics: dict[str, str] = field(default_factory=dict)
    # objects that, said without a question, are the buyer's scenario (那我拍了 announces an order)
    scenarios: dict[str, str] = field(default_factory=dict)
    # words that, in the same message, mean an object's words say something else (那我拍了照片)
    unless: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # [subject]: how a chased question is restated (fillers and particles cut, then put into a topic)
    subject_lead: re.Pattern | None = None
    subject_tail: re.Pattern | None = None
    subject_topic: str = ""
    subject_stated: str = ""
    subject_skip: re.Pattern | None = None
    subject_chars: tuple[int, int] = (3, 16)
    # [things]: parts and defects a buyer names (线头, 防尘盖, 开胶) and how a holding reply names them
    things: tuple[str, ...] = ()
    thing_topic: str = ""
    # words that hold a thing word but are not it (把手机 is no 把手)
    thing_not: tuple[str, ...] = ()
    # [courier_named]: a reply's generic mention of the courier (联系快递 / 快递员) that takes this
    # chat's courier; each match contains 快递, 物流 or 网点
    courier_generic: re.Pattern | None = None
    courier_before: tuple[str, ...] = ("快递", "物流", "网点")
    # [courier_named] dispatch / dispatch_named: a promised dispatch naming no courier (48小时内发出，)
    # and how the chat's courier is said after it (发出，走德邦)
    courier_dispatch: re.Pattern | None = None
    courier_dispatch_named: str = ""
    courier_refusal: re.Pattern | None = None  # a reply refusing the courier asked for
    # [courier_switch]: the replies to a switch of courier asked before dispatch, by which of the shop's
    # couriers is asked (usable / express / excluded)
    courier_switch: dict[str, str] = field(default_factory=dict)
    # [hypothetical]: a message about what might happen (要是不合适能退吗) implies no order stage
    hypothetical: tuple[str, ...] = ()
    # [order_stage] agent_dispatches: an agent turn scheduling the dispatch of an order the buyer placed
    agent_dispatches: re.Pattern | None = None
    # [order_stage] buyer_received / agent_after_sale: a buyer's turn telling what the item did once in
    # hand (delivered); an agent's turn promising a remedy for a delivered order (after-sale)
    buyer_received: re.Pattern | None = None
    agent_after_sale: re.Pattern | None = None
    # [order_stage] not_shipped: a turn saying the goods have not gone yet (还没发货吧 / 明天发)
    not_shipped: re.Pattern | None = None
    # [order_stage] agent_shipped / buyer_waiting: the agent says the goods have gone (已发 德邦); the
    # buyer of a paid order waits for it to arrive (中通还没到): the order is shipped
    agent_shipped: re.Pattern | None = None
    buyer_waiting: re.Pattern | None = None
    # [order_stage] payment_talk: a turn speaking of paying (付款 / 花呗 / 定金): an order placed may be unpaid
    payment_talk: re.Pattern | None = None
    # [order_stage] agent_replaces: the agent replacing the goods (直接给您换新): they were in hand
    agent_replaces: re.Pattern | None = None
    # [parcels]: the states a clause tells of one parcel of several (parcels.py)
    parcels: ParcelRules | None = None
    # how a buyer names the day they need the goods by ([deadline]: 周五前 / 我周六要用 / 生日都过了)
    deadline: Deadline | None = None
    # [follow_up]: a bare follow-up (然后呢 / 好了没 / 给个准话) and how little else it may say
    follow_up: re.Pattern | None = None
    follow_up_rest: int = 3
    # [complaint_worry]: a worry about safety or authenticity (会不会有事 / 是正品吗) that, after a
    # product complaint, escalates
    complaint_worry: re.Pattern | None = None
    # [carried.*]: situations the chat carries into a message that does not name them (钱呢 after 退款)
    carried: tuple[Carried, ...] = ()
    # [promised_amount]: money the agent promised that the buyer asks after (5块钱什么时候给)
    promised_amount: PromisedAmount | None = None
    # [variant_named]: the variant the buyer takes in the message (那我拍白茶), named by an order reply
    variant_named: VariantNamed | None = None
    # [[restated]]: a rule the agent stated (今天拍明天发 韵达 / 两根包邮), said back by the reply of its kind
    restated: tuple[Restated, ...] = ()
    # [substitution]: a new value dropped into the earlier question (那8个呢 / 20000的呢 / 那L呢)
    substitution: Substitution | None = None
    # [size_choice]: a buyer weighing the advised size against another, and the replies by way
    size_choice: SizeRules | None = None
    size_replies: dict[str, str] = field(default_factory=dict)
    # [mismatched_pair]: a pair sent with two sizes (一只38一只39), its scenario and replies
    mismatched: re.Pattern | None = None
    mismatched_values: re.Pattern | None = None
    mismatched_scenario: str = ""
    mismatched_replies: tuple[str, str] = ("", "")
    # objects that, named in the chat's earlier turns, exclude their neighbours as the message's own do
    # (退货 … 什么时候退钱 is no cancellation's refund); others count in the message only
    in_chat: frozenset[str] = frozenset()
    # [agent_said]: the agent's fact the buyer's newest message builds on (明天什么时候到 after 明天到)
    agent_said: AgentSaidRules | None = None
    # [[direction]]: which way the goods go, set by the chat (a return), against which a case written
    # for the other way (the shop's dispatch) answers a neighbouring question
    directions: tuple[Direction, ...] = ()
    # parts already found per text: each message, clause and case text is split once (hot path)
    _parts_seen: Memo = field(default_factory=lambda: Memo(50_000), compare=False, repr=False)
    _parsed_seen: Memo = field(default_factory=lambda: Memo(50_000), compare=False, repr=False)

    def parse(self, text: str) -> Intent:
        seen = self._parsed_seen.get(text)
        if seen is not None:
            return seen
        source = _normalised(text)
        index = self._words
        here = index.present(source)
        types = frozenset(t for w in here for t in index.types_of.get(w, ()))
        objects = frozenset(
            o for o in index.named(source, here) if not any(u in source for u in self.unless.get(o, ()))
        )
        return self._parsed_seen.keep(text, Intent(types, objects))

    @functools.cached_property
    def _words(self) -> _Words:
        return _Words.of(self.objects, self.question_types)

    def parts(self, text: str) -> frozenset[str]:
        """The parts ``text`` asks about: an object, or for a product property (a topic with
        ``{word}``: 起球, 缩水) each of the buyer's words, none inside a longer one."""
        seen = self._parts_seen.get(text)
        if seen is not None:
            return seen
        source = _normalised(text)
        index = self._words
        here = index.present(source)
        # a word inside a longer word of another object does not count (多久到 in 多久到账)
        matched = here & index.object_words
        named = index.named(source, here)
        found: set[str] = set()
        for name, words in self.objects.items():
            if name not in named:
                continue
            hits = sorted(
                (
                    w
                    for w in words
                    if (w in here if (p := index.patterns.get(w)) is None else p.search(source))
                    and index.longer[w].isdisjoint(matched)
                ),
                key=len,
                reverse=True,
            )
            if not hits:
                continue
            if "{word}" not in self.topics.get(name, ""):
                found.add(name)
                continue
            for i, word in enumerate(hits):
                if not any(word in longer for longer in hits[:i]):
                    found.add(word)
        return self._parts_seen.keep(text, frozenset(found))

    def part_clauses(self, text: str) -> list[str]:
        """The clauses of a question of several parts that each ask one (empty for one question):
        retrieval looks each up too, so every part has replies to answer it."""
        if not self.question_parts(text):
            return []
        return [c for c in re.split(r"[\s，,。？?！!；;、]+", text) if c and self.parts(c)]

    def question_parts(self, text: str) -> frozenset[str]:
        """The parts of a question of several (什么时候发货 发什么快递 / 会起球吗 掉不掉毛): the parts
        of two clauses or more, or several property words in one; empty for one question, however
        many objects it names (退款申请了 多久到账 is one question)."""
        union: frozenset[str] = frozenset()
        adding = 0  # clauses that ask something the earlier ones did not
        several_words = False
        for clause in re.split(r"[\s，,。？?！!；;、]+", text):
            found = self.parts(clause) if clause else frozenset()
            several_words |= len([p for p in found if p not in self.objects]) >= 2
            if found - union:
                adding += 1
            union |= found
        return union if len(union) >= 2 and (adding >= 2 or several_words) else frozenset()

    def topic(self, text: str, limit: int = 2, stage: str | None = None) -> str:
        """How a holding reply names what ``text`` asks about (退款的情况, 起球和掉毛的情况), or "".

        A topic with ``{word}`` names the buyer's own matched words (a product property: 噪音, 续航);
        a two-part question names both parts, so the buyer sees that neither is dropped. An object
        that no longer applies at the order ``stage`` is not named (不想要了 once delivered is a
        return, not 取消订单的事)."""
        from .facts import ORDER_STAGES

        reached = ORDER_STAGES.index(stage) if stage in ORDER_STAGES else -1
        source = _normalised(text)
        # a word inside a longer word of another object does not count (拍错了 is not 错了)
        spans = [
            (at, len(matched))
            for words in self.objects.values()
            for at, matched in (found_word(w, source) for w in words)
            if at >= 0
        ]

        def inside(at: int, word: str) -> bool:
            return any(s <= at and at + len(word) <= s + n and n > len(word) for s, n in spans) or across(
                at, word
            )

        def across(at: int, word: str) -> bool:
            # both ends of the word inside words of the text: no word of it (装好 of 包装好看点 is no 安装)
            return len(word) > 1 and at not in bounds and at + len(word) not in bounds

        bounds = word_bounds(source) if spans else set()

        found: list[tuple[int, str]] = []
        for name, words in self.objects.items():
            topic = self.topics.get(name)
            if not topic:
                continue
            limit_stage = self.not_from_stage.get(name)
            if limit_stage in ORDER_STAGES and reached >= ORDER_STAGES.index(limit_stage):
                continue
            if any(u in source for u in self.unless.get(name, ())):
                continue  # (as parse: 京豆什么时候到账 asks no refund, 寄回地址 no address of the buyer's)
            # (a /pattern/ word counts by the text it matched: the 单号 of /(?<!订)单号/)
            hits = sorted(
                (at, text)
                for at, text in (found_word(w, source) for w in words)
                if at >= 0 and not inside(at, text)
            )
            if not hits:
                continue
            if "{word}" in topic:
                # the longest matches first, none inside another (掉毛 and 毛 → 掉毛)
                kept: list[tuple[int, str]] = []
                for at, word in sorted(hits, key=lambda h: -len(h[1])):
                    if not any(k <= at < k + len(w) for k, w in kept):
                        kept.append((at, word))
                kept.sort()
                topic = topic.replace("{word}", "和".join(w for _, w in kept[:limit]))
            found.append((hits[0][0], topic))
        named: list[str] = []
        for _, topic in sorted(found):
            if topic not in named:
                named.append(topic)
        return _joined(named) if len(named) <= limit else ""

    def subject(self, text: str, asking_only: bool = False) -> str:
        """How a holding reply restates the question ``text`` asks (您问的辅食机能蒸能打), or "": its
        first asking clause (else its first clause) without fillers and particles, when the
        ``[subject]`` length limits allow; ``asking_only``: a text that asks nothing is restated only
        by its clause of values (``stated``: 您说的左眼300右眼450), else ""."""
        if not self.subject_topic:
            return ""
        from .conversation import asks

        clauses = [c for c in re.split(r"[，,。！!？?；;\s]+", text) if c]
        if self.subject_skip is not None:
            clauses = [c for c in clauses if not self.subject_skip.search(c)]
        asking = [c for c in clauses if asks(c)]
        topic = self.subject_topic
        if not asking and asking_only:
            # a statement is restated only when it gives values (我左眼300右眼450), as what was said
            clauses = [c for c in clauses if re.search(r"\d", c)] if self.subject_stated else []
            topic = self.subject_stated
        words = (asking or clauses or [""])[0]
        if self.subject_lead is not None:
            words = self.subject_lead.sub("", words)
        if self.subject_tail is not None:
            words = self.subject_tail.sub("", words)
        low, high = self.subject_chars
        return topic.replace("{words}", words) if low <= len(words) <= high else ""

    def thing(self, text: str, limit: int = 2, bare: bool = False) -> str:
        """How a holding reply names the part or defect ``text`` is about (线头的问题, 防尘盖的问题), in
        the buyer's own words, the longest first and none inside another; "" when it names none.
        ``bare``: the words alone (防尘盖), to name the part of an object's topic."""
        if not self.thing_topic:
            return ""
        source = _normalised(text)
        for word in self.thing_not:
            source = source.replace(word, "□" * len(word))
        kept: list[tuple[int, str]] = []
        for word in sorted((w for w in self.things if w in source), key=len, reverse=True):
            at = source.find(word)
            if not any(k <= at < k + len(w) or at <= k < at + len(word) for k, w in kept):
                kept.append((at, word))
        words = "和".join([w for _, w in sorted(kept)][:limit])
        return words if bare or not words else self.thing_topic.replace("{word}", words)

    def asked_topic(self, text: str) -> str:
        """How a holding reply names what ``text`` asks when no object of ``[objects]`` does: the
        part or defect it names (线头的问题), else its question restated (您问的能放锡纸); a statement
        (什么破质量 退货！) is not restated as a question."""
        return self.thing(text) or self.subject(text, asking_only=True)

    def unshipped(self, texts: Sequence[str]) -> bool:
        """Whether the chat says the goods have not gone yet (还没发货吧 / 明天发 / 截单了)."""
        found = self.not_shipped
        return found is not None and any(found.search(_normalised(t)) for t in texts)

    def supposes(self, text: str) -> bool:
        """Whether ``text`` asks about what might happen (要是不合适能退吗 / 收到后能换吗), not what did."""
        source = _normalised(text)
        # entries written /…/ are regular expressions (收到后能换吗, but not 收到后发现坏了)
        return any(
            re.search(w[1:-1], source) if len(w) > 2 and w[0] == w[-1] == "/" else w in source
            for w in self.hypothetical
        )

    def announced(self, asked: Intent) -> str | None:
        """The scenario a message announces (行吧 那我拍了 → order_placed): it asks nothing and all it
        names is one object that carries a ``scenario``; None otherwise."""
        if asked.question_types or len(asked.objects) != 1:
            return None
        return self.scenarios.get(next(iter(asked.objects)))

    def directions_set(self, message: str, chat: Sequence[str]) -> list[Direction]:
        """The directions the message or the chat's last turns (``chat``, oldest first) set."""
        found = []
        for direction in self.directions:
            said = self.parse(message).objects.union(
                *(self.parse(t).objects for t in chat[-direction.turns :] if t)
            )
            if direction.set_by(said, _normalised(message)):
                found.append(direction)
        return found

    def other_direction(
        self, message: str, chat: Sequence[str], spoken: frozenset[str], scenario: str = ""
    ) -> str | None:
        """The direction this chat set (the message, or its last turns in ``chat``) that a case or reply
        speaking of ``spoken`` (of ``scenario``) goes against (a return asked about, the shop's
        dispatch answered), else None."""
        if not any(d.opposed(spoken, scenario) for d in self.directions):
            return None
        found = self.directions_set(message, chat)
        return next((d.name for d in found if d.opposed(spoken, scenario)), None)

    def directed(self, message: str, chat: Sequence[str], objects: frozenset[str]) -> frozenset[str]:
        """``objects`` asked, each of the other way read as this direction's (``reads``)."""
        if not any(d.reads.keys() & objects for d in self.directions):
            return objects
        for direction in self.directions_set(message, chat):
            objects = frozenset(direction.reads.get(o, o) for o in objects)
        return objects

    def directed_topic(self, topic: str, message: str, chat: Sequence[str]) -> str:
        """A holding ``topic`` naming an object of the other way, named as this direction's
        (包邮的情况 → 运费的事 in a return)."""
        swaps = [
            (self.topics.get(other, ""), self.topics.get(mine, ""))
            for d in self.directions
            for other, mine in d.reads.items()
        ]
        if not topic or not any(old and new and old in topic for old, new in swaps):
            return topic
        for direction in self.directions_set(message, chat):
            for other, mine in direction.reads.items():
                old, new = self.topics.get(other, ""), self.topics.get(mine, "")
                if old and new and old in topic and new not in topic:
                    topic = topic.replace(old, new)
        return topic

    def conflicts(self, asked: Intent, answered: Intent, stage: str | None = None) -> frozenset[str]:
        """Objects of ``answered`` that the buyer's question excludes (a neighbouring question), or
        that no longer apply at the conversation's order ``stage``."""
        from .facts import ORDER_STAGES

        found: set[str] = set()
        for obj in asked.objects:
            found |= self.excludes.get(obj, frozenset()) & answered.objects
        if stage in ORDER_STAGES:
            for obj in answered.objects:
                limit = self.not_from_stage.get(obj)
                if limit in ORDER_STAGES and ORDER_STAGES.index(stage) >= ORDER_STAGES.index(limit):
                    found.add(obj)
        return frozenset(found - asked.objects)


def _present(*patterns: re.Pattern | None) -> tuple[re.Pattern, ...]:
    return tuple(p for p in patterns if p is not None)


def _compiled_table(
    data: dict, table: str, keys: tuple[str, ...], where: str, problems: list[Problem]
) -> dict[str, re.Pattern | None]:
    """The patterns of one intents.toml table by key: a list of alternatives is one pattern, a string
    is compiled as it is; a key the table leaves out is None and a bad pattern is a problem."""
    section = data.get(table, {}) if isinstance(data.get(table), dict) else {}
    compiled: dict[str, re.Pattern | None] = {}
    for key in keys:
        compiled[key] = None
        value = section.get(key)
        try:
            if value and isinstance(value, list):
                compiled[key] = re.compile("|".join(f"(?:{p})" for p in value))
            elif value:
                compiled[key] = re.compile(str(value))
        except re.error as error:
            problems.append(Problem(where, None, f"[{table}] {key}: {error}"))
    return compiled


def _built_table(
    data: dict,
    key: str,
    build: Callable[[dict], T],
    complete: Callable[[T], bool],
    needs: str,
    where: str,
    problems: list[Problem],
) -> T | None:
    """The record ``build`` makes of the ``[key]`` table, or None when the table is absent, a pattern
    does not compile, or ``complete`` finds a part missing (each reported once, naming the table)."""
    table = data.get(key) if isinstance(data.get(key), dict) else {}
    if not table:
        return None
    try:
        built = build(table)
    except re.error as error:
        problems.append(Problem(where, None, f"[{key}]: {error}"))
        return None
    if not complete(built):
        problems.append(Problem(where, None, f"[{key}] {needs}"))
        return None
    return built


def load_intents(path: Path) -> tuple[IntentLexicon, list[Problem]]:
    """Read ``intents.toml``; a missing file gives an empty lexicon (no reranking on intent)."""
    where = str(path)
    data, problems = read_optional_toml(path)
    if data is None:
        return IntentLexicon(), problems
    types = {
        k: tuple(str(w) for w in v) for k, v in data.get("question_types", {}).items() if isinstance(v, list)
    }
    objects: dict[str, tuple[str, ...]] = {}
    excludes: dict[str, frozenset[str]] = {}
    not_from_stage: dict[str, str] = {}
    in_reply: set[str] = set()
    in_chat: set[str] = set()
    topics: dict[str, str] = {}
    scenarios: dict[str, str] = {}
    unless: dict[str, tuple[str, ...]] = {}
    for name, table in data.get("objects", {}).items():
        if not isinstance(table, dict) or not isinstance(table.get("words"), list):
            problems.append(Problem(where, None, f"[objects.{name}] needs words = [...]"))
            continue
        objects[name] = tuple(str(w) for w in table["words"] if w)
        excludes[name] = frozenset(str(x) for x in table.get("excludes", []))
        if table.get("topic"):
            topics[name] = str(table["topic"])
        if table.get("in_reply"):
            in_reply.add(name)
        if table.get("in_chat"):
            in_chat.add(name)
        if table.get("scenario"):
            scenarios[name] = str(table["scenario"])
        if table.get("unless"):
            unless[name] = tuple(str(w) for w in table["unless"] if w)
        if table.get("not_from_stage"):
            not_from_stage[name] = str(table["not_from_stage"])
    for name, excluded in excludes.items():
        for other in excluded:
            if other not in objects:
                problems.append(Problem(where, None, f"[objects.{name}] excludes unknown object {other!r}"))
    subject = data.get("subject", {}) if isinstance(data.get("subject"), dict) else {}
    patterns: list[re.Pattern | None] = []
    for key in ("lead", "tail", "skip"):
        try:
            patterns.append(re.compile(str(subject[key])) if subject.get(key) else None)
        except re.error as error:
            problems.append(Problem(where, None, f"[subject] {key}: {error}"))
            patterns.append(None)
    things = data.get("things", {}) if isinstance(data.get("things"), dict) else {}
    named = data.get("courier_named", {}) if isinstance(data.get("courier_named"), dict) else {}
    courier_patterns = _compiled_table(
        data, "courier_named", ("generic", "refusal", "dispatch"), where, problems
    )
    stage_patterns = _compiled_table(
        data,
        "order_stage",
        (
            "agent_dispatches",
            "buyer_received",
            "agent_after_sale",
            "not_shipped",
            "agent_shipped",
            "buyer_waiting",
            "payment_talk",
            "agent_replaces",
        ),
        where,
        problems,
    )
    parcel_patterns = _compiled_table(
        data, "parcels", ("unshipped", "scheduled", "shipped", "delivered", "unsaid"), where, problems
    )
    parcel_table = data.get("parcels", {}) if isinstance(data.get("parcels"), dict) else {}
    # a parcel's states: the chat-wide ones of [order_stage] and the clause-level ones of [parcels]
    parcels = (
        ParcelRules(
            unshipped=_present(parcel_patterns["unshipped"], stage_patterns["not_shipped"]),
            scheduled=_present(parcel_patterns["scheduled"], stage_patterns["agent_dispatches"]),
            shipped=_present(parcel_patterns["shipped"], stage_patterns["agent_shipped"]),
            delivered=_present(parcel_patterns["delivered"], stage_patterns["buyer_received"]),
            stop=frozenset(str(parcel_table.get("stop", ""))),
            unsaid=parcel_patterns["unsaid"],
        )
        if parcel_table
        else None
    )
    deadline_patterns = _compiled_table(
        data, "deadline", ("by", "in_time", "today", "passed"), where, problems
    )
    choice = _compiled_table(
        data, "size_choice", ("bigger", "smaller", "too_big", "advice", "baby"), where, problems
    )
    replies = (data.get("size_choice") or {}).get("replies", {})
    pair = _compiled_table(data, "mismatched_pair", ("words", "with_values"), where, problems)
    follow_up = _compiled_table(data, "follow_up", ("words",), where, problems)["words"]
    complaint_worry = _compiled_table(data, "complaint_worry", ("words",), where, problems)["words"]
    follow_table = data.get("follow_up") if isinstance(data.get("follow_up"), dict) else {}
    carried: list[Carried] = []
    for name, table in (data.get("carried") or {}).items():
        found = _compiled_table(data["carried"], name, ("history", "message", "unless"), where, problems)
        if (
            not isinstance(table, dict)
            or not table.get("scenario")
            or not found["history"]
            or not found["message"]
        ):
            problems.append(Problem(where, None, f"[carried.{name}] needs scenario, history and message"))
            continue
        carried.append(
            Carried(
                str(table["scenario"]),
                found["history"],
                found["message"],
                found["unless"],
                int(table.get("turns", 3)),
            )
        )
    substitution = _built_table(
        data,
        "substitution",
        lambda swap: Substitution(
            re.compile(str(swap.get("message", ""))),
            tuple(re.compile(str(p)) for p in swap.get("parts", ()) if p),
        ),
        lambda built: "value" in built.message.groupindex and bool(built.parts),
        "needs a message with (?P<value>…) and parts",
        where,
        problems,
    )
    promised = _built_table(
        data,
        "promised_amount",
        lambda owed: PromisedAmount(
            re.compile(str(owed.get("agent", ""))),
            re.compile(str(owed.get("message", ""))),
            str(owed.get("named", "")),
            {str(k): str(v) for k, v in (owed.get("what") or {}).items()},
            int(owed.get("turns", 4)),
        ),
        lambda built: {"what", "amount"} <= set(built.agent.groupindex) and bool(built.named),
        "needs agent with (?P<what>…)(?P<amount>…) and named",
        where,
        problems,
    )
    variant = _built_table(
        data,
        "variant_named",
        lambda taken: VariantNamed(
            re.compile(str(taken.get("message", ""))),
            str(taken.get("named", "")),
            frozenset(str(s) for s in taken.get("scenarios", ())),
        ),
        lambda built: "variant" in built.message.groupindex and bool(built.named),
        "needs message with (?P<variant>…) and named",
        where,
        problems,
    )
    agent_said = _built_table(
        data,
        "agent_said",
        lambda said: AgentSaidRules(
            *(re.compile(str(said.get(k, ""))) for k in ("skip", "particles", "timing", "continues")),
            not_timing=re.compile(str(said["not_timing"])) if said.get("not_timing") else None,
            steps={str(k): re.compile(str(v)) for k, v in (said.get("steps") or {}).items() if v},
            offer=re.compile(str(said["offer"])) if said.get("offer") else None,
            offer_scenarios=frozenset(str(x) for x in said.get("offer_scenarios", ())),
            lead=re.compile(str(said["lead"])) if said.get("lead") else None,
            alternative=re.compile(str(said["alternative"])) if said.get("alternative") else None,
            function_chars=str(said.get("function_chars", "")),
            named=str(said.get("named", "")),
            turns=int(said.get("turns", 3)),
            min_chars=int(said.get("min_chars", 4)),
            max_chars=int(said.get("max_chars", 30)),
            slots={str(k): frozenset(str(t) for t in v) for k, v in (said.get("slots") or {}).items()},
            topics={
                str(k): (frozenset(str(x) for x in v.get("kinds", ())), re.compile(str(v["words"])))
                for k, v in (said.get("topics") or {}).items()
                if isinstance(v, dict) and v.get("words")
            },
            asked={str(k): frozenset(str(t) for t in v) for k, v in (said.get("asked") or {}).items()},
            not_recalled=frozenset(str(x) for x in said.get("not_recalled", ())),
            picked=frozenset(str(x) for x in said.get("picked", ())),
            confirms=re.compile(str(said["confirms"])) if said.get("confirms") else None,
            offer_named=str(said.get("offer_named", "")),
        ),
        lambda built: (
            all(p.pattern for p in (built.skip, built.timing, built.continues))
            and bool(built.steps)
            and "{said}" in built.named
        ),
        "needs skip, timing, continues, steps and named with {said}",
        where,
        problems,
    )
    restated = []
    for number, table in enumerate(t for t in data.get("restated", ()) if isinstance(t, dict)):
        built = _built_table(
            {"restated": table},
            "restated",
            lambda said: Restated(
                *(
                    re.compile(str(said.get(k, "")))
                    for k in ("message", "clause", "verb", "skip", "particles", "own")
                ),
                str(said.get("named", "")),
                str(said.get("reply", "")),
                frozenset(str(s) for s in said.get("scenarios", ())),
                int(said.get("turns", 4)),
            ),
            lambda built: (
                all(
                    p.pattern
                    for p in (built.message, built.clause, built.verb, built.skip, built.particles, built.own)
                )
                and (not built.named or "{said}" in built.named)
                and "{said}" in built.reply
                and bool(built.scenarios)
            ),
            f"#{number + 1} needs message, clause, verb, skip, particles, own, scenarios, "
            "and a reply (and a named, if any) with {said}",
            where,
            problems,
        )
        if built is not None:
            restated.append(built)
    directions = []
    for number, table in enumerate(t for t in data.get("direction", ()) if isinstance(t, dict)):
        marks = frozenset(str(o) for o in table.get("marks", ()))
        others = frozenset(str(o) for o in table.get("others", ()))
        if not table.get("name") or not marks or not others:
            problems.append(Problem(where, None, f"[[direction]] #{number + 1} needs name, marks and others"))
            continue
        for unknown in sorted((marks | others) - set(objects)):
            problems.append(Problem(where, None, f"[[direction]] #{number + 1}: unknown object {unknown!r}"))
        try:
            against = re.compile(str(table["against"])) if table.get("against") else None
        except re.error as error:
            problems.append(Problem(where, None, f"[[direction]] #{number + 1} against: {error}"))
            continue
        reads = {str(k): str(v) for k, v in (table.get("reads") or {}).items()}
        for unknown in sorted((set(reads) | set(reads.values())) - set(objects)):
            problems.append(
                Problem(where, None, f"[[direction]] #{number + 1} reads: unknown object {unknown!r}")
            )
        directions.append(
            Direction(
                str(table["name"]),
                marks,
                others,
                against,
                int(table.get("turns", 4)),
                reads,
                frozenset(str(x) for x in table.get("scenarios", ())),
            )
        )
    pair_table = data.get("mismatched_pair") if isinstance(data.get("mismatched_pair"), dict) else {}
    lexicon = IntentLexicon(
        types,
        objects,
        excludes,
        not_from_stage,
        frozenset(in_reply),
        topics,
        scenarios,
        unless,
        in_chat=frozenset(in_chat),
        subject_lead=patterns[0],
        subject_tail=patterns[1],
        subject_topic=str(subject.get("topic", "")),
        subject_stated=str(subject.get("stated", "")),
        subject_skip=patterns[2],
        subject_chars=(int(subject.get("min_chars", 3)), int(subject.get("max_chars", 16))),
        things=tuple(str(w) for w in things.get("words", []) if w),
        thing_topic=str(things.get("topic", "")),
        thing_not=tuple(str(w) for w in things.get("not_words", []) if w),
        courier_generic=courier_patterns["generic"],
        courier_refusal=courier_patterns["refusal"],
        courier_before=tuple(str(w) for w in named.get("before", ())) or ("快递", "物流", "网点"),
        courier_dispatch=courier_patterns["dispatch"],
        courier_dispatch_named=str(named.get("dispatch_named", "")),
        courier_switch={
            str(k): str(v) for k, v in (data.get("courier_switch") or {}).items() if isinstance(v, str) and v
        },
        agent_dispatches=stage_patterns["agent_dispatches"],
        buyer_received=stage_patterns["buyer_received"],
        agent_after_sale=stage_patterns["agent_after_sale"],
        not_shipped=stage_patterns["not_shipped"],
        agent_shipped=stage_patterns["agent_shipped"],
        buyer_waiting=stage_patterns["buyer_waiting"],
        payment_talk=stage_patterns["payment_talk"],
        agent_replaces=stage_patterns["agent_replaces"],
        parcels=parcels,
        deadline=Deadline(**deadline_patterns),
        follow_up=follow_up,
        follow_up_rest=int(follow_table.get("max_rest", 3)),
        complaint_worry=complaint_worry,
        carried=tuple(carried),
        substitution=substitution,
        promised_amount=promised,
        variant_named=variant,
        restated=tuple(restated),
        agent_said=agent_said,
        directions=tuple(directions),
        size_choice=SizeRules(**choice) if any(choice.values()) else None,
        size_replies={str(k): str(v) for k, v in replies.items()} if isinstance(replies, dict) else {},
        mismatched=pair["words"],
        mismatched_values=pair["with_values"],
        mismatched_scenario=str(pair_table.get("scenario", "")),
        mismatched_replies=(str(pair_table.get("reply", "")), str(pair_table.get("reply_plain", ""))),
        hypothetical=tuple(
            str(w) for w in (data.get("hypothetical") or {}).get("words", []) if isinstance(w, str) and w
        ),
    )
    return lexicon, problems


def _joined(topics: list[str]) -> str:
    """Topics said once: those ending alike share the ending (退款的情况, 价保的情况 → 退款和价保的情况;
    正品和批号的问题, 变形的问题 → 正品、批号和变形的问题), else joined by 和."""
    if len(topics) < 2:
        return "".join(topics)
    ending = os.path.commonprefix([t[::-1] for t in topics])[::-1]
    ending = ending[ending.find("的") :] if "的" in ending else ""
    stems = [t.removesuffix(ending) for t in topics] if ending else []
    if not stems or not all(stems):
        return "和".join(topics)
    words = [w for stem in stems for w in stem.split("和") if w]
    return "、".join(words[:-1]) + "和" + words[-1] + ending
