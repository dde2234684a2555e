"""The day the buyer needs the goods by, said back (issue 12): a reply about getting the goods there
names the buyer's own need (您周日要去野餐，我记下了，) once, after the opening words or the apology
sentence; a day the buyer only asks about (后天能到吗) or supposes (周日要是下雨) is not noted as a need."""

from __future__ import annotations

import dataclasses

from conftest import turns


def _reply(assistant, message, history, scenario, reply):
    adapter = assistant.engine.adapter
    state = assistant.conversation(message, turns(*history))
    top = dataclasses.replace(assistant.suggest("什么时候发货").suggestions[0], reply=reply)
    return adapter.deadline_named(top, message, turns(*history), scenario, state).reply


def test_the_need_is_said_back_after_the_opening(assistant):
    reply = _reply(
        assistant, "几号能到 周日要去野餐", ["买家: 野餐垫付款了"], "shipping_time", "亲，下单后尽快发出。"
    )
    assert reply == "亲，您周日要去野餐，我记下了，下单后尽快发出。", reply
    # an earlier turn's need, after an apology sentence the reply opens with
    reply = _reply(
        assistant,
        "怎么还不发",
        ["买家: 西装什么时候发", "客服: 亲 3天内", "买家: 下周五要面试 穿的"],
        "delay_complaint",
        "非常抱歉让您久等了。我马上帮您催仓库。",
    )
    assert reply == "非常抱歉让您久等了。您下周五要面试，我记下了，我马上帮您催仓库。", reply


def test_a_day_asked_about_or_supposed_is_no_need(assistant):
    plain = "亲，下单后尽快发出。"
    assert _reply(assistant, "后天能到吗", [], "shipping_time", plain) == plain
    assert _reply(assistant, "周日要是没人在家怎么办", [], "shipping_time", plain) == plain
    # nor in a scenario not about getting the goods there, nor twice
    assert _reply(assistant, "周日要去野餐 这个防水吗", [], "quality_question", plain) == plain
    named = "亲，周日前能到的，下单后尽快发出。"
    assert _reply(assistant, "几号能到 周日要去野餐", [], "shipping_time", named) == named
