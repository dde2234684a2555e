"""Computed and read-back values (issue 12): the value that is true now and the sums a buyer could do
themselves. A plain sum against the agent's offer is answered with the computed value, held when the
offers stack or repeat; a long number its label names as an account is never read back as the order's;
an interest-free plan the agent named is the one a buyer's 每月多少 asks about; a change the buyer
corrects is made to the newest value, and the agent's old value is not said back. Wordings of our own,
in no development or held-out set."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import grounded_answer, turns

from assistant.agent_said import superseded
from assistant.conversation import conversation_state

ROOT = Path(__file__).resolve().parents[1]


def answered(money, grounder, extractor, message, scenario, *history):
    """The money answer grounded as the adapter grounds it, or None: (reply, fill-ins, ungrounded)."""
    state = conversation_state(message, turns(*history), extractor)
    return grounded_answer(money.answer(message, scenario, state, None), grounder, state, scenario)


@pytest.mark.parametrize(
    ("history", "message", "scenario", "expected"),
    [
        # an item priced alone beside units of one price (a set's name, 三件套, counts nothing)
        (
            ["买家: 台灯和灯泡一起买有优惠吗", "客服: 亲 满300减30"],
            "三件套258 灯泡要三个 一个16 够不够",
            "promotion",
            ["258+16×3=306", "306-30=276"],
        ),
        # a price before 包邮 is a price, not a count of packs; an added item is summed onto it
        (
            ["买家: 运动袜一包29 包邮吗", "客服: 亲 满49包邮哦"],
            "我再加一个发带12 够了吧",
            "free_shipping",
            ["29+12=41", "还差8"],
        ),
        # the buyer's own total of the units (a price before 包邮), written as the chat's one price × count
        (
            ["买家: 抹布5条装多少", "客服: 亲 12.5 满20包邮"],
            "那拿两份 25 包邮了吧",
            "free_shipping",
            ["12.5×2=25", "满20了"],
        ),
        # an offer said with 可以 between its numbers is the offer, named by its threshold
        (
            ["买家: 有啥活动", "客服: 亲 满159可以减15"],
            "我买两件 一件89 能减多少",
            "promotion",
            ["89×2=178", "178-15=163", "满159了"],
        ),
        # the buyer's own coupon the agent went on from (凑满就能用券) counts; their figure is checked
        (
            ["买家: 我有张满299-30的券 外套279 差20", "客服: 亲 再加一条25元的围巾 凑满就能用券啦"],
            "加好了 304 用完券274对吧",
            "promotion",
            ["对的亲", "304-30=274", "满299了"],
        ),
    ],
)
def test_a_plain_sum_is_answered_with_the_computed_value(
    money, grounder, extractor, history, message, scenario, expected
):
    reply, fill_ins, ungrounded = answered(money, grounder, extractor, message, scenario, *history)
    assert all(e in reply for e in expected), reply
    assert not fill_ins and not ungrounded


@pytest.mark.parametrize(
    ("history", "message"),
    [
        # offers that stack or repeat are no one cut: one of them taken off alone is a wrong price
        (["买家: 有活动吗", "客服: 亲 店铺券满300减20 还能叠加跨店每满200减25"], "我买329的 到手多少"),
        # the units' own total in the clause (三个一共48) is never added to them again
        (["买家: 有优惠吗", "客服: 亲 满300减30"], "台灯258 灯泡三个一共48 一个16 够不够"),
        # a coupon only the buyer named, the agent naming another offer: not the buyer's to use here
        (["买家: 我有张满299-30的券", "客服: 亲 现在是满399减40哦"], "那304 用完券274对吧"),
    ],
)
def test_nothing_is_computed_from_offers_that_stack_or_an_amount_that_may_be_a_total(
    money, extractor, history, message
):
    state = conversation_state(message, turns(*history), extractor)
    assert money.order_sum(message, "promotion", state, None) is None


def test_the_interest_free_plan_the_agent_named_is_the_one_asked_about(money, grounder, extractor):
    history = ("买家: 能分期吗", "客服: 亲 支持3/6/12期 6期免息")
    reply, fill_ins, ungrounded = answered(
        money, grounder, extractor, "那3600的每个月还多少", "payment", *history
    )
    assert "6期是免息" in reply and "3600分6期" in reply and "每期约600" in reply, reply
    assert not fill_ins and not ungrounded
    # two interest-free plans and no number of the buyer's: which one is not said, nothing is computed
    state = conversation_state(
        "那3600的每个月还多少", turns("买家: 能分期吗", "客服: 亲 3期和6期都免息"), extractor
    )
    assert money.instalment("那3600的每个月还多少", "payment", state, None) is None


def test_an_account_number_is_no_order_number(extractor):
    facts = extractor.extract("开户行建行西湖支行 账号6217001234567890123 税号91310115MA1K4Q2B7X")
    assert not [f for f in facts if f.kind == "order_id"]
    assert {f.value for f in facts if f.kind == "account"} == {"6217001234567890123"}
    # an order number named as one stays the order's
    assert [f.kind for f in extractor.extract("订单号 123456789012345678") if f.kind != "order_event"] == [
        "order_id"
    ]


def test_a_corrected_change_is_made_to_the_newest_value(money, grounder, extractor):
    history = ("买家: 拍错尺码了 拍了M 要L", "客服: 好的亲 还没发 帮您改成L了", "买家: 好的")
    # whatever the message reads as (a thank-you closing it), the buyer changes the change under way
    reply, _, ungrounded = answered(
        money, grounder, extractor, "等下 不对 L还是偏小 改成XL吧 谢谢", "farewell", *history
    )
    assert "改成XL" in reply and "改成L，" not in reply and not ungrounded, reply
    # no change under way: a closing stays a closing
    state = conversation_state("改成XL吧 谢谢", turns("买家: 有XL吗", "客服: 亲 有的"), extractor)
    assert money.orders.change("改成XL吧 谢谢", "farewell", state, None) is None


def test_the_agents_value_the_buyer_replaces_is_not_said_back():
    assert superseded("帮您改成L了", "等下 不对 改成XL吧")
    # a value the buyer asks about replaces nothing; the same value is no change
    assert not superseded("活动价299", "活动价289吗")
    assert not superseded("帮您改成L了", "改成L就行")
