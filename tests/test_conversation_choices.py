"""Choices between two sizes (issue 12): a buyer weighing the size the agent advised against another
(脚背高 要不要拿大一码 / 会不会卡 要不要拿L / 会不会大 我平时穿…) is answered with both sizes named and
the buyer's own reason, not generic size-up wording ([size_choice] in intents.toml)."""

from __future__ import annotations


def test_a_trait_wanting_room_advises_the_bigger_size_and_names_the_advised_one(assistant):
    history = ["买家: 这双徒步鞋脚长25cm拿多大", "客服: 亲 脚长25cm建议拿40码哦"]
    result = assistant.suggest("我脚比较宽 要不要直接拿41 还是40够了", history=history)
    top = result.suggestions[0].reply
    assert "41" in top and "40" in top
    assert "脚比较宽" in top
    assert "25cm" in top  # what the advice was read off
    assert not result.abstained


def test_a_letter_size_the_agent_advised_is_kept_beside_the_bigger_one(assistant):
    history = ["买家: 165 120斤 这条连衣裙穿啥码", "客服: 亲 建议拿M码", "买家: 我肩膀比较宽"]
    top = assistant.suggest("那M会不会紧 要不要拿L", history=history).suggestions[0].reply
    assert "L" in top and "M" in top
    assert "肩膀比较宽" in top


def test_a_worry_that_the_advised_size_is_big_keeps_it_beside_the_usual_size(assistant):
    history = ["买家: 脚长25.5cm 跑鞋穿多大", "客服: 亲 25.5cm建议41码 跑步脚会涨一点"]
    top = assistant.suggest("41会不会太大了 我平常都穿40", history=history).suggestions[0].reply
    assert "41" in top and "40" in top
    assert top.index("41") < top.index("40")  # the advised size is the advice


def test_no_trait_no_choice_answer(assistant):
    state = assistant.conversation(
        "那我儿子平时穿40的呢 也拿40?", ["买家: 帆布鞋偏大吗 我平时36", "客服: 亲 偏大半码 建议拿35.5"]
    )
    assert state.size_choice(assistant.engine.adapter.intents.size_choice) is None
    # once the shoes are delivered, a size that did not fit is an exchange, not advice
    delivered = assistant.conversation(
        "脚背高 要不要换41", ["买家: 脚长25 拿多大", "客服: 亲 建议40码", "买家: 收到了 有点挤"]
    )
    assert delivered.size_choice(assistant.engine.adapter.intents.size_choice) is None


def test_a_size_the_agent_only_said_is_in_stock_is_no_advice_to_weigh(assistant):
    rules = assistant.engine.adapter.intents.size_choice
    state = assistant.conversation("我肩膀宽 L有吗", ["买家: 这件外套M码有货吗", "客服: 亲 M码有货的"])
    assert state.size_choice(rules) is None


def test_a_step_up_or_down_from_the_advised_size_is_named_as_a_size(assistant):
    history = ["买家: 脚长25cm 这双跑鞋穿多大", "客服: 亲 建议拿40码哦"]
    top = assistant.suggest("我脚背比较高 要不要拿大一码", history=history).suggestions[0].reply
    assert "41" in top and "40" in top
    narrow = ["买家: 脚长23.5 帆布鞋拿多大", "客服: 亲 建议37码"]
    top = assistant.suggest("我脚偏瘦 要不要小半码", history=narrow).suggestions[0].reply
    assert "36.5" in top and "37" in top
    # how the item runs (偏小一码) is no step the buyer asks about
    rules = assistant.engine.adapter.intents.size_choice
    assert assistant.conversation("这款是不是偏小一码 我脚背高", history).size_choice(rules) is None


def test_a_baby_or_sportswear_choice_is_worded_for_its_kind(assistant):
    baby = ["买家: 宝宝7个月 8公斤 爬爬服穿啥码", "客服: 亲 建议80码哦"]
    top = assistant.suggest("他长得特别快 要不要直接拿90", history=baby).suggestions[0].reply
    assert "90" in top and "80" in top
    assert "宝宝" in top and "长得特别快" in top
    ride = ["买家: 1米75 70kg 骑行裤拿啥码", "客服: 亲 建议L码 修身版的"]
    top = assistant.suggest("我大腿比较粗 穿L会不会勒 要不要XL", history=ride).suggestions[0].reply
    assert "XL" in top and "L" in top
    assert "大腿比较粗" in top
