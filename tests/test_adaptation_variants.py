"""The buyer's own variant words (issue 12): a variant that no size, colour or spec fact reads
(1.5的 / 三件套 / 红轴 / TPE / 2段) is restated where a reply names what the buyer asked for ({asked})."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("message", "history", "named"),
    [
        # a variant no size, colour or spec fact reads is restated where the reply names what was asked
        ("竹席1.8的还有货吗", [], ["1.8的"]),
        ("收纳盒还有吗 要两件套的", [], ["两件套"]),
        ("青轴的有黑色吗", ["买家: 机械键盘有哪些轴", "客服: 亲 红轴青轴都有"], ["青轴", "黑色"]),
        # a two-colour combination, a racket's weight class and a count the item comes in
        ("那黑红呢", ["买家: 这双跑鞋白灰42有吗", "客服: 亲 白灰42有货的哦"], ["黑红"]),
        ("那3U黑色呢", ["买家: 这款羽毛球拍4U黑色还有吗", "客服: 亲 黑色没货了 有白色哦"], ["3U"]),
        ("睡袋还有3人的吗", [], ["3人"]),
    ],
)
def test_the_buyers_variant_is_named_in_a_stock_reply(assistant, message, history, named):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert all(n in top.reply for n in named), top.reply
    assert not top.fill_ins, top.reply
