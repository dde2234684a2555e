"""Money the agent promised earlier in the chat (补偿 / 好评返 / 退款 X元) that the buyer asks after later:
the top reply names the sum (issue 12; intents.toml [promised_amount])."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("history", "message", "amount"),
    [
        (
            ["买家: 台灯收到了 灯罩有划痕", "客服: 亲 实在抱歉 给您补偿6元可以吗", "买家: 可以"],
            "那6块啥时候给我",
            "6",
        ),
        (["买家: 水杯到了 好看", "客服: 亲 带图好评可以返5元哦"], "评好了 钱什么时候到账", "5"),
        (
            ["买家: 不想要了 退了吧", "客服: 好的亲 已同意退款 45.5元原路退回"],
            "钱退到哪了 怎么没看到",
            "45.5",
        ),
    ],
)
def test_promised_sum_is_named_when_asked_after(assistant, history, message, amount):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert amount in reply


def test_no_promise_no_sum(assistant):
    # a sum the agent gave as a price or a discount is no promise to pay the buyer
    history = ["客服: 亲 这款现在下单立减20元哦", "买家: 拍了"]
    reply = assistant.suggest("好的 那什么时候发货", history=history).suggestions[0].reply
    assert "说好的" not in reply
    lexicon = assistant.engine.adapter.intents.promised_amount
    assert lexicon.said("什么时候到账", ["亲 这款立减20元"]) is None
    assert lexicon.said("这个好用吗", ["亲 给您补偿5元"]) is None
    assert lexicon.said("5块什么时候给", ["亲 给您补偿5元"])[0] == "5"
