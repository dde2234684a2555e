"""The order stage of busy chats (issue 12): a deposit, a failing payment, an order the chat went on
past, a waybill the agent gave, and, with several parcels in play, the one the newest message names
(parcels.py, intents.toml [order_stage] / [parcels], facts.toml [order_events]). Real model and index;
wordings of no set."""

from __future__ import annotations

import pytest

from assistant.parcels import parcel_in_question

# a desk sent and arrived, its chair out of stock and sent later
SPLIT = ["买家: 书桌和椅子一起拍的", "客服: 亲 椅子缺货 先发书桌 椅子一周后补发", "买家: 书桌今天到了"]


def test_the_parcel_the_message_names_decides_the_stage(assistant):
    result = assistant.suggest("都十天了 椅子呢", history=SPLIT)
    # the chair has not gone: no goods in hand to complain of, no packing mistake to own up to
    assert result.context.order_stage in ("paid", "shipped"), result.context.order_stage
    assert result.detection.scenario != "quality_complaint"
    for suggestion in result.suggestions:
        assert not any(w in suggestion.reply for w in ("漏发", "漏放", "疏忽")), suggestion.reply


def test_the_parcel_in_hand_keeps_its_stage(assistant):
    result = assistant.suggest("书桌的桌腿是歪的", history=SPLIT)
    assert result.context.order_stage in ("delivered", "after_sale")


def test_parcels_are_told_apart_by_their_own_words(assistant):
    rules = assistant.engine.adapter.intents.parcels
    texts = [t.split(": ", 1)[1] for t in SPLIT]
    events: list[list[tuple[str, int, int]]] = [[] for _ in range(len(texts) + 1)]  # read by the rules' words
    parcel = parcel_in_question([*texts, "都十天了 椅子呢"], events, rules)
    assert parcel is not None and "椅" in parcel.words and parcel.unshipped
    arrived = parcel_in_question([*texts, "书桌的桌腿是歪的"], events, rules)
    assert arrived is not None and arrived.stage == "delivered"
    # a message naming neither, or a chat of one parcel, decides nothing
    assert parcel_in_question([*texts, "什么情况"], events, rules) is None
    assert parcel_in_question(["椅子缺货", "一周后补发", "好的 什么时候到"], [[], [], []], rules) is None


@pytest.mark.parametrize(
    ("message", "history", "stage"),
    [
        # a deposit paid leaves the balance due; the balance paid, the order is paid
        ("定金交了 尾款几号开始付", [], "ordered"),
        ("尾款也付好了 哪天能发", ["买家: 台灯定金付了", "客服: 亲 尾款20号开始付"], "paid"),
        # placed, and the chat went on past it with no word of paying: paid
        ("你们用什么快递", ["买家: 台灯拍了", "客服: 亲 收到 48小时内发出"], "paid"),
        # …but not when paying is spoken of
        ("能用花呗吗", ["买家: 台灯拍了", "客服: 亲 收到"], "ordered"),
        # the agent replacing the goods: they were in hand, whatever the buyer's words for the fault
        ("新的寄出了吗", ["买家: 台灯开关按下去没反应", "客服: 亲 抱歉 直接给您换新的"], "after_sale"),
        # the agent naming the courier with the waybill's tail: gone
        ("怎么查不到", ["买家: 台灯发了没", "客服: 发了亲 申通 尾号5531"], "shipped"),
    ],
)
def test_stage_read_from_the_events(assistant, message, history, stage):
    assert assistant.conversation(message, history).order_stage == stage
