"""A buyer's message that hands over a detail the agent asked for (a phone number, an order number,
invoice details, a new address) or volunteers one (没人接就打这个号 / 数量是3个) is acknowledged, not
answered with a lookup (issue 12: real chats' "should confirm the number, not look something up").
Wordings of our own, none from a dev set or from the real chats the kind was found in."""

from __future__ import annotations

import pytest
from conftest import spoken


@pytest.mark.parametrize(
    "message, history, thing, value",
    [
        (
            "18600001111",
            spoken("买家: 收件电话要换", "客服: 麻烦留一个能联系到您的手机号"),
            "号码",
            "18600001111",
        ),
        ("[电话x]", spoken("买家: 快递员打不通我", "客服: 您把新的号码告诉我一下哦"), "号码", ""),
        ("白天没人接的话就打[电话x]", spoken("买家: 今天送吗", "客服: 今天下午送达"), "号码", ""),
        (
            "单位名称：[组织机构x]",
            spoken("买家: 发票要开单位的", "客服: 好的，发票信息您发我一下"),
            "单位名称",
            "",
        ),
        ("税号 91110105MA01ABCD2X", spoken("买家: 开个专票", "客服: 可以的"), "税号", "91110105MA01ABCD2X"),
        (
            "3021887765412",
            spoken("买家: 少发了一个盖子", "客服: 抱歉亲，您发一下订单号"),
            "订单号",
            "3021887765412",
        ),
        (
            "杭州市余杭区文一西路9号 王先生",
            spoken("买家: 地址能改吗", "客服: 可以改的，您把新地址发我"),
            "新地址",
            "杭州市余杭区文一西路9号 王先生",
        ),
        ("数量是[数字x]件", spoken("买家: 少了几件", "客服: 这边帮您补寄"), "数量", ""),
    ],
)
def test_a_detail_handed_over_is_found(handover, message, history, thing, value):
    found = handover.found(message, history)
    assert found is not None and found[:2] == (thing, value), found


@pytest.mark.parametrize(
    "message, history",
    [
        # a question is no hand-over, even with an order number in it
        ("订单号:[订单x] 这单怎么还没发", spoken("买家: 催一下发货", "客服: 麻烦提供下订单号")),
        # a bare number nobody asked for
        ("[数字x]", spoken("买家: 这个能便宜吗", "客服: 已经是最低价了呢")),
        # a long message with a number is no bare answer to an ask
        ("我上周买的那个18600001111号码办的卡一直没激活", spoken("买家: 你好", "客服: 麻烦提供下手机号")),
        # nothing said by the agent yet
        ("18600001111", []),
    ],
)
def test_no_hand_over_is_read_where_there_is_none(handover, message, history):
    assert handover.found(message, history) is None


def test_a_handed_over_number_is_acknowledged_not_looked_up(assistant):
    history = ["买家: 洗衣机送货时联系人要换成我爱人", "客服: 好的亲，麻烦把新的联系电话发我一下"]
    top = assistant.suggest("15900002222", history=history).suggestions[0]
    assert "收到" in top.reply or "记下" in top.reply, top.reply
    assert "2222" in top.reply, top.reply


def test_a_masked_detail_is_acknowledged_without_its_placeholder(assistant):
    history = ["买家: 发票开错抬头了 要开公司的", "客服: 可以的，您把公司信息留给我"]
    result = assistant.suggest("公司名称：[组织机构x]", history=history)
    top = result.suggestions[0]
    assert "收到" in top.reply and "[组织机构x]" not in top.reply, top.reply
    assert assistant.engine.adapter.grounder.ungrounded(top.reply, result.context) == []


def test_a_bad_handover_pattern_is_reported_at_its_line_of_adaptation_toml(tmp_path):
    # load_adaptation reads [handover] with the rest of the file; a bad pattern names adaptation.toml
    # and its line (not closings.toml, which is read beside it)
    from assistant.adaptation import load_adaptation
    from assistant.config import PROJECT_ROOT

    text = (PROJECT_ROOT / "corpus" / "adaptation.toml").read_text(encoding="utf-8")
    start = text.index("[handover]")
    values_at = text.index("\nvalues", start)
    broken = text[:values_at] + '\nvalues = ["(unclosed"]' + text[text.index("\n", values_at + 1) :]
    (tmp_path / "adaptation.toml").write_text(broken, encoding="utf-8")
    (tmp_path / "closings.toml").write_text(
        (PROJECT_ROOT / "corpus" / "closings.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    _, problems = load_adaptation(tmp_path / "adaptation.toml")
    bad = [p for p in problems if "[handover] values" in p.message]
    assert len(bad) == 1
    assert bad[0].path == str(tmp_path / "adaptation.toml")
    assert bad[0].line == broken[: broken.index("(unclosed")].count("\n") + 1
