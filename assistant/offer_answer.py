"""The buyer's answer to a remedy the agent offered after delivery (给您补偿10元可以吗 → 行 转我支付宝 /
15太少 给25吧 / 补20 我就把差评改了): the reply answers that answer, not the problem the chat began
with (judges gave 0 to a reply that restarts at 核实 once the buyer has answered the agent's offer).

The reading works on the chat's structure: an agent turn stating a sum it offers and has not yet paid,
the buyer's sums after it, and whether the newest message takes the offer, names another sum, or ties
the sum to a review. An acceptance is confirmed with the chat's own sum and how it is paid (the shop
profile's ``compensation_channel``); a counter-offer names both sums and is held for the agent's
decision (no promise the chat lacks); a review offered for money is never taken (platform rule), the
sum is handled on its own. ``[offer_answer]`` in adaptation.toml holds the patterns and replies."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .conversation import ConversationState, StatedFact
from .facts import Fact


@dataclass(frozen=True)
class OfferRules:
    """``[offer_answer]``: how an agent turn offers a sum, how the buyer answers it, and the replies."""

    # an agent clause offering a sum (group amount); one saying it is already paid (done) is no offer
    offer: re.Pattern | None = None
    done: re.Pattern | None = None
    agent_turns: int = 2  # the offer stands in one of the agent's last turns
    # a sum the buyer asks for instead (group amount): 给25吧 / 至少给30 / 补50行不行
    counter: tuple[re.Pattern, ...] = ()
    accepts: re.Pattern | None = None  # 行 / 好 / 那就 / 20就20
    refuses: re.Pattern | None = None  # 太少 / 不行 / 凭什么: no acceptance
    other_remedy: re.Pattern | None = None  # 那换新吧 / 还是退货: another remedy taken, not the sum
    review: re.Pattern | None = None  # the message ties the sum to a review (补20 我就把差评改了)
    # replies: {offered} the agent's sum, {counter} the buyer's; shop slots as in any template
    replies: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OfferAnswer:
    """How the newest message answers the agent's offer: ``kind`` (accept / counter) and the sums."""

    kind: str
    offered: str
    counter: str = ""
    review: bool = False  # the buyer offers a review for the sum: never taken


def load_offer_rules(table: dict[str, Any], compile_one: Any) -> OfferRules:
    """The rules of ``[offer_answer]``; ``compile_one(pattern, kind)`` compiles (None if bad)."""
    if not table:
        return OfferRules()

    def one(key: str) -> re.Pattern | None:
        return compile_one(str(table[key]), key) if key in table else None

    counter = tuple(
        p for p in (compile_one(str(s), "counter") for s in table.get("counter", [])) if p is not None
    )
    return OfferRules(
        offer=one("offer"),
        done=one("done"),
        agent_turns=int(table.get("agent_turns", 2)),
        counter=counter,
        accepts=one("accepts"),
        refuses=one("refuses"),
        other_remedy=one("other_remedy"),
        review=one("review"),
        replies={str(k): str(v) for k, v in table.get("replies", {}).items()},
    )


def _number(text: str) -> str:
    """A sum without its trailing zeros (10.0 → 10), so 10块 and 10元 are the same sum."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def offered_sum(rules: OfferRules, history: Sequence[tuple[str, str]]) -> tuple[str, int] | None:
    """The sum the agent offered and has not paid yet, and the index of its turn; None when no agent
    turn of the last ``agent_turns`` offers one. A later agent turn saying it is paid settles it."""
    if rules.offer is None:
        return None
    agent = [i for i, (role, _) in enumerate(history) if role == "agent"][-rules.agent_turns :]
    for i in reversed(agent):
        text = history[i][1]
        if rules.done is not None and rules.done.search(text):
            return None  # 已经转到支付宝了: nothing is on offer any more
        found = rules.offer.search(text)
        if found is not None:
            return _number(found.group("amount")), i
    return None


def read_answer(rules: OfferRules, message: str, history: Sequence[tuple[str, str]]) -> OfferAnswer | None:
    """How ``message`` answers the sum the agent offered in ``history`` ((role, text) pairs), or None
    when no sum is on offer or the message neither takes it nor names another one."""
    if not rules.replies:
        return None
    found = offered_sum(rules, history)
    if found is None:
        return None
    offered, at = found
    review = rules.review is not None and rules.review.search(message) is not None
    # the buyer's sum: one a counter pattern names that is not the agent's (10块太少 至少给30: 30; the
    # item's price 裙子299呢 is named by none); the buyer's earlier turns since the offer count too
    # (才10块 → 这样 补20)
    later = [text for role, text in history[at + 1 :] if role == "buyer"]
    for text in [message, *reversed(later)]:
        for pattern in rules.counter:
            for match in pattern.finditer(text):
                amount = _number(match.group("amount"))
                if amount != offered:
                    return OfferAnswer("counter", offered, amount, review)
    if rules.accepts is None or not rules.accepts.search(message):
        return None
    if rules.refuses is not None and rules.refuses.search(message):
        return None
    if rules.other_remedy is not None and rules.other_remedy.search(message):
        return None
    return OfferAnswer("accept", offered, "", review)


def answer_template(rules: OfferRules, answer: OfferAnswer) -> str:
    """The reply template for ``answer`` with its sums in place (shop slots are left for the grounder)."""
    key = answer.kind + ("_review" if answer.review else "")
    template = rules.replies.get(key) or rules.replies.get(answer.kind, "")
    return template.replace("{offered}", answer.offered).replace("{counter}", answer.counter)


def counter_stated(
    state: ConversationState, rules: OfferRules, message: str, history: Sequence[tuple[str, str]]
) -> ConversationState:
    """``state`` with the buyer's counter-offer sum among the facts they stated: 给25吧 after 给您补偿15元
    names a sum though it is written with no unit, so a reply may say it back (您说的25元)."""
    found = read_answer(rules, message, history)
    if found is None or not found.counter:
        return state
    said = Fact("money", found.counter, found.counter + "元", 0, 0)
    newest = max(len(state.texts) - 1, 0)
    return dataclasses.replace(state, facts=(*state.facts, StatedFact(said, "buyer", newest)))
