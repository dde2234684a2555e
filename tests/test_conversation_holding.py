"""Holding replies (issue 12) name what the buyer asked, not only the item: the part or defect they
name ([things] in intents.toml), else the question restated."""

from __future__ import annotations


def test_things_are_named_in_the_buyer_words_longest_first(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.thing("裤子拉链有点卡 正常吗") == "拉链的问题"
    # a word inside a longer one counts once (密封圈, not 胶圈 too); two parts are both named
    assert intents.thing("密封圈掉了 盖子也盖不紧") == "密封圈和盖子的问题"
    assert intents.thing("密封圈掉了", bare=True) == "密封圈"
    assert intents.thing("什么时候发货") == ""


def test_asked_topic_restates_the_question_when_no_thing_is_named(assistant):
    intents = assistant.engine.adapter.intents
    assert intents.asked_topic("能放进烤箱里烤吗") == "您问的能放进烤箱里烤"
    assert intents.asked_topic("鞋带是不是太短了") == "鞋带的问题"


def _holding(assistant, message, history):
    state = assistant.conversation(message, history)
    adapter = assistant.engine.adapter
    return adapter.holding_reply(message, assistant._history(history), "quality_complaint", state).reply


def test_a_holding_reply_names_the_defect_not_the_item(assistant):
    history = ["买家: 保温杯收到了", "客服: 亲 用着还满意吗"]
    reply = _holding(assistant, "杯身上有一道划伤 不影响用 说一声", history)
    assert "划伤" in reply
    assert "保温杯的情况" not in reply


def test_a_holding_reply_names_the_missing_part_with_the_object(assistant):
    history = ["买家: 电动牙刷到了", "客服: 亲 用得习惯吗"]
    reply = _holding(assistant, "少了个刷头 能补一个吗", history)
    assert "刷头" in reply and "少发" in reply
