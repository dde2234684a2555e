"""The gap a buyer counts to the agent's own threshold (issue 12): 满99减10 … 我买了89 → 那差10块 还能用吗
is answered with the threshold and what to add, not held or taken for a counter-offer."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("history", "message", "named"),
    [
        (["买家: 有满减吗", "客服: 亲 满199减20"], "我凑了185 差14块 能减吗", ["199", "14"]),
        (["买家: 面膜有券吗", "客服: 亲 满120减15", "买家: 我拍两盒112"], "那还差8块呢", ["120", "8"]),
    ],
)
def test_the_gap_to_the_agents_threshold_is_answered(assistant, history, message, named):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert all(n in top.reply for n in named), top.reply
    assert "还差" in top.reply and not top.fill_ins, top.reply


def test_a_price_difference_is_no_gap(assistant):
    money = assistant.engine.adapter.money
    state = assistant.conversation("差价能退吗", ["买家: 有券吗", "客服: 亲 满200减20"])
    assert money.reach("差价能退吗", "promotion", state, None) is None


@pytest.mark.parametrize(
    ("history", "message", "named", "absent"),
    [
        # wordings of our own: items each with their price summed, a free-shipping threshold, and the
        # price of the buyer's turn before when the message names only the threshold
        (["买家: 有活动吗", "客服: 亲 满150减15哦"], "一盒68 一盒45 一瓶29 够不", ["142", "8"], "已经满"),
        (["买家: 包邮吗", "客服: 亲 满69包邮哦"], "一个39 一个25 够不", ["64", "5", "包邮"], "才能用"),
        (["买家: 包邮吗", "客服: 亲 满69包邮哦"], "一个39 一个35 够不", ["74", "包邮"], "还差"),
        (
            ["买家: 有券吗", "客服: 亲 满200减20", "买家: 外套是189的"],
            "不到200啊 还能用吗",
            ["189", "11"],
            "已经满",
        ),
    ],
)
def test_the_buyers_items_are_summed_against_the_agents_threshold(assistant, history, message, named, absent):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert all(n in top.reply for n in named) and absent not in top.reply, top.reply
    assert not top.fill_ins, top.reply
