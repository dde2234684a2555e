"""Events a reply claims, held against the events of this chat (issue 12, assistant/events.py,
facts.toml [claimed_events]), and no new deadline after a promise the agent broke (grievance.py,
upset.toml [grievance]).

The chats are in wordings of no evaluation set. A reply that says an exchange was made, the refund
went through, a complaint was filed or the warehouse will rush the parcel is held only when this chat
says so (or, for the rush, while the parcel can still be in the warehouse); the same claim supposed
(退款成功后) or asked (退了没有) claims nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import turns

from assistant.events import unheld
from assistant.grievance import promise_passed, without_new_time
from assistant.upset import load_mood


@pytest.fixture(scope="module")
def rules():
    mood, problems = load_mood(Path(__file__).parent.parent / "corpus" / "upset.toml")
    assert not problems
    return mood.grievance


@pytest.fixture(scope="module")
def claimed(extractor):
    return extractor.vocabulary.claimed_events


@pytest.mark.parametrize(
    "reply, chat, stage, held",
    [
        # an exchange nobody made, and one the buyer says failed again
        (
            "真的抱歉换了新的还是有问题，这次直接给您退款。",
            ["电饭煲内胆有划痕", "不给换我就投诉"],
            "delivered",
            False,
        ),
        (
            "真的抱歉换了新的还是有问题，这次直接给您退款。",
            ["电饭煲内胆有划痕", "好的 给您换", "换来的也有划痕"],
            "delivered",
            True,
        ),
        # a refund that went through, against one the buyer says has not moved and one the agent did
        ("退款成功后银行一般3到5个工作日入账。", ["退款申请两天了 钱没到"], "after_sale", True),
        ("退款成功表示我们这边已经退出了，银行入账要几天。", ["退款申请两天了 钱没到"], "after_sale", False),
        (
            "退款成功表示我们这边已经退出了，银行入账要几天。",
            ["钱呢", "亲 已经原路退回了"],
            "after_sale",
            True,
        ),
        ("退款成功表示我们这边已经退出了，银行入账要几天。", ["你们到底退了没有"], "after_sale", False),
        # a complaint the buyer never filed
        ("您的投诉我们已经收到，会尽快处理。", ["台灯不亮"], "delivered", False),
        ("您的投诉我们已经收到，会尽快处理。", ["台灯不亮 我打12315了"], "delivered", True),
        # a rush of orders nobody spoke of
        ("最近仓库爆单，发货慢了些。", ["拍了四天还没发"], "paid", False),
        ("最近仓库爆单，发货慢了些。", ["双11拍的 四天还没发"], "paid", True),
        # the warehouse rushes a parcel still in it, not goods the buyer holds
        ("好的，我让仓库优先安排发出。", ["刚拍的 急用"], "paid", True),
        ("好的，我让仓库优先安排发出。", ["加湿器不出雾"], "delivered", False),
        # a limit counted from the signing that the chat says went by long ago
        ("仓库签收后24小时内审核退款。", ["退货寄了", "物流显示签收四天了 还没退款"], "after_sale", False),
        ("仓库签收后24小时内审核退款。", ["退货寄了", "物流显示签收了"], "after_sale", True),
    ],
)
def test_a_reply_tells_only_events_this_chat_has(claimed, reply, chat, stage, held):
    assert (unheld(reply, chat, stage, claimed) == "") is held


def test_a_part_of_the_day_the_agent_gave_passes(rules):
    given = turns("买家: 路由器一直掉线", "客服: 亲 中午前我问下工程师 给您回复", "买家: 好")
    assert promise_passed([*given, *turns("买家: 都傍晚了 还没消息")], rules)
    assert not promise_passed([*given, *turns("买家: 现在上午 等你消息")], rules)
    # a bare 今天 holds until the day is over
    today = turns("买家: 几时发", "客服: 亲 今天给您发出")
    assert not promise_passed([*today, *turns("买家: 都晚上了 发了没")], rules)
    assert promise_passed([*today, *turns("买家: 这都第二天了 发了没")], rules)


def test_no_new_deadline_after_a_broken_promise(rules):
    reply = "非常抱歉，我马上去问，3小时内一定给您回复。"
    assert not re.search(r"\d+小时内", without_new_time(reply, rules))
    assert "回复" in without_new_time(reply, rules)


def test_an_exchange_nobody_made_is_not_claimed(assistant):
    """An angry buyer was refused an exchange: no suggestion says a replacement failed again."""
    result = assistant.suggest(
        "才买的就有划痕 你说正常？不给换我就去投诉",
        history=["买家: 平板背面有划痕", "客服: 亲 这个属于正常范围哦"],
    )
    assert result.escalate
    for suggestion in result.suggestions:
        assert not re.search("换了新的|换过|再次换|来回换", suggestion.reply), suggestion.reply
    assert re.search("抱歉|对不起", result.suggestions[0].reply)


def test_a_broken_promise_gets_an_apology_and_no_new_deadline(assistant):
    result = assistant.suggest(
        "早上说中午前回我 现在都傍晚了 到底能不能修 再不处理我就差评",
        history=[
            "买家: 路由器一直掉线",
            "客服: 亲 我中午前问下工程师 给您回复",
            "买家: 好",
        ],
    )
    top = result.suggestions[0].reply
    assert re.search("抱歉|对不起", top), top
    assert not re.search(r"(\d+|[一二两三四五六七八九十半])个?(小时|分钟|天)(之|以)?内", top), top
