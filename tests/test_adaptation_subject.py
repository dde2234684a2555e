"""The buyer's own subject in the top suggestion (issue 12): the exchange target they named, the
order they point to and the item of a shipping or offer question are named in the reply, not left
for the agent to add."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("message", "history", "named", "absent"),
    [
        ("尺码偏小 能换个XL吗", ["买家: 卫衣到了", "客服: 亲 穿着还合适吗"], "XL", "退款"),
        ("收到了 颜色太艳了 想换藏青色", ["买家: 我买的大红色", "客服: 亲 好的"], "藏青色", "【"),
    ],
)
def test_an_exchange_names_what_the_buyer_wants_instead(assistant, message, history, named, absent):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert top.reply.count(named) >= 1 and "换货" in top.reply, top.reply
    assert absent not in top.reply and not top.fill_ins


def test_the_order_tail_the_buyer_gives_is_named(assistant, extractor):
    assert [f.value for f in extractor.extract("订单尾号是5520") if f.kind == "order_id"] == ["5520"]
    assert not [f for f in extractor.extract("手机尾号5520") if f.kind == "order_id"]
    top = assistant.suggest("退款申请三天了还没到账 订单后四位5520").suggestions[0]
    assert "5520" in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "item"),
    [("买的台灯物流两天没更新了 到哪了", "台灯"), ("纸尿裤买两包有优惠没", "纸尿裤")],
)
def test_the_item_of_a_shipping_or_offer_question_is_named(assistant, message, item):
    top = assistant.suggest(message).suggestions[0]
    assert item in top.reply, top.reply


def test_a_tracking_number_the_buyer_gives_is_read_back(assistant, extractor):
    assert [f.value for f in extractor.extract("单号SF8812345 三天没动") if f.kind == "tracking_no"] == [
        "SF8812345"
    ]
    top = assistant.suggest("快递三天没更新了 单号SF8812345 帮我看看").suggestions[0]
    assert "SF8812345" in top.reply, top.reply


@pytest.mark.parametrize(
    ("scenario", "message", "named"),
    [
        # a product question that asks about shipping names the item
        ("quality_question", "牛肉干走什么快递 路上会不会化", True),
        # a product question about the product itself does not
        ("quality_question", "牛肉干甜不甜", False),
        # a computed answer or a reply naming the item already is left as it is
        ("promotion", "牛肉干买两包有优惠没", True),
    ],
)
def test_the_item_is_named_after_the_opening_words(assistant, extractor, scenario, message, named):
    from assistant.adaptation import Suggestion
    from assistant.conversation import conversation_state

    adapter = assistant.engine.adapter
    state = conversation_state(message, [], extractor)
    assert state.item is not None and state.item.text == "牛肉干"
    top = Suggestion("有的亲，天热会放冰袋，收到请尽快冷藏。", 0.9, ("case-1",), scenario)
    reply = adapter.subject_named(top, message, [], scenario, state).reply
    assert (reply == "有的亲，牛肉干的话，天热会放冰袋，收到请尽快冷藏。") is named, reply
    computed = Suggestion("亲，两包是29×2=58～", 2.0, (), scenario)
    assert adapter.subject_named(computed, message, [], scenario, state) is computed
