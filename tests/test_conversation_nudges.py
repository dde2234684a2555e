"""Bare follow-ups (issue 12): 然后呢 / 好了没 / 查到了吗 / 给个准话 / 。。。 ask nothing new. Like 在吗
they chase the buyer's question still open; with nothing open they go back to the buyer's last
question, without an apology for a wait that did not happen. 谁承担 / 谁出 asks too."""

from __future__ import annotations

from assistant.conversation import asks


def test_who_pays_is_a_question():
    assert asks("换货的话来回运费谁承担")
    assert asks("那我退了 邮费谁出")
    assert asks("这双拿多大")
    assert not asks("谁知道呢 算了")


def test_a_bare_follow_up_chases_the_open_question(assistant):
    history = ["买家: 羽绒服能机洗吗", "客服: 亲 建议手洗 水温30度以下", "买家: 那能烘干吗"]
    for follow_up in ("查到了吗", "然后呢？", "。。。", "能不能给个准话"):
        state = assistant.conversation(follow_up, history)
        assert state.nudge and state.follow_up, follow_up
        assert state.pending_question == "那能烘干吗"
    result = assistant.suggest("查到了吗", history=history)
    top = result.suggestions[0].reply
    assert "烘" in top
    assert top.startswith("非常抱歉让您久等了")


def test_a_follow_up_that_says_more_is_no_bare_follow_up(assistant):
    history = ["买家: 羽绒服能机洗吗", "客服: 亲 建议手洗 水温30度以下"]
    assert not assistant.conversation("好了没 我急着穿 明天能到杭州吗", history).follow_up
    # a follow-up turn is never the open question itself
    state = assistant.conversation("在吗", [*history, "买家: 然后呢"])
    assert state.pending_question is None


def test_a_follow_up_with_nothing_open_goes_back_to_the_last_question(assistant):
    history = ["买家: 这双跑鞋平时穿42 这双拿多大", "客服: 亲 建议拿42码", "买家: 我脚背比较高"]
    result = assistant.suggest("那？", history=history)
    assert result.context.follow_up and result.context.pending_question is None
    assert result.context.last_question == 0
    top = result.suggestions[0]
    assert not top.holding
    assert result.detection.scenario == "size_advice"
    # nothing was left unanswered: no apology for a wait
    assert "久等" not in top.reply and not top.reply.startswith("非常抱歉")


def test_after_a_promised_refund_a_bare_arrival_question_asks_after_the_refund(assistant):
    history = ["买家: 耳机退款了 多久到账", "客服: 亲 审核通过后1-3个工作日原路退回", "买家: 好的"]
    for message in ("这都第四天了 还没看到钱", "今天能到吗", "那大概几天"):
        result = assistant.suggest(message, history=history)
        assert result.detection.scenario == "refund", message
        assert result.context.order_stage == "after_sale"
        assert "快递" not in result.suggestions[0].reply
    # a parcel named is a parcel: the return's courier, not the refund
    assert assistant.suggest("寄回的快递今天能到吗", history=history).detection.scenario != "refund"


def test_a_paid_order_the_buyer_waits_for_or_the_agent_sent_is_shipped(assistant):
    ordered = ["买家: 拍好了", "客服: 亲 明天发 韵达", "买家: 嗯嗯"]
    assert assistant.conversation("x", ordered).order_stage == "paid"
    # 明天发 韵达 scheduled it; four days on the buyer is still waiting for the parcel
    for message in ("四天了韵达还没送到", "物流一直没更新 怎么回事"):
        assert assistant.conversation(message, ordered).order_stage == "shipped", message
    # still waiting for the dispatch is no shipped order
    assert assistant.conversation("怎么还没发货", ordered).order_stage == "paid"
    assert (
        assistant.conversation("好的", ["买家: 付好了", "客服: 亲 已经发出了 圆通"]).order_stage == "shipped"
    )
    result = assistant.suggest(
        "圆通到现在也没到 不是说三天吗", history=["买家: 付好了", "客服: 亲 今天发 圆通 三天左右到"]
    )
    assert result.context.order_stage == "shipped"


def test_calling_the_agent_alone_is_no_question_to_answer(assistant):
    # 亲？ / 老板？ after an unanswered question calls the agent: 人呢 chases the question before it
    history = ["买家: 发什么快递", "买家: 亲？"]
    state = assistant.conversation("人呢 回一下啊", history)
    assert state.pending_question == "发什么快递"
    top = assistant.suggest("人呢 回一下啊", history=history).suggestions[0].reply
    assert "欢迎光临" not in top and "快递" in top
    assert assistant.conversation("老板？？", ["买家: 这个能机洗吗"]).nudge
    assert not assistant.conversation("亲 这个能机洗吗？", ["买家: 在吗"]).nudge
