"""The Streamlit console under AppTest: each page's main flows on a copy of the corpus and a tmp data dir.

The pages run for real (real model, index, checklist, audit); the ``Assistant`` is shared through
``st.cache_resource``, so the model loads once. A "restart" clears the in-process caches, as a new
server process would start with none: whatever a test sees after it came from disk.
"""

import io
import re
import shutil
import sys
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

sys.path.insert(0, str(PROJECT_ROOT / "console"))
from common import md_escape  # noqa: E402  (console/ is not a package; the pages add it the same way)

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


# ----------------------------------------------------------------------------- agent


def current() -> Assistant:
    """The assistant the pages use (same settings, same cached instance)."""
    from assistant import Settings

    return Assistant.load(Settings.load())


def test_agent_page_waits_for_a_message(env):
    at = page("agent")
    assert at.text_area(key="message").label == "买家消息"
    assert not at.metric and not at.html
    ask(at, "   ")
    assert "请先输入买家消息" in texts(at, "warning")
    assert not at.metric


def test_agent_page_suggests_with_detection_sources_and_guidance(env):
    message, history = "这件T恤有M码吗", "买家: 在吗\n客服: 在的亲，请问有什么可以帮您？"
    at = ask(page("agent"), message, history)
    expected = current().suggest(message, history=history.split("\n"))
    taxonomy = current().corpus.taxonomy
    assert [m.label for m in at.metric] == ["场景", "阶段", "买家类型"]
    assert at.metric[0].value == taxonomy.scenario(expected.detection.scenario).zh
    assert at.metric[0].delta.startswith(f"{expected.detection.scenario} · 置信度")
    assert at.metric[1].value == taxonomy.stages[expected.detection.stage]
    cards = [h for h in texts(at, "html") if "推荐 " in h]
    assert len(cards) == len(expected.suggestions) >= 1
    for card, suggestion in zip(cards, expected.suggestions, strict=True):
        assert all(source in card for source in suggestion.sources)
    assert at.text_area(key="draft").value == expected.suggestions[0].reply
    assert [e.label for e in at.expander] == [md_escape(g.title) for g in expected.guidance]
    assert at.code[0].value == expected.suggestions[0].reply  # the copy box
    assert current().ready


def test_choosing_editing_and_fixing_a_reply(env):
    at = ask(page("agent"), "在吗")
    result = current().suggest("在吗")
    if len(result.suggestions) > 1:
        at.button(key="use_1").click().run()
        assert at.text_area(key="draft").value == result.suggestions[1].reply
    # a fix is offered only where the fixed reply passes: 你 → 您 is safe, the rest must be rewritten
    rude = "你好，晕，这个最便宜的，加我微信聊"
    at.text_area(key="draft").input(rude).run()
    assert not at.exception
    check = current().check(rude, "在吗", scenario=result.detection.scenario)
    highlighted = [h for h in texts(at, "html") if "checklist-reply" in h and "<mark" in h and "晕" in h]
    assert highlighted and not check.passed and check.fixed is None
    assert any("需要注意" in w for w in texts(at, "warning"))
    bad = "你好，请问你要什么颜色"
    at.text_area(key="draft").input(bad).run()
    check = current().check(bad, "在吗", scenario=result.detection.scenario)
    assert check.fixed and check.fixed != bad
    at.button(key="fix").click().run()
    assert not at.exception
    assert at.text_area(key="draft").value == check.fixed
    assert at.code[0].value == check.fixed


def test_user_text_is_rendered_escaped(env):
    at = ask(page("agent"), HOSTILE, "买家: " + HOSTILE)
    at.text_area(key="draft").input("你好 " + HOSTILE).run()
    assert not at.exception
    assert_escaped(at)
    assert any("&lt;script&gt;" in h for h in texts(at, "html"))
    assert at.code[0].value == "你好 " + HOSTILE  # shown literally in the copy box


def test_feedback_and_candidates_persist_across_restarts(env):
    at = ask(page("agent"), "快递到哪了，怎么还没到")
    reply = at.text_area(key="draft").value
    at.button(key="up_0").click().run()
    assert not at.exception and any("已记录" in s for s in texts(at, "success"))
    edited = reply + "我这就帮您催一下快递。"
    at.text_area(key="draft").input(edited).run()
    at.button(key="save_candidate").click().run()
    assert not at.exception
    saved = [s.replace("\\", "") for s in texts(at, "success") if "候选案例" in s]
    assert saved, texts(at, "success")
    case_id = saved[0].split("候选案例 ")[1].split("，")[0]

    restart()
    feedback = current().feedback()
    assert [(f.rating, f.reply) for f in feedback[-2:]] == [("up", reply), ("edited", edited)]
    assert load_corpus(env.corpus).case(case_id).status == "candidate"
    at = page("trainer")
    assert any(edited in t for t in texts(at, "text"))
    at.button(key=f"approve_{case_id}").click().run()
    assert not at.exception

    restart()
    assert load_corpus(env.corpus).case(case_id).status == "approved"
    assert len(current().feedback()) == len(feedback)


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


def test_analytics_reports_a_bad_file_in_one_line(env):
    at = upload(page("analytics"), "notes.csv", "标题,备注\n你好,随便\n".encode())
    at.button(key="audit_button").click().run()
    assert not at.exception
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert (
        errors.split(": ")[1].startswith("notes.csv") and "reply column" in errors
    )  # the upload's name, not a scratch path
    assert not at.metric


def test_analytics_escapes_uploaded_text(env):
    hostile = f'买家消息,客服回复\n"{HOSTILE}","你好 {HOSTILE.replace(chr(34), chr(34) * 2)}"\n'
    at = upload(page("analytics"), "x.csv", hostile.encode())
    at.button(key="audit_button").click().run()
    assert not at.exception
    assert_escaped(at)


# ----------------------------------------------------------------------------- trainer


def test_trainer_page_shows_cases_inbox_files_and_coverage(env):
    at = page("trainer")
    corpus = load_corpus(env.corpus)
    assert f"{len(corpus.cases)} / {len(corpus.cases)} 条案例" in texts(at, "caption")
    assert len(at.get("vega_lite_chart")) == 2
    assert at.button(key="rebuild") and at.button(key="save_file")
    at.text_input(key="case_query").input("发票").run()
    shown = [c for c in texts(at, "caption") if "条案例" in c][0]
    assert 0 < int(shown.split(" / ")[0]) < len(corpus.cases)


def test_approving_a_candidate_persists_across_restarts(env):
    approve, reject = candidate(env), candidate(env, buyer="能再送个赠品吗")
    at = page("trainer")
    assert any("待审核" in c for c in texts(at, "caption"))
    at.button(key=f"approve_{approve}").click().run()
    assert not at.exception
    assert any(f"已通过 {approve}" in s.replace("\\", "") for s in texts(at, "success"))
    at.button(key=f"reject_{reject}").click().run()
    restart()
    at = page("trainer")
    keys = {b.key for b in at.button}
    assert f"approve_{approve}" not in keys and f"approve_{reject}" not in keys
    corpus = load_corpus(env.corpus)
    assert corpus.case(approve).status == "approved" and corpus.case(reject).status == "rejected"


def test_adding_a_case_is_validated_and_escaped(env):
    before = len(load_corpus(env.corpus).cases)
    at = page("trainer")
    at.text_area(key="add_buyer").input("在吗")
    at.text_area(key="add_reply").input("在的{no_such_slot}")
    at.button(key="add_case_button").click().run()
    assert not at.exception
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert "no_such_slot" in errors and "nothing saved" in errors
    assert len(load_corpus(env.corpus).cases) == before
    at.text_area(key="add_reply").input("在的亲 " + HOSTILE)
    at.selectbox(key="add_status").set_value("approved")
    at.button(key="add_case_button").click().run()
    assert not at.exception and texts(at, "success")
    corpus = load_corpus(env.corpus)
    assert len(corpus.cases) == before + 1 and any(HOSTILE in c.reply for c in corpus.cases)
    at.text_input(key="case_query").input("onerror").run()
    assert_escaped(at)


def test_editing_and_deleting_a_case(env):
    case_id = candidate(env, buyer="可以少十块吗")
    at = page("trainer")
    at.selectbox(key="edit_id").set_value(case_id).run()
    at.text_area(key=f"edit_{case_id}_reply").input("亲，这已经是最低价了，给您送一张{coupon}。")
    at.button(key="save_case").click().run()
    assert not at.exception
    assert load_corpus(env.corpus).case(case_id).reply == "亲，这已经是最低价了，给您送一张{coupon}。"
    assert at.button(key="delete_case").disabled
    at.checkbox(key=f"confirm_delete_{case_id}").check().run()
    at.button(key="delete_case").click().run()
    assert not at.exception
    assert case_id not in {c.id for c in load_corpus(env.corpus).cases}


def test_guidance_edits_are_validated_before_saving(env):
    path = env.corpus / "guidance" / "wording.md"
    original = path.read_text(encoding="utf-8")
    at = page("trainer")
    at.selectbox(key="file_name").set_value("guidance/wording.md").run()
    at.text_area(key="file_text_guidance/wording.md").input(
        original + "\n## 没有id的小节\nscenarios: all\n\n正文\n"
    )
    at.button(key="save_file").click().run()
    assert not at.exception
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert "wording.md:" in errors and "needs an id" in errors
    assert path.read_text(encoding="utf-8") == original  # nothing written
    broken = at.text_area(key="file_text_guidance/wording.md").value
    at.selectbox(key="file_name").set_value("checklist.toml").run()
    at.selectbox(key="file_name").set_value("guidance/wording.md").run()
    assert at.text_area(key="file_text_guidance/wording.md").value == broken  # the unsaved edit survived
    assert "有未保存的修改" in texts(at, "caption")
    fixed = original + "\n## 新的小节 {#console-test-section}\nscenarios: all\n\n说话客气一点。\n"
    at.text_area(key="file_text_guidance/wording.md").input(fixed)
    at.button(key="save_file").click().run()
    assert not texts(at, "error")
    assert path.read_text(encoding="utf-8") == fixed
    at.text_area(key="file_text_guidance/wording.md").input("随便写点")
    at.button(key="revert_file").click().run()
    assert at.text_area(key="file_text_guidance/wording.md").value == fixed


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
    at = page("trainer")
    at.button(key="rebuild").click().run()
    assert not at.exception
    assert at.get("progress")[0].value == 100
    updated = [s.replace("\\", "") for s in texts(at, "success") if "索引已更新" in s]
    assert updated and re.search(r"\(\+[1-9]\d* added", updated[0]), updated
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
    at.button(key="audit_button").click().run()
    assert not at.exception, at.exception
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
    at = page("trainer")
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
