"""Audits: rows and DataFrames, per-rule and per-group summaries, file formats and encodings,
JDDC chat logs, reports, and the `audit` command (its --json contract and its errors)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.audit import (
    AuditInput,
    AuditRow,
    audit,
    audit_dataframe,
    audit_rows,
    load_rows,
)
from assistant.checklist import load_checklist
from assistant.cli import cli
from assistant.columns import choose_columns
from assistant.config import PROJECT_ROOT
from assistant.errors import FileFormatError, InputError, UnknownIdError
from assistant.reports import report_html, write_report

DATA = Path(__file__).resolve().parent / "data"
EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
JDDC2019_CHAT = EXTERNAL / "jddc2019-sample" / "chat_0.1per.txt"
JDDC2018_DEV = EXTERNAL / "jddc2018-baseline" / "devQuestions.txt"
# the rules each row of tests/data/audit_replies*.{csv,jsonl} breaks
EXPECTED = [
    ["greeting.bare"],
    [],
    ["refusal.blunt"],
    ["complaint.no_apology"],
    [],
    [],
    ["claim.absolute", "punct.shouting"],
    [],
]


@pytest.fixture(scope="module")
def rules():
    return load_checklist(PROJECT_ROOT / "corpus" / "checklist.toml")


# ----------------------------------------------------------------------------- core API


def test_audit_rows_in_order_with_verdicts(rules):
    rows = list(
        audit_rows(
            [
                ("在吗", "在"),
                ("有货吗", "有的亲，现货"),
                "你好！！",
                {"message": "坏了", "reply": "拍照发过来"},
                ("x", ""),
            ],
            rules,
        )
    )
    assert [r.row for r in rows] == [1, 2, 3, 4, 5]
    assert [r.rules for r in rows] == [
        ("greeting.bare",),
        (),
        ("pronoun.ni", "punct.shouting"),
        ("complaint.no_apology",),
        (),
    ]
    assert [r.passed for r in rows] == [False, True, False, False, True]
    assert rows[2].to_dict() == {
        "row": 3,
        "passed": False,
        "violations": [v.to_dict() for v in rows[2].violations],
    }
    with pytest.raises(InputError, match="row 1: expected"):
        list(audit_rows([42], rules))


def test_summary_counts_rows_not_spans(rules):
    report = audit(
        [("", "你好，你看一下"), ("", "你们好"), ("", "您好"), ("", "没有优惠！！！")], rules, source="x"
    )
    by_rule = {s.rule: s for s in report.rules}
    assert (report.total, report.passed) == (4, 1)
    assert (by_rule["pronoun.ni"].count, by_rule["pronoun.ni"].rate) == (2, 0.5)
    assert by_rule["pronoun.ni"].example == "【你】好，你看一下" and by_rule["pronoun.ni"].example_row == 1
    assert by_rule["punct.shouting"].example == "没有优惠【！！！】"
    assert report.rules[0].rule == "pronoun.ni"  # most frequent first
    assert by_rule["word.slang"].count == 0 and by_rule["word.slang"].example == ""
    assert len(report.rules) == len(rules.rules)


def test_audit_dataframe_with_groups(rules):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "客户问题": ["在吗", "能便宜点吗", "有货吗", None],
            "客服回复": ["在", "不行", "有的亲，今天发", "您好"],
            "客服": ["小王", "小李", "小王", "小李"],
        }
    )
    report = audit_dataframe(frame, rules, by="客服")
    assert [r.rules for r in report.rows] == [("greeting.bare",), ("refusal.blunt",), (), ()]
    assert report.rows[3].message is None
    groups = {g.group: g for g in report.groups}
    assert (groups["小王"].rows, groups["小王"].passed, groups["小王"].counts) == (2, 1, {"greeting.bare": 1})
    frames = report.frames()
    assert list(frames.rows.columns) == [
        "row",
        "line",
        "group",
        "passed",
        "rules",
        "violations",
        "message",
        "reply",
    ]
    assert frames.rows["rules"].tolist() == ["greeting.bare", "refusal.blunt", "", ""]
    assert list(frames.by_rule.columns) == ["rule", "severity", "count", "rate", "example", "example_row"]
    assert frames.by_group.set_index("客服").loc["小李", "refusal.blunt"] == 1
    with pytest.raises(FileFormatError, match=r"no column '客服回'.*did you mean '客服回复'"):
        audit_dataframe(frame, rules, reply_col="客服回")
    with pytest.raises(FileFormatError, match=r"no column 'agnet' for by"):
        audit_dataframe(frame, rules, by="agnet")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["message", "reply"], ("message", "reply")),
        (["买家消息", "客服回复", "客服"], ("买家消息", "客服回复")),
        (["Question", "Answer"], ("Question", "Answer")),
        (["买家消息内容", "客服回复内容"], ("买家消息内容", "客服回复内容")),
        (["query", "response", "agent"], ("query", "response")),
        (["agent", "message", "reply_text"], ("message", "reply_text")),
        (["user", "message", "reply"], ("message", "reply")),
        (["user_id", "买家消息", "客服回复", "客服昵称", "回复时间"], ("买家消息", "客服回复")),
        (["reply"], (None, "reply")),
    ],
)
def test_column_detection(names, expected):
    chosen = choose_columns(names, where="f.csv")
    assert (chosen.message, chosen.reply) == expected


@pytest.mark.parametrize(
    ("names", "error"),
    [
        # a column that names a person, an id, a time or a session is never the text
        (["message", "agent", "time"], "f.csv: cannot find the reply column among 'message', 'agent', 'time'; name it with --reply-col"),
        (["agent", "message", "content"], "f.csv: cannot find the reply column among 'agent', 'message', 'content'; name it with --reply-col"),
        (["客服", "会话"], "f.csv: cannot find the reply column among '客服', '会话'; name it with --reply-col"),
        (["message", "reply_id", "reply_time", "agent_name"], "f.csv: cannot find the reply column among 'message', 'reply_id', 'reply_time', 'agent_name'; name it with --reply-col"),
        (["reply_text", "reply_content"], "f.csv: more than one column looks like the replies among 'reply_text', 'reply_content'; name it with --reply-col"),
        (["question_text", "question_title", "reply"], "f.csv: more than one column looks like the buyer messages among 'question_text', 'question_title', 'reply'; name it with --message-col"),
        (["在的亲"], "f.csv: one column only ('在的亲'); a table needs named columns (e.g. message,reply), or name the reply column with --reply-col"),
    ],
)  # fmt: skip
def test_column_choice_refuses_rather_than_guesses(names, error):
    with pytest.raises(FileFormatError) as info:
        choose_columns(names, where="f.csv")
    assert str(info.value) == error


def test_column_choice_names_the_option_of_each_face():
    from assistant.columns import MAGIC_OPTIONS, choose_columns

    with pytest.raises(FileFormatError, match=r"name it with --reply \(did you mean --reply 'replies'\?\)$"):
        choose_columns(["msg", "replies"], where="df", options=MAGIC_OPTIONS)
    chosen = choose_columns(["agent", "买家消息", "客服回复"], where="df")
    assert chosen.describe() == "列 columns: reply=客服回复 (detected) · message=买家消息 (detected)"
    given = choose_columns(["agent", "q", "a"], reply="agent", message="q", where="df")
    assert (given.reply, given.message, given.detected) == ("agent", "q", ())  # named columns are obeyed


def test_column_detection_suggests_a_close_header():
    with pytest.raises(FileFormatError) as info:
        choose_columns(["msg", "replies"], where="f.csv")
    assert str(info.value) == (
        "f.csv: cannot find the reply column among 'msg', 'replies'; name it with --reply-col "
        "(did you mean --reply-col 'replies'?)"
    )


# ----------------------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("name", "by"),
    [
        ("audit_replies.csv", "agent"),
        ("audit_replies_bom.csv", "客服"),
        ("audit_replies_gbk.csv", "客服"),
        ("audit_replies.jsonl", "agent"),
    ],
)
def test_tables_in_every_encoding_and_format(rules, name, by):
    rows = load_rows(DATA / name, by=by)
    assert [r.row for r in rows] == list(range(1, 9))
    assert rows[0].message == "在吗" and rows[0].reply == "在" and rows[0].group == "小王"
    assert rows[4].message is None
    assert [list(r.rules) for r in audit(rows, rules).rows] == EXPECTED


def test_xlsx(tmp_path, rules):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["买家消息", "回复", "备注"])
    with (DATA / "audit_replies.csv").open(encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            sheet.append([record["message"] or None, record["reply"], 1])
    sheet.append([None, None, None])  # a blank row is skipped
    path = tmp_path / "replies.xlsx"
    book.save(path)
    rows = load_rows(path)
    assert [r.line for r in rows][:2] == [2, 3]
    assert [list(r.rules) for r in audit(rows, rules).rows] == EXPECTED


@pytest.mark.parametrize(
    ("name", "kwargs", "error"),
    [
        ("missing.csv", {}, "{path}: file not found"),
        ("audit_bad.jsonl", {}, "{path}:3: bad JSON at column 28: Unterminated string starting at"),
        (
            "audit_no_reply.csv",
            {},
            "{path}: cannot find the reply column among '问题', '备注'; name it with --reply-col",
        ),
        (
            "audit_replies.csv",
            {"reply_col": "replly"},
            "{path}: no column 'replly' (--reply-col) (did you mean 'reply'?); columns: 'message', 'reply', 'agent'",
        ),
        ("audit_replies.csv", {"by": "agnet"}, "{path}: no column 'agnet' (--by) (did you mean 'agent'?)"),
        (
            "audit_ragged.csv",
            {},
            "{path}:3: 3 cells but the header names 2 columns (quote cells that contain ',')",
        ),
    ],
)
def test_unreadable_files_name_the_file_and_line(name, kwargs, error):
    path = DATA / name
    with pytest.raises(FileFormatError) as info:
        load_rows(path, **kwargs)
    assert str(info.value) == error.format(path=path)


def test_more_bad_files(tmp_path):
    binary = tmp_path / "replies.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    with pytest.raises(FileFormatError, match="a binary file, not a text table"):
        load_rows(binary)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FileFormatError, match="empty file"):
        load_rows(empty)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("message,reply\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not a readable XLSX workbook"):
        load_rows(fake)
    scalars = tmp_path / "scalars.jsonl"
    scalars.write_text('{"reply": "在"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"scalars.jsonl:2: each line must be a JSON object"):
        load_rows(scalars)
    unknown = tmp_path / "replies.dat"
    unknown.write_text("hello", encoding="utf-8")
    with pytest.raises(FileFormatError, match="cannot tell the format; pass --format"):
        load_rows(unknown)
    with pytest.raises(UnknownIdError, match="unknown format 'jsnl' \\(did you mean 'jsonl'\\?\\)"):
        load_rows(DATA / "audit_replies.csv", "jsnl")
    with pytest.raises(FileFormatError, match="is a directory"):
        load_rows(tmp_path)


def test_turn_based_chat_csv_is_audited_reply_by_reply(rules):
    rows = load_rows(DATA / "chats_sample.csv")
    assert rows, "the chat log has agent replies"
    assert all(r.reply for r in rows)
    assert rows[0].message == "在吗" and rows[0].reply.startswith("在的亲")


def test_jddc2019_chat_log_one_row_per_agent_reply(rules):
    lines = JDDC2019_CHAT.read_text(encoding="utf-8").split("\n")  # fails (not skips) without ../shared
    expected, previous = 0, (None, None)
    for line in lines:
        fields = line.split("\t")
        if len(fields) < 7 or not fields[6].strip():
            continue
        key = (fields[0], fields[2].strip())
        if key[1] == "1" and key != previous:
            expected += 1
        previous = key
    rows = load_rows(JDDC2019_CHAT, "jddc2019", by="session")
    assert len(rows) == expected
    assert [r.row for r in rows] == list(range(1, expected + 1))
    assert all(r.group for r in rows)
    report = audit(rows, rules)
    assert report.total == expected and 0 < report.passed < expected


def test_jddc2018_pairs_audit_the_answer_with_the_last_buyer_turn(rules):
    questions = JDDC2018_DEV.read_text(encoding="utf-8").rstrip("\n").split("\n")
    rows = load_rows(JDDC2018_DEV, "jddc2018")
    assert len(rows) == len(questions)
    assert all("\n" not in (r.message or "") for r in rows)
    with pytest.raises(InputError, match="do not apply to jddc2018"):
        load_rows(JDDC2018_DEV, "jddc2018", reply_col="x")


# ----------------------------------------------------------------------------- reports


def test_csv_and_html_reports(tmp_path, rules):
    report = audit(
        load_rows(DATA / "audit_replies.csv", by="agent"), rules, by="agent", source="audit_replies.csv"
    )
    out = write_report(report, tmp_path / "report.csv")
    with out.open(encoding="utf-8-sig") as fh:
        records = list(csv.DictReader(fh))
    assert [r["rules"] for r in records] == [";".join(e) for e in EXPECTED]
    assert records[0]["group"] == "小王" and records[0]["line"] == "2"
    assert out.stat().st_mode & 0o044  # readable by others, like any report
    page = write_report(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "按agent by group" in page
    assert '<mark class="checklist-error"' in page
    with pytest.raises(InputError, match=r"must end in .csv, .xlsx, .html or .parquet"):
        write_report(report, tmp_path / "report.txt")


def test_html_report_escapes_everything(rules):
    report = audit([("<b>在吗</b>", "<script>alert(1)</script>你")], rules, source="<x>")
    page = report_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page and "&lt;x&gt;" in page


# ----------------------------------------------------------------------------- the audit command


def test_audit_json_is_one_object_per_input_row_and_nothing_else():
    result = CliRunner().invoke(cli, ["audit", str(DATA / "audit_replies_gbk.csv"), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert lines[-1] == "" and len(lines) == 9
    records = [json.loads(line) for line in lines[:-1]]
    assert [r["row"] for r in records] == list(range(1, 9))
    assert [list(r) for r in records] == [["row", "passed", "violations"]] * 8
    assert [sorted({v["rule"] for v in r["violations"]}) for r in records] == EXPECTED
    assert records[0]["violations"][0] == {
        "rule": "greeting.bare",
        "severity": "warn",
        "start": 0,
        "end": 1,
        "text": "在",
        "message": "只回了“在”：请加上问候和“有什么可以帮您”。",
        "guidance": "etiquette-greeting",
    }


def test_audit_json_for_a_chat_log_matches_its_rows():
    result = CliRunner().invoke(cli, ["audit", str(JDDC2019_CHAT), "--format", "jddc2019", "--json"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["row"] for r in records] == list(range(1, len(load_rows(JDDC2019_CHAT, "jddc2019")) + 1))


def test_audit_table(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["audit", str(DATA / "audit_replies.csv"), "--by", "agent", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert lines[0] == f"{DATA / 'audit_replies.csv'}: 8 条回复 replies, 4 通过 passed (50.0%)"
    assert lines[4].split("│")[1:5] == [" greeting.bare        ", " warn     ", "     1 ", " 12.50% "]
    assert any(
        "│ 小李  │    3 │     33.3% │ complaint.no_apology 1, refusal.blunt 1 │" in line for line in lines
    )
    assert result.stderr == (
        "列 columns: reply=reply (detected) · message=message (detected) · by=agent\n"
        f"已保存报告 report saved: {out}\n"
    )
    assert out.exists()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["audit", "missing.csv"], "错误 Error: missing.csv: file not found\n"),
        (
            ["audit", str(DATA / "audit_no_reply.csv")],
            f"错误 Error: {DATA / 'audit_no_reply.csv'}: cannot find the reply column among '问题', '备注'; name it with --reply-col\n",
        ),
        (
            ["audit", str(DATA / "audit_bad.jsonl"), "--json"],
            f"错误 Error: {DATA / 'audit_bad.jsonl'}:3: bad JSON at column 28: Unterminated string starting at\n",
        ),
        (
            ["audit", str(DATA / "audit_replies.csv"), "--format", "jsnl"],
            "错误 Error: unknown format 'jsnl' (did you mean 'jsonl'?) (one of csv, jsonl, xlsx, jddc2018, jddc2019)\n",
        ),
        (
            ["audit", str(DATA / "audit_replies.csv"), "--out", "report.txt"],
            "错误 Error: --out 'report.txt': the report must end in .csv, .xlsx, .html or .parquet\n",
        ),
    ],
)
def test_audit_command_errors(args, error):
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stderr, result.stdout) == (1, error, "")


def test_audit_row_records():
    row = AuditRow(3, True, (), "好的亲", None, "小王", 4)
    assert row.to_record() == {
        "row": 3,
        "line": 4,
        "group": "小王",
        "passed": True,
        "rules": "",
        "violations": 0,
        "message": "",
        "reply": "好的亲",
    }
    assert AuditInput(1, "在").history == ()


# ----------------------------------------------------------------------------- pandas-shaped results


def test_group_keys_keep_their_dtype_and_order(rules):
    import pandas as pd

    replies = ["在", "不行", "有的亲，今天发", "您好，请问有什么可以帮您？", "卖完了"]
    frame = pd.DataFrame({"reply": replies, "turn": [10, 2, 1, 2, 10]})
    by_turn = audit_dataframe(frame, rules, by="turn").frames().by_group
    assert by_turn["turn"].tolist() == [1, 2, 10] and by_turn["turn"].dtype == "int64"
    sizes = pd.Categorical(["L", "S", None, "M", "S"], categories=["S", "M", "L", "XL"], ordered=True)
    frames = audit_dataframe(frame.assign(size=sizes), rules, by="size").frames()
    keys = frames.by_group["size"]
    assert isinstance(keys.dtype, pd.CategoricalDtype) and list(keys.cat.categories) == ["S", "M", "L", "XL"]
    assert keys.iloc[:3].tolist() == ["S", "M", "L"] and pd.isna(keys.iloc[3])  # missing keys last, as NaN
    assert frames.by_group["rows"].tolist() == [2, 1, 1, 1]
    shops = frame.assign(shop=["a", None, "b", "a", float("nan")])
    keys = audit_dataframe(shops, rules, by="shop").frames().by_group["shop"]
    assert keys.iloc[:2].tolist() == ["a", "b"] and pd.isna(keys.iloc[2])


def test_row_references_are_index_labels(rules):
    import pandas as pd

    frame = pd.DataFrame(
        {"message": ["在吗", "能便宜点吗", "有货吗", "在吗"], "reply": ["您好", "不行", "卖完了", "在"]},
        index=pd.Index([101, 205, 307, 409], name="ticket"),
    )
    filtered = frame[frame.index > 200]
    frames = audit_dataframe(filtered, rules).frames()
    by_rule = frames.by_rule.set_index("rule")
    for rule in ("refusal.blunt", "stock.no_alternative", "greeting.bare"):
        label = by_rule.loc[rule, "example_row"]
        assert label in filtered.index and filtered.loc[label, "reply"] == frames.rows.loc[label, "reply"]
    assert list(frames.rows.index) == [205, 307, 409] and frames.rows.index.name == "ticket"
    long = frames.violations
    assert list(long.columns) == ["row", "rule", "severity", "start", "end", "text", "message"]
    assert len(long) == frames.rows["violations"].sum() and set(long.index) <= set(filtered.index)
    assert long.loc[[205], "rule"].tolist() == ["refusal.blunt"]
    file_rule = audit(load_rows(DATA / "audit_replies.csv"), rules).frames().by_rule
    assert str(file_rule["example_row"].dtype) == "Int64"  # 1-based row numbers, never floats


def test_charts_aggregate_before_plotting(rules):
    import pandas as pd

    from assistant.charts import group_rates, rate_chart

    n = 1500
    frame = pd.DataFrame({"reply": ["在" if i % 7 == 0 else "您好" for i in range(n)], "agent": range(n)})
    frames = audit_dataframe(frame, rules, by="agent").frames()
    spec = rate_chart(frames.by_rule, frames.by_group, "agent", title="t").to_dict()  # no MaxRowsError
    rows = sum(len(v) for v in spec["datasets"].values())
    assert rows <= 25
    rates = group_rates(frames.by_group, "agent", top=20)
    assert len(rates) == 21 and rates["groups"].sum() == n
    assert rates["rate"].is_monotonic_decreasing
    assert rates["rows"].sum() == n


def test_reports_are_excel_safe(tmp_path, rules):
    from openpyxl import load_workbook

    rows = [("在吗", "=1+1"), ("在吗", "-_-!! 不行"), ("在吗", '"引号" +86 @亲'), ("在吗", "您好")]
    report = audit(rows, rules, source="x")
    text = write_report(report, tmp_path / "r.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [r["reply"] for r in records] == ["'=1+1", "'-_-!! 不行", '"引号" +86 @亲', "您好"]
    assert "refusal.blunt" in records[1]["details"] and "「" in records[1]["details"]
    book = load_workbook(write_report(report, tmp_path / "r.xlsx"))
    sheet = book["rows"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == "=1+1"]
    assert cells and cells[0].data_type == "s"  # the exact text, stored as text
    assert set(book.sheetnames) == {"rows", "by_rule"}


def test_parquet_report_keeps_the_text_exactly(tmp_path, rules):
    import pandas as pd

    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"reply": ["=1+1", "-_-!! 不行", "您好"], "agent": ["a", None, "b"]},
        index=pd.Index([7, 8, 9], name="id"),
    )
    report = audit_dataframe(frame, rules, by="agent")
    back = pd.read_parquet(write_report(report, tmp_path / "r.parquet"))
    assert list(back.columns) == [
        "id",
        "row",
        "line",
        "group",
        "passed",
        "rules",
        "violations",
        "details",
        "message",
        "reply",
    ]
    assert back["reply"].tolist() == ["=1+1", "-_-!! 不行", "您好"]  # data, not a spreadsheet: as audited
    assert (
        back["id"].tolist() == [7, 8, 9] and back["group"].tolist()[:1] == ["a"] and back["group"].isna()[1]
    )


def test_multiindex_labels_come_back(rules):
    import pandas as pd

    index = pd.MultiIndex.from_tuples([("店A", 1), ("店A", 2), ("店B", 1)], names=["shop", "ticket"])
    frame = pd.DataFrame({"reply": ["在", "您好", "不行"]}, index=index)
    frames = audit_dataframe(frame, rules).frames()
    assert frames.rows.index.equals(index)
    assert frames.violations.loc[("店B", 1), "rule"] == "refusal.blunt"
    assert frames.by_rule.set_index("rule").loc["greeting.bare", "example_row"] == ("店A", 1)


def test_title_lines_above_an_exports_header_are_skipped(tmp_path):
    """千牛-style exports put 导出时间/店铺 lines above the header; rows keep the numbers a trainer sees."""
    from openpyxl import Workbook

    from assistant.audit_read import read_rows

    book = Workbook()
    sheet = book.active
    for row in (
        ["导出时间: 2026-11-02"],
        [],
        ["买家消息", "客服回复内容", "时间"],
        ["有S码吗", "你自己看详情页！！", "10:00"],
    ):
        sheet.append(row)
    book.save(tmp_path / "qn.xlsx")
    rows, columns = read_rows(tmp_path / "qn.xlsx")
    assert (columns.reply, columns.message) == ("客服回复内容", "买家消息")
    assert [(r.reply, r.line) for r in rows] == [("你自己看详情页！！", 4)]
    (tmp_path / "qn.csv").write_bytes(
        "店铺：某某旗舰店 导出时间 2026-11-02\n买家消息,客服回复\n在吗,在的亲\n".encode("gbk")
    )
    rows, columns = read_rows(tmp_path / "qn.csv")
    assert columns.reply == "客服回复" and [(r.reply, r.line) for r in rows] == [("在的亲", 3)]
    # a one-column file's own header is not a title: its replies stay replies
    (tmp_path / "one.csv").write_text("客服回复\n亲，在的\n好的，马上发\n", encoding="utf-8")
    assert [r.reply for r in read_rows(tmp_path / "one.csv")[0]] == ["亲，在的", "好的，马上发"]


def test_a_header_without_rows_is_a_one_line_error_in_the_cli(tmp_path):
    (tmp_path / "header.csv").write_text("message,reply\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(tmp_path / "header.csv")])
    assert result.exit_code == 1
    assert "没有可质检的回复" in result.output and "message, reply" in result.output
