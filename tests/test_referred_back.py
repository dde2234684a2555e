"""What the buyer refers back to (issue 12): a buyer who did not understand the agent's last turn
(什么意思 / 没看懂) hears its point taken up again, not a lookup of "什么意思"; a 什么意思 beside another
question is no question to name; a claim the buyer says they were told and now disputes (不是说…吗) is
named as theirs, never restated as true; 问你呢 after an agent turn that only greeted chases the
question still unanswered."""

from __future__ import annotations

from conftest import spoken, turns


def _top(assistant, message: str, *history: str) -> str:
    return assistant.suggest(message, turns(*history)).suggestions[0].reply


def test_a_buyer_who_did_not_understand_hears_the_point_again(assistant):
    result = assistant.suggest("啥意思啊？", turns("买家: 这个加湿器能定时吗", "客服: 亲 支持1到8小时定时"))
    top = result.suggestions[0]
    assert not top.holding and "没说清楚" in top.reply
    assert "1到8小时定时" in top.reply  # the agent's short statement, said back
    assert "意思，" not in top.reply and "确认一下什么" not in top.reply  # no lookup of 什么意思


def test_not_understood_is_read_on_the_whole_message_only(handover):
    agent = spoken("买家: 运费谁出", "客服: 亲 质量问题我们承担")
    assert handover.not_understood("没看懂", agent) is not None
    assert handover.not_understood("什么意思 我听不懂", agent) is not None
    # what the buyer names as not understood is asked about, not the agent's turn (说明书 / 一个term)
    assert handover.not_understood("说明书看不懂", agent) is None
    assert handover.not_understood("质量问题是什么意思", agent) is None
    # only right after the agent spoke, and not after a hold (稍等 has no point to explain)
    assert handover.not_understood("什么意思", spoken("买家: 运费谁出")) is None
    assert handover.not_understood("什么意思", spoken("买家: 运费谁出", "客服: 稍等 我查一下")) is None


def test_a_masked_or_long_agent_turn_is_not_said_back(handover):
    masked = handover.not_understood("什么意思", spoken("买家: 多久", "客服: [数字x]天内处理"))
    assert masked is not None and "[数字x]" not in masked
    long_turn = "亲 这款是双层304不锈钢内胆 真空断热 保温12小时以上 保冷24小时 杯盖是食品级PP"
    said = handover.not_understood("没看懂", spoken("买家: 保温吗", f"客服: {long_turn}"))
    assert said is not None and "304" not in said


def test_what_does_that_mean_beside_a_question_is_not_named_as_one(assistant):
    top = _top(
        assistant, "什么意思？ 那运费要我出吗", "买家: 退货运费谁出", "客服: 亲 非质量问题运费险可以抵扣"
    )
    assert "什么意思" not in top


def test_a_disputed_claim_is_named_as_the_buyers_not_as_true(assistant):
    top = _top(assistant, "不是说自带防水吗", "买家: 手表洗澡能戴吗", "客服: 亲 建议洗澡时摘下来")
    assert "您说的自带防水" in top
    # a broken promise of when is the delay's (不是说7天吗: no 您说的7天这一点)
    late = _top(assistant, "不是说3天吗 都一周了还没发", "买家: 啥时候发", "客服: 亲 在催了")
    assert "您说的" not in late
    # a span of years is a warranty, never a step's time: named even where times are the order's
    adapter = assistant.engine.adapter
    assert adapter.disputed_claim("喇叭坏了 不是说两年质保吗", "refund") == "两年质保"
    assert adapter.disputed_claim("不是说3天吗", "refund") == ""


def test_a_claim_disputed_right_after_the_agent_is_checked_not_answered(assistant):
    # the shop profile has a gift (满199送收纳袋), the agent said this item has none: no reply takes the
    # buyer's side with the shop's gift, the agent checks first
    result = assistant.suggest("不是说送收纳袋吗", turns("买家: 买这个有赠品吗", "客服: 亲 这款没有赠品哦"))
    assert result.abstained and len(result.suggestions) == 1
    top = result.suggestions[0].reply
    assert "您说的送收纳袋" in top and "满199" not in top


def test_only_a_claim_disputed_after_an_agent_statement_holds(assistant):
    adapter = assistant.engine.adapter
    said = turns("买家: 能机洗吗", "客服: 亲 建议手洗")
    assert adapter.disputes_agent("不是说能机洗吗", said, "usage_question")
    assert not adapter.disputes_agent("能机洗吗", said, "usage_question")
    # after a hold there is no statement to dispute; a time of the order's steps is a delay's
    assert not adapter.disputes_agent(
        "不是说能机洗吗", turns("买家: 能机洗吗", "客服: 稍等"), "usage_question"
    )
    assert not adapter.disputes_agent("不是说48小时发货吗", said, "usage_question")


def test_a_chase_after_a_bare_greeting_takes_up_the_question(assistant):
    top = _top(assistant, "问你呢", "买家: 这条围巾有灰色吗", "客服: 您好 有什么可以帮您")
    assert "灰" in top and "久等" in top
