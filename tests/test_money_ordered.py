"""What the buyer takes, read back with the order (issue 12): the colour, stage or size said right after
it is part of it (拍了M 灰色 → M灰色 / 拍了两罐 1段的 → 两罐1段), not left out."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("message", "named"),
    [("好的 拍了L 卡其色", "L卡其色"), ("行 拍了三罐 2段的", "三罐2段"), ("拍了01 什么时候发", "01")],
)
def test_the_order_is_read_back_with_its_variant(assistant, message, named):
    orders = assistant.engine.adapter.money.orders
    assert orders.ordered([message]) == named
