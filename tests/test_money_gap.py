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
