"""Wrong facts and wrong readings (issue 12): an amount the agent only offered is no refund under
way, 不想要了 after delivery is no cancellation, a sentence-final 吧 guess asks, and hearsay about fakes
is a worry rather than an accusation."""

from __future__ import annotations

import dataclasses

from conftest import turns

from assistant.conversation import asks


def test_an_offered_amount_is_not_called_a_refund_under_way(assistant):
    adapter = assistant.engine.adapter
    top = dataclasses.replace(
        assistant.suggest("退款什么时候到").suggestions[0],
        reply="非常抱歉给您带来不好的体验，退货的事我来负责跟进。",
        holding=True,
    )
    # the 15 was a compensation the agent offered and the buyer turned down
    offered = turns("买家: 杯子裂了一条缝", "客服: 亲 补偿您15元红包您看行吗")
    reply = adapter.amount_named(top, "给我15块就完事了？？必须退", offered, "refund").reply
    assert "15" not in reply, reply
    # a refund the buyer says is on its way is still named
    under_way = turns("买家: 退款申请了 退的是89", "客服: 好的亲 已经同意了")
    assert "89这笔退款" in adapter.amount_named(top, "89呢 还没到", under_way, "refund").reply
    # a hotline the buyer threatens to call is no amount
    hotline = adapter.amount_named(top, "还是红 我要退 不然就找12315", offered, "refund").reply
    assert "12315" not in hotline, hotline


def test_not_wanted_after_delivery_is_no_cancellation(assistant):
    result = assistant.suggest(
        "退了 不想要了 这种做工也好意思卖 有运费险吗",
        history=[
            "买家: 外套到了 颜色跟图片差太多",
            "客服: 亲 麻烦拍个实物图看看",
            "买家: [图片] 这叫卡其色？明明是土黄",
        ],
    )
    assert result.context.order_stage == "delivered", result.context.order_stage
    for suggestion in result.suggestions:
        assert "取消订单" not in suggestion.reply, suggestion.reply


def test_a_guess_ending_in_ba_asks():
    assert asks("拍多了一件 应该还没寄出吧")
    assert asks("快递已经到了吧")
    # giving in or proposing asks nothing
    assert not asks("行吧") and not asks("那取消吧") and not asks("算了吧")


def test_a_refund_for_an_unshipped_order_is_not_answered_with_a_faster_dispatch(assistant):
    result = assistant.suggest(
        "？？有人吗 不回我就自己点退款了",
        history=["买家: 买多了一个 想退 还没发货吧"],
    )
    # the earlier guess is the question still waiting, so the reply answers the refund
    assert "还没发货吧" in (result.context.pending_question or ""), result.context.pending_question
    top = result.suggestions[0]
    assert "优先发" not in top.reply and "退款" in top.reply, top.reply


def test_hearsay_about_fakes_is_a_worry_not_an_accusation(extractor):
    assert not extractor.escalation("网上有人说你们卖假货 是真的吗")
    assert not extractor.escalation("都说你们家包是假货")
    assert not extractor.complaint("听说你们假货多")
    # the buyer's own accusation still escalates
    assert extractor.escalation("你们就是卖假货的")
    assert extractor.escalation("收到的是假货")


def test_hearsay_asked_about_gets_no_complaint_reply(assistant):
    result = assistant.suggest("朋友说你们的手表是假货 正品吗")
    assert not result.escalate
    top = result.suggestions[0]
    assert "拍" not in top.reply and "抱歉" not in top.reply, top.reply
