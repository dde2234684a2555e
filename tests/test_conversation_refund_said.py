"""A refund nobody has under way (issue 12): a buyer who only wants a refund or threatens one over a
delay (我不要了 退款 / 再不发我就退款了 / 不退款也行) is not told their refund's progress is being
looked up or hurried, nor how to take a refund back or that a cancelled order's refund went in."""

from __future__ import annotations


def _tops(assistant, message: str, history: list[str]) -> str:
    return " ".join(s.reply for s in assistant.suggest(message, history=history).suggestions[:1])


def test_a_refund_threat_over_a_delay_gets_no_refund_progress(assistant):
    chats = [
        ("今天还不发 我就直接申请退款了", ["买家: 台灯付款四天了还没发货", "客服: 亲 抱歉 最近单子多"]),
        ("算了 不想等了 退钱吧", ["买家: 书架怎么还没到 都一周了", "客服: 亲 抱歉 物流有点慢"]),
    ]
    for message, history in chats:
        top = _tops(assistant, message, history)
        assert "退款进度" not in top and "加急审核" not in top and "目前的进度" not in top, (message, top)
        assert "撤销申请" not in top and "取消后退款" not in top and "退款已经同意" not in top, (message, top)


def test_a_refund_applied_for_still_gets_its_progress_looked_up(assistant):
    top = _tops(assistant, "退款申请了两天 钱还没看到", ["买家: 台灯退了", "客服: 亲 好的 已经同意了"])
    assert ("退款" in top or "审核" in top) and "撤销" not in top, top
