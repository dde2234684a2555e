"""A parcel that came without something (issue 12): the reply apologises, names what is missing in the
buyer's words (and the counts) and offers to send it, instead of asking for photos to exchange or
refund a broken item; a buyer asking about money, papers or a resend is not read as one."""

from __future__ import annotations

import pytest

from assistant.missing import read_missing


@pytest.mark.parametrize(
    ("message", "history", "named"),
    [
        # a gift the agent promised, asked after once the parcel came
        ("快递到了 拆开一看 杯套呢", ["买家: 保温杯送杯套吗", "客服: 送的亲 送一个杯套"], ["杯套"]),
        ("东西收到了 怎么没看到赠品", [], ["赠品"]),
        # a part, said outright
        ("书架到了 隔板少了两块", [], ["隔板", "两块"]),
        # a short shipment: how many were bought and how many came
        ("到货了 怎么只有3罐", ["买家: 猫罐头我拍了6罐", "客服: 好的亲 今天发"], ["6罐", "3罐"]),
        ("订了十支 收到九支", [], ["十支", "九支"]),
        # the shop's giving verb denied, with no arrival word and a chat read as pre-sale
        ("说明书说有滤芯 滤芯没配呀", ["买家: 净水壶容量多大", "客服: 亲 3.5升的"], ["滤芯"]),
        # a thing told as given with the order, told absent
        ("拖把附赠的替换布没看到", [], ["替换布"]),
    ],
)
def test_a_missing_part_is_named_and_sent(assistant, message, history, named):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert all(n in top.reply for n in named), top.reply
    assert "补发" in top.reply and any(w in top.reply for w in ("抱歉", "不好意思")), top.reply
    assert "换货或退款" not in top.reply and not top.fill_ins, top.reply


def test_a_gift_in_the_buyers_category_keeps_its_name(assistant):
    # 湿巾 beside 纸尿裤 is the chat's own word, not another item to swap for the buyer's
    history = ["买家: 纸尿裤拍了3包", "客服: 好的亲 送您一包湿巾"]
    top = assistant.suggest("收到了 湿巾没有啊", history=history).suggestions[0]
    assert "湿巾" in top.reply and "纸尿裤漏" not in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "buyer_earlier", "delivered"),
    [
        ("三天了没看到", [], True),  # a refund, not a part
        ("钱呢 还没看到", [], True),
        ("怎么还没收到发票", [], True),
        ("补发的我还没收到呢", [], True),
        ("快递呢 怎么还没到", [], False),
        ("赠品呢", [], False),  # before the parcel came: a question about the order
        ("说明书看不懂 有视频吗 螺丝还少了两颗", [], True),  # another question to answer too
        ("收到了 只有2双", ["买家: 拍了2双"], True),  # nothing short
        ("这款没配滤芯吗", [], False),  # a question about what the order holds
        ("送的挂钩没有吗", [], False),
        ("快递一直没送", [], True),  # the parcel, not a part
    ],
)
def test_other_messages_are_not_read_as_missing(assistant, message, buyer_earlier, delivered):
    rules = assistant.engine.adapter.rules.missing
    assert read_missing(message, buyer_earlier, delivered, rules) is None
