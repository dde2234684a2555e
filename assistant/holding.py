"""How a holding reply is worded, and how a reply to a question of several parts says which parts
it will check (``[holding_wording]`` in adaptation.toml).

A holding reply names what it checks only as a clean short phrase: an object's topic (退款的情况),
the buyer's measures (160、50kg适合的规格), or the buyer's question turned into an indirect question
after the verb (我帮您确认一下能不能进洗碗机); never a clause quoted before the verb (您问的蒸完直接打泥
要加多少水我马上…) and never a value alone (13kg的情况). Without one it is a plain holding line. Each
kind has several phrasings, one chosen by the message, so the same line does not come back every time.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem
from .files import toml_line
from .text import SLOT_PATTERN

# the placeholders this module fills itself, before the shop's slots are filled
OWN_SLOTS = frozenset({"topic", "question", "values", "parts", "context"})
_CLAUSES = re.compile(r"[\s，,。？?！!；;~～]+")
_CLAUSE_ASKED = re.compile(r"[^\s，,。？?！!；;~～]+[？?]?")
# a yes/no question (能放洗碗机吗 / 能打肉不 / 有没有): its end, and questions that already ask
# with a question word or an A-not-A (能不能 / 含不含)
_YES_NO_END = re.compile(r"(吗|(?<![什怎这那多])么|嘛|不|没|没有)[呀啊哈呢]?[?？!！。~～\s]*$")
_ASKS_ALREADY = re.compile(
    r"多少|多久|多[粗细大重长宽高厚远]|几|什么|啥|怎么|怎样|咋|哪|如何|为什么|谁|还是|(.)[不没]\1|有没有"
)
# 还是 right after a state told (了 / 过): "still", not a choice between two (锁了还是晃)
_STILL = re.compile(r"(?<=[了过])还是")
# a how-question with no object, one it may be asked of (怎么清理 / 咋洗): the noun before it says what
_HOW_VERB = re.compile(r"(怎么|怎样|如何)[^\W\d]{1,2}")


@dataclass(frozen=True)
class SafetyStep:
    """One kind of health or safety problem a buyer tells (smoke, a pet or a child unwell after using
    it): the safe step said before anything is checked (``[[holding_wording.safety]]``)."""

    says: re.Pattern  # a buyer's clause telling it (冒烟了 / 猫吃了吐了 / 宝宝都咳嗽了)
    chat: re.Pattern | None = None  # …in a chat about this (猫 / 宝宝): whose problem it is
    stop: str = ""  # stop using it (请先停用，)…
    stop_done: re.Pattern | None = None  # …unless the agent said so already (请立即断电)
    care: str = ""  # see a doctor or a vet…
    care_done: re.Pattern | None = None  # …unless someone is there already (现在在医院)


@dataclass(frozen=True)
class HoldingWording:
    """The phrasings of ``[holding_wording]``: one family per kind of topic, each a list."""

    topic: tuple[str, ...] = ()
    question: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    generic: tuple[str, ...] = ()
    # a phrasing opening with an acknowledgement (好的亲 / 收到): not picked for a message that asks
    acknowledges: re.Pattern | None = None
    # a choice between two values the buyer weighs (XL还是2XL → XL和2XL哪个更合适), asked by `choice`
    choice_topic: str = ""
    choice: re.Pattern = re.compile(r"哪|还是|选|要不要")
    # the agent's offer a follow-up asks about (送几瓶 after 满99送一瓶 → 满99、250g小瓶装的活动)
    offer_topic: str = ""
    offer_asks: re.Pattern | None = None
    # a follow-up naming another variant of its own (那鸡肉的呢 / 15 Pro的呢): not the agent's values
    variant_named: re.Pattern | None = None
    # what may not come right before the modal (也是L吗 / 都要L吗): no clean indirect form
    unmovable: re.Pattern | None = None
    # a change that may happen (起球 / 掉色 / 缩水) asked without a modal: 会不会起球, not 是不是起球
    will_change: re.Pattern | None = None
    # the values a question is asked with, before it when it does not name them (25厘米的话，)
    context: str = ""
    # what the buyer says of themselves with no unit read as a fact (我155 / 猫7岁): {context}'s values
    own_values: re.Pattern | None = None
    # a placeholder of an anonymised chat ([姓名x] / [数字x]): a topic, question or value holding one is
    # not named (帮您问一下什么是[姓名x] reads garbled)
    masked: re.Pattern | None = None
    # an agent turn asking the buyer to confirm the item or order (…请问是这个商品吗 / [订单x] 这个订单吗):
    # the specs of that product line (金色 / 银色) are no values of what the buyer then asks
    identifies: re.Pattern | None = None
    # a claim the buyer says they were told and now disputes (不是说自带防雾吗 / 不是写着48小时发货吗): its
    # `claim` group, named as the buyer's (dispute_topic, {claim}) by a holding reply, never as true
    disputes: re.Pattern | None = None
    dispute_topic: str = ""
    # scenarios where a time is the time of the order's steps: a time disputed there is a delay's
    dispute_not_when: tuple[str, ...] = ()
    # a buyer asking the agent to hurry (帮我催一下 / 快点啊 / 尽快处理): the holding reply says the agent
    # chases it (hurry, naming the topic; hurry_plain without one), not that it looks it up or checks
    # whether it can chase (帮您问一下能不能帮您催一下); not a message asking when (hurry_not)
    hurry: re.Pattern | None = None
    hurry_not: re.Pattern | None = None
    hurry_topic: tuple[str, ...] = ()
    hurry_plain: tuple[str, ...] = ()
    # a reply answering some parts of a question of several: the clause naming the others
    check: tuple[str, ...] = ()
    # …and one answering none of them in the buyer's words: the clause naming them all (no 另外)
    check_all: tuple[str, ...] = ()
    check_joiner: str = "，还有"
    # a reply that itself says it checks and comes back (确认后马上告诉您): `check_all` is not added to it
    holds: re.Pattern | None = None
    other_parts: str = "您问的其他问题"  # the parts named when none can be said cleanly
    check_max_parts: int = 2
    # a yes/no question becomes an indirect question by its first modal (能 → 能不能)
    modals: tuple[tuple[str, str], ...] = ()
    # the words of a clause that ask without naming anything (能不能 / 吗 / 怎么), for coverage
    function_words: re.Pattern | None = None
    # question cues beyond conversation.asks (磨多粗 / 水温几度)
    asks: re.Pattern | None = None
    # what a restated question does not start with, after the [subject] lead (这猫粮 → 猫粮)
    lead: re.Pattern | None = None
    question_chars: tuple[int, int] = (3, 14)
    # the noun an asking clause opens with (无痕钉能挂多重), named before an aspect topic (无痕钉重量的问题)
    subject_chars: tuple[int, int] = (2, 6)
    # …not when it is followed by these (锅底粘了怎么办 / 铝合金还是碳纤维: a state or a choice)
    subject_not_before: re.Pattern | None = None
    # a holding reply names the questions of a message up to this length, the rest as `more_parts`
    question_total_chars: int = 28
    more_parts: str = "这几个问题"
    # (the buyer's word, the agent's): 我家 → 您家, 啥 → 什么 in a restated question
    rewrites: tuple[tuple[str, str], ...] = ()
    # a value the buyer names that is a measure (宝宝13kg / 猫12斤): the size it fits is asked
    measures: re.Pattern | None = None
    # a restated question naming the shop (你们) is not restated
    refuse: re.Pattern | None = None
    # a request to the agent (通知我一下行吗 / 帮我下单行不行) is not restated as a question to check
    request: re.Pattern | None = None
    # a value the buyer's words go on past (24磅 read as 24, 7个G as 7个, 两个人 as 两个, 路88号 as 88号)
    # is no clean value to name: the character after it (value_cut_after) or before it (value_cut_before)
    value_cut_after: re.Pattern | None = None
    value_cut_before: re.Pattern | None = None
    value_units: re.Pattern | None = None  # a unit said with the number, read with it (24磅)
    # a follow-up question holds the specs and measures of the buyer's question before it (奶瓶240ml
    # 怎么消毒 → 能用开水煮吗: 240ml的话，) and the condition they said of themselves (干皮)
    earlier_kinds: tuple[str, ...] = ()
    earlier_scenarios: tuple[str, ...] = ()  # …in questions about the goods only
    own_conditions: re.Pattern | None = None
    # clauses that read as questions but tell a worry or a fact (怕L穿不了几天 / 才买几天)
    not_asking: re.Pattern | None = None
    # how an object's topic about a property ends (真皮的问题): a part named with it joins by 和
    problem: str = "的问题"
    content_pairs: int = 2  # characters in a row a reply must share with a clause to cover it
    # (what a clause asks, what in a reply answers it) when the words differ: 什么时候到 is answered by
    # 1到3个工作日, 能便宜点吗 by 单独改价这边做不了
    answered_by: tuple[tuple[re.Pattern, re.Pattern], ...] = ()
    # a yes/no question about how much of a quality (添加剂多吗): said as 多不多
    adjectives: str = ""
    # a complaint whose clause names no topic: the fault the buyer names, with their item
    # ({item}{fault}的情况: 饼干碎了的情况 / 耳机没声音的情况), not a generic 商品的问题
    fault_topic: str = ""
    # the words before the fault that are not what broke (收到的 / 都): what is left names it (封口膜)
    fault_lead: re.Pattern | None = None
    # a reply's ask for a photo of a complaint (麻烦您拍张照片发给我) and the same ask naming the fault
    # ({topic}: 麻烦您把饼干碎了的情况拍张照片发给我), so the stock reply does not ignore what broke
    photo_ask: re.Pattern | None = None
    photo_fault: str = ""
    photo_not: re.Pattern | None = None
    # the fault a buyer told (鞋底开胶了 / 只有上衣没有裤子 / 少一包), said back by a complaint reply that
    # names nothing of it (judges: a stock 照片收到了 that ignores what broke): ``fault_said``
    fault_words: re.Pattern | None = None
    fault_asks: re.Pattern | None = None  # a clause asking whether it is faulty (会不会掉色): no fault told
    fault_drop: re.Pattern | None = None  # words of the buyer's clause not said back (收到 / 但是 / 好像)
    # a fault of the outer box (外箱也凹了) is said only when no turn tells one of the goods (灯罩碎了)
    fault_outer: re.Pattern | None = None
    fault_chars: int = 14
    fault_scenarios: tuple[str, ...] = ()
    # the clause said after the reply's acknowledgement or apology ({fault}: the buyer's words)
    fault_heard: str = ""
    fault_after: re.Pattern | None = None
    # a holding reply to a complaint asking how it is handled (怎么处理 / 怎么赔) names the fault
    fault_handling: re.Pattern | None = None
    # a health or safety problem told: the safe step first (stop using it, a doctor, a photo), after the
    # reply's apology; the first step that matches; a clause that asks or worries tells nothing
    safety: tuple[SafetyStep, ...] = ()
    safety_not: re.Pattern | None = None
    safety_photo: str = ""  # …and a photo asked for, unless one was sent or asked for (photo_sent)
    photo_sent: re.Pattern | None = None

    # an arrival asked (今天能到吗 / 还没到) right after turns about a refund is the refund's: the topic
    # it would get (物流的情况) said as the other (退款的情况), unless the message names the parcel
    arrival_topic: str = ""
    arrival_after: re.Pattern | None = None
    arrival_now: str = ""
    arrival_unless: re.Pattern | None = None
    # …and of another thing the chat's last turns speak of, that also arrives (票要多久能寄到 → 十天能到我
    # 手里吗 asks about the invoice: 发票的情况): ``(pattern, topic)`` pairs tried after the refund
    arrival_others: tuple[tuple[re.Pattern, str], ...] = ()

    def arrival_of(self, topic: str, message: str, recent: Sequence[str]) -> str:
        """``topic`` said as what the chat's last turns (``recent``) speak of when it is the arrival
        topic and they speak of a refund (仓库收到退货后原路退回 → 那今天能到吗: 退款的情况)."""
        if (
            not topic
            or topic != self.arrival_topic
            or self.arrival_after is None
            or (self.arrival_unless is not None and self.arrival_unless.search(message))
        ):
            return topic
        if any(self.arrival_after.search(t) for t in recent):
            return self.arrival_now or topic
        # (the newest turn that speaks of one decides)
        for turn in reversed(recent):
            for pattern, other in self.arrival_others:
                if pattern.search(turn):
                    return other
        return topic

    def safety_step(self, buyer_turns: Sequence[str], agent_turns: Sequence[str]) -> str:
        """The safe step for a health or safety problem the buyer told in their last turns (newest
        last), or "" when none is told: what to stop, whom to see, and a photo where none was sent."""
        told = [
            clause
            for text in buyer_turns[-3:]
            for clause in _CLAUSE_ASKED.findall(text)
            if self.safety_not is None or not self.safety_not.search(clause)
        ]
        chat = " ".join([*buyer_turns, *agent_turns])
        for step in self.safety:
            if not any(step.says.search(c) for c in told):
                continue
            if step.chat is not None and not step.chat.search(chat):
                continue
            agents = " ".join(agent_turns)
            said = "" if step.stop_done is not None and step.stop_done.search(agents) else step.stop
            if not (step.care_done is not None and step.care_done.search(chat)):
                said += step.care
            if self.photo_sent is None or not self.photo_sent.search(chat):
                said += self.safety_photo
            return said
        return ""

    def disputed(self, message: str) -> str:
        """The claim the buyer disputes in ``message`` (自带防雾 of 不是说自带防雾吗), or ""."""
        found = self.disputes.search(message) if self.disputes is not None and self.dispute_topic else None
        return found.group("claim") if found is not None else ""

    def told_topic(self, words: str) -> str:
        """The topic naming a fault the buyer told, in their words (``fault_topic`` with no item added:
        泵头坏了压不出来的情况)."""
        return self.fault_topic.replace("{item}", "").replace("{fault}", words)

    def pick(self, family: Sequence[str], message: str) -> list[str]:
        """The phrasings of ``family``, the one the message chooses first (the same message, the same
        phrasing), then the others in order, should the first not fit."""
        if not family:
            return []
        first = zlib.crc32(message.encode("utf-8")) % len(family)
        return [family[first], *family[:first], *family[first + 1 :]]


def asks_yes_no(text: str) -> bool:
    """Whether ``text`` ends as a yes/no question (好了没 / 能打折吗), which conversation.asks may not
    read as asking."""
    return bool(_YES_NO_END.search(text.strip()))


@dataclass(frozen=True)
class Clause:
    """One asking clause of a buyer message: its words, and the same as an indirect question."""

    text: str
    question: str
    content: str = field(default="")


def question_form(
    clause: str, wording: HoldingWording, lead: re.Pattern | None, tail: re.Pattern | None
) -> str:
    """``clause`` as an indirect question an agent can say after 帮您确认一下 (能放洗碗机吗 →
    能不能放洗碗机; 我家猫能吃吗 → 您家猫能不能吃), or "" when it cannot be said cleanly: too short or
    long, a statement, an ellipsis (那32的呢), or words about the shop (你们)."""
    words = clause.strip()
    if wording.request is not None and wording.request.search(words):
        return ""
    for pattern in (lead, wording.lead):
        words = pattern.sub("", words) if pattern is not None else words
    yes_no = bool(_YES_NO_END.search(words))
    done = bool(re.search(r"了[吗么嘛没]?[?？!！。~～\s]*$", words))  # (催了吗: whether it was done)
    if tail is not None:
        words = tail.sub("", words)
    words = re.sub(r"(吗|(?<![什怎这那多])么|嘛|没有|没)$", "", words)  # (not the 么 of 什么)
    if yes_no:
        words = re.sub(r"(?<=[^不])不$", "", words)  # 有人要不 asks 有人要: not 有人要不要不
    if not words or (wording.refuse is not None and wording.refuse.search(words)):
        return ""
    if yes_no and "不是" in words:
        return ""  # 不是才999吗 is said to object, not asked
    for mine, yours in wording.rewrites:
        words = words.replace(mine, yours)
    words = without_idioms(words)
    if len(re.findall(r"\d+", words)) >= 2 and not re.sub(
        r"[\d.]+|(.)[不没]\1|[吗么嘛呢吧啊行可以能会要]", "", words
    ):
        return ""  # 599能不能480: two figures and a modal name no question in words (150行不行 does)
    if _STILL.search(words) and not _ASKS_ALREADY.search(_STILL.sub("", words)) and not yes_no:
        return ""  # 锁了还是晃 / 散了四天了还是臭: 还是 after a told state says "still", a problem told
    if not _ASKS_ALREADY.search(words):
        if not yes_no:
            return ""
        if wording.adjectives and words[-1] in wording.adjectives and not words.endswith("不" + words[-1]):
            return _sized(words + "不" + words[-1], wording)  # 添加剂多吗 → 添加剂多不多
        for modal, asked in wording.modals:
            if modal in words:
                before = words[: words.index(modal)]
                if wording.unmovable is not None and wording.unmovable.search(before):
                    return ""
                words = words.replace(modal, asked, 1)
                break
        else:
            if wording.unmovable is not None and wording.unmovable.search(words[:1]):
                return ""
            change = wording.will_change.search(words) if wording.will_change is not None else None
            if change is not None:
                words = words[: change.start()] + "会不会" + words[change.start() :]
            elif len(words) < 2 or done:
                return ""  # (催了吗 / 核实了吗 / 发吗: 是不是核实 asks whether the agent did it)
            else:
                words = is_it(words)
    if wording.modals and not re.sub("|".join(re.escape(a) for _, a in wording.modals), "", words):
        return ""  # 可以吗 alone → 可不可以: it names nothing to check
    return _sized(words, wording)


def without_idioms(words: str) -> str:
    """``words`` without the buyer's four-character idioms and the 的 after one (有没有乱七八糟的添加剂 →
    有没有添加剂): colour of the buyer's, said back in the shop's voice it reads as an echo (judges:
    "holding reply echoes buyer slang"); the question is what is left."""
    import jieba.posseg

    from .text import _jieba

    _jieba()
    cut = [(w.word, w.flag) for w in jieba.posseg.cut(words)]
    kept: list[str] = []
    skip_de = False
    for word, flag in cut:
        if flag == "i" and len(word) == 4:
            skip_de = True
            continue
        if skip_de and word == "的":
            skip_de = False
            continue
        skip_de = False
        kept.append(word)
    left = "".join(kept)
    return left if len(left) >= 2 else words


# the parts of speech a subject noun is read by (jieba): not a place or a name (泰国进口的 asks about 泰国)
_NOUNS = frozenset({"n", "nz", "ng"})  # (ng: a noun morpheme, 乳 of 身体乳)


def is_it(words: str) -> str:
    """A yes/no question with no modal asked as A-not-A when it ends in a one-character verb or
    adjective or a two-character adjective (鞋跟磨损算 → 鞋跟磨损算不算, 穿73合适 → 穿73合不合适), else with 是不是 after the noun it opens with (登山鞋防水 →
    登山鞋是不是防水; not 是不是登山鞋防水), else before it all (是不是国行)."""
    import jieba.posseg

    from .text import _jieba

    _jieba()  # (initialised once, quietly)
    cut = [(w.word, w.flag) for w in jieba.posseg.cut(words)]
    last, flag = cut[-1] if cut else ("", "")
    # (not after a one-character verb: 防滑 read as 防/滑 is no 防滑不滑; 6个也包 is 6个也包不包)
    if (
        len(cut) > 1
        and len(last) == 1
        and flag in ("v", "a")
        and not (len(cut[-2][0]) == 1 and cut[-2][1] == "v")
    ):
        return words + "不" + last  # 鞋跟磨损算 → 鞋跟磨损算不算
    if len(cut) > 1 and len(last) == 2 and flag in ("a", "an") and last[0] not in "很太不挺更最真":
        return words[:-2] + last[0] + "不" + last  # 穿73合适 → 穿73合不合适
    lead = 0
    while lead < len(cut) and cut[lead][1] in _NOUNS:
        lead += 1
    if lead == len(cut):
        lead -= 1  # (杯子保温: all read as nouns, the last one is what is asked)
    rest = "".join(w for w, _ in cut[lead:])
    if lead <= 0 or len(rest) < 2 or rest.startswith("的"):
        return "是不是" + words
    return "".join(w for w, _ in cut[:lead]) + "是不是" + rest


def whole_value(text: str, start: int, end: int, wording: HoldingWording) -> str:
    """The number-bearing value at ``text[start:end]`` as it stands whole in the buyer's words: with a
    unit the fact reader does not know (``value_units``: 24 of 24磅 → 24磅); "" when it is the first
    piece of a longer one (7个G / 两个人) or the tail of an address (建国路88号); others as they are."""
    value = text[start:end]
    if not re.search(r"[\d一二两三四五六七八九十]", value):
        # (a colour or a letter size: 杏色S码 / 灰色40 are two values; a colour before a noun is the
        # noun's, 白色水垢 / 白色小盒子, no option of the goods)
        return "" if _noun_after(text[end:]) else value
    unit = wording.value_units.match(text, end) if wording.value_units is not None else None
    if unit is not None:
        return value + unit.group(0)
    after, before = text[end : end + 1], text[max(start - 1, 0) : start]
    if (after and wording.value_cut_after is not None and wording.value_cut_after.match(after)) or (
        before and wording.value_cut_before is not None and wording.value_cut_before.match(before)
    ):
        return ""
    return value


def _noun_after(text: str) -> bool:
    """Whether ``text`` (what follows a value in its turn) opens with a noun, after at most one
    adjective (水垢 / 小盒子), so the value is part of that noun's name."""
    import jieba.posseg

    from .text import _jieba

    clause = re.split(r"[^\u4e00-\u9fff]", text, maxsplit=1)[0][:8]
    if not clause:
        return False
    _jieba()
    cut = [(w.word, w.flag) for w in jieba.posseg.cut(clause)][:2]
    if cut and cut[0][1] == "a" and len(cut[0][0]) == 1:
        cut = cut[1:]
    # (any noun reading: jieba reads a word it does not know, 小盒子, as a name)
    return bool(cut) and cut[0][1].startswith("n") and len(cut[0][0]) >= 2


def own_values(message: str, wording: HoldingWording) -> str:
    """What the buyer says of themselves (我155 → 您155, 猫7岁), in the agent's words, for a holding
    reply's {context}; "" when the message says none (``own_values``)."""
    if wording.own_values is None:
        return ""
    found = wording.own_values.search(message)
    if found is None:
        return ""
    groups = found.groupdict()
    words = groups["who"] + groups["value"] if groups.get("who") and groups.get("value") else found.group(0)
    words = re.sub(r"\s+", "", words)
    for mine, yours in wording.rewrites:
        words = words.replace(mine, yours)
    return words


def fault_said(buyer_turns: Sequence[str], wording: HoldingWording, item: str = "") -> tuple[str, str]:
    """The fault the buyer told, newest turn first, in their own words (``fault_words``): the clause
    naming it with a short noun clause right before it (腰果那罐 盖子都裂开了 → 腰果那罐盖子都裂开了), the
    words of ``fault_drop`` left out, the chat's ``item`` put first when a short clause lacks it (少一包
    → 螺蛳粉少一包); one of the goods before one of the outer box (``fault_outer``); ``(words, fault
    word)``, or ``("", "")`` when no turn tells one cleanly."""
    if wording.fault_words is None:
        return "", ""
    told: list[tuple[str, str]] = []
    for text in reversed(buyer_turns):
        # (each clause with its question mark: 少7个G也正常？ asks)
        clauses = _CLAUSE_ASKED.findall(re.sub(r"\[[^\]]*\]", " ", text))  # ([图片] is no clause)
        for at, clause in enumerate(clauses):
            found = wording.fault_words.search(clause)
            if found is None or (wording.fault_asks is not None and wording.fault_asks.search(clause)):
                continue
            words = clause
            before = clauses[at - 1] if at else ""
            if before and len(before) <= 6 and not re.search(r"[是的了到吗呢吧啊我你您在]", before):
                words = before + words  # the part it is about (腰果那罐)
            while wording.fault_drop is not None and (dropped := wording.fault_drop.sub("", words)) != words:
                words = dropped  # (again: what a drop leaves at the start, 我的耳机 → 的耳机 → 耳机)
            if item and item not in words and len(words) <= 8:
                words = item + words
            # (a bare 坏了 with no part or item names nothing)
            told.append((words, found.group(0)) if 3 <= len(words) <= wording.fault_chars else ("", ""))
    outer = wording.fault_outer
    goods = [t for t in told if outer is None or not outer.search(t[0])]
    return (goods or told or [("", "")])[0]


def fault_in(reply: str, words: str, fault: str) -> bool:
    """Whether ``reply`` already names the fault told in ``words`` (``fault_said``): its fault word, or
    the two characters of what broke right before it (鞋底 of 鞋底开胶了)."""
    part = words[: words.index(fault)][-2:] if fault in words else ""
    return fault in reply or (len(part) == 2 and part in reply)


def _sized(words: str, wording: HoldingWording) -> str:
    low, high = wording.question_chars
    return words if low <= len(words) <= high else ""


def asking_clauses(
    text: str,
    wording: HoldingWording,
    asks: Callable[[str], bool],
    lead: re.Pattern | None,
    tail: re.Pattern | None,
    skip: re.Pattern | None = None,
) -> list[Clause]:
    """The clauses of ``text`` that ask something, each with its indirect question ("" when it has
    none) and its content words (what a reply must name to answer it)."""
    found: list[Clause] = []
    previous = ""
    for clause in _CLAUSES.split(text):
        before, previous = previous, clause
        if not clause or any(p is not None and p.search(clause) for p in (wording.not_asking, skip)):
            continue
        asking = asks(clause) or (wording.asks is not None and wording.asks.search(clause))
        if not asking:
            continue
        content = clause
        if wording.function_words is not None:
            content = wording.function_words.sub(" ", content)
        # (a how with no object asks it of the noun the clause before ends with: 有一层茶垢 怎么清理)
        question = bare_asked(before, clause, wording, lead, tail) or question_form(
            clause, wording, lead, tail
        )
        found.append(Clause(clause, question, content.strip()))
    return found


def is_bare_how(clause: str, wording: HoldingWording, lead: re.Pattern | None) -> bool:
    """Whether ``clause`` is a how-question with no object (咋整啊 / 怎么清理), in the agent's words."""
    words = clause.strip()
    for pattern in (lead, wording.lead):
        words = pattern.sub("", words) if pattern is not None else words
    for mine, yours in wording.rewrites:
        words = words.replace(mine, yours)
    return bool(_HOW_VERB.fullmatch(re.sub(r"[啊呀呢哈嘛吖?？!！。~～]+$", "", words)))


def bare_asked(
    before: str, clause: str, wording: HoldingWording, lead: re.Pattern | None, tail: re.Pattern | None
) -> str:
    """A how-question with no object (咋除) asked of the noun the clause before ends with (烧水壶里面有白色
    水垢 咋除 → 水垢怎么除), or "": the thing asked is named by the buyer's own noun, never left out."""
    import jieba.posseg

    from .text import _jieba

    if not before or not is_bare_how(clause, wording, lead):
        return ""
    _jieba()
    cut = [(w.word, w.flag) for w in jieba.posseg.cut(before)]
    noun, flag = cut[-1] if cut else ("", "")
    if flag not in _NOUNS or not 2 <= len(noun) <= 4:
        return ""
    return question_form(noun + clause, wording, lead, tail)


def covers(
    reply: str,
    clause: Clause,
    size: int = 2,
    ignore: Sequence[str] = (),
    answered_by: Sequence[tuple[re.Pattern, re.Pattern]] = (),
) -> bool:
    """Whether ``reply`` names what ``clause`` asks about: it shares ``size`` characters in a row of
    the clause's content (谷物 / 洗碗机), the words of ``ignore`` (the item: 猫粮) left out, or it
    answers the kind of question the clause asks (``answered_by``: a time for 什么时候到). A clause
    with no content (怎么办) counts as covered."""
    kinds = [answer for asked, answer in answered_by if asked.search(clause.text)]
    if any(answer.search(reply) for answer in kinds):
        return True
    content = clause.content
    for word in ignore:
        content = content.replace(word, " ") if word else content
    chunks = [c for c in content.split() if len(c) >= size]
    if not chunks:
        return not kinds  # 买精华送啥 names nothing but the item: a reply naming no gift leaves it
    return any(_named(chunk, reply, size) for chunk in chunks)


def _named(chunk: str, reply: str, size: int) -> bool:
    """Whether ``reply`` names ``chunk``: a short one (谷物, 铁铲子) by ``size`` characters of it; a
    longer one (放消毒柜, 一天一消毒) by more than one such piece or a longer one, since a piece alone
    (消毒) may belong to another part."""
    pieces = {chunk[i : i + size] for i in range(len(chunk) - size + 1)}
    found = [p for p in pieces if p in reply]
    if len(chunk) <= size + 1:
        return bool(found)
    longer = any(chunk[i : i + size + 1] in reply for i in range(len(chunk) - size))
    return len(found) >= 2 or longer


def load_wording(data: dict, path: Path, slots: dict | None, problems: list[Problem]) -> HoldingWording:
    """Read ``[holding_wording]``; a bad pattern or an unknown slot is a problem on its own line."""
    where = str(path)

    def phrasings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        found = tuple(str(v) for v in (value if isinstance(value, list) else [value]) if v)
        for reply in found:
            for slot in SLOT_PATTERN.findall(reply):
                if slot not in OWN_SLOTS and slots is not None and slot not in slots:
                    problems.append(
                        Problem(where, toml_line(path, key), f"slot {{{slot}}} has no value in shop.toml")
                    )
        return found

    def compiled(value: object, key: str) -> re.Pattern | None:
        try:
            return re.compile("|".join(f"(?:{v})" for v in value) if isinstance(value, list) else str(value))
        except re.error as exc:
            problems.append(Problem(where, toml_line(path, key), f"bad {key} pattern: {exc}"))
            return None

    def pattern(key: str) -> re.Pattern | None:
        value = data.get(key)
        return compiled(value, key) if value else None

    def answered_by() -> tuple[tuple[re.Pattern, re.Pattern], ...]:
        pairs = []
        for asked, answer in (pair for pair in data.get("answered_by", []) if len(pair) == 2):
            # (one problem a pair: its answer is not compiled once its question fails)
            if (first := compiled(asked, "answered_by")) is not None and (
                second := compiled(answer, "answered_by")
            ) is not None:
                pairs.append((first, second))
        return tuple(pairs)

    def arrival_others() -> tuple[tuple[re.Pattern, str], ...]:
        pairs = []
        for said, topic in (pair for pair in data.get("arrival_others", []) if len(pair) == 2):
            if (found := compiled(said, "arrival_others")) is not None:
                pairs.append((found, str(topic)))
        return tuple(pairs)

    def safety() -> tuple[SafetyStep, ...]:
        steps = []
        for entry in data.get("safety", []):
            says = compiled(entry.get("says", ""), "safety.says")
            if says is None:
                continue
            steps.append(
                SafetyStep(
                    says=says,
                    chat=compiled(entry["chat"], "safety.chat") if entry.get("chat") else None,
                    stop=str(entry.get("stop", "")),
                    stop_done=compiled(entry["stop_done"], "safety.stop_done")
                    if entry.get("stop_done")
                    else None,
                    care=str(entry.get("care", "")),
                    care_done=compiled(entry["care_done"], "safety.care_done")
                    if entry.get("care_done")
                    else None,
                )
            )
        return tuple(steps)

    chars = data.get("question_chars", [3, 14])
    return HoldingWording(
        topic=phrasings("topic"),
        question=phrasings("question"),
        values=phrasings("values"),
        generic=phrasings("generic"),
        acknowledges=pattern("acknowledges"),
        hurry=pattern("hurry"),
        hurry_not=pattern("hurry_not"),
        hurry_topic=phrasings("hurry_topic"),
        hurry_plain=phrasings("hurry_plain"),
        check=phrasings("check"),
        check_all=phrasings("check_all"),
        holds=pattern("holds"),
        context=str(data.get("context", "")),
        own_values=pattern("own_values"),
        masked=pattern("masked"),
        identifies=pattern("identifies"),
        disputes=pattern("disputes"),
        dispute_topic=str(data.get("dispute_topic", "")),
        dispute_not_when=tuple(str(s) for s in data.get("dispute_not_when", [])),
        choice_topic=str(data.get("choice_topic", "")),
        choice=pattern("choice") or HoldingWording.choice,
        offer_topic=str(data.get("offer_topic", "")),
        offer_asks=pattern("offer_asks"),
        variant_named=pattern("variant_named"),
        unmovable=pattern("unmovable"),
        will_change=pattern("will_change"),
        check_joiner=str(data.get("check_joiner", HoldingWording.check_joiner)),
        other_parts=str(data.get("other_parts", HoldingWording.other_parts)),
        check_max_parts=int(data.get("check_max_parts", HoldingWording.check_max_parts)),
        modals=tuple((str(m[0]), str(m[1])) for m in data.get("modals", []) if len(m) == 2),
        function_words=pattern("function_words"),
        asks=pattern("asks"),
        lead=pattern("lead"),
        question_chars=(int(chars[0]), int(chars[1])),
        subject_not_before=pattern("subject_not_before"),
        subject_chars=tuple(int(n) for n in data.get("subject_chars", [2, 6]))[:2],  # type: ignore[arg-type]
        question_total_chars=int(data.get("question_total_chars", HoldingWording.question_total_chars)),
        more_parts=str(data.get("more_parts", HoldingWording.more_parts)),
        rewrites=tuple((str(p[0]), str(p[1])) for p in data.get("rewrites", []) if len(p) == 2),
        measures=pattern("measures"),
        refuse=pattern("refuse"),
        request=pattern("request"),
        value_cut_after=pattern("value_cut_after"),
        value_cut_before=pattern("value_cut_before"),
        value_units=pattern("value_units"),
        earlier_kinds=tuple(str(k) for k in data.get("earlier_kinds", [])),
        earlier_scenarios=tuple(str(k) for k in data.get("earlier_scenarios", [])),
        own_conditions=pattern("own_conditions"),
        not_asking=pattern("not_asking"),
        problem=str(data.get("problem", HoldingWording.problem)),
        content_pairs=int(data.get("content_pairs", HoldingWording.content_pairs)),
        answered_by=answered_by(),
        adjectives=str(data.get("adjectives", "")),
        fault_topic=str(data.get("fault_topic", "")),
        fault_lead=pattern("fault_lead"),
        photo_ask=pattern("photo_ask"),
        photo_fault=str(data.get("photo_fault", "")),
        photo_not=pattern("photo_not"),
        fault_words=pattern("fault_words"),
        fault_asks=pattern("fault_asks"),
        fault_drop=pattern("fault_drop"),
        fault_outer=pattern("fault_outer"),
        fault_chars=int(data.get("fault_chars", HoldingWording.fault_chars)),
        fault_scenarios=tuple(str(s) for s in data.get("fault_scenarios", [])),
        fault_heard=str(data.get("fault_heard", "")),
        fault_after=pattern("fault_after"),
        fault_handling=pattern("fault_handling"),
        safety=safety(),
        arrival_topic=str(data.get("arrival_topic", "")),
        arrival_after=pattern("arrival_after"),
        arrival_now=str(data.get("arrival_now", "")),
        arrival_unless=pattern("arrival_unless"),
        arrival_others=arrival_others(),
        safety_not=pattern("safety_not"),
        safety_photo=str(data.get("safety_photo", "")),
        photo_sent=pattern("photo_sent"),
    )
