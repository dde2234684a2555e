"""What the buyer asks now, not an incidental word (issue 12): a clause that gives only a reason, a worry
or a background (摔碎了一个想再买一个 / 我怕压坏了 / 上回买的发霉了) reports no problem with this order, and
a chat still before any order has no complaint and no goods in hand (facts.toml [clause_roles],
assistant/request.py). Wordings of no set."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "message, aside",
    [
        ("盘子还有货吗 摔碎了一个想再买一个", "碎了"),  # the reason for buying another
        ("我怕路上压坏了 能多包几层吗", "压坏"),  # a worry
        ("是不是坏了啊 一直不亮", "坏了"),  # the thing asked
        ("锅盖一直漏气正常吗", "漏气"),
    ],
)
def test_a_problem_word_said_aside_reports_nothing(extractor, message, aside):
    assert extractor.complaint(message) == []
    assert aside in "".join(extractor.complaint_aside(message))


@pytest.mark.parametrize(
    "message, word",
    [
        ("收到的杯子碎了 能补发吗", "碎了"),
        ("包装破了，另外发票能开吗", "破了"),
        ("盘子摔碎了想补发一个", "碎了"),  # a resend asked for is no wish to buy
        ("上次买的饼干碎了", "碎了"),  # another order of this shop's, told
    ],
)
def test_a_problem_told_still_reports(extractor, message, word):
    assert word in "".join(extractor.complaint(message))


def test_the_request_is_read_without_its_reason(assistant):
    result = assistant.suggest("那款玻璃杯透明的还能买到吗 摔碎了一个想再补一个")
    assert result.detection.scenario != "quality_complaint"
    top = result.suggestions[0].reply
    assert "抱歉" not in top and "退款" not in top and "碎了" not in top, top
    assert result.context.order_stage == "browsing"


def test_a_usage_question_before_any_order_has_nothing_in_hand(assistant):
    history = ["买家: 这口锅是什么涂层的", "客服: 亲 是陶瓷涂层"]
    result = assistant.suggest("能用钢丝球刷吗", history=history)
    assert result.detection.before_order
    assert result.context.order_stage == "browsing"


def test_before_any_order_a_problem_asked_about_is_no_complaint(assistant):
    history = ["买家: 这个电动牙刷有粉色的吗", "客服: 亲 有的 粉色白色都有"]
    result = assistant.suggest("刷头坏了能单独买吗", history=history)
    assert result.detection.before_order
    assert result.detection.scenario != "quality_complaint"
    assert result.context.order_stage == "browsing"


def test_a_problem_told_in_such_a_chat_is_still_a_complaint(assistant):
    # the buyer tells a problem as done: the goods are in hand, whatever was asked before
    history = ["买家: 这个保温杯能保温多久", "客服: 亲 12小时左右"]
    result = assistant.suggest("杯盖裂了 一倒就漏", history=history)
    assert not result.detection.before_order
    assert result.detection.scenario == "quality_complaint"
