"""Uploaded tables are read exactly as ``assistant audit`` reads files (one-line errors naming the
upload), and an agent's draft is judged ready only when it passes, has no fill-in and fits."""

import pytest
from click.testing import CliRunner

from assistant.checklist import check
from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import load_corpus
from assistant.drafts import draft_check
from assistant.errors import FileFormatError
from assistant.uploads import console_hint, preview_upload, read_upload


@pytest.mark.parametrize(
    "name, data",
    [("empty.csv", b""), ("notes.csv", "标题,备注\n你好,随便\n".encode()), ("bad.xlsx", b"not a workbook")],
)
def test_a_bad_upload_fails_with_the_cli_message_naming_the_upload(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["audit", str(tmp_path / name)])
    assert result.exit_code == 1
    with pytest.raises(FileFormatError) as caught:
        read_upload(name, data)
    assert f"错误 Error: {caught.value}" == result.output.strip().replace(str(tmp_path / name), name)
    assert str(tmp_path) not in str(caught.value)


def test_a_header_only_upload_is_an_error_not_a_pass():
    with pytest.raises(FileFormatError, match="header.csv: 没有可质检的回复"):
        read_upload("header.csv", "买家消息,客服回复\n".encode())


def test_preview_detects_columns_or_says_why_not():
    found = preview_upload("chats.csv", "买家消息,客服回复\n在吗,在的亲\n".encode())
    assert found.columns.reply == "客服回复" and found.columns.message == "买家消息" and not found.problem
    assert found.group is None
    grouped = preview_upload(
        "chats.csv", "买家消息,客服回复,时间,Agent_Name\n在吗,在的亲,10:00,小李\n".encode()
    )
    assert grouped.group == "Agent_Name"  # the default grouping, from table_columns.toml
    unknown = preview_upload("notes.csv", "标题,备注\n你好,随便\n".encode())
    assert unknown.columns is None and unknown.problem == (
        "notes.csv: cannot find the reply column among '标题', '备注'; name it with --reply-col"
    )
    assert console_hint(unknown.problem) == "在页面上：在“客服回复列”里选择客服回复所在的列"
    assert unknown.names == ("标题", "备注") and unknown.records == ({"标题": "你好", "备注": "随便"},)
    rows, columns = read_upload("replies.csv", "客服回复\n在\n亲，您好\n".encode())
    assert len(rows) == 2 and columns.reply == "客服回复"
    one = preview_upload("notes.csv", "标题\n你好\n".encode())  # one column, not a reply: ask for it
    assert one.columns is None and one.names == ("标题",) and "--reply-col" in one.problem


def test_the_console_hint_names_the_box_for_each_option_an_error_names():
    assert console_hint("x.csv: no column 'y' (--by)") == "在页面上：在“按哪一列分组”里选择分组的列"
    both = console_hint("--message-col/--reply-col do not apply to jddc2019 logs")
    assert "“客服回复列”" in both and "“买家消息列”" in both
    assert console_hint("x.csv: file not found") == ""


@pytest.fixture(scope="module")
def rules():
    return load_corpus(PROJECT_ROOT / "corpus", strict=False).rules


def test_a_draft_is_ready_only_when_it_passes_has_no_fill_in_and_fits(rules):
    def judge(reply: str, limit: int = 2000):
        return draft_check(reply, check(reply, "我穿什么码", [], rules=rules), limit)

    assert judge("亲，M码有现货的哦").ready
    open_fill_in = judge("亲，按您【身高】建议拿M码哦")
    assert not open_fill_in.ready and open_fill_in.fill_ins == ("身高",)
    assert open_fill_in.blockers() == ["待填写：身高"]
    rude = judge("你自己看详情页！！")
    assert not rude.ready and rude.warnings == 3 and rude.blockers() == ["3 处需要修改"]
    long = judge("亲，M码有现货的哦", limit=5)
    assert long.too_long and not long.ready and long.to_dict()["blockers"] == ["超过 5 字"]


def test_the_core_audits_an_upload_as_the_cli_audits_the_file(tmp_path, settings_tmp):
    from assistant import Assistant

    core = Assistant(settings_tmp)
    data = "".join(
        f"在吗,{'在' if i % 3 else '在的亲，请问有什么可以帮您？'},客服{i % 4}\n" for i in range(2100)
    ).encode()
    data = "买家消息,客服回复,客服昵称\n".encode() + data
    progress = []
    report = core.audit_upload("chats.csv", data, by="客服昵称", on_progress=lambda *n: progress.append(n))
    assert progress == [(1000, 2100), (2000, 2100), (2100, 2100)]
    (tmp_path / "chats.csv").write_bytes(data)
    expected = core.audit_file(tmp_path / "chats.csv", by="客服昵称")
    assert report.source == "chats.csv" and report.total == expected.total == 2100
    assert [r.to_dict() for r in report.rows] == [r.to_dict() for r in expected.rows]
    assert report.frames().by_group.equals(expected.frames().by_group)
    with pytest.raises(FileFormatError, match="^header.csv: 没有可质检的回复"):
        core.audit_upload("header.csv", "买家消息,客服回复\n".encode())


def test_a_replayed_upload_names_the_upload_in_errors(tmp_path, settings_tmp):
    from assistant import Assistant

    data = "编号,时刻,谁,说了什么\n1,10:00,甲,在吗\n".encode()
    (tmp_path / "export.csv").write_bytes(data)
    result = CliRunner().invoke(cli, ["replay", str(tmp_path / "export.csv"), "--corpus-mode", "current"])
    assert result.exit_code == 1
    with pytest.raises(FileFormatError) as caught:
        Assistant(settings_tmp).replay_upload("export.csv", data, modes=("current",))
    assert f"错误 Error: {caught.value}" == result.stderr.strip().replace(
        str(tmp_path / "export.csv"), "export.csv"
    )
