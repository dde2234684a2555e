"""A new value dropped into the buyer's earlier question (issue 12): 那8个呢 after 买5个便宜点 asks
that question again with 8 (intents.toml ``[substitution]``), and 5口人呢 / 偶尔来客人…呢 chase nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversation import substituted
from assistant.intent import load_intents

RULES = load_intents(Path(__file__).parents[1] / "corpus" / "intents.toml")[0].substitution


@pytest.mark.parametrize(
    ("earlier", "message", "asked"),
    [
        (["收纳箱有大号吗", "买5个便宜点"], "那8个呢", "买8个便宜点"),
        (["打底裤买两条有优惠吗"], "那三条呢", "打底裤买三条有优惠吗"),
        (["这个四件套浅灰有1.5米的吗"], "那1.8的呢", "这个四件套浅灰有1.8的吗"),
        (["这个羽毛球拍4U紫色还有吗"], "那3U紫色呢", "这个羽毛球拍3U紫色还有吗"),
        (["这款板鞋白绿37有吗"], "那白蓝呢", "这款板鞋白蓝37有吗"),
        (["20000毫安的能带上飞机吗"], "那10000的呢", "10000毫安的能带上飞机吗"),
        (["M码会不会大"], "那L呢", "L码会不会大"),
        # words of our own: a count with another measure word, a colour said with 色
        (["洗碗块买2盒能便宜吗"], "那5盒呢", "洗碗块买5盒能便宜吗"),
        (["卫衣黑色XL还有吗"], "那灰色的呢", "卫衣灰色XL还有吗"),
        # the 蓝 of 蓝牙 is no colour: the colour standing alone is the one asked again
        (["蓝牙音箱 S1 白色"], "黑的呢", "蓝牙音箱 S1 黑色"),
        # a value the question has none of its kind for stays asked, after the one swapped (and its 码)
        (["跑鞋41码有吗"], "那40的白色呢", "跑鞋40码白色有吗"),
        (["这件有M吗"], "那L藏青呢", "这件有L藏青吗"),
    ],
)
def test_the_new_value_goes_into_the_earlier_question(earlier, message, asked):
    assert substituted(message, earlier, RULES) == asked


@pytest.mark.parametrize(
    ("earlier", "message"),
    [
        (["发啥快递"], "那快递呢"),  # no value: a thing asked after
        (["退了吗"], "钱呢"),
        (["在吗"], "人呢"),  # a chase
        (["硬盘支持分期吗"], "6期呢"),  # nothing of its kind to stand in for
        (["平时穿41 这款穿多大"], "那42的呢"),  # 41 is what the buyer usually takes
        (["袜子送几双"], "说好的送袜子呢"),
    ],
)
def test_no_new_value_leaves_the_message_as_it_is(earlier, message):
    assert substituted(message, earlier, RULES) is None


def test_a_count_of_people_is_no_chase(assistant):
    history = ["买家: 蒸锅28和32cm哪个好", "客服: 亲 家里3-4人用28够了"]
    assert not assistant.conversation("5口人呢", history).nudge
    assert not assistant.conversation("偶尔来客人五六个人呢", history).nudge
    assert assistant.conversation("人呢", history).nudge
    assert assistant.conversation("客服人呢", history).nudge


def test_the_swapped_question_is_answered_with_the_new_value(assistant):
    history = ["买家: 这个四件套浅灰有1.5米的吗", "客服: 亲 浅灰1.5米有货哦"]
    top = assistant.suggest("那1.8的呢", history=history).suggestions[0].reply
    assert "1.8" in top and "浅灰" in top
    assert "1.5" not in top


def test_another_colour_of_an_item_listed_is_not_answered_for_the_first(assistant):
    # 黑的呢 after 蓝牙音箱 S1 白色 / 白色有现货: nothing said of white is said of black
    history = ["买家: 蓝牙音箱 S1 白色", "客服: 亲 白色有现货哦"]
    top = assistant.suggest("黑的呢", history=history).suggestions[0].reply
    assert "黑" in top and "白色" not in top


def test_a_bare_number_of_many_digits_is_read_in_the_spec_unit_said(assistant):
    # 20000的呢 after 10000mAh可以上飞机: 20000mAh; 那10000的呢 after 20000毫安的: 10000毫安
    state = assistant.conversation("20000的呢", ["买家: 充电宝能带上飞机吗", "客服: 亲 10000mAh可以上飞机"])
    assert [s.fact.value for s in state.asked_now(("spec",))] == ["20000mAh"]
    state = assistant.conversation("那10000的呢 哪个轻", ["买家: 20000毫安的能带上飞机吗", "客服: 亲 可以"])
    assert [s.fact.value for s in state.asked_now(("spec",))] == ["10000毫安"]
    # an amount or a count is no spec (退款299呢 / 买8个)
    state = assistant.conversation("那2000个呢", ["买家: 10000mAh的有吗", "客服: 亲 有"])
    assert not state.asked_now(("spec",))


def test_an_order_after_the_agent_named_the_courier_hears_it_named(assistant):
    history = ["买家: 发什么快递", "客服: 亲 太重了 发德邦"]
    top = assistant.suggest("好的 拍了", history=history).suggestions[0].reply
    assert "德邦" in top
    # no courier named in the chat: none is said
    top = assistant.suggest("好的 拍了", history=["买家: 有货吗", "客服: 亲 有的"]).suggestions[0].reply
    assert not any(c in top for c in ("德邦", "顺丰", "中通", "圆通", "韵达", "申通"))


def test_a_promised_dispatch_names_the_courier_said_after_it(assistant):
    state = assistant.conversation("好的 拍了", ["买家: 发什么快递", "客服: 亲 默认圆通"])
    intents = assistant.engine.adapter.intents
    reply = state.with_courier(
        "好的亲，付款后48小时内发出，麻烦您核对一下地址。",
        intents.courier_generic,
        intents.courier_before,
        intents.courier_dispatch,
        intents.courier_dispatch_named,
    )
    assert reply == "好的亲，付款后48小时内发出，走圆通，麻烦您核对一下地址。"


def test_a_broken_promise_of_delivery_is_a_delay_complaint_naming_the_courier(assistant):
    history = ["买家: 几天能到", "客服: 亲 发圆通 一般三天到", "买家: 好 拍了"]
    result = assistant.suggest("圆通到现在也没到 不是说三天吗", history=history)
    assert result.detection.scenario == "delay_complaint"
    top = result.suggestions[0].reply
    assert "圆通" in top and any(w in top for w in ("抱歉", "不好意思", "对不起"))
    # a promised refund or gift asked after is no delay of the parcel
    promise = next(c for c in assistant.engine.adapter.intents.carried if c.scenario == "delay_complaint")
    assert promise.applies("说好今天发的 怎么还没发", ["客服: 亲 今天下午就发"])
    assert not promise.applies("不是说三天退款吗 钱还没到", ["客服: 三天内退款"])
    assert not promise.applies("说好的送袜子呢 没收到", ["客服: 亲 今天发"])
    assert not promise.applies("不是说三天到吗", ["客服: 亲 三天到"])  # asks, says nothing broken
