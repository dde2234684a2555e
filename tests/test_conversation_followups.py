"""Follow-ups (issue 12): the reply carries the value the buyer asks about now (another person's size,
the size to exchange to), the courier the chat settled on (the buyer's pick among the agent's offers),
and the order stage the chat shows (a refund asked before dispatch is no after-sale request)."""

from __future__ import annotations


def test_the_courier_the_buyer_picked_from_the_agent_offer_is_settled(assistant):
    history = ["买家: 台灯发什么快递", "客服: 亲 默认圆通 顺丰要补12元", "买家: 那就圆通吧 拍了"]
    state = assistant.conversation("到武汉要几天", history)
    assert state.latest("courier", "agent").fact.text.startswith("顺丰")
    assert state.courier() == "圆通"
    # a courier the agent never offered is no pick: the agent's own stands
    other = assistant.conversation("好的", ["客服: 亲 今天发韵达", "买家: 能发申通吗"])
    assert other.settled("courier").fact.text.startswith("韵达")
    # the buyer's stated courier when the agent named none, not one they only ask about
    assert assistant.conversation("几天到", ["买家: 拍了 发顺丰", "客服: 好的亲"]).settled("courier")
    assert (
        assistant.conversation("几天到", ["买家: 能发顺丰吗", "客服: 好的亲 我看下"]).settled("courier")
        is None
    )


def test_a_transit_time_question_names_the_courier_the_buyer_picked(assistant):
    history = ["买家: 台灯发什么快递", "客服: 亲 默认圆通 顺丰要补12元", "买家: 那就圆通吧 已付款"]
    top = assistant.suggest("大概几天到武汉", history=history).suggestions[0].reply
    assert "圆通" in top
    assert "顺丰" not in top


def test_another_person_size_is_carried_into_the_reply(assistant):
    history = ["买家: 这双帆布鞋偏大吗 我平时36", "客服: 亲 偏大半码 平时36的建议拿35.5"]
    top = assistant.suggest("那我儿子平时穿40的呢 也拿40?", history=history).suggestions[0].reply
    assert "40" in top
    assert "36" not in top and "35.5" not in top


def test_the_size_to_exchange_to_is_named_in_the_exchange_steps(assistant):
    history = ["买家: 运动鞋收到了 42有点紧", "客服: 亲 可以换43 没穿出去就行", "买家: 运费谁出"]
    top = assistant.suggest("换43的要我自己寄回去吗", history=history).suggestions[0].reply
    assert "43" in top
    assert "寄" in top


def test_the_chat_saying_the_goods_have_not_gone_keeps_a_refund_before_delivery(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.unshipped(["亲 今天的已经截单了 明天发"])
    assert intents.unshipped(["买错了 还没发货吧"])
    assert not intents.unshipped(["要开发票 还没发票吗"])
    assert not intents.unshipped(["收到了 没发现问题"])
    history = ["买家: 台灯今天能发吗", "客服: 亲 今天截单了 明天发"]
    result = assistant.suggest("不要了 怎么取消订单", history=history)
    assert result.context.order_stage == "paid"
    # a reply that supposes the event (如果已经发出了) claims nothing: the cancel steps stay
    assert "取消" in result.suggestions[0].reply
    # once the buyer has the item, a refund is after delivery whatever was said before
    received = assistant.suggest("收到了 灯不亮 我要退款", history=history)
    assert received.context.order_stage in ("delivered", "after_sale")


def test_the_size_asked_about_wins_over_the_size_the_buyer_usually_wears(assistant):
    grounder = assistant.engine.adapter.grounder
    history = ["买家: 脚长25cm 穿多大", "客服: 25cm建议拿40码哦"]
    state = assistant.conversation("40会不会小 我平时板鞋穿39", history)
    assert state.asked_about(("size", "spec")).fact.text == "40"
    assert grounder.slot_value("size", state) == "40"
    # a proposal (要不还是39) is what the buyer wants now: the last size said
    proposed = assistant.conversation("40会不会挤 要不还是39", history)
    assert proposed.asked_about(("size", "spec")) is None
    assert grounder.slot_value("size", proposed) == "39"


def test_a_parcel_on_its_way_gets_no_late_dispatch_apology(assistant):
    history = ["买家: 收纳盒拍了", "客服: 好的 今天发申通"]
    result = assistant.suggest("物流两天没动了 是不是丢件了", history=history)
    assert result.context.order_stage == "shipped"
    for suggestion in result.suggestions:
        assert "准确的发货时间" not in suggestion.reply and "没按说好的时间发出" not in suggestion.reply


def test_a_bare_amount_in_a_refund_chase_is_carried_into_the_reply(assistant):
    history = ["买家: 退货申请了 台灯也寄回去了", "客服: 好的亲 仓库收到后会尽快处理"]
    message = "仓库5号就签收了 今天都9号了 钱还没退 159呢"
    state = assistant.conversation(message, history)
    assert [s.fact.value for s in state.asked_now(("money",))] == ["159"]
    assert "159" in assistant.suggest(message, history=history).suggestions[0].reply
    # a number in a turn not about money is no amount (the day, the size and the count are other facts)
    assert assistant.conversation("都5号了 还没发 42码的", []).asked_now(("money",)) == []


def test_a_change_asked_right_after_paying_is_before_dispatch(assistant):
    history = ["买家: 卫衣拍了L 165 90斤", "客服: 亲 90斤建议穿S哦 L偏大", "买家: 那给我换S吧 我已经付款了"]
    result = assistant.suggest("现在能换吗", history=history)
    assert result.context.order_stage == "paid"
    top = result.suggestions[0].reply
    assert "S" in top and "签收后" not in top
    # the item the buyer has (新买的就坏) is no fresh order: the exchange is after delivery
    broken = assistant.conversation("新买的就坏 直接换新", ["买家: 台灯不亮", "客服: 亲 长按开关10秒试下"])
    assert not broken.just_ordered


def test_a_deadline_after_the_agent_named_the_courier_keeps_both(assistant):
    history = ["买家: 电煮锅能发顺丰吗", "客服: 亲 这款我们发韵达哦"]
    top = assistant.suggest("那韵达几天到长沙 我周五要用", history=history).suggestions[0].reply
    assert "韵达" in top and "周五" in top
    assert "顺丰" not in top


def test_a_return_question_names_the_item_the_buyer_named(assistant):
    history = ["买家: 这个护手霜是正品吗", "客服: 亲 专柜同款 支持验货"]
    top = assistant.suggest("那我要是拆开了不喜欢还能退吗", history=history).suggestions[0].reply
    assert "护手霜" in top


def test_a_personal_invoice_asked_after_the_order_is_the_plain_one(assistant):
    history = ["买家: 买了三包挂面", "客服: 好的亲 已经安排发货"]
    top = assistant.suggest("发票开一下 抬头个人的", history=history).suggestions[0].reply
    assert "个人" in top
    assert "专票" not in top and "专用发票" not in top


def test_a_trousers_follow_up_carries_the_size_the_buyer_asks_about(assistant):
    history = ["买家: 女 165 55kg 瑜伽套装穿啥码", "客服: 亲 上衣建议M"]
    top = assistant.suggest("那裤子也拿M吗 我大腿比较粗", history=history).suggestions[0].reply
    assert "M" in top and "裤子" in top


def test_the_shop_pays_the_return_freight_only_where_the_chat_says_so(assistant):
    wrong = ["买家: 拍的卡其色 收到是黑色的", "客服: 非常抱歉亲 给您换卡其色 运费我们出"]
    top = assistant.suggest("寄回去运费要我先垫吗", history=wrong).suggestions[0].reply
    assert "店铺承担" in top
    no_reason = ["买家: 我要退货 已经申请了", "客服: 好的亲 已同意 请寄回并填写单号"]
    for suggestion in assistant.suggest("寄回地址是哪 运费谁出", history=no_reason).suggestions:
        assert "这次寄回的运费" not in suggestion.reply
