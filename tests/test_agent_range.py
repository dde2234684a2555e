"""A range the agent stated (36到40cm选M / 适合1到4kg的猫咪) read back to a buyer whose value lies in it
(assistant/agent_range.py, ``[agent_range]`` in adaptation.toml): the chat answers it, so no lookup."""

from __future__ import annotations

import pytest
from conftest import turns


@pytest.fixture(scope="module")
def rules(assistant):
    return assistant.engine.adapter.rules.agent_range


def test_ranges_are_read_with_the_size_beside_them(rules):
    from assistant.agent_range import stated_ranges

    found = stated_ranges(rules, "亲 S码适合头围50到54cm M码适合54到58cm")
    assert [(r.low, r.high, r.target) for r in found] == [(50, 54, "S"), (54, 58, "M")]
    after = stated_ranges(rules, "身高160-170选M 170-180选L")
    assert [r.target for r in after] == ["M", "L"]
    assert stated_ranges(rules, "亲 下单后2到4天能到哦") == []  # a time is no measure


def test_a_value_is_read_in_the_agents_unit(rules):
    from assistant.agent_range import read_back

    template, words = read_back(rules, "我家猫4斤 对吧", ["亲 这款适合1到4kg的猫咪"])
    assert words["{value}"] == "4斤" and words["{range}"] == "1到4kg"  # 4斤 is 2kg
    assert read_back(rules, "我家猫10斤 能用吗", ["亲 这款适合1到4kg的猫咪"]) is None  # outside: not ours
    # 65 of 我妈65了 is an age, not a leg: 38 is the measure
    assert read_back(rules, "我妈65了 量了是38 那就M对吧", ["36到40cm选M"], ["M"])[1]["{value}"] == "38"
    # a value on the border of two sizes is the agent's call
    assert read_back(rules, "头围54", ["S码适合头围50到54cm M码适合54到58cm"]) is None


@pytest.mark.parametrize(
    ("history", "message", "says", "never"),
    [
        (
            ["买家: 护膝怎么选码", "客服: 亲 按膝盖上方10cm量腿围 36到40cm选M"],
            "我妈65了 量了是38 那就M对吧",
            "选M",
            "65",
        ),
        (
            ["买家: 儿童头盔什么码", "客服: 亲 S码适合头围50到54cm M码适合54到58cm"],
            "他头围52 选哪个",
            "选S",
            "M",
        ),
        (
            ["买家: 驱虫药多大的猫能用", "客服: 亲 这款适合1到4kg的猫咪", "买家: 收到了"],
            "我家猫4斤 就是2公斤对吧 体内和体外的能同一天用吗",
            "1到4kg",
            "",
        ),
    ],
)
def test_the_agents_range_answers_the_buyers_value(assistant, history, message, says, never):
    result = assistant.suggest(message, history=turns(*history))
    top = result.suggestions[0]
    assert not top.holding, top.reply
    assert says in top.reply, top.reply
    assert not never or never not in top.reply, top.reply


def test_the_other_question_is_named_as_one_to_check(assistant):
    history = turns("买家: 驱虫药多大的猫能用", "客服: 亲 这款适合1到4kg的猫咪", "买家: 收到了")
    top = assistant.suggest("我家猫4斤 就是2公斤对吧 体内和体外的能同一天用吗", history=history).suggestions[
        0
    ]
    assert "同一天" in top.reply, top.reply


def test_a_value_outside_the_range_is_not_answered_from_it(assistant):
    history = turns("买家: 护膝怎么选码", "客服: 亲 按膝盖上方10cm量腿围 36到40cm选M")
    top = assistant.suggest("量了是45 选M可以吗", history=history).suggestions[0]
    assert "之间" not in top.reply, top.reply
