"""Chat import: the JDDC logs under ../shared/data/external/, CSV and JSONL fixtures, bad files."""

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.audit_read import read_rows
from assistant.chats import (
    ChatTurn,
    Conversation,
    clean_chat_text,
    detect_format,
    import_chats,
    read_conversations,
)
from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import Turn, read_case_file, validate_corpus
from assistant.errors import FileFormatError, UnknownIdError
from assistant.files import decode_text
from assistant.taxonomy import load_taxonomy

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
JDDC2018 = EXTERNAL / "jddc2018-baseline"
JDDC2019 = EXTERNAL / "jddc2019-sample"
DATA = Path(__file__).resolve().parent / "data"
PLACEHOLDER = re.compile(
    r"\[(?:数字|姓名|地址|电话|金额|日期|时间|站点|订单)x\]|#E-s|ORDERID_|USERID_|https?://|www\."
)


def literal_start(reply: str) -> str:
    """The reply's words before its first slot or fill-in (imported facts become those, issue 13)."""
    return re.sub(r"\W", "", re.split(r"\{[a-z_]+\}|【[^【】]+】", reply)[0])


def stub_label(message, history):
    """A tiny labeller: invoices are invoices, everything else a shipping question."""
    return ("invoice", "in_sale", None) if "发票" in message else ("shipping_time", "whatever", "impulsive")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """An empty corpus: the shipped taxonomy, shop profile and catalog, no cases."""
    target = tmp_path / "corpus"
    (target / "cases").mkdir(parents=True)
    (target / "guidance").mkdir()
    for name in ("taxonomy.toml", "shop.toml", "catalog.csv"):
        shutil.copy(PROJECT_ROOT / "corpus" / name, target / name)
    return target


def external(path: Path) -> Path:
    assert path.is_file(), f"shared chat data missing: {path}"
    return path


def cases_in(path: Path) -> list:
    taxonomy = load_taxonomy(path.parents[1] / "taxonomy.toml")
    rows = list(read_case_file(path, taxonomy))
    problems = [str(p) for _, ps in rows for p in ps]
    assert problems == []
    return [case for case, _ in rows]


def run(corpus: Path, *args: str):
    return CliRunner().invoke(cli, ["--corpus", str(corpus), "import-chats", *args, "--labels", "keywords"])


def assert_no_problems_in(corpus: Path, name: str) -> None:
    problems = [p for p in validate_corpus(corpus) if Path(p.path).name == name]
    assert problems == [], [str(p) for p in problems]


# ----------------------------------------------------------------------------- reading


def test_detect_format():
    assert detect_format(external(JDDC2018 / "trainQuestions.txt")) == "jddc2018"
    assert detect_format(JDDC2018 / "devAnswers.txt") == "jddc2018"
    assert detect_format(external(JDDC2019 / "chat_0.1per.txt")) == "jddc2019"
    assert detect_format(external(JDDC2019 / "dev_question.txt")) == "jddc2019"
    assert detect_format(DATA / "chats_sample.csv") == "csv"
    assert detect_format(DATA / "chats_turns.jsonl") == "jsonl"
    assert detect_format(JDDC2018 / "SOURCE.md") is None
    assert detect_format(DATA / "no-such-file.txt") is None


def test_jddc2019_chat_reads_sessions_with_roles_and_lines():
    path = external(JDDC2019 / "chat_0.1per.txt")
    conversations = read_conversations(path, "jddc2019")
    first = next(conversations)
    assert isinstance(first, Conversation) and isinstance(first.turns[0], ChatTurn)
    lines = path.read_text(encoding="utf-8").split("\n")
    session = lines[0].split("\t")[0]
    assert first.session == session
    assert [t.line for t in first.turns] == list(range(1, len(first.turns) + 1))
    for turn in first.turns:
        fields = lines[turn.line - 1].split("\t")
        assert fields[0] == turn.session == session
        assert turn.role == ("agent" if fields[2] == "1" else "buyer")
        assert turn.text == fields[6].strip()
        assert turn.where == f"{path}:{turn.line}"
    assert next(conversations).session != session


def test_jddc2018_pairs_questions_with_the_answer_line():
    questions = external(JDDC2018 / "devQuestions.txt")
    answers = external(JDDC2018 / "devAnswers.txt")
    for given in (questions, answers):  # either file of the pair names it
        conversations = list(read_conversations(given, "jddc2018"))
        assert len(conversations) == len(answers.read_text(encoding="utf-8").rstrip("\n").split("\n"))
    third = conversations[2]
    assert third.session == "devQuestions:3"
    assert {t.line for t in third.turns} == {3}
    assert third.turns[-1].role == "agent" and third.turns[-1].path == str(answers)
    assert [t for t in third.turns if t.path == str(questions)][-1].role == "buyer"


def test_jddc2019_dev_files_interleave_questions_and_first_reference():
    conversations = list(read_conversations(external(JDDC2019 / "dev_answer.txt"), "jddc2019"))
    assert len(conversations) == 52
    first = conversations[0]
    assert first.session == "a_54"
    agent_from_answers = [t for t in first.turns if t.path.endswith("dev_answer.txt")]
    assert agent_from_answers and all(t.role == "agent" for t in agent_from_answers)
    assert agent_from_answers[0].line == 2 and agent_from_answers[0].text == "可以改"


def test_csv_with_chinese_headers_and_roles():
    conversations = list(read_conversations(DATA / "chats_sample.csv", "csv"))
    assert [c.session for c in conversations] == ["s1", "s2", "s3"]
    assert [(t.role, t.line) for t in conversations[0].turns] == [
        ("buyer", 2),
        ("agent", 3),
        ("buyer", 4),
        ("agent", 5),
        ("buyer", 6),
        ("agent", 7),
    ]


def test_jsonl_both_shapes():
    turns = list(read_conversations(DATA / "chats_turns.jsonl", "jsonl"))
    assert [c.session for c in turns] == ["a", "b", "c", "d"]
    assert turns[3].turns[0].role == "buyer"  # "customer" is a buyer
    whole = list(read_conversations(DATA / "chats_conversations.jsonl", "jsonl"))
    assert [len(c.turns) for c in whole] == [4, 4]
    assert {t.line for t in whole[1].turns} == {2}


def test_clean_chat_text():
    assert (
        clean_chat_text("[订单x]还请您稍等~ 过程大概需要[数字x]-[数字x]天.#E-s[数字x]")
        == "还请您稍等~ 过程大概需要N-N天"
    )
    assert clean_chat_text("[ORDERID_10005960]") == ""
    assert clean_chat_text("看看这个 https://item.jd.com/4255683.html USERID_10480447") == "看看这个"
    assert clean_chat_text("好的，[姓名x]") == "好的"


# ----------------------------------------------------------------------------- importing


def test_jddc2018_import_writes_candidates_with_answer_line_sources(corpus):
    answers = external(JDDC2018 / "trainAnswers.txt")
    result = run(
        corpus, str(external(JDDC2018 / "trainQuestions.txt")), "--format", "jddc2018", "--limit", "400"
    )
    assert result.exit_code == 0, result.output
    out = corpus / "cases" / "imported-trainQuestions.jsonl"
    lines = result.stdout.strip().split("\n")
    assert lines[0] == f"{JDDC2018 / 'trainQuestions.txt'} (jddc2018): 400 conversations, 400 agent replies"
    assert re.fullmatch(
        r"  候选 candidates: \d+ · 合并 merged near-duplicates: \d+ · labels: keywords", lines[1]
    )
    assert lines[-1].startswith("写入 wrote ") and lines[-1].endswith(f" candidate cases to {out}")
    cases = cases_in(out)
    assert 150 <= len(cases) <= 400
    assert_no_problems_in(corpus, out.name)
    raw = answers.read_text(encoding="utf-8").split("\n")
    for case in cases:
        path, line = case.source.rsplit(":", 1)
        assert path == str(answers) and 1 <= int(line) <= 400
        assert case.id == f"imp-trainAnswers-{line}"
        assert case.status == "candidate"
        assert not PLACEHOLDER.search(case.reply + case.buyer + "".join(t.text for t in case.context)), case
        # the reply is the agent's answer on that line, cleaned
        first_words = literal_start(case.reply)[:4]
        assert first_words in re.sub(r"[^\w]", "", clean_chat_text(raw[int(line) - 1].replace(",", "，"))), (
            case
        )
    assert any("占位符" in case.tags for case in cases)


def test_jddc2019_chat_import_skips_placeholders_and_merges_duplicates(corpus):
    path = external(JDDC2019 / "chat_0.1per.txt")
    result = import_chats(path, "jddc2019", corpus, stub_label, limit=150)
    raw = path.read_text(encoding="utf-8").split("\n")
    assert result.conversations == 150
    assert result.written == len(result.candidates) > 100
    assert result.skipped["system"] > 0 and result.skipped["placeholder"] > 0 and result.skipped["short"] > 0
    merged_notes = [c for c in result.candidates if "合并了" in c.notes]
    assert merged_notes, "the canned closing phrases must be merged"
    noted = sum(int(re.search(r"合并了 (\d+) 条", c.notes).group(1)) for c in merged_notes)
    assert noted == result.merged > 0
    cases = cases_in(corpus / "cases" / "imported-chat_0.1per.jsonl")
    assert [c.id for c in cases] == [c.id for c in result.candidates]
    replies = [re.sub(r"\W", "", c.reply) for c in cases]
    assert len(replies) == len(set(replies)), "no exact duplicate replies are left"
    for case in cases:
        line = int(case.source.rsplit(":", 1)[1])
        fields = raw[line - 1].split("\t")
        assert fields[2] == "1", "the source line is an agent turn"
        # the reply starts with that turn (later agent messages of the same run may follow)
        said, kept = re.sub(r"\W", "", clean_chat_text(fields[6])), literal_start(case.reply)
        n = min(4, len(said), len(kept))
        assert said[:n] == kept[:n], case
        assert not PLACEHOLDER.search(case.reply + case.buyer)
        assert case.stage == "pre_sale" if case.scenario == "stock" else True
        assert (case.scenario, case.stage) in {("invoice", "in_sale"), ("shipping_time", "in_sale")}
        assert case.buyer_type in (None, "impulsive")
        assert len(case.context) <= 4


def test_jddc2019_dev_import(corpus):
    result = run(corpus, str(external(JDDC2019 / "dev_question.txt")), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{JDDC2019 / 'dev_question.txt'} (jddc2019): 52 conversations, ")
    assert result.stdout.endswith(
        f"dry run: nothing written (would write to {corpus / 'cases' / 'imported-dev_question.jsonl'})\n"
    )
    assert not (corpus / "cases" / "imported-dev_question.jsonl").exists()


def test_csv_import_pairs_replies_and_skips_noise(corpus):
    result = import_chats(DATA / "chats_sample.csv", None, corpus, stub_label)
    got = [(c.buyer, c.reply, c.source.rsplit(":", 1)[1]) for c in result.candidates]
    assert got == [
        # the buyer's colour and size and the shop's own facts become slots (issue 13)
        ("这件T恤白色M码还有货吗", "有的亲，{colour}{size}现在有现货，{cutoff_time}前付款当天发出哦", "5"),
        ("你们发什么快递，能发顺丰吗", "默认发中通快递，需要顺丰的话补{express_surcharge}差价就可以哦", "9"),
        ("我要退货，运费谁出", "亲，七天无理由退货的话,运费由您承担；质量问题的话运费我们来出哦", "13"),
    ]
    # skipped: the robot greeting (line 3) and "好的" answering a bare order number (line 7); the
    # emoji-only turn (line 10) and "用户发起转人工" (line 11) are dropped from their blocks
    assert result.skipped == {"system": 1, "no_buyer": 1}
    assert result.candidates[0].context == (Turn("buyer", "在吗"),)
    assert_no_problems_in(corpus, "imported-chats_sample.jsonl")


def test_jsonl_near_duplicates_are_merged_with_their_sources(corpus):
    result = import_chats(DATA / "chats_turns.jsonl", "jsonl", corpus, stub_label, out="dups.jsonl")
    assert result.merged == 2
    first, invoice = result.candidates
    assert first.source == f"{DATA / 'chats_turns.jsonl'}:2"
    assert first.notes.startswith(
        f"合并了 2 条相近回复 merged 2 near-duplicate replies: {DATA / 'chats_turns.jsonl'}:4, {DATA / 'chats_turns.jsonl'}:6"
    )
    assert (invoice.scenario, invoice.stage) == ("invoice", "in_sale")
    assert (first.scenario, first.stage, first.buyer_type) == (
        "shipping_time",
        "in_sale",
        "impulsive",
    )
    assert [c.id for c in cases_in(corpus / "cases" / "dups.jsonl")] == [
        "imp-chats_turns-2",
        "imp-chats_turns-8",
    ]


def test_reimport_adds_nothing_new(corpus):
    first = run(corpus, str(DATA / "chats_conversations.jsonl"))
    assert first.exit_code == 0, first.output
    again = run(corpus, str(DATA / "chats_conversations.jsonl"))
    assert again.exit_code == 0, again.output
    assert "已导入 already imported 2" in again.stdout
    assert again.stdout.endswith(
        "写入 wrote 0 candidate cases to "
        + str(corpus / "cases" / "imported-chats_conversations.jsonl")
        + "\n"
    )
    cases = cases_in(corpus / "cases" / "imported-chats_conversations.jsonl")
    assert [(c.buyer, c.scenario) for c in cases] == [
        ("这个能便宜点吗", "bargaining"),
        ("收到的杯子碎了", "quality_complaint"),
    ]


def test_braces_in_chat_text_are_not_slots(corpus, tmp_path):
    log = tmp_path / "braces.jsonl"
    log.write_text(
        json.dumps(
            {
                "session": "q",
                "turns": [
                    {"role": "buyer", "text": "优惠码{abc}能用吗"},
                    {"role": "agent", "text": "亲，{abc}这个码已经过期了哦"},
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    result = import_chats(log, "jsonl", corpus, stub_label)
    [case] = cases_in(Path(result.file))
    assert case.reply == "亲，{{abc}}这个码已经过期了哦"


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        (
            "chats_missing_column.csv",
            "csv",
            "{path}:1: missing column(s) text (found session, speaker, words; expected text: text/content/message/msg/utterance/body); map them with --columns text=COL",
        ),
        (
            "chats_bad_role.csv",
            "csv",
            "{path}:3: unknown role 'robot' (expected buyer/agent, 客户/客服 or 0/1; add it to [roles] in assistant/chat_patterns.toml)",
        ),
        ("chats_bad.jsonl", "jsonl", "{path}:3: bad JSON at column 43: Expecting value"),
        (
            "chats_sample.csv",
            "jddc2019",
            "{path}:1: expected 7 tab-separated columns (session_id, user_id, waiter_send, is_transfer, is_repeat, sku, content), found 1",
        ),
        ("no-such-file.csv", "csv", "{path}: file not found"),
    ],
)
def test_bad_files_give_one_line_errors(corpus, name, fmt, message):
    path = DATA / name
    result = run(corpus, str(path), "--format", fmt)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"错误 Error: {message.format(path=path)}\n"
    assert list((corpus / "cases").iterdir()) == []


def test_binary_and_unknown_files(corpus, tmp_path):
    binary = tmp_path / "log.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    result = run(corpus, str(binary))
    assert (result.exit_code, result.stderr) == (1, f"错误 Error: {binary}: not a text file (binary data)\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n", encoding="utf-8")
    result = run(corpus, str(notes))
    assert (
        result.stderr
        == f"错误 Error: {notes}: cannot tell the chat format; pass --format (jddc2018|jddc2019|csv|xlsx|jsonl)\n"
    )
    result = run(corpus, str(notes), "--format", "jddc2020")
    assert (
        result.stderr
        == "错误 Error: unknown chat format 'jddc2020' (did you mean 'jddc2019'?) (one of jddc2018, jddc2019, csv, xlsx, jsonl)\n"
    )


def test_jddc2018_needs_its_sibling(corpus, tmp_path):
    lonely = tmp_path / "trainQuestions.txt"
    lonely.write_text("你好,在吗,\n", encoding="utf-8")
    result = run(corpus, str(lonely), "--format", "jddc2018")
    assert result.stderr == (
        f"错误 Error: {lonely}: jddc2018 needs a *Questions.txt file and its *Answers.txt sibling in the same folder\n"
    )
    (tmp_path / "trainAnswers.txt").write_text("在的,\n好的,\n", encoding="utf-8")
    result = run(corpus, str(lonely))
    assert result.stderr == (
        f"错误 Error: {tmp_path / 'trainAnswers.txt'}: 2 lines but trainQuestions.txt has 1; "
        "the two files must be aligned line by line\n"
    )


def test_bad_options(corpus):
    assert run(corpus, str(DATA / "chats_sample.csv"), "--out", "../x.jsonl").stderr == (
        "错误 Error: --out '../x.jsonl' must be a file name (it is written to corpus/cases/)\n"
    )
    assert (
        run(corpus, str(DATA / "chats_sample.csv"), "--limit", "0").stderr
        == "错误 Error: --limit must be at least 1, not 0\n"
    )


def test_read_conversations_raises_named_errors():
    with pytest.raises(UnknownIdError):
        read_conversations(DATA / "chats_sample.csv", "xls")
    with pytest.raises(FileFormatError, match=r"chats_bad\.jsonl:3: bad JSON"):
        list(read_conversations(DATA / "chats_bad.jsonl", "jsonl"))


def test_gbk_csv_is_decoded(tmp_path):
    text = (DATA / "chats_sample.csv").read_text(encoding="utf-8")
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    assert decode_text(path.read_bytes(), path) == text
    assert [c.session for c in read_conversations(path, "csv")] == ["s1", "s2", "s3"]


SHOP_ROLES = (
    "会话,角色,内容\ns1,顾客,在吗\ns1,{agent},在的亲\ns1,顾客,这件起球吗\ns1,{agent},不容易起球的哦\n"
)


@pytest.mark.parametrize("agent", ["店小二", "小二", "售前", "售后", "客服小美", "售后-阿强"])
def test_shop_side_roles_are_the_agents_in_imports_and_audits(tmp_path, agent):
    path = tmp_path / "chats.csv"
    path.write_text(SHOP_ROLES.format(agent=agent), encoding="utf-8")
    (conversation,) = read_conversations(path, "csv")
    assert [t.role for t in conversation.turns] == ["buyer", "agent", "buyer", "agent"]
    rows, columns = read_rows(path, session_col="会话", role_col="角色")
    assert [(r.message, r.reply) for r in rows] == [("在吗", "在的亲"), ("这件起球吗", "不容易起球的哦")]


def test_an_unknown_role_names_the_data_file_that_maps_it(tmp_path):
    path = tmp_path / "chats.csv"
    path.write_text(SHOP_ROLES.format(agent="阿花"), encoding="utf-8")
    hint = "expected buyer/agent, 客户/客服 or 0/1; add it to [roles] in assistant/chat_patterns.toml"
    with pytest.raises(FileFormatError) as info:
        list(read_conversations(path, "csv"))
    assert str(info.value) == f"{path}:3: unknown role '阿花' ({hint})"
    with pytest.raises(FileFormatError) as info:
        read_rows(path, session_col="会话", role_col="角色")
    assert str(info.value) == f"{path}:3: unknown role '阿花' in '角色' ({hint})"
