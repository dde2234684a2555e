"""Offline replay (``assistant.replay``): the split, the numbers, the CLI, ``%replay`` and bad input.

``tests/data/replay_log.jsonl`` holds seven short sessions: three pairs of twins (the same size
question, parcel chase and invoice question, answered the same way) and one buyer answered rudely
(你自己看详情页). Holding out one twin of each pair and the rude session, a history corpus built from
the other twins contains every held-out reply: it must hit; a history without the invoice twins
must not hit the invoice question.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.chat_read import read_conversations
from assistant.cli import cli
from assistant.errors import AssistantError, InputError
from assistant.replay import ReplayReport, replay_pairs, split_sessions

LOG = Path(__file__).parent / "data" / "replay_log.jsonl"
TWINS_OUT = {"size-2", "track-2", "invoice-2", "rude-1"}


@pytest.fixture(scope="module")
def report(assistant) -> ReplayReport:
    """One replay of the fixture log with a history corpus and the current (shipped) corpus."""
    return assistant.replay(LOG, modes=("history", "current"), heldout=TWINS_OUT)


def turns_of(report: ReplayReport, corpus: str) -> dict[str, object]:
    return {t.session: t for t in report.turns if t.corpus == corpus}


def test_split_is_seeded_session_level_and_order_free():
    sessions = [f"s{i}" for i in range(50)]
    train, held = split_sessions(sessions, 0.2, seed=7)
    assert len(held) == 10 and not train & held and train | held == set(sessions)
    assert split_sessions(list(reversed(sessions)), 0.2, seed=7) == (train, held)
    assert split_sessions(sessions, 0.2, seed=8)[1] != held
    assert split_sessions(sessions, 1.0)[0] == set()
    with pytest.raises(InputError, match="--holdout"):
        split_sessions(sessions, 0)


def test_every_agent_reply_is_replayed_with_the_true_history():
    conversation = next(c for c in read_conversations(LOG) if c.session == "size-2")
    pairs = replay_pairs(conversation, "jsonl")
    last = pairs[-1]
    assert last.buyer == "我身高160体重50kg穿什么码"
    assert [t.role for t in last.context] == ["buyer", "agent"]  # the greeting exchange came before it


def test_a_history_that_holds_the_held_out_replies_hits(report):
    history = turns_of(report, "history")
    assert set(history) == TWINS_OUT
    for session in ("size-2", "track-2", "invoice-2"):
        assert history[session].hit(0.8), (session, history[session].suggestions)
    (row, _) = report.summary()
    assert row.corpus == "history" and row.turns == 5  # size-2 has two agent replies
    assert 3 <= dict(row.hits)[0.8] <= 4  # the rude session's reply is matched by nothing it learnt
    assert not history["rude-1"].hit(0.5)
    version = report.corpora[0]
    assert version.imported >= 3 and version.approved == version.cases and version.leaked == 0
    assert report.train_sessions == 3 and report.heldout_sessions == 4


def test_no_shown_suggestion_has_an_ungrounded_fact(report):
    for row in report.summary():
        assert row.suggestions > 0
        assert row.ungrounded == 0 and row.ungrounded_share == 0.0


def test_the_rude_agents_violations_are_counted_and_avoided(report):
    current = turns_of(report, "current")
    rude = current["rude-1"]
    assert {"pronoun.ni", "tone.command"} <= set(rude.agent_violations)
    if rude.shown:  # a shown top suggestion never repeats the rude wording
        assert set(rude.avoided) == set(rude.agent_violations)
    row = report.summary()[1]
    replayed = [t for t in report.turns if t.corpus == "current"]
    assert row.agent_violations == sum(len(t.agent_violations) for t in replayed) >= 2
    assert row.avoided == sum(len(t.avoided) for t in replayed)
    # the real replies are judged once, as `assistant audit` judges them: the same for every corpus
    history = [t for t in report.turns if t.corpus == "history"]
    assert [t.agent_violations for t in history] == [t.agent_violations for t in replayed]


def test_per_scenario_rows_add_up_to_the_summary(report):
    for summary in report.summary():
        rows = [r for r in report.by_scenario() if r.corpus == summary.corpus]
        assert sum(r.turns for r in rows) == summary.turns
        assert sum(dict(r.hits)[0.6] for r in rows) == dict(summary.hits)[0.6]
        assert {r.corpus_hash for r in rows} == {summary.corpus_hash}
    hashes = [c.corpus_hash for c in report.corpora]
    assert len(set(hashes)) == 2  # each corpus version is named by its own hash


@pytest.mark.slow
def test_a_history_without_the_topic_does_not_hit(assistant):
    # the invoice twins and the rude session held out: the history knows sizes and parcels only
    report = assistant.replay(LOG, modes=("history",), heldout={"invoice-1", "invoice-2", "rude-1"})
    invoice = [t for t in report.turns if t.session.startswith("invoice")]
    assert len(invoice) == 2
    assert not any(t.hit(0.8) for t in invoice)


def test_cli_json_and_reports(assistant, tmp_path):
    data_dir = str(assistant.settings.data_dir)
    out = tmp_path / "replay.html"
    result = CliRunner().invoke(
        cli,
        [
            "--data-dir",
            data_dir,
            "replay",
            str(LOG),
            "--corpus-mode",
            "current",
            "--holdout",
            "0.5",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["heldout_sessions"] == 4 and data["sessions"] == 7
    (row,) = data["summary"]
    assert row["corpus"] == "current" and row["turns"] >= 4
    assert set(row["hit_rate"]) == {"0.5", "0.6", "0.7", "0.8"}
    assert row["ungrounded_share"] == 0.0
    assert "回放报告" in out.read_text(encoding="utf-8")


def test_cli_text_report_names_the_corpus_version(assistant):
    result = CliRunner().invoke(
        cli, ["--data-dir", str(assistant.settings.data_dir), "replay", str(LOG), "--corpus-mode", "current"]
    )
    assert result.exit_code == 0, result.output
    assert assistant.corpus.content_hash in result.stdout and "hit@0.7" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus-mode", "histroy"], "unknown corpus mode 'histroy' (did you mean 'history'?)"),
        (["--holdout", "0"], "--holdout must be above 0 and at most 1, not 0.0"),
        (["--holdout", "1", "--corpus-mode", "history"], "leaves no session to build a corpus from"),
        (["--policy", "passed and"], "policy"),
        (["--out", "report.pdf"], "a replay report ends in .html, .json or .csv"),
        (["--policy", "occurrences>=99"], "it needs two scenarios at least (loosen --policy"),
    ],
)
def test_bad_options_are_one_line_errors(assistant, args, message):
    result = CliRunner().invoke(
        cli, ["--data-dir", str(assistant.settings.data_dir), "replay", str(LOG), *args]
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误 Error:") and message in lines[0], lines


def test_empty_and_unknown_logs_are_one_line_errors(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    unknown = tmp_path / "export.csv"
    unknown.write_text("编号,时刻,谁,说了什么\n1,10:00,甲,在吗\n", encoding="utf-8")
    for path, message in ((empty, "no conversations in the log"), (unknown, "--columns role=COL,text=COL")):
        result = CliRunner().invoke(cli, ["replay", str(path), "--corpus-mode", "current"])
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], lines


def test_replay_magic_returns_frames(ipython, assistant):
    from IPython.core.error import UsageError

    ipython.run_line_magic("load_ext", "assistant")
    ipython.run_line_magic("config", f"Assistant.data_dir = {str(assistant.settings.data_dir)!r}")
    ipython.user_ns["log_path"] = str(LOG)
    frame = ipython.run_line_magic("replay", "{log_path} --corpus-mode current --holdout 0.5 -o replayed")
    assert ipython.user_ns["replayed"] is frame
    assert list(frame["corpus"]) == ["current"] and frame.loc[0, "turns"] == len(frame.turns)
    assert {"coverage", "hit@0.5", "hit@0.8", "ungrounded_share", "avoided"} <= set(frame.columns)
    assert frame.by_scenario["turns"].sum() == frame.loc[0, "turns"]
    assert set(frame.turns["session"]) <= {
        "size-1",
        "size-2",
        "track-1",
        "track-2",
        "invoice-1",
        "invoice-2",
        "rude-1",
    }
    assert frame.report.corpora[0].mode == "current"
    with pytest.raises(UsageError, match="give a chat log"):
        ipython.run_line_magic("replay", "")
    with pytest.raises(UsageError, match="did you mean 'starter'"):
        ipython.run_line_magic("replay", f"{LOG} --corpus-mode startr")


def test_the_users_corpus_is_never_written(assistant):
    before = {p: p.stat().st_mtime_ns for p in Path(assistant.settings.corpus_dir).rglob("*") if p.is_file()}
    assistant.replay(LOG, modes=("current",), heldout={"rude-1"})
    after = {p: p.stat().st_mtime_ns for p in Path(assistant.settings.corpus_dir).rglob("*") if p.is_file()}
    assert before == after


def test_assistant_errors_are_named(assistant):
    with pytest.raises(AssistantError, match="none of the held-out sessions"):
        assistant.replay(LOG, modes=("current",), heldout={"nobody"})


@pytest.mark.slow
def test_analytics_page_replays_an_upload(assistant, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from assistant.config import PROJECT_ROOT

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(assistant.settings.data_dir))
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "console" / "pages" / "analytics.py"), default_timeout=300)
    at.run()
    at.toggle(key="replay_mode").set_value(True).run()
    assert not at.exception, at.exception
    at.file_uploader(key="replay_log").upload("chats.jsonl", LOG.read_bytes(), "application/json").run()
    at.multiselect(key="replay_modes").set_value(["current"])
    at.slider(key="replay_holdout").set_value(0.5)
    at.button(key="replay_button").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["覆盖率"].endswith("%") and metrics["无据事实"] == "0.0%"
    assert len(at.dataframe) == 3
    st.cache_resource.clear()


def test_earlier_runs_on_the_same_held_out_sessions_come_back(assistant):
    held = {"track-2", "size-1"}
    first = assistant.replay(LOG, modes=("current",), heldout=held)
    second = assistant.replay(LOG, modes=("current",), heldout=held)
    assert first.earlier == ()
    (earlier,) = second.earlier
    assert earlier["corpus_hash"] == assistant.corpus.content_hash
    assert earlier["hit_rate"] == first.summary()[0].to_dict()["hit_rate"]
    assert assistant.replay(LOG, modes=("current",), heldout={"track-2"}).earlier == ()
    assert "此前的回放" in second.to_html()


@pytest.mark.slow
def test_both_adds_the_approved_history_to_a_copy_of_the_current_corpus(assistant):
    report = assistant.replay(LOG, modes=("both",), heldout=TWINS_OUT)
    (both,) = report.corpora
    # the policy approves the imported candidates only; the shop's own approved cases all stay
    assert both.approved == both.imported >= 3
    assert both.cases == len(assistant.corpus.approved) + both.approved
    assert both.corpus_hash != assistant.corpus.content_hash
    twins = {t.session: t for t in report.turns}
    assert twins["invoice-2"].hit(0.8)


def test_reports_save_as_csv_and_json(report, tmp_path):
    from assistant.replay import write_replay_report

    csv_path = write_replay_report(report, tmp_path / "turns.csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese text
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("corpus,session,source") and len(lines) == 1 + len(report.turns)
    data = json.loads(write_replay_report(report, tmp_path / "replay.json").read_text(encoding="utf-8"))
    assert len(data["turns"]) == len(report.turns) and data["summary"][0]["corpus"] == "history"
