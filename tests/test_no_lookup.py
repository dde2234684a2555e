"""Price talk needs no lookup (issue 12, adaptation.toml [no_lookup]): a buyer weighing a price
(一个杯子卖159 不至于吧), hesitating or asking for a lower price, with no object to check, gets the
etiquette answer of the scenario's safe reply, not 我帮您核实; the detector may be unsure which of
these scenarios it is, as long as together they are its reading."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.detection import Detection
from assistant.intent import Intent


@pytest.fixture(scope="module")
def adapter(assistant):
    return assistant.engine.adapter


def _reading(scenario: str, confidence: float, *alternatives: tuple[str, float]) -> Detection:
    return Detection(scenario, confidence, "pre_sale", None, 0.0, alternatives=tuple(alternatives))


def test_price_talk_read_as_a_family_needs_no_lookup(adapter, assistant):
    state = assistant.conversation("一个电饭煲卖四百 不至于吧", [])
    nothing = Intent()
    # no one scenario is sure, the price-talk scenarios together are
    assert adapter.needs_no_lookup(
        "一个电饭煲卖四百 不至于吧",
        (),
        _reading("price_objection", 0.42, ("quality_complaint", 0.1), ("bargaining", 0.12)),
        nothing,
        state,
    )
    # …a discount read partly as a promotion question is still price talk
    assert adapter.needs_no_lookup(
        "学生党 能少点不", (), _reading("bargaining", 0.40, ("promotion", 0.12)), nothing, state
    )
    # …but the reading mostly elsewhere is not
    assert not adapter.needs_no_lookup(
        "一个电饭煲卖四百 不至于吧",
        (),
        _reading("price_objection", 0.42, ("quality_complaint", 0.3), ("stock", 0.05)),
        nothing,
        state,
    )


def test_an_object_asked_or_a_bought_item_needs_a_lookup(adapter, assistant):
    state = assistant.conversation("一个电饭煲卖四百 不至于吧", [])
    sure = _reading("price_objection", 0.45, ("bargaining", 0.2))
    # an object of intents.toml (a price guarantee, a refund of a difference) is checked
    assert not adapter.needs_no_lookup("不至于吧", (), sure, Intent(objects=frozenset({"refund"})), state)
    # a price complained of after delivery is a claim, not a weighing
    delivered = dataclasses.replace(state, order_stage="delivered")
    assert not adapter.needs_no_lookup("不至于吧", (), sure, Intent(), delivered)


def test_hesitation_that_asks_for_something_is_not_told_to_take_its_time(adapter, assistant):
    state = assistant.conversation("纠结好几天了 再看看吧", [])
    torn = _reading("hesitation", 0.44, ("price_objection", 0.08), ("bargaining", 0.07))
    assert adapter.needs_no_lookup("纠结好几天了 再看看吧", (), torn, Intent(), state)
    assert not adapter.needs_no_lookup("纠结好几天了 再多送个小样呗", (), torn, Intent(), state)
    assert not adapter.needs_no_lookup("纠结好几天了 有没有大一号的？", (), torn, Intent(), state)


def test_an_unsure_price_objection_gets_the_etiquette_answer_not_a_hold(adapter, assistant):
    message = "一个杯子卖159 不至于吧"
    answered = assistant.suggest(message, k=3)
    top = answered.suggestions[0]
    assert not top.holding and not answered.abstained
    assert top.reply.startswith(adapter.rules.fallback["price_objection"][:6])
    # the rule is what answers it: without it the same message is held
    rules = adapter.rules
    try:
        adapter.rules = dataclasses.replace(rules, no_lookup={})
        assert assistant.suggest(message, k=3).suggestions[0].holding
    finally:
        adapter.rules = rules


def test_a_budget_given_is_a_recommendation_not_price_talk(adapter, assistant):
    state = assistant.conversation("给我妈挑个 预算两百", [])
    unsure = _reading("price_objection", 0.45, ("bargaining", 0.1))
    assert adapter.needs_no_lookup("这个有点贵 不至于吧", (), unsure, Intent(), state)
    assert not adapter.needs_no_lookup("给我妈挑个 预算两百", (), unsure, Intent(), state)
    assert not adapter.needs_no_lookup("三百以内的有吗", (), unsure, Intent(), state)


def test_a_question_about_the_agents_offer_is_not_answered_with_the_price_rule(adapter, assistant):
    history = assistant._history(["买家: 这个面霜有赠品吗", "客服: 亲 买就送一支护手霜"])
    state = assistant.conversation("护手霜送几个", history)
    haggling = _reading("bargaining", 0.41, ("promotion", 0.2))
    assert not adapter.needs_no_lookup("护手霜送几个", history, haggling, Intent(), state)
    # the same question with no offer of the agent's before it asks for a lower price
    alone = assistant.conversation("能再少点吗", [])
    assert adapter.needs_no_lookup("能再少点吗", (), haggling, Intent(), alone)
    # (a statement after the agent's price is still price talk: 贵了 我再看看)
    assert adapter.needs_no_lookup("贵了 我再看看", history, haggling, Intent(), state)
