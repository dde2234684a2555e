"""Upset and escalating buyers recognised by meaning (issue 12, assistant/upset.py, corpus/upset.toml).

The messages below are in wordings of no evaluation set, and no word of ``facts.toml [escalation]``
names them: each is checked to escalate with the mood reader and not without it, so the test fails
when the meaning-based reading stops working. Calm messages of the same chats stay calm.
"""

from __future__ import annotations

import dataclasses

import pytest

from assistant.upset import MARK, MoodRules, load_mood

# threats and losses in words no pattern has, with the chat before them
ESCALATING = [
    ("收到的台灯灯罩裂了 你们不换我就去消费者热线反映", ["买家: 台灯到了"]),
    ("坏了两次了 我请了两天假在家等你们 这笔误工费你们看着办吧", ["买家: 洗衣机又不转了"]),
]

# a problem told calmly, a nudge, haggling: the meaning reading adds nothing
CALM = [
    ("杯子有个小划痕 不影响用 跟你们说一声", ["买家: 杯子收到了"]),
    ("收到了 盒子压扁了 东西没事", ["买家: 在吗"]),
    ("袜子少了一双 麻烦补一下", ["买家: 收到了"]),
    ("物流三天没动了 帮我看看", ["买家: 拍了 付了"]),
    ("能便宜点吗 别家才一半价", ["买家: 这个锅多少钱"]),
]


@pytest.fixture()
def without_mood(assistant):
    """The same assistant with the meaning reading off (the patterns alone)."""
    engine = assistant._engine
    assistant._engine = dataclasses.replace(engine, mood=None)
    yield assistant
    assistant._engine = engine


def test_shipped_lines_cover_every_label():
    from pathlib import Path

    rules, problems = load_mood(Path(__file__).resolve().parents[1] / "corpus" / "upset.toml")
    assert problems == []
    assert len(rules.lines) >= 300
    assert {"escalating", "upset", "calm"} <= set(rules.labels)
    assert len(set(rules.kinds)) >= 10


def test_a_bad_label_is_reported(tmp_path):
    path = tmp_path / "upset.toml"
    path.write_text(
        '[[examples]]\nlabel = "angry"\nlines = ["a"]\n[[examples]]\nlabel = "calm"\nlines = ["好的"]\n',
        encoding="utf-8",
    )
    rules, problems = load_mood(path)
    assert any("angry" in p.message for p in problems)
    # no escalating lines: nothing to compare with, so no reading at all
    assert rules == MoodRules()


@pytest.mark.parametrize(("message", "history"), ESCALATING)
def test_escalation_in_unseen_words_is_flagged(assistant, message, history):
    assert not assistant.engine.extractor.escalation(message)
    result = assistant.suggest(message, history=history)
    assert result.escalate
    assert any(w.startswith(MARK) for w in result.context.escalation)
    # an escalated buyer's top opens with the apology and names no amount, date or courier
    assert result.suggestions[0].reply.startswith(assistant.engine.adapter.rules.escalation_prefix)
    assert not result.suggestions[0].fill_ins


@pytest.mark.parametrize(("message", "history"), ESCALATING)
def test_the_same_chats_without_the_reading_are_not_flagged(without_mood, message, history):
    assert not without_mood.suggest(message, history=history).escalate


@pytest.mark.parametrize(("message", "history"), CALM)
def test_calm_messages_stay_calm(assistant, message, history):
    result = assistant.suggest(message, history=history)
    assert not result.escalate
    assert not any(w.startswith(MARK) for w in (*result.context.escalation, *result.context.anger))


def test_a_terse_reply_after_a_threat_stays_escalated(assistant):
    history = ["买家: 台灯灯罩裂了 你们不换我就去消费者热线反映", "客服: 亲 稍等 我问下仓库"]
    assert assistant.suggest("。。。", history=history).escalate


def test_a_pre_sale_question_is_not_read(assistant):
    """Before any order, a cross word in haggling (你们这是抢钱吧) is no grievance."""
    message = "别家一半价 你们这是抢钱吧"
    # (read by meaning, the line is contempt: the chat about no problem yet keeps it from escalating)
    reader = assistant.engine.mood
    assert reader.read(message, assistant.encode_one(message)).label == "escalating" or any(
        reader.read(c, v).label == "escalating"
        for c, v in zip(reader.clauses(message), assistant.encode(reader.clauses(message)), strict=True)
    )
    result = assistant.suggest(message, history=["买家: 这箱车厘子多少钱"])
    assert not any(w.startswith(MARK) for w in result.context.escalation)


# an upset that outlasts the agent's answer, read from the chat's structure (upset.lasting): a remedy
# that failed again, an angry message after a chase nobody answered, an ultimatum after the apology
LASTING = [
    (
        "补发的这个又漏水了 你们怎么回事",
        ["买家: 收到的保温杯盖子漏水", "客服: 非常抱歉 马上给您补发一个新的", "买家: 收到补发的了"],
        "failed_again",
    ),
    (
        "一直没人回 这都第几遍了",
        [
            "买家: 退货寄回去三天了 退款什么时候到",
            "客服: 亲 仓库签收后48小时内处理",
            "买家: 仓库签收两天了 钱呢",
            "买家: ？",
        ],
        "chased_again",
    ),
    (
        "明天再不发我就申请退款了",
        ["买家: 付款五天了 书架还没发", "客服: 非常抱歉亲 最近订单多 在加急"],
        "ultimatum",
    ),
]

# the same chats where nothing persisted: the remedy worked, a new wish, a pre-sale chase, an ultimatum
# nobody apologised for yet (the buyer's own step, no threat), a question about fakes
LASTING_CALM = [
    ("收到补发的了 这次没问题 谢谢", ["买家: 收到的保温杯盖子漏水", "客服: 非常抱歉 马上给您补发一个新的"]),
    ("补发的收到了 还是想换个蓝色的", ["买家: 收到的保温杯盖子漏水", "客服: 非常抱歉 马上给您补发一个新的"]),
    ("怎么不回 问你有没有暖光", ["买家: 这个台灯有暖光吗", "客服: 亲 您好", "买家: 在吗"]),
    ("明天再不发我就申请退款了", ["买家: 付款五天了 书架还没发", "客服: 亲 明天下午发"]),
    ("这款面霜是正品吗 你们店有没有假货", []),
]


@pytest.fixture()
def without_lasting(assistant, monkeypatch):
    """The same assistant without the structural reading (words and meaning only)."""
    import assistant.upset as upset

    monkeypatch.setattr(upset, "lasting", lambda *args, **kwargs: None)
    return assistant


@pytest.mark.parametrize(("message", "history", "kind"), LASTING)
def test_an_upset_that_lasts_past_the_answer_escalates(assistant, message, history, kind):
    assert not assistant.engine.extractor.escalation(message)
    result = assistant.suggest(message, history=history)
    assert result.escalate
    assert f"{MARK}{kind}" in result.context.escalation


@pytest.mark.parametrize(("message", "history", "kind"), LASTING)
def test_the_same_chats_without_the_structure_are_not_flagged(without_lasting, message, history, kind):
    assert not without_lasting.suggest(message, history=history).escalate


@pytest.mark.parametrize(("message", "history"), LASTING_CALM)
def test_what_did_not_persist_stays_calm(assistant, message, history):
    assert not assistant.suggest(message, history=history or None).escalate


def test_a_question_about_fakes_is_no_complaint(assistant):
    assert not assistant.engine.extractor.complaint("你们店有没有假货")
    assert assistant.engine.extractor.complaint("收到的是假货")


def test_a_bad_lasting_pattern_is_reported(tmp_path):
    path = tmp_path / "upset.toml"
    path.write_text(
        '[lasting]\nagain = ["又("]\n[[examples]]\nlabel = "escalating"\nlines = ["差评"]\n'
        '[[examples]]\nlabel = "calm"\nlines = ["好的"]\n',
        encoding="utf-8",
    )
    rules, problems = load_mood(path)
    assert any("[lasting] again" in p.message for p in problems)
    assert rules.again is None
