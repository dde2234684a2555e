"""Replies that read as one sentence an agent would write: one opening formula, not an apology put
before the reply's own 好的亲 / 收到; no fill of an optional slot that leaves a verb glued to 的; no
number of the buyer's read as a value of theirs when it counts days or dates; no threat read as what
happened; no reply that says the goods have not gone after the agent said they had; an apology for the
wait, not for a bad experience, to a buyer who only calls again. Wordings of our own, none from a dev
set (issue 12: judges' "awkward", "two openings", "contradicts the agent")."""

from __future__ import annotations

import re

import pytest
from conftest import turns

# an apology, then the reply's own acknowledgement opening (非常抱歉…，好的亲，/ 不好意思，亲，收到，)
DOUBLED = re.compile(r"(抱歉|不好意思|久等了)[^。！？]{0,20}[，,]\s*(亲[，,]\s*)?(好的|好嘞|收到)(亲)?[，,]")


@pytest.fixture(scope="module")
def rules():
    from assistant.adaptation import load_adaptation
    from assistant.config import PROJECT_ROOT

    found, problems = load_adaptation(PROJECT_ROOT / "corpus" / "adaptation.toml")
    assert problems == []
    return found


@pytest.mark.parametrize(
    "reply, expected",
    [
        (
            "好的亲，我这就去仓库看一下，稍后回您。",
            "非常抱歉给您带来不好的体验，我这就去仓库看一下，稍后回您。",
        ),
        ("亲，收到，我联系一下快递，马上回您。", "非常抱歉给您带来不好的体验，我联系一下快递，马上回您。"),
        # an answer is no opening formula: it stays
        ("可以的亲，给您换一个新的。", "非常抱歉给您带来不好的体验，可以的亲，给您换一个新的。"),
        ("亲，稍等一下哈。", "非常抱歉给您带来不好的体验，亲，稍等一下哈。"),
    ],
)
def test_an_apology_takes_the_place_of_the_replys_own_opening(rules, reply, expected):
    from assistant.adaptation import apology_first

    assert apology_first(reply, rules) == expected


@pytest.mark.parametrize(
    "message, history",
    [
        ("你们怎么回事啊 烦死了", ["买家: 拖鞋发错颜色了"]),
        ("太失望了", ["买家: 床单起球了"]),
    ],
)
def test_an_upset_buyer_gets_one_opening(assistant, message, history):
    result = assistant.suggest(message, history)
    assert result.suggestions
    for suggestion in result.suggestions:
        assert suggestion.reply.startswith(("非常抱歉", "抱歉", "不好意思", "实在抱歉")), suggestion.reply
        assert not DOUBLED.search(suggestion.reply), suggestion.reply


def test_no_shipped_reply_leaves_a_verb_glued_to_de_when_nothing_was_asked(
    shipped_corpus, grounder, extractor
):
    from assistant.conversation import conversation_state

    # a chase of a question whose size the fact reader does not read: {asked} fills with nothing
    state = conversation_state("在吗", turns("买家: 运动鞋有货吗"), extractor)
    filled = [grounder.fill(case.reply, state)[0] for case in shipped_corpus.cases if "{asked}" in case.reply]
    assert filled
    for text in filled:
        assert not re.search(r"(一下|确认|核实)的", text), text


@pytest.mark.parametrize(
    "message, value",
    [
        ("我1号下单的 降了30 这个能补吗", "1"),
        ("我8天前买的 现在便宜了 能退差价不", "8"),
        ("我有3张券 能叠加吗", "3"),
    ],
)
def test_a_number_counting_days_or_dates_is_no_value_of_the_buyers(assistant, rules, message, value):
    from assistant.holding import own_values

    assert own_values(message, rules.wording) == ""
    for suggestion in assistant.suggest(message).suggestions:
        assert f"您{value}的话" not in suggestion.reply, suggestion.reply


def test_the_buyers_own_measure_is_still_said_back(rules):
    from assistant.holding import own_values

    assert own_values("阔腿裤会拖地吗 我158", rules.wording) == "您158"
    assert own_values("狗狗5岁了 能吃吗", rules.wording) == "狗5岁"


@pytest.mark.parametrize(
    "text, happened",
    [
        ("再不回我就直接申请退款了", False),
        ("不然我申请平台介入了", False),
        ("我已经申请退款了", True),
        ("拍错了 申请退款了 麻烦同意一下", True),
    ],
)
def test_a_threatened_refund_is_no_order_event(extractor, text, happened):
    events = [f for f in extractor.extract(text) if f.kind == "order_event" and f.value == "after_sale"]
    assert bool(events) is happened, events


def test_a_threat_after_an_unshipped_order_keeps_it_before_after_sale(assistant):
    result = assistant.suggest("？？人呢 再不回我就直接申请退款了", ["买家: 拍错颜色了 想退 还没发吧"])
    assert result.context.order_stage != "after_sale"
    for suggestion in result.suggestions:
        assert "退货单号" not in suggestion.reply and "退款关闭" not in suggestion.reply, suggestion.reply


@pytest.mark.parametrize(
    "text, item",
    [
        ("这件双面绒外套还有L吗", "双面绒外套"),
        ("双人床垫多厚", "双人床垫"),
        ("这双靴子有37吗", "靴子"),
        ("买两双袜子包邮吗", "袜子"),
    ],
)
def test_shuang_begins_a_name_unless_it_counts_a_pair(extractor, text, item):
    assert extractor.item(text).text == item


def test_a_shipped_order_is_not_told_it_has_not_gone(assistant):
    result = assistant.suggest(
        "啊这么快 那怎么办 地址写的公司", ["买家: 台灯能改地址吗 填错了", "客服: 亲 已经发出了 韵达"]
    )
    for suggestion in result.suggestions:
        assert not re.search(r"还没(发货|发出)(?!的话)", suggestion.reply), suggestion.reply


def test_a_rhetorical_complaint_is_not_restated_as_what_the_agent_checks(assistant):
    result = assistant.suggest("光道歉有什么用", ["买家: 问了两回能不能开发票", "客服: 抱歉亲"])
    for suggestion in result.suggestions:
        assert "有什么用" not in suggestion.reply, suggestion.reply


def test_a_buyer_calling_again_after_an_answer_hears_no_apology_for_a_wait(assistant):
    again = assistant.suggest("在吗 又来买了", ["买家: 保温杯上周买的", "客服: 感谢亲的支持"])
    assert not any(w in again.suggestions[0].reply for w in ("抱歉", "不好意思")), again.suggestions[0].reply
    # …while one left unanswered is apologised to for the wait, not for a bad experience
    waited = assistant.suggest("在么", ["买家: 您好", "买家: 有人没"])
    assert "不好的体验" not in waited.suggestions[0].reply, waited.suggestions[0].reply


def test_a_refused_refund_still_gets_the_refusal_reply(assistant):
    # (the reply that asks for the return waybill needs a refusal said, and here one is)
    top = assistant.suggest("为什么拒绝我退款 东西已经寄回去了").suggestions[0].reply
    assert "单号" in top, top
