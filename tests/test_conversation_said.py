"""What this chat already settled is carried (issue 12): the amount the agent confirmed, a cashback the
agent promised, the day the buyer needs the goods by, and a pair sent with two sizes read as a complaint
about this order."""

from __future__ import annotations


def test_a_cashback_the_agent_promised_is_named_when_the_buyer_claims_it(assistant):
    history = ["买家: 枕头收到了 很软", "客服: 亲 带图评价后截图给我 返8元哦"]
    top = assistant.suggest("评价发了 截图给你了 钱怎么给我", history=history).suggestions[0].reply
    assert "8元" in top
    assert "不做好评返现" not in top


def test_an_amount_written_in_words_is_restated_in_the_agent_digits(assistant):
    history = ["买家: 蛋糕化了 我要退款", "客服: 亲 非常抱歉 已经同意退款239元了 原路退回"]
    message = "二百三十九块钱退哪去了 我花呗付的 账单没看到"
    top = assistant.suggest(message, history=history).suggestions[0].reply
    assert "239元" in top
    assert "二百三十九" not in top


def test_of_two_near_copies_the_one_restating_the_chat_is_shown(assistant):
    adapter = assistant.engine.adapter
    state = assistant.conversation("钱退哪了", ["客服: 亲 已经同意退款56元了"])
    from assistant.adaptation import Suggestion

    plain = Suggestion("退款会原路退回花呗，一般24小时内额度同步恢复。", 1.0, ("a",), "refund")
    named = Suggestion("您这笔56元的退款会原路退回花呗，一般24小时内额度同步恢复。", 0.8, ("b",), "refund")
    kept = adapter._distinct([plain, named], 3, state.echo_factor)
    assert len(kept) == 1
    assert kept[0].reply == named.reply and kept[0].score == 1.0
    assert kept[0].sources == ("b", "a")
    assert adapter._distinct([plain, named], 3)[0].reply == plain.reply


def test_a_reply_naming_the_buyer_deadline_outranks_one_that_does_not(assistant):
    history = ["买家: 下周二要带去出差 来得及吗", "客服: 亲 48小时内发出 发圆通"]
    state = assistant.conversation("今天周五 下周二前能到西安吗", history)
    assert state.wanted_date() == "下周二"
    named = state.echo_factor("下周二前能不能送到我帮您盯着")
    assert named > state.echo_factor("发出后一般2到4天能到，我帮您盯着")


def test_a_pair_sent_with_two_sizes_is_a_complaint_about_the_order(assistant):
    history = ["买家: 板鞋到了", "客服: 亲 穿着还合适吗"]
    result = assistant.suggest("怎么回事 左脚40右脚41 你让我怎么穿", history=history)
    assert result.detection.scenario == "quality_complaint"
    top = result.suggestions[0].reply
    assert "40" in top and "41" in top
    assert "抱歉" in top
    assert "建议" not in top  # no size advice
    plain = assistant.suggest("两只鞋大小不一样 咋回事", history=history).suggestions[0].reply
    assert "左右不一致" in plain
    colours = assistant.suggest("两只颜色不一样 一深一浅", history=history).suggestions[0].reply
    assert "尺码" not in colours


def test_a_number_right_after_a_colour_is_a_size_kept_for_the_next_colour(assistant):
    state = assistant.conversation("那白色的呢", ["买家: 灰色41的还有吗", "客服: 有的亲 灰色41有货"])
    assert "41" in state.values("size", "buyer")
    assert "41" in assistant.engine.adapter.grounder.slot_value("asked", state)
    # a count or an amount after a colour is no size
    other = assistant.conversation("红色2个多少钱", [])
    assert not other.values("size")


def test_a_switch_to_a_courier_the_shop_uses_is_agreed_to_not_refused(assistant):
    history = ["买家: 台灯发什么快递", "客服: 亲 默认韵达"]
    message = "能改成圆通吗 韵达不给送上楼"
    state = assistant.conversation(message, history)
    assert state.settled("courier").fact.value == "韵达"  # the shop's couriers not given: no switch
    assert state.settled("courier", {"中通", "圆通", "韵达"}).fact.value == "圆通"
    assert state.settled("courier", {"中通", "韵达"}).fact.value == "韵达"  # one the shop does not use
    replies = [s.reply for s in assistant.suggest(message, history=history).suggestions]
    assert "圆通" in replies[0]
    assert not any("发不了" in r or "没有合作" in r for r in replies)
    # a mere mention of the default (我们这圆通不到 能换别的吗) asks for no courier the shop uses
    other = assistant.conversation("我们这圆通不到 能换别的吗", ["买家: 发啥快递", "客服: 亲 默认圆通"])
    assert other.switch_request("courier", {"中通", "圆通", "韵达"}) is None


def test_no_reply_supposes_a_trip_the_buyer_never_mentioned(assistant):
    history = ["买家: 这个保温壶有现货吗", "客服: 亲 现货 48小时内发"]
    replies = [s.reply for s in assistant.suggest("20号之前能到成都吗", history=history).suggestions]
    assert replies and not any("出发" in r for r in replies)
