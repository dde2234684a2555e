"""A rule the agent stated said back in the agent's words (issue 12, intents.toml ``[[restated]]``):
拍了 红M after 今天拍明天发 韵达 is confirmed with 明天发 and 韵达, not held nor promised the shop's
default dispatch time; 一根不包？ after 两根包邮 hears 两根包邮, not the shop's 满99元包邮."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.intent import load_intents

RULES = load_intents(Path(__file__).parents[1] / "corpus" / "intents.toml")[0].restated
RESTATED = next(r for r in RULES if "order_placed" in r.scenarios)


@pytest.mark.parametrize(
    ("agent", "said"),
    [
        ("有的亲 今天拍后天发 中通", "今天拍后天发，中通"),
        ("亲 72小时内发货 默认申通哦", "72小时内发货，默认申通"),
        ("亲 晚上8点前拍 当天顺丰发出 易碎品哦", "晚上8点前拍，当天顺丰发出"),
    ],
)
def test_the_agent_s_dispatch_clauses_are_read_in_its_words(agent, said):
    assert RESTATED.said("拍好了", "order_placed", ["亲 在的", agent]) == said


@pytest.mark.parametrize(
    ("message", "scenario", "agent"),
    [
        ("拍好了", "order_placed", "亲 还没发货哦"),  # a negation promises nothing
        ("拍好了", "order_placed", "亲 今天能发吗 我问下仓库"),  # nor a question
        ("拍好了", "order_placed", "亲 有现货的"),  # nothing said of the dispatch
        ("还没拍 今天能发吗", "order_placed", "亲 明天发 中通"),  # no order announced
        ("拍好了", "shipping_time", "亲 明天发 中通"),  # another kind of reply
    ],
)
def test_nothing_is_said_back_without_an_order_and_a_dispatch_promise(message, scenario, agent):
    assert RESTATED.said(message, scenario, [agent]) is None


def test_an_order_after_the_agent_scheduled_the_dispatch_hears_it_back(assistant):
    history = ["买家: 遛狗绳 L号 蓝色", "客服: 有的亲 今天拍后天发 中通"]
    result = assistant.suggest("拍了 蓝L", history=history)
    top = result.suggestions[0]
    assert "后天发" in top.reply and "中通" in top.reply
    assert not top.holding and not result.abstained
    assert not any(c in top.reply for c in ("顺丰", "圆通", "韵达", "48小时"))


def test_a_note_the_buyer_wrote_is_read_back_without_the_order_words(assistant):
    history = ["买家: 书架 白色 今天发吗", "客服: 亲 晚上8点前拍 当天德邦发出"]
    top = assistant.suggest("拍了 备注了放门卫室", history=history).suggestions[0].reply
    assert "德邦" in top
    assert "拍了我记下了" not in top and "了放门卫室" not in top


def test_the_free_shipping_rule_the_agent_stated_is_said_back_not_the_shop_s(assistant):
    history = ["买家: 充电头 20W 一个多少", "客服: 亲 一个29 两个包邮哦"]
    top = assistant.suggest("一个不包吗", history=history).suggestions[0].reply
    assert "两个包邮" in top
    assert "99" not in top
    # an unconditional 包邮 or a refusal states no rule to say back
    rule = next(r for r in RULES if "free_shipping" in r.scenarios)
    assert rule.said("一个不包吗", "free_shipping", ["亲 包邮的亲", "亲 不包邮哦"]) is None
    assert (
        rule.said("一个不包吗", "free_shipping", ["亲 江浙沪包邮 其他满2件包邮"])
        == "江浙沪包邮，其他满2件包邮"
    )
    # a reply that agrees with the agent's threshold stands; one with the shop's own threshold does not
    assert not rule.contradicted("亲，39+20=59，满59了，可以包邮～", "满59包邮")
    assert rule.contradicted("亲，全店满99元就包邮", "两个包邮")
    assert rule.contradicted("亲，满9元包邮", "满99包邮")


def test_the_agent_s_dispatch_is_woven_in_after_the_acknowledgement_not_appended(assistant):
    # judges: "robotic appended 按刚才说的 line" after 我马上帮您核对一下订单，稍等～
    history = ["买家: 那双板鞋 黑色41", "客服: 亲 黑色41有货 今天拍后天发 申通"]
    top = assistant.suggest("拍好了 付了 你看下是41黑色吧", history=history).suggestions[0].reply
    assert "后天发" in top and "申通" in top
    said = top.index("按刚才说的")
    assert re.search(r"[。～~！!]", top[said:]), top  # the reply goes on after the agent's words
    assert not re.search(r"[。～~！!]按刚才说的[^；;。～~！!]*[。～~]?$", top), top  # not the last line
    assert "核对" in top[said:], top
