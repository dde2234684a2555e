"""A message with no scenario of its own (a bare answer to the agent's question: 11个月 / a phone
number / an address; a push: 这怎么回事 / 快点 我急用) takes the scenario of the buyer's turn before,
instead of a weak farewell or non-buyer reading (issue 12: the new writers' bare answers). Wordings
of our own, none from a dev set."""

from __future__ import annotations

import pytest

ANY_STAGE = ("farewell", "non_buyer")


@pytest.mark.parametrize(
    "message, history",
    [
        ("11个月", ["买家: 加湿器不出雾了 还能保修吗", "客服: 您好，请问您买了多久了呢"]),
        ("这怎么回事", ["买家: 台灯收到的时候灯罩就是碎的", "客服: 您好，请问有什么可以帮您？"]),
        ("18600001111", ["买家: 下单的收货电话填错了 能改吗", "客服: 可以的，请发一下正确的号码"]),
    ],
)
def test_a_bare_answer_takes_the_scenario_of_the_turn_before(assistant, message, history):
    detection = assistant.suggest(message, history=history).detection
    before = assistant.suggest(history[0].split(": ", 1)[1]).detection
    assert detection.scenario not in ANY_STAGE, detection
    assert detection.scenario == before.scenario, (detection, before)


@pytest.mark.parametrize(
    "message, history",
    [
        ("好的 谢谢啦 没别的了", ["买家: 台灯收到灯罩是碎的", "客服: 抱歉亲，已为您补发新的灯罩"]),
        ("嗯嗯", ["买家: 你好", "客服: 您好，请问有什么可以帮您？"]),
    ],
)
def test_a_message_with_a_reading_of_its_own_keeps_it(assistant, message, history):
    detection = assistant.suggest(message, history=history).detection
    assert detection.scenario != "greeting", detection
    if message.startswith("好的"):
        assert detection.scenario == "farewell", detection
