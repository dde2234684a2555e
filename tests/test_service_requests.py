"""A buyer's request about the service itself after delivery (issue 12): it is answered on that object, not
with a lookup of the complaint behind it. A buyer called about their review who demands no more calls
hears that there will be none; a buyer who offers to change their review is no longer threatening with it
(unless the change is a bargain's condition); how to change a review is a question object of its own."""

from __future__ import annotations

import pytest


def test_a_buyer_who_wants_no_more_calls_is_told_there_will_be_none(assistant):
    result = assistant.suggest(
        "一上午打了四个电话了 我在上班 别再打了 再打我就投诉",
        history=["买家: 拖鞋底有点开胶 给了中评", "客服: 亲 方便说下中评的原因吗"],
    )
    assert result.escalate
    assert "不会再打电话" in result.suggestions[0].reply, result.suggestions[0].reply


@pytest.mark.parametrize("message", ["行吧 那中评我改了 在哪改", "差评我删了吧 你们也挺负责的"])
def test_taking_a_review_back_withdraws_the_threat(extractor, message):
    assert extractor.withdrawn(message) is not None


@pytest.mark.parametrize("message", ["再补10块 我就把差评删了", "不给30 差评就一直挂着"])
def test_a_review_change_offered_as_a_bargain_withdraws_nothing(extractor, message):
    assert extractor.withdrawn(message) is None


@pytest.mark.parametrize("message", ["中评我改一下 怎么弄", "想追评一下 在哪里点", "评价怎么改啊"])
def test_changing_ones_review_is_a_question_object(lexicon, message):
    assert "review_edit" in lexicon.parse(message).objects


def test_a_calm_buyer_asking_how_to_change_a_review_gets_how(assistant):
    result = assistant.suggest(
        "收到钱了 那中评我改了吧 怎么改",
        history=["买家: 面膜少了一片 给了中评", "客服: 亲 抱歉 少的那片给您补偿6元 已经转到支付宝了"],
    )
    assert not result.escalate
    top = result.suggestions[0]
    assert not top.holding and "评价" in top.reply, top.reply
