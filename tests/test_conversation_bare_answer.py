"""A bare measurement the agent asked for (issue 12, ``[[handover.things]]`` 尺寸 in adaptation.toml):
宝宝多高 → 75, 量一下坐宽和深度 → 180 90. The reply says the value back as given, with the check still
to come, instead of a holding reply that reads as if the buyer had said nothing."""

from __future__ import annotations

import pytest

GIVEN = [
    ("82", ["买家: 爬服要什么码", "客服: 亲 宝宝现在多高呀"], "82"),
    ("150 60", ["买家: 地垫有合适的吗", "客服: 亲 麻烦量一下门口的长和宽"], "150 60"),
    ("24.5", ["买家: 凉鞋码数偏吗", "客服: 亲 您脚长多少呢"], "24.5"),
    ("43cm", ["买家: 帽子怕小", "客服: 亲 量下头围是多少"], "43cm"),
]


@pytest.mark.parametrize(("message", "history", "value"), GIVEN)
def test_a_bare_measurement_is_said_back(assistant, message, history, value):
    reply = assistant.suggest(message, history=history).suggestions[0].reply
    assert f"{value}我记下了" in reply, reply


def test_a_number_asked_for_no_measurement_is_not_one(assistant):
    # 几个 asks a quantity, not a measurement; a number the agent never asked for is no answer
    for message, history in [
        ("3", ["买家: 想多买点", "客服: 亲 您要几个呢"]),
        ("75", ["买家: 在吗", "客服: 亲 在的"]),
    ]:
        reply = assistant.suggest(message, history=history).suggestions[0].reply
        assert "我记下了，我这就按这个" not in reply, reply
