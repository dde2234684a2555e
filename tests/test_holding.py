"""Holding replies read like an agent (issue 12): what they check is named only as a clean short
phrase (a topic, the buyer's measures, or their question said as an indirect question), never a
quoted clause or a value alone; the phrasings vary by message. A reply to several questions that
answers only some says which others it checks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assistant.adaptation import Suggestion, load_adaptation
from assistant.holding import Clause, covers, question_form


@pytest.fixture(scope="module")
def adapter(assistant):
    return assistant.engine.adapter


def _holding(assistant, message: str, history: list[str], scenario: str = "usage_question") -> str:
    state = assistant.conversation(message, history)
    adapter = assistant.engine.adapter
    return adapter.holding_reply(message, assistant._history(history), scenario, state).reply


def _said(adapter, clause: str) -> str:
    intents = adapter.intents
    return question_form(clause, adapter.rules.wording, intents.subject_lead, intents.subject_tail)


def test_a_yes_no_question_is_said_as_an_indirect_question(adapter):
    assert _said(adapter, "这个能放微波炉吗") == "能不能放微波炉"
    assert _said(adapter, "洗了会掉色不") == "洗了会不会掉色"
    assert _said(adapter, "我家狗能吃吗") == "您家狗能不能吃"
    # a question word or an A-not-A already asks: only the particles go (啥 said as 什么)
    assert _said(adapter, "一次煮多久啊") == "一次煮多久"
    assert _said(adapter, "配啥酱料") == "配什么酱料"
    assert _said(adapter, "含不含糖") == "含不含糖"


def test_what_cannot_be_said_cleanly_is_not_restated(adapter):
    assert _said(adapter, "那40的呢") == ""  # an ellipsis names no question
    assert _said(adapter, "我平时穿L") == ""  # a statement
    assert _said(adapter, "你们家哪个最便宜") == ""  # about the shop, in the shop's voice
    assert _said(adapter, "这款锅具和那款锅具相比较起来到底哪一个用起来更加顺手") == ""  # too long


def test_a_holding_reply_never_quotes_the_buyer(assistant):
    reply = _holding(assistant, "第一次用要煮多久 能直接泡着吃吗", ["买家: 汤圆收到了", "客服: 亲 收到就好"])
    assert "您问的" not in reply and "您说的" not in reply
    # both questions, each said after the verb (帮您确认一下…), not quoted before it
    assert "能不能直接泡着吃" in reply and "煮多久" in reply
    assert reply.index("一下") < reply.index("煮多久")


def test_a_value_alone_is_never_the_topic(assistant):
    reply = _holding(assistant, "孩子18kg 拿哪个码", [], "size_advice")
    assert "18kg适合" in reply and "18kg的情况" not in reply
    # two sizes weighed: the choice is named (M和L哪个更合适) or each question as asked, never the
    # sizes as a topic (M的情况)
    reply = _holding(assistant, "M会不会小 要不要拿L", ["买家: 卫衣到了吗", "客服: 亲 明天到"], "size_advice")
    assert "M和L哪个更合适" in reply or ("M会不会小" in reply and "要不要拿L" in reply), reply
    assert "的情况" not in reply and "的问题" not in reply, reply


def test_a_follow_up_naming_only_a_size_is_looked_at_not_made_a_topic(assistant):
    reply = _holding(assistant, "那36的呢", ["买家: 35码的有吗", "客服: 有的亲 35码现货"], "stock")
    assert "36的" in reply and "36的情况" not in reply and "35" not in reply


def test_holding_phrasings_vary_by_message_and_stay_fixed_for_one(assistant):
    messages = [
        "这个能放微波炉吗",
        "那个能机洗吗",
        "罐子能密封吗",
        "盖子能单独买吗",
        "壶能烧开水吗",
        "杯子能装热水吗",
    ]
    replies = [_holding(assistant, m, []) for m in messages]
    assert len({r[:4] for r in replies}) >= 2
    assert _holding(assistant, messages[0], []) == replies[0]


def test_an_item_read_with_a_classifier_is_not_named(assistant):
    reply = _holding(assistant, "想买口砂锅 能煲汤的 有推荐吗", [], "recommendation")
    assert "口砂锅" not in reply


def _top(reply: str) -> Suggestion:
    return Suggestion(reply, 0.9, (), "usage_question")


def test_a_reply_answering_one_of_two_questions_says_it_checks_the_other(adapter, assistant):
    message = "砂锅第一次用要怎么处理 能放电磁炉上吗"
    state = assistant.conversation(message, [])
    top = _top("亲，砂锅第一次用先用淘米水煮一遍，晾干后再用就可以了。")
    joined = adapter.check_the_rest(top, message, [], "usage_question", state)
    assert joined.reply.startswith(top.reply.rstrip("。"))
    assert "另外能不能放电磁炉上，" in joined.reply and ("确认" in joined.reply or "核实" in joined.reply)
    assert joined.reply.count("另外") == 1


def test_a_reply_answering_every_part_or_none_is_left_as_it_is(adapter, assistant):
    message = "砂锅第一次用要怎么处理 能放电磁炉上吗"
    state = assistant.conversation(message, [])
    both = _top("亲，砂锅第一次用先用淘米水煮一遍；它是陶土的，不能放电磁炉，用燃气灶就好。")
    assert adapter.check_the_rest(both, message, [], "usage_question", state) == both
    # a reply whose words match neither part may answer in other words: nothing is claimed missing
    neither = _top("亲，这款详情页有写使用说明，按说明来就好。")
    assert adapter.check_the_rest(neither, message, [], "usage_question", state) == neither
    # one question is one part: nothing to add
    single = "能放电磁炉上吗"
    assert adapter.check_the_rest(neither, single, [], "usage_question", state) == neither


def test_coverage_ignores_the_item_and_question_words(adapter):
    wording = adapter.rules.wording
    clause = Clause("这猫粮含不含谷物", "含不含谷物", "猫粮 谷物")
    assert not covers("亲，这款猫粮是鸡肉配方。", clause, 2, ("猫粮",))
    assert covers("亲，这款猫粮不含谷物。", clause, 2, ("猫粮",))
    assert wording.function_words is not None and wording.function_words.sub("", "有没有") == ""


def test_the_wording_table_is_checked_when_loaded(tmp_path: Path):
    path = tmp_path / "adaptation.toml"
    path.write_text(
        '[holding_wording]\ngeneric = ["{address_term}稍等", "{no_such_slot}稍等"]\nasks = \'(多[大\'\n',
        encoding="utf-8",
    )
    rules, problems = load_adaptation(path, slots={"address_term": "亲"})
    assert {p.line for p in problems} == {2, 3}
    assert any("{no_such_slot}" in p.message for p in problems)
    assert any("bad asks pattern" in p.message for p in problems)
    assert (
        rules.wording.generic == ("{address_term}稍等", "{no_such_slot}稍等") and rules.wording.asks is None
    )


def test_a_part_is_answered_by_its_kind_of_answer_or_its_own_words(adapter):
    wording = adapter.rules.wording
    clauses = {
        c.text: c for c in adapter.asking_clauses("退款啥时候到账 能放消毒柜不 双11有活动没 买面霜送啥")
    }
    assert set(clauses) == {"退款啥时候到账", "能放消毒柜不", "双11有活动没", "买面霜送啥"}
    answered = "退款审核后1到3个工作日内原路到账，可以用蒸汽消毒器消毒，大促有满减活动。"
    assert covers(answered, clauses["退款啥时候到账"], 2, (), wording.answered_by)  # a time, not 啥时候
    assert covers(answered, clauses["双11有活动没"], 2, (), wording.answered_by)
    # 消毒 alone belongs to another part: 消毒柜 is not answered
    assert not covers(answered, clauses["能放消毒柜不"], 2, (), wording.answered_by)
    # a gift question names nothing but the item: a reply naming no gift leaves it
    assert not covers(answered, clauses["买面霜送啥"], 2, ("面霜",), wording.answered_by)
    assert clauses["买面霜送啥"].question == "买面霜送什么"


def test_an_order_asked_is_answered_by_a_reply_stating_one(adapter):
    # judges: "answers the order then says it will confirm it" (先水、再精华… 您问的先擦哪个…我帮您确认一下)
    wording = adapter.rules.wording
    clauses = {c.text: c for c in adapter.asking_clauses("先涂哪个 面霜在防晒前面还是后面 晚上能用吗")}
    answered = "亲，一般是先面霜、再防晒，等面霜吸收了再上防晒。"
    for asked in ("先涂哪个", "面霜在防晒前面还是后面"):
        assert covers(answered, clauses[asked], 2, ("面霜",), wording.answered_by), asked
    # a reply stating no order leaves the order question open
    assert not covers("亲，面霜质地清爽，不油腻。", clauses["先涂哪个"], 2, ("面霜",), wording.answered_by)


def test_who_pays_the_postage_is_answered_by_a_free_shipping_rule(adapter):
    wording = adapter.rules.wording
    clause = next(c for c in adapter.asking_clauses("这么沉 邮费谁出啊") if "邮费" in c.text)
    assert covers("亲，全店满99元包邮，偏远地区除外。", clause, 2, (), wording.answered_by)
    assert not covers("亲，这款是铸铁的，比较沉。", clause, 2, (), wording.answered_by)


def test_a_part_named_as_checked_keeps_no_leading_connective(adapter):
    # judges: "garbled 'or send something' clause" (另外或者送点什么) and 个A类是什么意思 (那个 cut to 个)
    questions = [c.question for c in adapter.asking_clauses("那个B级是啥意思 或者送点啥")]
    assert "B级是什么意思" in questions and "送点什么" in questions, questions
    assert not any(q.startswith(("个", "或者")) for q in questions), questions


def test_a_retrieved_reply_answering_no_part_says_it_checks_them_all(adapter, assistant):
    message = "这款保温杯能装果汁吗 盖子能拆下来洗吗"
    state = assistant.conversation(message, [])
    retrieved = Suggestion("亲，这款杯子容量500ml，轻便好带。", 0.8, ("case-x",), "usage_question")
    joined = adapter.check_the_rest(retrieved, message, [], "usage_question", state)
    assert joined.reply.startswith("亲，这款杯子容量500ml，轻便好带。")
    assert "能不能装果汁" in joined.reply and "盖子能不能拆下来洗" in joined.reply
    assert "另外" not in joined.reply  # it answered nothing before, so nothing is 另外
    assert "确认" in joined.reply or "核实" in joined.reply
    # an answer composed for the question (no retrieved source) may answer in other words: left
    composed = Suggestion(retrieved.reply, 2.0, (), "usage_question")
    assert adapter.check_the_rest(composed, message, [], "usage_question", state) == composed


def test_an_aspect_topic_names_the_thing_the_question_opens_with(assistant, adapter):
    reply = _holding(assistant, "晾衣架能挂多重的", [], "quality_question")
    assert "晾衣架重量的问题" in reply
    assert adapter.asked_subject("这个收纳箱能承重多少", "重量的问题") == "收纳箱"
    assert adapter.asked_subject("鞋柜怎么安装 要打孔吗", "安装的问题") == "鞋柜"
    # not another clause's noun (the topic is the second clause's), not a word the topic says
    assert adapter.asked_subject("狗毛会卡进去吗 声音大不", "噪音的问题") == ""
    assert "狗毛" not in _holding(assistant, "狗毛会卡进去吗 声音大不", [], "quality_question")
    assert adapter.asked_subject("声音大吗", "噪音的问题") == ""


def test_a_yes_no_question_with_no_modal_is_asked_after_its_noun(adapter):
    # 是不是 after the noun the question opens with, not before the whole clause (是不是雨衣防风)
    assert _said(adapter, "雨衣防风吗") == "雨衣是不是防风"
    # a one-character verb or adjective at the end is asked A-not-A
    assert _said(adapter, "鞋垫单独卖吗") == "鞋垫单独卖不卖"
    assert _said(adapter, "穿XL合适吗") == "穿XL合不合适"  # (a two-character adjective: 合不合适)
    # nothing to move: 是不是 first, as before
    assert _said(adapter, "是正品吗") == "是不是正品"
    # whether the agent did what they said (催了吗 / 核实了吗): not restated as 是不是催了
    assert _said(adapter, "催了吗") == ""
    assert _said(adapter, "核实了吗") == ""
    assert _said(adapter, "防水吗") == "是不是防水"


def test_a_question_linked_to_the_last_turn_is_restated_without_the_link(adapter):
    assert _said(adapter, "然后要晾干吗") == "要不要晾干"
    assert _said(adapter, "对了怎么收纳") == "怎么收纳"
    assert _said(adapter, "我这单是哪天发") == "哪天发"


def test_the_buyers_values_are_said_once_in_a_holding_reply(adapter, assistant):
    # a measure the holding reply names (30斤适合的规格) and one it leaves out (胸围60): one phrase,
    # not a second "胸围60我记下了" clause
    history = assistant._history(["买家: 狗狗背带怎么选码", "客服: 亲 狗狗多重 胸围多少呢"])
    held = Suggestion(
        "亲，请稍等，我这就帮您确认一下30斤适合的规格，确认好马上回复您。", 0.0, (), "size_advice"
    )
    held = dataclasses.replace(held, holding=True)
    named = adapter.amount_named(held, "30斤 胸围60", history, "size_advice")
    assert "30斤、胸围60适合的规格" in named.reply and "我记下了" not in named.reply, named.reply
    # …and with the values the question is asked with (10cm的话，): the buyer's measure joins them
    held = dataclasses.replace(held, reply="亲，稍等哈，10cm的话，我帮您问一下护膝选哪个码，很快回复您。")
    named = adapter.amount_named(held, "腿围45 膝上10cm 护膝选哪个码", [], "size_advice")
    assert "腿围45、10cm的话，" in named.reply and "我记下了" not in named.reply, named.reply
    # a reply that is no holding reply keeps its own way of naming them
    answer = Suggestion("亲，建议选L码哦。", 0.9, (), "size_advice")
    assert "胸围60" in adapter.amount_named(answer, "30斤 胸围60", history, "size_advice").reply


@pytest.mark.parametrize(
    "message, history, steps, not_said",
    [
        # smoke: switch it off first; no photo was asked for yet
        ("电暖器用了一晚上冒烟了 太吓人了 我要投诉", [], ["断电", "照片"], ["就医"]),
        # a pet that ate it and is unwell: stop feeding, a vet; the agent asked for a photo already
        (
            "狗吃了以后一直吐 你们得负责",
            ["买家: 狗零食收到了 有股怪味", "客服: 亲 非常抱歉 麻烦拍张照片看下"],
            ["停喂", "宠物医院"],
            ["照片发我", "孩子"],
        ),
        # a child with a rash: stop using it, a doctor; a photo was sent ([图片]); at the hospital already
        (
            "孩子用了起红疹 现在在医院 你们必须给个说法",
            ["买家: 宝宝润肤霜 [图片]", "客服: 亲 非常抱歉"],
            ["孩子停用"],
            ["照片", "就医"],
        ),
    ],
)
def test_a_health_or_safety_problem_gets_the_safe_step_first(assistant, message, history, steps, not_said):
    result = assistant.suggest(message, history=history)
    top = result.suggestions[0]
    assert top.holding, top.reply
    for step in steps:
        assert step in top.reply, top.reply
    for word in not_said:
        assert word not in top.reply, top.reply
    # right after the apology, before the promise to follow it up
    assert top.reply.index(steps[0]) < top.reply.index("跟进"), top.reply


def test_a_worry_before_buying_gets_no_safety_step(assistant):
    top = assistant.suggest("这款面霜孕妇能用吗 怕过敏", history=[]).suggestions[0]
    assert "停止使用" not in top.reply and "就医" not in top.reply, top.reply


@pytest.mark.parametrize(
    "history, message",
    [
        (["买家: 电饼铛收到了", "客服: 亲 首次使用前空烧几分钟去味"], "空烧要开多大火 有点冒烟算正常吗"),
        (["买家: 暖风机到了"], "刚开的时候有点冒烟 是正常的吗"),
    ],
)
def test_asking_whether_smoke_is_normal_is_no_safety_complaint(extractor, assistant, history, message):
    # a buyer who asks whether a harm word is normal reports no harm: no escalation, no 断电 step, no
    # complaint promise (judges: "treats normal first-use smoke as a safety complaint")
    assert extractor.escalation(message) == [], message
    result = assistant.suggest(message, history=history)
    assert not result.escalate, result.context.escalation
    top = result.suggestions[0]
    assert "断电" not in top.reply and "负责跟进" not in top.reply, top.reply
    # the same smoke told as what happened is still a safety complaint
    told = message.replace("算正常吗", "").replace("是正常的吗", "")
    assert "冒烟" in extractor.escalation(told + " 吓死了"), told


def test_an_arrival_asked_after_a_refund_is_held_as_the_refund(assistant):
    history = ["买家: 退货寄回去了", "客服: 亲 仓库签收后2个工作日内原路退回", "买家: 物流显示昨天签收了"]
    reply = _holding(assistant, "那明天能到吗", history, "refund")
    assert "退款的情况" in reply and "物流" not in reply, reply
    # the parcel's own arrival stays the parcel's
    reply = _holding(
        assistant,
        "那明天能到吗",
        ["买家: 我的快递到哪了", "客服: 亲 已经到南京转运中心了"],
        "logistics_tracking",
    )
    assert "退款" not in reply, reply


def test_a_retrieved_reply_touching_one_part_in_other_words_names_the_other(adapter, assistant):
    # judges: "doesn't answer the extra charge" (送上楼 answered, 加钱 silently dropped)
    message = "床垫能帮忙抬上楼吗 我家5楼 要额外给钱吗"
    state = assistant.conversation(message, [])
    # (直接送上楼 answers 帮忙抬上楼 in other words: one piece of it, 上楼; nothing of 额外给钱)
    retrieved = Suggestion("亲，派送师傅会直接送上楼，放心。", 0.8, ("case-x",), "logistics_tracking")
    assert adapter.parts_of(retrieved), "the reply must name an object, as a retrieved reply does"
    joined = adapter.check_the_rest(retrieved, message, [], "logistics_tracking", state)
    assert joined.reply.startswith("亲，派送师傅会直接送上楼")
    assert "给钱" in joined.reply and ("确认" in joined.reply or "核实" in joined.reply)
    assert "抬上楼" not in joined.reply  # the part it answers is not said to be checked
    # a reply touching every part is left as it is
    both = Suggestion("亲，派送师傅会帮忙抬上楼，不用额外给钱。", 0.8, ("case-x",), "logistics_tracking")
    assert adapter.check_the_rest(both, message, [], "logistics_tracking", state) == both
