"""A buyer who checks the agent's yes by repeating their own question (能开专票吗 → 稍等 可以的 → 能开专票是吗)
hears the yes again, in place of whatever reply was retrieved (issue 12, real chats: a door-delivery
yes re-asked was answered with the shop's courier and a parcel station, contradicting the agent). Only
when the claim repeats the buyer's question and the agent's turn right after it ends on the yes:
nothing the agent did not say yes to is confirmed. Wordings of our own, none from a dev set or from the
real chats the kind was found in (corpus/closings.toml [[confirm]])."""

from __future__ import annotations

import pytest
from conftest import spoken


@pytest.mark.parametrize(
    "message, history, said",
    [
        ("能开专票是吗", spoken("买家: 这款能开专票吗", "客服: 稍等哦 可以的"), "是的亲，可以的哦"),
        ("哦 包安装是吧", spoken("买家: 你们包安装吗", "客服: 亲 有的哦"), "是的亲，有的哦"),
        ("那就是当天发对吧", spoken("买家: 现在拍是当天发吗", "客服: 是的呢"), "是的亲，没错哦"),
    ],
)
def test_a_buyer_repeating_the_question_the_agent_said_yes_to_hears_the_yes(handover, message, history, said):
    found = handover.confirmed(message, history)
    assert found is not None and found.startswith(said), found


@pytest.mark.parametrize(
    "message, history",
    [
        ("能开普票是吗", spoken("买家: 这款能开专票吗", "客服: 稍等哦 可以的")),  # not what was asked
        ("能开专票是吗", spoken("买家: 这款能开专票吗", "客服: 亲 这个要问一下财务")),  # no yes
        ("能开专票是吗", spoken("买家: 这款能开专票吗", "客服: 不可以的")),  # a no
        ("3天能到是吧", spoken("买家: 3天能到吗", "客服: 可以的")),  # a figure: the agent's own words count
        ("能开专票吗", spoken("买家: 这款能开专票吗", "客服: 可以的")),  # asked again, not checked
        ("能开专票是吗", spoken("客服: 可以的", "买家: 这款能开专票吗")),  # the buyer spoke last
    ],
)
def test_nothing_is_confirmed_that_the_agent_did_not_say_yes_to(handover, message, history):
    assert handover.confirmed(message, history) is None


def test_the_yes_replaces_a_retrieved_reply(assistant):
    history = ["买家: 空调可以送货上门吗", "客服: 稍等 可以的呢"]
    result = assistant.suggest("送货上门是吗", history=history)
    top = result.suggestions[0]
    assert top.reply.startswith("是的亲，可以的哦") and not top.holding, top.reply
    assert not result.abstained
