"""The Streamlit console under AppTest: each page's main flows on a copy of the corpus and a tmp data dir.

The pages run for real (real model, index, checklist, audit); the ``Assistant`` is shared through
``st.cache_resource``, so the model loads once. A "restart" clears the in-process caches, as a new
server process would start with none: whatever a test sees after it came from disk.
"""

import io
import json
import re
import shutil
from types import SimpleNamespace

import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from assistant import Assistant
from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import CaseStore, load_corpus
from assistant.embedding import ensure_usem3_model

PAGES = PROJECT_ROOT / "console" / "pages"
TIMEOUT = 300  # the first suggestion loads the model and builds the index of the corpus copy
HOSTILE = (
    '<img src=x onerror="alert(1)"><script>alert(2)</script> **粗体** [链接](http://x.test) :red[红] $x$'
)

from console.common import md_escape  # noqa: E402

# slow: runs in the full test command (CI), not in the quick default run
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory, settings_tmp):
    base = tmp_path_factory.mktemp("console")
    corpus = base / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".*"))
    # the model is converted once per test session (conftest's data dir); the index is this corpus's own
    (base / "data").mkdir()
    (base / "data" / "models").symlink_to(
        ensure_usem3_model(settings_tmp.models_dir).parent, target_is_directory=True
    )
    patch = pytest.MonkeyPatch()
    patch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    patch.setenv("ASSISTANT_DATA_DIR", str(base / "data"))
    restart()
    yield SimpleNamespace(corpus=corpus, data=base / "data", store=CaseStore(corpus))
    patch.undo()
    restart()


def restart() -> None:
    """What a server restart does: no cached assistant, resources or data."""
    st.cache_resource.clear()
    st.cache_data.clear()
    Assistant.clear_cache()


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in at.get(kind)]


def ask(at: AppTest, message: str, history: str = "") -> AppTest:
    at.text_area(key="message").input(message)
    at.text_area(key="history").input(history)
    at.button(key="ask_button").click()
    at.run()
    assert not at.exception, at.exception
    return at


def assert_escaped(at: AppTest) -> None:
    """No user-written markup reaches the page as markup."""
    for body in texts(at, "html"):
        assert "<script" not in body and "<img" not in body, body
    for kind in ("markdown", "caption", "error", "success", "warning", "info"):
        for body in texts(at, kind):
            assert "<script" not in body and "](http" not in body and ":red[" not in body, body


def candidate(
    env, buyer: str = "这件能便宜点吗", reply: str = "亲，价格已经是活动价了，我送您一张{coupon}哦。"
) -> str:
    return env.store.add(
        {
            "buyer": buyer,
            "reply": reply,
            "scenario": "bargaining",
            "stage": "pre_sale",
            "status": "candidate",
            "tags": [],
        }
    ).id


# ----------------------------------------------------------------------------- helpers


def test_md_escape_makes_markdown_inert():
    assert md_escape("**x** [a](b) :red[c] $d$ <b>") == r"\*\*x\*\* \[a\]\(b\) \:red\[c\] \$d\$ \<b\>"
    assert md_escape("两行\n文字") == "两行 文字"


def test_errors_for_agents_and_trainers_are_chinese_only():
    from console.common import chinese_part, error_zh

    blocked = ValueError(
        "c-1: 回复没通过质检（tone.command, platform.off_site），不能直接通过 the reply fails"
    )
    assert error_zh(blocked) == "错误：c-1: 回复没通过质检（命令语气, 引导到平台外），不能直接通过"
    assert error_zh(ValueError("请选择场景 choose the case's scenario")) == "错误：请选择场景"
    # a message with no Chinese half stays whole (never cut to its first word), ids as typed
    assert error_zh(ValueError("unknown field 'occurences'")) == "错误：unknown field 'occurences'"
    assert chinese_part("unknown rule tone.comand") == "unknown rule tone.comand"


# ----------------------------------------------------------------------------- agent


def current() -> Assistant:
    """The assistant the pages use (same settings, same cached instance)."""
    from assistant import Settings

    return Assistant.load(Settings.load())


def editor(at: AppTest) -> dict:
    """What the page sent the reply editor: the text, its version and the check of that text."""
    (component,) = at.get("bidi_component")
    return json.loads(component.proto.json)


def edit(at: AppTest, text: str) -> AppTest:
    """What the editor does when the agent types (its debounced state change)."""
    at.session_state["draft"] = text
    at.run()
    assert not at.exception, at.exception
    return at


def agent_html(at: AppTest) -> str:
    return " ".join(texts(at, "html")) + json.dumps(editor(at), ensure_ascii=False)


def test_agent_page_waits_for_a_message(env):
    at = page("agent")
    assert at.text_area(key="message").label == "买家消息"
    assert at.text_area(key="message").proto.max_chars == current().settings.max_message_chars
    assert not at.get("bidi_component")
    ask(at, "   ")
    assert any(w.startswith("请先输入买家消息") for w in texts(at, "warning"))
    assert not at.get("bidi_component")


def test_agent_page_suggests_with_detection_facts_and_guidance(env):
    message, history = "这件T恤有M码吗", "买家: 在吗\n客服: 在的亲，请问有什么可以帮您？"
    at = ask(page("agent"), message, history)
    expected = current().suggest(message, history=history.split("\n"))
    taxonomy = current().corpus.taxonomy
    html = " ".join(texts(at, "html"))
    assert taxonomy.scenario(expected.detection.scenario).zh in html and "订单进度" in html
    cards = [h for h in texts(at, "html") if "推荐 " in h]
    assert len(cards) == len(expected.suggestions) >= 1
    for card, suggestion in zip(cards, expected.suggestions, strict=True):
        assert all(source in card for source in suggestion.sources)  # on hover only
    data = editor(at)
    assert data["text"] == expected.suggestions[0].reply == data["check"]["text"]
    assert data["limit"] == current().settings.max_message_chars
    assert [e.label for e in at.expander] == [md_escape(g.title) for g in expected.guidance]
    assert current().ready


def test_agent_wording_has_no_rule_ids_or_paths(env):
    at = ask(page("agent"), "在吗")
    edit(at, "你好，晕，这个最便宜的，加我微信聊")
    data = editor(at)["check"]
    assert data["level"] == "error" and not data["ready"] and data["blockers"]
    assert "口头禅或网络用语" in data["html"] and "引导到平台外" in data["html"]
    shown = agent_html(at).replace(str(env.corpus), "")
    for rule in current().corpus.rules.rules:
        assert f">{rule.id}" not in shown and f" {rule.id} " not in shown, rule.id
    assert "/corpus" not in shown and "Error" not in " ".join(texts(at, "error"))


def test_choosing_editing_and_fixing_a_reply(env):
    at = ask(page("agent"), "在吗")
    result = current().suggest("在吗")
    version = editor(at)["version"]
    if len(result.suggestions) > 1:
        at.button(key="use_1").click().run()
        assert editor(at)["text"] == result.suggestions[1].reply and editor(at)["version"] == version + 1
    # the live check is always of the text the editor holds
    rude = "你好，晕，这个最便宜的，加我微信聊"
    edit(at, rude)
    check = current().check(rude, "在吗", scenario=result.detection.scenario)
    assert editor(at)["check"]["text"] == rude and not check.passed and check.fixed is None
    assert "<mark" in editor(at)["check"]["html"] and "晕" in editor(at)["check"]["html"]
    assert not at.button(key="save_candidate").value and at.button(key="save_candidate").disabled
    bad = "你好，请问你要什么颜色"
    edit(at, bad)
    check = current().check(bad, "在吗", scenario=result.detection.scenario)
    assert check.fixed and check.fixed != bad
    at.button(key="fix").click().run()
    assert not at.exception
    assert editor(at)["text"] == check.fixed == editor(at)["check"]["text"]
    assert editor(at)["check"]["ready"]


def test_picking_a_suggestion_over_an_edited_draft_asks_first(env):
    # a message the shipped corpus answers with two suggestions or more (the first that does)
    asked = ("快递到哪了，怎么还没到", "这个T恤白色M码还有吗", "能便宜点吗", "怎么退货")
    message = next((m for m in asked if len(current().suggest(m).suggestions) >= 2), None)
    assert message is not None, "no message with two suggestions to pick between"
    at = ask(page("agent"), message)
    edit(at, "亲，我这就帮您查一下物流。")
    at.button(key="use_1").click().run()
    assert editor(at)["text"] == "亲，我这就帮您查一下物流。"  # not overwritten
    assert any("丢掉修改" in w for w in texts(at, "warning"))
    at.button(key="confirm_pick_no").click().run()
    assert editor(at)["text"] == "亲，我这就帮您查一下物流。"
    at.button(key="use_1").click().run()
    at.button(key="confirm_pick_yes").click().run()
    assert editor(at)["text"] == current().suggest(message).suggestions[1].reply


def test_a_pasted_chat_block_gives_the_history_and_last_buyer_message(env):
    block = (
        "tb_lily2023 2024-05-01 10:23:45\n在吗\n"
        "旗舰店:小王 2024-05-01 10:24:01\n在的亲，请问有什么可以帮您？\n"
        "--- 以上为历史消息 ---\n"
        "tb_lily2023 2024-05-01 10:25:10\n这个T恤白色M码还有吗\n[图片]\n今天拍能发吗\n"
    )
    at = ask(page("agent"), "", block)
    assert at.text_area(key="message").value == "这个T恤白色M码还有吗，今天拍能发吗"
    result = at.session_state["result"]
    assert [(t.role, t.text) for t in result.history] == [
        ("buyer", "在吗"),
        ("agent", "在的亲，请问有什么可以帮您？"),
    ]
    assert any("3 条消息" in c for c in texts(at, "caption"))


def test_the_work_survives_a_reload_and_a_restart(env):
    at = ask(page("agent"), "这件T恤有M码吗", "买家: 在吗")
    at.sidebar.text_input(key="agent").input("小王").run()
    edit(at, "亲，M码有现货的哦，今天拍今天发。")
    sid = at.session_state["_sid"]
    restart()
    again = AppTest.from_file(str(PAGES / "agent.py"), default_timeout=TIMEOUT)
    again.query_params["s"] = sid
    again.run()
    assert not again.exception, again.exception
    assert again.text_area(key="message").value == "这件T恤有M码吗"
    assert again.text_area(key="history").value == "买家: 在吗"
    assert again.sidebar.text_input(key="agent").value == "小王"
    assert editor(again)["text"] == "亲，M码有现货的哦，今天拍今天发。"
    fresh = page("agent")  # another browser session starts empty
    assert fresh.text_area(key="message").value == "" and not fresh.get("bidi_component")


def test_user_text_is_rendered_escaped(env):
    at = ask(page("agent"), HOSTILE, "买家: " + HOSTILE)
    edit(at, "晕 " + HOSTILE)
    assert_escaped(at)
    check = editor(at)["check"]  # the page builds this HTML; the editor shows it as HTML
    assert "&lt;script&gt;" in check["html"] and "&lt;img" in check["html"]
    assert "<script" not in check["html"] and "<img" not in check["html"]
    assert editor(at)["text"] == "晕 " + HOSTILE  # the editor holds it literally


def test_feedback_and_candidates_persist_across_restarts(env):
    at = ask(page("agent"), "快递到哪了，怎么还没到")
    reply = editor(at)["text"]
    at.button(key="up_0").click().run()
    assert not at.exception and any("已记录" in s for s in texts(at, "success"))
    edited = reply + "我这就帮您催一下快递。"
    edit(at, edited)
    at.button(key="save_candidate").click().run()
    assert not at.exception
    assert any("已保存为候选案例" in s for s in texts(at, "success")), texts(at, "success")
    at.button(key="save_candidate").click().run()  # saving again changes nothing
    assert any("之前已保存过" in s for s in texts(at, "success")), texts(at, "success")
    saved = [c for c in load_corpus(env.corpus).cases if c.reply == edited]
    assert len(saved) == 1 and saved[0].status == "candidate"
    case_id = saved[0].id

    restart()
    feedback = current().feedback()
    assert [(f.rating, f.reply) for f in feedback[-2:]] == [("up", reply), ("edited", edited)]
    at = trainer("候选审核")
    assert any(edited in t for t in texts(at, "text"))
    at.button(key=f"approve_{case_id}").click().run()
    assert not at.exception

    restart()
    assert load_corpus(env.corpus).case(case_id).status == "approved"


# ----------------------------------------------------------------------------- analytics

CHATS = (
    "买家消息,客服回复,客服昵称\n"
    "在吗,在,小王\n"
    "有M码吗,有的亲，M码有货哦，今天下单今天发,小李\n"
    "便宜点,这是全网最便宜的了，加我微信给你优惠,小王\n"
    "好的,嗯,小李\n"
)


@pytest.fixture
def downloads(monkeypatch):
    """The files the page offers for download (name -> bytes), as Streamlit stores them."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    offered: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        offered[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return offered


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="chats").upload(name, data, mime)
    at.run()
    assert not at.exception, at.exception
    return at


def test_analytics_audits_an_upload_by_rule_and_agent(env, downloads):
    at = upload(page("analytics"), "chats.csv", CHATS.encode("utf-8"))
    assert at.selectbox(key="group_col").value == "客服昵称"  # the agent column is offered by default
    assert not at.metric  # nothing audited before the button
    at.button(key="audit_button").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["回复数"] == "4"
    from assistant.audit import audit, load_rows

    path = env.data / "chats.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CHATS, encoding="utf-8")
    expected = audit(load_rows(path, by="客服昵称"), current().corpus.rules, by="客服昵称")
    assert metrics["有问题的回复"] == str(sum(1 for r in expected.rows if r.violations)) != "0"
    assert len(at.get("vega_lite_chart")) == 2  # by rule, by agent
    assert "各客服昵称违规率" in [s.value for s in at.subheader]
    assert len(at.expander) == sum(1 for r in expected.rows if r.violations)
    assert any("<mark" in h for h in texts(at, "html"))
    assert [b.label for b in at.get("download_button")] == ["下载报告 CSV", "下载报告 HTML"]
    report = downloads["chats-质检报告.csv"].decode("utf-8-sig")
    lines = report.strip().split("\n")
    assert lines[0].startswith("row,line,group,passed,rules") and len(lines) == 5
    assert "小王" in report and "platform" in report

    at.selectbox(key="group_col").set_value("（不分组）").run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1  # the audit stays, regrouped


def test_analytics_reads_xlsx(env):
    from openpyxl import Workbook

    book = Workbook()
    for row in CHATS.strip().split("\n"):
        book.active.append(row.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    at = upload(
        page("analytics"),
        "chats.xlsx",
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    at.button(key="audit_button").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["回复数"] == "4"


def cli_error(env, name: str, data: bytes) -> str:
    """The one-line error ``assistant audit`` prints for this file, with the file named as uploaded."""
    folder = env.data / "uploads"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["audit", str(folder / name)])
    assert result.exit_code == 1, result.output
    return result.output.strip().replace(str(folder / name), name)


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty.csv", b""),
        ("blank.csv", b"\n\n"),
        ("broken.xlsx", b"not a workbook"),
        ("gbk.jsonl", "{坏".encode("gbk")),
    ],
)
def test_analytics_gives_a_bad_file_the_cli_one_line_error(env, name, data):
    at = upload(page("analytics"), name, data)
    errors = [e.replace("\\", "") for e in texts(at, "error")]
    assert errors == [cli_error(env, name, data)], errors
    assert str(env.data) not in errors[0] and "Traceback" not in errors[0]
    assert not at.metric


def test_analytics_asks_for_the_reply_column_when_it_cannot_tell(env):
    data = "标题,备注\n你好,随便\n".encode()
    at = upload(page("analytics"), "notes.csv", data)
    # the CLI's line word for word, then the page's own way to do what --reply-col does, in Chinese
    assert [e.replace("\\", "") for e in texts(at, "error")] == [cli_error(env, "notes.csv", data)]
    assert texts(at, "info") == ["在页面上：在“客服回复列”里选择客服回复所在的列"]
    assert at.selectbox(key="reply_col").value is None  # asked, never guessed
    assert not at.metric and not [b for b in at.button if b.key == "audit_button"]
    at.selectbox(key="reply_col").set_value("备注").run()
    at.button(key="audit_button").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["回复数"] == "1"


def test_analytics_one_column_and_header_only_files(env):
    at = upload(page("analytics"), "replies.csv", "客服回复\n在\n亲，您好，请问有什么可以帮您？\n".encode())
    at.button(key="audit_button").click().run()
    assert not at.exception and {m.label: m.value for m in at.metric}["回复数"] == "2"
    data = "备注\n在\n亲，您好\n".encode()  # one column that does not look like replies: ask for it
    at = upload(page("analytics"), "notes.csv", data)
    assert [e.replace("\\", "") for e in texts(at, "error")] == [cli_error(env, "notes.csv", data)]
    assert "“客服回复列”" in " ".join(texts(at, "info")) and not at.metric
    at.selectbox(key="reply_col").set_value("备注").run()
    at.button(key="audit_button").click().run()
    assert not at.exception and {m.label: m.value for m in at.metric}["回复数"] == "2"
    at = upload(page("analytics"), "header.csv", "买家消息,客服回复\n".encode())
    at.button(key="audit_button").click().run()
    errors = [e.replace("\\", "") for e in texts(at, "error")]
    assert len(errors) == 1 and "header.csv" in errors[0] and "没有可质检的回复" in errors[0]
    assert not at.metric  # never a 100% pass rate for nothing


def test_analytics_names_rules_in_chinese_and_agents_in_percent(env):
    at = upload(page("analytics"), "chats.csv", CHATS.encode("utf-8"))
    at.button(key="audit_button").click().run()
    table = next(h for h in texts(at, "html") if "rule-table" in h)
    assert (
        'title="platform.off_site"' in table
        and "引导到平台外" in table
        and ">platform.off_site<" not in table
    )
    frame = at.dataframe[-1]
    assert list(frame.value.columns[:4]) == ["客服昵称", "回复数", "通过率", "有问题占比"]
    assert frame.proto.columns  # percent formats are configured


def test_analytics_escapes_uploaded_text(env):
    hostile = f'买家消息,客服回复\n"{HOSTILE}","你好 {HOSTILE.replace(chr(34), chr(34) * 2)}"\n'
    at = upload(page("analytics"), "x.csv", hostile.encode())
    at.button(key="audit_button").click().run()
    assert not at.exception
    assert_escaped(at)


# ----------------------------------------------------------------------------- trainer


def trainer(section: str = "案例") -> AppTest:
    at = page("trainer")
    if section != "案例":
        at.segmented_control(key="trainer_section").set_value(section).run()
        assert not at.exception, at.exception
    return at


def test_trainer_page_shows_cases_and_coverage(env):
    at = trainer()
    corpus = load_corpus(env.corpus)
    assert f"{len(corpus.cases)} / {len(corpus.cases)} 条案例" in texts(at, "caption")
    at.text_input(key="case_query").input("发票").run()
    shown = [c for c in texts(at, "caption") if "条案例" in c][0]
    assert 0 < int(shown.split(" / ")[0]) < len(corpus.cases)
    at.segmented_control(key="trainer_section").set_value("索引与覆盖").run()
    assert at.button(key="rebuild")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # scenarios, scenario x buyer type, scenario x category
    spec = json.dumps([json.loads(c.proto.spec) for c in charts], ensure_ascii=False)
    assert "空白" in spec and "薄弱" in spec and "false" not in spec.lower().split('"domain"')[-1][:40]


def test_trainer_stays_on_its_section_after_an_action(env):
    approve, reject = candidate(env), candidate(env, buyer="能再送个赠品吗")
    at = trainer("候选审核")
    assert any("待审核" in c for c in texts(at, "caption"))
    at.button(key=f"approve_{approve}").click().run()
    assert not at.exception
    assert at.segmented_control(key="trainer_section").value == "候选审核"
    assert any(f"已通过 {approve}" in s.replace("\\", "") for s in texts(at, "success"))
    at.button(key=f"reject_{reject}").click().run()
    assert at.segmented_control(key="trainer_section").value == "候选审核"
    restart()
    at = trainer("候选审核")
    keys = {b.key for b in at.button}
    assert f"approve_{approve}" not in keys and f"approve_{reject}" not in keys
    corpus = load_corpus(env.corpus)
    assert corpus.case(approve).status == "approved" and corpus.case(reject).status == "rejected"


def test_approving_a_rude_case_needs_an_override_with_a_reason(env):
    rude = candidate(env, buyer="有S码吗", reply="你自己看详情页！！")
    at = trainer("候选审核")
    captions = [c.replace("\\", "") for c in texts(at, "caption")]
    assert any(rude in c and "命令语气" in c for c in captions), captions
    assert not any("tone.command" in c for c in captions)  # the rule id only on hover
    assert any("tone.command" in c.proto.help for c in at.caption if rude in c.value.replace("\\", ""))
    at.button(key=f"approve_{rude}").click().run()
    assert not at.exception
    assert load_corpus(env.corpus).case(rude).status == "candidate"
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert "强制通过" in errors and rude in errors and "命令语气" in errors
    assert (
        "tone.command" not in errors and "Error" not in errors and "the reply" not in errors
    )  # Chinese only
    assert at.segmented_control(key="trainer_section").value == "候选审核"
    at.text_input(key=f"override_{rude}").input("引用买家原话，训练用")
    at.button(key=f"approve_{rude}").click().run()
    case = load_corpus(env.corpus).case(rude)
    assert case.status == "approved" and "引用买家原话" in case.notes


def test_adding_a_case_needs_a_scenario_and_passes_the_checklist(env):
    before = len(load_corpus(env.corpus).cases)
    at = trainer()
    assert at.selectbox(key="add_scenario").value is None  # never defaulted
    at.text_area(key="add_buyer").input("在吗")
    at.text_area(key="add_reply").input("在的亲，请问有什么可以帮您？")
    at.selectbox(key="add_status").set_value("approved")
    at.button(key="add_case_button").click().run()
    assert not at.exception
    assert "请选择场景" in " ".join(texts(at, "error"))
    at.selectbox(key="add_scenario").set_value("greeting")
    at.text_area(key="add_reply").input("在的{no_such_slot}")
    at.button(key="add_case_button").click().run()
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert "no_such_slot" in errors and "个问题，未保存" in errors
    at.text_area(key="add_reply").input("你自己看详情页！！")
    at.button(key="add_case_button").click().run()
    assert "强制通过" in " ".join(texts(at, "error"))
    assert len(load_corpus(env.corpus).cases) == before
    at.text_area(key="add_reply").input("在的亲 " + HOSTILE)
    at.button(key="add_case_button").click().run()
    assert not at.exception and texts(at, "success")
    corpus = load_corpus(env.corpus)
    assert len(corpus.cases) == before + 1 and any(HOSTILE in c.reply for c in corpus.cases)
    at.text_input(key="case_query").input("onerror").run()
    assert_escaped(at)


def test_editing_and_deleting_a_case(env):
    case_id = candidate(env, buyer="可以少十块吗")
    at = trainer()
    at.selectbox(key="edit_id").set_value(case_id).run()
    at.text_area(key=f"edit_{case_id}_reply").input("亲，这已经是最低价了，给您送一张{coupon}。")
    at.button(key="save_case").click().run()
    assert not at.exception
    assert load_corpus(env.corpus).case(case_id).reply == "亲，这已经是最低价了，给您送一张{coupon}。"
    # another scenario takes its own stage, as the core files it (Taxonomy.stage_for), never the old one
    assert at.selectbox(key=f"edit_{case_id}_stage").value == ""
    at.selectbox(key=f"edit_{case_id}_scenario").set_value("refund")
    at.button(key="save_case").click().run()
    assert not at.exception and not texts(at, "error")
    saved = load_corpus(env.corpus).case(case_id)
    assert saved.scenario == "refund" and saved.stage == "after_sale"
    assert at.button(key="delete_case").disabled
    at.checkbox(key=f"confirm_delete_{case_id}").check().run()
    at.button(key="delete_case").click().run()
    assert not at.exception
    assert case_id not in {c.id for c in load_corpus(env.corpus).cases}


def test_guidance_is_edited_one_section_at_a_time(env):
    path = env.corpus / "guidance" / "wording.md"
    original = path.read_text(encoding="utf-8")
    section = next(g for g in load_corpus(env.corpus).guidance if g.path.endswith("wording.md"))
    at = trainer("指导与规则")
    at.selectbox(key="guidance_id").set_value(section.id).run()
    key = f"guidance_text_{section.id}"
    text = at.text_area(key=key).value
    assert text.startswith("## ") and section.id in text.split("\n")[0] and text.count("\n## ") == 0
    at.text_area(key=key).input(text.replace(f"{{#{section.id}}}", ""))
    at.button(key="save_section").click().run()
    assert not at.exception
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert "wording.md:" in errors and "needs an id" in errors
    assert at.segmented_control(key="trainer_section").value == "指导与规则"
    assert path.read_text(encoding="utf-8") == original  # nothing written
    at.text_area(key=key).input(text.rstrip("\n") + "\n\n说话客气一点。\n")
    at.button(key="save_section").click().run()
    assert not texts(at, "error")
    saved = path.read_text(encoding="utf-8")
    assert "说话客气一点。" in saved and saved.replace("\n说话客气一点。\n", "", 1).count(
        "## "
    ) == original.count("## ")


IMPORTED = (
    "# 退货须知（培训文档导入）\n\n"
    "## 退货运费怎么说 {#imported-return-postage}\n"
    "scenarios: return_exchange, refund\n\n"
    "- 七天无理由退货的运费由买家承担，质量问题由店铺承担。\n"
)


def test_guidance_in_subfolders_is_listed_edited_and_its_usage_shown(env):
    folder = env.corpus / "guidance" / "imported"
    folder.mkdir(exist_ok=True)
    path = folder / "returns.md"
    path.write_text(IMPORTED, encoding="utf-8")
    try:
        at = trainer("指导与规则")
        assert "退货运费怎么说 · guidance/imported/returns.md" in at.selectbox(key="guidance_id").options
        at.selectbox(key="guidance_id").set_value("imported-return-postage").run()
        caption = next(c for c in at.caption if "适用场景" in c.value)
        assert "guidance/imported/returns.md" in caption.value.replace("\\", "")
        assert "退换货" in caption.value or "退款" in caption.value
        assert str(env.corpus) not in caption.value and caption.proto.help  # the id on hover only
        key = "guidance_text_imported-return-postage"
        at.text_area(key=key).input(at.text_area(key=key).value.rstrip("\n") + "\n- 运费险理赔直接到账。\n")
        at.button(key="save_section").click().run()
        assert not at.exception and not texts(at, "error")
        assert path.read_text(encoding="utf-8").endswith("- 运费险理赔直接到账。\n")

        at.radio(key="files_kind").set_value("规则与店铺文件").run()
        files = at.selectbox(key="file_name").options
        assert "guidance/imported/returns.md" in files and "guidance/wording.md" in files
        at.selectbox(key="file_name").set_value("guidance/imported/returns.md").run()
        saved = path.read_text(encoding="utf-8")
        assert at.text_area(key="file_text_guidance/imported/returns.md").value == saved

        at.radio(key="files_kind").set_value("指导使用情况").run()
        at.button(key="guidance_usage_button").click().run()
        assert not at.exception, at.exception
        corpus = load_corpus(env.corpus)
        table = at.dataframe[0].value
        assert list(table.columns) == ["小节", "文件", "适用场景", "相关质检规则", "显示次数", "状态"]
        assert len(table) == len(corpus.guidance)
        row = table[table["小节"] == "退货运费怎么说"].iloc[0]
        assert row["文件"] == "guidance/imported/returns.md" and "退款" in row["适用场景"]
        greeting = table[
            table["小节"] == next(g.title for g in corpus.guidance if g.id == "etiquette-greeting")
        ]
        assert (
            "只回了“在”" in greeting.iloc[0]["相关质检规则"]
        )  # greeting.bare points to it, named in Chinese
        assert "greeting.bare" not in " ".join(table["相关质检规则"])
        never = int((table["状态"] == "从未显示").sum())
        assert (table["显示次数"] == 0).sum() == never
        assert texts(at, "info") == [
            f"{len(table)} 个小节里有 {never} 个从未显示（统计了 {len(corpus.approved):,} 条买家消息）"
        ]
    finally:
        path.unlink()
        current().forget_corpus()


def test_whole_rule_files_are_validated_before_saving(env):
    path = env.corpus / "shop.toml"
    original = path.read_text(encoding="utf-8")
    at = trainer("指导与规则")
    at.radio(key="files_kind").set_value("规则与店铺文件").run()
    at.selectbox(key="file_name").set_value("shop.toml").run()
    at.text_area(key="file_text_shop.toml").input(original + "\n[[[broken\n")
    at.button(key="save_file").click().run()
    assert not at.exception and texts(at, "error")
    assert path.read_text(encoding="utf-8") == original
    at.button(key="revert_file").click().run()
    assert at.text_area(key="file_text_shop.toml").value == original


def test_rebuilding_the_index_shows_progress_and_uses_new_cases(env):
    buyer = "能不能把发票抬头改成我们公司的全称再重开一张"
    stage = current().corpus.taxonomy.stage_of("invoice")
    case = env.store.add(
        {
            "buyer": buyer,
            "reply": "可以的亲，您把公司全称和税号发我，我帮您重开。",
            "scenario": "invoice",
            "stage": stage if stage != "any" else "after_sale",
            "status": "approved",
            "tags": [],
        }
    )
    phases = []
    original = Assistant.build

    def spy(self, *args, **kwargs):
        report = kwargs.get("phases")
        kwargs["phases"] = lambda name, done, total: (phases.append(name), report(name, done, total))
        return original(self, *args, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(Assistant, "build", spy)
    try:
        at = trainer("索引与覆盖")
        at.button(key="rebuild").click().run()
    finally:
        patch.undo()
    assert not at.exception
    assert at.get("progress")[0].value == 100
    assert {"encoding", "index", "bm25", "detector"} <= set(phases)
    updated = [s.replace("\\", "") for s in texts(at, "success") if "索引已更新" in s]
    assert updated and re.search(r"新增 [1-9]\d*、", updated[0]), updated
    assert current().similar(buyer, k=1)[0].case.id == case.id  # the new case is retrieved


# ----------------------------------------------------------------------------- the app and the command


def test_app_routes_to_every_page(env):
    at = AppTest.from_file(str(PROJECT_ROOT / "console" / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert at.text_area(key="message").label == "买家消息"  # the agent page is the default
    for name, header in (("trainer", "语料训练"), ("analytics", "质检分析")):
        at.switch_page(f"pages/{name}.py").run()
        assert not at.exception
        assert header in at.header[0].value


def test_console_command_checks_its_options(env):
    result = CliRunner().invoke(cli, ["console", "--port", "0"])
    assert result.exit_code == 2 and "--port" in result.output
    result = CliRunner().invoke(cli, ["--config", str(env.data / "missing.toml"), "console"])
    assert result.exit_code == 1
    assert result.output.strip().endswith("settings file not found")


def test_analytics_names_the_columns_and_folds_many_agents(env):
    rows = "".join(
        f"在吗,{'在' if i % 3 else '在的亲，请问有什么可以帮您？'},客服{i},10:{i % 60:02d}\n"
        for i in range(1200)
    )
    at = upload(page("analytics"), "many.csv", ("message,reply,agent,time\n" + rows).encode())
    calls, progress = [], []
    original = Assistant.audit_upload

    def spy(self, name, data, **options):  # the page's audit is one call to the core, with progress
        calls.append((name, options["by"]))
        report = options.pop("on_progress")
        return original(self, name, data, **options, on_progress=lambda *n: (progress.append(n), report(*n)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Assistant, "audit_upload", spy)
        at.button(key="audit_button").click().run()
    assert not at.exception, at.exception
    assert calls == [("many.csv", "agent")] and progress == [(1000, 1200), (1200, 1200)]
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert "列 columns: reply=reply (detected) · message=message (detected) · by=agent" in captions
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    # the chart's data is 20 agents and one bar for the other 1,180 (Arrow bytes: a few KB, where the
    # 1,200 agents with their rule counts would take well over 50 KB)
    assert [len(d.data.data) for d in charts[1].proto.datasets] and all(
        len(d.data.data) < 8_000 for d in charts[1].proto.datasets
    )


def test_trainer_approves_by_policy_with_a_preview(env):
    clean = candidate(env, buyer="能便宜点吗 买两件", reply="亲，两件可以用{coupon}哦，很划算的")
    env.store.update(clean, occurrences=4, violations=[])
    rude = candidate(env, buyer="还能便宜吗", reply="你自己看详情")
    env.store.update(rude, occurrences=5, violations=["tone.command"])
    at = trainer("候选审核")
    captions = [c.replace("\\", "") for c in texts(at, "caption")]
    assert any(f"{clean} · " in c and "出现 4 次" in c and "质检通过" in c for c in captions), captions
    at.text_input(key="policy").input("passed and occurrences>=3")
    at.button(key="policy_preview").click().run()
    assert not at.exception
    assert load_corpus(env.corpus).case(clean).status == "candidate"  # a preview changes nothing
    assert any(t.startswith("将通过 ") for t in texts(at, "info"))
    at.text_input(key="policy").input("passed and occurrences>=3")
    at.button(key="policy_approve").click().run()
    corpus = load_corpus(env.corpus)
    assert corpus.case(clean).status == "approved" and corpus.case(rude).status == "candidate"
    at.text_input(key="policy").input("passed and occurences>=3")
    at.button(key="policy_approve").click().run()
    assert any("unknown field" in t and "occurences" in t for t in texts(at, "error")), texts(at, "error")
