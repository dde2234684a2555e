"""Escalation in conversations (issue 12): harm done to a person or a pet, a demand for redress,
contempt for the shop, and a fear of harm or of a fake after a product complaint flag the chat for a
person; the same words asked as a question before anything went wrong do not."""

from __future__ import annotations

import pytest

ESCALATING = [
    # harm done (a pet, a child, the buyer's skin)
    ("狗狗吃了两天一直拉稀", ["买家: 这款狗粮适合幼犬吗", "客服: 亲 全犬期都可以吃哦"]),
    ("喂了一顿 小猫吃完就吐了", ["买家: 罐头收到了"]),
    ("涂完脸上又红又痒的", ["买家: 精华收到了", "客服: 亲 有问题随时找我"]),
    ("孩子坐上去椅子腿就断了 差点摔着", ["买家: 餐椅装好了"]),
    ("人都送医院了", ["买家: 这批零食吃了肚子疼"]),
    ("狗拉了两天 带它去宠物医院了", ["买家: 狗粮收到了"]),
    # a demand for redress or the police
    ("这事你们今天必须给我个说法", ["买家: 收到的杯子是裂的", "客服: 亲 麻烦拍个照"]),
    ("东西是在你们这买的 你们得负责", ["买家: 充电宝充着充着发烫"]),
    ("快递说签收了我根本没拿到 我去报警", ["买家: 物流显示签收了"]),
    # contempt for the shop
    ("你们售后就这个效率？什么效率", ["买家: 说好昨天补寄", "客服: 亲 抱歉 今天安排"]),
    ("这服务啥态度啊", ["买家: 问个事", "客服: 看详情"]),
    ("光说加急 加急有个屁用", ["买家: 快递几天没动了", "客服: 亲 帮您加急了"]),
    ("消息都不回是吧", ["买家: 退货寄回去三天了 钱呢"]),
    # a fear of harm or of a fake after a product complaint
    ("奶粉结块了 宝宝已经喝了一顿 会不会有事", ["买家: 奶粉罐子是瘪的 压坏了"]),
    ("才用两天就开胶 你们卖的是正品吗", ["买家: 鞋子开胶了", "客服: 亲 抱歉 拍照看看"]),
]

CALM = [
    # the same words asked before anything went wrong, or about something else
    ("这个猫粮吃了会不会吐啊", ["买家: 猫粮有小包装吗", "客服: 亲 有500g的"]),
    ("我皮肤容易泛红 能用吗", ["买家: 这个面霜敏感肌可以吗"]),
    ("是正品吗", ["买家: 这款跑鞋还有42吗", "客服: 亲 有的"]),
    ("不粘锅的涂层安全吗", ["买家: 锅能用电磁炉吗", "客服: 亲 可以的"]),
    ("结晶了 是不是假的", ["买家: 蜂蜜收到了", "客服: 亲 有问题随时找我"]),
    ("安装你们负责吗", ["买家: 书架拍了"]),
    ("这个屁屁霜新生儿能用吗", ["买家: 宝宝红屁股用哪款"]),
    ("要赔多少", ["买家: 我把租的相机摔了"]),
    # a hospital that buys, a fake asked about, a bad review given once and settled
    ("我们是宠物医院 采购一批 能开票吗", ["买家: 驱虫药有大包装吗"]),
    ("有没有假货啊 第一次在你家买", ["买家: 这款面霜有货吗"]),
    ("上个月给过个差评 后来解决了 想改成好评", ["买家: 在吗"]),
]


@pytest.mark.parametrize(("message", "history"), ESCALATING)
def test_harm_redress_and_contempt_escalate(assistant, message, history):
    assert assistant.conversation(message, history).escalated


@pytest.mark.parametrize(("message", "history"), CALM)
def test_the_same_words_asked_calmly_do_not_escalate(assistant, message, history):
    assert not assistant.conversation(message, history).escalated


def test_a_worry_escalates_only_after_a_complaint(assistant):
    worry = "吃了不会有事吧"
    assert not assistant.conversation(worry, ["买家: 这个肉干孕妇能吃吗"]).escalated
    assert assistant.conversation(worry, ["买家: 肉干收到了 发霉了"]).escalated
    # the complaint may come in the same message as the worry
    assert assistant.conversation("肉干有一包发霉了 吃了不会有事吧", ["买家: 收到了"]).escalated


def test_an_escalating_chat_tells_the_agent_to_step_in(assistant):
    result = assistant.suggest("狗都吃进医院了 你们得负责", history=["买家: 狗粮吃了拉肚子"])
    assert result.escalate
    assert any(w in result.suggestions[0].reply for w in ("抱歉", "不好意思", "对不起"))


# (message, history, the fault told, the demand named): the escalated buyer's problem and what they
# ask for are named right after the apology, in their words
NAMED = [
    ("这么烂的东西还好意思卖 我要退货 不然投诉", ["买家: 保温杯收到就漏水"], "漏水", "退"),
    ("你们必须给个说法", ["买家: 行李箱拉杆断了", "客服: 亲 麻烦拍个照片"], "断了", "说法"),
    ("什么态度 给我换一个新的", ["买家: 吹风机用了一周就冒烟", "客服: 看说明书"], "冒烟", "换"),
]


@pytest.mark.parametrize(("message", "history", "fault", "demand"), NAMED)
def test_an_escalated_reply_names_the_fault_and_the_demand(assistant, message, history, fault, demand):
    result = assistant.suggest(message, history=history)
    reply = result.suggestions[0].reply
    assert result.escalate
    assert fault in reply and demand in reply, reply
    assert any(w in reply[:12] for w in ("抱歉", "不好意思", "对不起")), reply
    # nothing promised but the hand-over or the shop's own return rule: no refund done, no date
    assert not any(w in reply for w in ("已退款", "已经退", "明天", "已为您办理")), reply


def test_a_demand_waved_off_is_not_named(assistant):
    history = ["买家: 台灯开关坏了", "客服: 看说明书"]
    reply = assistant.suggest("不用退 也不用换 就是你们这态度太差了", history=history).suggestions[0].reply
    assert "诉求" not in reply, reply
    assert "开关坏了" in reply, reply


# (message, history, what is accepted): an escalated buyer who demands a return or an exchange now, for
# goods whose fault they told as fact, hears it accepted with the shop's return rule, not a hand-over
ACCEPTED = [
    (
        "说了半天没用 给我退货 不然我去投诉",
        ["买家: 电热毯插上不加热", "客服: 亲 看看开关是不是打开了"],
        "退货",
    ),
    ("这质量也太差了 必须给我换一个 不换就差评", ["买家: 收到的花瓶有条裂纹"], "换货"),
]


@pytest.mark.parametrize(("message", "history", "demand"), ACCEPTED)
def test_a_return_demanded_for_a_fault_told_is_accepted(assistant, message, history, demand):
    result = assistant.suggest(message, history=history)
    top = result.suggestions[0]
    assert result.escalate
    assert any(w in top.reply[:12] for w in ("抱歉", "不好意思", "对不起")), top.reply
    assert f"您要{demand}我们这边同意" in top.reply, top.reply
    # the shop's own rule for the return freight of faulty goods (shop.toml), and no hand-over or deadline
    assert assistant.corpus.shop.slots["return_freight_quality"] in top.reply, top.reply
    assert not any(w in top.reply for w in ("转给专人", "小时内", "诉求")), top.reply
    assert not top.holding and not top.fill_ins


def test_a_demand_without_a_fault_of_the_goods_is_handed_over(assistant):
    # harm told (a rash) settles no fault of the goods, and a demand said only in an earlier turn is
    # not what the buyer asks now: neither is accepted
    harm = assistant.suggest("脸都烂了 我要退货 不然投诉", history=["买家: 面膜敷完脸又红又痒"])
    assert harm.escalate and "同意" not in harm.suggestions[0].reply, harm.suggestions[0].reply
    earlier = assistant.suggest(
        "都三天了还没人处理 我要投诉", history=["买家: 杯子收到裂了 我要退货", "客服: 亲 稍等"]
    )
    assert earlier.escalate and "同意" not in earlier.suggestions[0].reply, earlier.suggestions[0].reply


# Escalations unseen writers word otherwise, read by meaning: a public or legal step, someone above
# the agent, a threat on a condition, a demand with a deadline, contempt, sarcasm, a fake, harm.
ESCALATING_BY_MEANING = [
    ("再这么拖着 我就把聊天记录发到网上", ["买家: 退款申请一周了没人处理"]),
    ("我已经联系了本地电视台", ["买家: 热水壶底座烧焦了"]),
    ("我会走法律途径维权的", ["买家: 说好的赠品一直没给"]),
    ("你们这样我只能去市场监管那里反映了", ["买家: 标签上的产地跟页面写的不一样"]),
    ("你别跟我扯 让你们经理来跟我谈", ["买家: 桌子少了两颗螺丝", "客服: 亲 这边核实一下"]),
    ("换个能做主的来", ["买家: 我要换货", "客服: 亲 这个要等仓库确认"]),
    ("再不处理我就去找平台的人", ["买家: 靠垫拉链坏了 都说三天了"]),
    ("明天之内给我个说法 别再拖", ["买家: 杯子收到就裂了"]),
    ("真是垃圾 用两下就不转了", ["买家: 风扇收到了"]),
    ("你们就是一群奸商", ["买家: 刚买就降了五十"]),
    ("呵呵 又是让我等", ["买家: 补发的什么时候寄", "客服: 亲 请耐心等待"]),
    ("破成这样 这也叫全新？", ["买家: 盒子打开就是旧的"]),
    ("售后就这水平？", ["买家: 修了两次还是响"]),
    ("一股塑料味 怕不是以次充好", ["买家: 水杯到了"]),
    ("插上没一会儿就冒烟了", ["买家: 插线板收到了"]),
    ("手被锅柄烫伤了 起了个泡", ["买家: 锅到了 今天第一次用"]),
    ("喂完半小时 我家狗开始抽搐", ["买家: 新买的零食"]),
]

CALM_BY_MEANING = [
    # the same words asked as a question, about a product, or about the buyer's own step
    ("这个插座有漏电保护吗", ["买家: 插线板几米的"]),
    ("锅柄会不会烫伤手", ["买家: 这个锅能用电磁炉吗"]),
    ("有没有防烫伤的手套配", ["买家: 烤箱什么时候发"]),
    ("能开发票给我们经理报销吗", ["买家: 拍了两台"]),
    ("垃圾袋有大号的吗", ["买家: 垃圾桶拍了"]),
    ("收到有点褶 这还能穿吗", ["买家: 衬衫到了"]),
    ("再不合适就换一个码吧", ["买家: 换了还是有点紧"]),
    ("今天再不发我就申请退款了", ["买家: 说好昨天发", "客服: 亲 抱歉 仓库在打包"]),
    ("USB口是几个的", ["买家: 这个充电头"]),
    ("这个多媒体音箱能连电视吗", ["买家: 音箱有白色吗"]),
    ("是不是假的吧 怎么闻着有点酒精味", ["买家: 香水刚到"]),
]


@pytest.mark.parametrize(("message", "history"), ESCALATING_BY_MEANING)
def test_escalation_worded_otherwise_is_read_by_meaning(assistant, message, history):
    assert assistant.conversation(message, history).escalated


@pytest.mark.parametrize(("message", "history"), CALM_BY_MEANING)
def test_questions_products_and_own_steps_do_not_escalate(assistant, message, history):
    assert not assistant.conversation(message, history).escalated


# Upset buyers in words no list names, by kind (sarcasm, contempt for the agent, disbelief at a
# claim, deceit alleged, conscience, a loss, a review or an audience threatened, patience spent,
# harm now), and the same words where nobody is upset: a product, a caution, a question.
ESCALATING_UNLISTED = [
    ("快递是不是送去火星了 一周了还没到", ["买家: 台灯发了吗", "客服: 亲 发了 中通"]),
    ("你们是用脚打包的吗 盒子全扁了", ["买家: 蛋糕模具收到了"]),
    ("等你们发货年都过完了 买了个寂寞", ["买家: 春联什么时候发"]),
    ("问什么都说不知道 你们客服就是个摆设", ["买家: 这个灯泡几瓦", "客服: 亲 不太清楚"]),
    ("你们客服没培训过吧 连保修几年都说不清", ["买家: 电钻保修多久"]),
    ("翻来覆去就会这句话 找个能拍板的人来", ["买家: 灯不亮", "客服: 亲 请重启试试"]),
    ("你们管这个叫实木？", ["买家: 桌腿里面是刨花板"]),
    ("拿二手货当新的卖 太过分了", ["买家: 吹风机收到有使用痕迹"]),
    ("你们自己发错了还要我出运费？做生意讲点良心", ["买家: 我要的蓝色 收到是绿色"]),
    ("活动就是今天 这损失你们怎么算", ["买家: 横幅说好昨天到 还没到"]),
    ("给你们打个1星 让后面的人避开", ["买家: 床单洗一次就起球"]),
    ("我要在小区群里给你们好好宣传一下", ["买家: 门锁装上就坏了", "客服: 亲 是人为损坏哦"]),
    ("我受够了 补发三次错三次", ["买家: 又发错了"]),
    ("孩子喝了以后肚子痛了一晚上", ["买家: 果汁收到了"]),
    ("假一赔十 这钱我要定了", ["买家: 包装上的防伪码查不到"]),
]

CALM_UNLISTED = [
    ("火星人的集成灶你们有卖吗", ["买家: 在吗"]),
    ("这个钟是静音的吗", ["买家: 挂钟有白色吗"]),
    ("这叫什么颜色？", ["买家: 裙子收到了 挺好看"]),
    ("放客厅当摆设的 有小一点的吗", ["买家: 这个花瓶多高"]),
    ("挤牙膏器要打孔吗", ["买家: 卫生间置物架有吗"]),
    ("空气炸锅能烤红薯吗", ["买家: 6L的有货吗"]),
    ("一星期能到吗", ["买家: 拍了 发的什么快递"]),
    ("别忽悠我啊 真是纯棉的吗", ["买家: 这件T恤什么面料"]),
    ("这饼普洱是哪年的", ["买家: 茶叶有礼盒吗"]),
    ("宝宝咳嗽了 这个雾化器能用吗", ["买家: 雾化器几岁能用"]),
    ("好评怎么写能返现", ["买家: 收到了 挺好"]),
    ("大家都说这款好用 是真的吗", ["买家: 这个拖把好用吗"]),
    ("假一赔几啊 上次在别家被坑过", ["买家: 这瓶香水是正品吗"]),
]


@pytest.mark.parametrize(("message", "history"), ESCALATING_UNLISTED)
def test_upset_in_unlisted_words_escalates(assistant, message, history):
    assert assistant.conversation(message, history).escalated


@pytest.mark.parametrize(("message", "history"), CALM_UNLISTED)
def test_the_same_words_calmly_or_about_a_product_do_not_escalate(assistant, message, history):
    assert not assistant.conversation(message, history).escalated, assistant.conversation(
        message, history
    ).escalation


def test_sarcasm_asked_as_a_question_is_no_doubt_and_gets_an_apology(assistant):
    # 是不是 in sarcasm (你们的日历是不是慢了一年) is no calm doubt (是不是正品): the holding reply apologises
    result = assistant.suggest("说好三天发货 现在第六天了 你们的日历是不是慢了一年")
    assert result.escalate
    assert any(w in result.suggestions[0].reply[:12] for w in ("抱歉", "不好意思", "对不起")), (
        result.suggestions[0].reply
    )


def test_a_remedy_the_agent_offered_and_the_angry_buyer_takes_is_answered_not_stalled(assistant):
    # the agent already offered a return; the buyer, angry, takes it: the reply apologises and answers
    # of the return (no hand-over that leaves the buyer waiting), promising nothing the chat lacks
    told = ["买家: 台灯用了两天就不亮了", "客服: 亲 麻烦拍个视频", "买家: [视频]"]
    offered = [*told, "客服: 亲 看到了 可以给您补偿8元或者退货"]
    message = "退 运费你们出 不然我就找平台"
    result = assistant.suggest(message, history=offered)
    top = result.suggestions[0]
    assert result.escalate
    assert not top.holding and not top.fill_ins, top.reply
    assert any(w in top.reply[:12] for w in ("抱歉", "不好意思", "对不起")), top.reply
    assert "退" in top.reply, top.reply
    # nothing offered yet: the same words get the hand-over
    assert assistant.suggest(message, history=told).suggestions[0].holding


def test_an_angry_buyer_is_not_closed_on(assistant):
    # 行吧 opens a sarcastic complaint, not a goodbye: the reply apologises and holds, no closing line
    history = [
        "买家: 台灯拍了四天了还没发",
        "客服: 亲 这款是预售 付款后7天内发",
        "买家: 我是买来送人的",
        "客服: 亲 理解的 会尽快安排",
    ]
    result = assistant.suggest("行吧 等你们发货黄花菜都凉了 送了个寂寞", history=history)
    top = result.suggestions[0]
    assert result.escalate
    assert any(w in top.reply[:12] for w in ("抱歉", "不好意思", "对不起")), top.reply
    assert "随时找我" not in top.reply, top.reply


@pytest.mark.parametrize(
    "message", ["好吧 那补偿的钱几天到账 这次我先不评了", "算了 不投诉了 换的那个尽快寄出来吧"]
)
def test_a_threat_taken_back_no_longer_flags(assistant, message):
    history = [
        "买家: 书包拉链第一天就坏了 我要给差评 还要投诉",
        "客服: 非常抱歉亲 给您换一个新的 再补偿10元可以吗",
    ]
    assert assistant.engine.extractor.withdrawn(message) is not None
    assert assistant.suggest("那换的什么时候寄", history=history).escalate  # not taken back: it holds
    assert not assistant.suggest(message, history=history).escalate


def test_a_threat_taken_back_with_a_new_one_still_flags(assistant):
    history = ["买家: 书包拉链第一天就坏了 我要给差评", "客服: 非常抱歉亲 给您换一个新的"]
    assert assistant.suggest("我先不评了 但你们这垃圾质量我要去消协说说", history=history).escalate
    assert assistant.engine.extractor.withdrawn("差评我是不会删的 别来烦我") is None
