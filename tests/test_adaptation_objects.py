"""The top reply answers the object the buyer asks about, not a neighbouring one of the same scenario
(issue 12): the return address is not the delivery address, a return's refund is not a cancellation's,
what 顺丰 costs is not a remote area's surcharge, stretching tight shoes is not lacing them, a bamboo
board's mould is not a pan's coating. A case written for the neighbour loses to a holding reply."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize(
    ("history", "message", "neighbour"),
    [
        # the shop's return address, not a change of the buyer's own
        (
            ["买家: 这个收纳盒想退货", "客服: 好的亲 申请后寄回就可以"],
            "退货地址是哪里",
            r"新地址|收货信息|改好|改地址",
        ),
        # the goods went back: the refund follows the return, no order was cancelled
        (
            ["买家: 凉鞋退款申请了", "客服: 亲 同意了 退货寄回后原路退款", "买家: 寄回了 单号发你了"],
            "什么时候退钱",
            r"取消",
        ),
        # what upgrading to 顺丰 costs, not the remote-area surcharge
        (
            ["买家: 默认发什么快递", "客服: 亲 默认发韵达哦", "买家: 能改发顺丰吗 比较急"],
            "那要补多少",
            r"偏远|新疆",
        ),
        # stretching shoes that pinch, not lacing them
        (
            ["买家: 新买的皮鞋有点挤脚", "客服: 亲 新鞋刚穿会紧一点"],
            "能撑大一点吗 有啥办法",
            r"鞋带|跑者结|系",
        ),
        # a bamboo board's mould and cracks, not a pan's coating
        (["买家: 这个菜板是竹子的吗", "客服: 亲 是整块楠竹的"], "会不会长霉 会开裂吗", r"涂层|空烧"),
    ],
)
def test_a_case_about_a_neighbouring_object_is_not_suggested(assistant, history, message, neighbour):
    result = assistant.suggest(message, history=history)
    assert result.suggestions
    for suggestion in result.suggestions:
        assert not re.search(neighbour, suggestion.reply), suggestion.reply


def test_the_same_case_still_answers_its_own_object(assistant):
    # the neighbour rule takes nothing from a buyer who asks the case's own question
    result = assistant.suggest(
        "订单取消了 钱什么时候退回来", history=["买家: 帮我取消一下订单", "客服: 好的亲 已经帮您取消了"]
    )
    top = result.suggestions[0]
    assert not top.holding
    assert re.search(r"原路|到账|退", top.reply), top.reply
