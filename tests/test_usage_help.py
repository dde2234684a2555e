"""Help with goods in hand (issue 12): a how-to or troubleshooting question after delivery, no defect
told, gets a reply that asks for what lets the agent help and offers to walk the buyer through it, not
the defect template (photo → exchange or refund) nor a bare hold (usage_help.py, adaptation.toml
[usage_help]). Wordings of no set."""

from __future__ import annotations

import pytest

from assistant.usage_help import UsageHelp


@pytest.fixture(scope="module")
def rules(assistant) -> UsageHelp:
    return assistant.engine.adapter.rules.usage_help


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("投影仪遥控器按了没反应", "trouble"),
        ("净水器指示灯一直闪 怎么回事", "trouble"),
        ("蓝牙音箱连不上电脑", "trouble"),
        ("加湿器怎么设置定时", "howto"),
        ("底板的卡扣装哪", "howto"),
        ("退货怎么寄回去", ""),  # the shop's procedure, not the goods' use
        ("发票怎么开", ""),
        ("这个颜色好看吗", ""),
    ],
)
def test_how_the_buyer_asks_for_help(rules, message, kind):
    assert rules.kind(message) == kind


def test_the_action_asked_is_named_only_when_clean(rules):
    assert rules.howto_topic("请问这个滤芯怎么更换") == "滤芯更换"
    assert rules.howto_topic("还有那个支架的螺丝孔装哪") == ""  # a clause, not a thing
    assert rules.howto_topic("怎么切5G") == "切5G"
    assert rules.howto_topic("我孩子之前怎么弄的") == ""  # no clean action or thing


DELIVERED = ["买家: 东西收到了", "客服: 好的亲，有问题随时找我"]


def test_a_troubleshooting_question_is_helped_now(assistant):
    result = assistant.suggest("门锁的屏幕一直闪 按哪都没反应", history=DELIVERED)
    top = result.suggestions[0]
    assert not top.holding and not result.abstained, top.reply
    assert "视频" in top.reply and "排查" in top.reply, top.reply
    assert "换货" not in top.reply and "退款" not in top.reply, top.reply


def test_a_how_to_question_names_the_action(assistant):
    top = assistant.suggest("夜灯收到了 还有这个感应模式怎么切换", history=DELIVERED).suggestions[0]
    assert not top.holding, top.reply
    assert "感应模式切换" in top.reply and "一步步" in top.reply, top.reply


def test_a_defect_told_still_gets_the_complaint_reply(assistant):
    top = assistant.suggest("灯罩裂了一道 按开关也没反应", history=DELIVERED).suggestions[0]
    assert "排查" not in top.reply, top.reply


def test_another_question_beside_it_is_not_dropped(assistant):
    top = assistant.suggest("加湿器怎么设置定时 水箱多久要洗一次", history=DELIVERED).suggestions[0]
    assert "一步步" not in top.reply, top.reply


def test_before_delivery_a_how_to_question_is_not_troubleshot(assistant):
    before = ["买家: 这款加湿器还有白色的吗", "客服: 有的亲，白色有现货"]
    top = assistant.suggest("那它怎么设置定时", history=before).suggestions[0]
    assert "一步步" not in top.reply, top.reply
