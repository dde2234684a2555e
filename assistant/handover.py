"""A buyer message that hands over a detail (the phone number, the order number, the invoice details,
the new address, a quantity), asked for by the agent just before or volunteered (改打这个电话 / 数量是
3个), is acknowledged where a holding reply would answer it: ``号码13766665555收到了`` instead of
``我马上帮您查一下`` (the judges: "should confirm the number, not look something up"). The thing is
named, with the buyer's value when the chat does not mask it ([电话x]). ``[handover]`` in
adaptation.toml holds the patterns and wordings.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .files import toml_line

# a masked value of an anonymised chat ([电话x] / [订单x] / [组织机构x]): never said back
_MASKED = re.compile(r"\[[^\[\]\s]{1,8}x\]")
_PUNCTUATION = re.compile(r"[\W_]+")
_PARTICLES = re.compile(r"^[吗么嘛呢吧啊呀哈不行好]+$")


def _claim(rule: Closing, text: str) -> str | None:
    """The buyer's yes/no claim in ``text`` (the ``claim`` group of ``says``, less punctuation and
    ``lead``: 送上门是吗 → 送上门), or None where ``says`` does not match or ``unless`` does."""
    said = next((m for p in rule.says if (m := p.search(text))), None)
    if said is None or any(p.search(text) for p in rule.unless):
        return None
    claim = _PUNCTUATION.sub("", said.group("claim"))
    return rule.lead.sub("", claim) if rule.lead is not None else claim


def _pieces(claim: str) -> set[str]:
    """The two-character pieces of a claim, which must be found in what the agent or buyer said."""
    return {claim[i : i + 2] for i in range(len(claim) - 1)}


def _agent_recent(history: Sequence[tuple[str, str]]) -> list[str]:
    """The agent's turns among the last four, at most the last two (an instruction or an open check
    said just before the buyer's reply)."""
    return [t for role, t in history[-4:] if role == "agent"][-2:]


@dataclass(frozen=True)
class Thing:
    """One kind of detail a buyer hands over."""

    name: str
    asks: tuple[re.Pattern, ...] = ()  # an agent turn asking for it
    gives: tuple[re.Pattern, ...] = ()  # the buyer's message giving it (a value of its kind)
    volunteered: tuple[re.Pattern, ...] = ()  # …given without being asked (打这个电话 / 数量是3个)
    chat: tuple[re.Pattern, ...] = ()  # the conversation must be about this (发票 for 开票信息)
    labels: re.Pattern | None = None  # the buyer's own label for it (税号 / 订单号:), no part of the value
    named: bool = False  # the label the buyer used names it (税号 rather than 开票信息)
    whole: bool = False  # the value is the whole message (an address), not its values
    bare: bool = True  # asked for, the message must be the value (at most ``rest`` other characters)
    reply: str = ""
    masked_reply: str = ""  # when the chat masks the value ([电话x])
    # a detail that is only part of what is needed: in a chat matching ``wants`` (a company invoice), when
    # none of the buyer's turns matches ``has`` (a tax number), ``wants_reply`` asks for the rest instead
    # of promising to go ahead with half of it (公司名称收到了 … but no 税号: the invoice cannot be made)
    wants: tuple[re.Pattern, ...] = ()
    has: tuple[re.Pattern, ...] = ()
    wants_reply: str = ""
    # the detail handed over bare with nobody asking and no question of the buyer's open (an order card
    # pasted: 订单编号…，订单金额…，下单时间… 你好): what the buyer needs is asked, nothing is looked up yet
    unasked_reply: str = ""
    card: tuple[
        re.Pattern, ...
    ] = ()  # …which the message must match (an order's number or label, no bare digits)


@dataclass(frozen=True)
class Closing:
    """One way a buyer closes after the agent's answer or promise (就这样吧 / 好像绑上了 不好意思)."""

    says: tuple[re.Pattern, ...] = ()  # the buyer's message closing this way
    unless: tuple[re.Pattern, ...] = ()  # …but not this (好了没 chases; 行吧 那我拍了 orders)
    reply: str = ""
    request: bool = False  # a request to the agent (能不能后天送): acknowledged, even asked as a question
    # the buyer checking back what the agent just stated (就是说不一定有 / 目前只能这样吗): the agent's
    # answer stands, even asked as a question; not after an agent's turn matching ``after_not`` (稍等 查询)
    recheck: bool = False
    after_not: tuple[re.Pattern, ...] = ()
    # the buyer confirming the agent's yes by repeating their own question (可以送上门吗 → 可以的 → 送上门是吗):
    # ``agent`` is the agent's yes (its ``yes`` group goes into {yes}), ``says`` the tag question (its
    # ``claim`` group, less ``lead``, must repeat the buyer's question just before)
    agent: tuple[re.Pattern, ...] = ()
    lead: re.Pattern | None = None
    # [[instructed]]: the share of the claim's two-character pieces an instruction must hold
    share: float = 1.0
    # a reply naming what the buyer asks for ({said}: 我要26磅 能备注吗 → 26磅): the message less the
    # matched request and ``said_lead``, at most ``said_chars`` long; else ``plain``
    plain: str = ""
    said_lead: re.Pattern | None = None
    said_chars: int = 10
    # a request only after the agent's last turn says this (可以帮您改 before 改成辣味的 谢谢)
    after: tuple[re.Pattern, ...] = ()
    # words of the message that are no part of {said} (谢谢 / 麻烦了)
    said_drop: re.Pattern | None = None
    # where the message says what {said} is, its first group (内容：生日快乐 → 生日快乐)
    said_from: re.Pattern | None = None
    # [[recheck]]: ``said_from`` reads the agent's last turn, whose statement {said} says back ([数字x]天的哦
    # → 刚才跟您说的是[数字x]天: the agent's own value, masked or not, as the chat shows it)
    agent_said: bool = False
    # [[agreed]]: an agent turn that only acknowledges (好的 / 嗯嗯), passed over looking for its question
    skip: re.Pattern | None = None
    # [[plan]]: the buyer tells a plan that puts the decision off (等618再看吧 / 我回去量量再说), asking
    # nothing: acknowledged whoever spoke last, a first message too; a clause matching ``aside`` tells
    # what the buyer will weigh, so a question word inside it is no question to the agent (跟房东商量下能不能换)
    plan: bool = False
    aside: tuple[re.Pattern, ...] = ()

    def matches(self, text: str) -> bool:
        """Whether ``text`` closes this way: one of ``says`` and none of ``unless``."""
        return any(p.search(text) for p in self.says) and not any(p.search(text) for p in self.unless)

    def stated(self, agent: str) -> str:
        """``reply`` with {said} the agent's short statement in ``agent`` (its first ``said_from`` group,
        at most ``said_chars`` long), or ``plain`` when the turn says more than one short thing."""
        found = self.said_from.search(agent.strip()) if self.said_from is not None else None
        said = found.group(1).strip() if found is not None else ""
        return self.reply.replace("{said}", said) if 0 < len(said) <= self.said_chars else self.plain

    def said(self, text: str) -> str:
        """``reply`` for ``text``, its {said} filled with what the buyer asks for, or ``plain`` where
        nothing short and clean is left to name."""
        if "{said}" not in self.reply:
            return self.reply
        given = self.said_from.search(text) if self.said_from is not None else None
        if self.said_from is not None:
            said = given.group(1).strip() if given is not None else ""
            ok = 0 < len(said) <= self.said_chars and not _MASKED.search(said)
            return self.reply.replace("{said}", said) if ok else self.plain
        rest = self.said_drop.sub(" ", text) if self.said_drop is not None else text
        for pattern in self.says:
            rest = pattern.sub(" ", rest)
        # (the question words the request leaves behind: 能备注吗 → 吗)
        parts = [p for p in _PUNCTUATION.split(rest) if p and not _PARTICLES.match(p)]
        said = (
            self.said_lead.sub("", parts[0]) if parts and self.said_lead is not None else "".join(parts[:1])
        )
        said = re.sub(r"[的吗么嘛呢吧啊呀]+$", "", said)  # (黑色的吗 → 黑色)
        if len(parts) != 1 or not said or len(said) > self.said_chars or _MASKED.search(text):
            return self.plain
        return self.reply.replace("{said}", said)


@dataclass(frozen=True)
class Handover:
    """The ``[handover]`` table."""

    things: tuple[Thing, ...] = ()
    values: tuple[re.Pattern, ...] = ()
    rest: int = 6
    reply: str = ""
    question: re.Pattern | None = None  # a message asking something is no hand-over
    call: re.Pattern | None = None  # a buyer turn that only calls (在吗 / 有人吗): no question left open
    # an order number pasted beside the buyer's words (订单号：2718… 我想退货): not what they ask
    pasted: re.Pattern | None = None
    agent_turns: int = 2
    closings: tuple[Closing, ...] = ()
    agent_asks: re.Pattern | None = None  # an agent turn asking the buyer something: no closing answers it
    confirms: tuple[Closing, ...] = ()  # [[confirm]]: a buyer repeating the question the agent said yes to
    # [[unclear]]: a buyer who did not understand the agent's last turn (什么意思 / 没看懂)
    unclear: tuple[Closing, ...] = ()
    # [[instructed]]: a buyer checking an instruction the agent just gave (请您先把旧订单取消 → 我还要取消
    # 旧订单?): ``agent`` finds the instruction (its ``act`` group), ``says`` the buyer's yes/no ``claim``
    instructed: tuple[Closing, ...] = ()
    # [[followed]]: a buyer closing while the agent's own check or message is still open (已为您留言 →
    # 好的 谢谢): ``after`` is that open action in one of the agent's last two turns
    followed: tuple[Closing, ...] = ()
    # [[reasked]]: a buyer reproaching the agent for asking again what they gave (那你还让我发订单号): an
    # apology and the work taken up again, whatever was retrieved; ``after`` is the agent's ask in its
    # last two turns
    reasked: tuple[Closing, ...] = ()
    # [[agreed]]: a buyer's bare yes to the agent's check (这个订单没错吧 → 对的 是的) where the agent said
    # what it will do (这边帮您取消): that is done now, not looked up; ``after`` the agent's question in
    # its last two turns, ``agent`` its action (``act`` group) in its turns of the last ``said_chars``…
    agreed: tuple[Closing, ...] = ()

    def instruction_checked(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The agent's instruction said again as a yes where the buyer only checks it (请您将旧订单取消 →
        我还要取消旧订单吗 gets 是的亲，需要您将旧订单取消哦), or None. The claim, less its ``lead``, must
        share ``share`` of its two-character pieces with one instruction of the agent's last two turns, so
        nothing the agent did not ask of the buyer is confirmed; an instruction holding a masked value
        ([数字x]) or longer than ``said_chars`` is not said back."""
        if not history or history[-1][0] != "agent":
            return None
        text = message.strip()
        for rule in self.instructed:
            claim = _claim(rule, text)
            if claim is None:
                continue
            pairs = _pieces(claim)
            if not pairs or _MASKED.search(claim):
                continue
            for turn in reversed(_agent_recent(history)):
                for found in (m for p in rule.agent for m in p.finditer(turn)):
                    act = (
                        rule.said_drop.sub("", found.group("act"))
                        if rule.said_drop is not None
                        else found.group("act")
                    )
                    if not act or len(act) > rule.said_chars or _MASKED.search(act):
                        continue
                    if sum(pair in act for pair in pairs) >= rule.share * len(pairs):
                        return rule.reply.replace("{act}", act)
        return None

    def follow_up(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The closing for a buyer who thanks or agrees while the agent's own check is still open (已为您
        留言 / 安排站点核实 → 好吧 谢谢): the follow-up is said, not a shopping farewell (the judges: "generic
        closing ignores the pending follow-up"), or None. Only right after the agent's turn, which asks
        nothing."""
        if not history or history[-1][0] != "agent":
            return None
        if self.agent_asks is not None and self.agent_asks.search(history[-1][1]):
            return None
        text = message.strip()
        recent = _agent_recent(history)
        for rule in self.followed:
            if rule.matches(text) and any(p.search(t) for p in rule.after for t in recent):
                return rule.reply
        return None

    def reproached(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The apology for a buyer who reproaches the agent for asking again what they had given (麻烦
        提供订单号 → [订单x] → 那你还让我发订单号 / 不是发过了吗), or None: the agent asked in one of its
        last two turns; the retrieved answer (where to find a tracking number) ignores the reproach."""
        if not history:
            return None
        text, recent = message.strip(), _agent_recent(history)
        for rule in self.reasked:
            if rule.matches(text) and any(p.search(t) for p in rule.after for t in recent):
                return rule.reply
        return None

    def agreed_to(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The agent's own next step, said as done now, where the buyer's whole message is a yes to
        the agent's check (如果是这样这边帮您取消 … 这个订单没错吧 → 对的 是的是的 gets 好的亲，这就帮您取消),
        or None. The agent's newest turn that is more than 好的 (``skip``) must ask; the step is the newest ``act`` of
        the agent's turns in the last six, not one said as done, refused or conditional on something
        else (``unless`` of the text before it in its clause, ``after_not`` of the text after it)."""
        if not history or history[-1][0] != "agent":
            return None
        text = message.strip()
        agent_turns = [t.strip() for role, t in history if role == "agent"]
        for rule in self.agreed:
            # the agent's newest turn that says more than 好的 must ask
            asking = next((t for t in reversed(agent_turns) if not (rule.skip and rule.skip.search(t))), "")
            if not rule.matches(text) or not any(p.search(asking) for p in rule.after):
                continue
            for turn in reversed([t for role, t in history[-6:] if role == "agent"]):
                acts = [m for p in rule.agent for m in p.finditer(turn)]
                for found in reversed(acts):
                    before = re.split(r"[，,。！!？?；;\s]", turn[: found.start()])[-1]
                    after = turn[found.end() :]
                    if rule.lead is not None and rule.lead.search(before):
                        continue
                    if any(p.search(after) for p in rule.after_not):
                        continue
                    act = found.group("act")
                    if rule.said_drop is not None:
                        act = rule.said_drop.sub("", act)
                    if act and len(act) <= rule.said_chars and not _MASKED.search(act):
                        return rule.reply.replace("{act}", act)
        return None

    def not_understood(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The reply to a buyer whose whole message says they did not understand the agent's last turn
        (什么意思？ / 没看懂), or None: the agent's point is taken up again, said back where it was one
        short statement with no masked value ({said}, spaces read as commas), else ``plain``; never a
        lookup of "什么意思" (the judges: a holding reply checking 什么意思 reads garbled)."""
        if not history or history[-1][0] != "agent" or not history[-1][1].strip():
            return None
        text, agent = message.strip(), history[-1][1].strip()
        for unclear in self.unclear:
            if not unclear.matches(text) or any(p.search(agent) for p in unclear.after_not):
                continue
            found = unclear.said_from.search(agent) if unclear.said_from is not None else None
            said = re.sub(r"[\s，,]+", "，", found.group(1).strip()) if found is not None else ""
            if said and len(said) <= unclear.said_chars and not _MASKED.search(said):
                return unclear.reply.replace("{said}", said)
            return unclear.plain or None
        return None

    def confirmed(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The agent's yes said again where the buyer only checks it (可以送上门吗 → 稍等 可以的 → 送上门是吗
        gets 是的亲，可以的哦), or None. The claim must repeat the buyer's own question word for word (every
        two characters of it found there), so nothing the agent did not say yes to is confirmed."""
        if len(history) < 2 or history[-1][0] != "agent" or history[-2][0] != "buyer":
            return None
        asked, answer, text = history[-2][1], history[-1][1], message.strip()
        if _MASKED.search(text) or re.search(r"\d", text):
            return None
        for confirm in self.confirms:
            claim = _claim(confirm, text)
            yes = next((m for p in confirm.agent if (m := p.search(answer))), None)
            if claim is None or yes is None:
                continue
            pairs = _pieces(claim)
            if pairs and all(pair in asked for pair in pairs):
                return confirm.reply.replace("{yes}", yes.group("yes"))
        return None

    def closing(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The short closing for a buyer who closes right after the agent's turn, or None.

        Only where the agent spoke last and asked nothing: 好的 after 您要哪个颜色？ answers a question."""
        text = message.strip()
        if not text:
            return None
        agent = next((t for role, t in reversed(history) if role == "agent"), "")
        asks_now = bool(history) and history[-1][0] == "agent" and self.agent_asks is not None
        for plan in (c for c in self.closings if c.plan):
            if not plan.matches(text) or (asks_now and self.agent_asks.search(history[-1][1])):
                continue  # (好的 我先量量 to the agent's 您家门宽多少？ answers it)
            # the clauses left beside the plan and what it weighs ask nothing of the agent
            rest = [
                c
                for c in re.split(r"[，,。！!～~\s]+", text)
                if c and not any(p.search(c) for p in (*plan.says, *plan.aside))
            ]
            if self.question is None or not any(self.question.search(c) for c in rest):
                return plan.reply
        for request in (c for c in self.closings if c.request):
            if request.after and not any(p.search(agent) for p in request.after):
                continue
            if request.matches(text):
                return request.said(text) or None
        if not history or history[-1][0] != "agent":
            return None
        if self.agent_asks is not None and self.agent_asks.search(history[-1][1]):
            return None
        for recheck in (c for c in self.closings if c.recheck):
            if recheck.matches(text) and not any(p.search(history[-1][1]) for p in recheck.after_not):
                return recheck.stated(history[-1][1]) if recheck.agent_said else recheck.reply
        if self.question is not None and self.question.search(text):
            return None
        for closing in (c for c in self.closings if not (c.request or c.recheck or c.plan)):
            if closing.matches(text):
                return closing.reply
        return None

    def found(self, message: str, history: Sequence[tuple[str, str]]) -> tuple[str, str, str] | None:
        """``(name, value, reply)`` of the detail ``message`` hands over, or None.

        Args:
            message: the buyer's newest message.
            history: earlier turns as ``(role, text)``, oldest first.
        """
        text = message.strip()
        if not text or (self.question is not None and self.question.search(text)):
            return None
        asked_by = [t for role, t in history if role == "agent" and t.strip()][-self.agent_turns :]
        if not asked_by:
            return None
        chat = " ".join([*(t for _, t in history), text])
        bare = self._bare(text)
        for thing in self.things:
            if thing.chat and not any(p.search(chat) for p in thing.chat):
                continue
            if not any(p.search(text) for p in thing.gives):
                continue
            asked = any(p.search(t) for t in asked_by for p in thing.asks)
            volunteered = any(p.search(text) for p in thing.volunteered)
            if not (volunteered or (asked and (bare or not thing.bare))):
                continue
            label = thing.labels.search(text) if thing.labels is not None and thing.named else None
            name = label.group(0) if label else thing.name
            value = self._value(text, thing)
            reply = (thing.masked_reply if not value else "") or thing.reply or self.reply
            if thing.wants_reply and any(p.search(chat) for p in thing.wants):
                said = [t for role, t in history if role == "buyer"] + [text]
                if not any(p.search(t) for p in thing.has for t in said):
                    reply = thing.wants_reply
            return name, value, reply
        return None

    def without_pasted(self, message: str) -> str:
        """``message`` as read for what it asks: less the order numbers and card labels pasted beside
        its words (订单号：2718281828459 我想退货 → 我想退货; the number drew cases about numbers given
        again); the message itself when nothing else is left (a bare order number is handed over)."""
        if self.pasted is None:
            return message
        rest = self.pasted.sub(" ", message)
        return " ".join(rest.split()) if _PUNCTUATION.sub("", rest).strip() else message

    def _rest(self, text: str) -> str:
        """``text`` less its values and their labels."""
        rest = text
        for pattern in self.values:
            rest = pattern.sub(" ", rest)
        for thing in self.things:
            if thing.labels is not None:
                rest = thing.labels.sub(" ", rest)
        return rest

    def _bare(self, text: str) -> bool:
        """Whether ``text`` is values and their labels, with at most ``rest`` other characters."""
        rest = self._rest(text)
        return len(_PUNCTUATION.sub("", rest)) <= self.rest and rest.strip() != text

    def unasked(self, message: str, history: Sequence[tuple[str, str]]) -> str | None:
        """The reply asking what the buyer needs where ``message`` only hands over a detail nobody asked
        for (an order card pasted, a greeting beside it) and no buyer question of the chat's last four
        turns is open, or None: an order number alone asks nothing to look up (物流的情况我帮您查一下
        answers a question nobody asked)."""
        text = message.strip()
        if not text or (self.question is not None and self.question.search(text)):
            return None
        recent = history[-4:]
        if self.question is not None and any(
            r == "buyer" and self.question.search(t) and not (self.call and self.call.search(t))
            for r, t in recent
        ):
            return None
        asked_by = [t for role, t in history if role == "agent" and t.strip()][-self.agent_turns :]
        if not self._bare(text):
            return None
        if self.call is not None and not self.call.search(_PUNCTUATION.sub(" ", self._rest(text))):
            # beside the card the buyer says what they want (我想退货 / 还没到): that is what to answer,
            # not 请问有什么可以帮您; only a greeting or a call (你好 / 在吗) leaves the card unasked
            return None
        for thing in self.things:
            if not thing.unasked_reply or not any(p.search(text) for p in thing.card):
                continue
            if any(p.search(t) for t in asked_by for p in thing.asks):
                return None  # asked for: acknowledged as handed over
            return thing.unasked_reply
        return None

    def _value(self, text: str, thing: Thing) -> str:
        """The buyer's value to say back: "" when the chat masks it."""
        if _MASKED.search(text):
            return ""
        if thing.whole:
            return re.sub(r"[\s，,。！!~～]+$", "", text)[:40]
        found = [m.group(0) for p in self.values for m in p.finditer(text)]
        return "、".join(dict.fromkeys(found[:2]))

    def acknowledged(
        self,
        message: str,
        history: Sequence[tuple[str, str]],
        unfounded: Callable[[str], bool] = lambda reply: False,
    ) -> str | None:
        """The acknowledging reply for a hand-over, or None when ``message`` hands nothing over.

        ``unfounded(reply)``: whether the grounder reads a fact into the reply that the chat did not
        give (单号2026… read as a tracking number the buyer gave as an order number): the value is
        then left out, and with it still unfounded there is no acknowledgement."""
        found = self.found(message, history)
        if found is None:
            return None
        name, value, reply = found
        said = reply.replace("{thing}", name).replace("{value}", value)
        if value and unfounded(said):
            masked = next((t.masked_reply for t in self.things if t.name == name and t.masked_reply), "")
            said = (masked or reply).replace("{thing}", name).replace("{value}", "")
        return None if unfounded(said) else said


def load_handover(path: Path, data: dict | None = None) -> tuple[Handover, list[Problem]]:
    """Read ``[handover]`` from adaptation.toml (``data``: that table, when the caller has parsed the
    file already) and the closings beside it; returns it and every problem (``file:line: message``)."""
    problems: list[Problem] = []
    where = str(path)
    if data is None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")).get("handover", {})
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return Handover(), problems  # load_adaptation reports an unreadable file

    def compiled(patterns: object, key: str) -> tuple[re.Pattern, ...]:
        found = []
        for pattern in patterns if isinstance(patterns, list) else [patterns]:
            try:
                found.append(re.compile(str(pattern)))
            except re.error as exc:
                problems.append(
                    Problem(where, toml_line(path, str(pattern)), f"[handover] {key}: bad pattern ({exc})")
                )
        return tuple(found)

    things = []
    for table in data.get("things", []):
        labels = compiled(table["labels"], "labels") if "labels" in table else ()
        things.append(
            Thing(
                name=str(table.get("name", "")),
                asks=compiled(table.get("asks", []), "asks"),
                gives=compiled(table.get("gives", []), "gives"),
                volunteered=compiled(table.get("volunteered", []), "volunteered"),
                chat=compiled(table.get("chat", []), "chat"),
                labels=labels[0] if labels else None,
                whole=bool(table.get("whole", False)),
                named=bool(table.get("named", False)),
                bare=bool(table.get("bare", True)),
                reply=str(table.get("reply", "")),
                masked_reply=str(table.get("masked_reply", "")),
                wants=compiled(table.get("wants", []), "wants"),
                has=compiled(table.get("has", []), "has"),
                wants_reply=str(table.get("wants_reply", "")),
                unasked_reply=str(table.get("unasked_reply", "")),
                card=compiled(table.get("card", []), "card"),
            )
        )
    question = compiled(data["question"], "question") if "question" in data else ()
    values = compiled(data.get("values", []), "values")  # before `where` turns to closings.toml
    pasted = compiled(data["pasted"], "pasted") if "pasted" in data else ()
    # the closings live beside adaptation.toml in closings.toml (a file of their own)
    closing_path = path.parent / "closings.toml"
    try:
        closing_data = tomllib.loads(closing_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        closing_data = {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(closing_path), 1, f"unreadable ({exc})"))
        closing_data = {}
    where, path = str(closing_path), closing_path
    agent_asks = compiled(closing_data["agent_asks"], "agent_asks") if "agent_asks" in closing_data else ()

    def first(table: dict, key: str, kind: str) -> re.Pattern | None:
        """The one pattern of an optional ``key`` (said_lead / said_drop / said_from / lead)."""
        return next(iter(compiled(table[key], f"{kind}.{key}")), None) if key in table else None

    def closings_of(kind: str, **flags: bool) -> tuple[Closing, ...]:
        return tuple(
            Closing(
                says=compiled(table.get("says", []), f"{kind}.says"),
                unless=compiled(table.get("unless", []), f"{kind}.unless"),
                reply=str(table.get("reply", "")),
                after_not=compiled(table.get("after_not", []), f"{kind}.after_not"),
                plain=str(table.get("plain", "")),
                said_lead=first(table, "said_lead", kind),
                said_chars=int(table.get("said_chars", 10)),
                after=compiled(table.get("after", []), f"{kind}.after"),
                said_drop=first(table, "said_drop", kind),
                said_from=first(table, "said_from", kind),
                agent_said=bool(table.get("agent_said", False)),
                # read for every kind; only [[confirm]], [[instructed]] and [[agreed]] use them
                agent=compiled(table.get("agent", []), f"{kind}.agent"),
                lead=first(table, "lead", kind),
                share=float(table.get("share", 1.0)),
                skip=first(table, "skip", kind),
                aside=compiled(table.get("aside", []), f"{kind}.aside"),
                **flags,
            )
            for table in closing_data.get(kind, [])
        )

    closings = (
        closings_of("plan", plan=True)
        + closings_of("request", request=True)
        + closings_of("recheck", recheck=True)
        + closings_of("closing")
    )
    return (
        Handover(
            things=tuple(things),
            values=values,
            rest=int(data.get("rest", 6)),
            reply=str(data.get("reply", "")),
            question=question[0] if question else None,
            call=next(iter(compiled(data["call"], "call")), None) if "call" in data else None,
            pasted=pasted[0] if pasted else None,
            agent_turns=int(data.get("agent_turns", 2)),
            closings=closings,
            agent_asks=agent_asks[0] if agent_asks else None,
            confirms=closings_of("confirm"),
            unclear=closings_of("unclear"),
            instructed=closings_of("instructed"),
            followed=closings_of("followed"),
            reasked=closings_of("reasked"),
            agreed=closings_of("agreed"),
        ),
        problems,
    )
