"""Shelf life worked out from the chat (issue 12, ``assistant/expiry.py``, ``assistant/date_sums.py``,
``corpus/money.toml [expiry]``): a production date and a shelf life the chat gives (or the buyer's
catalog entry) answer whether the buyer's own day is still good, with the sum shown and every fact
of it grounded; a day too close to call, a sum the year could change, or a missing operand: nothing.

The chats are in wordings of no evaluation set.
"""

from __future__ import annotations

import pytest
from conftest import turns

from assistant.conversation import conversation_state
from assistant.date_sums import days_past, is_sum, plus


def shelf_answer(money, grounder, extractor, message, *history):
    """The expiry answer grounded as the adapter grounds it: (reply, fill-ins, ungrounded), or None."""
    state = conversation_state(message, turns(*history), extractor)
    found = money.shelf_life(message, "quality_question", state, None)
    if found is None:
        return None
    grounded = grounder.ground(found[0], state, scenario="quality_question")
    assert grounded.ok, grounded.rejected
    return grounded.reply, grounded.fill_ins, grounder.ungrounded(grounded.reply, state)


@pytest.mark.parametrize(
    ("message", "history", "expected", "absent"),
    [
        # 10月25 + 30天 = 11月24: a day after it is past, both operands shown
        (
            "11月28号带去露营 还能喝吗",
            ["买家: 这箱牛奶是哪天的", "客服: 亲 生产日期10月25 保质期30天"],
            ["10月25", "30天", "11月24日", "11月28号", "已经过了保质期", "喝"],
            ["还在保质期内"],
        ),
        # the same chat, a day well before it: still good
        (
            "那11月10号开还能喝不",
            ["买家: 这箱牛奶是哪天的", "客服: 亲 生产日期10月25 保质期30天"],
            ["11月24日", "11月10号", "还在保质期内"],
            ["已经过了"],
        ),
        # the buyer reads the production date off the pack, the agent gives the shelf life in months
        (
            "7月1号用还在保质期内吗",
            ["买家: 收到的面膜盒子上印的2月10日生产", "客服: 亲 这款保质期6个月哦"],
            ["2月10日", "6个月", "8月10日", "还在保质期内"],
            ["已经过了"],
        ),
        # no day of the buyer's: the last day itself, a year on marked as the next year's
        (
            "那它哪天过期",
            ["买家: 酱油瓶上生产日期4月18日", "客服: 亲 酱油保质期18个月"],
            ["4月18日", "18个月", "次年10月18日"],
            [],
        ),
        # shelf lives in years and dates written with their year
        # a shelf life in years, a production date with its year: the exact last day, with its year
        (
            "2026年5月1号还能喝吗",
            ["买家: 奶粉罐底生产日期2024.3.1", "客服: 亲 保质期两年哦"],
            ["2024.3.1", "两年", "2026年3月1日", "已经过了保质期"],
            ["还在保质期内", "次年"],
        ),
        (
            "2025.12.1还能喝吗",
            ["买家: 奶粉罐底生产日期2024.3.1", "客服: 亲 保质期两年哦"],
            ["2026年3月1日", "还在保质期内"],
            ["已经过了"],
        ),
        # a year-long shelf life on a yearless production date: the next year's day, no verdict asked
        (
            "什么时候到期",
            ["买家: 蜂蜜瓶子上写生产日期11月20日", "客服: 亲 保质期1年哦"],
            ["11月20日", "1年", "次年11月20日"],
            [],
        ),
    ],
)
def test_expiry_worked_out_from_the_chat(money, grounder, extractor, message, history, expected, absent):
    reply, fill_ins, ungrounded = shelf_answer(money, grounder, extractor, message, *history)
    assert all(e in reply for e in expected), reply
    assert not any(a in reply for a in absent), reply
    assert not fill_ins and not ungrounded


def test_catalog_shelf_life_counts(money, grounder, extractor):
    # the shelf life is in the buyer's catalog entry (纸皮核桃: 保质期12个月), the date in the chat
    reply, fill_ins, ungrounded = shelf_answer(
        money, grounder, extractor, "这核桃啥时候到期", "买家: 纸皮核桃收到了 袋子上生产日期是9月3日"
    )
    assert "9月3日" in reply and "12个月" in reply and "次年9月3日" in reply, reply
    assert not fill_ins and not ungrounded


@pytest.mark.parametrize(
    ("message", "history"),
    [
        # the buyer's day is the last day itself: with or without the production day, too close to call
        ("11月24号还能喝吗", ["买家: 牛奶哪天的", "客服: 亲 生产日期10月25 保质期30天"]),
        # no shelf life anywhere in the chat nor the catalog
        ("12月1号还能吃吗", ["买家: 月饼哪天做的", "客服: 亲 生产日期10月25"]),
        # two production dates (two batches): which one is the buyer's is not known
        (
            "12月1号还能吃吗",
            ["买家: 月饼哪天的", "客服: 亲 一箱生产日期10月2 一箱生产日期10月9 保质期60天"],
        ),
        # a shelf life of a year or more against a day with no year: the verdict could be either
        ("明年的3月2号还能用吗", ["买家: 洗发水哪天的", "客服: 亲 生产日期3月5日 保质期24个月"]),
        # a date but no question the sum answers (a delivery day)
        ("1月5号能送到吗", ["买家: 鲜枣哪天摘的", "客服: 亲 生产日期12月28 保质期15天"]),
    ],
)
def test_no_expiry_answer(money, extractor, message, history):
    state = conversation_state(message, turns(*history), extractor)
    assert money.shelf_life(message, "quality_question", state, None) is None


def test_date_sums_agree_over_years_or_say_nothing():
    assert plus("10月25", "30天") == (0, 11, 24)
    assert plus("11月20", "45天") == (1, 1, 4)
    assert plus("3月5日", "24月") == (2, 3, 5)
    # a day count across February and a month sum onto a day February lacks: not one answer
    assert plus("2月10日", "30天") is None and plus("8月31日", "6月") is None
    assert days_past("10月25", "30天", "11月28号") == 4 and days_past("10月25", "30天", "11月10号") == -14
    # the fact layer's grounding: a date shown as the chat's date + duration, not any other date
    assert is_sum("11月24号", {"10月25"}, {"30天", "48小时"})
    assert not is_sum("11月25号", {"10月25"}, {"30天"})


def test_expiry_sum_grounded_but_not_another_day(grounder, extractor):
    state = conversation_state(
        "还能喝吗", turns("买家: 牛奶哪天的", "客服: 亲 生产日期10月25 保质期30天"), extractor
    )
    assert grounder.ungrounded("亲，11月24日到期", state) == []
    assert grounder.ungrounded("亲，11月30日到期", state) == ["date:11月30日"]


def test_suggest_answers_the_expiry_first(assistant):
    history = ["买家: 这箱牛奶是哪天的", "客服: 亲 生产日期10月25 保质期30天"]
    result = assistant.suggest("11月28号带去露营 还能喝吗", history=history)
    top = result.suggestions[0]
    assert "11月24日" in top.reply and "已经过了保质期" in top.reply, top.reply
    assert top.ready and not top.fill_ins


def test_year_long_shelf_life_needs_both_years(money, extractor):
    # the production date has its year, the buyer's day does not: which 6月1号 is not known
    history = turns("买家: 饼干生产日期2025年3月1日", "客服: 亲 保质期1年哦")
    state = conversation_state("6月1号还能吃吗", history, extractor)
    assert money.shelf_life("6月1号还能吃吗", "quality_question", state, None) is None


def test_years_read_as_spans_and_dates(extractor):
    def read(text):
        return [(f.kind, f.value) for f in extractor.extract(text)]

    assert read("保质期1年") == [("duration", "1年")] and read("保质期两年") == [("duration", "2年")]
    assert read("生产日期2024.3.1") == [("date", "3月1号")]
    assert read("2025年3月1日生产") == [("date", "3月1号")] and read("2024-03-01")[0] == ("date", "3月1号")
    # a year itself, a school year and a year and a half are no span read here
    assert not any(k == "duration" for k, _ in read("2024年的款 三年级 保质期一年半"))
    assert plus("3月1日", "2年", 2024) == (2, 3, 1) and plus("2月29日", "1年", 2024) is None
    assert days_past("3月1号", "2年", "5月1号", 2024, 2026) == 61
