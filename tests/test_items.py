"""Which item the buyer is talking about (issue 12): read on the structure of the chat, not on the
newest item word. A model code is one token, a word inside a usage, gift or reference clause is no item,
a longer fact word wins over the shorter one it holds, and the item under discussion stays until the
buyer clearly switches. Wordings of no evaluation set."""

from __future__ import annotations

import pytest


def test_a_model_code_is_read_whole(extractor):
    assert extractor.item("iPhone14手机壳有透明的吗").text == "iPhone14手机壳"


def test_a_latin_word_the_phrase_would_cut_is_left_out(extractor):
    # (the phrase reaches six characters back: izeT纯棉… would be read without the rule)
    found = extractor.item("韩版宽松oversize纯棉卫衣还有吗")
    assert found is not None and found.text == "纯棉卫衣"


@pytest.mark.parametrize(
    "message",
    [
        "能放洗碗机洗吗",
        "冬天穿厚袜子会不会挤",
        "连不上电脑怎么办",
        "打篮球穿会不会滑",
        "那送的面膜是什么牌子",
    ],
)
def test_an_item_word_in_a_usage_or_gift_clause_names_no_item(extractor, message):
    assert extractor.item(message) is None


@pytest.mark.parametrize(
    ("message", "item"),
    [
        ("穿这双鞋会磨脚吗", "鞋"),  # a demonstrative makes it the item again
        ("有没有能放微波炉的饭盒", "饭盒"),  # 的 ends the usage: the lunch box is asked for
        ("油皮用哪款面霜好", "面霜"),  # a question word asks for one
        ("我穿了两次风衣 扣子就掉了", "风衣"),  # 了: the item was used
    ],
)
def test_an_item_named_with_a_usage_verb_is_still_the_item(extractor, message, item):
    found = extractor.item(message)
    assert found is not None and found.text.endswith(item)


def test_a_longer_word_wins_over_the_shorter_one_it_holds(extractor):
    # 猫砂盆 is the item, not the catalog's 猫砂; 燕麦色 is a colour, not the food 燕麦
    assert extractor.item("灰色猫砂盆有大号吗").word == "猫砂盆"
    assert extractor.item("燕麦色那款多少钱") is None


def test_the_number_after_an_order_number_is_no_tracking_number(extractor):
    kinds = {f.kind for f in extractor.extract("订单号2026120512345 还没发货")}
    assert "order_id" in kinds and "tracking_no" not in kinds


def test_a_gift_the_agent_offered_does_not_replace_the_item(assistant):
    history = ["买家: 这个眼霜多少钱", "客服: 亲 268 现在下单送一片面膜"]
    assert assistant.conversation("送的面膜是什么牌子的", history).item.text == "眼霜"


def test_an_item_of_another_category_used_with_it_is_no_switch(assistant):
    history = ["买家: 这个红枣是新疆的吗", "客服: 亲 是的 新疆若羌的"]
    assert assistant.conversation("烤箱行不 想烤一下再吃", history).item.text == "红枣"
    # asked about as something to buy, it is the new item
    assert assistant.conversation("那烤箱你们有货吗", history).item.text == "烤箱"
    # a catalog product (核桃) as well
    walnuts = ["买家: 这个核桃是生的吗", "客服: 亲 是生的哦"]
    assert assistant.conversation("烤箱行不 想烤一下再吃", walnuts).item.text == "核桃"
    assert assistant.conversation("那烤箱你们有货吗", walnuts).item.text == "烤箱"


def test_a_generic_word_for_the_item_keeps_the_item(assistant):
    history = ["买家: 这双乐福鞋是真皮的吗", "客服: 是的亲 头层牛皮"]
    assert assistant.conversation("新鞋会不会磨脚", history).item.text == "乐福鞋"


def test_what_the_buyer_wears_with_the_item_is_not_swapped_for_it(extractor, grounder):
    from conftest import turns

    from assistant.conversation import conversation_state

    state = conversation_state(
        "那里面再穿件卫衣会不会紧", turns("买家: 这件冲锋衣170 65kg拿几码", "客服: 亲 建议L码"), extractor
    )
    assert state.item.text == "冲锋衣"
    grounded = grounder.ground("亲，里面穿件卫衣的话L也够，喜欢宽松可以拿XL", state)
    assert "卫衣" in grounded.reply and "穿件冲锋衣" not in grounded.reply
    # another catalog product named as the item is still replaced
    assert "冲锋衣" in grounder.ground("卫衣L码有现货", state).reply
