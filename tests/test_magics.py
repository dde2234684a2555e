"""The analyst magics in a real IPython shell, and the tour notebook executed by a real kernel.

Layered fixtures, as in jupysql: ``shell`` (an InteractiveShell with ``%load_ext assistant``,
pointed at the shipped corpus and a tmp data dir) → ``team`` (the same shell with a small DataFrame
of replies, ``tests/data/magics_replies.csv``, in its namespace).
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError

from assistant.config import PROJECT_ROOT

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
JDDC = SHARED / "data" / "external" / "jddc2019-sample" / "chat_0.1per.txt"
TOUR = PROJECT_ROOT / "docs" / "analyst-tour.ipynb"
HOSTILE = '<img src=x onerror="alert(1)">在吗'
_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def shell(settings_tmp, ipython):
    """An IPython shell with the extension loaded, on the shipped corpus and the session's tmp data dir."""
    ip = ipython
    ip.run_line_magic("load_ext", "assistant")
    ip.run_line_magic("config", f"Assistant.corpus_dir = {str(settings_tmp.corpus_dir)!r}")
    ip.run_line_magic("config", f"Assistant.data_dir = {str(settings_tmp.data_dir)!r}")
    ip.run_line_magic("config", "Assistant.k = 3")
    yield ip
    for name in ("corpus_dir", "data_dir", "k"):
        ip.run_line_magic("config", f"Assistant.{name} = None")


@pytest.fixture
def team(shell):
    """The shell with ``replies``: 13 replies by three agents, some breaking the checklist."""
    shell.user_ns["replies"] = pd.read_csv(DATA / "magics_replies.csv")
    yield shell
    shell.user_ns.pop("replies", None)


def rendered(shell, obj) -> dict:
    """What a notebook gets for ``obj``: IPython's formatters with HTML on, as in a kernel."""
    html = shell.display_formatter.formatters["text/html"]
    enabled, html.enabled = html.enabled, True
    try:
        return shell.display_formatter.format(obj)[0]
    finally:
        html.enabled = enabled


def usage_error(shell, magic: str, line: str, cell: str | None = None) -> str:
    with pytest.raises(UsageError) as caught:
        if cell is None:
            shell.run_line_magic(magic, line)
        else:
            shell.run_cell_magic(magic, line, cell)
    return str(caught.value)


# ----------------------------------------------------------------------------- loading and settings


def test_load_ext_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'assistant')\n"
        "assert 'suggest' in ip.magics_manager.magics['line'] and 'suggest' in ip.magics_manager.magics['cell']\n"
        "heavy = ('pandas', 'altair', 'torch', 'sentence_transformers', 'faiss', 'jieba', 'sklearn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_config_section_is_named_assistant(shell, capsys):
    shell.run_line_magic("config", "Assistant.k = 5")
    assert shell.run_line_magic("config", "Assistant.k") == 5
    shell.run_line_magic("config", "Assistant")
    shown = capsys.readouterr().out
    for name in ("k", "model", "corpus_dir", "data_dir", "index_dir", "config_file"):
        assert f"Assistant.{name}=" in shown
    shell.run_line_magic("config", "Assistant.k = 3")


def test_config_rejects_a_bad_k(shell):
    shell.run_line_magic("config", "Assistant.k = 0")  # %config logs the TraitError and keeps the value
    assert shell.run_line_magic("config", "Assistant.k") == 3


def test_settings_follow_the_traitlets(shell, settings_tmp):
    magics = next(m for m in shell.magics_manager.registry.values() if type(m).__name__ == "AssistantMagics")
    settings = magics.options.settings()
    assert settings.data_dir == settings_tmp.data_dir
    assert settings.corpus_dir == (PROJECT_ROOT / "corpus").resolve()


def test_reload_keeps_one_settings_section(shell):
    shell.run_line_magic("config", "Assistant.k = 0")  # rejected, yet kept in the shell's config
    shell.run_line_magic("reload_ext", "assistant")
    sections = [c for c in shell.configurables if type(c).__name__ == "Assistant"]
    assert len(sections) == 1
    shell.run_line_magic("config", "Assistant.k = 4")
    assert sections[0].k == 4
    shell.run_line_magic("config", "Assistant.k = 3")


def test_help_lists_the_options(shell):
    doc = shell.magics_manager.magics["line"]["suggest"].__doc__
    assert "%suggest [-k K] [--history TURN] [-o NAME] [message ...]" in doc
    assert "-o NAME, --output NAME" in doc


# ----------------------------------------------------------------------------- %suggest


def test_suggest_returns_one_row_per_suggestion(shell):
    df = shell.run_line_magic("suggest", "亲 这个T恤有M码吗")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "message", "scenario", "confidence", "stage", "buyer_type", "rank", "reply", "score", "sources",
        "violations", "fallback", "ready", "fill_ins", "order_stage", "abstained", "escalate",
    ]  # fmt: skip
    assert 1 <= len(df) <= 3  # suggestions that say the same thing are merged
    assert list(df["rank"]) == list(range(1, len(df) + 1))
    assert set(df["message"]) == {"亲 这个T恤有M码吗"}
    assert set(df["scenario"]) == {"stock"}
    assert all(isinstance(s, list) for s in df["sources"])
    assert all(reply.strip() for reply in df["reply"])
    assert list(df["score"]) == sorted(df["score"], reverse=True)
    result = df.results[0]
    assert [s.reply for s in result.suggestions] == list(df["reply"])


def test_suggest_through_cells_as_a_user_types_them(shell, capsys):
    result = shell.run_cell("df = %suggest -k 1 在吗")
    assert result.success
    assert isinstance(shell.user_ns["df"], pd.DataFrame)
    assert list(shell.user_ns["df"]["message"]) == ["在吗"]
    assert shell.run_cell("%%suggest -o cell_df\n在吗\n能便宜点吗").success
    assert list(shell.user_ns["cell_df"].drop_duplicates("message")["message"]) == ["在吗", "能便宜点吗"]
    capsys.readouterr()
    shell.run_cell("%suggest?")
    assert "%suggest [-k K] [--history TURN] [-o NAME] [message ...]" in capsys.readouterr().out


def test_suggest_k_option_and_expansion(shell):
    shell.user_ns["msg"] = "能便宜点吗"
    df = shell.run_line_magic("suggest", "-k 2 -o kept {msg}")
    assert len(df) == 2
    assert set(df["message"]) == {"能便宜点吗"}
    assert shell.user_ns["kept"] is df


def test_suggest_cell_one_message_per_line(shell):
    df = shell.run_cell_magic("suggest", "-k 1", "在吗\n\n收到的杯子是碎的，怎么办\n")
    assert list(df["message"]) == ["在吗", "收到的杯子是碎的，怎么办"]
    assert list(df["rank"]) == [1, 1]
    assert df["scenario"].iloc[0] == "greeting"


def test_suggest_cell_conversation(shell):
    cell = "买家: 这件T恤有M码吗\n客服: M码有现货的亲\n买家: 那L码呢"
    df = shell.run_cell_magic("suggest", "", cell)
    assert set(df["message"]) == {"那L码呢"}
    assert [(t.role, t.text) for t in df.results[0].history] == [
        ("buyer", "这件T恤有M码吗"),
        ("agent", "M码有现货的亲"),
    ]
    assert set(df["scenario"]) == {"stock"}


QIANNIU_CELL = (
    "顾客 2026-11-01 10:00:01\n这件卫衣起球吗\n小美 2026-11-01 10:00:30\n亲，不容易起球的哦\n"
    "顾客 2026-11-01 10:01:02\n那会掉色吗"
)


def test_suggest_cell_pasted_from_qianniu_answers_the_buyers_last_message(shell):
    df = shell.run_cell_magic("suggest", "-k 1", QIANNIU_CELL)
    assert list(df["message"]) == ["那会掉色吗"]  # one answer, not one per line
    assert [(t.role, t.text) for t in df.results[0].history] == [
        ("buyer", "这件卫衣起球吗"),
        ("agent", "亲，不容易起球的哦"),
    ]


def test_suggest_cell_lines_ending_in_a_time_are_messages_not_a_pasted_chat(shell):
    df = shell.run_cell_magic("suggest", "-k 1", "在吗 10:00\n今天能发吗 14:00")
    assert list(df["message"]) == ["在吗 10:00", "今天能发吗 14:00"]


def test_suggest_renders_escaped_html_and_plain_text(shell):
    df = shell.run_line_magic("suggest", f"-k 1 {HOSTILE}")
    data = rendered(shell, df)
    page = data["text/html"]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;在吗" in page
    assert "<img" not in page
    assert "来源案例 sources" in page or "fallback" in page
    assert df["scenario"].iloc[0] in page
    text = data["text/plain"]
    assert text.startswith(f"买家 {HOSTILE}\n场景 ")
    assert "<span" not in text


def test_suggest_frames_pickle_and_derive_plain_frames(shell):
    df = shell.run_line_magic("suggest", "-k 1 在吗")
    back = pickle.loads(pickle.dumps(df))
    assert type(back).__name__ == "SuggestFrame"
    pd.testing.assert_frame_equal(pd.DataFrame(back), pd.DataFrame(df))
    assert type(df.head()) is pd.DataFrame
    assert type(df[["reply"]]) is pd.DataFrame


# ----------------------------------------------------------------------------- %check


def test_check_returns_the_violations(shell):
    df = shell.run_line_magic("check", "你自己去看详情页！！")
    assert list(df.columns) == ["rule", "severity", "start", "end", "text", "message", "guidance"]
    rules = set(df["rule"])
    assert {"pronoun.ni", "punct.shouting"} <= rules
    shout = df[df["rule"] == "punct.shouting"].iloc[0]
    assert "你自己去看详情页！！"[shout["start"] : shout["end"]] == shout["text"] == "！！"
    assert df.result.passed is False


def test_check_clean_reply_gives_an_empty_frame(shell):
    df = shell.run_line_magic("check", "亲，M码有现货的，今天下单明天就能发出哦")
    assert df.empty
    assert list(df.columns) == ["rule", "severity", "start", "end", "text", "message", "guidance"]
    data = rendered(shell, df)
    assert "通过 passed" in data["text/html"]


def test_check_uses_the_buyer_message(shell):
    df = shell.run_line_magic("check", '--message "收到就是坏的！" 拍照发过来')
    assert list(df["rule"]) == ["complaint.no_apology"]
    assert shell.run_line_magic("check", "拍照发过来").empty


def test_check_cell_highlights_the_span(shell):
    df = shell.run_cell_magic("check", "-o checked", "我们家质量全网最好\n<b>放心买</b>")
    assert "claim.absolute" in set(df["rule"])
    assert shell.user_ns["checked"] is df
    data = rendered(shell, df)
    assert "&lt;b&gt;放心买&lt;/b&gt;" in data["text/html"]
    assert "<b>放心买</b>" not in data["text/html"]


# ----------------------------------------------------------------------------- %similar and %corpus


def test_similar_returns_cases(shell):
    df = shell.run_line_magic("similar", "-k 4 这件T恤有M码吗")
    assert list(df.columns) == [
        "rank", "id", "score", "similarity", "scenario", "stage", "buyer_type", "buyer", "reply", "status",
    ]  # fmt: skip
    assert list(df["rank"]) == [1, 2, 3, 4]
    assert df["scenario"].iloc[0] == "stock"
    assert set(df["status"]) == {"approved"}


def test_similar_filters_by_scenario(shell):
    df = shell.run_line_magic("similar", "-k 3 --scenario refund 这件T恤有M码吗")
    assert set(df["scenario"]) == {"refund"}


def test_corpus_stats(shell):
    df = shell.run_line_magic("corpus", "stats")
    counts = dict(zip(df["item"], df["count"], strict=True))
    assert list(counts) == [
        "cases",
        "approved",
        "candidates",
        "rejected",
        "guidance_sections",
        "rules",
        "products",
    ]
    assert counts["approved"] >= 100
    assert counts["rules"] >= 18


def test_corpus_scenarios(shell):
    df = shell.run_line_magic("corpus", "scenarios")
    assert list(df.columns) == ["scenario", "zh", "stage", "approved_cases", "description"]
    assert {"greeting", "stock", "refund"} <= set(df["scenario"])
    assert (df["approved_cases"] > 0).all()


def test_corpus_search(shell):
    df = shell.run_line_magic("corpus", "search -k 5 退款")
    assert 0 < len(df) <= 5
    assert all("退" in buyer + reply for buyer, reply in zip(df["buyer"], df["reply"], strict=True))


# ----------------------------------------------------------------------------- %audit


def test_audit_one_row_per_input_row(team):
    replies = team.user_ns["replies"].set_index(pd.Index([f"r{i}" for i in range(13)]))
    team.user_ns["replies"] = replies
    rows = team.run_line_magic("audit", "replies --by agent")
    assert isinstance(rows, pd.DataFrame)
    assert list(rows.columns) == ["row", "agent", "message", "reply", "passed", "violations", "n_violations"]
    assert list(rows.index) == list(replies.index)
    assert list(rows["row"]) == list(range(1, 14))
    assert list(rows["reply"]) == list(replies["reply"])
    assert list(rows["agent"]) == list(replies["agent"])
    flagged = dict(zip(rows["reply"], rows["violations"], strict=True))
    clean = [r for r in replies["reply"] if flagged[r] == ()]
    assert len(clean) == 6 and "在的，您好，欢迎光临，请问有什么可以帮您？" in clean
    assert flagged["在"] == ("greeting.bare",)
    assert flagged["不行"] == ("refusal.blunt",)
    assert flagged["卖完了"] == ("stock.no_alternative",)
    assert {"claim.absolute", "punct.shouting"} <= set(flagged["我们家的杯子全网质量最好！！！"])
    assert "platform.off_site" in flagged["加我微信，私下转账更便宜"]
    assert list(rows["passed"]) == [not v for v in rows["violations"]]


def test_audit_summaries(team):
    rows = team.run_line_magic("audit", "replies --by agent -o audited")
    assert team.user_ns["audited"] is rows
    by_rule = rows.by_rule.set_index("rule")
    assert by_rule.loc["refusal.blunt", "count"] >= 1
    assert 0 < by_rule.loc["refusal.blunt", "rate"] <= 1
    by_agent = rows.by_group.set_index("agent")
    assert list(by_agent.columns[:3]) == ["rows", "passed", "pass_rate"]
    assert by_agent.loc["小美", "rows"] == 4 and by_agent.loc["小美", "pass_rate"] == 1.0
    assert by_agent.loc["阿强", "passed"] == 0
    assert by_agent.loc["阿强", "refusal.blunt"] == 1
    data = rendered(team, rows)
    assert "质检 audit: 13 条回复 rows · 7 条未通过 not passed (53.8%)" in data["text/html"]
    assert "<mark" in data["text/html"]  # the first flagged replies, highlighted
    assert data["text/plain"].startswith("质检 audit: 13 条回复 rows · 7 条未通过 not passed (53.8%)\n")


def test_audit_escapes_the_replies(team):
    team.user_ns["hostile"] = pd.DataFrame({"message": ["在吗"], "reply": ["<script>alert(1)</script>不行"]})
    page = rendered(team, team.run_line_magic("audit", "hostile"))["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page


def test_audit_plot_draws_rates_by_rule(team):
    import altair as alt

    rows = team.run_line_magic("audit", "replies --plot")
    assert isinstance(rows.chart, alt.TopLevelMixin)
    spec = rows.chart.to_dict()
    assert "rate" in json.dumps(spec)


def test_audit_other_column_names_and_expansion(team):
    team.user_ns["renamed"] = team.user_ns["replies"].rename(columns={"message": "q", "reply": "a"})
    team.user_ns["col"] = "a"
    rows = team.run_line_magic("audit", "renamed --message q --reply {col}")
    assert len(rows) == 13


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("magic", "line", "message"),
    [
        ("suggest", "", "%suggest: give a buyer message, e.g. %suggest 亲 这个T恤有M码吗"),
        ("suggest", "-k 0 在吗", "argument -k/--k: must be between 1 and 50, not 0"),
        ("suggest", "-k many 在吗", "argument -k/--k: 'many' is not a number"),
        ("suggest", "-o 1x 在吗", "-o '1x': not a valid Python variable name"),
        ("suggest", "--colour red 在吗", "unrecognized arguments: --colour"),
        ("check", "", "%check: give a reply to check, e.g. %check 亲，这款保证不掉色"),
        ("similar", "", "%similar: give a buyer message, e.g. %similar 亲 这个T恤有M码吗"),
        ("similar", "--scenario refnd 退款", "unknown scenario 'refnd' (did you mean 'refund'?)"),
        ("corpus", "", "%corpus: give a subcommand: stats, scenarios, search"),
        (
            "corpus",
            "stat",
            "%corpus: unknown subcommand 'stat' (did you mean 'stats'?); use stats, scenarios, search",
        ),
        ("corpus", "stats 退款", "%corpus stats: takes no words (only search does)"),
        ("corpus", "search", "%corpus search: give the words to look for, e.g. %corpus search 退货 运费"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(shell, magic, line, message):
    assert usage_error(shell, magic, line) == message


def test_check_passes_the_scenario_to_the_core_and_shows_the_cli_error(shell, settings_tmp):
    from click.testing import CliRunner

    from assistant.cli import cli

    options = ["--corpus", str(settings_tmp.corpus_dir), "--data-dir", str(settings_tmp.data_dir)]
    result = CliRunner().invoke(cli, [*options, "check", "不行", "--scenario", "refnd"])
    assert result.exit_code == 1, result.output
    message = "unknown scenario 'refnd' (did you mean 'refund'?)"
    assert result.output.strip() == f"错误 Error: {message}"
    assert usage_error(shell, "check", "--scenario refnd 不行") == message  # the core's, word for word
    assert shell.run_line_magic("check", "--scenario refund 不行").result.reply == "不行"


def test_similar_mode_must_be_known(shell):
    assert usage_error(shell, "similar", "--mode fuzzy 在吗").startswith(
        "argument --mode: invalid choice: 'fuzzy'"
    )


def test_core_errors_become_usage_errors(shell):
    error = usage_error(shell, "suggest", "x" * 2001)
    assert error == "买家消息太长 the message has 2,001 characters; the limit is 2,000 (max_message_chars)"


@pytest.mark.parametrize(
    ("line", "cell", "message"),
    [
        ("", "\n  \n", "%%suggest: the cell is empty; write one buyer message per line"),
        ("", "客服: 您好\n客服: 在的", "%%suggest: the conversation has no 买家: line to answer"),
        (
            "",
            "小美 10:00\n在吗\n旗舰店:小王 10:01\n在的亲",
            "%%suggest: the pasted chat ends with the shop's message; no buyer message to answer",
        ),
        ("在吗", "能便宜点吗", "%%suggest: write the messages in the cell, not on the %%suggest line"),
        (
            "",
            "在吗\n" + "y" * 2001,
            "line 2: 买家消息太长 the message has 2,001 characters; the limit is 2,000 (max_message_chars)",
        ),
    ],
)
def test_bad_suggest_cells(shell, line, cell, message):
    assert usage_error(shell, "suggest", line, cell) == message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "%audit: name a DataFrame of the namespace, e.g. %audit df --message message --reply reply"),
        ("replys", "%audit: no variable 'replys' in the namespace (did you mean 'replies'?)"),
        ("shell_name", "%audit: 'shell_name' is a str, not a pandas DataFrame"),
        ("replies --reply answer", "%audit: replies has no column 'answer' (columns: agent, message, reply)"),
        (
            "replies --by agnt",
            "%audit: replies has no column 'agnt' (did you mean 'agent'?) (columns: agent, message, reply)",
        ),
    ],
)
def test_bad_audit_arguments(team, line, message):
    team.user_ns["shell_name"] = "not a frame"
    assert usage_error(team, "audit", line) == message


def test_a_usage_error_shows_one_line_without_traceback(shell, capsys):
    shell.run_cell("%corpus stat")
    shown = capsys.readouterr()
    output = shown.out + shown.err
    assert "UsageError: %corpus: unknown subcommand 'stat'" in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- the tour notebook


def _windows(text: str, size: int = 12) -> set[str]:
    """Every ``size``-character window of ``text`` (spaces removed) with 8 or more Chinese characters."""
    text = re.sub(r"\s+", "", text)
    windows = (text[i : i + size] for i in range(len(text) - size + 1))
    return {w for w in windows if len(_CJK.findall(w)) >= 8}


@functools.cache
def _jddc_windows() -> frozenset[str]:
    lines = JDDC.read_text(encoding="utf-8").split("\n")
    return frozenset().union(*(_windows(line.split("\t")[-1]) for line in lines))


def _output_texts(notebook) -> list[str]:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(output["text"])
            for value in output.get("data", {}).values():
                texts.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return texts


def _leaks(notebook) -> set[str]:
    """Output text found in the JDDC sample but in nothing we wrote (the tour's code, the corpus):
    stock phrases such as 欢迎光临，请问有什么可以帮您 occur in both independently."""
    ours = set().union(*(_windows(c.source) for c in notebook.cells if c.cell_type == "code"))
    for path in sorted((PROJECT_ROOT / "corpus" / "cases").glob("*.jsonl")):
        ours |= _windows(path.read_text(encoding="utf-8"))
    jddc = _jddc_windows()
    return {w for text in _output_texts(notebook) for w in _windows(text) if w in jddc and w not in ours}


@pytest.mark.slow
def test_tour_notebook_executes(tmp_path, shell, settings_tmp, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    assert JDDC.is_file(), f"{JDDC} is missing: the tour audits the JDDC 2019 sample from the shared folder"
    kernels = tmp_path / "jupyter" / "kernels" / "assistant-tour"
    kernels.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "language": "python",
            "display_name": "assistant tour"}  # fmt: skip
    (kernels / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv(
        "JUPYTER_PATH", str(tmp_path / "jupyter") + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    )
    # the kernel reuses the test session's model and index
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings_tmp.data_dir))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(PROJECT_ROOT / "corpus"))
    notebook = nbformat.read(TOUR, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="assistant-tour",
        resources={"metadata": {"path": str(TOUR.parent)}},
    )
    client.execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    charts = [o for c in notebook.cells for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(charts) == 2  # the team's and the JDDC sample's violation rates
    assert not _leaks(notebook)


def test_committed_tour_has_outputs_and_no_jddc_text():
    import nbformat

    notebook = nbformat.read(TOUR, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code), "commit the tour executed, with its outputs"
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not _leaks(notebook)


# ----------------------------------------------------------------------------- text taken verbatim


@pytest.mark.parametrize(
    "text",
    ["-_-!!", "- 不行", "--亲 在的", '"好的"  亲', "'单引号'   两个空格", "-k 不是选项", "=1+1 @亲 +好"],
)
def test_check_takes_the_text_after_the_options_verbatim(shell, text):
    assert shell.run_line_magic("check", text).result.reply == text
    assert shell.run_line_magic("check", f"--message 在吗 {text}").result.reply == text
    assert shell.run_line_magic("check", f"-- {text}").result.reply == text
    shell.user_ns["typed"] = text
    assert shell.run_line_magic("check", "-m 在吗 {typed}").result.reply == text


def test_options_before_the_text_still_parse(shell):
    frame = shell.run_line_magic("check", '--message "能 便宜点吗" -o kept 不行')
    assert frame.result.reply == "不行" and shell.user_ns["kept"] is frame
    assert usage_error(shell, "check", "--colour red 不行") == "unrecognized arguments: --colour"


@pytest.mark.slow
def test_check_sees_every_jddc_reply_exactly(shell):
    if not JDDC.is_file():
        pytest.skip(f"{JDDC} is missing")
    replies = []
    for line in JDDC.read_text(encoding="utf-8").split("\n"):
        fields = line.split("\t")
        if len(fields) >= 7 and fields[2] == "1" and fields[6].strip():
            replies.append(fields[6].strip())
    assert len(replies) > 5000
    from assistant import magics

    seen = []
    original = magics.AssistantMagics.assistant

    class Spy:  # records what %check hands to the core (the verdict itself is not the point here)
        def __init__(self, core):
            self.corpus = core.corpus
            self.clean = core.check("您好")

        def check(self, reply, **kwargs):
            seen.append(reply)
            return self.clean

    core = original(shell.magics_manager.registry["AssistantMagics"])
    magics.AssistantMagics.assistant = lambda self: Spy(core)
    try:
        for reply in replies:
            shell.user_ns["reply_text"] = reply
            shell.run_line_magic("check", "{reply_text}")
            if "{" not in reply and "$" not in reply:
                shell.run_line_magic("check", reply)
    finally:
        magics.AssistantMagics.assistant = original
    expected = [x for r in replies for x in ([r, r] if "{" not in r and "$" not in r else [r])]
    assert seen == expected


# ----------------------------------------------------------------------------- conversations, export


def _jddc_turns() -> pd.DataFrame:
    records = []
    for line in JDDC.read_text(encoding="utf-8").split("\n"):
        fields = line.split("\t")
        if len(fields) >= 7:
            records.append((fields[0], int(fields[2]), fields[6].strip()))
    frame = pd.DataFrame(records, columns=["session", "role", "text"])
    frame["turn"] = frame.groupby("session").cumcount()
    # shuffled: the turn column, not the row order, says how a conversation goes
    return frame.sample(frac=1.0, random_state=7)


@pytest.mark.slow
def test_conversation_audit_gives_the_cli_numbers_on_the_jddc_sample(shell, settings_tmp, tmp_path):
    from click.testing import CliRunner

    from assistant.cli import cli

    if not JDDC.is_file():
        pytest.skip(f"{JDDC} is missing")
    # both read one snapshot of the corpus: its checklist may be edited while the tests run
    corpus = tmp_path / "corpus"
    shutil.copytree(settings_tmp.corpus_dir, corpus)
    shell.user_ns["turns"] = _jddc_turns()
    shell.run_line_magic("config", f"Assistant.corpus_dir = {str(corpus)!r}")
    try:
        rows = shell.run_line_magic("audit", "turns --session session --turn turn --role role --by session")
    finally:
        shell.run_line_magic("config", f"Assistant.corpus_dir = {str(settings_tmp.corpus_dir)!r}")
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(settings_tmp.data_dir), "--corpus", str(corpus), "audit", str(JDDC)]
        + ["--format", "jddc2019", "--json"],
    )
    assert result.exit_code == 0, result.output[-500:]
    records = [json.loads(line) for line in result.stdout.strip().split("\n")]
    assert len(rows) == len(records) > 5000
    assert int(rows["passed"].sum()) == sum(r["passed"] for r in records)
    cli_counts: dict[str, int] = {}
    for record in records:
        for rule in dict.fromkeys(v["rule"] for v in record["violations"]):
            cli_counts[rule] = cli_counts.get(rule, 0) + 1
    fired = rows.by_rule[rows.by_rule["count"] > 0]
    assert dict(zip(fired["rule"], fired["count"], strict=True)) == cli_counts
    assert rows.by_group["session"].nunique() == shell.user_ns["turns"]["session"].nunique()
    turns = shell.user_ns["turns"]
    first = rows.index[0]  # each reply is labelled by its first agent turn in the input frame
    assert turns.loc[first, "role"] == 1 and rows.loc[first, "reply"].startswith(turns.loc[first, "text"])


def test_audit_prints_the_columns_it_used(team, capsys):
    team.run_line_magic("audit", "replies")
    assert capsys.readouterr().out.splitlines()[0] == (
        "列 columns: reply=reply (detected) · message=message (detected)"
    )


def test_audit_refuses_an_agent_column_as_replies(team):
    team.user_ns["agents"] = pd.DataFrame({"agent": ["小王"], "message": ["在吗"], "content": ["在的"]})
    assert usage_error(team, "audit", "agents") == (
        "agents: cannot find the reply column among 'agent', 'message', 'content'; name it with --reply"
    )
    rows = team.run_line_magic("audit", "agents --reply content")
    assert list(rows["reply"]) == ["在的"]


def test_audit_exports_with_the_cli_writer(team, tmp_path):
    from openpyxl import load_workbook

    team.user_ns["risky"] = pd.DataFrame(
        {"message": ["在吗", "多少钱"], "reply": ['=HYPERLINK("http://x.test")不行', "-_-!! 你自己看"]}
    )
    rows = team.run_line_magic("audit", f"risky --out {tmp_path / 'r.xlsx'}")
    sheet = load_workbook(tmp_path / "r.xlsx").worksheets[0]
    cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row}
    assert cells['=HYPERLINK("http://x.test")不行'] == "s"  # a string cell: Excel shows it, never runs it
    team.run_line_magic("audit", f"risky --out {tmp_path / 'r.csv'}")
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'-_-!!" in text
    assert "「" in text and "['" not in text  # violations as readable text, not Python list text
    assert len(rows) == 2
    assert usage_error(team, "audit", "risky --out r.txt") == (
        "--out 'r.txt': the report must end in .csv, .xlsx, .html or .parquet"
    )


# ----------------------------------------------------------------------------- at scale


def test_audit_of_a_thousand_groups_plots_and_displays_in_bounds(team):
    import altair as alt

    n = 1200
    team.user_ns["many"] = pd.DataFrame(
        {"reply": ["在" if i % 5 == 0 else "您好，请问有什么可以帮您？" for i in range(n)], "turn": range(n)}
    )
    rows = team.run_line_magic("audit", "many --by turn --plot")
    assert isinstance(rows.chart, alt.TopLevelMixin)
    spec = rows.chart.to_dict()  # no MaxRowsError: the chart holds aggregates, not rows
    assert sum(len(v) for v in spec["datasets"].values()) <= 25
    assert rows["turn"].dtype == "int64" and rows.by_group["turn"].tolist() == list(range(n))
    with pd.option_context("display.max_rows", 20, "display.min_rows", 10):
        data = rendered(team, rows)
    text = data["text/plain"]
    assert text.startswith("质检 audit: 1200 条回复 rows · 240 条未通过 not passed (20.0%)\n")
    assert len(text.splitlines()) < 40 and len(data["text/html"]) < 60_000
    long = rows.long
    assert len(long) == 240 and set(long.index) <= set(rows.index)


def test_progress_bar_in_a_kernel_without_widgets_is_text(monkeypatch):
    import sys
    import types

    from tqdm import std

    from assistant import audit

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(audit, "_kernel", lambda: object())
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails, as without ipywidgets
    bar = audit.progress_bar(range(3), 3)
    assert isinstance(bar, std.tqdm) and not bar.disable  # shown even though stderr is not a terminal
    assert list(bar) == [0, 1, 2]


def test_a_table_of_turns_gives_the_same_numbers_in_the_cli_and_in_audit(shell, settings_tmp, tmp_path):
    from click.testing import CliRunner

    from assistant.cli import cli

    turns = pd.DataFrame(
        {
            "会话": ["s1"] * 5 + ["s2"] * 4,
            "序号": [3, 1, 2, 5, 4, 2, 1, 10, 9],
            "发送方": ["客服", "买家", "客服", "客服", "买家", "买家", "客服", "客服", "买家"],
            "内容": ["在", "在吗", "您好", "不行", "能便宜点吗", "衣服破了", "您好", "你自己看", "怎么退"],
        }
    )
    shell.user_ns["turns_zh"] = turns
    rows = shell.run_line_magic("audit", "turns_zh --session 会话 --turn 序号 --role 发送方 --by 会话")
    path = tmp_path / "turns.csv"
    turns.to_csv(path, index=False)
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(settings_tmp.data_dir), "audit", str(path), "--json"]
        + ["--session", "会话", "--turn", "序号", "--role", "发送方", "--by", "会话"],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.strip().split("\n")]
    assert [r["passed"] for r in records] == list(rows["passed"])
    assert [[v["rule"] for v in r["violations"]] for r in records] == [
        [v.rule for v in row.violations] for row in rows.report.rows
    ]
    # turn 10 comes after turn 9 although the file holds it as text
    assert list(rows["reply"]) == ["您好\n在", "不行", "您好", "你自己看"]
    assert result.stderr.startswith(
        "列 columns: text=内容 (detected) · by=会话 · session=会话 · turn=序号 · role=发送方"
    )
