"""A grievance read from the chat's facts (issue 12, assistant/grievance.py, upset.toml [grievance]),
and a message that is no shop question answered with the shop's scope reply (adaptation.toml
[out_of_scope]).

The chats are in wordings of no evaluation set. A promised day that has passed, an answer the buyer
says missed their question and a problem nobody apologised for make the top open with an apology
although no word of the buyer is cross; the same chats a day earlier, or with a new question, do not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.grievance import corrected, promise_passed
from assistant.records import Turn
from assistant.upset import load_mood

APOLOGY = re.compile(r"抱歉|不好意思|对不起|久等")


def chat(*lines: str) -> list[Turn]:
    return [Turn("buyer" if line.startswith("买家") else "agent", line.split(": ", 1)[1]) for line in lines]


@pytest.fixture(scope="module")
def rules():
    mood, problems = load_mood(Path(__file__).parent.parent / "corpus" / "upset.toml")
    assert not problems
    return mood.grievance


@pytest.mark.parametrize(
    "lines, passed",
    [
        (("买家: 台灯哪天能发", "客服: 亲 20号之前给您发出", "买家: 今天22号了"), True),
        (("买家: 台灯哪天能发", "客服: 亲 20号之前给您发出", "买家: 今天19号 能发了吗"), False),
        (("买家: 台灯哪天能发", "客服: 亲 星期二发", "买家: 今天都星期四了"), True),
        # a limit counted from the day the buyer names: Tuesday + 2 working days is Thursday
        (
            (
                "买家: 要开专票",
                "客服: 亲 确认收货后2个工作日内开好",
                "买家: 周二确认收货了",
                "买家: 今天周五了 票呢",
            ),
            True,
        ),
        (
            (
                "买家: 要开专票",
                "客服: 亲 确认收货后2个工作日内开好",
                "买家: 周二确认收货了",
                "买家: 今天周三了 票呢",
            ),
            False,
        ),
        # the buyer's own day is no promise of the agent's
        (("买家: 我20号要用", "客服: 亲 今天就发", "买家: 今天22号了"), False),
        # (今天3点 is an hour, not the 3rd)
        (("买家: 什么时候发", "客服: 亲 2号发", "买家: 今天3点前能发吗"), False),
        # the wait the buyer tells against the agent's limit: past it, at it, inside it
        (("买家: 鱼缸几天发", "客服: 亲 付款后24小时内发出", "买家: 过了两天了 还没动"), True),
        (("买家: 鱼缸几天发", "客服: 亲 付款后72小时内发出", "买家: 都三天了"), False),
        (("买家: 鱼缸几天发", "客服: 亲 付款后72小时内发出", "买家: 这都第五天了"), True),
        # working days may take two weekend days more: 2个工作日 is not over on the third day
        (("买家: 发票呢", "客服: 亲 2个工作日内开好", "买家: 已经第三天了"), False),
        (("买家: 发票呢", "客服: 亲 2个工作日内开好", "买家: 已经第五天了"), True),
        # a window the buyer has (7天内可以退) is no promise of the shop's
        (("买家: 不合适能退吗", "客服: 亲 签收后7天内可以退", "买家: 收到都九天了 还能退吗"), False),
        # a range the agent gave counts from the day its own turn names, into the next month
        (
            ("买家: 退回去了", "客服: 亲 仓库7月26号签收了 2-4个工作日原路退回", "买家: 今天都8月3号了 钱呢"),
            True,
        ),
        (
            ("买家: 退回去了", "客服: 亲 仓库7月26号签收了 2-4个工作日原路退回", "买家: 今天都30号了 钱呢"),
            False,
        ),
    ],
)
def test_promise_passed(rules, lines, passed):
    assert promise_passed(chat(*lines), rules) is passed


def test_corrected_needs_the_question_again(rules):
    asked = ("买家: 这个保温杯能保温几个小时", "客服: 亲 这款是304不锈钢的 放心用")
    assert corrected(chat(*asked, "买家: 我问的是能保温几个小时"), rules)
    # a new question after the answer corrects nothing, however it is framed
    assert not corrected(chat(*asked, "买家: 我问的是有没有蓝色"), rules)
    assert not corrected(chat(*asked, "买家: 能保冷吗"), rules)


def test_a_passed_promise_opens_with_an_apology(assistant):
    history = ["买家: 台灯哪天能发", "客服: 亲 20号之前给您发出"]
    late = assistant.suggest("今天22号了", history)
    assert late.context.grievance == "promise_passed"
    assert APOLOGY.search(late.suggestions[0].reply[:20]), late.suggestions[0].reply
    assert not late.suggestions[0].reply.startswith("好的")
    early = assistant.suggest("今天19号 能发了吗", history)
    assert early.context.grievance == ""


def test_a_refund_time_past_is_not_restated(assistant):
    # the agent's own time is over by the days the chat gives: the reply says so and looks into it,
    # it does not give the same time again; inside it, the time is restated
    history = ["买家: 退回去的台灯签收了吗", "客服: 亲 仓库7月26号签收了 退款已提交 2-4个工作日原路退回"]
    late = assistant.suggest("今天都8月5号了 钱还没到", history)
    assert late.context.grievance == "promise_passed"
    top = late.suggestions[0].reply
    assert APOLOGY.search(top[:12]) and "2-4个工作日" not in top and "查" in top, top
    early = assistant.suggest("今天都7月27号了 钱还没到", history)
    assert early.context.grievance == ""
    assert "2-4个工作日" in early.suggestions[0].reply, early.suggestions[0].reply


def test_a_missed_answer_opens_with_an_apology(assistant):
    history = ["买家: 这个保温杯能保温几个小时", "客服: 亲 这款是304不锈钢的 放心用"]
    result = assistant.suggest("我问的是能保温几个小时 你没看懂吗", history)
    assert result.context.grievance == "corrected"
    assert APOLOGY.search(result.suggestions[0].reply[:20]), result.suggestions[0].reply
    assert assistant.suggest("那能保冷吗", history).context.grievance == ""


def test_a_problem_nobody_apologised_for(assistant):
    history = ["买家: 收到了 碗碎了一个", "客服: 亲 您看下是不是包装里还有一层"]
    result = assistant.suggest("没有 就是碎了", history)
    assert result.context.grievance == "unresolved"
    assert APOLOGY.search(result.suggestions[0].reply[:20]), result.suggestions[0].reply
    # once the agent apologised and offered the remedy, a calm follow-up owes nothing more
    remedied = [*history[:1], "客服: 非常抱歉亲 马上给您补发一个"]
    assert assistant.suggest("好的 什么时候发", remedied).context.grievance == ""


def test_something_missing_told_calmly_still_gets_the_apology(assistant):
    history = ["买家: 下单送杯垫吗", "客服: 亲 下单送杯垫一个 随单发", "买家: 拍了", "买家: 今天到了"]
    result = assistant.suggest("杯子在 杯垫没看到", history)
    assert APOLOGY.search(result.suggestions[0].reply[:20]), result.suggestions[0].reply


def test_a_message_that_is_no_shop_question_gets_the_scope_reply(assistant):
    from assistant.detection import Detection

    adapter = assistant.engine.adapter
    scope = adapter.rules.fallback["non_buyer"].split("{")[0]

    def reading(first: str, share: float) -> Detection:
        # an unsure detector: non_buyer second, at ``share`` of the first reading's probability
        return Detection(first, 0.3, "pre_sale", None, 0.0, (("non_buyer", 0.3 * share), ("stock", 0.05)))

    message = "帮我看看这个表格公式哪里写错了"
    top = adapter.out_of_scope(message, [], reading("invoice", 0.8), assistant.conversation(message))
    assert top is not None and top.reply.startswith(scope), top
    # a sure reading of another scenario, a shop question, or a chat under way: no scope reply
    assert adapter.out_of_scope(message, [], reading("invoice", 0.2), assistant.conversation(message)) is None
    asked = "什么时候发货"
    assert adapter.out_of_scope(asked, [], reading("invoice", 0.8), assistant.conversation(asked)) is None
    history = chat("买家: 这个台灯有暖光的吗", "客服: 亲 有的")
    assert (
        adapter.out_of_scope(
            message, history, reading("invoice", 0.8), assistant.conversation(message, history)
        )
        is None
    )
