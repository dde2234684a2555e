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


def _asked(assistant, message, history, scenario, reply, holding=False):
    adapter = assistant.engine.adapter
    state = assistant.conversation(message, turns(*history))
    top = dataclasses.replace(
        assistant.suggest("什么时候发货").suggestions[0], reply=reply, holding=holding, fixes=()
    )
    return adapter.deadline_asked(top, message, turns(*history), scenario, state).reply


def test_a_day_asked_about_is_named_with_a_check(assistant):
    usual = "亲，下单后48小时内发货，发出后一般3到5天送到。"
    # the usual times do not tell whether the buyer's day is met: the day is named and checked
    reply = _asked(assistant, "20号能送到吗 婚礼要用", ["买家: 喜糖盒拍好了"], "shipping_time", usual)
    assert reply == usual + "20号前能不能送到，我再帮您确认一下。", reply
    # a yes the reply opened with does not stand beside the check
    reply = _asked(assistant, "8号能到不", [], "shipping_time", "可以的，" + usual.removeprefix("亲，"))
    assert reply == "下单后48小时内发货，发出后一般3到5天送到。8号前能不能送到，我再帮您确认一下。", reply
    # a held reply checks the day as well
    held = "亲，请稍等，我这就帮您查一下，马上回复您。"
    reply = _asked(assistant, "想让他11月3号到 可以吗", [], "change_address", held, holding=True)
    assert reply == held + "11月3号前能不能送到也一并帮您确认。", reply


def test_in_time_without_a_day_asks_about_the_day_named_before(assistant):
    usual = "亲，下单后48小时内发货。"
    history = ["买家: 鲜花26号前要送到 纪念日", "客服: 亲 鲜花需要提前2天预订"]
    reply = _asked(assistant, "今天24号下单来得及不", history, "shipping_time", usual)
    assert reply == usual + "26号前能不能送到，我再帮您确认一下。", reply


def test_no_check_for_a_day_answered_passed_named_or_elsewhere(assistant):
    usual = "亲，下单后48小时内发货。"
    # the agent answered the turn with the day; the newest asks nothing of it
    assert (
        _asked(assistant, "好的 谢谢", ["买家: 9号能到吗", "客服: 亲 能的"], "shipping_time", usual) == usual
    )
    # the day has passed; a reply naming the day already; a scenario not about getting it there
    assert _asked(assistant, "9号都过了 还没到", [], "delay_complaint", usual) == usual
    named = "亲，9号前一般能到的。"
    assert _asked(assistant, "9号能到吗", [], "shipping_time", named) == named
    assert _asked(assistant, "9号能到吗 能退款吗", [], "refund_status", usual) == usual
    # today is no day asked about (今天18号 is the date, not a deadline)
    assert _asked(assistant, "今天18号下单 什么时候发", [], "shipping_time", usual) == usual
