"""Importing shop chat exports a trainer can trust (issue 13): 千牛/咚咚/抖店 CSV and XLSX, JSONL,
interleaved sessions, system lines, placeholders, masked numbers, multi-line quoted fields; the
checklist verdict, occurrences and slots on every candidate; review by policy and by value."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.chats import import_chats, read_conversations
from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.errors import FileFormatError

DATA = Path(__file__).resolve().parent / "data"
QIANNIU = DATA / "import_qianniu.csv"


def stub_label(message, history):
    """Labels by a keyword, so the tests do not depend on the detector."""
    if "码" in message:
        return ("size_advice", "pre_sale", None)
    if "地址" in message:
        return ("change_address", "in_sale", None)
    return ("shipping_time", "in_sale", None)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The shipped taxonomy, shop profile, catalog, facts and checklist; no cases."""
    target = tmp_path / "corpus"
    (target / "cases").mkdir(parents=True)
    (target / "guidance").mkdir()
    for name in (
        "taxonomy.toml",
        "shop.toml",
        "catalog.csv",
        "facts.toml",
        "checklist.toml",
        "adaptation.toml",
    ):
        if (PROJECT_ROOT / "corpus" / name).exists():
            shutil.copy(PROJECT_ROOT / "corpus" / name, target / name)
    for guidance in (PROJECT_ROOT / "corpus" / "guidance").glob("*.md"):
        shutil.copy(guidance, target / "guidance" / guidance.name)
    return target


def turns_of(path: Path, fmt: str | None = None) -> dict[str, list[tuple[str, int, str]]]:
    return {c.session: [(t.role, t.line, t.text) for t in c.turns] for c in read_conversations(path, fmt)}


# ----------------------------------------------------------------------------- reading


def test_qianniu_export_groups_interleaved_sessions_and_drops_system_rows():
    raw = QIANNIU.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture is what 千牛 writes
    got = turns_of(QIANNIU)
    assert list(got) == ["q1", "q2", "q3", "q4"]  # by session id, in order of first appearance
    assert got["q1"] == [
        ("buyer", 2, "在吗"),
        ("agent", 5, "在的亲，您好"),  # the 系统 row on line 4 is gone
        ("buyer", 7, "这件T恤白色M码还有货吗"),
        ("buyer", 8, "[图片]"),
        ("agent", 11, "有的亲，白色M码有现货，默认发中通快递，48小时内发货哦"),  # after a 2-line field
        ("agent", 12, "[表情]"),
    ]
    assert got["q2"][-1] == ("agent", 9, '亲，按您的身高体重，\n建议拿M码哦，"修身款"可以拿大一码')


@pytest.mark.parametrize(
    ("name", "sessions"),
    [
        ("import_dongdong.csv", {"d1": ["buyer", "agent"], "d2": ["buyer", "agent"]}),
        ("import_doudian.csv", {"k1": ["buyer", "agent"], "k2": ["buyer", "agent", "agent"]}),
        ("import_interleaved.jsonl", {"j1": ["buyer", "agent", "agent"], "j2": ["buyer", "agent"]}),
    ],
)
def test_other_export_shapes_work_without_options(name, sessions):
    got = turns_of(DATA / name)
    assert {s: [role for role, _, _ in turns] for s, turns in got.items()} == sessions
    texts = " ".join(text for turns in got.values() for _, _, text in turns)
    assert "已接入" not in texts and "智能助手" not in texts and "已下单" not in texts


def test_xlsx_export_reads_like_the_csv(tmp_path):
    import csv

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in csv.reader(QIANNIU.read_text(encoding="utf-8-sig").splitlines(keepends=True)):
        book.active.append(row)
    path = tmp_path / "qianniu.xlsx"
    book.save(path)
    got = turns_of(path)
    want = turns_of(QIANNIU)
    assert list(got) == list(want)
    # the same turns; lines are spreadsheet rows (the CSV's two-line field makes later lines differ by one)
    assert [[(r, t) for r, _, t in turns] for turns in got.values()] == [
        [(r, t) for r, _, t in turns] for turns in want.values()
    ]
    assert got["q1"][1][1] == 5


def test_unknown_shape_names_its_columns_and_the_option(corpus):
    path = DATA / "import_unknown.csv"
    with pytest.raises(FileFormatError) as err:
        list(read_conversations(path))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:1: missing column(s) role, text (found 编号, 时刻, 谁, 说了什么;")
    assert message.endswith("map them with --columns role=COL,text=COL")
    # the option maps them (甲 is not a role name, so map a known one through a copy)
    mapped = corpus.parent / "mapped.csv"
    mapped.write_text(
        "编号,时刻,谁,说了什么\n1,10:00,买家,在吗\n1,10:01,客服,在的亲，有什么可以帮您\n", "utf-8"
    )
    result = CliRunner().invoke(
        cli,
        [
            "--corpus",
            str(corpus),
            "import-chats",
            str(mapped),
            "--labels",
            "keywords",
            "--dry-run",
            "--columns",
            "session=编号,role=谁,text=说了什么",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 conversations, 1 agent replies" in result.stdout
    bad = CliRunner().invoke(
        cli, ["--corpus", str(corpus), "import-chats", str(mapped), "--columns", "speaker=谁"]
    )
    assert bad.exit_code == 1
    assert bad.stderr == "错误 Error: --columns: unknown key 'speaker' (one of session, role, text)\n"


def test_import_keeps_sources_and_never_puts_system_text_in_a_reply(corpus):
    result = import_chats(QIANNIU, None, corpus, stub_label)
    by_source = {c.source.rsplit(":", 1)[1]: c for c in result.candidates}
    assert set(by_source) == {"5", "9", "11", "14", "17"}
    for case in result.candidates:
        assert case.source.startswith(f"{QIANNIU}:")
        assert (
            "系统消息" not in case.reply and "自动回复" not in case.reply and "客服正在忙" not in case.reply
        )
        assert "[图片]" not in case.buyer + case.reply and "[表情]" not in case.reply
        assert "****" not in case.buyer + case.reply and "5678" not in case.buyer + case.reply
    assert by_source["11"].buyer == "这件T恤白色M码还有货吗"
    assert by_source["17"].buyer == "我电话，地址写错了帮我改一下"
    assert "占位符" in by_source["17"].tags


# ----------------------------------------------------------------------------- verdicts, occurrences, slots


def write_jsonl(path: Path, conversations: list[list[tuple[str, str]]]) -> Path:
    lines = [
        json.dumps(
            {"session": f"s{i}", "turns": [{"role": r, "text": t} for r, t in turns]}, ensure_ascii=False
        )
        for i, turns in enumerate(conversations, start=1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_candidate_carries_its_checklist_verdict(corpus):
    result = import_chats(QIANNIU, None, corpus, stub_label)
    by_source = {c.source.rsplit(":", 1)[1]: c for c in result.candidates}
    assert by_source["14"].reply == "你自己看详情"
    assert set(by_source["14"].violations) >= {"tone.command"}  # the rude reply is marked
    assert by_source["11"].violations == ()  # checked and clean
    stored = [json.loads(line) for line in Path(result.file).read_text(encoding="utf-8").splitlines()]
    assert all(isinstance(r["violations"], list) and r["occurrences"] >= 1 for r in stored)


def test_near_duplicate_replies_count_as_occurrences(corpus, tmp_path):
    log = write_jsonl(
        tmp_path / "dups.jsonl",
        [
            [("buyer", "什么时候发货"), ("agent", "亲，付款后48小时内发货哦，请您耐心等待")],
            [("buyer", "啥时候发"), ("agent", "亲，付款后48小时内发货的哦，请您耐心等待哈")],
            [("buyer", "今天能发吗"), ("agent", "亲，付款后48小时内发货哦，请您耐心等待~")],
            [("buyer", "能开发票吗"), ("agent", "可以的亲，确认收货后开电子发票")],
        ],
    )
    result = import_chats(log, "jsonl", corpus, stub_label)
    assert [c.occurrences for c in result.candidates] == [3, 1]
    assert result.candidates[0].reply == "亲，付款后{dispatch_time}发货哦，请您耐心等待"


def test_facts_of_one_buyer_become_slots_or_fill_ins(corpus, tmp_path):
    log = write_jsonl(
        tmp_path / "facts.jsonl",
        [
            [
                ("buyer", "我身高165cm，5月3日前能到吗"),
                ("agent", "亲，165cm建议拿L码，5月3日前可以到，默认发中通快递"),
            ],
            [("buyer", "我付了89元怎么还没退"), ("agent", "亲，89元已经原路退回了，明天到账")],
        ],
    )
    result = import_chats(log, "jsonl", corpus, stub_label)
    size, refund = result.candidates
    # the buyer's values become conversation slots, the shop's courier its shop slot, and the size
    # advised for that buyer's height a fill-in
    assert size.reply == "亲，{height}建议拿【尺码/规格】，{date}前可以到，默认发{courier}"
    assert refund.reply == "亲，{amount}已经原路退回了，【日期】到账"
    assert "165cm→{height}" in size.notes


def test_corpus_lint_passes_on_approved_imports(corpus):
    import_chats(QIANNIU, None, corpus, stub_label)
    import_chats(DATA / "import_dongdong.csv", None, corpus, stub_label)
    import_chats(DATA / "import_doudian.csv", None, corpus, stub_label)
    for path in (corpus / "cases").glob("*.jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        path.write_text(
            "".join(json.dumps({**r, "status": "approved"}, ensure_ascii=False) + "\n" for r in rows), "utf-8"
        )
    result = CliRunner().invoke(cli, ["--corpus", str(corpus), "corpus", "lint"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK")
