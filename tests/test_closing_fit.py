"""Closings that fit what the buyer said (issue 12, real chats): 不客气 answers a thanks, so a buyer
who only says 嗯 好的 / 好 知道了 after the agent's answer hears 好的亲, not "you're welcome"; a buyer
who raised a problem in the chat (没有收到货) is not wished happy shopping on parting; a buyer checking
back (不是一个月吗) hears the agent's short answer again (刚才跟您说的是15天)."""

from __future__ import annotations

_ANSWERED = ["买家: 提现到账要多久", "客服: 已经帮您提交了，平台1个工作日处理，银行1-3个工作日到账"]


def test_a_buyer_who_did_not_thank_is_not_told_you_are_welcome(assistant):
    for message in ("嗯 好的", "好 知道了"):
        result = assistant.suggest(message, history=_ANSWERED)
        assert result.suggestions, message
        for suggestion in result.suggestions:
            assert "不客气" not in suggestion.reply, (message, suggestion.reply)
        assert result.suggestions[0].reply.startswith("好的亲"), result.suggestions[0].reply


def test_a_buyer_who_thanks_is_still_told_you_are_welcome(assistant):
    for message in ("好的 谢谢", "行 辛苦了"):
        top = assistant.suggest(message, history=_ANSWERED).suggestions[0]
        assert top.reply.startswith("不客气"), (message, top.reply)


def test_a_buyer_who_raised_a_problem_is_not_wished_happy_shopping(assistant):
    history = ["买家: 快递显示签收了 可我没有收到货", "客服: 已经帮您联系站点核实了，明天上午给您回电"]
    result = assistant.suggest("好吧 谢谢", history=history)
    assert result.suggestions
    for suggestion in result.suggestions:
        assert "购物愉快" not in suggestion.reply and "逛得开心" not in suggestion.reply, suggestion.reply
    # a buyer who only asked about the goods still is
    asked = ["买家: 这个杯子能装开水吗", "客服: 可以的亲，耐热120度"]
    assert "购物愉快" in assistant.suggest("好的 谢谢", history=asked).suggestions[0].reply


def test_a_check_back_hears_the_agents_short_answer_again(assistant):
    top = assistant.suggest(
        "哦 不是一个月吗", history=["买家: 这款手机价保多久", "客服: 15天的哦"]
    ).suggestions[0]
    assert "刚才跟您说的是15天" in top.reply, top.reply
    # an answer of several clauses is not cut into a fragment: the plain check-back reply
    longer = ["买家: 这款手机价保多久", "客服: 15天的哦，从签收那天算，到期前都能申请"]
    top = assistant.suggest("哦 不是一个月吗", history=longer).suggestions[0]
    assert "刚才跟您说的这样" in top.reply, top.reply
