"""Details the buyer sends for the agent to record (issue 12): an invoice's title, the name on a
personal invoice, a tax number, an e-mail, a new address are said back, and a message that gives
nothing else is confirmed rather than held or asked for again."""

from __future__ import annotations

import re

import pytest

from assistant.recorded import Details, given_details


@pytest.mark.parametrize(
    ("message", "history", "said"),
    [
        # a personal invoice's name, right after the agent asked for the title
        ("个人 就写赵磊", ["买家: 加湿器要发票", "客服: 好的，发票抬头写什么呢"], ["赵磊"]),
        # a company title and tax number sent over two turns
        (
            "税号91420100MA4KXXXX3B",
            ["买家: 空调扇开个票", "客服: 请提供开票信息", "买家: 武汉青禾文化传媒有限公司"],
            ["武汉青禾文化传媒有限公司", "91420100MA4KXXXX3B"],
        ),
        # a title and an e-mail in one message
        (
            "抬头 广州木棉设计工作室 发到 mm_design@126.com",
            ["买家: 台灯开发票"],
            ["广州木棉设计工作室", "mm_design@126.com"],
        ),
    ],
)
def test_invoice_details_sent_are_confirmed(assistant, message, history, said):
    result = assistant.suggest(message, history=history)
    top = result.suggestions[0]
    assert not top.holding and not top.fill_ins, top.reply
    for value in said:
        assert value in top.reply, top.reply
    assert "发票" in top.reply and not re.search(r"(提供|发我)[^，。]{0,4}抬头", top.reply), top.reply
    ungrounded = assistant.engine.adapter.grounder.ungrounded(top.reply, result.context)
    assert not ungrounded, ungrounded


def test_a_special_invoice_still_asks_for_the_rest(assistant):
    top = assistant.suggest(
        "单位 厦门鹭岛物流有限公司 税号91350200MA8XXXX6 开户行那些明天给",
        history=["买家: 货架要开增值税专票", "客服: 好的，请提供公司名称、税号、地址电话、开户行账号"],
    ).suggestions[0]
    assert "厦门鹭岛物流有限公司" in top.reply and "91350200MA8XXXX6" in top.reply, top.reply
    assert "专票" in top.reply and "确认收货后3个工作日" not in top.reply, top.reply


def test_a_new_address_is_said_back_and_a_phone_only_by_its_tail(assistant):
    top = assistant.suggest(
        "成都市武侯区天府大道北段1700号 周宁 18980001234",
        history=["买家: 刚下单的台灯地址错了", "客服: 好的亲，麻烦提供正确的收货地址"],
    ).suggestions[0]
    assert "天府大道北段1700号" in top.reply and not top.holding, top.reply
    assert "18980001234" not in top.reply and "1234" in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "history", "said", "absent"),
    [
        # a phone asked for so the courier can reach the buyer: passed on, no order change
        (
            "15977771234",
            ["买家: 快件在派送了一天都没到", "客服: 亲 把您的手机号发我 我让快递小哥直接联系您"],
            ["1234", "快递"],
            ["修改", "订单里"],
        ),
        # asked for to look the order up
        (
            "13566663333",
            ["买家: 我的退款查不到", "客服: 亲 提供下您下单用的手机号 我帮您查一下"],
            ["3333", "查一下"],
            ["修改"],
        ),
        # asked for to change the order: said as a change
        (
            "18700005555",
            ["买家: 台灯订单电话写错了", "客服: 好的亲 请发一下正确的手机号"],
            ["5555", "修改"],
            ["快递那边"],
        ),
    ],
)
def test_a_phone_is_confirmed_for_what_the_agent_asked_it_for(assistant, message, history, said, absent):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert not top.holding and message not in top.reply, top.reply
    for value in said:
        assert value in top.reply, top.reply
    for value in absent:
        assert value not in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "history"),
    [
        # a question about the invoice type sends nothing to record
        ("能开普票吗", ["买家: 茶具有发票吗", "客服: 可以开的亲"]),
        # 抬头写公司 names no company
        ("抬头写公司 税号回头给你", ["买家: 要开发票", "客服: 好的，抬头和税号发我一下"]),
        # not a title: 不是有限责任公司 corrects a word
        ("应该是有限公司不是有限责任公司", ["买家: 发票抬头错了", "客服: 抱歉，正确的抬头是什么"]),
    ],
)
def test_nothing_is_said_back_where_nothing_was_sent(assistant, message, history):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert "我记下了" not in top.reply, top.reply


def test_details_are_found_only_in_their_chat():
    fields = (("抬头", re.compile(r"(?P<v>[\u4e00-\u9fff]{2,12}?有限公司)")),)
    kind = Details(name="invoice", scenarios=frozenset({"invoice"}), asked=re.compile("抬头"), fields=fields)
    turns = [("buyer", "要发票"), ("agent", "抬头发我"), ("buyer", "杭州某某有限公司")]
    found = given_details([kind], "farewell", turns)
    assert found is not None and found[1] == [("抬头", "杭州某某有限公司")] and found[2]
    # neither the scenario nor the agent's newest turn is about them
    assert given_details([kind], "stock", [("agent", "有货的亲"), ("buyer", "杭州某某有限公司")]) is None


@pytest.mark.parametrize(
    ("message", "history", "said", "absent"),
    [
        # still within the agent's time: restated, with where the money goes
        (
            "今天才第二天 正常吗",
            ["买家: 电热毯退款了吗", "客服: 亲 已原路退回您的建设银行卡 预计2-4个工作日到账"],
            ["2-4个工作日", "建设银行卡", "还在这个时间内"],
            ["24小时", "3到5个工作日"],
        ),
        # past it (the wait told a turn before): no time restated, checked instead
        (
            "人呢 钱到底退没退",
            ["买家: 收纳盒退了", "客服: 亲 仓库签收后2天内退款", "买家: 签收六天了"],
            ["不好意思", "查一下"],
            ["2天内到账", "1到3个工作日"],
        ),
        # where it goes, for a buyer who said how they paid
        (
            "我是信用卡付的 退到哪",
            ["买家: 耳机退款多久", "客服: 亲 退款审核后1-3个工作日原路退回"],
            ["信用卡", "1-3个工作日"],
            ["支付宝"],
        ),
    ],
)
def test_a_chased_refund_keeps_the_time_the_agent_gave(assistant, message, history, said, absent):
    result = assistant.suggest(message, history=history)
    top = result.suggestions[0]
    for value in said:
        assert value in top.reply, top.reply
    for value in absent:
        assert value not in top.reply, top.reply
    assert not assistant.engine.adapter.grounder.ungrounded(top.reply, result.context)


def test_a_refund_time_is_not_restated_where_it_does_not_fit(assistant):
    # 7天无理由 is no refund time; a refund shown done is past the agent's time
    for message, history in (
        ("运费险怎么赔", ["买家: 拖鞋能退吗", "客服: 亲 支持7天无理由退货"]),
        ("退款成功了 但银行卡没看到", ["买家: 退款多久", "客服: 亲 仓库收到后1-3天退"]),
    ):
        top = assistant.suggest(message, history=history).suggestions[0]
        assert "按刚才说的" not in top.reply and "说好的时间" not in top.reply, top.reply


@pytest.mark.parametrize(
    ("message", "history", "said"),
    [
        ("24磅 我备注好了", ["买家: 网球拍能代穿线吗", "客服: 亲 可以 下单备注磅数就行"], "24磅"),
        ("好 拍了 要藏青色", ["买家: 这件polo有几个颜色", "客服: 亲 有白色和藏青色"], "藏青"),
    ],
)
def test_the_spec_of_an_order_just_placed_is_said_back(assistant, message, history, said):
    top = assistant.suggest(message, history=history).suggestions[0]
    assert said in top.reply, top.reply
