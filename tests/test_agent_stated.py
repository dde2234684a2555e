"""What the agent already said wins over the shop profile (issue 12): a fact the agent stated earlier
in this chat (a transit time, a refund time, what it pays towards the return freight) makes the shop
profile's value of the same kind wrong for this chat, and a buyer asking about that fact again hears
the agent's words. Read on the chat's structure (agent_said.py ``stated``: the kinds of a clause's
facts, the step a time is for, the topic words beside an amount), in wordings of no evaluation set."""

from __future__ import annotations

import pytest
from conftest import turns

from assistant.agent_said import contradicted, recalled, stated


@pytest.fixture(scope="module")
def rules():
    from assistant.config import PROJECT_ROOT
    from assistant.intent import load_intents

    lexicon, problems = load_intents(PROJECT_ROOT / "corpus" / "intents.toml")
    assert problems == []
    assert lexicon.agent_said is not None and lexicon.agent_said.slots
    return lexicon.agent_said


def _read(extractor, rules, *lines: str):
    texts = [line.split(": ", 1)[1] for line in lines]
    roles = ["buyer" if line.startswith("买家") else "agent" for line in lines]
    return stated(texts, roles, extractor.extract, rules)


def test_the_agents_statements_carry_their_topics(extractor, rules):
    said = _read(
        extractor,
        rules,
        "买家: 能寄到哈尔滨吗",
        "客服: 亲 能寄 发德邦 大概三天到",
        "买家: 好",
        "买家: 那几号能到",
    )
    topics = {t for s in said for t in s.topics}
    assert {"courier", "arrival"} <= topics
    # an amount after a clause about the freight is the freight (补8元 after 退回运费您先付)
    freight = _read(extractor, rules, "买家: 袖子短了", "客服: 退回运费您先付 收到后我们补8元", "买家: 行")
    assert any("freight" in s.topics for s in freight)
    # the buyer's own figures are no statement of the shop's
    assert not _read(extractor, rules, "买家: 运费8元吗", "买家: 在吗")


def test_a_shop_value_the_agent_gave_otherwise_is_contradicted(extractor, rules, shipped_corpus):
    slots = shipped_corpus.shop.slots
    said = _read(extractor, rules, "买家: 能寄到哈尔滨吗", "客服: 亲 能寄 大概三天到", "买家: 好的")
    assert "delivery_time" in contradicted(said, slots, rules)
    # saying the shop's own value contradicts nothing (发出后2到4天到 is the profile's delivery_time)
    same = _read(extractor, rules, "买家: 多久到", f"客服: 亲 发出后{slots['delivery_time']}到", "买家: 好")
    assert "delivery_time" not in contradicted(same, slots, rules)
    refund = _read(
        extractor, rules, "买家: 退款多久", "客服: 亲 审核后当天就原路退回 一般6小时到账", "买家: 嗯"
    )
    assert {"refund_time", "refund_time_card"} <= contradicted(refund, slots, rules)


def test_a_question_about_the_agents_fact_recalls_it(extractor, rules):
    said = _read(
        extractor, rules, "买家: 有赠品吗", "客服: 亲 这周下单送一个防尘罩哦", "买家: 好", "买家: 我拍了"
    )
    recall = recalled("防尘罩是单独发吗", extractor.extract("防尘罩是单独发吗"), said, (), rules)
    assert recall is not None and "防尘罩" in recall.said
    # the amount said back (补8块是吧 after 补8元), and a topic asked (运费 by its object)
    freight = _read(extractor, rules, "买家: 小了", "客服: 退回运费您先付 收到后我们补8元", "买家: 好")
    back = recalled("就是补8块是吧", extractor.extract("就是补8块是吧"), freight, (), rules)
    assert back is not None and "补8元" in back.said
    # a message about something else recalls nothing
    assert recalled("颜色有哪些", extractor.extract("颜色有哪些"), said, (), rules) is None


def test_the_reply_does_not_state_the_profiles_transit_time(assistant, shipped_corpus):
    # a question of when beside another (保质期几天) is no timing question of the agent's newest turn:
    # the profile's transit time (2到4天) is still not stated against the agent's 一般1天到
    usual = shipped_corpus.shop.slots["delivery_time"]
    result = assistant.suggest(
        "周六之前能到吗 保质期几天",
        turns("买家: 这个蛋糕能寄杭州吗", "客服: 亲 可以 发顺丰冷链 一般1天到", "买家: 好"),
    )
    for suggestion in result.suggestions:
        assert usual not in suggestion.reply
    assert "1天到" in result.suggestions[0].reply  # the agent's time said back


def test_a_buyer_checking_the_agents_amount_hears_it(assistant, shipped_corpus):
    result = assistant.suggest(
        "那我寄回来换大一号 运费补8块是吧",
        turns("买家: 裤子收到了 腰小了", "客服: 亲 可以换的 寄回运费您先付 换好后给您补8元", "买家: 好"),
    )
    top = result.suggestions[0].reply
    assert "8元" in top
    # the profile's rule for who pays (由买家承担 …) is not recited against the agent's 补8元
    assert shipped_corpus.shop.slots["return_freight_no_reason"][:6] not in top


def test_a_gift_the_agent_offered_turns_ago_is_said_back(assistant):
    result = assistant.suggest(
        "那个防尘罩是要我自己拍还是你们直接放",
        turns(
            "买家: 这个咖啡机有活动吗",
            "客服: 亲 这周下单送一个防尘罩哦",
            "买家: 白色的还有吗",
            "客服: 亲 白色有现货",
        ),
    )
    assert "防尘罩" in result.suggestions[0].reply
