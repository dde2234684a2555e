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


@pytest.mark.parametrize(
    ("history", "message", "variant"),
    [
        (["买家: 这款音箱有几种颜色", "客服: 亲 有黑色和米白"], "那我拍米白 下单了", "米白"),
        (
            ["买家: 两个一起买便宜吗", "客服: 亲 两个立减20哦", "买家: 付好了"],
            "帮我确认一下是X5的啊 别发错成X3",
            "X5",
        ),
    ],
)
def test_variant_taken_is_read_back(assistant, history, message, variant):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert variant in reply


def test_no_variant_in_a_bare_order_or_a_question():
    from pathlib import Path

    from assistant.intent import load_intents

    taken = load_intents(Path(__file__).parents[1] / "corpus" / "intents.toml")[0].variant_named
    assert taken.said("好的 我拍了 发货吧", "order_placed") is None
    assert taken.said("能改成黑色吗 拍错了", "order_placed") is None
    assert taken.said("改成我家 杭州西湖区", "order_placed") is None
    assert taken.said("那我拍白茶 下单了", "stock") is None
    assert taken.said("那我拍白茶 下单了", "order_placed")[0] == "白茶"
