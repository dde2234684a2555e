"""Bad input through every face: the CLI, the core API, the magics and the console.

One table, one row per case: empty and whitespace-only text, a 1 MB message, a 10,000-line file,
emoji, control characters, invalid UTF-8 (files and command-line bytes), GBK files, CSVs with
missing or extra columns, HTML, <script> and Markdown in messages and replies. Each row names the
exact outcome: an answer (checked for escaping where it is rendered), or a one-line error with its
exact text (exit code 1 from the CLI, ``UsageError`` from the magics, ``st.error`` in the console,
a named ``AssistantError`` from the core). No row may show a traceback.

The read-only rows run over the shipped corpus and the session's index (the ``assistant``
fixture); rows that write use a small copy of the corpus.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from IPython.core.error import UsageError

from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.errors import AssistantError, FileFormatError, InputError

HOSTILE = (
    '<script>alert(1)</script><img src=x onerror="alert(2)"> **粗体** [链接](http://x.test) :red[红] $x$'
)
MB = "好" * (1 << 20)
LONG_TURN = "买家: " + "好" * 3000
TEN_K = "\n".join("在吗" if i % 200 == 0 else ("" if i % 3 else "   \t") for i in range(10_000)) + "\n"
GBK_MESSAGES = "亲，在吗\n这件T恤有M码吗\n"
NOT_QUITE_UTF8 = "在吗\n".encode() + b"\xc3\x28 hello\n" + "有货吗\n".encode()  # one bad byte on line 2
ARGV_BYTES = b"\xc4\xe3\xba\xc3".decode(
    "utf-8", "surrogateescape"
)  # GBK bytes from a terminal, as Python keeps them
CHATS = "买家消息,客服回复,客服昵称\n在吗,在的亲,小王\n便宜点,这是全网最便宜的了，加我微信,小李\n"
MARKUP_CHATS = "message,reply,agent\n便宜点,[/red]这是全网最便宜的了加我微信[微笑],[/b]小王\n在吗,[bold]在[/bold],[red]x\n"


@dataclass(frozen=True)
class Answer:
    """The input is answered; ``check`` looks closer at what came back (output text or object)."""

    check: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Error:
    """A one-line error with exactly this text (``{file}`` stands for the row's input file)."""

    message: str
    kind: type = AssistantError
    exit_code: int = 1


@dataclass(frozen=True)
class Row:
    face: str  # cli | core | magic | console
    name: str
    given: Any  # cli: argument list; core: callable(assistant); magic: (line, cell); console: dict
    expect: Answer | Error
    files: dict[str, bytes] = field(default_factory=dict)  # written to tmp_path; the first is {file}


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.strip().split("\n")]


def _escaped(html: str) -> bool:
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html, html[:500]
    return True


def _ten_k(output: str) -> bool:
    lines = _json_lines(output)  # blank and whitespace-only lines are skipped, not answered
    assert len(lines) == 50 and all("error" not in line for line in lines)
    assert {line["message"] for line in lines} == {"在吗"}
    return True


ROWS = [
    # ------------------------------------------------------------------ CLI: suggest
    Row("cli", "suggest empty", ["suggest", ""], Error("买家消息为空 the buyer message is empty")),
    Row("cli", "suggest whitespace only", ["suggest", " \t\n "], Error("买家消息为空 the buyer message is empty")),
    Row("cli", "suggest 1 MB", ["suggest", MB], Error("买家消息太长 the message has 1,048,576 characters; the limit is 2,000 (max_message_chars)")),
    Row("cli", "suggest emoji only", ["suggest", "😀👍🏻🙏", "--json"], Answer(lambda out: json.loads(out)["suggestions"])),
    Row("cli", "suggest emoji and text", ["suggest", "这件T恤有M码吗😀", "--json"], Answer(lambda out: json.loads(out)["scenario"] == "stock")),
    Row("cli", "suggest control characters", ["suggest", "\x00\x1b[31m在吗\x07", "--json"], Answer(lambda out: json.loads(out)["message"] == "[31m在吗")),
    Row("cli", "suggest only control characters", ["suggest", "\x00\x01\x02\u200b"], Error("买家消息只有控制字符 the buyer message has no visible text")),
    Row("cli", "suggest bytes that are not UTF-8", ["suggest", ARGV_BYTES], Error("命令行参数不是 UTF-8 the command line holds bytes that are not UTF-8 text (MESSAGE); set the terminal to UTF-8")),
    Row("cli", "suggest history turn of 3,000 characters", ["suggest", "在吗", "--history", LONG_TURN], Error("之前的对话太长 history turn 1 has 3,000 characters; the limit is 2,000 (max_message_chars)")),
    Row("cli", "suggest HTML and script", ["suggest", HOSTILE, "--json"], Answer(lambda out: json.loads(out)["message"] == HOSTILE)),
    Row("cli", "suggest rich markup", ["suggest", "[/red]在吗[bold]"], Answer(lambda out: "场景" in out)),
    Row("cli", "suggest --file of 10,000 lines", ["suggest", "--file", "{file}", "--json"], Answer(_ten_k), {"ten-k.txt": TEN_K.encode()}),
    Row("cli", "suggest --file in GBK", ["suggest", "--file", "{file}", "--json"], Answer(lambda out: [x["message"] for x in _json_lines(out)] == GBK_MESSAGES.split("\n")[:2]), {"gbk.txt": GBK_MESSAGES.encode("gbk")}),
    Row("cli", "suggest --file UTF-8 with one bad byte", ["suggest", "--file", "{file}"], Error("{file}:2: not valid UTF-8 (byte 0xc3) in a file that is otherwise UTF-8; fix that line or save the file as UTF-8 again", FileFormatError), {"almost.txt": NOT_QUITE_UTF8}),
    Row("cli", "suggest --file binary", ["suggest", "--file", "{file}"], Error("{file}: not a text file (binary data)", FileFormatError), {"data.txt": bytes(range(256)) * 8}),
    Row("cli", "suggest --file CSV without message column", ["suggest", "--file", "{file}"], Error("{file}:1: no 'message' column (columns: text, foo)", FileFormatError), {"m.csv": b"text,foo\n\xe5\x9c\xa8\xe5\x90\x97,1\n"}),
    Row("cli", "suggest --file CSV with extra columns", ["suggest", "--file", "{file}", "--json"], Answer(lambda out: [x["message"] for x in _json_lines(out)] == ["在吗", "有货吗"]), {"m.csv": "message,agent,shop\n在吗,小王,店\n有货吗,小李\n".encode()}),
    Row("cli", "suggest --file missing", ["suggest", "--file", "{file}.gone"], Error("{file}.gone: file not found", FileFormatError), {"gone.txt": b""}),
    # ------------------------------------------------------------------ CLI: check, similar, detect
    Row("cli", "check empty", ["check", "  "], Error("回复为空 the reply is empty")),
    Row("cli", "check 1 MB", ["check", MB], Error("回复或消息太长 the reply or message is longer than 20,000 characters")),
    Row("cli", "check HTML and script", ["check", "你好 " + HOSTILE], Answer(lambda out: "<script>alert(1)</script>" in out and "pronoun.ni" in out)),
    Row("cli", "check rich markup shown literally", ["check", "[/red]你好[bold]"], Answer(lambda out: out.startswith("[/red]你好[bold]"))),
    Row("cli", "check bytes that are not UTF-8", ["check", "你好" + ARGV_BYTES], Error("命令行参数不是 UTF-8 the command line holds bytes that are not UTF-8 text (REPLY); set the terminal to UTF-8")),
    Row("cli", "similar whitespace only", ["similar", "   "], Error("买家消息为空 the buyer message is empty")),
    Row("cli", "detect emoji and markup", ["detect", "[/b]😀 包邮吗", "--json"], Answer(lambda out: json.loads(out)["scenario"] == "free_shipping")),
    # ------------------------------------------------------------------ CLI: audit
    Row("cli", "audit 10,000 rows", ["audit", "{file}"], Answer(lambda out: "10000 条回复 replies" in out), {"big.csv": ("message,reply\n" + "".join(f"在吗{i},亲 在的呢\n" for i in range(10_000))).encode()}),
    Row("cli", "audit GBK CSV", ["audit", "{file}", "--json"], Answer(lambda out: len(_json_lines(out)) == 2), {"gbk.csv": CHATS.encode("gbk")}),
    Row("cli", "audit CSV without reply column", ["audit", "{file}"], Error("{file}: cannot find the reply column among 'text', 'foo'; name it with --reply-col", FileFormatError), {"x.csv": b"text,foo\nhi,1\n"}),
    Row("cli", "audit CSV with extra cells", ["audit", "{file}"], Error("{file}:2: 5 cells but the header names 3 columns (quote cells that contain ',')", FileFormatError), {"x.csv": "message,reply,agent\n在吗,在的,小王,多,余\n".encode()}),
    Row("cli", "audit CSV, UTF-8 with one bad byte", ["audit", "{file}"], Error("{file}:3: not valid UTF-8 (byte 0xc3) in a file that is otherwise UTF-8; fix that line or save the file as UTF-8 again", FileFormatError), {"x.csv": "message,reply\n在吗,在的\n".encode() + b"\xc3\x28,ok\n" + "有货吗,有的\n".encode()}),
    Row("cli", "audit empty CSV", ["audit", "{file}"], Error("{file}: empty file", FileFormatError), {"x.csv": b""}),
    Row("cli", "audit JSONL with a broken line", ["audit", "{file}"], Error("{file}:2: bad JSON at column 15: Expecting ',' delimiter", FileFormatError), {"x.jsonl": '{"reply": "在的"}\n{"reply": "x" "y"}\n'.encode()}),
    Row("cli", "audit XLSX that is not one", ["audit", "{file}"], Error("{file}: not a readable XLSX workbook (BadZipFile)", FileFormatError), {"x.xlsx": b"PK\x03\x04 not really"}),
    Row("cli", "audit rich markup and emoticons", ["audit", "{file}", "--by", "agent"], Answer(lambda out: "[/b]小王" in out and "[/red]这是" in out), {"x.csv": MARKUP_CHATS.encode()}),
    Row("cli", "audit CSV whose other columns are agent and time", ["audit", "{file}"], Error("{file}: cannot find the reply column among 'message', 'agent', 'time'; name it with --reply-col", FileFormatError), {"x.csv": "message,agent,time\n在吗,小王,10:00\n".encode()}),
    Row("cli", "audit one-column CSV", ["audit", "{file}"], Error("{file}: one column only ('在的亲'); a table needs named columns (e.g. message,reply), or name the reply column with --reply-col", FileFormatError), {"x.csv": "在的亲\n好的亲\n".encode()}),
    Row("cli", "audit one-column CSV named reply", ["audit", "{file}", "--json"], Answer(lambda out: len(_json_lines(out)) == 2), {"x.csv": "reply\n在的亲\n在\n".encode()}),
    Row("cli", "audit empty JSONL", ["audit", "{file}"], Error("{file}: no JSON records", FileFormatError), {"x.jsonl": b"\n"}),
    Row("cli", "audit binary file", ["audit", "{file}"], Error("{file}: a binary file, not a text table", FileFormatError), {"x.csv": bytes(range(256)) * 8}),
    Row("cli", "global options after the subcommand", ["corpus", "validate", "--corpus", str(PROJECT_ROOT / "corpus")], Answer(lambda out: out.startswith("OK: "))),
    Row("cli", "global option after the subcommand wins", ["--corpus", "/nonexistent", "corpus", "stats", "--json", "--corpus", str(PROJECT_ROOT / "corpus")], Answer(lambda out: json.loads(out)["rules"] > 0)),
    Row("cli", "audit --out FILE.txt", ["audit", "{file}", "--out", "{file}.txt"], Error("--out 'x.csv.txt': the report must end in .csv, .xlsx, .html or .parquet", InputError), {"x.csv": b"message,reply\n1,2\n"}),
    Row("cli", "audit --out HTML escapes", ["audit", "{file}", "--out", "{file}.html"], Answer(), {"x.csv": f'message,reply\n"{HOSTILE.replace(chr(34), 2 * chr(34))}","你好 {HOSTILE.replace(chr(34), 2 * chr(34))}"\n'.encode()}),
    # ------------------------------------------------------------------ core API
    Row("core", "suggest None", lambda a: a.suggest(None), Error("买家消息为空 the buyer message is empty", InputError)),
    Row("core", "suggest a number", lambda a: a.suggest(123), Error("买家消息为空 the buyer message is empty", InputError)),
    Row("core", "suggest lone surrogates", lambda a: a.suggest("在吗\ud800\udfff"), Answer(lambda r: r.message == "在吗\ufffd\ufffd" and r.suggestions)),
    Row("core", "suggest history of numbers", lambda a: a.suggest("在吗", history=[1, 2]), Error("history must be a list of turns or of '买家: ...'/'客服: ...' strings", InputError)),
    Row("core", "suggest history with a surrogate", lambda a: a.suggest("那L呢", history=["买家: M码有吗\udcff", "客服: 有的"]), Answer(lambda r: r.history[0].text == "M码有吗\ufffd")),
    Row("core", "suggest history turn too long", lambda a: a.suggest("在吗", history=["客服: 您好", LONG_TURN]), Error("之前的对话太长 history turn 2 has 3,000 characters; the limit is 2,000 (max_message_chars)", InputError)),
    Row("core", "suggest k out of range", lambda a: a.suggest("在吗", k=51), Error("k must be between 1 and 50, not 51", InputError)),
    Row("core", "check lone surrogates", lambda a: a.check("你好\ud800！！"), Answer(lambda r: not r.passed)),
    Row("core", "check markdown", lambda a: a.check("**亲** [点这里](http://x.test) 加我微信"), Answer(lambda r: "platform.off_site" in r.rules)),
    Row("core", "similar unknown mode", lambda a: a.similar("在吗", mode="fuzzy"), Error("unknown mode 'fuzzy'; use one of hybrid, dense, lexical", InputError)),
    Row("core", "audit frame with duplicate columns", lambda a: a.audit(pd.DataFrame([["在吗", "在的", "好"]], columns=["message", "reply", "reply"])), Error("the DataFrame has 2 columns named 'reply'; rename them so that each name is used once", FileFormatError)),
    Row("core", "audit frame with empty, numeric and HTML cells", lambda a: a.audit(pd.DataFrame({"message": [None, 3, "在吗"], "reply": [float("nan"), 5, HOSTILE]})), Answer(lambda r: r.total == 3)),
    Row("core", "edit a file outside the corpus", lambda a: a.save_corpus_file("guidance/../../outside.md", "x"), Error("guidance/../../outside.md: only guidance/*.md and the corpus .toml/.csv files can be edited here", InputError)),
    Row("core", "read a corpus file that is not there", lambda a: a.corpus_file("guidance/none.md"), Error(f"{PROJECT_ROOT / 'corpus' / 'guidance' / 'none.md'}: file not found", FileFormatError)),
    Row("core", "feedback with lone surrogates", lambda a: a.record_feedback("在吗\ud800", "在的\udcff", "up"), Answer(lambda f: (f.message, f.reply) == ("在吗\ufffd", "在的\ufffd"))),
    Row("core", "feedback with an unknown rating", lambda a: a.record_feedback("在吗", "在的", "meh"), Error("rating must be up, down or edited, not 'meh'", InputError)),
    # ------------------------------------------------------------------ magics
    Row("magic", "%suggest HTML and script", ("suggest", HOSTILE, None), Answer(lambda html: _escaped(html))),
    Row("magic", "%suggest emoji", ("suggest", "😀😀 有M码吗", None), Answer(lambda html: "😀😀 有M码吗" in html)),
    Row("magic", "%suggest too long", ("suggest", "x" * 2001, None), Error("买家消息太长 the message has 2,001 characters; the limit is 2,000 (max_message_chars)")),
    Row("magic", "%suggest lone surrogate", ("suggest", "{surrogate}", None), Answer()),
    Row("magic", "%%suggest control characters only", ("suggest", "", "\x00\x01\n"), Error("line 1: 买家消息只有控制字符 the buyer message has no visible text")),
    Row("magic", "%%suggest history turn too long", ("suggest", "", LONG_TURN + "\n客服: 在的\n买家: 有货吗"), Error("line 3: 之前的对话太长 history turn 1 has 3,000 characters; the limit is 2,000 (max_message_chars)")),
    Row("magic", "%check markdown and HTML", ("check", "你好 " + HOSTILE, None), Answer(lambda html: _escaped(html))),
    Row("magic", "%check whitespace", ("check", "   ", None), Error("%check: give a reply to check, e.g. %check 亲，这款保证不掉色")),
    Row("magic", "%audit duplicate columns", ("audit", "dup", None), Error("dup has 2 columns named 'reply'; rename them so that each name is used once")),
    Row("magic", "%audit agent and time are not replies", ("audit", "agent_time", None), Error("agent_time: cannot find the reply column among 'message', 'agent', 'time'; name it with --reply")),
    Row("magic", "%audit one-column frame", ("audit", "one_column", None), Error("one_column: one column only ('在的亲'); a table needs named columns (e.g. message,reply), or name the reply column with --reply")),
    Row("magic", "%audit frame without columns", ("audit", "no_columns", None), Error("no_columns: no columns; it needs a reply column and usually a message column")),
    Row("magic", "%check text starting with '-' and quotes", ("check", '-_-!!  "好的"  --亲', None), Answer(lambda html: "-_-" in html and "&quot;好的&quot;  --亲" in html)),
    Row("magic", "%audit empty, numeric and HTML cells", ("audit", "mixed", None), Answer(lambda html: _escaped(html))),
    # ------------------------------------------------------------------ console
    Row("console", "agent: whitespace message", {"page": "agent", "message": " \n\t"}, Answer(lambda at: any(w.value.startswith("请先输入买家消息") for w in at.warning))),
    Row("console", "agent: 1 MB message", {"page": "agent", "message": MB}, Answer(lambda at: len(at.text_area(key="message").value) <= 2000 and not at.get("bidi_component"))),
    Row("console", "agent: HTML, script and markdown", {"page": "agent", "message": HOSTILE, "history": "买家: " + HOSTILE}, Answer(lambda at: at.html)),
    Row("console", "agent: emoji", {"page": "agent", "message": "😀 有M码吗 👍🏻"}, Answer(lambda at: at.html)),
    Row("console", "agent: history turn too long", {"page": "agent", "message": "在吗", "history": LONG_TURN}, Error("之前的对话太长")),  # agents read the Chinese half
    Row("console", "analytics: GBK CSV", {"page": "analytics", "upload": ("chats.csv", CHATS.encode("gbk"))}, Answer(lambda at: {m.label: m.value for m in at.metric}["回复数"] == "2")),
    Row("console", "analytics: no reply column", {"page": "analytics", "upload": ("notes.csv", "标题,备注\n你好,随便\n".encode())}, Error("错误 Error: notes.csv: cannot find the reply column among '标题', '备注'; name it with --reply-col")),  # then the box to use
    Row("console", "analytics: UTF-8 with one bad byte", {"page": "analytics", "upload": ("x.csv", "message,reply\n在吗,在的\n".encode() + b"\xc3\x28,ok\n")}, Error("错误 Error: x.csv:3: not valid UTF-8 (byte 0xc3) in a file that is otherwise UTF-8; fix that line or save the file as UTF-8 again")),
    Row("console", "analytics: binary upload", {"page": "analytics", "upload": ("x.csv", bytes(range(256)) * 8)}, Error("错误 Error: x.csv: a binary file, not a text table")),
    Row("console", "analytics: one-column CSV", {"page": "analytics", "upload": ("replies.csv", "在的亲\n好的亲\n".encode())}, Error("错误 Error: replies.csv: one column only ('在的亲'); a table needs named columns (e.g. message,reply), or name the reply column with --reply-col")),
    Row("console", "analytics: empty file", {"page": "analytics", "upload": ("empty.csv", b"")}, Error("错误 Error: empty.csv: empty file")),
    Row("console", "analytics: agent and time are not replies", {"page": "analytics", "upload": ("x.csv", "message,agent,time\n在吗,小王,10:00\n".encode())}, Error("错误 Error: x.csv: cannot find the reply column among 'message', 'agent', 'time'; name it with --reply-col")),
    Row("console", "analytics: markup in replies and agents", {"page": "analytics", "upload": ("m.csv", MARKUP_CHATS.encode())}, Answer(lambda at: at.metric)),
]  # fmt: skip


# ----------------------------------------------------------------------------- the faces


@pytest.fixture(scope="module")
def shell(settings_tmp, assistant, ipython):
    """IPython with the extension loaded, on the shipped corpus and the session's index."""
    ip = ipython
    ip.run_line_magic("load_ext", "assistant")
    ip.run_line_magic("config", f"Assistant.data_dir = {str(settings_tmp.data_dir)!r}")
    ip.user_ns["surrogate"] = "在吗\ud800"
    ip.user_ns["dup"] = pd.DataFrame([["在吗", "在的", "好"]], columns=["message", "reply", "reply"])
    ip.user_ns["agent_time"] = pd.DataFrame({"message": ["在吗"], "agent": ["小王"], "time": ["10:00"]})
    ip.user_ns["one_column"] = pd.DataFrame({"在的亲": ["好的亲"]})
    ip.user_ns["no_columns"] = pd.DataFrame()
    ip.user_ns["mixed"] = pd.DataFrame(
        {"message": [None, 3, "在吗"], "reply": [float("nan"), 5, "你好 " + HOSTILE]}
    )
    yield ip
    ip.run_line_magic("config", "Assistant.data_dir = None")


@pytest.fixture(scope="module")
def console(settings_tmp, assistant):
    """The console pages on the shipped corpus and the session's index (read-only rows only)."""
    import streamlit as st

    patch = pytest.MonkeyPatch()
    patch.delenv("ASSISTANT_CORPUS_DIR", raising=False)
    patch.setenv("ASSISTANT_DATA_DIR", str(settings_tmp.data_dir))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    patch.undo()
    st.cache_resource.clear()
    st.cache_data.clear()


def _cli(row: Row, settings_tmp, files: dict[str, Path]) -> None:
    first = str(next(iter(files.values()))) if files else ""
    args = [a.replace("{file}", first) for a in row.given]
    result = CliRunner().invoke(cli, ["--data-dir", str(settings_tmp.data_dir), *args])
    output = result.output
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if isinstance(row.expect, Error):
        assert result.exit_code == row.expect.exit_code, output
        assert output.strip().splitlines()[-1] == f"错误 Error: {row.expect.message.replace('{file}', first)}"
        return
    assert result.exit_code == 0, output[-2000:]
    if row.expect.check is not None:
        assert row.expect.check(result.stdout), result.stdout[-2000:]
    if "--out" in args:  # the HTML report shows hostile text as text
        _escaped(Path(args[args.index("--out") + 1]).read_text(encoding="utf-8"))


def _core(row: Row, assistant) -> None:
    if isinstance(row.expect, Error):
        with pytest.raises(row.expect.kind) as caught:
            row.given(assistant)
        assert str(caught.value) == row.expect.message
        return
    result = row.given(assistant)
    if row.expect.check is not None:
        assert row.expect.check(result)


def _magic(row: Row, shell) -> None:
    magic, line, cell = row.given
    if isinstance(row.expect, Error):
        with pytest.raises(UsageError) as caught:
            shell.run_line_magic(magic, line) if cell is None else shell.run_cell_magic(magic, line, cell)
        assert str(caught.value) == row.expect.message
        return
    frame = shell.run_line_magic(magic, line) if cell is None else shell.run_cell_magic(magic, line, cell)
    formatter = shell.display_formatter.formatters["text/html"]
    enabled, formatter.enabled = formatter.enabled, True
    try:
        html = shell.display_formatter.format(frame)[0].get("text/html", "")
    finally:
        formatter.enabled = enabled
    assert html
    if row.expect.check is not None:
        assert row.expect.check(html)


def _texts(at, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


def _console(row: Row) -> None:
    from streamlit.testing.v1 import AppTest

    given = row.given
    at = AppTest.from_file(
        str(PROJECT_ROOT / "console" / "pages" / f"{given['page']}.py"), default_timeout=120
    )
    at.run()
    if given["page"] == "agent":
        at.text_area(key="message").input(given["message"])
        at.text_area(key="history").input(given.get("history", ""))
        at.button(key="ask_button").click()
    else:
        name, data = given["upload"]
        at.file_uploader(key="chats").upload(name, data, "text/csv")
        at.run()
        if any(b.key == "audit_button" for b in at.button):  # absent when the file cannot be read
            at.button(key="audit_button").click()
    at.run()
    assert not at.exception, at.exception
    errors = [e.replace("\\", "") for e in _texts(at, "error")]
    if isinstance(row.expect, Error):
        assert errors == [row.expect.message]
        return
    assert errors == []
    for body in _texts(at, "html"):  # user text reaches the page escaped, never as markup
        assert "<script" not in body and "<img" not in body, body
    for kind in ("markdown", "caption", "success", "warning", "info"):
        for body in _texts(at, kind):
            assert "<script" not in body and "](http" not in body and ":red[" not in body, body
    if row.expect.check is not None:
        assert row.expect.check(at)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.face}: {r.name}" for r in ROWS])
def test_bad_input(row: Row, request, tmp_path):
    files = {}
    for name, data in row.files.items():
        files[name] = tmp_path / name
        files[name].write_bytes(data)
    if row.face == "cli":
        request.getfixturevalue("assistant")
        _cli(row, request.getfixturevalue("settings_tmp"), files)
    elif row.face == "core":
        _core(row, request.getfixturevalue("assistant"))
    elif row.face == "magic":
        _magic(row, request.getfixturevalue("shell"))
    else:
        request.getfixturevalue("console")
        _console(row)


def test_the_table_covers_every_face_with_forty_cases_or_more():
    faces = {face: sum(r.face == face for r in ROWS) for face in ("cli", "core", "magic", "console")}
    assert len(ROWS) >= 40 and all(n >= 5 for n in faces.values()), faces
    assert len({(r.face, r.name) for r in ROWS}) == len(ROWS)


# ----------------------------------------------------------------------------- writes with bad input


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", target, ignore=shutil.ignore_patterns(".*"))
    return target


@pytest.mark.parametrize(
    ("buyer", "reply", "outcome"),
    [
        ("   ", "在的", "missing or empty 'buyer'"),
        ("在吗", "\n\t", "missing or empty 'reply'"),
        ("在吗" + HOSTILE, "在的亲 " + HOSTILE, None),
        ("😀在吗", "在的亲😀", None),
        (
            "在吗\ud800",
            "在的",
            "cannot be saved: the text holds a lone surrogate (not valid Unicode) at character",
        ),
    ],
    ids=["empty buyer", "empty reply", "HTML", "emoji", "lone surrogate"],
)
def test_case_writes_keep_the_corpus_valid(corpus_copy, buyer, reply, outcome):
    from assistant.corpus import CaseStore, load_corpus

    store = CaseStore(corpus_copy)
    before = {p.name: p.read_bytes() for p in (corpus_copy / "cases").glob("*.jsonl")}
    record = {
        "buyer": buyer,
        "reply": reply,
        "scenario": "greeting",
        "stage": "pre_sale",
        "status": "candidate",
    }
    if outcome is None:
        case = store.add(record)
        assert load_corpus(corpus_copy).case(case.id).reply == reply
        return
    with pytest.raises(AssistantError) as caught:
        store.add(record)
    assert outcome in str(caught.value)
    assert {p.name: p.read_bytes() for p in (corpus_copy / "cases").glob("*.jsonl")} == before


def test_suggest_file_arguments_keep_their_lines(tmp_path, settings_tmp, assistant):
    """Blank lines of a --file are skipped; errors point at the file's own lines, blank ones counted."""
    path = tmp_path / "m.txt"
    path.write_text("在吗\n\n  \n\x07\x1b\n有货吗\n", encoding="utf-8")
    args = ["--data-dir", str(settings_tmp.data_dir), "suggest", "--file", str(path)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0
    lines = _json_lines(result.stdout)
    assert [line["message"] for line in lines] == ["在吗", "\x07\x1b", "有货吗"]
    errors = [line.get("error") for line in lines]
    assert errors[0] is None and errors[2] is None
    assert errors[1] == f"{path}:4: 买家消息只有控制字符 the buyer message has no visible text"
    assert "1 of 3 message(s) could not be answered" in result.stderr
    text = CliRunner().invoke(cli, args)  # the plain output numbers each answer by its line
    assert "\n[1] 在吗\n" in text.stdout and "\n[5] 有货吗\n" in text.stdout


@pytest.mark.parametrize("name", ["money.toml", "intents.toml", "facts.toml"])
def test_every_corpus_data_file_is_editable_and_a_broken_edit_is_refused(tmp_path, name):
    from assistant.errors import CorpusError
    from assistant.trainer_ops import editable_files, save_corpus_file

    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    assert name in editable_files(corpus)
    before = (corpus / name).read_text(encoding="utf-8")
    with pytest.raises(CorpusError, match=f"{name}: not valid TOML"):
        save_corpus_file(corpus, name, "x = [", lock_timeout_s=5)
    assert (corpus / name).read_text(encoding="utf-8") == before  # nothing written
