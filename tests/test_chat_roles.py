"""Who spoke a JDDC 2018 context segment (``[jddc2018]`` of assistant/chat_patterns.toml): how agents
and buyers write, where the context ends, and what the audit and the import make of it. The logs
are written here; the check against the roles JDDC 2019 records reads ../shared when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.audit_read import load_rows
from assistant.chat_read import _is_system, clean_chat_text, load_patterns, read_conversations
from assistant.chats import pair_turns
from assistant.checklist import check, load_checklist
from assistant.config import PROJECT_ROOT

CHAT_2019 = PROJECT_ROOT.parent / "shared" / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"


def write_log(tmp_path: Path, lines: list[tuple[list[str], str]]) -> Path:
    """A questions/answers pair: each line a context (its turns joined by commas) and an answer."""
    questions, answers = tmp_path / "shopQuestions.txt", tmp_path / "shopAnswers.txt"
    questions.write_text("".join(",".join(context) + "\n" for context, _ in lines), encoding="utf-8")
    answers.write_text("".join(answer + "\n" for _, answer in lines), encoding="utf-8")
    return questions


def context_roles(path: Path, line: int = 1) -> list[str]:
    conversation = list(read_conversations(path, "jddc2018"))[line - 1]
    return [turn.role for turn in conversation.turns if turn.path.endswith("Questions.txt")]


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("亲，帮您看过了，明天送到的哦", True),
        ("小妹这边给您备注好了", True),
        ("预计周五前发出的呢", True),  # a statement ending 的呢: no 您 needed
        ("有问题可以随时联系在线客服的哦", True),
        ("您好，我的快递怎么还没到", False),  # buyers greet with 您好 too
        ("你们发错货了？？", False),
        ("我想换个颜色，您看可以吗", False),
        ("好的，谢谢您", False),
        ("哦哦", False),  # an acknowledgement, not a statement ending 哦
    ],
)
def test_agent_and_buyer_ways_of_writing_are_weighed(text, agent):
    assert load_patterns().agent_voiced(text) is agent


def test_a_buyers_turn_opening_with_您好_is_the_buyers_and_an_agents_without_您_the_agents(tmp_path):
    path = write_log(
        tmp_path,
        [
            (["您好，我的订单三天了怎么还没发货", "亲，马上帮您查一下", "查到了吗"], "已经催促仓库了"),
            (["请问这个能退吗", "七天内可以退的哦", "好的"], "还有别的问题吗"),
        ],
    )
    assert context_roles(path, 1) == ["buyer", "agent", "buyer"]
    assert context_roles(path, 2) == ["buyer", "agent", "buyer"]


def test_a_context_ending_with_the_agents_lines_begins_the_reply_there(tmp_path):
    path = write_log(
        tmp_path,
        [
            # the hold is a line of the answers file (line 3) and reads as the agent's
            (["衣服收到破了个洞", "马上查一下的哈"], "给您补发一件新的"),
            # read as the agent's by three patterns or more, with no answers-file line
            (["东西一直没到", "亲，麻烦您提供一下订单号，小妹帮您查询哦", "[ORDERID_123]"], "已经在派送了"),
            (["在吗"], "马上查一下的哈"),
            # one 您 is not enough at the end: buyers thank agents with it
            (["能今天送到吗", "可以的", "好的，麻烦您了"], "不客气"),
        ],
    )
    assert context_roles(path, 1) == ["buyer", "agent"]
    # the order card after the agent's request is the buyer's answer to it
    assert context_roles(path, 2) == ["buyer", "agent", "buyer"]
    assert context_roles(path, 4) == ["buyer", "agent", "buyer"]

    rows = {row.line: row for row in load_rows(path, "jddc2018")}
    assert rows[1].message == "衣服收到破了个洞"
    assert rows[1].reply == "马上查一下的哈\n给您补发一件新的"
    rules = load_checklist(PROJECT_ROOT / "corpus" / "checklist.toml")
    fired = check(rows[1].reply, rows[1].message, list(rows[1].history), rules=rules, fix=False).rules
    assert "complaint.no_apology" in fired  # the complaint is the buyer's message, not the agent's hold


def test_the_import_pairs_the_answer_alone_with_the_buyers_turn(tmp_path):
    path = write_log(
        tmp_path, [(["衣服收到破了个洞", "马上查一下的哈"], "给您补发一件新的"), (["在吗"], "马上查一下的哈")]
    )
    conversation = next(iter(read_conversations(path, "jddc2018")))
    (pair,) = pair_turns(conversation, last_only=True)
    assert (pair.buyer, pair.reply) == ("衣服收到破了个洞", "给您补发一件新的")
    assert pair.source == f"{tmp_path / 'shopAnswers.txt'}:1"


def test_the_voice_patterns_read_jddc2019s_recorded_roles():
    """JDDC 2019 says who sent each message: its comma-cut pieces, guessed by the voice patterns
    alone, are read right 9 times in 10, and few buyer pieces are taken for the agent's (that would
    hide a buyer's complaint). bench/jddc_roles.py prints the figures."""
    if not CHAT_2019.is_file():
        pytest.skip("../shared/data/external (JDDC) is not here")
    patterns = load_patterns()
    right = total = buyer_as_agent = agent_said = 0
    for line in CHAT_2019.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t", 6)
        if len(fields) < 7:
            continue
        agent = fields[2].strip() == "1"
        for piece in fields[6].split(","):
            piece = piece.strip()
            if not piece or _is_system(piece, patterns) or not clean_chat_text(piece, patterns):
                continue
            said = patterns.agent_voiced(piece)
            total += 1
            right += said == agent
            agent_said += said
            buyer_as_agent += said and not agent
    assert total > 10000
    assert right / total >= 0.89, right / total
    assert 1 - buyer_as_agent / agent_said >= 0.95, buyer_as_agent / agent_said
