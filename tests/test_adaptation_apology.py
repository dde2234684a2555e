"""When a reply opens with an apology (issue 12): an apology answers a complaint, anger, a defect or
a chase in the buyer's newest words; a calm follow-up on a problem already apologised for is not
apologised to again, a calm buyer's small problem gets a light apology and the remedy, and a question
about what might happen (要是坏了怎么办) is answered with the policy, not as a complaint."""

from __future__ import annotations

import pytest

FULL = "非常抱歉"
APOLOGY = ("抱歉", "不好意思", "对不起")
APOLOGISED = ["买家: 鞋子开胶了", "客服: 非常抱歉亲，可以换新也可以退款"]


def _replies(result) -> list[str]:
    return [s.reply for s in result.suggestions]


@pytest.mark.parametrize(
    "message",
    ["那换新吧", "好的谢谢", "补发的什么时候发", "换新的话要寄回去吗"],
)
def test_a_calm_follow_up_on_a_problem_apologised_for_is_not_apologised_to_again(assistant, message):
    result = assistant.suggest(message, history=APOLOGISED)
    assert result.suggestions
    for reply in _replies(result):
        assert FULL not in reply[:20], reply


@pytest.mark.parametrize("message", ["怎么又开胶了 你们到底怎么回事", "还有一只也开胶了"])
def test_a_new_complaint_after_an_apology_is_apologised_for(assistant, message):
    result = assistant.suggest(message, history=APOLOGISED)
    top = result.suggestions[0].reply
    assert any(w in top[:20] for w in APOLOGY), top


@pytest.mark.parametrize(
    "message",
    [
        "袋子有点破了 不影响用 跟你们说一声",
        "盒子压扁了一点 不急 就是说一下",
        "有一包袋子漏气了 其他都好 给补一包就行",
    ],
)
def test_a_calm_buyers_small_problem_gets_a_light_apology_and_the_remedy(assistant, message):
    result = assistant.suggest(message)
    top = result.suggestions[0].reply
    assert "不好意思" in top[:10], top
    assert FULL not in top, top
    assert not result.escalate


@pytest.mark.parametrize("message", ["狗狗咬坏了能换吗", "要是坏了怎么办", "万一不合适能退吗", "如果漏了呢"])
def test_a_question_about_what_might_happen_is_answered_with_the_policy(assistant, message):
    result = assistant.suggest(message)
    assert result.detection.scenario != "quality_complaint"
    assert not result.escalate
    assert not result.abstained and any(w in result.suggestions[0].reply for w in ("退", "换", "保修"))
    for reply in _replies(result):
        assert not any(w in reply for w in APOLOGY), reply
        assert not any(w in reply for w in ("照片", "图片", "视频")), reply


def test_a_buyer_who_sent_the_photos_asked_for_hears_a_light_apology(assistant):
    history = ["买家: 收到键盘有几个键不灵", "客服: 非常抱歉亲，麻烦拍个视频"]
    top = assistant.suggest("视频发了 直接换新吧", history=history).suggestions[0].reply
    assert "不好意思" in top[:10] and FULL not in top, top
