"""Grounded suggestions: the fact layer, the conversation state, grounding of templates, on-intent
ranking, abstention and escalation (issue 12)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import turns

from assistant.cli import cli
from assistant.conversation import conversation_state
from assistant.facts import chinese_number

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(shipped_corpus):
    return shipped_corpus


# ----------------------------------------------------------------------------- facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我160 50kg穿什么码", {("height", "160"), ("weight", "100斤")}),
        ("一米六五 一百斤", {("height", "165"), ("weight", "100斤")}),
        ("身高1.72m 体重140斤 平时穿XL", {("height", "172"), ("weight", "140斤"), ("size", "XL")}),
        ("满199减20，领5元无门槛券", {("promotion", "满199减20"), ("coupon", "5元券")}),
        (
            "下午4点前付款当天发中通，2到4天到",
            {("time", "16:00"), ("courier", "中通"), ("duration", "2-4天")},
        ),
        ("12月3号前能到吗", {("date", "12月3号")}),
        ("下周三能到吗", {("date", "下周三")}),
        ("我帮您查一下周三能不能到", {("date", "周三")}),  # the 下 of 一下 begins no 下周三
        ("28cm的锅 4.5L的电饭煲 500g", {("spec", "28cm"), ("spec", "4.5L"), ("spec", "500g")}),
        ("脚长24.5cm穿多大", {("foot_length", "24.5")}),
        ("95折 两件 ¥59", {("discount", "9.5折"), ("quantity", "2件"), ("money", "59")}),
        ("送您一双袜子", {("gift", "袜子")}),
        ("要湖水色的 京东快递能发吗", {("colour", "湖水色"), ("courier", "京东")}),
        ("NB码还有吗", {("size", "NB")}),
        ("这个色号还有吗 #02", {("size", "02")}),
        ("色号316会不会太暗", {("size", "316")}),
    ],
)
def test_facts_are_typed_and_normalised(extractor, text, expected):
    found = {(f.kind, f.value) for f in extractor.extract(text)}
    assert expected <= found
    for fact in extractor.extract(text):
        assert text[fact.start : fact.end] == fact.text  # spans point into the original text


@pytest.mark.parametrize(
    "text", ["第一时间帮您处理", "麻烦您稍等一下", "颜色有点掉色吗", "您看一下详情页", "NB的鞋子好穿吗"]
)
def test_ordinary_words_are_not_facts(extractor, text):
    assert [f for f in extractor.extract(text) if f.kind != "order_event"] == []


def test_chinese_numbers():
    assert chinese_number("一百二") == 120
    assert chinese_number("十二") == 12
    assert chinese_number("两") == 2
    assert chinese_number("abc") is None
    # a digit right after 千 counts in hundreds, as one after 百 counts in tens
    assert chinese_number("两千五") == 2500 and chinese_number("一千零五十") == 1050


@pytest.mark.parametrize(("text", "count"), [("十一", 11), ("十二", 12), ("二十", 20), ("两", 2), ("3", 3)])
def test_one_count_reader_for_money_sums_and_facts(extractor, text, count):
    from assistant.facts import chinese_count

    assert chinese_count(text) == count
    # the fact layer reads the same count (十二件 is twelve, never 二件)
    assert [f.value for f in extractor.extract(f"买{text}件") if f.kind == "quantity"] == [f"{count}件"]


def test_a_count_reader_reads_no_fraction_or_word():
    from assistant.facts import chinese_count

    assert chinese_count("半") == 0 and chinese_count("1.5") == 0 and chinese_count("件") == 0


def test_item_in_the_buyers_words_is_not_swapped_for_a_catalog_product(extractor):
    item = extractor.item("这个牛仔外套有黑色吗")
    assert item.text == "牛仔外套" and item.product_id is None and item.category == "apparel"
    pan = extractor.item("28cm的不粘锅能用电磁炉吗")
    assert pan.category == "kitchen"
    assert extractor.foreign_wording("这款面料很舒服，穿着不起球", "kitchen")
    assert extractor.foreign_wording("这款面料很舒服", "apparel") == []


# ----------------------------------------------------------------------------- conversation state


@pytest.mark.parametrize(
    ("history", "message", "stage"),
    [
        ([], "这个有货吗", "browsing"),
        (["买家: 我拍了", "客服: 好的亲"], "什么时候发", "ordered"),
        (["买家: 付款了"], "还没发货吗", "paid"),
        (["客服: 已经给您发顺丰了"], "怎么还没到", "shipped"),
        ([], "收到的衣服破了个洞", "delivered"),
        ([], "我已经申请退款了 怎么还没到账", "after_sale"),
        ([], "怎么申请退款", "browsing"),
    ],
)
def test_order_stage_is_the_furthest_event_reached(extractor, history, message, stage):
    assert conversation_state(message, turns(*history), extractor).order_stage == stage


def test_pending_question_and_nudge(extractor):
    state = conversation_state("人呢？？半小时了", turns("买家: 这个锅有32cm的吗"), extractor)
    assert state.pending_question == "这个锅有32cm的吗" and state.nudge and state.upset
    answered = conversation_state("好的", turns("买家: 有32cm的吗", "客服: 有的亲，32cm有现货"), extractor)
    assert answered.pending_question is None
    held = conversation_state("人呢", turns("买家: 有32cm的吗", "客服: 稍等"), extractor)
    assert held.pending_question == "有32cm的吗"  # a holding line does not answer


def test_escalation_words(extractor):
    state = conversation_state("你们就是骗子 我要投诉到平台", [], extractor)
    assert state.escalated and {"骗子", "投诉"} <= set(state.escalation)
    assert not conversation_state("请问这个怎么用", [], extractor).upset
    assert extractor.escalation("再不退我找平台了") and extractor.escalation("你们卖假货吧")
    # a neighbour who may complain, or a review already given that the buyer wants to change, is no threat
    assert not extractor.escalation("跑步机噪音大吗 楼下会投诉吗")
    assert not extractor.escalation("我给了差评 其实是快递问题 能改成好评吗")
    # a buyer chasing a silent agent is upset (the reply opens with an apology); a calm one is not
    assert conversation_state("看到没 回句话啊", turns("买家: 这个有货吗"), extractor).upset
    assert not conversation_state("要不要冷藏啊 收到以后", [], extractor).upset


# ----------------------------------------------------------------------------- grounding


def test_another_buyers_measurements_become_this_buyers(extractor, grounder):
    state = conversation_state("我160 50kg穿什么码", [], extractor)
    grounded = grounder.ground("亲，您165cm 110斤的话建议拿M码", state)
    assert "160" in grounded.reply and "50kg" in grounded.reply
    assert "165" not in grounded.reply and "110斤" not in grounded.reply
    assert "【尺码/规格】" in grounded.reply and grounded.fill_ins == ("尺码/规格",)
    assert {(c.was, c.now) for c in grounded.changes} >= {("165cm", "160"), ("M码", "【尺码/规格】")}


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("卫衣有没有灰色的 xxl", ["XXL"]),
        ("口红02色号还有吗", ["02"]),
        ("绳子5m长 m码", []),
        ("要xs码", ["XS"]),
    ],
)
def test_lower_case_letter_sizes_and_shades_before_their_word_are_sizes(extractor, text, sizes):
    assert [f.value for f in extractor.extract(text) if f.kind == "size"] == sizes


def test_a_variant_named_by_one_of_two_slots_needs_no_fill_in_for_the_other(extractor, grounder):
    named = conversation_state("藏青色的还会补吗", [], extractor)
    grounded = grounder.ground("亲，{product}{colour}{size}暂时拍不了，补货会通知您", named)
    assert "这款藏青暂时拍不了" in grounded.reply and grounded.ok and not grounded.fill_ins
    # neither named: the agent still fills the variant in
    neither = conversation_state("还会补货吗", [], extractor)
    assert grounder.ground("亲，{product}{colour}{size}暂时拍不了，补货会通知您", neither).fill_ins == (
        "颜色",
        "尺码/规格",
    )


def test_the_buyers_item_replaces_another_catalog_product(extractor, grounder):
    state = conversation_state("这个牛仔外套有黑色吗", [], extractor)
    grounded = grounder.ground("羊毛混纺大衣黑色很显瘦", state)
    assert grounded.reply.startswith("牛仔外套") and "大衣" not in grounded.reply


def test_the_agents_courier_wins_over_the_shop_profile(extractor, grounder, corpus):
    shop_courier = corpus.shop.slots["courier"]
    state = conversation_state("什么时候能到", turns("客服: 我们发顺丰哦", "买家: 好的 我拍了"), extractor)
    filled = grounder.ground("亲，{courier}一般{delivery_time}送到", state)
    assert filled.ok and "顺丰" in filled.reply and shop_courier not in filled.reply
    contradicting = grounder.ground("亲，我们默认发韵达，一般{delivery_time}送到", state)
    assert not contradicting.ok and "快递" in contradicting.rejected


def test_the_courier_on_the_buyers_waybill_wins_over_the_shop_profile(extractor, grounder):
    # the buyer's tracking line names the parcel's courier: a reply naming another contradicts it
    waybill = conversation_state("韵达单号4312345678901 三天没动了 到哪了", [], extractor)
    contradicting = grounder.ground("亲，我已联系中通快递核实包裹位置，很快回复您", waybill)
    assert not contradicting.ok and "快递" in contradicting.rejected
    assert grounder.ground("亲，我马上帮您查一下韵达的物流，很快回复您", waybill).ok
    # a courier the buyer asks for is no stated fact: the shop's own may still be named
    asked = conversation_state("能发韵达吗", [], extractor)
    assert grounder.ground("亲，我们默认发中通快递哦", asked).ok


def test_other_category_wording_and_unknown_stock_are_rejected(extractor, grounder):
    pan = conversation_state("不粘锅能用电磁炉吗", [], extractor)
    assert not grounder.ground("亲，这款面料很舒服，穿着不起球", pan).ok
    unknown = conversation_state("这个牛仔外套还有吗", [], extractor)
    assert "库存" in grounder.ground("有现货的亲，放心拍", unknown).rejected
    assert grounder.ground("亲，{product}{stock_status}", unknown).fill_ins == ("库存情况",)


def test_an_occasion_the_conversation_never_named_is_rejected(extractor, grounder):
    # another buyer's wedding in a delay apology is their story, not this buyer's
    late = conversation_state("说好昨天到 今天还没到", turns("客服: 亲 申通 明天就到"), extractor)
    rejected = grounder.ground("对不起，耽误您参加婚礼的安排了，我马上催申通", late)
    assert not rejected.ok and "场合" in rejected.rejected
    # the same occasion in other words (结婚 / 婚礼) is this buyer's own
    own = conversation_state("下周结婚要穿 说好昨天到 今天还没到", [], extractor)
    assert grounder.ground("对不起，耽误您参加婚礼的安排了，我马上帮您催", own).ok


def test_a_size_the_buyer_weighs_against_another_is_left_to_the_agent(extractor, grounder):
    weighed = conversation_state("身高170 体重60kg 卫衣拿L还是XL", [], extractor)
    grounded = grounder.ground("亲，按您的身高体重建议拿{size}", weighed)
    assert "【尺码/规格】" in grounded.reply and "L" not in grounded.reply.replace("XL", "")
    chosen = conversation_state("卫衣拿L的 有货吗", [], extractor)
    assert "L" in grounder.ground("亲，{size}有的", chosen).reply


def test_a_measurement_the_buyer_takes_back_is_replaced_by_the_new_one(extractor, grounder):
    corrected = conversation_state("说错了 应该是158 穿什么码", turns("买家: 我身高165 体重100斤"), extractor)
    assert corrected.latest("height", "buyer").fact.value == "158"
    assert "158" in grounder.ground("亲，身高{height}的话建议拿【尺码】", corrected).reply
    # without a correction a bare number is no measurement (158块的那件呢 asks about a price)
    priced = conversation_state("那158的那件呢", turns("买家: 我身高165 体重100斤"), extractor)
    assert priced.latest("height", "buyer").fact.value == "165"


def test_denim_is_a_material_fact(extractor, grounder):
    silk = conversation_state("真丝衬衫第一次洗就掉色了", [], extractor)
    assert "牛仔" not in grounder.ground("亲，牛仔面料初次洗涤会有少量掉色", silk).reply


def test_auntie_and_uncle_name_the_buyers_mother_and_father(extractor, grounder):
    son = conversation_state("这次买两件 给我儿子也买一件", [], extractor)
    assert not grounder.ground("亲，阿姨喜欢就太好了，两件给您备注上", son).ok
    mother = conversation_state("给我妈买的 她喜欢宽松的", [], extractor)
    assert grounder.ground("亲，阿姨喜欢宽松的话这款很合适", mother).ok


def test_an_order_event_the_conversation_lacks_is_rejected(extractor, grounder):
    state = conversation_state("什么时候发货", [], extractor)
    assert not grounder.ground("亲，您的包裹已经发货了", state).ok


def test_the_shops_dispatch_time_does_not_fit_made_to_order_goods(extractor, grounder, corpus):
    usual = corpus.shop.slots["dispatch_time"]
    stock = conversation_state("什么时候发货", [], extractor)
    assert usual in grounder.ground("亲，付款后{dispatch_time}发货", stock).reply
    custom = conversation_state("定制的窗帘什么时候发货", [], extractor)
    filled = grounder.ground("亲，付款后{dispatch_time}发货", custom)
    assert usual not in filled.reply and filled.fill_ins == ("发货时间",)
    written_out = grounder.ground("亲，付款后" + usual + "发货", custom)
    assert usual.removesuffix("内") not in written_out.reply and "发货时间" in written_out.fill_ins
    assert not grounder.ground("{cutoff_time}前付款当天发", custom).ok  # no same-day rule for custom goods
    # the agent promised a time of their own: the shop's usual one would contradict it
    promised = conversation_state(
        "那后天能到吗", turns("买家: 今天拍什么时候发", "客服: 亲 明天上午发出"), extractor
    )
    assert usual not in grounder.ground("亲，{dispatch_time}发出", promised).reply
    # the agent repeating the shop's own time is no exception
    same = conversation_state(
        "那什么时候到", turns("买家: 什么时候发", "客服: 亲 " + usual + "发货"), extractor
    )
    assert usual in grounder.ground("亲，{dispatch_time}发出", same).reply


def test_a_holding_reply_names_what_is_asked_without_echoing_the_buyer(assistant):
    angry = assistant.suggest("你们就是骗子！又发错了 我要投诉")
    assert angry.escalate and angry.intent.objects == {"wrong_item"}
    for suggestion in angry.suggestions:
        assert "“" not in suggestion.reply  # never the buyer's words echoed in quotes
        assert not re.search(r"说一下(具体)?(情况|问题)", suggestion.reply)  # they said what is wrong
        if suggestion.holding:
            assert "发错的情况" in suggestion.reply


def test_a_holding_reply_names_the_property_or_the_values_asked_about(assistant):
    noise = assistant.suggest("这个吸尘器噪音大吗 晚上用会吵到邻居吗")
    top = noise.suggestions[0]
    # the property asked about is named as the buyer asked it (确认一下吸尘器噪音大不大、晚上用会不会
    # 吵到邻居; the wording engineer's holding), each question of the message, not a bare 您的问题
    assert top.holding and re.search(r"噪音(大不大|的问题)", top.reply), top.reply
    assert "吵到邻居" in top.reply and "您的问题" not in top.reply, top.reply
    values = assistant.suggest(
        "我家狗狗30斤", history=["买家: 这个狗窝有大号吗", "客服: 亲 有的 L号适合25斤以内"]
    )
    top = values.suggestions[0]
    # the agent's stated limit answers the value (agent_range.py, 0be239b): over it, said so, and no
    # size the chat did not give is promised instead
    assert "30斤" in top.reply and "超过" in top.reply, top.reply
    assert shown_facts(assistant, values) == []
    # a conversion of the buyer's own weight (12斤 = 6kg) is grounded in the chat, not another fact
    other_unit = assistant.suggest(
        "我家柯基12斤 够用吗", history=["买家: 这个狗窝大号多大", "客服: 亲 大号适合10kg以内"]
    )
    assert "6kg" in other_unit.suggestions[0].reply, other_unit.suggestions[0].reply
    assert shown_facts(assistant, other_unit) == []
    plain = assistant.suggest("我家狗狗30斤", history=["买家: 这个狗窝有大号吗", "客服: 亲 有的"])
    top = plain.suggestions[0]
    # with no limit stated, the weight is held as what is being checked, never answered from a case
    assert top.holding and "30斤" in top.reply, top.reply


def test_a_buyer_back_at_the_agents_promise_is_told_that_promise_is_checked(assistant):
    history = ["买家: 我买的是原味 收到的是辣味", "客服: 非常抱歉亲，给您补发原味的"]
    result = assistant.suggest("补发的又是辣味！！你们怎么回事", history=history)
    top = result.suggestions[0]
    assert top.reply.startswith(("非常抱歉", "抱歉", "实在抱歉"))
    assert "原味" in top.reply  # what the agent promised, not a request to describe the problem again
    assert not re.search(r"拍(一下|张)|照片", top.reply)


def test_a_calm_question_about_the_product_gets_no_apology(assistant):
    for message in ("这个腊肠要不要冷藏啊", "这个锅能放洗碗机吗", "支持货到付款吗", "能发京东快递吗"):
        for suggestion in assistant.suggest(message).suggestions:
            assert not any(m in suggestion.reply[:12] for m in ("抱歉", "对不起", "不好意思")), message
    # a problem is still apologised for
    broken = assistant.suggest("腊肠收到就发霉了 要不要冷藏啊").suggestions[0]
    assert any(m in broken.reply[:12] for m in ("抱歉", "对不起", "不好意思"))


def test_a_chased_property_question_is_not_answered_with_another_property(assistant):
    result = assistant.suggest("半小时了 有人吗", history=["买家: 这双鞋会不会磨脚"])
    top = result.suggestions[0]
    assert "磨脚" in top.reply and "透气" not in top.reply


def test_a_follow_up_keeps_what_the_buyer_asked_before(assistant):
    history = ["买家: 39码白色有货吗", "客服: 亲 39码白色现货的"]
    result = assistant.suggest("那灰色呢", history=history)
    top = result.suggestions[0]
    assert "灰色" in top.reply and "白色" not in top.reply
    assert not re.search(r"(哪个|什么)颜色", top.reply)  # the buyer named it


def test_a_note_on_the_order_is_confirmed_with_what_the_buyer_asked(assistant):
    top = assistant.suggest("拍了 麻烦备注一下要黑色的").suggestions[0]
    assert "备注" in top.reply and "黑色" in top.reply


def test_a_question_of_two_parts_gets_both_answered(assistant):
    top = assistant.suggest("退款什么时候到 运费谁出").suggestions[0]
    assert "到账" in top.reply and "运费" in top.reply
    assert shown_facts(assistant, assistant.suggest("退款什么时候到 运费谁出")) == []


def test_each_part_of_a_question_is_looked_up(assistant):
    top = assistant.suggest("今天拍什么时候发货 发什么快递").suggestions[0]
    assert "发货" in top.reply or "发出" in top.reply
    assert "快递" in top.reply and len(top.sources) == 2


def test_the_buyer_is_not_asked_which_item_once_the_chat_names_it(assistant):
    history = ["买家: 这个铸铁锅收到了", "客服: 亲 第一次用记得先开锅哦"]
    for suggestion in assistant.suggest("能放洗碗机吗", history=history).suggestions:
        assert not re.search(r"(哪件|哪一?款)(宝贝|商品)|告诉我(是)?哪一?款", suggestion.reply)


def test_a_case_written_for_another_conversation_does_not_refer_back_to_it(assistant):
    # farewell cases whose earlier turns were about an address change or a parcel on its way
    history = ["买家: 收到了 很好吃！", "客服: 谢谢亲喜欢~"]
    for suggestion in assistant.suggest("下次还来 拜拜", history=history).suggestions:
        assert not re.search(r"地址|包裹发出|发货后", suggestion.reply), suggestion.reply


def test_a_paid_order_is_read_from_plain_words(extractor):
    paid = conversation_state(
        "那啥时候到", turns("买家: 今天拍能发吗", "客服: 今天发", "买家: 好的 付了"), extractor
    )
    assert paid.order_stage == "paid"
    waiting = conversation_state("？？回话啊", turns("买家: 下单一周了 还没发货"), extractor)
    assert waiting.order_stage == "paid"
    assert conversation_state("还没付呢 先问问", [], extractor).order_stage == "browsing"


def test_a_specific_care_question_is_not_asked_back_which_aspect(assistant):
    for message in ("会掉色吗 能机洗吗", "这个锅能放洗碗机吗"):
        for suggestion in assistant.suggest(message).suggestions:
            assert not re.search(r"哪一?方面", suggestion.reply), (message, suggestion.reply)
    assert "机洗" in assistant.suggest("会掉色吗 能机洗吗").suggestions[0].reply


def test_a_holding_topic_never_brings_in_a_fact(assistant, extractor):
    import dataclasses

    adapter = assistant.engine.adapter
    lexicon = adapter.intents
    # a trainer's topic that names a material the buyer never said (不粘涂层 for 涂层) of a pan the
    # catalog does not list (the catalog's 炒锅 says 不粘涂层 itself)
    adapter.intents = dataclasses.replace(lexicon, topics={**lexicon.topics, "nonstick": "不粘涂层的问题"})
    try:
        state = conversation_state(
            "涂层会不会掉啊", turns("买家: 这个铁锅重吗", "客服: 亲 1.2公斤左右"), extractor
        )
        held = adapter.holding_reply("涂层会不会掉啊", turns("买家: 这个铁锅重吗"), "quality_question", state)
    finally:
        adapter.intents = lexicon
    assert "不粘涂层" not in held.reply
    assert adapter.grounder.ungrounded(held.reply, state) == []


def test_a_buyer_back_in_the_chat_is_not_welcomed_as_a_new_visitor(assistant):
    history = ["买家: 这个面霜油不油", "客服: 亲 质地偏清爽"]
    for suggestion in assistant.suggest("回来了 还在吗", history=history).suggestions:
        assert "欢迎光临" not in suggestion.reply, suggestion.reply


def test_bargaining_leads_with_what_the_shop_can_offer(assistant):
    for message in ("能便宜点吗", "老板 少10块呗 我就拍了"):
        top = assistant.suggest(message).suggestions[0]
        assert not any(m in top.reply[:10] for m in ("抱歉", "不好意思", "没法", "不能")), top.reply


# ----------------------------------------------------------------------------- suggest, end to end


def shown_facts(assistant, result):
    grounder = assistant.engine.adapter.grounder
    return [fact for s in result.suggestions for fact in grounder.ungrounded(s.reply, result.context)]


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("我160 50kg穿什么码", []),
        ("那L呢", ["买家: 这个卫衣M码有吗", "客服: M码有现货哦"]),
        ("什么时候到", ["客服: 我们发顺丰哦", "买家: 好的 我拍了"]),
        ("那个券怎么用", ["客服: 现在有满200减30的券"]),
        ("都等了五天了还没发货", []),
        ("28cm的不粘锅能用电磁炉吗", []),
    ],
)
def test_every_shown_fact_is_grounded(assistant, message, history):
    result = assistant.suggest(message, history=history)
    assert result.suggestions
    assert shown_facts(assistant, result) == []
    for suggestion in result.suggestions:
        assert not re.search(r"\{[a-z_]+\}", suggestion.reply)  # every slot filled or a fill-in
        assert suggestion.ready == (not suggestion.fill_ins and not suggestion.has_error)


def test_the_agents_courier_is_never_contradicted(assistant):
    result = assistant.suggest("什么时候能到啊", history=["客服: 亲，我们发顺丰的", "买家: 好 拍了"])
    others = ("中通", "圆通", "韵达", "申通", "极兔")
    assert all(not any(c in s.reply for c in others) for s in result.suggestions)


def test_no_other_category_wording_for_a_kitchen_item(assistant):
    result = assistant.suggest("这个不粘锅能用电磁炉吗")
    assert result.context.category == "kitchen"
    for suggestion in result.suggestions:
        assert not any(w in suggestion.reply for w in ("面料", "吊牌", "尺码", "穿着"))


def test_restock_is_not_answered_with_dispatch_times(assistant):
    result = assistant.suggest("这个什么时候补货呀")
    top = result.suggestions[0]
    assert "restock" in result.intent.objects
    assert top.holding or any(w in top.reply for w in ("补货", "到货", "有货", "库存"))
    assert "发货" not in top.reply


def test_a_buyer_who_already_applied_is_not_told_how_to_apply(assistant):
    result = assistant.suggest("我已经申请退款了 怎么还没到账")
    assert result.context.order_stage == "after_sale"
    for suggestion in result.suggestions:
        assert "点击申请退款" not in suggestion.reply and "怎么申请" not in suggestion.reply


def test_a_nudge_takes_up_the_pending_question_with_an_apology(assistant):
    result = assistant.suggest("人呢？？半小时了都没人回", history=["买家: 这件T恤有白色M码吗"])
    assert result.context.pending_question == "这件T恤有白色M码吗"
    for suggestion in result.suggestions:
        assert any(m in suggestion.reply[:12] for m in ("抱歉", "久等", "不好意思"))


def test_a_buyer_who_described_the_problem_is_not_asked_to_restate_it(assistant):
    history = ["买家: 这鞋会不会磨脚", "客服: 稍等"]
    result = assistant.suggest("半小时了 有人吗", history=history)
    for suggestion in result.suggestions:
        assert not re.search(r"说一下(遇到的)?(问题|情况)|有什么可以帮", suggestion.reply)


def test_what_the_buyer_already_gave_is_not_asked_for_again(assistant):
    result = assistant.suggest("地址改一下 改成上海浦东张江路100号")
    for suggestion in result.suggestions:
        assert not re.search(r"地址.{0,10}发(我|来)|发我.{0,8}地址", suggestion.reply)
    photos = assistant.suggest(
        "照片发了 烂了七八个", history=["买家: 收到的车厘子烂了好几个", "客服: 非常抱歉亲，麻烦拍照片"]
    )
    for suggestion in photos.suggestions:
        assert not re.search(r"(拍|发).{0,6}(照片|图片)", suggestion.reply)
    phone = assistant.suggest(
        "我要改电话 13800001111", history=["买家: 我已经付款了 地址是南京", "客服: 收到亲"]
    )
    size = assistant.suggest("拍错了 要改成L码 还没发吧")
    for suggestion in phone.suggestions + size.suggestions:  # neither is asked for a new address
        assert not re.search(r"收货信息|新的?地址", suggestion.reply)
    foot = assistant.suggest("脚长24.5cm 脚背有点高 穿多大", history=["买家: 这款板鞋偏大吗"])
    for suggestion in foot.suggestions:  # the foot length is given
        assert not re.search(r"(量|测|说|告诉|发).{0,6}脚长", suggestion.reply)
    picture = assistant.suggest("图片发你了 你看看", history=["买家: 鞋底开胶了", "客服: 亲 麻烦拍个照片"])
    for suggestion in picture.suggestions:
        assert not re.search(r"(拍|发|提供).{0,6}(照片|图片|视频)", suggestion.reply)


def test_shop_facts_that_do_not_fit_the_chat_are_not_restated(assistant, corpus):
    dispatch = corpus.shop.slots["dispatch_time"]
    overdue = assistant.suggest(
        "已经过了48小时了 还是没发", history=["买家: 付款了 什么时候发", "客服: 亲 48小时内发货，发申通"]
    )
    for suggestion in overdue.suggestions:  # the buyer knows the policy: it failed them
        assert dispatch not in suggestion.reply
    express = corpus.shop.slots["express_courier"]
    said = assistant.suggest(
        "到乡镇吗 我在农村", history=["买家: 发什么快递", f"客服: 亲 水果都是{express}哦"]
    )
    for suggestion in said.suggestions:  # no surcharge for the courier the agent called the default
        assert corpus.shop.slots["express_surcharge"] not in suggestion.reply


def test_the_dispatch_policy_is_not_told_once_the_parcel_is_on_its_way(assistant, corpus):
    dispatch = corpus.shop.slots["dispatch_time"]
    shipped = assistant.suggest("那大概几天能到", history=["买家: 发货了吗", "客服: 亲 已经发出了，顺丰快递"])
    assert shipped.context.order_stage == "shipped"
    for suggestion in shipped.suggestions:
        assert dispatch not in suggestion.reply
    # before shipping the policy is the answer
    before = assistant.suggest("今天拍什么时候发货")
    assert any(dispatch in s.reply for s in before.suggestions)


def test_what_the_buyer_said_is_not_contradicted(assistant):
    opened = assistant.suggest("我已经拆封用了一次，还能退吗", history=["买家: 这个面霜不适合我"])
    for suggestion in opened.suggestions:  # no "if unopened" terms for a buyer who opened it
        assert not re.search(r"(没|未)(拆封|拆开|开封|使用)", suggestion.reply)
    iron = assistant.suggest("铸铁锅用完怎么保养")
    for suggestion in iron.suggestions:  # a cast-iron pan has no non-stick coating
        assert not re.search(r"涂层|不粘", suggestion.reply)


def test_made_goods_wording_is_not_shown_for_food_pets_or_appliances(assistant):
    for message in ("这个猫粮太贵了吧", "猫砂怎么这么贵", "破壁机怎么这么贵"):
        for suggestion in assistant.suggest(message).suggestions:
            assert "做工" not in suggestion.reply and "用料" not in suggestion.reply, message
    # the buyer's own word is theirs to hear back
    assert assistant.engine.adapter.grounder.extractor.foreign_wording("做工很好", "pets") == ["做工"]


def test_an_amount_is_compared_with_the_free_shipping_threshold(assistant, corpus):
    threshold = corpus.shop.policy["free_shipping_threshold_yuan"]
    below = assistant.suggest(f"我买了{threshold - 14}块的能包邮吗").suggestions[0]
    assert f"{threshold - 14}元" in below.reply and "还没到" in below.reply and not below.holding
    met = assistant.suggest(f"一共凑了{threshold + 21}元 包邮吗").suggestions[0]
    assert f"{threshold + 21}元" in met.reply and "可以包邮" in met.reply
    # no amount, no computed answer
    assert all(s.sources or s.holding or s.fallback for s in assistant.suggest("包邮吗").suggestions)


def test_cancel_invoice_and_repair_are_request_types(assistant):
    lexicon = assistant.engine.adapter.intents
    assert "cancel" in lexicon.parse("帮我取消订单吧").objects
    assert "invoice" in lexicon.parse("能开发票吗 公司抬头").objects
    assert "invoice" not in lexicon.parse("要专票 抬头税号发你了").objects
    assert "repair" in lexicon.parse("耳机坏了 去哪里维修").objects
    # a cancel request is answered about cancelling, not with dispatch times
    result = assistant.suggest("帮我取消订单吧 不想要了")
    assert "取消" in result.suggestions[0].reply
    dispatch = assistant.engine.adapter.grounder.shop.slots["dispatch_time"]
    assert all(dispatch not in s.reply for s in result.suggestions)


def test_escalation_is_flagged_and_opens_with_an_apology(assistant):
    result = assistant.suggest("你们就是骗子！东西是坏的还不给退 我要投诉 给差评")
    assert result.escalate and "亲自" in result.note
    for suggestion in result.suggestions:
        assert any(m in suggestion.reply[:16] for m in ("抱歉", "对不起", "不好意思", "理解"))
        assert not suggestion.fill_ins  # promise nothing that needs facts the assistant lacks


def test_nonsense_gets_a_holding_reply_and_the_reason(assistant):
    result = assistant.suggest("qwxzv plmkj 123 !!")
    assert result.abstained and result.abstain_reason
    assert result.suggestions[0].holding
    assert len(result.suggestions) == 1  # never padded with unrelated cases


def test_json_carries_context_fill_ins_and_changes(assistant):
    data = assistant.suggest("我160 50kg穿什么码").to_dict()
    assert data["context"]["stage"] == "browsing"
    assert {(f["kind"], f["value"]) for f in data["context"]["facts"]} >= {
        ("height", "160"),
        ("weight", "100斤"),
    }
    assert {"abstained", "abstain_reason", "escalate"} <= set(data)
    top = data["suggestions"][0]
    assert {"fill_ins", "changes", "ready"} <= set(top)
    assert all({"was", "now", "why"} == set(c) for c in top["changes"])


def test_cli_reads_conversations_as_jsonl(assistant, tmp_path):
    path = tmp_path / "conversations.jsonl"
    path.write_text(
        json.dumps(
            {"message": "那L呢", "history": ["买家: 卫衣M码有吗", "客服: M码有现货哦"]}, ensure_ascii=False
        )
        + "\nnot json\n"
        + json.dumps({"message": "在吗"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    settings = assistant.settings
    result = runner.invoke(
        cli,
        ["--data-dir", str(settings.data_dir), "suggest", "--file", str(path), "--json"],
        catch_exceptions=False,
    )
    lines = [json.loads(line) for line in result.stdout.strip().split("\n")]
    assert len(lines) == 3
    assert lines[0]["context"]["facts"] and lines[0]["message"] == "那L呢"
    assert lines[1]["error"].startswith(f"{path}:2: bad JSON")
    assert lines[2]["scenario"] == "greeting"
    assert "那L呢" in result.stdout  # Chinese as UTF-8 text, not \\u escapes


# ----------------------------------------------------------------------------- corpus lint


def test_lint_lists_facts_outside_slots(tmp_path, assistant):
    copy = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", copy, ignore=shutil.ignore_patterns(".*"))
    case = {
        "id": "planted-001",
        "buyer": "穿什么码",
        "reply": "亲，您165cm 110斤穿这个码，面料很舒服，明天就发",
        "scenario": "size_advice",
        "stage": "pre_sale",
    }
    with (copy / "cases" / "planted.jsonl").open("w", encoding="utf-8") as out:
        out.write(json.dumps(case, ensure_ascii=False) + "\n")
    from assistant.core import Assistant

    findings = [
        f for f in Assistant(assistant.settings.replace(corpus_dir=copy)).lint() if f.case_id == "planted-001"
    ]
    texts = {f.text for f in findings}
    assert {"165cm", "110斤", "明天"} <= texts
    assert any(f.kind == "category" for f in findings)  # 面料 without "categories"
    assert all(str(f).startswith(str(copy / "cases" / "planted.jsonl") + ":1:") for f in findings)


def test_shipped_corpus_passes_lint():
    result = CliRunner().invoke(cli, ["corpus", "lint"])
    assert result.exit_code == 0, result.output


def test_catalog_stock_covers_only_the_sizes_and_colours_the_catalog_lists(extractor, grounder):
    # the running shoes are listed in 35-44: their stock says nothing about 45
    beyond = grounder.ground(
        "亲，{asked}的库存：{stock_status}", conversation_state("跑鞋45码还有吗", [], extractor)
    )
    assert "有现货" not in beyond.reply and "【" in beyond.reply
    listed = grounder.ground(
        "亲，{asked}的库存：{stock_status}", conversation_state("跑鞋42码还有吗", [], extractor)
    )
    assert "有现货" in listed.reply
    change = next(c for c in listed.changes if c.now == "有现货")
    assert change.why.startswith("商品目录")  # where it came from, not "this conversation"
    # a range (36-37) covers its sizes; a colour the catalog lacks is not covered
    assert (
        "【" not in grounder.ground("{stock_status}", conversation_state("拖鞋37码有吗", [], extractor)).reply
    )
    assert "【" in grounder.ground("{stock_status}", conversation_state("T恤紫色有吗", [], extractor)).reply


def test_an_angry_emoji_chases_and_is_about_the_last_message(extractor, assistant):
    state = conversation_state(
        "😡😡😡", turns("买家: 我的快递怎么三天没动了", "客服: 亲，我帮您查一下"), extractor
    )
    assert state.nudge and state.upset
    # a friendly emoji is not a chase
    assert not conversation_state("👍", turns("买家: 快递到哪了", "客服: 明天到"), extractor).nudge
    result = assistant.suggest("😡😡😡", history=["买家: 我的快递怎么三天没动了", "客服: 亲，我帮您查一下"])
    assert result.detection.scenario != "farewell"
    for suggestion in result.suggestions:
        assert not re.search(r"再见|祝您生活愉快|下次", suggestion.reply), suggestion.reply
        assert re.search(r"抱歉|不好意思|久等|着急", suggestion.reply), suggestion.reply


def test_replies_that_assume_a_returning_customer_need_the_buyer_to_have_said_so(assistant):
    loyal = re.compile(r"老顾客|一直(以来)?的?(支持|照顾)|欢迎(您)?回来")
    for suggestion in assistant.suggest("亲 这个羽绒服会钻绒吗").suggestions:
        assert not loyal.search(suggestion.reply), suggestion.reply
    for suggestion in assistant.suggest("老顾客能不能给个折扣").suggestions:
        assert not re.search(r"您(已经|已)?(是|享受|享有|有).{0,6}会员", suggestion.reply), suggestion.reply
    said = assistant.suggest("我在你家买过好几件了 这个羽绒服会钻绒吗").suggestions
    assert any(loyal.search(s.reply) for s in said)  # a buyer who said so may be thanked for it


APOLOGY = ("抱歉", "对不起", "不好意思")


def test_a_complaint_in_a_two_part_message_comes_first(assistant, extractor):
    result = assistant.suggest("收到的饼干盒子压扁了，里面碎了好几块，另外能开发票吗")
    assert result.detection.scenario == "quality_complaint"
    assert any(m in result.suggestions[0].reply[:16] for m in APOLOGY)
    # the complaint is handled first, the buyer's other question second
    both = assistant.suggest("杯子收到就裂了，怎么处理？另外发票能开吗")
    assert both.detection.moved_from == "invoice"
    top = both.suggestions[0].reply
    assert top.index("照片") < top.index("发票"), top
    # held, the complaint is what the holding reply names, not the other question
    message = "刚收到的坚果袋子破了个口，这个怎么办？顺便问下能开发票吗"
    holding = assistant.engine.adapter.holding_reply(
        message, (), "quality_complaint", assistant.conversation(message)
    )
    # (坚果破了的情况: the fault in the buyer's words, the WORDING engineer's holding; or 问题)
    assert "发票" not in holding.reply and re.search(r"破|问题", holding.reply), holding.reply
    # a question about whether it may break is no complaint
    assert extractor.complaint("这个杯子摔了会碎吗") == []
    assert extractor.complaint("狗狗吃多了会拉肚子吗") == extractor.escalation("狗狗吃多了会拉肚子吗") == []
    assert extractor.complaint("快急坏了 什么时候发货") == []
    assert assistant.detect("能开发票吗 要电子的").scenario == "invoice"


def test_the_shops_jia_is_not_part_of_the_item(assistant):
    assert assistant.conversation("猫吃了你们家猫粮一直呕吐").item.text == "猫粮"
    assert assistant.conversation("想买个家居收纳盒").item.text == "家居收纳盒"


def test_health_and_fakes_escalate_as_complaints(assistant):
    for message in ("宝宝用了你们的湿巾屁股起疹子了，怎么弄", "你们卖的是假货吧，我要投诉"):
        result = assistant.suggest(message)
        assert result.escalate, message
        assert result.detection.scenario == "quality_complaint", message
        for suggestion in result.suggestions:
            assert any(m in suggestion.reply[:16] for m in APOLOGY), message
            assert not suggestion.fill_ins


def test_the_buyers_skin_type_and_season_and_item_wording_hold(assistant, extractor):
    for suggestion in assistant.suggest("冬天干皮用哪款面霜好？200以内").suggestions:
        assert not re.search(r"保暖|油皮|夏天", suggestion.reply), suggestion.reply
    assert extractor.foreign_wording("保暖又实用", "beauty") == ["保暖"]
    assert extractor.foreign_wording("保暖又实用", "apparel") == []


def test_what_the_buyer_named_is_not_asked_again_or_stretched(assistant):
    for suggestion in assistant.suggest("这口炒锅电磁炉上能用吗").suggestions:
        assert not re.search(r"(哪种|什么)(灶|炉)", suggestion.reply), suggestion.reply
    for suggestion in assistant.suggest("这双运动鞋偏大还是偏小 我一般穿41").suggestions:
        assert not re.search(r"(选|拿|买)(大|小)一(档|码|号)", suggestion.reply), suggestion.reply
    for suggestion in assistant.suggest("26cm的锅和32cm的哪个适合两个人用").suggestions:
        assert "中间" not in suggestion.reply, suggestion.reply


def test_a_threshold_the_agent_stated_wins_over_the_shop_profile(extractor, grounder, corpus):
    shop = corpus.shop.slots["free_shipping_threshold"]
    assert shop != "49元"
    said = conversation_state(
        "差一点 能包邮吗", turns("买家: 运费多少", "客服: 亲 满49包邮哦 不满是8元"), extractor
    )
    filled = grounder.ground("亲，包邮门槛是{free_shipping_threshold}，我这边改不了", said)
    assert filled.ok and "49元" in filled.reply and shop not in filled.reply, filled.reply
    assert not filled.fill_ins and any(c.now == "49元" for c in filled.changes)
    # a coupon's threshold (满199可用) is no free-shipping rule: the profile's stays
    coupon = conversation_state("能包邮吗", turns("客服: 亲 店铺券满199可用"), extractor)
    assert shop in grounder.ground("包邮门槛是{free_shipping_threshold}", coupon).reply


def test_a_surcharge_the_agent_stated_wins_over_the_shop_profile(extractor, grounder, corpus):
    shop = corpus.shop.slots["remote_surcharge"]
    assert shop != "18元"
    said = conversation_state(
        "两件也要补吗", turns("买家: 寄西藏包邮吗", "客服: 亲 西藏偏远 需要补运费18元哦"), extractor
    )
    filled = grounder.ground("亲，西藏属于偏远地区，需要补{remote_surcharge}运费～", said)
    assert filled.ok and "18元" in filled.reply and shop not in filled.reply, filled.reply
    assert not filled.fill_ins and any(c.now == "18元" for c in filled.changes)
    # an amount of another rule (满199减20) is no surcharge: the profile's stays
    other = conversation_state("西藏要补吗", turns("客服: 亲 满199减20哦"), extractor)
    assert shop in grounder.ground("需要补{remote_surcharge}运费", other).reply


@pytest.mark.parametrize(
    ("message", "history", "named", "absent"),
    [
        # wordings of our own: the courier asked for that the shop does not use is named
        ("能走申通吗 别家送不到我们这", [], "申通这家", ""),
        # 顺丰 at a surcharge is the shop's own courier, never refused
        ("能发顺丰吗", [], "顺丰", "顺丰这家"),
    ],
)
def test_the_courier_asked_for_is_named_when_refused(assistant, message, history, named, absent):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert named in top.reply and not (absent and absent in top.reply), top.reply


@pytest.mark.parametrize(
    ("first", "second", "chat", "foreign"),
    [
        # a cloth the chat never named (a linen shirt's chat, a denim half)
        (
            "亚麻衬衫透气性很好，夏天穿不闷。",
            "牛仔面料头几次洗会掉一点色。",
            "这件亚麻衬衫透气吗 会掉色吗",
            True,
        ),
        # a parcel on its way in a chat about a refund only
        ("退款原路退回，一般1到3个工作日到账。", "快递员派送前会电话联系您。", "仅退款 钱什么时候回来", True),
        # the opposite of the first half
        (
            "这款羽绒服正常水洗不会缩水。",
            "第一次洗会有轻微回缩，平铺晾干就好。",
            "羽绒服能水洗吗 缩不缩",
            True,
        ),
        ("按洗标洗不起球。", "正常穿着会有少量起球，用去球器修一下。", "毛衣起球吗", True),
        # the chat's own cloth, and a parcel the buyer asked about: joined
        ("羊毛开衫建议手洗。", "羊毛的平铺晾干就不会变形。", "羊毛开衫怎么洗 会变形吗", False),
        ("退款审核后原路退回。", "包裹在驿站的话快递员会再派送。", "包裹到驿站了吗 退款呢", False),
    ],
)
def test_a_joined_half_about_another_thing_is_not_joined(assistant, first, second, chat, foreign):
    adapter = assistant.engine.adapter
    one = adapter_suggestion(first)
    other = adapter_suggestion(second)
    assert adapter.foreign_half(one, other, chat) is foreign


def adapter_suggestion(reply: str):
    from assistant.adaptation import Suggestion

    return Suggestion(reply, 1.0, (), "quality_question")


@pytest.mark.parametrize(
    ("message", "history", "unsaid"),
    [
        # a buyer who wants a return instead of the repair offered is not told they want an exchange
        ("不想修 能直接退吗", ["买家: 耳机左边没声音了", "客服: 亲 在保修期内可以寄回维修"], "想换"),
        ("修好了还会坏吧 我要退", ["买家: 吹风机不出热风了", "客服: 亲 一年内免费保修的哦"], "想换"),
    ],
)
def test_a_wish_the_buyer_did_not_say_is_not_read_into_the_reply(assistant, message, history, unsaid):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert unsaid not in top.reply, top.reply


def test_metre_before_colour_is_no_length(extractor):
    # 38 米色 is a size and a colour, not 38 metres; 1.5米的床 stays a length
    kinds = [(f.kind, f.text.strip()) for f in extractor.extract("凉鞋拍了38 米色")]
    assert ("colour", "米色") in kinds and not any(k == "spec" for k, _ in kinds), kinds
    assert ("spec", "1.5米") in [(f.kind, f.text) for f in extractor.extract("1.5米的床用哪个")]


def test_adjusting_a_colour_is_no_colour_of_the_goods(extractor):
    # 怎么调色温 asks how to set a lamp's colour temperature: no 么调色 colour to name or to ground
    assert [f for f in extractor.extract("台灯怎么调色温") if f.kind == "colour"] == []
    assert [f.text for f in extractor.extract("粉色的有吗 调色盘也要") if f.kind == "colour"] == ["粉色"]


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (
            ["买家: 店庆活动满299减40 我挑了两条裤子", "客服: 亲 两条是318 满299能减40"],
            "再加一双袜子 能减多少",
        ),
        (
            ["买家: 周年庆满159减15 我先放了一个保温杯", "客服: 亲 保温杯129 还差30"],
            "那我再拿个杯套凑一下 一共能减多少",
        ),
    ],
)
def test_an_offer_the_buyer_stated_is_not_contradicted_by_the_shops(assistant, corpus, history, message):
    # the chat's 满299减40 is the offer under discussion: the shop profile's own promotion is another
    # shop's fact here, whoever stated the chat's first
    promotion = corpus.shop.slots["promotion"]
    for suggestion in assistant.suggest(message, history=history).suggestions:
        assert promotion not in suggestion.reply, suggestion.reply
