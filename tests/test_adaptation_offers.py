"""The conversation wins over the shop profile for offers and couriers (issue 12): the gift or the
multi-buy deal the agent named is the one a suggestion restates (never the shop's own gift, its
condition or its coupon), and a buyer asking for a courier the shop does not use, after the agent
named one or when other couriers do not reach them, is offered no courier of the shop's list."""

from __future__ import annotations

import re

import pytest

SHOP_COURIERS = ("中通", "圆通", "韵达", "顺丰")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("亲 现在送杯套一个", {("gift", "杯套一个")}),
        ("亲 活动已经送了同款10ml小样了哦", {("gift", "10ml小样")}),
        ("亲 第二双半价哦", {("promotion", "第二双半价")}),
        ("亲 买二送一 再送一个木勺", {("promotion", "买二送一"), ("gift", "木勺")}),
        ("还送挂钩吗", {("gift", "挂钩")}),  # a question names the gift without its particle
    ],
)
def test_the_agents_gifts_and_deals_are_facts(extractor, text, expected):
    assert expected <= {(f.kind, f.value) for f in extractor.extract(text)}


@pytest.mark.parametrize(
    "text", ["送了一个月还没到", "送长辈的话哪个好", "毛巾买五条送一条是吗", "送啥", "送货上门吗"]
)
def test_questions_and_other_senses_of_song_name_no_gift(extractor, text):
    assert not [f for f in extractor.extract(text) if f.kind == "gift"]


def test_the_gift_the_agent_named_is_restated_without_the_shops_gift_or_condition(assistant):
    shop = assistant.corpus.shop.slots
    result = assistant.suggest(
        "能再多送个杯刷吗", history=["买家: 保温杯有赠品吗", "客服: 亲 现在送杯套一个"]
    )
    for suggestion in result.suggestions:
        assert shop["gift"] not in suggestion.reply, suggestion.reply
        assert shop["gift_condition"] not in suggestion.reply, suggestion.reply
    assert "杯套" in result.suggestions[0].reply, result.suggestions[0].reply


def test_the_agents_multi_buy_deal_is_not_swapped_for_the_shops_coupon(assistant):
    shop = assistant.corpus.shop.slots
    result = assistant.suggest("那我拿四双呢", history=["买家: 袜子买两双有优惠吗", "客服: 亲 第二双半价哦"])
    for suggestion in result.suggestions:
        assert shop["coupon"] not in suggestion.reply and shop["promotion"] not in suggestion.reply
    assert "第二双半价" in result.suggestions[0].reply, result.suggestions[0].reply


@pytest.mark.parametrize(
    ("history", "message", "asked"),
    [
        (["买家: 奶粉发什么快递", "客服: 亲 默认圆通哦"], "能发德邦吗 我们这圆通不送", "德邦"),
        (["买家: 茶叶拍了", "客服: 亲 收到 明天发"], "发邮政可以吗 我们山里只有邮政能到", "邮政"),
    ],
)
def test_a_courier_the_shop_does_not_use_gets_no_other_courier_offered(assistant, history, message, asked):
    result = assistant.suggest(message, history=history)
    assert asked in result.suggestions[0].reply, result.suggestions[0].reply
    for suggestion in result.suggestions:
        named = [c for c in SHOP_COURIERS if c in suggestion.reply and c not in "".join(history)]
        assert not named, suggestion.reply


def test_a_personal_ordinary_invoice_needs_no_tax_number_and_a_special_one_is_named(assistant):
    personal = assistant.suggest(
        "开普票就可以 抬头写个人", history=["买家: 台灯能开发票吗", "客服: 可以的亲"]
    )
    for suggestion in personal.suggestions:
        assert not re.search("税号|专票|公司名称", suggestion.reply), suggestion.reply
    special = assistant.suggest(
        "公司名 成都某某有限公司 税号 9151XXXX",
        history=["买家: 办公椅要开专票", "客服: 亲 可以的 发下公司信息"],
    )
    top = special.suggestions[0].reply
    assert "专票" in top and assistant.corpus.shop.slots["invoice_time"] not in top, top


@pytest.mark.parametrize(
    ("history", "message", "wanted", "wrong"),
    [
        (["买家: 灰色36有吗", "客服: 亲 有的哦"], "我拍成37了 能改吗", "", "改37"),
        (["买家: 白色40有吗", "客服: 亲 有的哦"], "我拍错了拍成41了 能改吗", "", "改41"),
        ([], "拍成了M 想换L 能改吗", "L", "ML"),
    ],
)
def test_a_change_request_reads_back_the_new_value_not_the_mistaken_one(
    assistant, history, message, wanted, wrong
):
    result = assistant.suggest(message, history=history)
    assert wanted in result.suggestions[0].reply, result.suggestions[0].reply
    for suggestion in result.suggestions:
        assert wrong not in suggestion.reply, suggestion.reply
