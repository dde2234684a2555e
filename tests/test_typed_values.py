"""What a number or a phrase is before it is written into a reply (issue 12: no fact the agent did not
give it). A value is read as a kind only where its own context says so: its label (订单尾号 is the order's,
电话尾号 the phone's), its unit (20块 is money), its shape (a 400 line is a hotline), its place in the
clause (小区名写错了 says what is wrong, the new value comes after it). Read otherwise it is never
written into a reply as that kind. Wordings of our own, in no development or held-out set."""

from __future__ import annotations

import pytest
from conftest import grounded_answer, turns

from assistant.agent_said import agent_said
from assistant.conversation import conversation_state
from assistant.missing import read_missing


def answered(money, grounder, extractor, message, scenario, *history):
    state = conversation_state(message, turns(*history), extractor)
    return grounded_answer(money.answer(message, scenario, state, None), grounder, state, scenario)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("装好后拨打400联系售后就行", "400"),
        ("那个800热线是多少", "800"),
        ("售后电话400-617-2290", "4006172290"),
        ("联系方式是15920034416", "15920034416"),
    ],
)
def test_a_number_its_label_or_shape_names_a_phone_is_a_phone(extractor, text, phone):
    facts = extractor.extract(text)
    assert [f.value for f in facts if f.kind == "phone"] == [phone]
    assert not [f for f in facts if f.kind == "money"]


def test_a_number_with_a_unit_of_money_stays_money(extractor):
    assert [(f.kind, f.value) for f in extractor.extract("400块能卖吗")] == [("money", "400")]


def test_a_hotline_is_no_price_to_hold(money, grounder, extractor):
    history = ["买家: 热水器送货上门装吗", "客服: 亲 到货后拨打400约师傅上门"]
    assert money.amounts("到货后拨打400约师傅上门") == []
    found = answered(money, grounder, extractor, "收到了 400是多少啊 周日能来装吗", "bargaining", *history)
    assert found is None or "400已经是" not in found[0]
    # a price said with its unit is still held as one (the control)
    price = answered(money, grounder, extractor, "400块卖不卖", "bargaining")
    assert price is not None and "400" in price[0]


def test_an_orders_tail_is_no_phone_to_change(money, grounder, extractor):
    history = ["买家: 电饭煲拍了", "客服: 亲 今天下午发出"]
    found = answered(money, grounder, extractor, "订单尾号6208 颜色没拍错吧", "change_address", *history)
    assert found is None or "电话尾号" not in found[0]
    # a tail the phone's label names is changed as before
    phone = answered(money, grounder, extractor, "手机号写错了 尾号是6208 能改吗", "change_address", *history)
    assert phone is not None and "电话尾号改成6208" in phone[0]


def test_a_clause_saying_what_is_wrong_is_no_new_address(money, grounder, extractor):
    history = ["买家: 台灯拍好了", "客服: 亲 今晚打包"]
    found = answered(
        money, grounder, extractor, "地址楼号写错了 是9栋 还没发能改吗", "change_address", *history
    )
    assert found is not None
    assert "9栋" in found[0] and "错" not in found[0]


def test_an_amount_or_a_day_is_no_missing_part(assistant):
    rules = assistant.engine.adapter.rules.missing
    extract = assistant.engine.extractor.extract
    # 20块太少了: money judged, not a 块太 left out of the parcel
    assert read_missing("20块太少了吧 再多给点", [], True, rules, extract) is None
    # 说好的周三呢: the day promised, not a 周三 to send
    assert read_missing("说好的周三呢 怎么还没动静", [], True, rules, extract) is None
    # the part itself is still named (the control)
    found = read_missing("说好的送勺子呢", [], True, rules, extract)
    assert found is not None and found.things == ("勺子",)


def test_an_exchange_names_no_weight_told_beside_it(money, grounder, extractor):
    history = ["买家: 连体衣收到了", "客服: 亲 穿着合适吗"]
    found = answered(
        money, grounder, extractor, "宝宝10个月 11公斤 腿那里紧 换90的吧", "return_exchange", *history
    )
    assert found is not None and "换90" in found[0]
    assert "公斤" not in found[0]


def test_the_single_of_an_order_number_is_no_waybill(lexicon):
    assert "tracking" not in lexicon.parse("订单号发你了 帮我看下").objects
    assert "tracking" in lexicon.parse("单号发我一下").objects
    # a holding reply still names the parcel for a waybill asked after (the word is a pattern now)
    assert lexicon.topic("韵达单号出来了没") == "物流的情况"
    assert lexicon.topic("订单号发你了 帮我看下") != "物流的情况"


def test_a_clause_of_features_keeps_its_word(assistant):
    wording = assistant.engine.adapter.rules.wording
    content = wording.function_words.sub(" ", "这个功能有吗")
    assert "功能" in content
    assert "能" not in wording.function_words.sub(" ", "能用吗").strip()


def test_an_agents_alternative_is_said_back_with_its_first_half(assistant):
    rules = assistant.engine.adapter.intents.agent_said
    history = ["买家: 1.5米的床买哪种", "客服: 亲 1.5米的床拿床单款，或者1.8米的拿床笠款"]
    texts = [t.split(": ", 1)[1] for t in history] + ["床笠款是1.8米的吗"]
    roles = ["buyer", "agent", "buyer"]
    said = agent_said(texts[-1], texts, roles, assistant.engine.extractor.extract, rules)
    assert said is not None and not said.said.startswith("或者")
    assert "1.5米的床拿床单款，或者" in said.said
