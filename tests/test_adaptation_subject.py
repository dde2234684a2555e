"""The buyer's own subject in the top suggestion (issue 12): the exchange target they named, the
order they point to and the item of a shipping or offer question are named in the reply, not left
for the agent to add."""

from __future__ import annotations

import re

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


@pytest.mark.parametrize(
    ("scenario", "message", "expected"),
    [
        # the budget of a recommendation, in the buyer's own words
        ("recommendation", "想给我爸挑个剃须刀 预算两百 有啥推荐", "好的亲，预算两百的我帮您挑，我先看看。"),
        ("recommendation", "学生党 台灯 150左右的 哪款好", "好的亲，150左右的我帮您挑，我先看看。"),
        # the sum of a refund that has not come, the last one named, with no 元 the buyer did not write
        ("refund", "退了一周了 只到了40 还有85呢", "好的亲，85这笔退款我帮您盯着，我先看看。"),
        ("refund", "钱还没到账 126块", "好的亲，126这笔退款我帮您盯着，我先看看。"),
        # every measurement of a size question, each once
        ("size_advice", "猫背心 胸围33cm 背长26 选哪个", "好的亲，胸围33cm、背长26我记下了，我先看看。"),
        ("size_advice", "护腕 手腕围15 什么码", "好的亲，手腕围15我记下了，我先看看。"),
        ("size_advice", "汤锅 20厘米的 两个人够吗", "好的亲，20厘米我记下了，我先看看。"),
        ("size_advice", "文胸平时穿70A 这款选啥", "好的亲，70A我记下了，我先看看。"),
        # the quantity and spec of a free-shipping question or an order
        ("free_shipping", "那要3L的 买两桶包邮不", "好的亲，3L、两桶的话，我先看看。"),
        # …not a number the buyer's words go on past (159包邮 / 四件套)
        ("free_shipping", "买三盒包邮吗 四件套也要", "好的亲，三盒的话，我先看看。"),
        ("order_placed", "拖鞋42码 两双 已经拍了", "好的亲，42码、两双我记下了，我先看看。"),
        # the price a buyer finds too high
        ("price_objection", "要329？这么贵 别家才两百多", "好的亲，329这个价，我先看看。"),
        ("price_objection", "这个79块也太贵了吧", "好的亲，79这个价，我先看看。"),
    ],
)
def test_the_amount_the_buyer_names_is_named(assistant, scenario, message, expected):
    from assistant.adaptation import Suggestion

    adapter = assistant.engine.adapter
    top = Suggestion("好的亲，我先看看。", 0.9, ("case-1",), scenario)
    assert adapter.amount_named(top, message, [], scenario).reply == expected


@pytest.mark.parametrize(
    ("scenario", "message", "reply"),
    [
        ("refund", "退款多久到 我买了3件", "好的亲，我先看看。"),  # no amount asked about
        ("promotion", "预算两百 有什么活动", "好的亲，我先看看。"),  # not a recommendation
        ("refund", "还差85呢", "好的亲，85的退款我先看看。"),  # named already
        ("size_advice", "胸围33 背长26", "好的亲，胸围33、背长26按尺码表我先看看。"),
        ("size_advice", "平时穿L 这款选啥", "好的亲，我先看看。"),  # a size, no measurement
    ],
)
def test_a_reply_is_left_alone_without_an_amount_to_name(assistant, scenario, message, reply):
    from assistant.adaptation import Suggestion

    adapter = assistant.engine.adapter
    top = Suggestion(reply, 0.9, ("case-1",), scenario)
    assert adapter.amount_named(top, message, [], scenario) is top


def test_a_recommendation_or_a_late_refund_names_the_amount_end_to_end(assistant):
    top = assistant.suggest("想给孩子买个书包 预算两百以内 推荐一下").suggestions[0]
    assert "两百" in top.reply, top.reply
    history = ["买家: 鞋子退回去了", "客服: 亲 仓库收到后3天内退款"]
    for message in ("都五天了 钱还没到 368呢", "368块 啥时候能退回来"):
        top = assistant.suggest(message, history=history).suggestions[0]
        assert "368" in top.reply and "368元" not in top.reply, top.reply


def test_the_place_of_a_shipping_time_question_is_named(assistant):
    from assistant.adaptation import Suggestion

    adapter = assistant.engine.adapter
    top = Suggestion("亲，发出后一般2到4天送达。", 0.9, ("case-1",), "shipping_time")
    reply = adapter.amount_named(top, "寄成都的话 周五前能到吗", [], "shipping_time").reply
    assert reply == "亲，寄成都的话，发出后一般2到4天送达。", reply
    # an item said as the answer's condition already takes the place into it, never two 的话 in a row
    item = Suggestion("有的亲，台灯的话，发出后一般2到4天送达。", 0.9, ("case-1",), "shipping_time")
    reply = adapter.amount_named(item, "几天能到成都", [], "shipping_time").reply
    assert reply == "有的亲，台灯寄成都的话，发出后一般2到4天送达。", reply
    # a holding reply checks rather than answers: the place is noted
    held = Suggestion("亲稍等一下，物流的情况我马上帮您核实清楚。", 0.9, (), "shipping_time", holding=True)
    reply = adapter.amount_named(held, "几天能到成都", [], "shipping_time").reply
    assert reply == "亲稍等一下，成都我记下了，物流的情况我马上帮您核实清楚。", reply
    named = Suggestion("亲，成都一般2天送达。", 0.9, ("case-1",), "shipping_time")
    assert adapter.amount_named(named, "寄成都的话 周五前能到吗", [], "shipping_time") is named


@pytest.mark.parametrize(
    ("history", "message", "colour"),
    [
        (["买家: 大衣有几个颜色", "客服: 亲 有驼色和黑色"], "驼色还有吗", "驼色"),
        (["买家: 毛衣颜色哪个显白", "客服: 亲 奶白和浅灰都显白"], "要奶白 有现货不", "奶白"),
    ],
)
def test_a_colour_the_buyer_named_is_not_asked_again(assistant, history, message, colour):
    rules = assistant.engine.adapter.rules
    assert any(p.search(colour) for given, _ in rules.already_given for p in given)
    top = assistant.suggest(message, history=history).suggestions[0]
    assert "哪个颜色" not in top.reply and "什么颜色" not in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "history", "named", "absent"),
    [
        # wordings of our own: an address with no 改, a phone tail, a place word before the address
        ("门牌号写错了 应该是9栋2单元302", ["买家: 拍好了", "客服: 亲 明天发"], "9栋2单元302", "发我"),
        ("号码填错了 尾号是4417", ["买家: 刚下单", "客服: 好的亲 今天发"], "尾号改成4417", "发我"),
        ("寄到我公司吧 苏州市工业园区星湖街18号", ["买家: 拍了", "客服: 亲 收到"], "星湖街18号", "我公司"),
        ("手机号最后一位是3不是8", ["买家: 已付款", "客服: 亲 今天发"], "最后一位改成3", "发我"),
    ],
)
def test_an_address_or_phone_tail_given_for_a_change_is_read_back(assistant, message, history, named, absent):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert named in top.reply and absent not in top.reply, top.reply
    assert not re.search(r"1\d{10}", top.reply)  # a phone number is never written out whole


def test_a_field_the_buyer_keeps_is_not_the_one_changed(assistant):
    top = assistant.suggest("改成XL吧 地址不变", history=["买家: 拍了L码", "客服: 亲 收到"]).suggestions[0]
    assert "XL" in top.reply and "地址改成" not in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "history", "named"),
    [
        # wordings of our own: the quantity a better price or an offer is asked for
        ("单位要订20盒 能优惠点不", [], "20盒"),
        ("便宜点吧 我拿四瓶", ["买家: 这个精华多少钱", "客服: 亲 199一瓶"], "四瓶"),
        # and the instalments a buyer asks to pay in
        ("空调能分24期吗 免息不", [], "24期"),
        ("6期免息的话今天下单", ["买家: 这个冰箱能分期吗", "客服: 亲 支持花呗分期哦"], "6期免息"),
    ],
)
def test_the_quantity_or_the_instalments_asked_for_are_named(assistant, message, history, named):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert named in top.reply and top.reply.count("的话，") <= 1, top.reply
