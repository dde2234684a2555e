"""Holding replies (issue 12) name what the buyer asked, not only the item: the part or defect they
name ([things] in intents.toml), else the question restated."""

from __future__ import annotations


def test_things_are_named_in_the_buyer_words_longest_first(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.thing("裤子拉链有点卡 正常吗") == "拉链的问题"
    # a word inside a longer one counts once (密封圈, not 胶圈 too); two parts are both named
    assert intents.thing("密封圈掉了 盖子也盖不紧") == "密封圈和盖子的问题"
    assert intents.thing("密封圈掉了", bare=True) == "密封圈"
    assert intents.thing("什么时候发货") == ""


def test_asked_topic_restates_the_question_when_no_thing_is_named(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.asked_topic("能放进烤箱里烤吗") == "您问的能放进烤箱里烤"
    assert intents.asked_topic("鞋带是不是太短了") == "鞋带的问题"


def _holding(assistant, message, history):
    state = assistant.conversation(message, history)
    adapter = assistant.engine.adapter
    return adapter.holding_reply(message, assistant._history(history), "quality_complaint", state).reply


def test_a_holding_reply_names_the_defect_not_the_item(assistant):
    history = ["买家: 保温杯收到了", "客服: 亲 用着还满意吗"]
    reply = _holding(assistant, "杯身上有一道划伤 不影响用 说一声", history)
    assert "划伤" in reply
    assert "保温杯的情况" not in reply


def test_a_holding_reply_names_the_missing_part_with_the_object(assistant):
    history = ["买家: 电动牙刷到了", "客服: 亲 用得习惯吗"]
    reply = _holding(assistant, "少了个刷头 能补一个吗", history)
    assert "刷头" in reply and "少发" in reply


def test_a_generic_courier_takes_the_courier_this_chat_named(assistant):
    generic = assistant.engine.adapter.intents.courier_generic
    state = assistant.conversation("派送中两天了还没到", ["买家: 台灯发了吗", "客服: 亲 昨天发了 申通"])
    assert state.courier() == "申通"
    assert state.with_courier("我马上联系快递催一下", generic) == "我马上联系申通快递催一下"
    assert state.with_courier("快递员会按顺序派件", generic) == "申通快递员会按顺序派件"
    before = assistant.engine.adapter.intents.courier_before
    assert state.with_courier("亲，单号在订单详情里", generic, before) == "亲，申通单号在订单详情里"
    assert state.with_courier("我帮您查一下物流进度", generic, before) == "我帮您查一下申通物流进度"
    # where the reply points at the tracking page, nothing is inserted
    assert state.with_courier("在订单详情里查看物流", generic) == "在订单详情里查看物流"
    # the buyer's courier when the agent named none; no courier, no change
    bought = assistant.conversation("单号发我", ["买家: 罐头拍了 发京东物流", "客服: 好的亲"])
    assert bought.courier() == "京东"
    none = assistant.conversation("物流不动了", ["买家: 台灯发了吗", "客服: 亲 发了"])
    assert none.with_courier("我马上联系快递催一下", generic) == "我马上联系快递催一下"


def test_a_suggestion_that_names_a_courier_is_left_as_it_is(assistant):
    history = ["买家: 台灯发了吗", "客服: 亲 昨天发了 申通"]
    for suggestion in assistant.suggest("物流两天没动了 是不是丢了", history=history).suggestions:
        assert "中通" not in suggestion.reply and "韵达" not in suggestion.reply


def test_a_statement_is_restated_only_by_its_values(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.asked_topic("什么破质量 退货") == ""
    assert intents.asked_topic("我家客厅3米6宽") == "您说的我家客厅3米6宽"
    assert intents.asked_topic("这个能放进烤箱吗") == "您问的能放进烤箱"


def test_a_question_about_what_might_happen_implies_no_later_stage(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.supposes("要是不合适能退换吗")
    assert intents.supposes("收到后能换吗")
    assert not intents.supposes("收到后发现坏了")
    history = ["买家: 台灯拍了 白色", "客服: 好的亲 已付款的话今天发"]
    result = assistant.suggest("万一灯不亮能退吗", history=history)
    assert result.context.order_stage in ("ordered", "paid")


def test_a_chase_implies_no_order_stage_of_its_own(assistant):
    result = assistant.suggest("还没回我？", history=["买家: 这个凉席能机洗吗"])
    assert result.context.order_stage == "browsing"


def test_a_holding_reply_keeps_the_values_asked_with_an_object(assistant):
    history = ["买家: 这个炒锅有几个尺寸", "客服: 亲 有26cm和32cm"]
    reply = _holding(assistant, "那32cm的呢 会不会太重", history)
    assert "32cm" in reply and "重量" in reply


def test_a_restated_question_never_breaks_a_rule_in_the_shop_voice(assistant):
    top = assistant.suggest("你们家卖最好的是哪个").suggestions[0]
    assert not top.has_error
    assert "你们" not in top.reply and "最好" not in top.reply


def test_a_question_asked_with_dui_ba_is_a_question_restated_without_it(assistant):
    from assistant.conversation import asks

    assert asks("那我选高的对吧")
    intents = assistant.engine.adapter.intents
    assert intents.subject("那我选大号的对吧") == "您问的我选大号的"
    # a threat not to refund names the refund it is about
    assert "退款" in intents.topic("不给退我就找平台介入")


def test_a_chase_is_not_restated_as_the_question(assistant):
    history = ["买家: 恐龙款的110码还有吗 孩子4岁100cm", "买家: 在吗"]
    top = assistant.suggest("有没有人啊 等着下单呢", history=history).suggestions[0]
    assert "有没有人" not in top.reply and "等着下单" not in top.reply
    assert "110码" in top.reply and "100cm" not in top.reply  # the chased question's value, not the height
    assert assistant.engine.adapter.intents.subject("有没有人啊 等着下单呢", asking_only=True) == ""


def test_a_holding_topic_is_never_a_value_the_agent_already_confirmed(assistant):
    # 28cm is confirmed: the buyer asks about 32
    reply = _holding(assistant, "那32的呢 家里5口人 怕小了", ["买家: 28cm的有吗", "客服: 有的亲 28cm现货"])
    assert "28" not in reply and "32" in reply
    # a question of its own (驱虫 together) is not about the agent's 2-10kg
    history = ["买家: 这个狗能用吗 3公斤的泰迪", "客服: 亲 这款是2-10kg用的 可以的"]
    reply = _holding(assistant, "体内外驱虫能一起用吗 多久驱一次", history)
    assert "10kg" not in reply
    # a question ending in 不 is the question restated, not the amounts stated before it
    reply = _holding(assistant, "2盒178 还差21 那再加包15块的芒果干能用券不", ["买家: 我要2盒"])
    assert "2盒178" not in reply
