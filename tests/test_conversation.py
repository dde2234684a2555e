"""Conversation follow-ups (issue 12): what a short follow-up, a chase, a cancel request or an order
announcement means in the conversation it ends, and the top suggestion that follows from it."""

from __future__ import annotations

from assistant.intent import Intent

SORRY = ("抱歉", "不好意思", "对不起")


def top(assistant, message: str, history: list[str]):
    result = assistant.suggest(message, history=history)
    return result, result.suggestions[0].reply


def test_bare_number_follow_up_is_the_size_asked_now(assistant):
    history = ["买家: 这双板鞋白色41还有吗", "客服: 白色41码没有了"]
    state = assistant.conversation("那42的呢", history)
    assert [s.fact.value for s in state.asked_now(("size",))] == ["42"]
    _, reply = top(assistant, "那42的呢", history)
    assert "42" in reply and "41" not in reply


def test_bare_number_without_a_stated_size_is_no_size(assistant):
    # a number is read as a size only next to a size the conversation stated (not an amount: 那42的呢 alone)
    state = assistant.conversation("那42的呢", ["买家: 这款板鞋多少钱", "客服: 亲 199元"])
    assert state.asked_now(("size",)) == []
    state = assistant.conversation("那给42块的呢", ["买家: 41码的有吗", "客服: 41码有的"])
    assert state.asked_now(("size",)) == []


def test_colour_follow_up_keeps_the_size_and_does_not_ask_the_colour(assistant):
    history = ["买家: 这件T恤白色M码还有吗", "客服: 白色M码暂时没货了"]
    _, reply = top(assistant, "那黑色的呢", history)
    assert "黑色" in reply and "M" in reply
    assert "哪个颜色" not in reply


def test_how_to_cancel_is_not_answered_with_refund_arrival(assistant):
    history = ["买家: 这个定制沙发什么时候能发货", "客服: 定制款下单后15天左右发货"]
    result, reply = top(assistant, "那算了，我不要了，怎么取消", history)
    assert "cancel" in result.intent.objects
    assert "取消" in reply or "申请退款" in reply
    assert "到账" not in reply


def test_cancel_excludes_refund_arrival_but_not_a_buyer_asking_both(assistant):
    intents = assistant.engine.adapter.intents
    refund_arrival = Intent(frozenset({"when"}), frozenset({"refund"}))
    assert "refund" in intents.conflicts(intents.parse("不想要了 怎么取消"), refund_arrival)
    assert not intents.conflicts(intents.parse("怎么取消 退款多久到账"), refund_arrival)


def test_order_announcement_after_bargaining_is_acknowledged_not_held(assistant):
    history = ["买家: 这个沙发能便宜点吗", "客服: 亲，已经是活动价了，没法再便宜了"]
    for message in ("行吧 那我拍了", "好吧 那我下单了"):
        result, reply = top(assistant, message, history)
        assert result.detection.scenario == "order_placed"
        assert not result.abstained
        assert "核实" not in reply and "已付款" not in reply
        assert "发出" in reply or "发货" in reply


def test_a_question_about_ordering_is_not_an_announcement(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.announced(intents.parse("行吧 那我拍了")) == "order_placed"
    assert intents.announced(intents.parse("那我拍了什么时候发货")) is None


def test_chased_pending_question_is_named_in_the_reply(assistant):
    result, reply = top(assistant, "还没回我？", ["买家: 沙发的坐垫能拆洗吗"])
    assert result.context.pending_question == "沙发的坐垫能拆洗吗"
    assert reply.startswith(("非常抱歉", "抱歉", "不好意思"))
    assert "拆洗" in reply


def test_chase_of_one_item_stock_question_is_not_about_several_items(assistant):
    result, reply = top(assistant, "人呢", ["买家: 这个T恤白色M码还有吗"])
    assert any(s in reply for s in SORRY)
    assert "M" in reply
    assert "几样" not in reply and "逐一" not in reply and "包邮" not in reply


def test_several_items_reply_still_fits_a_buyer_who_named_several(assistant):
    message = "卫衣灰色L 打底裤黑色均码 袜子白色 这三样都有货吗"
    replies = [s.reply for s in assistant.suggest(message).suggestions]
    assert any("几样" in r or "逐一" in r for r in replies)


def test_chased_material_question_names_the_material(assistant):
    result, reply = top(assistant, "人呢 我都等了20分钟", ["买家: 这个枕套是真蚕丝吗"])
    assert result.context.pending_question == "这个枕套是真蚕丝吗"
    assert "蚕丝" in reply and "20分钟" not in reply


def test_scent_and_how_long_it_lasts_are_two_topics(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.topic("这个香水是什么调的") == "香调的问题"
    assert intents.topic("留香久吗") == "留香的问题"


def test_asking_for_a_new_one_is_an_exchange(assistant):
    intents = assistant.engine.adapter.intents
    assert "exchange" in intents.parse("视频发了 直接换新吧").objects
    assert "refund" in intents.conflicts(
        intents.parse("直接换个新的吧"), Intent(objects=frozenset({"refund"}))
    )


def test_taking_a_photo_is_not_an_order_announcement(assistant):
    intents = assistant.engine.adapter.intents
    for message in ("好的 我去拍个照", "那我拍了视频发你"):
        assert intents.announced(intents.parse(message)) is None
