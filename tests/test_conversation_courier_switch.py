"""A buyer asking to switch the courier of an order not yet shipped (issue 12): the switch is taken up
from the shop profile (intents.toml ``[courier_switch]``), by which of the shop's couriers is asked: one
it uses is confirmed, its express courier is offered at the surcharge, one it does not use is refused
with the ones it does. Never held as a question about another action (改规格的事)."""

from __future__ import annotations


def test_a_switch_to_a_courier_the_shop_uses_is_confirmed(assistant):
    history = ["买家: 拍了两盒洗衣凝珠", "客服: 好的亲 今天下午走圆通发出"]
    result = assistant.suggest("麻烦换成韵达吧 圆通在我们小区老丢件", history=history)
    top = result.suggestions[0]
    assert not top.holding and not result.abstained
    assert "韵达" in top.reply
    assert "规格" not in top.reply


def test_a_switch_to_the_express_courier_states_the_surcharge(assistant):
    history = ["买家: 面膜拍了两盒", "客服: 好的亲 今天韵达发"]
    top = assistant.suggest("改成顺丰吧 我周五要出差", history=history).suggestions[0]
    assert not top.holding
    assert "顺丰" in top.reply and "规格" not in top.reply
    assert "12元" in top.reply  # shop.toml express_surcharge


def test_a_switch_to_a_courier_the_shop_does_not_use_offers_the_ones_it_does(assistant):
    history = ["买家: 拖把下单了", "客服: 亲 今天中通给您发"]
    top = assistant.suggest("能不能改走极兔", history=history).suggestions[0].reply
    assert "极兔" in top and "发不了" in top
    assert "圆通" in top  # one of shop.toml couriers offered instead


def test_once_the_parcel_left_the_switch_is_not_promised(assistant):
    history = ["买家: 拖把下单了", "客服: 亲 已经发出了 中通 单号7788123456"]
    result = assistant.suggest("能改成韵达吗", history=history)
    assert "给您改发韵达" not in result.suggestions[0].reply


def test_a_first_courier_asked_before_any_was_named_is_no_switch(assistant):
    top = assistant.suggest("你们能发圆通吗").suggestions[0].reply
    assert "改发" not in top


def test_a_courier_the_buyer_says_not_to_use_is_no_switch(assistant):
    history = ["买家: 电热毯能发顺丰吗", "客服: 亲 可以的 补差价就发顺丰", "买家: 差价补好了"]
    top = assistant.suggest("千万别发成圆通哈 我家那边圆通很慢", history=history).suggestions[0].reply
    assert "改发圆通" not in top
