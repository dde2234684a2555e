"""Conversation state (issue 12): the agent's own earlier facts are restated, a follow-up is read
against the agent's last turn, and a problem the agent apologised for keeps its apology."""

from __future__ import annotations

import pytest

SORRY = ("抱歉", "不好意思", "对不起")


def test_agent_courier_is_a_fact_to_restate(assistant):
    state = assistant.conversation(
        "物流两天没动了 怎么回事", ["买家: 我的水杯发货了吗", "客服: 亲 昨天发了 申通快递"]
    )
    assert "申通" in " ".join(state.echo_texts())
    assert state.echo_factor("我马上联系申通核实包裹位置") > state.echo_factor("我马上联系快递核实包裹位置")
    assert state.echo_factor("我马上联系快递核实包裹位置") == 1.0


def test_buyer_values_now_are_restated_but_not_the_item(assistant):
    state = assistant.conversation("那38码的呢", ["买家: 这双凉鞋37码有吗", "客服: 37码有的"])
    texts = state.echo_texts()
    assert any("38" in t for t in texts)
    assert "凉鞋" not in texts  # the item is named by {product} anyway; it earns no rank


def test_follow_up_without_values_refers_to_the_agent_last_values(assistant):
    history = ["买家: 这个保温杯有几种容量", "客服: 亲 有350ml和500ml两种"]
    state = assistant.conversation("上班带 选哪个好", history)
    assert {s.fact.text for s in state.referred(("spec",))} == {"350ml", "500ml"}
    # a follow-up naming its own value is about that value, not the agent's
    assert assistant.conversation("那750ml的呢", history).referred(("spec",)) == []
    # only the agent's turn right before counts
    assert assistant.conversation("选哪个", [*history, "买家: 我想想"]).referred(("spec",)) == []


def test_held_follow_up_names_the_agent_values(assistant):
    history = ["买家: 这个保温杯有几种容量", "客服: 亲 有350ml和500ml两种"]
    result = assistant.suggest("上班带 选哪个好", history=history)
    top = result.suggestions[0]
    if top.holding:
        assert "350ml" in top.reply or "500ml" in top.reply


def test_follow_up_on_a_problem_the_agent_apologised_for_opens_with_an_apology(assistant):
    history = ["买家: 收到的台灯灯罩裂了一条缝", "客服: 非常抱歉亲，麻烦拍张照片给我"]
    state = assistant.conversation("照片发了 给我退了吧", history)
    assert state.apologised and state.upset
    reply = assistant.suggest("照片发了 给我退了吧", history=history).suggestions[0].reply
    assert any(w in reply[:20] for w in SORRY)
    # a calm chat where the agent never apologised is not apologised to
    calm = assistant.conversation("好的 那我拍了", ["买家: 这个台灯有货吗", "客服: 亲 有现货的"])
    assert not calm.apologised and not calm.upset


def test_deadline_is_the_day_the_buyer_needs_it_not_today(assistant):
    state = assistant.conversation(
        "我周六要带去野营 能赶上吗 今天周三", ["买家: 睡袋什么时候发", "客服: 亲 今天发 韵达"]
    )
    assert state.wanted_date() == "周六"
    assert assistant.conversation("今天能发吗", []).wanted_date() is None


def test_will_it_arrive_in_time_restates_the_agent_courier_and_the_buyer_day(assistant):
    history = ["买家: 这个睡袋什么时候发", "客服: 亲 明天上午发出 圆通快递"]
    reply = assistant.suggest("我下周六要去露营 来得及吗", history=history).suggestions[0].reply
    assert "圆通" in reply and "周六" in reply
    assert "中通" not in reply and "韵达" not in reply


def test_a_number_after_a_size_verb_is_a_size_either_side_stated(assistant):
    history = ["买家: 脚长24cm 平时穿38", "客服: 亲 这双偏大 建议拍37"]
    state = assistant.conversation("我脚宽 还是38吧", history)
    assert state.values("size", "agent") == ["37"]
    assert [s.fact.value for s in state.asked_now(("size",))] == ["38"]
    # not an amount or a count
    assert assistant.conversation("买了20件", []).asked_now(("size",)) == []


def test_changing_the_size_before_dispatch_is_done_not_refused_or_an_address_change(assistant):
    history = ["买家: 拍了这条牛仔裤 蓝色29", "客服: 好的亲 明早发货"]
    result = assistant.suggest("不好意思 想改成30的 颜色不变 还没发吧", history=history)
    reply = result.suggestions[0].reply
    assert "30" in reply
    assert "收货信息" not in reply and "发出后就改不了" not in reply
    asked = assistant.engine.adapter.intents.parse("能改成M吗 颜色不变")
    assert "change_spec" in asked.objects and "address" not in asked.objects
    # an address change is still an address change
    assert "change_spec" not in assistant.engine.adapter.intents.parse("地址改成杭州西湖区文三路").objects


def test_an_order_the_agent_schedules_for_dispatch_is_paid(assistant):
    state = assistant.conversation("好的 谢谢", ["买家: 拍了两盒茶叶", "客服: 好的亲 明天圆通发出"])
    assert state.order_stage == "paid"
    # an order announced but not yet scheduled stays ordered; a dispatch promise before any order
    # (下午4点前拍当天发) says nothing of this buyer's payment
    assert assistant.conversation("好的", ["买家: 拍了两盒茶叶", "客服: 好的亲"]).order_stage == "ordered"
    before = assistant.conversation("好的", ["买家: 今天能发吗", "客服: 亲 下午4点前拍当天发"])
    assert before.order_stage == "browsing"


def test_a_problem_with_the_item_in_hand_is_delivered_and_a_remedy_after_sale(assistant):
    told = assistant.conversation("好的", ["买家: 收到碎了一个杯子"])
    assert told.order_stage == "delivered"
    used = assistant.conversation("怎么办", ["买家: 用了你们家洗面奶 脸上起红疹"])
    assert used.order_stage == "delivered"
    remedied = assistant.conversation(
        "那补发的什么时候到", ["买家: 收到碎了一个杯子", "客服: 非常抱歉亲 马上给您补发一个"]
    )
    assert remedied.order_stage == "after_sale"
    # not yet received, or asking about later, is no delivery
    assert assistant.conversation("还没收到 碎了怎么办", []).order_stage != "delivered"
    # a remedy promised before any delivery (补发 of a missing gift at checkout) is no after-sale
    early = assistant.conversation("好的", ["买家: 赠品有吗", "客服: 亲 给您补发一个赠品"])
    assert early.order_stage != "after_sale"


def test_deadline_is_the_day_needed_by_not_today_nor_the_agent_dispatch_day(assistant):
    # today named first (今天周五了 / 今天周三下午拍的) is no deadline; the day marked 前 is
    shipped = ["买家: 定做的啥时候发", "客服: 亲 定做款 周五发出 走韵达"]
    assert assistant.conversation("今天周五了 发了没 下周一前能到成都吗", shipped).wanted_date() == "下周一"
    state = assistant.conversation("今天周三下午拍的 周五中午前能到苏州不", ["买家: 行 刚付了"])
    assert state.wanted_date() == "周五"
    # the agent's dispatch day is never the buyer's deadline
    assert assistant.conversation("发了吗", shipped).wanted_date() is None


def test_deadline_from_an_earlier_buyer_turn_unless_it_has_passed(assistant):
    history = ["买家: 现货吗 下周三我妈生日 要送她", "客服: 亲 现货的 付款后48小时发", "买家: 付了"]
    assert assistant.conversation("什么时候能发", history).wanted_date() == "下周三"
    assert assistant.conversation("一个礼拜了都没发 生日都过了！！", history).wanted_date() is None


def test_no_reply_names_a_deadline_the_buyer_did_not_give(assistant):
    history = ["买家: 定做的啥时候发", "客服: 亲 定做款 周五发出 走韵达"]
    for reply in (
        s.reply for s in assistant.suggest("今天周五了 发了没 下周一前能到成都吗", history).suggestions
    ):
        assert "周五前" not in reply and "周五之前" not in reply and "周五能不能" not in reply
    # a day that has passed is not promised (能否在生日前送到)
    history = ["买家: 现货吗 下周三我妈生日 要送她", "客服: 亲 现货的 付款后48小时发", "买家: 付了"]
    result = assistant.suggest("说好现货 一个礼拜了都没发 生日都过了！！我要投诉你们", history)
    assert not any("生日前" in s.reply for s in result.suggestions)
    # unsure of the day (none named as needed by): no reply guesses one
    for s in assistant.suggest(
        "能快点发吗", ["买家: 什么时候发", "客服: 亲 明天上午发出 申通快递"]
    ).suggestions:
        assert "日期】" not in s.reply


def test_a_price_after_offers_is_no_delivery(assistant):
    # 到手价 / 领券到手 is the price the buyer pays, not the goods in hand: the chat is still before buying
    for agent in ("客服: 亲 活动到手价59 还送杯垫", "客服: 亲 用券后到手79哦", "客服: 亲 这已经是到手价了"):
        assert assistant.conversation("还是有点贵", ["买家: 这个台灯多少", agent]).order_stage == "browsing"
    assert assistant.conversation("刚到手就裂了", ["买家: 台灯"]).order_stage == "delivered"


def test_the_parcel_is_named_by_the_courier_the_agent_gave(assistant):
    intents = assistant.engine.adapter.intents
    state = assistant.conversation(
        "怎么三天了还是那个状态", ["买家: 台灯发了没", "客服: 亲 前天发的 韵达 单号尾号3302"]
    )
    for generic, named in (
        ("刚揽收的包裹要到转运中心扫描后才会更新", "刚揽收的韵达包裹"),
        ("我马上帮您查一下包裹现在的位置", "查一下韵达包裹现在的位置"),
    ):
        assert named in state.with_courier(generic, intents.courier_generic, intents.courier_before)
    # a parcel that is not the one on its way (分开包裹发的) keeps its word
    said = "您的订单是分开包裹发的"
    assert state.with_courier(said, intents.courier_generic, intents.courier_before) == said


def test_a_resend_promised_without_its_object_is_of_the_part_the_buyer_missed(assistant):
    adapter = assistant.engine.adapter
    history = ["买家: 办公椅到了 少了一个轮子", "客服: 亲 不好意思 马上给您补发"]
    message = "补发的今天能寄出吗"
    assert adapter.promised(message, assistant.conversation(message, history)) == ("补发", "轮子")
    assert "轮子" in assistant.suggest(message, history=history).suggestions[0].reply
    # no promise of a replacement: nothing promised
    assert adapter.promised(message, assistant.conversation(message, history[:1])) is None


# the parcel told arrived, a part told missing, praise of use: the item is in hand, whatever the
# newest message is about (a closing, a usage question); the same words not telling it are not
HAS_IT = [
    ("好的 那我先放着", ["买家: 台灯到了 挺亮的", "客服: 谢谢亲"]),
    ("什么时候能补", ["买家: 书架少了三颗螺丝"]),
    ("下次还来你家", ["买家: 猫粮猫咪很爱吃 挺满意的", "客服: 亲 喜欢就好"]),
    ("这个能用洗碗机洗吗", ["买家: 保温杯今天到啦", "客服: 亲 有问题随时找我"]),
]
HASNT_IT = [
    ("好的谢谢", ["买家: 快到了吧", "客服: 亲 明天派送"]),
    ("那什么时候到", ["买家: 物流显示到了杭州", "客服: 亲 在路上了"]),
    ("能帮我查下吗", ["买家: 快递员说送到了 家里没人"]),
    ("听说很好用 有优惠吗", ["买家: 这款吸尘器有货吗"]),
    ("好 拍了", ["买家: 我拍少了一件 能再拍一件一起发吗"]),
]


@pytest.mark.parametrize(("message", "history"), HAS_IT)
def test_an_item_told_in_hand_is_delivered(assistant, message, history):
    assert assistant.conversation(message, history).order_stage in ("delivered", "after_sale")


@pytest.mark.parametrize(("message", "history"), HASNT_IT)
def test_an_item_not_told_in_hand_is_not_delivered(assistant, message, history):
    assert assistant.conversation(message, history).order_stage not in ("delivered", "after_sale")


@pytest.mark.parametrize(
    "history",
    [
        ["买家: 台灯到了 挺亮的", "客服: 谢谢亲喜欢"],
        ["买家: 收到了 试了下能用", "客服: 好的亲 有问题随时联系"],
        ["买家: 补发的袜子收到了", "客服: 亲 给您添麻烦了"],
    ],
)
def test_a_farewell_with_the_item_in_hand_is_not_told_what_to_do_once_it_arrives(assistant, history):
    reply = assistant.suggest("好的 谢谢 拜拜", history=history).suggestions[0].reply
    assert not any(w in reply for w in ("收到后", "签收", "收货", "还没到", "查收", "物流")), reply


# an order of another time, one only meant and a cart's sum weighed against a threshold are no order
# in this chat; an order told is
NOT_ORDERED = [
    ("这次能便宜点吗", ["买家: 上次买的那款面霜还有吗", "客服: 亲 有的"]),
    ("有没有优惠 我在你家买了好几回了", []),
    ("价保多久", ["买家: 怕拍了就降价"]),
    ("还差多少能用券", ["买家: 我拍了158的 差多少满减"]),
]
ORDERED = [
    ("什么时候发", ["买家: 好的那我就拍了"]),
    ("能发顺丰吗", ["买家: 刚拍了 38码"]),
    ("我早就拍了 怎么还不发", []),
]


@pytest.mark.parametrize(("message", "history"), NOT_ORDERED)
def test_an_order_of_another_time_or_only_meant_is_no_order(assistant, message, history):
    assert assistant.conversation(message, history).order_stage == "browsing"


@pytest.mark.parametrize(("message", "history"), ORDERED)
def test_an_order_told_is_an_order(assistant, message, history):
    assert assistant.conversation(message, history).order_stage != "browsing"
