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


def test_a_buyer_checking_the_agents_instruction_hears_it_as_a_yes(assistant):
    history = ["买家: 降价了能补差价吗", "客服: 可以的 麻烦您先把刚拍的那单取消 我这边给您退差价"]
    top = assistant.suggest("那我还得取消刚拍的那单吗？", history=history).suggestions[0]
    assert top.reply.startswith("是的亲") and "把刚拍的那单取消" in top.reply, top.reply
    assert not top.holding


def test_an_instruction_is_confirmed_only_where_the_buyer_repeats_it(handover):
    agent = [("buyer", "发错颜色了"), ("agent", "亲 麻烦您先申请退款哦")]
    assert (
        handover.instruction_checked("是要我先申请退款吗？", agent)
        == "是的亲，需要您先申请退款哦～有问题随时找我。"
    )
    # another act than the one asked of the buyer, a question word, a request not to: nothing confirmed
    assert handover.instruction_checked("要我寄回来吗？", agent) is None
    assert handover.instruction_checked("退款怎么申请呢？", agent) is None
    assert (
        handover.instruction_checked(
            "申请退款吗？", [("buyer", "发错颜色了"), ("agent", "亲 不用申请退款哦")]
        )
        is None
    )
    # an instruction holding a masked value of an anonymised chat is not said back
    masked = [("buyer", "怎么退"), ("agent", "请您寄到[地址x]")]
    assert handover.instruction_checked("寄到[地址x]吗？", masked) is None


def test_a_buyer_closing_while_the_agents_check_is_open_hears_the_follow_up(assistant):
    history = ["买家: 退货的快递员一直没来取件", "客服: 已为您留言给快递站点，让他们尽快上门"]
    top = assistant.suggest("好的 谢谢", history=history).suggestions[0]
    assert "有结果第一时间联系您" in top.reply and "购物愉快" not in top.reply, top.reply
    # an answer given and done is closed as before
    done = ["买家: 什么时候发货", "客服: 今天下午就发出哦"]
    assert "有结果第一时间" not in assistant.suggest("好的 谢谢", history=done).suggestions[0].reply


def test_the_follow_up_closing_needs_an_open_check_of_the_agent(handover):
    opened = [("buyer", "怎么还没人来取件"), ("agent", "帮您催促了，站点核实后回电给您")]
    assert handover.follow_up("行 辛苦了", opened) == "好的亲，这边会继续帮您跟进，有结果第一时间联系您～"
    # a question or a complaint is no closing; an agent turn that asks the buyer something is answered
    assert handover.follow_up("好的 那什么时候来？", opened) is None
    assert handover.follow_up("好吧 太慢了", opened) is None
    asked = [("buyer", "怎么还没人来取件"), ("agent", "帮您催促了，您方便留个电话吗？")]
    assert handover.follow_up("好的 谢谢", asked) is None
