"""Openings and clauses that answer what was said (issue 12, the blind judges' notes): 拍下后 is not said
to a buyer who has ordered, 在的 answers a call and 让您久等了 a wait (else a plain 亲，), a clause saying
the agent saw what the buyer sent (您发的我这边看到了) needs the buyer to have sent it, and a farewell
thanks for patience only after a wait. Real model and index, wordings of no evaluation set."""

from __future__ import annotations

from conftest import turns


def adapted(assistant, template, message, history=(), scenario="courier"):
    """The reply ``template`` becomes for ``message`` (the real adapter, the shipped corpus)."""
    state = assistant.suggest(message, history=list(history) or None).context
    adapter = assistant.engine.adapter
    found, why = adapter.adapt(template, message, turns(*history), scenario, state, None)
    return found[0] if found is not None else why


SURCHARGE = (
    "好的，改发{express_courier}补{express_surcharge}差价就可以，您拍下后我发补差价链接给您，补完我备注改发。"
)


def test_after_ordering_is_not_said_to_a_buyer_who_ordered(assistant):
    ordered = ["买家: 保温杯已经拍好了 默认走什么快递", "客服: 亲 默认圆通哦"]
    reply = adapted(assistant, SURCHARGE, "可以改顺丰吗 差价我来补", ordered)
    assert "拍下后" not in reply and "我发补差价链接给您，补完我备注改发" in reply, reply
    # a buyer still choosing is told what to do once they order
    assert "您拍下后我发补差价链接" in adapted(assistant, SURCHARGE, "保温杯可以发顺丰吗 我补差价")


def test_present_answers_a_call(assistant):
    template = "在的亲，可以开发票，确认收货后3个工作日内开好，在订单详情里就能下载。"
    reply = adapted(assistant, template, "台灯能开发票吗", scenario="invoice")
    assert reply.startswith("亲，可以开发票"), reply
    called = adapted(assistant, template, "在吗 台灯能开发票吗", scenario="invoice")
    assert called.startswith("在的亲"), called


def test_a_wait_is_apologised_for_only_when_there_was_one(assistant):
    template = "抱歉让您久等了，我马上帮您查一下退款进度，审核通过后一般1到3个工作日内到账。"
    returned = ["买家: 台灯不想要了 要退", "客服: 好的亲 寄回来就行", "买家: 已经寄回去了"]
    reply = adapted(assistant, template, "钱几天能退回来", returned, scenario="refund")
    assert reply.startswith("亲，我马上帮您查一下退款进度"), reply
    waited = adapted(assistant, template, "退款等了四天了还没到", returned, scenario="refund")
    assert "久等" in waited, waited


def test_seeing_what_nobody_sent_is_left_out(assistant):
    template = "不好意思亲，您发的我这边看到了，确实是质量问题，给您换新：在订单里申请换货就行。"
    broken = ["买家: 电热毯收到了 插上电不热", "客服: 亲 抱歉 看下开关是不是拨到高档"]
    reply = adapted(assistant, template, "拨了 还是凉的 给我换个吧", broken, scenario="quality_complaint")
    assert "看到了" not in reply and "确实是质量问题" in reply, reply
    sent = adapted(
        assistant, template, "[图片] 你看 还是凉的 给我换个吧", broken, scenario="quality_complaint"
    )
    assert "您发的我这边看到了" in sent, sent


def test_a_screenshot_nobody_sent_is_not_received(assistant):
    template = "收到您的截图啦，谢谢支持～好评返现我核对好马上给您安排。"
    praised = ["买家: 保温杯收到了 很好用", "客服: 谢谢亲 喜欢就好"]
    reply = adapted(assistant, template, "好评返现怎么领", praised, scenario="review")
    assert "截图" not in reply and "好评返现" in reply, reply
    sent = adapted(assistant, template, "截图发你了 好评返现怎么领", praised, scenario="review")
    assert "收到您的截图" in sent, sent


def test_no_apology_for_a_mistake_nobody_said_was_made(assistant):
    template = "非常抱歉刚才弄错了，我记下了，是我们没看清楚。专票5个工作日内开出。"
    asked = ["买家: 公司团购 要开专票", "客服: 好的亲 您发下开票信息"]
    reply = adapted(assistant, template, "税号发你了 是专票哦", asked, scenario="invoice")
    assert "弄错" not in reply and "没看清楚" not in reply and "我记下了" in reply, reply
    corrected = adapted(assistant, template, "我说了是专票 你们开错了", asked, scenario="invoice")
    assert "刚才弄错了" in corrected, corrected


def test_a_plain_farewell_thanks_no_patience(assistant):
    ordered = ["买家: 那我拿灰色的L", "客服: 好的亲 拍了跟我说一声"]
    shown = assistant.suggest("付好了 谢谢 拜拜", history=ordered).suggestions
    assert shown and not any("耐心" in s.reply for s in shown), [s.reply for s in shown]


def test_a_yes_answers_a_question(assistant):
    template = "会的，您的订单已经备注改发{express_courier}，发出后单号会同步到订单里。"
    told = ["买家: 电热水壶能发顺丰吗", "客服: 亲 可以的 补12元就行"]
    reply = adapted(assistant, template, "好的 那我补了 就发顺丰", told)
    assert reply.startswith("好的亲，您的订单"), reply
    asked = adapted(assistant, template, "那今天会发顺丰吗", told)
    assert asked.startswith("会的，"), asked
