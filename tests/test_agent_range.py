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
    # a value on the border of two sizes names both from the agent's chart, the larger for room
    template, words = read_back(rules, "头围54", ["S码适合头围50到54cm M码适合54到58cm"])
    assert (words["{smaller}"], words["{larger}"]) == ("S码", "M码") and "{larger}" in template
    # two values, one in each size's range, disagree: no answer
    assert read_back(rules, "一个52一个57", ["S码适合头围50到54cm M码适合54到58cm"]) is None


def test_a_value_told_since_the_agents_range_is_answered(rules):
    from assistant.agent_range import read_back

    chart = ["亲 S码掌围16到18cm M码18到20cm 您量下掌围"]
    template, words = read_back(rules, "那我拿哪个", chart, (), ["量了19"])
    assert words["{value}"] == "19" and words["{target}"] == "M"
    # the agent spoke after the chart: the value told since is no answer to it
    assert read_back(rules, "那我拿哪个", [*chart, "亲 稍等"], (), ["量了19"]) is None
    # the message's own value wins over one told before
    assert read_back(rules, "17呢", chart, (), ["量了19"])[1]["{value}"] == "17"


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
            ["买家: 骑行手套怎么选码", "客服: 亲 S码掌围16到18cm M码18到20cm 您量下掌围", "买家: 量了19"],
            "那我拿哪个",
            "选M",
            "稍等",
        ),
        (
            ["买家: 宝宝连体衣怎么选码", "客服: 亲 66码适合6到9kg 73码适合8到11kg 宝宝多重", "买家: 17斤"],
            "那拿哪个",
            "66码和73码",
            "稍等",
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


def test_a_limit_is_read_as_a_range_from_nothing(rules):
    from assistant.agent_range import read_back, stated_ranges

    (limit,) = stated_ranges(rules, "亲 中号猫爬架承重不超过15公斤哦")
    assert (limit.low, limit.high, limit.limit) == (0, 15, True)
    # the high end of a range is that range's, not a second limit
    assert [r.limit for r in stated_ranges(rules, "亲 适合2到8kg以内的狗狗")] == [False]
    # a bare number is no weight against a limit with a unit
    assert read_back(rules, "18 够吗", ["亲 中号承重不超过15公斤哦"]) is None
    template, words = read_back(rules, "两只加起来18斤 撑得住吗", ["亲 中号承重不超过15公斤哦"])
    assert words["{converted}"] == "，就是9公斤" and "没超过" in template
    over = read_back(rules, "孩子都50斤了", ["背带适合20kg以内的宝宝"])
    assert over is not None and "{bound}" in over[0] and over[1]["{bound}"] == "20kg"


@pytest.mark.parametrize(
    ("history", "message", "says", "never"),
    [
        (
            ["买家: 猫爬架中号能放几只猫", "客服: 亲 中号承重不超过15公斤哦"],
            "两只猫加起来18斤 撑得住吗",
            "没超过刚才说的15公斤",
            "超过了",
        ),
        (
            ["买家: 这个腰凳背带能用到多大", "客服: 亲 适合20kg以内的宝宝"],
            "孩子都50斤了 还能用吗",
            "超过了刚才说的20kg",
            "可以用的",
        ),
    ],
)
def test_the_agents_limit_answers_the_buyers_value(assistant, history, message, says, never):
    top = assistant.suggest(message, history=turns(*history)).suggestions[0]
    assert not top.holding or "超过了" in top.reply, top.reply
    assert says in top.reply, top.reply
    assert never not in top.reply, top.reply
