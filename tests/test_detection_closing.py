"""A buyer who closes the chat (issue 12): says the problem went away, has no more questions, or
resigns to a wait, is answered with a short closing, not a lookup or a holding reply; a buyer who
answers the agent's question with 没有 or says it still fails is not closing. Wordings of our own,
none from a dev set or from the real chats the kind was found in."""

from __future__ import annotations

import pytest

CLOSING = [
    ("弄好了 刚才是网不好 麻烦你了", ["买家: 页面一直打不开付款", "客服: 亲，有什么提示吗？"]),
    ("没有了哦", ["买家: 好的 明白", "客服: 亲，请问还有其他问题需要帮您的吗？"]),
    ("算了 那就这样吧", ["买家: 今天能加急发吗", "客服: 抱歉亲，今天的件已经发完了，明天一早发出。"]),
    ("拿到了 不好意思 是邻居帮我收了", ["买家: 显示签收了 我没拿到", "客服: 亲别急，我马上联系快递员。"]),
]


@pytest.mark.parametrize("message, history", CLOSING)
def test_a_buyer_who_closes_is_read_as_closing(assistant, message, history):
    assert assistant.detect(message, history).scenario == "farewell"


@pytest.mark.parametrize("message, history", CLOSING[:2])
def test_a_closing_gets_a_closing_not_a_lookup(assistant, message, history):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert not top.holding, top.reply
    assert "查" not in top.reply and "稍等" not in top.reply, top.reply


@pytest.mark.parametrize(
    "message, history",
    [
        ("嗯 没收到", ["买家: 怎么显示已签收", "客服: 亲，您是还没收到货吗？"]),
        ("重启了好几次 还是不行", ["买家: 音箱连不上蓝牙", "客服: 亲，先长按电源键重启一下。"]),
    ],
)
def test_a_buyer_still_waiting_or_still_failing_is_not_closing(assistant, message, history):
    assert assistant.detect(message, history).scenario != "farewell"
