"""Questions still waiting (issue 12): a buyer question asked since the agent last spoke is answered
or named as checked along with the newest message, not dropped; a call for the agent under it (？？
有人没) takes it up; a safe reply to a message of two questions names the one it leaves open."""

from __future__ import annotations

from conftest import turns

from assistant.conversation import waiting_questions
from assistant.holding import question_form


def _top(assistant, message: str, *history: str) -> str:
    return assistant.suggest(message, turns(*history)).suggestions[0].reply


def test_waiting_questions_are_the_buyer_questions_since_the_agent_spoke():
    chat = turns(
        "买家: 这件毛衣会掉色吗", "客服: 亲 不会的", "买家: 洗了会不会缩水", "买家: 人呢", "买家: 好的"
    )
    assert waiting_questions(chat) == ["洗了会不会缩水"]  # not the answered one, not a bare 人呢
    # an agent who said they would check has taken the question up
    assert waiting_questions(turns("买家: 会掉色吗", "客服: 稍等 我帮您查一下")) == []
    assert waiting_questions(turns("买家: 羊毛的还是羊绒的？", "买家: 会不会扎")) == [
        "羊毛的还是羊绒的？",
        "会不会扎",
    ]


def test_a_question_left_above_is_named_with_the_answer_to_the_new_one(assistant):
    top = _top(assistant, "洗了会不会缩水", "买家: 这件毛衣会掉色吗")
    assert "缩水" in top and "掉色" in top
    # once the agent has answered it, it is not brought up again
    answered = _top(assistant, "洗了会不会缩水", "买家: 这件毛衣会掉色吗", "客服: 亲 不会掉色的")
    assert "缩水" in answered and "掉色" not in answered


def test_a_question_left_above_is_not_dropped_when_the_buyer_goes_on(assistant):
    top = _top(assistant, "好 我再想想 明天再拍", "买家: 榴莲坏了怎么赔")
    assert "坏了怎么赔" in top


def test_a_holding_reply_names_the_waiting_question_too(assistant):
    top = _top(assistant, "耗材在哪买", "买家: 在吗", "客服: 在的亲 您说", "买家: 加湿器 滤网多久换一次")
    assert "滤网多久换一次" in top and "耗材在哪买" in top


def test_a_waiting_question_with_no_words_to_restate_is_named_by_its_topic(assistant):
    top = _top(assistant, "还有买两盒能便宜吗", "买家: 公司要开专票 要提供什么")
    assert "专票" in top and top.count("另外") == 1


def test_a_choice_the_buyer_made_since_is_not_held(assistant):
    top = _top(assistant, "好 那就30的吧 今天能发吗", "买家: 炒锅30cm的还是26cm的好 三口之家")
    assert "26" not in top


def test_a_call_under_an_unanswered_question_takes_it_up(assistant):
    result = assistant.suggest("？？有人没", turns("买家: 这双靴子偏大还是偏小"))
    top = result.suggestions[0].reply
    assert "偏大还是偏小" in top and "有什么" not in top
    assert any(word in top for word in ("抱歉", "久等"))  # the wait is apologised for


def test_a_safe_reply_names_the_question_it_leaves_open(assistant):
    top = _top(assistant, "穿着小了 能换吗 运费谁出", "买家: 裤子收到了", "客服: 亲 穿着合适吗")
    assert "运费谁出" in top and ("确认" in top or "核实" in top)


def test_a_noun_morpheme_stays_with_its_noun(assistant):
    intents, wording = assistant.engine.adapter.intents, assistant.engine.adapter.rules.wording
    said = question_form("身体乳好评返5块吗", wording, intents.subject_lead, intents.subject_tail)
    assert said == "身体乳是不是好评返5块"  # not 身体是不是乳好评返5块


def test_a_reply_to_the_waiting_question_is_joined_when_one_was_found(assistant):
    result = assistant.suggest("洗了会不会缩水", turns("买家: 这件毛衣会掉色吗"))
    top = result.suggestions[0]
    assert "缩水" in top.reply and any("先前的问题也答了" in fix for fix in top.fixes)
    assert "确认一下" not in top.reply and "核实" not in top.reply  # answered, not held


def test_a_reply_saying_back_another_buyers_words_is_not_joined(assistant):
    from assistant.adaptation import Adapter

    reply = "您放心，原路返回就是退回付款时用的余额宝，不会退到别处。"
    buyer = "原路返回是退到哪 我用的余额宝 会不会退到别的地方去"
    assert Adapter.says_its_buyer(reply, buyer, "退到哪了 银行卡没看到钱啊")
    assert not Adapter.says_its_buyer(reply, buyer, "原路返回是退到哪了 我用的余额宝 不会退到别的地方吧")
