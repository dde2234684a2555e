"""A reply that refuses what the agent already offered in this chat is not shown (issue 12,
``events.takes_back``, ``facts.toml [claimed_events] refuses / function_chars``).

The chats are in wordings of no evaluation set. The agent offered something (a cashback for a
photo review, a free sample, returns within a time); a reply retrieved from another chat that says
the shop does not do it takes back the agent's word, and the conversation wins.
"""

from __future__ import annotations

import pytest

from assistant.events import takes_back


@pytest.mark.parametrize(
    ("reply", "lines", "taken"),
    [
        # the agent offered a cashback for a photo review; the reply says the shop does none
        (
            "感谢支持～本店不参加晒单返现活动，您如实评价就行",
            ["买家: 面霜收到了", "客服: 亲 追评晒单返现6元 发截图给我就行", "买家: 晒好了 截图在这"],
            "本店不参加晒单返现活动",
        ),
        # a sample the agent promised with the order, refused by a reply of another shop
        (
            "亲，这边不送试用装小样哦，感谢理解",
            ["买家: 下单了", "客服: 好的亲 给您加送试用装小样两支", "买家: 小样放了吗"],
            "这边不送试用装小样哦",
        ),
        # the agent said returns are taken within 15 days; a reply that refuses them takes it back
        (
            "亲，拆封后不支持十五天退换哦",
            ["买家: 不合适能退吗", "客服: 亲 本店支持十五天退换 不影响二次销售就行", "买家: 我拆封了"],
            "拆封后不支持十五天退换哦",
        ),
    ],
)
def test_refusing_what_the_agent_offered_is_taken_back(claimed_events, texts_and_roles, reply, lines, taken):
    texts, roles = texts_and_roles(lines)
    assert takes_back(reply, texts, roles, claimed_events) == f"taken_back：{taken}"


@pytest.mark.parametrize(
    ("reply", "lines"),
    [
        # the reply refuses something else than the agent offered (one shared pair is not enough)
        (
            "亲，不给好评也没关系，您按真实感受写",
            ["买家: 面霜收到了", "客服: 亲 好评返现6元 发截图给我就行", "买家: 还没用"],
        ),
        # not yet, not never: the agent promised a reship that has not gone out
        (
            "亲，还没给您补发试用装小样，今天下午寄出",
            ["买家: 小样漏了", "客服: 亲 抱歉 给您补发试用装小样", "买家: 寄了吗"],
        ),
        # a condition (below the threshold, no gift) agrees with the agent's 满199送
        (
            "亲，不满199不送试用装小样哦",
            ["买家: 有赠品吗", "客服: 亲 满199送试用装小样两支", "买家: 我买150"],
        ),
        # the agent's own clause asked or denied, it offered nothing
        (
            "亲，本店不参加晒单返现活动",
            ["买家: 有返现吗", "客服: 亲 晒单返现活动吗 我问下", "买家: 好"],
        ),
        # the agent refused it too (暂不 slips past the refusal reading): the reply agrees with the agent
        (
            "亲，这款暂时不参加满减活动，可以领店铺券",
            ["买家: 能用满减吗", "客服: 亲 这款暂不参加满减活动哦", "买家: 那有别的优惠吗"],
        ),
        (
            "亲，店铺暂时不提供纸质专票，电子普票可以开",
            ["买家: 能开专票吗", "客服: 亲 店里暂不提供纸质专票", "买家: 电子的呢"],
        ),
        # the buyer, not the agent, named it
        (
            "亲，本店不参加晒单返现活动",
            ["买家: 别家都晒单返现", "客服: 亲 理解", "买家: 你们呢"],
        ),
    ],
)
def test_no_take_back(claimed_events, texts_and_roles, reply, lines):
    texts, roles = texts_and_roles(lines)
    assert takes_back(reply, texts, roles, claimed_events) == ""


def test_suggest_never_refuses_the_agents_cashback(assistant):
    history = ["买家: 口红颜色很正", "客服: 谢谢亲 好评晒图返现8元哦 截图发给我"]
    result = assistant.suggest("截图发你了 好评了", history=history)
    assert result.suggestions
    for suggestion in result.suggestions:
        assert "不做好评返现" not in suggestion.reply, suggestion.reply
