"""The buyer's order summed against the agent's offers (``assistant/sums.py``, ``corpus/money.toml``
[sums]): yes or no with the sum written out when the chat holds every number, nothing computed when
one is missing. Wordings of our own, in no development or held-out set."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import grounded_answer

from assistant.conversation import conversation_state
from assistant.corpus import Turn

ROOT = Path(__file__).resolve().parents[1]


def grounded(money, grounder, extractor, message, scenario, *lines):
    """The sum answer grounded as the adapter grounds it, or None: (reply, fill-ins, ungrounded)."""
    history = [Turn("buyer" if t.startswith("买家") else "agent", t.split(": ", 1)[1]) for t in lines]
    state = conversation_state(message, history, extractor)
    return grounded_answer(money.order_sum(message, scenario, state, None), grounder, state, scenario)


@pytest.mark.parametrize(
    ("history", "message", "expected", "absent"),
    [
        # quantity × the agent's unit price against the agent's free-shipping threshold
        (
            ["买家: 袜子怎么卖", "客服: 亲 一双12.5 满49包邮"],
            "买4双够包邮不",
            ["12.5×4=50", "满49了", "包邮"],
            "还差",
        ),
        (
            ["买家: 袜子怎么卖", "客服: 亲 一双12.5 满49包邮"],
            "买3双够包邮不",
            ["12.5×3=37.5", "还差11.5"],
            "满49了",
        ),
        # the buyer's items listed, against a cut the agent offered
        (
            ["买家: 有满减没", "客服: 亲 满150减15"],
            "台灯88 灯泡29 再加个插座36 够不够",
            ["88+29+36=153", "153-15=138"],
            "还差",
        ),
        # an item added to the one price the buyer said before
        (
            ["买家: 有活动没", "客服: 亲 满120减12", "买家: 背包是105的"],
            "再凑个18的钥匙扣能用吗",
            ["105+18=123", "123-12=111"],
            "还差",
        ),
        # the buyer's one amount under the threshold: the gap, never a cut taken
        (
            ["买家: 包邮门槛多少", "客服: 亲 满69包邮哦"],
            "我拍了61的 够不",
            ["61", "还差8", "包邮"],
            "可以包邮",
        ),
        # the agent's unit price, a quantity, and a coupon the agent said comes on top, asked as a price
        (
            ["买家: 保温杯有优惠吗", "客服: 亲 一个55 满150减20 还可以领个8元券哦", "买家: 我买三个"],
            "一共付多少",
            ["55×3=165", "165-20-8=137"],
            "还差",
        ),
    ],
)
def test_the_order_is_summed_against_the_agents_offer(
    money, grounder, extractor, history, message, expected, absent
):
    reply, fill_ins, ungrounded = grounded(money, grounder, extractor, message, "promotion", *history)
    assert all(e in reply for e in expected), reply
    assert absent not in reply, reply
    assert not fill_ins and not ungrounded


@pytest.mark.parametrize(
    ("history", "message", "expected", "absent"),
    [
        # a freight the buyer names is no part of the order: the units are summed
        (
            ["买家: 邮费多少", "客服: 亲 满45包邮 牙膏一支15.5"],
            "就要两支 邮费8块也太贵了 能包邮不",
            ["15.5×2=31", "还差14"],
            "您这单8",
        ),
        # the total the agent gave for the units is not multiplied again
        (
            ["买家: 杯垫买四个包邮吗", "客服: 您好，满60包邮，四个一共52元"],
            "差8块 能包吗",
            ["52", "还差8"],
            "52×4",
        ),
        # a buyer who asks to be let off the threshold hears it cannot be waived
        (
            ["买家: 满多少包邮", "客服: 亲 满45包邮哦", "买家: 我拍了40的"],
            "差5块 帮忙包一下呗",
            ["40", "还差5", "没法手动免"],
            "可以包邮",
        ),
    ],
)
def test_what_is_no_part_of_the_order_and_a_waiver(
    money, grounder, extractor, history, message, expected, absent
):
    reply, fill_ins, ungrounded = grounded(money, grounder, extractor, message, "free_shipping", *history)
    assert all(e in reply for e in expected), reply
    assert absent not in reply, reply
    assert not fill_ins and not ungrounded


def test_an_offer_the_buyer_named_counts_once_the_agent_said_yes(money, grounder, extractor):
    history = ("买家: 台灯满150减15吗", "客服: 亲 是的 还能领店铺券5元")
    reply, _, ungrounded = grounded(
        money, grounder, extractor, "那我买139的 加个9块的灯泡 够吗", "promotion", *history
    )
    assert "139+9=148" in reply and "还差2" in reply and "满150减15" in reply and not ungrounded
    # an offer only the buyer named, with no yes, is nobody's: nothing is computed from it
    history = ("买家: 台灯满150减15吗", "客服: 亲 我帮您看看")
    assert (
        grounded(money, grounder, extractor, "那我买139的 加个9块的灯泡 够吗", "promotion", *history) is None
    )


def test_a_unit_price_stated_by_the_agent_times_the_quantity(money, grounder, extractor):
    history = ("买家: 茶杯单买多少", "客服: 亲 单价45 满100减10", "买家: 那我要三个")
    reply, _, ungrounded = grounded(money, grounder, extractor, "减完多少钱", "promotion", *history)
    assert "45×3=135" in reply and "135-10=125" in reply and not ungrounded


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("那就是125对吧", "您算得没错"),  # the buyer's own figure agreed
        ("那就是130对吧", "不是130"),  # and corrected when the sum says otherwise
    ],
)
def test_the_buyers_own_figure_is_checked(money, grounder, extractor, message, expected):
    history = ("买家: 茶杯单买多少", "客服: 亲 单价45 满100减10", "买家: 那我要三个")
    reply, _, ungrounded = grounded(money, grounder, extractor, message, "promotion", *history)
    assert expected in reply and "135-10=125" in reply and not ungrounded


def test_a_cut_on_every_unit_from_a_count(money, grounder, extractor):
    history = ("买家: 置物架买几个有优惠", "客服: 亲 四个以上每个减3 一个25")
    reply, _, _ = grounded(money, grounder, extractor, "那四个多少钱", "bargaining", *history)
    assert "(25-3)×4=88" in reply and "100" not in reply
    # below the count the cut does not apply: nothing is computed from it
    assert grounded(money, grounder, extractor, "那两个多少钱", "bargaining", *history) is None


def test_a_coupon_with_no_threshold_is_taken_off_the_agents_price(money, grounder, extractor):
    history = ("买家: 耳机多少", "客服: 亲 到手价329 领券再减30")
    reply, _, ungrounded = grounded(money, grounder, extractor, "那就是299是吧", "promotion", *history)
    assert "329-30=299" in reply and "没错" in reply and not ungrounded
    # whether 329 was before the coupon is not said: no price is computed from it unasked
    assert grounded(money, grounder, extractor, "两个多少钱", "promotion", *history) is None
    assert grounded(money, grounder, extractor, "那就是300是吧", "promotion", *history) is None


@pytest.mark.parametrize(
    ("history", "message"),
    [
        # no unit price in the chat: nothing to multiply
        (["买家: 有活动吗", "客服: 亲 满99包邮"], "我买两个够包邮吗"),
        # no offer of the agent's: the shop replies answer it
        (["买家: 这个多少钱", "客服: 亲 39"], "两个一共多少钱 能便宜吗"),
        # two prices and a quantity: which one is multiplied is not said
        (["买家: 多少钱", "客服: 亲 大号59 小号39 满99减10"], "我买两个能用吗"),
        # the threshold the buyer names is no amount of theirs (不到120啊), and the turn before has none
        (["买家: 有券吗", "客服: 亲 满120减12"], "不到120啊 还能用吗"),
        # a pack the reading cannot place (8个装) is not answered with the agent's price of another pack
        (["买家: 4个装多少", "客服: 亲 4个装36 满60减6"], "8个装能减多少"),
        # after the sale a sum is no question
        (["买家: 有券吗", "客服: 亲 满120减12"], "我买的130 减了吗"),
    ],
)
def test_nothing_is_computed_when_a_number_is_missing(money, extractor, history, message):
    lines = [Turn("buyer" if t.startswith("买家") else "agent", t.split(": ", 1)[1]) for t in history]
    state = conversation_state(message, lines, extractor)
    scenario = "refund" if "减了吗" in message else "promotion"
    assert money.order_sum(message, scenario, state, None) is None


@pytest.mark.parametrize(
    ("message", "expected", "absent"),
    [
        # the price said with 5包装 is the pack's: 10包 is two packs, never 49.9×10
        ("买10包够包邮吗", ["按5包装算，49.9×2=99.8", "满99了"], ["499"]),
        ("买5包够包邮吗", ["您这单49.9，还差49.1"], ["249.5"]),
    ],
)
def test_an_order_in_units_of_a_pack_is_summed_in_packs(
    money, grounder, extractor, message, expected, absent
):
    history = ["买家: 螺蛳粉怎么卖", "客服: 亲 5包装49.9 满99包邮"]
    reply, fill_ins, ungrounded = grounded(money, grounder, extractor, message, "free_shipping", *history)
    assert all(e in reply for e in expected) and not any(a in reply for a in absent), reply
    assert not fill_ins and not ungrounded


def test_no_sum_when_the_units_make_no_whole_packs(money, extractor):
    history = [Turn("buyer", "螺蛳粉怎么卖"), Turn("agent", "亲 5包装49.9 满99包邮")]
    state = conversation_state("买7包够包邮吗", history, extractor)
    assert money.order_sum("买7包够包邮吗", "free_shipping", state, None) is None


@pytest.mark.parametrize(
    "message",
    ["这样215够满200吗 还是得凑到400", "是按215算还是按230算 能减吗", "215能减30吗 或者我再拿一件凑400"],
)
def test_two_amounts_the_buyer_weighs_are_no_order_to_add_up(money, grounder, extractor, message):
    # 215 or 400 is a choice the buyer weighs: nothing is computed (215+400 was said as the order)
    history = ["买家: 店里有满减吗", "客服: 亲 每满200减30 可以叠加店铺券"]
    assert grounded(money, grounder, extractor, message, "promotion", *history) is None
