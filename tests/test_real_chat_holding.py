"""Holding replies in real (anonymised) chats (issue 12): a placeholder of the export ([姓名x]) is never
said back, the specs of the product line the agent asked the buyer to confirm (…黑色 请问是这个商品吗) are
no values of the buyer's next question, and a tag question (…是我自己下载是吗) is not answered with the
scenario's generic safe reply that says nothing of its claim."""

from __future__ import annotations


def test_a_placeholder_is_not_said_back(assistant):
    history = ["买家: 这款行车记录仪能录后面吗", "客服: 可以的亲，需要另外买后摄像头"]
    for message in ("什么是[姓名x]", "[姓名x]怎么用"):
        for suggestion in assistant.suggest(message, history=history).suggestions:
            assert "[姓名x]" not in suggestion.reply, (message, suggestion.reply)


def test_the_confirmed_product_lines_specs_are_not_the_question(assistant):
    result = assistant.suggest(
        "是的 已经过了保修期了",
        history=["买家: 过了保修期怎么修", "客服: 小米平板6 8+256G 远山蓝 请问是这个商品吗"],
    )
    top = result.suggestions[0]
    assert "256G" not in top.reply and "远山蓝" not in top.reply, top.reply


def test_a_tag_question_is_not_answered_with_the_generic_safe_reply(assistant):
    result = assistant.suggest(
        "对 [姓名x]是我自己下载是吗",
        history=["买家: 我这个订单的发票什么时候给我", "客服: 您好，是这个订单吗"],
    )
    top = result.suggestions[0]
    assert "抬头和税号" not in top.reply, top.reply
    # a tag question the safe reply speaks of is still answered by it
    assert "发票" in assistant.engine.adapter.rules.fallback.get("invoice", "")
    adapter = assistant.engine.adapter
    assert adapter.confirms(adapter.rules.fallback["invoice"], "能开发票是吗")
    assert not adapter.confirms(adapter.rules.fallback["invoice"], "是我自己下载是吗")


def test_a_buyer_asking_to_hurry_is_told_the_agent_chases_it(assistant):
    # (own wordings) a request to chase is taken up as a chase, never as a check whether one can chase
    cases = [
        ("能帮我催一下吗 狗粮只剩一顿了", ["买家: 狗粮付款三天了还没发", "客服: 亲 最近单子比较多"]),
        ("麻烦快点处理", ["买家: 退货寄回去五天了 退款还没到", "客服: 亲 仓库在验货"]),
    ]
    for message, history in cases:
        top = assistant.suggest(message, history=history).suggestions[0]
        assert "帮您催一下" in top.reply and "能不能" not in top.reply, (message, top.reply)


def test_a_question_of_when_is_not_taken_for_a_hurry(assistant):
    history = ["买家: 拍了一套餐具", "客服: 好的亲 感谢支持"]
    top = assistant.suggest("能加急吗 什么时候能发", history=history).suggestions[0]
    assert "催一下" not in top.reply, top.reply
