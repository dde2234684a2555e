"""The order stage read from what was said (issue 12): an order event counts only when it is asserted as
done for this order, not asked, planned, requested, supposed, another order's or a word of a noun; the
agent's own statements count too (facts.toml [order_event_modality], intents.toml agent_shipped)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "message, not_reached",
    [
        ("发出了记得通知我一声", "shipped"),  # a request about a future event
        ("到了跟我说一声 我去取", "shipped"),
        ("等收到了再给你们好评", "delivered"),  # a wait
        ("要是签收了发现少件怎么办", "delivered"),  # a supposition
        ("万一拆开有破损能换吗", "delivered"),
        ("收货人能写我老公吗", "delivered"),  # a noun, no delivery
        ("确认收货以后多久能开票", "delivered"),  # a condition
        ("我朋友在你家买了一个 推荐我来的", "ordered"),  # another person's order
        ("上回在你们这买的特别好 这次还是那个味吗", "ordered"),  # another order
        ("不给退款我就申请平台介入", "after_sale"),  # a threat
    ],
)
def test_events_not_asserted_do_not_raise_the_stage(assistant, message, not_reached):
    from assistant.facts import ORDER_STAGES

    stage = assistant.conversation(message, []).order_stage
    assert ORDER_STAGES.index(stage) < ORDER_STAGES.index(not_reached), (message, stage)


@pytest.mark.parametrize(
    "message, stage",
    [
        ("昨天拍的 付好了", "paid"),
        ("刚付款 帮我看下", "paid"),
        ("物流还在杭州转运", "shipped"),
        ("快递显示签收了", "delivered"),
        ("收到了 盖子裂了", "delivered"),
        ("已经申请平台介入了", "after_sale"),
        ("已经寄回了 你们查下", "after_sale"),
        ("申请退货了 怎么没人处理", "after_sale"),
    ],
)
def test_asserted_events_still_count(assistant, message, stage):
    assert assistant.conversation(message, []).order_stage == stage


def test_a_delivery_the_buyer_denies_is_a_parcel_on_its_way(assistant):
    # the courier says delivered, the buyer has nothing: the parcel left, it did not arrive
    assert assistant.conversation("快递显示签收了 可我没拿到啊", []).order_stage == "shipped"
    # a missing gift is no denial of the parcel
    assert assistant.conversation("收到了 但是没收到赠品", []).order_stage == "delivered"


def test_agent_acknowledgement_is_no_delivery(assistant):
    history = ["买家: 台灯付好了", "客服: 亲 收到了 今天给您安排"]
    assert assistant.conversation("用什么快递", history).order_stage == "paid"


def test_agent_saying_it_sent_the_goods_counts(assistant):
    history = ["买家: 台灯发货了吗", "客服: 亲 发了 中通"]
    assert assistant.conversation("三天了还在路上吗", history).order_stage == "shipped"
