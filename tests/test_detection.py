"""How a single buyer message is read (issue 12): a question about authenticity or quality is no
complaint, and an item missing from a delivered parcel is one. Wordings of our own, none from a dev set."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "这件羽绒服是不是正品啊",
        "这么便宜 不会是假货吧",
        "会不会是假货 我有点担心",
        "有没有质量问题 用久了会坏吗",
        "不是质量问题 就是颜色不喜欢",
    ],
)
def test_a_complaint_word_asked_about_reports_nothing(extractor, text):
    assert extractor.complaint(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "你们这个是假货 跟专柜的差太多",
        "去专柜验了 这个不是正品",
        "扫码一查是假的",
        "拉链坏了 质量问题能换吗",
    ],
)
def test_a_complaint_word_told_is_still_a_complaint(extractor, text):
    assert extractor.complaint(text) != []


def test_an_authenticity_question_before_buying_is_no_complaint(assistant):
    for message in ["这款包包是不是正品 会不会掉色", "便宜这么多 不会是假货吧 有防伪码吗"]:
        detection = assistant.detect(message)
        assert detection.scenario != "quality_complaint", message
        assert detection.moved_from == "", message


@pytest.mark.parametrize(
    "message, history",
    [
        ("快递拆了 赠的那个小风扇没有", []),
        ("到了 充电器和说明书都不见了", []),
        ("收到了 答应送的鞋垫呢 盒子里没找到", ["买家: 拍了 记得送鞋垫哦", "客服: 好的亲 已经备注了"]),
    ],
)
def test_an_item_missing_from_a_delivered_parcel_is_a_complaint(assistant, message, history):
    assert assistant.detect(message, history).scenario == "quality_complaint"


def test_a_gift_asked_about_before_buying_stays_a_promotion(assistant):
    assert assistant.detect("现在下单送什么小礼物吗").scenario == "promotion"


def test_a_comparison_with_an_earlier_purchase_before_buying_is_a_question(assistant):
    # the buyer weighs this listing against what they had before: no defect of an order of ours
    for message in ["以前在超市买的比这个厚 你们这个料子一样吗", "前年买过一次 那次的更香 现在配方变了吗"]:
        detection = assistant.detect(message)
        assert detection.scenario != "quality_complaint", message
