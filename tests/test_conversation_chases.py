"""Chases (issue 12): a buyer who chases an unanswered question (在吗？回个话啊 / 问三遍了没人理) gets
that question answered, named and apologised for; asking it with 多久 or as a choice of two (寄回来
还是送修) makes it a question waiting for an answer."""

from __future__ import annotations

from assistant.conversation import asks


def test_how_long_and_a_choice_of_two_are_questions_a_proposal_is_not():
    assert asks("电池保修多长时间")
    assert asks("这个能用多久")
    assert asks("坏了是寄回来还是送修理点")
    assert asks("发圆通还是邮政")
    # 要不还是40 / 那就还是L proposes; 还是不亮 / 还是歪的 reports
    assert not asks("要不还是40")
    assert not asks("那就还是L吧")
    assert not asks("换了电池还是不亮")
    assert not asks("装好了还是歪的")


def test_a_chase_after_an_unanswered_warranty_question_answers_it_with_an_apology(assistant):
    history = ["买家: 这款吹风机保修多长时间 坏了要寄回来还是就近修", "买家: ？？"]
    result = assistant.suggest("在吗 有人回一下吗", history=history)
    assert result.context.pending_question == history[0].removeprefix("买家: ")
    top = result.suggestions[0].reply
    assert "保修" in top
    # an apology for the wait opens it, whatever light opening the case had
    assert top.startswith("非常抱歉让您久等了")


def test_a_threat_over_the_wait_still_gets_the_chased_exchange_answered(assistant):
    history = ["买家: 靴子偏小 能换大一码吗 换39", "买家: 在不在", "买家: ？"]
    result = assistant.suggest("说了半天没人理 再不回我就给差评了", history=history)
    top = result.suggestions[0]
    assert not top.holding
    assert "39" in top.reply and "换" in top.reply
    assert top.reply.startswith("非常抱歉让您久等了")
    assert result.escalate  # the agent is still told to step in


def test_chases_worded_many_ways_are_chases_a_product_or_a_parcel_is_not(assistant):
    history = ["买家: 这个饭盒能进微波炉吗"]
    for chase in ["客服呢", "回个话啊", "问你话呢", "怎么不说话", "是机器人吗", "hello?", "快回复我"]:
        state = assistant.conversation(chase, history)
        assert state.nudge, chase
        assert state.pending_question == "这个饭盒能进微波炉吗"
    for other in ["扫地机器人吗", "这个扫地机器人吸力多大", "物流三天没动静了"]:
        assert not assistant.conversation(other, history).nudge, other


def test_asking_again_counts_as_a_chase(assistant):
    # 说了两遍了 / 第三次问: the buyer asked before and nobody answered, whatever the wording
    for message in ("那个杯子能进微波炉吗 我都说了两遍了", "第三次问了 这个杯子能进微波炉吗"):
        result = assistant.suggest(message, history=["买家: 你们怎么半天才回", "客服: 亲 不好意思 刚才人多"])
        assert result.context.nudge, message
        top = result.suggestions[0].reply
        assert any(w in top[:20] for w in ("抱歉", "不好意思", "对不起")), top
    assert not assistant.conversation("这个杯子能进微波炉吗", ["买家: 你好"]).nudge


def test_a_follow_up_on_a_problem_still_open_keeps_an_apology(assistant):
    # the agent apologised and asked something (拍个图 / 先充个电 / 是哪个部位) without a remedy yet:
    # the buyer's follow-up is still the open problem and hears at least a light apology
    for history, message in (
        (["买家: 台灯用了两天就不亮了", "客服: 亲 抱歉 先充满电试试"], "充了一晚上 还是不亮"),
        (["买家: 毛衣收到袖子有个洞", "客服: 亲 真不好意思 洞大概多大"], "有指甲盖那么大 我都不好穿出去"),
        (["买家: 杯子收到裂了一道", "客服: 亲 抱歉 麻烦拍个图"], "图发你了 你们怎么处理"),
    ):
        top = assistant.suggest(message, history=history).suggestions[0].reply
        assert any(w in top[:20] for w in ("抱歉", "不好意思", "对不起")), (message, top)


def test_a_follow_up_after_the_remedy_gets_no_second_apology(assistant):
    # once the agent promised a remedy (给您补发), a calm follow-up is acknowledged, not apologised to
    history = ["买家: 杯子收到裂了一道", "客服: 亲 非常抱歉 马上给您补发一个"]
    top = assistant.suggest("好的 那大概几天能到", history=history).suggestions[0].reply
    assert not any(w in top[:12] for w in ("抱歉", "不好意思", "对不起")), top


def test_a_problem_the_agent_took_up_and_left_is_what_a_chase_is_about(assistant):
    # 亲 我帮您看一下 takes the buyer's problem up without answering it: a bare chase afterwards is
    # about that problem, not a new greeting
    history = ["买家: 订的书架物流五天没更新了", "客服: 亲 我帮您看一下"]
    state = assistant.conversation("有人吗？", history)
    assert state.pending_question == "订的书架物流五天没更新了"
    top = assistant.suggest("有人吗？", history=history).suggestions[0].reply
    assert "有什么可以帮您" not in top and "欢迎光临" not in top
    # a greeting the agent held is owed nothing
    assert assistant.conversation("在吗", ["买家: 你好", "客服: 亲 稍等"]).pending_question is None


def test_a_promise_said_before_and_broken_is_apologised_for(assistant):
    # 前天就说今天到账 / 不是说48小时内发吗: the buyer holds the shop to its own earlier word
    for history, message in (
        (["买家: 退款到哪一步了", "客服: 亲 今天会到账"], "前天就说今天到账 我看了也没有"),
        (["买家: 毛巾什么时候发", "客服: 亲 48小时内"], "不是说48小时内发吗 今天都第三天了"),
    ):
        said = assistant.conversation(message, history).anger
        assert said and all("说" in w for w in said), said  # the promise, no other cue
        top = assistant.suggest(message, history=history).suggestions[0].reply
        assert any(w in top[:20] for w in ("抱歉", "不好意思", "对不起")), (message, top)
    assert not assistant.conversation("那我拍了", ["买家: 台灯几号能到", "客服: 亲 后天就到"]).anger


def test_a_service_desk_stall_leaves_the_question_waiting_for_its_answer(assistant):
    # 您好，请您稍等，正在为您查询 / 亲 在处理了 稍等 / 亲 抱歉 我们核实一下 answer nothing: a chase
    # afterwards is about the buyer's question, not a new greeting (请问有什么可以帮您)
    for stall in [
        "您好，请您稍等，正在为您查询",
        "您好，很高兴为您服务，请您稍等，正在为您查询",
        "亲 在处理了 稍等",
        "亲 抱歉 我们核实一下",
        "亲 我联系快递核实一下",
    ]:
        history = ["买家: 餐边柜下单了 能改成胡桃色吗", f"客服: {stall}"]
        state = assistant.conversation("还在吗", history)
        assert state.nudge and state.pending_question == "餐边柜下单了 能改成胡桃色吗", stall
        top = assistant.suggest("还在吗", history=history).suggestions[0].reply
        assert "有什么可以帮您" not in top, (stall, top)
    # an agent turn that answers, even opening with 您好 or an apology, answers
    for answer in ["您好，胡桃色的可以改", "亲 很抱歉 帮您查到是韵达在中转站 已经催了"]:
        history = ["买家: 餐边柜下单了 能改成胡桃色吗", f"客服: {answer}"]
        assert assistant.conversation("还在吗", history).pending_question is None, answer
