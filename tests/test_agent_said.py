"""Follow-ups on what the agent already said (issue 12, agent_said.py): a reply does not state a time
of its own for a step the agent already timed, and a reply that holds, or answers when without the
agent's courier, says the agent's fact back first. Wordings of no evaluation set."""

from __future__ import annotations

import dataclasses

from conftest import turns

from assistant.agent_said import agent_said, own_when


def _said(assistant, message: str, *history: str):
    rules = assistant.engine.adapter.intents.agent_said
    texts = [t.split(": ", 1)[1] for t in history] + [message]
    roles = ["agent" if t.startswith("客服") else "buyer" for t in history] + ["buyer"]
    return agent_said(message, texts, roles, assistant.engine.extractor.extract, rules), rules


def test_a_buyer_asking_when_builds_on_the_agents_timed_clauses(assistant):
    said, rules = _said(assistant, "后天大概几点到", "买家: 台灯今天能发吗", "客服: 亲 今天发 中通 后天到哦")
    assert said is not None and said.timing
    assert said.said == "今天发，中通，后天到"  # the particles go, the clauses stay the agent's
    extract = assistant.engine.extractor.extract
    # the same step timed otherwise contradicts the agent; another step's time does not
    assert own_when("发出后一般2到4天能到", said, extract, rules)
    assert not own_when("今天发出，后天能到", said, extract, rules)
    dispatch, _ = _said(assistant, "几天能到", "买家: 拍了", "客服: 亲 顺丰 明天上午发出")
    assert dispatch is not None and not own_when("发货后一般2到4天送到", dispatch, extract, rules)


def test_what_the_agent_asks_or_does_is_no_fact_to_say_back(assistant):
    # the agent's question (多大) and request (麻烦拍个视频) state nothing
    assert _said(assistant, "那怎么办", "买家: 鞋子有点挤脚", "客服: 亲 平时穿多大")[0] is None
    assert _said(assistant, "那然后呢", "买家: 灯不亮", "客服: 亲 麻烦拍个视频看看")[0] is None
    # a word the message shares with a clause picks that clause (刻字), not the others
    said, _ = _said(assistant, "刻字以后还能退吗", "买家: 钢笔能刻字吗", "客服: 亲 可以的 免费刻字 最多6个字")
    assert said is not None and said.said == "免费刻字"
    # a question about how long something else lasts is no question about the order's steps
    shelf, _ = _said(assistant, "保质期多久", "买家: 拍了", "客服: 亲 今天下单明天发 中通")
    assert shelf is None or not shelf.timing


def test_a_reply_timing_the_agents_step_otherwise_gives_way(assistant):
    history = ["买家: 台灯今天能发吗", "客服: 亲 今天发 中通 后天到"]
    top = assistant.suggest("后天大概几点到 我要在家等", history).suggestions[0]
    assert "2到4天" not in top.reply and "后天到" in top.reply, top.reply
    paid = ["买家: 收纳箱今天能发吗", "客服: 亲 下午6点前付款当天发 圆通"]
    top = assistant.suggest("3点付的 能赶上吧", paid).suggestions[0]
    assert "4点" not in top.reply and "6点前付款当天发" in top.reply, top.reply


def test_a_reply_answering_when_names_the_courier_the_agent_restricted_it_to(assistant):
    history = ["买家: 这款茶具能发顺丰吗", "客服: 亲 瓷器只能发德邦物流哦"]
    top = assistant.suggest("为啥 那得几天", history).suggestions[0]
    assert "德邦" in top.reply, top.reply


def test_a_holding_reply_says_the_agents_fact_back(assistant):
    history = turns("买家: 猫粮幼猫能吃吗", "客服: 亲 建议4个月以上的猫咪吃")
    held = dataclasses.replace(
        assistant.suggest("那3个月的呢").suggestions[0],
        reply="亲，稍等哈，我帮您问一下，很快回复您。",
        holding=True,
    )
    state = assistant.conversation("那我家3个月的能吃吗", history)
    detection = assistant.detect("那我家3个月的能吃吗", history)
    shown, _ = assistant._agent_said([held], "那我家3个月的能吃吗", tuple(history), state, detection, [])
    assert shown[0].reply.startswith("亲，按刚才说的，建议4个月以上的猫咪吃；"), shown[0].reply
    # said once: a reply already going on from the agent's words is left as it is
    again, _ = assistant._agent_said(shown, "那我家3个月的能吃吗", tuple(history), state, detection, [])
    assert again[0].reply == shown[0].reply


def test_only_a_fact_is_said_back_in_a_holding_reply(assistant):
    """A step the agent took or an instruction (空调温度调到26度 is a fact; 先调一下模式 is not), and a
    masked export's placeholder, are no facts to say back: real chats read 按刚才说的，辛苦您提供订单号."""
    held_reply = "亲，稍等哈，我帮您问一下，很快回复您。"
    for agent, message, said_back in (
        ("客服: 亲 先把制冷模式调一下试试", "制冷模式调了还是不行", False),
        ("客服: 亲 [数字x]个小时内联系您", "那[数字x]个小时内一定联系吗", False),
        ("客服: 亲 建议4个月以上的猫咪吃", "那要是3个月的呢", True),
    ):
        history = turns("买家: 这个怎么弄", agent)
        held = dataclasses.replace(
            assistant.suggest(message, history).suggestions[0], reply=held_reply, holding=True
        )
        state = assistant.conversation(message, history)
        detection = assistant.detect(message, history)
        shown, _ = assistant._agent_said([held], message, tuple(history), state, detection, [])
        assert ("按刚才说的" in shown[0].reply) is said_back, (agent, shown[0].reply)


def test_a_price_hold_names_the_gift_the_agent_offered(assistant):
    history = ["买家: 这副墨镜多少钱", "客服: 亲 现在活动价359 还送眼镜布两块哦"]
    result = assistant.suggest("别家才299 能便宜点不", history)
    top = result.suggestions[0]
    assert "送眼镜布两块" in top.reply and "还送" not in top.reply, top.reply
    # a price alone is no sentence to say back (按刚才说的，799；)
    plain = assistant.suggest("别家699 你们贵了", ["买家: 这个手表多少钱", "客服: 亲 799"]).suggestions[0]
    assert "按刚才说的，799" not in plain.reply, plain.reply


def test_a_clause_stating_the_agent_s_timed_step_with_a_blank_goes_when_the_agent_s_words_are_said(assistant):
    # judges: "duplicated dispatch phrase" (按刚才说的，3-5天发出；我们【发货时间】发出)
    from assistant.agent_said import without_restated

    said, rules = _said(assistant, "那几号能到", "买家: 书桌下单了", "客服: 亲 书桌是厂家直发 5-7天发出")
    assert said is not None and said.timing
    reply = "寄杭州的话，我们【发货时间】发出，正常2到4天送到，大概【到货日期】前后能收到。"
    kept = without_restated(reply, said, rules)
    assert "【发货时间】" not in kept and "【到货日期】" in kept and "2到4天送到" in kept
    # a clause with a value of its own, or one timing another step, stays
    assert without_restated("我们明天发出，正常2到4天送到。", said, rules) == "我们明天发出，正常2到4天送到。"
