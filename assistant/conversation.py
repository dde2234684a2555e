"""The state of one conversation: what each side stated, how far the order got, what is pending.

Built from the earlier turns and the buyer's newest message with the fact layer (``facts.py``);
returned with every suggestion (``context`` in ``--json``) and shown in the console.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .facts import ORDER_STAGES, SHOP_KINDS, Fact, FactExtractor, ItemRef
from .parcels import ParcelRules, parcel_in_question
from .records import Turn

# a buyer turn that asks something (a question waiting for an answer)
_QUESTION = re.compile(
    r"[?？]|吗|么|呢[。~～!！]?$|谁[出付承担来管给]|多[大高宽远]|对吧|是吧|对不对|多少|多久|多长时间|几[天号点个件年]|什么|啥|怎么|怎样|如何|哪|能不能|可不可以|有没有|是不是|会不会|要不要|行不行|可以.{0,6}[吗嘛]"
    r"|(能|可以|会|有|是|行|要)[^，,。\s]{0,8}不[?？]?$"
    # A还是B offers two choices (寄回你们还是找售后点); 要不还是38 / 那就还是M proposes one, 还是不行
    # / 还是有点大 / 还是凹的 report
    r"|[^\s，,。要就那我还不]还是(?![不没很挺太有一那这])[^\s，,。]*[^\s，,。的了啊呀](?=[\s，,。]|$)"
    # a tag question guesses and asks to be told (还没发货吧 / 应该到了吧 / 已经发了吧); 行吧 / 取消吧 / 算了吧
    # propose or give in
    r"|(?:还没|没有?|不会|应该|已经)[^\s，,。？?！!]{0,6}吧(?=[\s，,。~～]|$)"
)
# a nudge: the buyer only chases an answer (人呢 / 在吗 / ？？) or complains that nobody answers
_NUDGE = re.compile(
    r"(?<![\d一二两三四五六七八九十几口个位客家])人呢|在吗|在不在|有人吗|有没有人|没人吗|回[一个]?下|怎么不回|不回|没人回|没人理|还没回|理一下|^[?？。.!！\s]+$|等了?半天|半[个]?小时"
    # 客服呢 / 回个话啊 / 问你话呢 / 问你呢 / 怎么不说话 / 是机器人吗 (not 扫地机器人吗) / hello?
    r"|客服呢|回个?话|回复一?下|快回[复我]|问你话|问你们?呢|问您呢|理理我|不说话|说话啊|(?<!扫地)(?<!擦窗)机器人[吗啊呢？?]"
    r"|^(?i:hello|hi|喂)[?？!！\s]*$"
    # 亲？ / 老板？ / 客服？ said alone calls the agent: it asks nothing of its own
    r"|^(?:亲+|老板|掌柜的?|客服|店家|小姐姐|小哥哥)[?？]+[?？!！\s]*$"
    # 问三遍了 / 说了好几次了 / 第二次问了: the buyer asked before and got no answer
    r"|(问|说|发)了?[两三四五六七八九十几好多]+[遍次回]|第[二三四五几]+[遍次]问"
)
# the agent's own earlier facts a reply should restate rather than replace (the courier it named, the
# offer, gift, size or amount it stated), besides every value of the buyer's newest message
_AGENT_ECHO_KINDS = SHOP_KINDS | {"size", "spec", "money", "date", "time", "duration"}
# a size said as a number after a verb of choosing or wearing (拍41 / 穿38 / 还是38 / 改成41的) or
# right after a colour (黑色38的有吗)
_VERB_SIZE = re.compile(
    r"(?:穿|拍|拿|选|买|换|改成|还是|色)\s*(\d{2})(?![\d.]|\s*(?:元|块|件|天|斤|个|号|点|岁|%|米|公斤|小时|分|[a-zA-Z]))"
)
# asking to switch to a value (能换中通吗 / 发圆通可以吗 / 改成韵达): the words right before it
_SWITCH_TO = re.compile(r"(换|改|发|走|用)(成|个|一下)?\s*$")
# …unless the switch verb is negated (别发成中通 / 不要换圆通 keep the courier agreed): 要不要 / 用不用 /
# 发不发 ask, they do not negate
_SWITCH_NEGATED = re.compile(
    r"(别|(?<!要)不要|(?<!用)不用|(?<![换改发走用])不|勿)\s*(换|改|发|走|用)(成|个|一下)?\s*$"
)
# days relative to now: a buyer's "today" (今天周三) is not the day they need the goods by
_NOW_DAYS = ("今天", "今日", "昨天", "前天", "刚才", "现在")
# a turn about money, where a bare number is an amount (钱咋还没退 299呢)
_MONEY_TALK = re.compile(r"钱|退款|付了|付款|实付|到账|退了|差价")
# a clause reporting what the buyer usually takes (我平时运动鞋穿41), not what they ask about now
_USUAL = re.compile(r"平时|一般|平常|日常|以前|之前|本来|通常")
# what may follow a value that stands alone (白色 / 白的 / 白款 / 白 有吗), not the start of a word (蓝牙)
_STANDS_ALONE = re.compile(r"色|的|款|系|$|[\s\W\dA-Za-z]")
# how much a reply that restates this chat's own facts outranks one that does not (per fact, at most two)
ECHO_BONUS = 1.15
# how much more a reply naming the day the buyer needs the goods by is worth (it answers the deadline)
DEADLINE_BONUS = 1.2
# a spec said as digits and a unit (28cm / 500ml)
_SPEC = re.compile(r"^(\d+)\s*([A-Za-z]+|厘米|毫米|寸|升|毫升|毫安)$")
# a bare number a buyer may mean as a size (那42的呢), not an amount, a count or a time
# a bare number a buyer may mean in a spec's unit (20000的呢 after 10000mAh可以上飞机), up to six digits
_BARE_SPEC_NUMBER = re.compile(
    r"(?<![\d.])(\d{2,6})(?![\d.]|\s*(?:元|块|件|天|斤|个|号|点|岁|%|米|公斤|小时|分|毛|[a-zA-Z]))"
)
_BARE_NUMBER = re.compile(
    r"(?<![\d.])(\d{2,3})(?![\d.]|\s*(?:元|块|件|天|斤|个|号|点|岁|%|米|公斤|小时|分|毛|[a-zA-Z]))"
)


def asks(text: str) -> bool:
    """Whether a buyer's text asks something (a question waiting for an answer)."""
    return bool(_QUESTION.search(text))


@dataclass(frozen=True)
class StatedFact:
    """A fact with who stated it (``buyer``/``agent``) and in which turn (0 = the oldest)."""

    fact: Fact
    role: str
    turn: int

    def to_dict(self) -> dict:
        return {**self.fact.to_dict(), "by": self.role, "turn": self.turn}


@dataclass(frozen=True)
class Deadline:
    """How a buyer names the day they need the goods by (intents.toml ``[deadline]``)."""

    by: re.Pattern | None = None  # after the date: 前 / 要用 / 生日 / 能到
    in_time: re.Pattern | None = None  # the turn asks whether it arrives in time: 来得及吗
    today: re.Pattern | None = None  # before the date: 今天 (今天周三 names today)
    passed: re.Pattern | None = None  # the day has passed: 生日都过了


@dataclass(frozen=True)
class SizeRules:
    """How a buyer weighs the size the agent advised against another (intents.toml ``[size_choice]``)."""

    bigger: re.Pattern | None = None  # a body trait that wants the bigger size: 脚背高 / 胯宽 / 脚胖
    smaller: re.Pattern | None = None  # one that wants the smaller: 脚瘦 / 脚窄
    too_big: re.Pattern | None = None  # a worry that the advised size is big: 会不会大
    advice: re.Pattern | None = None  # the agent's turn advises the size (建议 / 合适), not stock (有货)
    baby: re.Pattern | None = None  # the buyer sizes a baby (宝宝10个月): the baby wording, item or not


@dataclass(frozen=True)
class Substitution:
    """A new value dropped into the buyer's earlier question (intents.toml ``[substitution]``: 那8个呢
    after 买5个便宜点): ``message`` reads the whole message and its ``value``; ``parts`` the kinds of value."""

    message: re.Pattern
    parts: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class SizeChoice:
    """The buyer's choice between the size the agent advised and another they name (要不要拿40 还是39就行):
    ``way`` is ``bigger``/``smaller`` (the other size suits the ``reason`` the buyer gave) or ``keep``
    (the advised size stands against the one they usually take); ``basis`` what the advice was read
    off (the buyer's foot length ``foot``, height and weight ``body``, else ``none``)."""

    advised: str
    other: str
    way: str
    reason: str
    basis: str
    measure: str = ""  # the buyer's foot length (25cm) or weight (18斤) the basis names


# a size a step from the advised one (要不要拿大一码 / 小半码), not one the item runs (偏小一码)
_SIZE_STEP = re.compile(r"(?<!偏)(大|小)(一|半)码")
# letter sizes smallest first (which of two sizes is the bigger)
_LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL", "5XL")
_LETTER_ALIASES = {"XXL": "2XL", "XXXL": "3XL", "XXXXL": "4XL"}


def size_rank(value: str) -> float | None:
    """A size's place for comparing two sizes of one kind (38.5 < 39, M < L < 2XL); None when unknown."""
    text = re.sub(r"码$", "", value.strip().upper())
    text = _LETTER_ALIASES.get(text, text)
    if text in _LETTER_SIZES:
        return 1000.0 + _LETTER_SIZES.index(text)
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ConversationState:
    """What this conversation has established so far.

    ``facts`` are every fact either side stated (agent's first when listed by ``agent_values``);
    ``order_stage`` is the furthest order event reached (browsing → ordered → paid → shipped →
    delivered → after_sale); ``pending_question`` is a buyer question no agent turn has answered yet
    (holding lines such as 稍等 do not count); ``item`` is the buyer's item and ``category`` its
    product category when known; ``escalation`` lists anger or escalation words in the buyer's turns.
    """

    facts: tuple[StatedFact, ...] = ()
    order_stage: str = "browsing"
    pending_question: str | None = None
    item: ItemRef | None = None
    category: str | None = None
    escalation: tuple[str, ...] = ()
    nudge: bool = False
    # the newest message only asks to go on (然后呢 / 好了没 / 给个准话): a nudge about the last question
    follow_up: bool = False
    last_question: int | None = None  # the index of the buyer's last earlier turn that asked something
    anger: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()  # every turn's text, oldest first, the newest message last
    roles: tuple[str, ...] = ()  # who said each of ``texts`` (buyer/agent)
    # the agent already apologised in this chat (非常抱歉亲，麻烦拍个视频): a problem is being handled
    apologised: bool = False
    deadline: Deadline | None = None  # how this corpus words a deadline (for ``wanted_date``)
    # the newest message asks about one parcel of several whose goods have not gone yet (parcels.py:
    # 垫子呢 after 防潮垫断货了 先发帐篷 … 帐篷收到了): nothing of it is in the buyer's hands
    parcel_unshipped: bool = False
    # what the chat's facts owe an apology for though no word is cross (grievance.py: a promised day
    # passed, an answer that missed the question, a problem nobody apologised for); set by the core
    grievance: str = ""
    grievance_apology: str = ""  # the apology that names it (upset.toml [grievance.apology])

    def values(self, kind: str, role: str | None = None) -> list[str]:
        """Distinct values of one kind, the most recent first (optionally of one side only)."""
        seen: list[str] = []
        for stated in reversed(self.facts):
            if (
                stated.fact.kind == kind
                and (role is None or stated.role == role)
                and stated.fact.value not in seen
            ):
                seen.append(stated.fact.value)
        return seen

    def asked_now(self, kinds: tuple[str, ...]) -> list[StatedFact]:
        """The buyer's facts of these kinds in the newest message (what they ask about now: 那L呢); a
        message that only chases (有没有人啊 等着下单呢) asks the pending question's (110码)."""
        newest = len(self.texts) - 1
        found = [s for s in self.facts if s.turn == newest and s.role == "buyer" and s.fact.kind in kinds]
        if found or not (self.nudge and self.pending_question):
            return found
        chased = max(
            (
                i
                for i, t in enumerate(self.texts[:-1])
                if self.roles[i] == "buyer" and t.strip() == self.pending_question
            ),
            default=None,
        )
        if chased is None:
            return []
        # only the values of its asking clause (110码 in 恐龙款的110码还有吗 孩子4岁100cm, not the height)
        text = self.texts[chased]
        spans = [m.span() for m in re.finditer(r"[^，,。！!？?；;\s]+", text) if asks(m.group(0))]
        return [
            s
            for s in self.facts
            if s.turn == chased
            and s.role == "buyer"
            and s.fact.kind in kinds
            and any(a <= s.fact.start < b for a, b in spans)
        ]

    def asked_about(self, kinds: tuple[str, ...]) -> StatedFact | None:
        """Of several values in the newest message, the one its question is about (42会不会大 我平时
        穿41 → 42): the first in a clause that asks, when another only reports; None otherwise."""
        now = self.asked_now(kinds)
        if len(now) < 2:
            return None
        text = self.texts[-1]
        clauses = [(m.start(), m.end()) for m in re.finditer(r"[^，,。；;！!？?\s]+[？?]?", text)]
        asking = [s for s in now for a, b in clauses if a <= s.fact.start < b and asks(text[a:b])]
        reported = [
            s
            for s in now
            for a, b in clauses
            if a <= s.fact.start < b and s not in asking and _USUAL.search(text[a:b])
        ]
        # only where the other values report what the buyer usually takes (要不还是38 proposes one)
        return asking[0] if asking and len(asking) + len(reported) == len(now) else None

    def echo_texts(self) -> tuple[str, ...]:
        """This chat's own facts a suggestion should restate: the values of the buyer's newest
        message (and of the pending question they chase) and the agent's earlier courier, offers,
        gifts, sizes and amounts, as written (中通, 满300减40, 80码, 299)."""
        newest = len(self.texts) - 1
        pending = {
            i for i, t in enumerate(self.texts[:-1]) if self.nudge and t.strip() == self.pending_question
        }
        found: list[str] = []
        for stated in self.facts:
            kind = stated.fact.kind
            if kind in ("order_event", "person", "occasion", "item"):
                continue
            own = stated.role == "buyer" and (stated.turn == newest or stated.turn in pending)
            if own or (stated.role == "agent" and kind in _AGENT_ECHO_KINDS):
                text = stated.fact.text.strip()
                if len(text) >= 2 and text not in found:
                    found.append(text)
        return tuple(found)

    def echo_factor(self, reply: str) -> float:
        """The ranking factor of a reply that restates this chat's own facts (a reply whose
        {courier} slot bound to the courier the agent named outranks one that names none), and more
        for one naming the day the buyer needs the goods by (周六前能不能送到 to 周六前能到杭州不)."""
        echoed = sum(1 for text in self.echo_texts() if text in reply)
        deadline = self._needed_by
        return ECHO_BONUS ** min(echoed, 2) * (DEADLINE_BONUS if deadline and deadline in reply else 1.0)

    @functools.cached_property
    def _needed_by(self) -> str | None:
        # (worked out once per message: echo_factor runs for every candidate reply)
        return self.wanted_date()

    def settled(self, kind: str, usable: Collection[str] = ()) -> StatedFact | None:
        """The value of a shop kind (courier, coupon, gift …) this chat settled on: the agent's latest,
        unless the buyer then chose one the agent had offered (默认中通 顺丰要补8元 → 那就中通吧) or asks
        to switch to one the shop uses (``usable``: 默认韵达 → 能换中通吗, the reply agrees to 中通); a
        courier the buyer stated (罐头买了 顺丰) when the agent named none, not one they only ask
        about (能发顺丰吗 is no fact of this order)."""
        agent = self.latest(kind, "agent")
        buyer = self.latest(kind, "buyer")
        if buyer is None:
            return agent
        if agent is None:
            return buyer if kind == "courier" and not asks(self.texts[buyer.turn]) else None
        offered = {s.fact.value for s in self.facts if s.role == "agent" and s.fact.kind == kind}
        requested = self.switch_request(kind, usable)
        if requested is not None and requested.turn > agent.turn:
            return requested
        return buyer if buyer.turn > agent.turn and buyer.fact.value in offered else agent

    def switch_request(self, kind: str, usable: Collection[str]) -> StatedFact | None:
        """The buyer's latest request to switch to a value the shop uses (能换中通吗 / 改成圆通), after
        the agent last named one of this kind; None for a mere mention (我们这圆通不到)."""
        agent = self.latest(kind, "agent")
        requested = [
            s
            for s in self.facts
            if s.role == "buyer"
            and s.fact.kind == kind
            and (agent is None or s.turn > agent.turn)
            and s.fact.value in usable
            and _SWITCH_TO.search(self.texts[s.turn][: s.fact.start])
            and not _SWITCH_NEGATED.search(self.texts[s.turn][: s.fact.start])
        ]
        return requested[-1] if requested else None

    def courier(self) -> str | None:
        """The courier this chat settled on, as a name (韵达, 京东): the agent's latest, or the
        buyer's pick among the agent's offers, else the buyer's when the agent named none (猫罐头买了
        顺丰 / 好的亲); None when nobody named one."""
        said = self.settled("courier") or self.latest("courier", "buyer")
        if said is None:
            return None
        return re.sub(r"(快递|物流|速运)$", "", said.fact.text.strip()) or said.fact.text.strip()

    def with_courier(
        self,
        reply: str,
        generic: re.Pattern | None,
        before: Sequence[str] = ("快递", "物流", "网点"),
        dispatch: re.Pattern | None = None,
        dispatch_named: str = "",
    ) -> str:
        """``reply`` with this chat's courier named where it speaks of the courier generically
        (联系快递查件 → 联系韵达快递查件, 快递员 → 韵达快递员): the first such phrase only; else after
        a promised dispatch (``dispatch``: 48小时内发出， → 48小时内发出，走德邦，)."""
        name = self.courier()
        if not name or generic is None:
            return reply
        found = generic.search(reply)
        if found is None:
            if dispatch is not None and dispatch_named and (promised := dispatch.search(reply)):
                named = dispatch_named.replace("{courier}", name)
                return reply[: promised.start()] + named + reply[promised.end() :]
            return reply
        phrase = found.group(0)
        anchors = [phrase.find(w) for w in before if w in phrase]
        if not anchors:
            return reply
        at = found.start() + min(anchors)
        return reply[:at] + name + reply[at:]

    def wanted_date(self, deadline: Deadline | None = None) -> str | None:
        """The day the buyer needs the goods by (周六 in 我周六要用 今天周三, 周五 in 周五中午前能到吗),
        from the newest message or the buyer's earlier turns, never the agent's (周五发出 is a dispatch
        day): a date followed by a word of needing it by (``deadline.by``), or the only date of a turn
        asking whether it arrives in time; never today (今天周五了); None when unsure or when the buyer
        says the day has passed (生日都过了), so no reply names a day the buyer did not need."""
        deadline = deadline or self.deadline
        if deadline is None:
            return None
        for turn in range(len(self.texts) - 1, -1, -1):
            if self.roles[turn] != "buyer":
                continue
            if deadline.passed is not None and deadline.passed.search(self.texts[turn]):
                return None
            if (day := self._needed_day(turn, deadline)) is not None:
                return day
        return None

    def _days(self, turn: int, deadline: Deadline) -> list[Fact]:
        """The dates ``turn`` names, less today's words (今天周五了) and a date said to be today."""
        text = self.texts[turn]
        return [
            s.fact
            for s in self.facts
            if s.turn == turn
            and s.fact.kind == "date"
            and s.fact.text not in _NOW_DAYS
            and not (deadline.today is not None and deadline.today.search(text[: s.fact.start]))
        ]

    def _needed_day(self, turn: int, deadline: Deadline) -> str | None:
        """The day ``turn`` needs the goods by: a date followed by a word of needing it by, or the turn's
        only date when it asks whether it arrives in time."""
        text = self.texts[turn]
        dates = self._days(turn, deadline)
        if marked := [d for d in dates if deadline.by is not None and deadline.by.search(text[d.end :])]:
            return marked[0].text
        if len(dates) == 1 and deadline.in_time is not None and deadline.in_time.search(text):
            return dates[0].text
        return None

    def asked_date(self, deadline: Deadline | None = None) -> str | None:
        """The day the buyer asks about getting the goods by in the turns the agent has not answered yet
        (15号能到不 / 周五出差要穿 then 在吗), read as ``wanted_date`` reads it; or, when the newest
        turn asks whether it is in time and names no day of its own (今天下单来得及吗), the buyer's latest
        earlier day; None when unsure, when the agent spoke last or when the day has passed."""
        deadline = deadline or self.deadline
        if deadline is None or not self.texts or self.roles[-1] != "buyer":
            return None
        newest = len(self.texts) - 1
        start = newest
        while start > 0 and self.roles[start - 1] == "buyer":
            start -= 1
        for turn in range(newest, start - 1, -1):
            if deadline.passed is not None and deadline.passed.search(self.texts[turn]):
                return None
            if (day := self._needed_day(turn, deadline)) is not None:
                return day
        # (来得及吗 with no day of its own asks about the day the buyer named before: 15号 then 今天下单)
        if (
            deadline.in_time is None
            or not deadline.in_time.search(self.texts[newest])
            or self._days(newest, deadline)
        ):
            return None
        for turn in range(start - 1, -1, -1):
            if self.roles[turn] == "buyer" and (dates := self._days(turn, deadline)):
                return dates[-1].text
        return None

    def size_choice(self, rules: SizeRules | None) -> SizeChoice | None:
        """The buyer weighing the size the agent just advised against another (脚背有点高 要不要拿40啊
        还是39就行 after 建议39码 → 40 for 脚背有点高; 42会不会大 我平时穿41 after 建议42码 → 42 stands):
        a bigger size with a trait wanting room (rules.bigger) in the buyer's turns since the advice, a
        smaller one with a trait wanting it snug, or the advised size kept when the buyer only worries
        it is big beside the size they usually take; None otherwise (no trait, no advice, one kind)."""
        if rules is None or len(self.texts) < 2 or self.order_stage in ORDER_STAGES[4:]:
            return None  # (a size that did not fit once delivered is an exchange, not advice)
        newest = len(self.texts) - 1
        advice = self.latest("size", "agent")
        if advice is None or advice.turn < newest - 4:
            return None
        if rules.advice is not None and not rules.advice.search(self.texts[advice.turn]):
            return None  # (M码有货 names a size in stock, not the size that fits)
        advised = advice.fact.value
        others = [s for s in self.asked_now(("size",)) if s.fact.value.upper() != advised.upper()]
        if (low := size_rank(advised)) is None:
            return None
        step = _SIZE_STEP.search(self.texts[newest])
        if others:
            other = others[0].fact.value
            start = others[0].fact.start
        elif step is not None and low < 1000:
            # 要不要拿大一码 after 建议39码: the size a step up (40) or down, numeric sizes only
            change = (1.0 if step.group(2) == "一" else 0.5) * (1 if step.group(1) == "大" else -1)
            other = f"{low + change:g}"
            start = step.start()
        else:
            return None
        high = size_rank(other)
        if high is None or (high >= 1000) != (low >= 1000) or high == low:
            return None
        buyer = [i for i in range(newest, advice.turn, -1) if self.roles[i] == "buyer"]

        def traits(pattern: re.Pattern | None) -> str:
            found: list[str] = []
            for i in buyer:
                for m in pattern.finditer(self.texts[i]) if pattern else ():
                    # (胖脚 and 脚胖 say one trait)
                    if not any(set(m.group(0)) == set(f) for f in found):
                        found.append(re.sub(r"(的话|呢|啊|吧|嘛)+$", "", m.group(0)))
            return "、".join(found[:2])

        way, reason = ("bigger", traits(rules.bigger)) if high > low else ("smaller", traits(rules.smaller))
        if not reason:
            text = self.texts[newest]
            usual = _USUAL.search(text[max(0, start - 8) : start])
            worried = rules.too_big is not None and rules.too_big.search(text)
            if high > low or not (usual and worried):
                return None
            way = "keep"
        foot = self.latest("foot_length", "buyer")
        height, weight = self.latest("height", "buyer"), self.latest("weight", "buyer")
        # what the advice was read off: the foot length, height and weight, the weight alone (a baby's
        # 18斤), else what the buyer said
        if foot is not None:
            basis, measure = "foot", foot.fact.value + "cm"
        elif height is not None:
            basis, measure = "body", ""
        elif weight is not None:
            basis, measure = "weight", weight.fact.text.strip()
        else:
            basis, measure = "none", ""
        return SizeChoice(advised, other, way, reason, basis, measure)

    def weighing(self, choice: SizeChoice) -> ConversationState:
        """This state with the advised size counted as asked now too (the buyer weighs both sizes), so
        that a reply naming both keeps the advised one rather than taking it for a stale size."""
        advice = self.latest("size", "agent")
        newest = len(self.texts) - 1
        if advice is None or any(s.turn == newest and s.fact.value == choice.advised for s in self.facts):
            return self
        return dataclasses.replace(self, facts=(*self.facts, StatedFact(advice.fact, "buyer", newest)))

    def referred(self, kinds: tuple[str, ...]) -> list[StatedFact]:
        """The agent's facts a follow-up is about (那明年春天还能穿吗 after 建议80码 / 选哪个 after 有6mm和
        8mm两种): when the newest message names none of these kinds itself, those the agent's turn
        right before it stated; else none."""
        newest = len(self.texts) - 1
        if newest < 1 or self.roles[newest - 1] != "agent" or self.asked_now(kinds):
            return []
        # half of a range (10kg of 2-10kg用的) misstates what the agent said: it is not restated
        text = self.texts[newest - 1]
        return [
            s
            for s in self.facts
            if s.turn == newest - 1
            and s.fact.kind in kinds
            and not re.search(r"\d\s*[-~～到至]\s*$", text[: s.fact.start])
        ]

    @property
    def just_ordered(self) -> bool:
        """Whether the order was placed or paid in the last turns (给我换M吧 我已经付款了 / 现在能换吗)
        with nothing said of it since: a change asked now is asked before dispatch."""
        events = [s for s in self.facts if s.fact.kind == "order_event" and s.fact.value in ORDER_STAGES]
        if not events or events[-1].fact.value not in ("ordered", "paid"):
            return False
        last = events[-1]
        # 付款了 / 拍了 / 下单了 said just before; not 新买的就坏 (how the buyer names the item they have)
        return (
            len(self.texts) - 3 <= last.turn < len(self.texts) - 1
            and re.search(r"付|拍|下单|下了单", last.fact.text) is not None
            and self.order_stage in ("ordered", "paid")
        )

    def at_least(self, stage: str | None, unshipped: bool = False) -> ConversationState:
        """This state with the order stage raised to ``stage`` (implied by the detected scenario).
        ``unshipped``: the chat says the goods have not gone yet (还没发货吧 / 明天发), so a refund or
        an exchange asked before dispatch raises an unshipped order to paid, not past delivery."""
        unshipped = unshipped or self.just_ordered
        if unshipped and stage in ("delivered", "after_sale") and self.order_stage not in ORDER_STAGES[3:]:
            stage = "paid"
        if stage not in ORDER_STAGES or ORDER_STAGES.index(stage) <= ORDER_STAGES.index(self.order_stage):
            return self
        return dataclasses.replace(self, order_stage=stage)

    def said_by(self, role: str) -> list[str]:
        """The texts of one side's turns, oldest first."""
        return [t for t, r in zip(self.texts, self.roles, strict=False) if r == role]

    def latest(self, kind: str, role: str | None = None) -> StatedFact | None:
        for stated in reversed(self.facts):
            if stated.fact.kind == kind and (role is None or stated.role == role):
                return stated
        return None

    @property
    def escalated(self) -> bool:
        return bool(self.escalation)

    @property
    def upset(self) -> bool:
        """Angry, escalating, chasing an answer or following up on a problem the agent apologised
        for: every suggestion opens with an apology (the tone of the chat does not drop back to calm
        while the problem is open)."""
        return bool(self.escalation or self.anger or self.nudge or self.apologised)

    def to_dict(self) -> dict:
        return {
            "facts": [f.to_dict() for f in self.facts if f.fact.kind != "order_event"],
            "stage": self.order_stage,
            "pending_question": self.pending_question,
            "item": self.item.to_dict() if self.item else None,
            "category": self.category,
            "escalation": list(self.escalation),
            "anger": list(self.anger),
            **({"grievance": self.grievance} if self.grievance else {}),
        }


def conversation_state(
    message: str,
    history: Sequence[Turn],
    extractor: FactExtractor,
    shop_categories: Sequence[str] = (),
    apology_words: Sequence[str] = (),
    agent_dispatches: re.Pattern | None = None,
    buyer_received: re.Pattern | None = None,
    agent_after_sale: re.Pattern | None = None,
    deadline: Deadline | None = None,
    follow_up: re.Pattern | None = None,
    follow_up_rest: int = 3,
    agent_shipped: re.Pattern | None = None,
    buyer_waiting: re.Pattern | None = None,
    complaint_worry: re.Pattern | None = None,
    payment_talk: re.Pattern | None = None,
    parcels: ParcelRules | None = None,
    agent_replaces: re.Pattern | None = None,
) -> ConversationState:
    """Read the conversation (earlier turns oldest first, then the buyer's newest message);
    ``apology_words`` mark an agent turn that apologised (the empathy markers of adaptation.toml);
    ``agent_dispatches`` an agent turn that schedules the dispatch (今天顺丰发出): said after the
    buyer ordered, the order is paid (a shop does not dispatch an unpaid order); ``buyer_received`` a
    buyer's turn telling what the item did once in hand (delivered); ``agent_after_sale`` an agent's
    turn promising a remedy for a delivered order (after-sale); ``follow_up`` a bare follow-up
    (然后呢 / 好了没) with at most ``follow_up_rest`` other characters: a nudge that asks nothing new;
    ``agent_shipped`` an agent's turn saying the goods have gone (已发 德邦) and ``buyer_waiting`` a
    buyer's turn waiting for a paid order to arrive (中通还没到 / 物流没信息): the order is shipped;
    ``complaint_worry`` a buyer's worry about safety or authenticity (会不会有事 / 是正品吗): said after
    a product complaint of the buyer's, it escalates; ``payment_talk`` a turn speaking of paying: in a
    chat with none, an order placed in an earlier turn was paid; ``parcels`` the states of each parcel
    of several (parcels.py): the one the newest message names decides the stage; ``agent_replaces`` an
    agent's turn replacing the goods (换新): they were in hand, the order is in after-sale."""

    def bare_follow_up(text: str) -> bool:
        if follow_up is None or not follow_up.search(text):
            return False
        return len(re.sub(r"[\W_]+", "", follow_up.sub("", text))) <= follow_up_rest

    turns = [*history, Turn("buyer", message)]
    stated: list[StatedFact] = []
    stage_index = 0
    pending: str | None = None
    last_question: int | None = None
    escalation: list[str] = []
    item: ItemRef | None = None
    extracted = [extractor.extract(turn.text) for turn in turns]
    # a number after a size verb (建议拍41 / 平时穿38) is a size either side stated
    extracted = [
        [*facts, *_verb_sizes(turn.text, facts)] for turn, facts in zip(turns, extracted, strict=True)
    ]
    sizes = {f.value for facts in extracted for f in facts if f.kind == "size" and f.value.isdigit()}
    specs: set[tuple[str, str]] = set()  # (28, cm) of every spec said so far
    scheduled = False  # an agent turn scheduled the dispatch (今天发 圆通)
    for number, turn in enumerate(turns):
        facts = extracted[number]
        if turn.role == "buyer":
            # bare numbers read as a size, an amount or a spec, each read with what was found before it
            facts = [*facts, *_bare_sizes(turn.text, facts, sizes)] if sizes else list(facts)
            facts += _bare_amounts(turn.text, facts)
            facts += _bare_specs(turn.text, facts, specs)
            if any(p.search(turn.text) for p in extractor.vocabulary.corrections):
                measured = {s.fact.kind: s.fact.value for s in stated if s.role == "buyer"}
                facts += _corrected_measures(turn.text, facts, measured)
            # in the order written: the newest size is the last one said (37会不会挤 要不还是38 → 38)
            facts = sorted(facts, key=lambda f: f.start)
        if turn.role == "agent":
            # 亲 收到了 acknowledges the buyer's message: the agent received no parcel
            facts = [f for f in facts if f.kind != "order_event" or not extractor.acknowledges(turn.text, f)]
        specs.update(
            (m.group(1), m.group(2)) for f in facts if f.kind == "spec" and (m := _SPEC.match(f.text))
        )
        stated.extend(StatedFact(f, turn.role, number) for f in facts)
        for fact in facts:
            if fact.kind == "order_event" and fact.value in ORDER_STAGES:
                stage_index = max(stage_index, ORDER_STAGES.index(fact.value))
        if turn.role == "agent" and agent_dispatches is not None and agent_dispatches.search(turn.text):
            scheduled = True
            if stage_index == ORDER_STAGES.index("ordered"):
                stage_index = ORDER_STAGES.index("paid")
        shipped = ORDER_STAGES.index("shipped")
        if stage_index < shipped and (
            (turn.role == "agent" and agent_shipped is not None and agent_shipped.search(turn.text))
            or (
                turn.role == "buyer"
                # (付好了 → 今天发 圆通 → 到现在也没到: the dispatch the agent scheduled has gone)
                and (stage_index == ORDER_STAGES.index("paid") or scheduled)
                and buyer_waiting is not None
                and buyer_waiting.search(turn.text)
            )
        ):
            stage_index = shipped
        delivered = ORDER_STAGES.index("delivered")
        if turn.role == "buyer" and buyer_received is not None and buyer_received.search(turn.text):
            stage_index = max(stage_index, delivered)
        elif (
            turn.role == "agent"
            and agent_after_sale is not None
            and stage_index == delivered
            and agent_after_sale.search(turn.text)
        ):
            stage_index = ORDER_STAGES.index("after_sale")
        elif (
            turn.role == "agent"
            and agent_replaces is not None
            and stage_index < delivered
            and agent_replaces.search(turn.text)
        ):
            # 打完气第二天就瘪了 → 直接给您换新: goods replaced were in hand with a problem, whatever the
            # buyer's words for it (新的发了吗 asks after the replacement, not the first parcel)
            stage_index = ORDER_STAGES.index("after_sale")
        if turn.role == "buyer":
            escalation.extend(w for w in extractor.escalation(turn.text) if w not in escalation)
            if complaint_worry is not None and (worry := complaint_worry.search(turn.text)):
                # 发霉了 → 给宝宝擦了 会不会有事: a fear of harm (or of a fake) after a complaint (the
                # worry itself is none: 蜂蜜结晶了 是不是假的 complains of nothing)
                told = (complaint_worry.sub("", t.text) for t in turns[: number + 1] if t.role == "buyer")
                if any(extractor.complaint(t) for t in told) and worry.group(0) not in escalation:
                    escalation.append(worry.group(0))
            found = extractor.item(turn.text)
            if found is not None and extractor.takes_over(item, found, turn.text):
                item = found
            # 在吗 我想问下这鞋会不会磨脚 asks something; a bare 在吗 / 人呢 does not
            bare_nudge = _bare_nudge(turn.text) or bare_follow_up(turn.text)
            if number < len(turns) - 1 and _QUESTION.search(turn.text) and not bare_nudge:
                pending = turn.text.strip()
                last_question = number
        elif turn.text.strip() and not extractor.is_holding(turn.text):
            pending = None
        elif pending is None and number and turns[number - 1].role == "buyer" and turn.text.strip():
            # 挂面一直显示已揽收 三天了 → 我帮您查一下: the agent took the problem up and owes an answer
            told = turns[number - 1].text.strip()
            if (
                not _bare_nudge(told) and len(re.sub(r"[\W_]+", "", told)) >= 4
            ):  # (你好 → 亲 稍等 owes nothing)
                pending = told
    if escalation and (rest := extractor.withdrawn(message)) is not None:
        # a threat taken back (差评 → 补偿5元可以吗 → 行吧 我先不评了): the earlier turns' words no longer
        # flag the chat, the newest message's own still do (not the 投诉 of 不投诉了)
        own = extractor.escalation(rest)
        escalation = [w for w in escalation if w in own]
    # the newest message chases an answer (人呢 / 半小时了没人回): the suggestion takes up the pending question
    # anger counts in the newest message and the buyer turn before it (the mood now, not an hour ago)
    recent = [message, *[t.text for t in history if t.role == "buyer"][-1:]]
    anger = tuple(dict.fromkeys(w for text in recent for w in extractor.anger(text)))
    # an angry message of emoji only (😡😡) says nothing new either: it chases too (😊 does not)
    wordless_anger = not re.search(r"\w", message) and bool(extractor.anger(message))
    following = bare_follow_up(message) and bool(history)
    nudge = bool(_NUDGE.search(message) or wordless_anger or following) and bool(history)

    ordered = [s.turn for s in stated if s.fact.kind == "order_event" and s.fact.value == "ordered"]
    if (
        stage_index == ORDER_STAGES.index("ordered")
        and payment_talk is not None
        and ordered
        and ordered[-1] < len(turns) - 1
        and asks(message)
        and not any(payment_talk.search(t.text) for t in turns)
    ):
        # 拍了 → 亲 今天发 → 发什么快递: an order the chat went on past to another question, its payment
        # never in question, was paid (拍了 is placed and paid; 拍了 付款一直失败 / 能用花呗吗 is not yet;
        # 拍了 → 好的亲 → 好的 has not gone on)
        stage_index = ORDER_STAGES.index("paid")
    events = [[(f.value, f.start, f.end) for f in facts if f.kind == "order_event"] for facts in extracted]
    parcel = parcel_in_question([t.text for t in turns], events, parcels)
    if parcel is not None and stage_index < ORDER_STAGES.index("after_sale"):
        # (in an after-sale chat the parcel asked about is the return or the replacement: 换的鞋呢)
        # 帐篷收到了 → 过5天了 垫子呢: the pad the agent said ships later is the order under discussion
        stage_index = ORDER_STAGES.index(parcel.stage)

    category = item.category if item else None
    if category is None and len(shop_categories) == 1:
        category = shop_categories[0]
    return ConversationState(
        facts=tuple(stated),
        order_stage=ORDER_STAGES[stage_index],
        pending_question=pending,
        item=item,
        category=category,
        escalation=tuple(escalation),
        nudge=nudge,
        follow_up=following,
        last_question=last_question,
        anger=anger,
        texts=tuple(t.text for t in turns),
        roles=tuple(t.role for t in turns),
        apologised=any(t.role == "agent" and any(w in t.text for w in apology_words) for t in history),
        deadline=deadline,
        parcel_unshipped=parcel is not None and parcel.unshipped,
    )


def _verb_sizes(text: str, facts: Sequence[Fact]) -> list[Fact]:
    """Two-digit numbers a size verb names (建议拍41 / 平时穿38 / 要不还是38), when the turn names no
    size of its own: how shoe and numeric sizes are said without 码."""
    if any(f.kind == "size" for f in facts):
        return []
    taken = [(f.start, f.end) for f in facts]
    return [
        Fact("size", m.group(1), m.group(1), m.start(1), m.end(1))
        for m in _VERB_SIZE.finditer(text)
        if not any(s <= m.start(1) < e for s, e in taken)
    ]


def _bare_amounts(text: str, facts: Sequence[Fact]) -> list[Fact]:
    """A buyer's bare number read as an amount (钱咋还没退 299呢 / 退款成功了 没看到钱 199): only in a
    turn about money that names no amount itself, and not a number another fact took (3号, 42码)."""
    if any(f.kind == "money" for f in facts) or not _MONEY_TALK.search(text):
        return []
    taken = [(f.start, f.end) for f in facts]
    return [
        Fact("money", m.group(1), m.group(1), m.start(1), m.end(1))
        for m in _BARE_NUMBER.finditer(text)
        if int(m.group(1)) >= 10 and not any(s <= m.start(1) < e for s, e in taken)
    ][:1]


def chases(text: str) -> bool:
    """Whether ``text`` chases an answer or calls the agent (人呢 / 在吗 / 怎么不回 / ？？)."""
    return bool(_NUDGE.search(text))


def waiting_questions(history: Sequence[Turn]) -> list[str]:
    """The buyer's questions still waiting right above the newest message, oldest first: the buyer
    turns since the agent last spoke that ask something (not a bare 在吗 / 人呢). The reply to the
    newest message owes them an answer too (那会掉色吗 → 还有会起球不: both were asked); once the agent
    spoke, even to hold (稍等 我查一下), it has taken them up."""
    found: list[str] = []
    for turn in reversed(history):
        if turn.role != "buyer":
            break
        text = turn.text.strip()
        if text and _QUESTION.search(text) and not _bare_nudge(text):
            found.append(text)
    return found[::-1]


def _bare_nudge(text: str) -> bool:
    """Whether ``text`` only chases (人呢 / 在吗 / ？？) with next to nothing else: 在吗 我想问下这鞋会不会
    磨脚 asks something of its own."""
    return bool(_NUDGE.search(text)) and len(_NUDGE.sub("", text).strip(" ?？!！。，,")) < 4


def _bare_specs(text: str, facts: Sequence[Fact], specs: set[tuple[str, str]]) -> list[Fact]:
    """A buyer's bare number read as a spec in the unit already said (那32的呢 after 28cm现货 → 32cm):
    only when the turn names no spec itself and one unit of that many digits was said before."""
    if any(f.kind == "spec" for f in facts):
        return []
    taken = [(f.start, f.end) for f in facts]
    for match in _BARE_SPEC_NUMBER.finditer(text):
        value = match.group(1)
        if any(s <= match.start() < e for s, e in taken):
            continue
        units = {u for n, u in specs if len(n) == len(value)}
        if len(units) == 1:
            return [Fact("spec", value + units.pop(), value, match.start(), match.end())]
    return []


# the buyer's measurements a correction may replace, and how the value of each is written
_MEASURE_VALUE = {"height": "{}", "foot_length": "{}", "weight": "{}斤"}
_MEASURE_NUMBER = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)(?![\d.]|\s*(?:元|块|件|天|码|号|岁|%|小时))")


def _corrected_measures(text: str, facts: Sequence[Fact], measured: dict[str, str]) -> list[Fact]:
    """In a turn that takes a measurement back (哦刚量错了 是24.8 after 我脚长25.5), a bare number
    within 15% of a height, weight or foot length the buyer stated is that measurement, now."""
    taken = [(f.start, f.end) for f in facts]
    found = []
    for match in _MEASURE_NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        number = float(match.group(1))
        for kind, template in _MEASURE_VALUE.items():
            before = re.match(r"\d+(?:\.\d+)?", measured.get(kind, ""))
            if any(f.kind == kind for f in facts) or before is None:
                continue
            was = float(before.group(0))
            if number != was and abs(number - was) <= 0.15 * was:
                value = template.format(match.group(1).removesuffix(".0"))
                found.append(Fact(kind, value, match.group(1), match.start(), match.end()))
                break
    return found


def _bare_sizes(text: str, facts: Sequence[Fact], sizes: set[str]) -> list[Fact]:
    """A buyer's bare number read as a size (那42的呢 after 41码没有了): only when the turn names no
    size itself (a bare number after a size verb, 平时穿41, is no label: 42会不会大 我平时穿41 asks
    about 42) and the number is close to a numeric size this conversation already stated."""
    if any(f.kind == "size" and not f.text.isdigit() for f in facts):
        return []
    taken = [(f.start, f.end) for f in facts]
    found = []
    for match in _BARE_NUMBER.finditer(text):
        value = match.group(1)
        if any(s <= match.start() < e for s, e in taken):
            continue
        if any(len(value) == len(known) and abs(int(value) - int(known)) <= 10 for known in sizes):
            found.append(Fact("size", value, value, match.start(), match.end()))
    return found


def substituted(message: str, earlier: Sequence[str], rules: Substitution | None) -> str | None:
    """The buyer's earlier question asked again with the new value the message drops in (那8个呢 after
    买5个便宜点 → 买8个便宜点; 那1.8的呢 after 浅灰有1.5米的吗 → 浅灰有1.8米的吗), or None when the
    message is no such value (那快递呢 / 钱呢) or the question has no value of its kind to put it in place
    of (6期呢 after 支持分期吗). ``earlier`` is the buyer's earlier turns, oldest first: the latest of the
    last two with a value of the same kind is the question."""
    if rules is None or not earlier or "呢" not in message:
        return None
    match = rules.message.search(message.strip())
    if match is None:
        return None
    value = match.group("value")
    found = [(kind, m) for kind, part in enumerate(rules.parts) for m in part.finditer(value)]
    if not found:
        return None
    for question in reversed([t.strip() for t in earlier[-2:] if t.strip()]):
        swapped = question
        unmatched: list[str] = []
        last = -1  # where the last value put in ends
        for kind, new in found:
            old = _counterpart(swapped, new, value, rules.parts[kind])
            if old is not None:
                end = old.end()
                if new.group()[:1].isdigit() and value[new.end() : new.end() + 1] in ("", "的"):
                    # 那1.8的呢 after 有1.5米的吗 → 有1.8的吗: the buyer's own words, not a unit guessed
                    unit = re.match(r"[^\W\d_A-Za-z](?=的)", swapped[end:])
                    end += unit.end() if unit else 0
                swapped = swapped[: old.start()] + new.group() + swapped[end:]
                # (after a unit the question writes: 37码 of 38码有吗, never inside it)
                last = old.start() + len(new.group())
                last += len(m.group()) if (m := re.match(r"码|号", swapped[last:])) else 0
            elif new.group() not in question:  # (紫色 of 那3U紫色呢 after 4U紫色还有吗 is asked already)
                # (the buyer's own words: 棕色 of 那37的棕色呢, its 色 too)
                unmatched.append(value[new.start() : new.end() + (value[new.end() : new.end() + 1] == "色")])
        if swapped != question:
            if unmatched and last >= 0:
                # a value the question has none of its kind for stays asked (那37的棕色呢 after 马丁靴38码有吗
                # → 马丁靴37码棕色有吗, not 马丁靴37码有吗: the colour is what the buyer asks about too)
                swapped = swapped[:last] + "".join(unmatched) + swapped[last:]
            return swapped
    return None  # (6期呢 after 支持分期吗: no value to put it in place of; read as it is)


def _counterpart(question: str, new: re.Match, value: str, part: re.Pattern) -> re.Match | None:
    """The value of the question that ``new`` (of the same kind) stands in for: a number with the same
    unit letters (4U → 3U), the same word after it (5个 → 8个) or the same shape (20000 → 10000, 1.5 →
    1.8), a count with the same measure word, else the only value of the kind; None when not there."""
    # (平时穿41 is what the buyer usually takes, not the value asked about)
    candidates = [
        m
        for m in part.finditer(question)
        if m.group() != new.group() and not _USUAL.search(question[max(0, m.start() - 4) : m.start()])
    ]
    if not candidates:
        return None
    if not new.group()[:1].isdigit():
        if len(candidates) > 1:
            # 蓝牙耳机 Pro2 白色: the 蓝 of 蓝牙 is no colour; one standing alone (白色 / 白的 / 白) is
            alone = [m for m in candidates if _STANDS_ALONE.match(question, m.end())]
            candidates = alone or candidates
        after = value[new.end() : new.end() + 1]
        same = [m for m in candidates if question[m.end() : m.end() + 1] == after] if after else []
        return (same or candidates)[-1] if len(same or candidates) == 1 or same else None

    def shape(text: str) -> tuple:
        number = re.match(r"(\d+)(\.\d+)?([A-Za-z]*)", text)
        return (len(number.group(1)), bool(number.group(2)), number.group(3).upper()) if number else ()

    letters = shape(new.group())[2]
    after = value[new.end() : new.end() + 1]
    for m in reversed(candidates):
        if letters and shape(m.group())[2] == letters:
            return m
        if after and after != "的" and question[m.end() : m.end() + 1] == after and not shape(m.group())[2]:
            return m
    if after in ("", "的"):
        same = [m for m in candidates if shape(m.group()) == shape(new.group())]
        if same:
            return same[-1]
    return None
