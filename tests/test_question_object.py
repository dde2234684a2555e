"""The object of the buyer's question named as they named it (issue 12): the attribute they say which
item by (草莓图案的口水巾, 要防滑的), carried where a reply says the item back, into a holding reply
whose restated question leaves the item out, and beside a recommendation's budget; a topic word
read across the words of the message (装好 of 包装好看) names nothing. Wordings of no evaluation set."""

from __future__ import annotations

import pytest


def _holding(assistant, message: str, history: list[str], scenario: str = "usage_question") -> str:
    state = assistant.conversation(message, history)
    adapter = assistant.engine.adapter
    return adapter.holding_reply(message, assistant._history(history), scenario, state).reply


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("那个小熊印花的睡衣还有吗", "小熊印花的睡衣"),
        ("有没有加绒的打底裤", "加绒的打底裤"),
        ("想要防水的登山鞋", "防水的登山鞋"),
    ],
)
def test_the_attribute_the_buyer_names_the_item_by_is_read_with_it(extractor, message, named):
    found = extractor.item(message)
    assert found is not None and found.named == named


@pytest.mark.parametrize(
    "message",
    [
        "我婆婆穿的拖鞋有防滑的吗",  # whose, not which one
        "上回买的睡衣洗了掉色",  # when
        "外套的拉链坏了",  # the item's owner: the 拉链 is no attribute of anything
        "你们家的睡衣是纯棉吗",  # the shop's
    ],
)
def test_whose_or_when_is_no_attribute(extractor, message):
    found = extractor.item(message)
    assert found is None or found.named == ""


def test_the_attributes_wanted_in_a_phrase_of_their_own_are_read(extractor):
    assert extractor.wanted("给我奶奶挑个保温杯 要大容量的 两百以内") == ["大容量"]
    assert extractor.wanted("有没有不含酒精的") == ["不含酒精"]
    assert extractor.wanted("好的 谢谢") == []
    assert extractor.wanted("上回买的还有吗") == []


def test_a_stock_reply_names_the_item_with_its_attribute(assistant):
    result = assistant.suggest("那个小熊印花的睡衣还有吗")
    assert "小熊印花" in result.suggestions[0].reply


def test_a_holding_reply_names_the_item_its_questions_leave_out(assistant):
    reply = _holding(assistant, "买的真皮乐福鞋 淋了雨咋办 能用吹风机吹吗", [])
    assert "真皮乐福鞋" in reply and "吹风机" in reply
    # a one-character lead is a measure word, not an attribute: 口砂锅 is never named
    assert "口砂锅" not in _holding(assistant, "想买口砂锅 能煲汤吗", [])


def test_a_budget_is_said_with_the_attributes_wanted(assistant):
    result = assistant.suggest("给我奶奶挑个保温杯 要大容量的 有啥推荐 两百以内")
    top = result.suggestions[0].reply
    assert "两百以内" in top and "大容量" in top


def test_a_topic_word_across_the_words_of_the_message_names_nothing(adapter_intents):
    # 包装好看 holds 装好 (an installation word) across 包装 and 好看
    assert "安装" not in adapter_intents.topic("有没有包装好看点的")
    assert "安装" in adapter_intents.topic("柜子装好了门关不上")


@pytest.fixture(scope="module")
def adapter_intents(assistant):
    return assistant.engine.adapter.intents


def test_a_topic_that_drops_the_item_named_by_an_attribute_gives_way_to_the_question(assistant):
    # (掉色的问题 would leave out which one: the question said as it was asked keeps it)
    reply = _holding(assistant, "那个小熊印花的睡衣会掉色吗", [])
    assert "小熊印花的睡衣会不会掉色" in reply
    # a bare item word keeps its topic (睡衣掉色的问题 names it already)
    assert "小熊" not in _holding(assistant, "睡衣会掉色吗", [])
