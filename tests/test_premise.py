"""What a retrieved reply takes for granted, held against this chat (assistant/premise.py, issue 12).

The judges' "invents a mislabel premise", "says the buyer exchanged already", "package stuck though not
shipped", "another colour of mooncakes", "repeats stop-use advice the buyer followed", "repeats tracking
steps the buyer already checked", "false 久等了": the shipped rules of ``adaptation.toml [premise]`` on
replies and chats in wordings of no set, then the real assistant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.adaptation import load_adaptation
from assistant.facts import ORDER_STAGES
from assistant.premise import Chat, Premises

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def premises() -> Premises:
    rules, problems = load_adaptation(ROOT / "corpus" / "adaptation.toml")
    assert not problems
    return Premises(rules.premise)


def chat(*lines: str, stage: str = "browsing", colours: bool | None = None) -> Chat:
    """The chat: ``买家: …`` / ``客服: …`` lines, the last the newest message; the order stage it reached."""
    texts = [line.split(": ", 1)[1] for line in lines]
    agent = [line.split(": ", 1)[1] for line in lines[:-1] if not line.startswith("买家")]
    buyer = [line.split(": ", 1)[1] for line in lines if line.startswith("买家")]
    at = ORDER_STAGES.index(stage)
    return Chat(
        texts=texts,
        buyer=buyer,
        agent=agent,
        message=texts[-1],
        reached=lambda s: at >= ORDER_STAGES.index(s),
        has=lambda variant: colours,
    )


def kept(premises: Premises, reply: str, where: Chat) -> str | None:
    return premises.left_out(reply, where)[0]


def test_a_suspicion_nobody_raised_goes_with_its_consequence(premises):
    reply = "抱歉让您担心了，我马上核对面单并联系快递，2小时内回复您；如果真贴错了，会让快递按新地址改派。"
    stuck = chat("买家: 快递到镇上两天了 也没人打电话", stage="shipped")
    assert kept(premises, reply, stuck) == "抱歉让您担心了，我马上核对面单并联系快递，2小时内回复您。"
    raised = chat("买家: 是不是你们面单贴错了 地址不对", stage="shipped")
    assert kept(premises, reply, raised) == reply


def test_a_failed_remedy_nobody_tried_rules_the_reply_out(premises):
    reply = "真的非常抱歉，换了还是不行，太让您失望了，这次直接给您退款。"
    assert kept(premises, reply, chat("买家: 吹风机插上电不出风", stage="delivered")) is None
    tried = chat("买家: 上次给我换的那个也坏了", stage="after_sale")
    assert kept(premises, reply, tried) == reply
    # a condition (重启了还是不行的话) supposes nothing
    maybe = "亲，您先长按电源键重启，试了还是不行的话联系我，给您安排售后。"
    assert kept(premises, maybe, chat("买家: 音箱连不上蓝牙", stage="delivered")) == maybe


def test_a_parcel_said_stuck_needs_it_sent(premises):
    reply = "不好意思让您着急了，包裹这么久没动确实不正常，我马上联系快递核实，2小时内回复您。"
    unsent = chat("买家: 前天就付款了 到现在没物流信息", stage="paid")
    assert kept(premises, reply, unsent) == "不好意思让您着急了，我马上联系快递核实，2小时内回复您。"
    assert kept(premises, reply, chat("买家: 快递三天没动了", stage="shipped")) == reply
    # a parcel the buyer says is stuck is one sent, whatever stage was read
    assert kept(premises, reply, chat("买家: 显示在上海三天没动了", stage="paid")) == reply
    refusal = "亲，包裹发出后就改不了颜色了，收到后可以申请换货。"
    assert kept(premises, refusal, chat("买家: 刚付款 想换个颜色", stage="paid")) is None
    assert kept(premises, refusal, chat("买家: 已经发货了吗 想换个颜色", stage="shipped")) == refusal
    # and one not yet sent is not promised what a parcel still in the warehouse gets
    chase = "真的很抱歉，我现在直接联系仓库，2小时内给您答复，您这单我会一直盯到发出。"
    assert kept(premises, chase, chat("买家: 物流停在中转站两天了", stage="shipped")) is None
    assert kept(premises, chase, chat("买家: 拍了三天还不发货", stage="paid")) == chase


def test_another_colour_is_offered_only_for_an_item_with_colours(premises):
    reply = "非常抱歉，我这就去查备货情况；如果暂时发不了，可以为您换其他颜色马上发，或者直接退款。"
    late = chat("买家: 粽子到现在还没发", stage="paid", colours=False)
    assert kept(premises, reply, late) == "非常抱歉，我这就去查备货情况；如果暂时发不了，可以直接退款。"
    assert kept(premises, reply, chat("买家: 卫衣到现在还没发", stage="paid", colours=True)) == reply
    assert kept(premises, reply, chat("买家: 到现在还没发", stage="paid", colours=None)) == reply


def test_an_instruction_the_agent_gave_is_not_given_again(premises):
    reply = "不好意思，建议先停止使用。您拍一下过敏的部位发我，我马上帮您申请售后。"
    told = chat("买家: 涂了脸上发痒", "客服: 亲 请先停止使用 用温水洗一下", "买家: 还剩一大半 能退吗")
    assert kept(premises, reply, told) == "不好意思，您拍一下过敏的部位发我，我马上帮您申请售后。"
    # not when the agent never said it, nor when the buyer asks about it again
    assert kept(premises, reply, chat("买家: 涂了脸上发痒 能退吗")) == reply
    asked = chat("买家: 涂了脸上发痒", "客服: 亲 请先停止使用 用温水洗一下", "买家: 要先停止使用吗")
    assert kept(premises, reply, asked) == reply


def test_tracking_steps_are_not_told_to_a_buyer_who_read_the_tracking(premises):
    reply = "您好，我马上联系快递帮您查一下，点订单里的“查看物流”也可以看到实时进度。"
    looked = chat("买家: 物流两天没更新了 帮我看看", stage="shipped")
    assert kept(premises, reply, looked) == "您好，我马上联系快递帮您查一下。"
    assert kept(premises, reply, chat("买家: 发货了吗 在哪看物流", stage="shipped")) == reply


def test_the_item_has_colours_by_its_catalog(assistant):
    adapter = assistant.engine.adapter
    assert adapter.item_has("colour", assistant.conversation("这个月饼什么时候发")) is False
    assert adapter.item_has("colour", assistant.conversation("这个卫衣什么时候发")) is True
    assert adapter.item_has("colour", assistant.conversation("什么时候发")) is None


def test_a_buyer_with_no_order_who_chases_nobody_was_not_kept_waiting(assistant):
    result = assistant.suggest("我怀孕五个月了 这个面霜孕妇能用吗 有没有酒精")
    assert result.suggestions
    assert "久等" not in result.suggestions[0].reply
    chased = assistant.suggest("都三天了还没发货 怎么回事", history=["买家: 我拍的面霜发了吗"])
    assert "久等" in chased.suggestions[0].reply or "抱歉" in chased.suggestions[0].reply
