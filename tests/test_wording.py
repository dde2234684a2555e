"""How a suggestion reads once adapted (issue 12, judges' notes): a holding reply to a calm buyer
who has bought nothing opens with no apology; it carries the value the buyer gave of themselves
(我155); a buyer who will think it over hears the item weighed named; an order's request or check
is said in the agent's voice, never the buyer's words quoted back."""

from __future__ import annotations

import re

import pytest

from assistant.conversation import conversation_state

APOLOGY = ("抱歉", "不好意思", "对不起")


def _holding(assistant, message: str, history: list[str], scenario: str) -> str:
    state = assistant.conversation(message, history)
    adapter = assistant.engine.adapter
    return adapter.holding_reply(message, assistant._history(history), scenario, state).reply


@pytest.mark.parametrize(
    ("message", "history", "scenario"),
    [
        # a doubt before buying, read as a complaint: reassured, not apologised to
        ("网上都说这牌子是假的 你们这个是正品吗", [], "quality_complaint"),
        ("会不会洗几次就变形啊 便宜没好货吧", [], "quality_complaint"),
        # a pre-sale question a complaint scenario was read for
        ("宝宝八个月 用哪个尺寸的好", ["买家: 这个餐椅能调高度吗", "客服: 亲 能调三档"], "quality_complaint"),
    ],
)
def test_a_calm_buyer_before_ordering_is_not_apologised_to(assistant, message, history, scenario):
    reply = _holding(assistant, message, history, scenario)
    assert not any(w in reply for w in APOLOGY), reply
    assert "负责跟进" not in reply  # nor the complaint template


@pytest.mark.parametrize(
    ("message", "history", "scenario"),
    [
        ("杯子收到就裂了 怎么弄", [], "quality_complaint"),  # a problem now
        ("那现在怎么办", ["买家: 台灯用了两天就不亮了", "客服: 亲 麻烦拍个视频"], "quality_complaint"),
        ("都说你们是假货 我要投诉", [], "quality_complaint"),  # a threat
    ],
)
def test_a_buyer_with_a_problem_keeps_the_apology(assistant, message, history, scenario):
    reply = _holding(assistant, message, history, scenario)
    assert any(w in reply for w in APOLOGY), reply


def test_a_holding_reply_carries_the_value_the_buyer_gives_of_themselves(assistant):
    reply = _holding(assistant, "这条半身裙会不会太长 我才152", [], "size_advice")
    assert "您152" in reply and "我" not in reply.replace("我帮您", "").replace("我马上", "").replace(
        "我这就", ""
    )
    reply = _holding(assistant, "卧室12平 放多大的床合适", [], "recommendation")
    assert "卧室12平的话" in reply


def test_a_buyer_thinking_it_over_hears_the_item_named(assistant):
    history = ["买家: 这款保温杯能装热牛奶吗", "客服: 亲 可以的"]
    result = assistant.suggest("那我回去再考虑考虑", history=history)
    top = result.suggestions[0].reply
    assert "保温杯" in top, top
    assert "商品保温杯" not in top


@pytest.mark.parametrize(
    ("message", "history", "said", "not_said"),
    [
        ("付了 记得给我多放两双一次性筷子", [], "已经给您备注：多放两双一次性筷子", "给我"),
        ("下单了 送人的 帮我备注别放发票", [], "别放发票", "“"),
        ("刚拍了 帮我看下减了30吗", [], "看看是不是减了30", "帮我"),
        ("拍了 帮我看看有没有送杯垫 地址你也看下对不对", [], "看看有没有送杯垫", "对不对"),
    ],
)
def test_an_order_request_or_check_is_said_in_the_agents_voice(
    money, extractor, message, history, said, not_said
):
    state = conversation_state(message, [], extractor)
    found = money.orders.request(message, "order_placed", state, None)
    assert found is not None
    reply = found[0]
    assert said in reply and not_said not in reply and "您问的" not in reply and "您交代的" not in reply, (
        reply
    )


def test_a_check_that_only_asks_for_a_look_is_promised_the_look(money, extractor):
    state = conversation_state("刚付款 你看下对不对", [], extractor)
    found = money.orders.request("刚付款 你看下对不对", "order_placed", state, None)
    assert found is None or ("核对一下订单，稍等" in found[0] and "看看" not in found[0])


def test_a_shop_slot_never_repeats_the_words_before_it(grounder, extractor):
    state = conversation_state("会员有优惠吗", [], extractor)
    benefit = grounder.shop.slots["member_benefit"]  # 会员每单额外95折
    reply, _, _ = grounder.fill("亲，会员有{member_benefit}，结算时自动生效。", state)
    assert benefit[2:] in reply and "会员有会员" not in reply, reply
    invoice = grounder.shop.slots["invoice_time"]  # 确认收货后3个工作日
    reply, _, _ = grounder.fill("好的，确认收货后{invoice_time}内开好。", state)
    assert reply.count(invoice[:5]) == 1, reply
    # a value that does not repeat its lead-in is left whole
    reply, _, _ = grounder.fill("普票{invoice_time}内开好。", state)
    assert invoice in reply


def test_topics_ending_alike_are_said_once(assistant):
    intents = assistant.engine.adapter.intents
    topic = intents.topic("退款什么时候到 价保怎么申请")
    assert topic.count("的情况") <= 1 and topic.count("的问题") <= 1, topic


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("下好单了 帮我看看优惠券用上了没", "看看优惠券用上了没有"),
        ("付款了 你帮我查下是不是顺丰发", "看看是不是顺丰发"),
    ],
)
def test_a_check_is_said_as_what_will_be_looked_at(money, extractor, message, said):
    state = conversation_state(message, [], extractor)
    found = money.orders.request(message, "order_placed", state, None)
    assert found is not None and said in found[0] and "帮您帮您" not in found[0], found


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("这款台灯是护眼的吗 会不会闪", ("护眼", "闪")),
        ("会不会晃 承重多少", ("晃", "承重")),
        ("还有 能放锡纸吗 炸鸡翅要多久", ("锡纸", "多久")),
    ],
)
def test_a_holding_reply_drops_none_of_two_questions(assistant, message, named):
    reply = _holding(assistant, message, [], "quality_question")
    assert all(word in reply for word in named), reply


def test_a_topic_naming_every_question_is_kept(assistant):
    reply = _holding(assistant, "这个短袖是不是正品啊 会不会一洗就变形", [], "quality_question")
    assert "变形" in reply and "正品" in reply, reply


def test_a_promise_is_named_as_it_was_made(assistant):
    history = ["买家: 我要的是香辣的 发成五香了", "客服: 亲 非常抱歉 马上给您补发香辣的"]
    reply = _holding(assistant, "补发的到了 怎么又是五香的？？", history, "quality_complaint")
    assert "补发的香辣" in reply and "五香补发" not in reply, reply


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("拍了 漏了一半", ["买家: 猫砂收到了 袋子破了洒一箱", "客服: 亲 抱歉 拍个照"]),
        (
            "这质量也太差了 一周就开胶 我要退",
            ["买家: 靴子穿了一周开胶了", "客服: 亲 拍个照片看下", "买家: [图片]"],
        ),
        ("水杯漏水了 照片发你了 怎么处理", []),
    ],
)
def test_a_photo_the_buyer_sent_is_not_asked_for_again(assistant, message, history):
    for suggestion in assistant.suggest(message, history=history).suggestions[:1]:
        assert not re.search(
            r"(拍|发)[张个一下]*[^，。]{0,8}(照片|视频)[^，。]{0,4}(发给我|给我|发我)", suggestion.reply
        ), suggestion.reply


def test_a_photo_is_still_asked_of_a_buyer_who_sent_none(assistant):
    reply = assistant.suggest("杯子收到就裂了 怎么弄").suggestions[0].reply
    assert "收到了，" not in reply or "照片" not in reply, reply


def test_a_corrected_detail_is_acknowledged_not_asked_for(assistant):
    from assistant.received import acknowledged

    kinds = assistant.engine.adapter.rules.received
    turns = [("buyer", "已拍"), ("agent", "亲 订单收到啦"), ("buyer", "电话号码填错了 最后一位是7不是1")]
    reply = acknowledged(
        "好的亲，麻烦您把新的收货信息发我，趁还没发货我马上帮您修改。", "change_address", turns, kinds
    )
    assert reply == "好的亲，最后一位是7，我记下了，趁还没发货我马上帮您修改。", reply
    # nothing given: the question stays
    turns = [("buyer", "地址填错了")]
    asked = "好的亲，麻烦您把新的收货信息发我，趁还没发货我马上帮您修改。"
    assert acknowledged(asked, "change_address", turns, kinds) == asked


@pytest.mark.parametrize(
    ("message", "history", "named"),
    [
        (
            "封口膜都破了 你让孩子喝这个？赶紧给我换 不然12315",
            ["买家: 奶粉罐收到是瘪的", "客服: 亲 不影响"],
            "封口膜破了",
        ),
        ("一套6个碎了俩 补发还是退钱", ["买家: 玻璃碗收到碎了两个", "客服: 亲 拍下照片"], "碎了"),
        ("过期了还卖？？我要举报", [], "过期"),
    ],
)
def test_a_held_complaint_names_the_fault_the_buyer_named(assistant, message, history, named):
    reply = _holding(assistant, message, history, "quality_complaint")
    assert named in reply and "商品的问题" not in reply, reply


@pytest.mark.parametrize(
    ("message", "history", "item"),
    [
        ("我先看看吧 再比比", ["买家: 腊肠多少钱一斤", "客服: 亲 68一斤 广式的"], "腊肠"),
        ("有点小贵 我再看看", ["买家: 这款智能喂食器多少钱", "客服: 亲 活动价329哦"], "智能喂食器"),
        ("行吧我先看看", ["买家: 牙刷软毛吗", "客服: 亲 超细软毛"], "牙刷"),
    ],
)
def test_a_buyer_thinking_it_over_hears_an_item_the_vocabulary_lacks(assistant, message, history, item):
    top = assistant.suggest(message, history=history).suggestions[0].reply
    assert item in top, top


@pytest.mark.parametrize(
    "text", ["行吧我先看看", "买给我妈的 她血糖有点高", "这条碎花的和纯色那条哪个显瘦", "钱先不付"]
)
def test_no_noun_is_made_of_words_that_are_not_one(assistant, text):
    assert assistant.engine.adapter.buyer_noun([text]) == ""


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("收到的杯子裂了", "杯子裂了"),
        ("酱油瓶漏了 箱子都湿了", "酱油瓶漏了"),
        ("鸡蛋碎了好几个", "鸡蛋碎了"),
        ("上次买的饼干碎了", "把饼干碎了"),
    ],
)
def test_a_photo_asked_for_a_complaint_names_the_fault(assistant, message, named):
    top = assistant.suggest(message).suggestions[0].reply
    assert named in top and "麻烦您拍张照片" not in top, top


def test_a_photo_the_buyer_says_they_sent_at_the_end_of_a_message_is_not_asked_again(assistant):
    history = ["买家: 蜡烛收到 玻璃罐裂了", "客服: 亲 非常抱歉 拍个图看看"]
    top = assistant.suggest("盒子也是压扁的 我拍了", history=history).suggestions[0].reply
    assert not re.search(r"拍张照片|拍个照片", top), top


def test_a_stock_lookup_names_what_it_checks_in_the_agent_s_voice(assistant):
    # (not 您问的2斤核桃我马上帮您查一下库存: the judges read a quoted ask as stiff)
    top = assistant.suggest("2斤装的核桃还有货吗").suggestions[0].reply
    assert "2斤核桃的库存" in top and "您问的" not in top, top


@pytest.mark.parametrize(
    ("message", "said"),
    [("起球吗 洗了会缩吗", "会不会起球"), ("掉毛吗 洗了会皱吗", "会不会掉毛")],
)
def test_a_change_asked_without_a_modal_is_held_as_whether_it_will_happen(assistant, message, said):
    reply = _holding(assistant, message, ["买家: 这款是纯棉的吗", "客服: 亲 是的"], "quality_question")
    assert said in reply and "是不是" not in reply, reply


def test_a_stock_lookup_says_a_colour_its_item_phrase_names_once(assistant):
    top = assistant.suggest("这款米色平底锅26cm的还有吗").suggestions[0].reply
    assert "26cm米色平底锅" in top and top.count("米色") == 1, top


@pytest.mark.parametrize("message", ["充电头是原装的吗 会不会把手机充坏", "这个数据线会不会把手机弄坏"])
def test_a_verb_s_把_is_no_part_named_in_a_holding_reply(assistant, message):
    reply = _holding(assistant, message, [], "quality_question")
    assert "把手的" not in reply and "和把手" not in reply, reply


@pytest.mark.parametrize(
    ("message", "history", "fault"),
    [
        # the photo arrives after the fault was told: said received, the fault named in their words
        ("[图片] 就是这里", ["买家: 保温壶收到 壶盖裂开了", "客服: 亲 抱歉 麻烦拍个照片"], "壶盖裂开"),
        # an outer box's dent told last is not the fault the goods have
        ("[图片] 外包装也压扁了", ["买家: 台灯底座断了", "客服: 亲 抱歉 拍一下"], "底座断了"),
        ("[图片] 箱子好好的 就是少两袋", ["买家: 挂面6袋装 收到了", "客服: 亲 拍下外箱哦"], "少两袋"),
    ],
)
def test_a_complaint_reply_names_the_fault_the_buyer_told(assistant, message, history, fault):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert fault in reply, reply


def test_a_fault_is_told_only_in_the_buyers_words_and_never_from_a_question(assistant):
    from assistant.holding import fault_said

    wording = assistant.engine.adapter.rules.wording
    assert fault_said(["刚收到的音箱 右边喇叭没声音"], wording)[0] == "右边喇叭没声音"
    assert fault_said(["罐子 盖子都裂开了 撒了一地"], wording)[0] == "罐子盖子都裂开了"
    # a question, a worry, an intensifier or a bare 坏了 tells no fault
    for said in (
        ["这个会不会掉色"],
        ["杯子有没有异味"],
        ["怕路上压坏了"],
        ["热死了"],
        ["坏了"],
        ["少3个G也正常？"],
    ):
        assert fault_said(said, wording) == ("", ""), said


def test_a_holding_reply_to_how_a_told_fault_is_handled_names_it(assistant):
    reply = _holding(
        assistant,
        "视频发了 怎么处理",
        ["买家: 加湿器收到 水箱漏水", "客服: 亲 抱歉 拍个视频"],
        "quality_complaint",
    )
    assert "水箱漏水的情况" in reply, reply
    # …not a question of its own about something else
    reply = _holding(
        assistant, "能开发票吗", ["买家: 加湿器收到 水箱漏水", "客服: 亲 抱歉 拍个视频"], "invoice"
    )
    assert "漏水" not in reply, reply


@pytest.mark.parametrize(
    ("message", "history", "scenario", "broken"),
    [
        # a request to the agent is not restated as a question to check
        (
            "那下个月到了提醒我一下行吗",
            ["买家: 抹茶味还有吗", "客服: 亲 抹茶味断货了 下个月补"],
            "stock",
            "行不行",
        ),
        ("那到了通知我一下好吗", ["买家: 白色37还有吗", "客服: 亲 白色37断货了 下周补"], "stock", "通知您"),
        ("那帮我下单行不行", ["买家: 就要这个", "客服: 亲 好的"], "order_placed", "行不行"),
        # a number the buyer's words go on past is not named cut (9个 of 9个G / 三个 of 三个人)
        (
            "少9个G也正常？",
            ["买家: U盘128G 实际只有119G", "客服: 亲 格式化后会少一部分容量"],
            "quality_question",
            "9个的",
        ),
        ("想买个锅 三个人用 推荐一个", [], "recommendation", "三个的"),
        # the 这 of 这次 is not cut off (次还是老样子), nor is 还是老样子 asked
        (
            "这次还是老样子 黑色39 刚拍了",
            ["买家: 我在这买过好几次了", "客服: 谢谢亲"],
            "order_placed",
            "还是老样子",
        ),
    ],
)
def test_a_holding_reply_does_not_echo_broken_words(assistant, message, history, scenario, broken):
    reply = _holding(assistant, message, history, scenario)
    assert broken not in reply, reply


def test_a_modal_alone_is_no_question_to_check(assistant):
    from assistant.holding import question_form

    wording = assistant.engine.adapter.rules.wording
    assert question_form("可以吗", wording, None, None) == ""  # not 核实一下可不可以
    assert question_form("冷水泡可以吗", wording, None, None) == "冷水泡可不可以"


def test_a_number_is_named_with_the_unit_the_buyer_said(assistant):
    reply = _holding(assistant, "帮我穿26磅的线", ["买家: 球拍能穿线吗", "客服: 亲 可以的"], "usage_question")
    assert "26磅" in reply, reply


@pytest.mark.parametrize(
    ("message", "history", "value"),
    [
        ("能放进消毒柜吗", ["买家: 水杯350ml 怎么清洗", "客服: 亲 用软毛刷就行"], "350ml"),
        ("S码会不会紧", ["买家: 胸背带 柯基12kg穿什么码", "客服: 亲 建议M码"], "12kg"),
        ("冬天会不会干", ["买家: 这款面霜 油皮能用吗", "客服: 亲 可以的 很清爽"], "油皮"),
    ],
)
def test_a_follow_up_is_held_with_the_values_of_the_question_before(assistant, message, history, value):
    reply = _holding(assistant, message, history, "quality_question")
    assert value in reply, reply


def test_a_gift_the_buyer_asks_for_is_not_echoed_broken(assistant):
    for message, history in (
        ("可以多送点吗 我买三个", ["买家: 这个保温杯多少钱", "客服: 亲 89"]),
        ("那再送个杯子呗", ["买家: 这个杯子多少钱", "客服: 亲 价格是统一的"]),
    ):
        reply = assistant.suggest(message, history=history).suggestions[0].reply
        assert "送点吗" not in reply and "杯子暂时没有送杯子" not in reply, reply


def test_the_dimensions_the_buyer_gives_are_held_before_the_agents_values(assistant):
    history = ["买家: 床单1.5米床用哪个", "客服: 亲 1.5米床选1.8m床单款 被套200*230"]
    reply = _holding(assistant, "我被子是180*220的 能用吗", history, "size_advice")
    assert "180*220的话" in reply and "1.8m" not in reply, reply
    # …and a value of whom it is for needs a question to be read right (not 您15的我帮您看一下)
    reply = _holding(assistant, "我15 pro", [], "stock")
    assert "您15的" not in reply, reply


def test_the_me_of_shenme_is_no_yes_no_ending(assistant):
    from assistant.holding import question_form

    wording = assistant.engine.adapter.rules.wording
    assert question_form("该准备什么", wording, None, None) == "该准备什么"  # not 是不是该准备什
    assert question_form("能用么", wording, None, None) == "能不能用"


@pytest.mark.parametrize(
    ("message", "history"),
    [
        # wordings of our own: a fault told before and a new grievance now, then a threat
        ("你们这什么质量 差评等着", ["买家: 保温杯盖子裂了", "客服: 亲 是不是摔过"]),
        ("你意思是我摔的？差评等着", ["买家: 保温杯盖子裂了", "客服: 亲 是不是摔过"]),
        ("视频发了 这质量我要投诉 要退货", ["买家: 电热毯用了一晚就不热了", "客服: 亲 麻烦拍个视频"]),
        # a suspicion with a threat, no fault told: the topic is named once
        ("收到的奶粉批号对不上 你们卖假货吧 我要投诉", []),
    ],
)
def test_an_escalated_holding_reply_names_the_problem_once(assistant, message, history):
    """Judges mark down 您的问题我来负责跟进，X的问题我现在就为您核实处理 and a told fault followed by
    another topic: the escalation reply names the buyer's problem once."""
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert "负责跟进" in reply, reply
    assert len(re.findall(r"的(问题|情况)", reply)) <= 1, reply
    assert "您的问题" not in reply, reply


@pytest.mark.parametrize(
    ("message", "new"),
    [
        # wordings of our own: a question's 不 and the 的是 of 我想要的是 are no part of the new value
        ("能改成L不 我量了一下腰", "改成L，"),
        ("不对 我想要的是燕麦色 能换吗 还没发吧", "改成燕麦色，"),
        ("改成32码不 刚比了一下", "改成32码，"),
    ],
)
def test_an_order_change_reads_back_the_clean_new_value(assistant, message, new):
    history = ["买家: 拍了 卡其色 M码", "客服: 好的亲 已看到订单"]
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert new in reply, reply


def test_a_stock_lookup_does_not_apologise_for_a_shortage_nobody_confirmed(assistant):
    reply = assistant.suggest("风衣卡其色L码还有吗").suggestions[0].reply
    assert "库存" in reply and not any(w in reply for w in APOLOGY), reply


@pytest.mark.parametrize(
    ("message", "history"),
    [
        # wordings of our own: a late parcel chased, the reply already promising a check
        (
            "都第五天了还没到 物流也不更新",
            ["买家: 台灯什么时候到", "客服: 亲 已经发了 中通 一般2-3天", "买家: 好"],
        ),
        ("到哪了 我没收到啊", ["买家: 我的书包到哪了", "客服: 亲 显示已签收"]),
    ],
)
def test_a_joined_reply_never_promises_the_check_twice(assistant, message, history):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert len(re.findall(r"\d+\s*小时内|马上帮您查|马上联系|核实", reply)) <= 2, reply
    assert "另外，" not in reply or not re.search(r"另外，.*(小时内|马上帮您查|核实)", reply), reply


@pytest.mark.parametrize(
    ("message", "history"),
    [
        # wordings of our own: the buyer says how long they have waited
        ("快递到哪了 四天了没动", []),
        ("都6天了", ["买家: 台灯什么时候发", "客服: 亲 48小时内发"]),
        ("做好了吗 都第9天了", ["买家: 定制的门牌做好了吗", "客服: 亲 做好了告诉您"]),
        ("圆通显示到县城两天了 就是不送 咋回事", ["买家: 发的什么快递", "客服: 亲 圆通"]),
    ],
)
def test_a_buyer_who_waited_hears_an_apology_first(assistant, message, history):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert any(w in reply[:20] for w in APOLOGY), reply
    assert not reply[12:].startswith("亲，"), reply


@pytest.mark.parametrize("message", ["收到3天了 能退吗", "7天无理由吗", "这个杯子几天能到"])
def test_time_not_waited_gets_no_apology_for_a_wait(assistant, message):
    reply = assistant.suggest(message).suggestions[0].reply
    assert "久等" not in reply, reply


@pytest.mark.parametrize(
    ("message", "history", "values"),
    [
        # wordings of our own: a follow-up naming a colour keeps the size asked before, said once
        ("那灰色的呢", ["买家: 白色40的有吗", "客服: 有的亲 白色40现货"], ("灰色", "40")),
        ("那黑色的呢", ["买家: 蓝色42的有吗", "客服: 有的亲 蓝色42现货"], ("黑色", "42")),
    ],
)
def test_a_follow_up_echoes_each_value_once(assistant, message, history, values):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    for value in values:
        assert reply.count(value) == 1, reply
    assert not re.search(r"(?<!\d)(\d{2})\1(?!\d)", reply), reply


def test_a_question_ending_in_bu_is_restated_once(assistant):
    reply = _holding(assistant, "转让一个九成新的婴儿床 有人要不", [], "non_buyer")
    assert "要不要不" not in reply and "有人要不要" in reply, reply


def test_a_second_half_that_repeats_the_first_is_not_joined(assistant):
    from assistant.adaptation import Suggestion

    first = Suggestion(
        reply="亲，店里支持7天无理由退换，您在订单里申请就可以。",
        score=1.0,
        sources=(),
        scenario="return_policy",
    )
    again = Suggestion(
        reply="您放心，收到不满意支持7天无理由退货。", score=1.0, sources=(), scenario="return_policy"
    )
    other = Suggestion(
        reply="发的是中通快递，一般2到4天到。", score=1.0, sources=(), scenario="return_policy"
    )
    adapter = assistant.engine.adapter
    assert adapter.same_promise(first, again)
    assert not adapter.same_promise(first, other)
