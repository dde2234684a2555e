"""Help with goods in hand (issue 12): a how-to or troubleshooting question after delivery.

A buyer who has the goods and asks how to do something with them (灯光怎么切换 / 第三步那个横杆装哪)
or why they behave so (一直闪红灯是啥意思 / 搜不到设备 一直转圈) tells no defect: the complaint's
safe reply (a photo for an exchange or refund) answers the wrong question, and a bare 稍等，我帮您核实
leaves a buyer waiting whom any agent could start helping at once. When no handled case answers, the
reply asks for what lets the agent help (a photo or short video of the step, the light or the screen,
what was tried) and offers to walk the buyer through it, naming the thing asked when it can.

What is read is the structure of the chat, not phrasings of seen chats: the order stage (goods in hand),
the detected scenario (a question about the goods, not about the shop's procedures), no defect or anger
told, and the question's form (``howto``: a how / where-to-put question; ``trouble``: a state that
does not behave, or a why / what-does-it-mean question). Words and replies are in
``[usage_help]`` of adaptation.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .files import pattern_or_problem

_CLAUSES = re.compile(r"[\s，。！？,!?；;~～]+|(?<!\d)\.|\.(?!\d)")
# a named thing or action is words, not a figure (怎么分2.4和5 names no clean action)
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9.]*")


@dataclass(frozen=True)
class UsageHelp:
    """``[usage_help]`` of adaptation.toml."""

    # the order stages at which the goods are in the buyer's hands
    stages: frozenset[str] = frozenset()
    # detected scenarios of a question about the goods (not refund / invoice / logistics …)
    scenarios: frozenset[str] = frozenset()
    # item categories whose goods are not operated (food): no manual step to point to or film
    not_categories: frozenset[str] = frozenset()
    # a state that does not behave, or a why / what-it-means question (checked before howto)
    trouble: tuple[re.Pattern, ...] = ()
    # a how-to question; its group ``ask`` starts the asked action (怎么|咋|如何)
    howto: tuple[re.Pattern, ...] = ()
    # a question about the shop's procedures (退 / 发票 / 快递 …): not this module's
    not_goods: re.Pattern | None = None
    # words that open a clause before the thing asked (还有 / 那个 / 请问), stripped
    filler: re.Pattern | None = None
    # the longest object and action a topic names (longer is no clean phrase: a clause echoed)
    max_object: int = 5
    max_action: int = 5
    # a character the named object may not hold (我 / 你: a clause, not a thing)
    not_object: re.Pattern | None = None
    howto_reply: str = ""
    trouble_reply: str = ""
    # how a thing is named in the troubleshooting reply ({word}), and without one
    trouble_topic: str = "{word}"
    no_topic: str = ""

    def kind(self, message: str) -> str:
        """``trouble``, ``howto`` or ``""``: how ``message`` asks for help with the goods."""
        if not (self.howto_reply and self.trouble_reply):
            return ""
        if self.not_goods is not None and self.not_goods.search(message):
            return ""
        if any(p.search(message) for p in self.trouble):
            return "trouble"
        if any(p.search(message) for p in self.howto):
            return "howto"
        return ""

    def howto_topic(self, message: str) -> str:
        """The thing and action a how-to question asks (灯光 + 切换 → 灯光切换), each only when it is
        a short clean phrase; "" when none is."""
        for clause in _CLAUSES.split(message):
            for pattern in self.howto:
                found = pattern.search(clause)
                if not found or "ask" not in pattern.groupindex:
                    continue
                head, tail = clause[: found.start("ask")], clause[found.end("ask") :]
                thing = self._stripped(head)
                action = re.sub(r"[吗呢啊呀哦嘛么的啦]+$", "", tail)
                thing = thing if 0 < len(thing) <= self.max_object and self._clean(thing) else ""
                action = action if 2 <= len(action) <= self.max_action and self._clean(action) else ""
                # (an action is what is asked: a thing alone, 横杆装哪, is no clean phrase of it)
                return thing + action if action else ""
        return ""

    def _stripped(self, head: str) -> str:
        if self.filler is None:
            return head
        while True:
            shorter = self.filler.sub("", head, count=1)
            if shorter == head:
                return head
            head = shorter

    def _clean(self, words: str) -> bool:
        return _WORDS.fullmatch(words) is not None and (
            self.not_object is None or not self.not_object.search(words)
        )

    def not_goods_said(self, text: str) -> bool:
        """Whether ``text`` speaks of the shop's procedures (退 / 发票 / 券 …)."""
        return self.not_goods is not None and self.not_goods.search(text) is not None

    def asked_as_trouble(self, word: str, message: str) -> bool:
        """Whether ``word`` (one the conversation reads as anger: 怎么回事) is inside the message's
        troubleshooting question (一边绿一边红 怎么回事 asks why, it does not rage)."""
        return any(word in m.group(0) for p in self.trouble for m in p.finditer(message))

    def reply(self, message: str, thing: str) -> str:
        """The reply for ``message`` (a ``kind``), naming ``thing`` (a part or the item) when the
        question names no clean action."""
        kind = self.kind(message)
        if kind == "howto":
            topic = self.howto_topic(message)
            return self.howto_reply.replace("{topic}", topic) if topic else ""
        if kind == "trouble":
            topic = self.trouble_topic.replace("{word}", thing) if thing else self.no_topic
            return self.trouble_reply.replace("{topic}", topic)
        return ""


def load_usage_help(path: Path, data: dict) -> tuple[UsageHelp, list[Problem]]:
    """Read ``[usage_help]`` (``data``: that table); returns it and every problem (``file:line: message``)."""
    problems: list[Problem] = []

    def pattern(value: object, key: str) -> re.Pattern | None:
        return pattern_or_problem(value, path, "usage_help", key, problems)

    def patterns(key: str) -> tuple[re.Pattern, ...]:
        return tuple(p for p in (pattern(x, key) for x in data.get(key, [])) if p is not None)

    help_ = UsageHelp(
        stages=frozenset(str(s) for s in data.get("stages", [])),
        scenarios=frozenset(str(s) for s in data.get("scenarios", [])),
        not_categories=frozenset(str(s) for s in data.get("not_categories", [])),
        trouble=patterns("trouble"),
        howto=patterns("howto"),
        not_goods=pattern(data.get("not_goods"), "not_goods"),
        filler=pattern(data.get("filler"), "filler"),
        max_object=int(data.get("max_object", 5)),
        max_action=int(data.get("max_action", 5)),
        not_object=pattern(data.get("not_object"), "not_object"),
        howto_reply=str(data.get("howto_reply", "")),
        trouble_reply=str(data.get("trouble_reply", "")),
        trouble_topic=str(data.get("trouble_topic", "{word}")),
        no_topic=str(data.get("no_topic", "")),
    )
    return help_, problems


__all__ = ["UsageHelp", "load_usage_help"]
