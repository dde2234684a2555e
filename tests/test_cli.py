"""The CLI as a thin face: the entry points, and commands that are one call into the core API
(``eval``, ``case reject``/``delete``, ``ingest``'s note, ``case disable``/``enable``/``remove``)."""

import json
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli, main
from assistant.config import PROJECT_ROOT, Settings
from assistant.core import Assistant

SHIPPED = PROJECT_ROOT / "corpus"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns(".*"))
    return target


def run(corpus: Path, *args: str):
    return CliRunner().invoke(
        cli, ["--corpus", str(corpus), "--data-dir", str(corpus.parent / "data"), *args]
    )


def test_the_console_script_and_python_m_run_the_same_main():
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "assistant"]
    assert script.value == "assistant.cli:main" and script.load() is main
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True, encoding="utf-8"
    )
    assert done.returncode == 0 and "assistant suggest" in done.stdout


def test_eval_prints_the_core_report(assistant, settings_tmp, tmp_path):
    labeled = tmp_path / "labeled.jsonl"
    lines = (SHIPPED / "eval_messages.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    labeled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--data-dir", str(settings_tmp.data_dir), "eval", "--file", str(labeled), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == assistant.evaluate(labeled).to_dict()
    assert json.loads(result.stdout)["messages"] == 4


def test_eval_with_an_unreadable_file_is_one_line(settings_tmp, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"message": "在吗"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--data-dir", str(settings_tmp.data_dir), "eval", "--file", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"错误 Error: {bad}:1: not a labeled message")


def test_case_reject_and_delete_go_through_the_core(corpus_copy):
    added = run(
        corpus_copy, "case", "add", "--buyer", "能开发票吗", "--reply", "可以的亲", "--scenario", "invoice"
    )
    assert added.exit_code == 0, added.output
    case_id = added.output.split()[1]
    rejected = run(corpus_copy, "case", "reject", case_id)
    assert rejected.exit_code == 0 and rejected.output.strip() == f"{case_id}: rejected"
    assistant = Assistant.load(
        Settings.load(None, corpus_dir=corpus_copy, data_dir=corpus_copy.parent / "data")
    )
    assert [c.case.status for c in assistant.cases() if c.case.id == case_id] == ["rejected"]
    # an unknown id is one line naming the closest id; the ids before it are saved
    typo = case_id[:-1] + ("9" if case_id[-1] != "9" else "8")
    both = run(corpus_copy, "case", "approve", case_id, typo)
    assert both.exit_code == 1
    assert (
        both.output.strip().splitlines()[-1]
        == f"错误 Error: no case with id {typo!r} (did you mean {case_id!r}?)"
    )
    assert [c.case.status for c in assistant.cases() if c.case.id == case_id] == ["approved"]
    deleted = run(corpus_copy, "case", "delete", case_id)
    assert deleted.exit_code == 0 and deleted.output.strip() == f"deleted {case_id}"
    assert not [c for c in assistant.cases() if c.case.id == case_id]
    again = run(corpus_copy, "case", "delete", case_id)
    assert again.exit_code == 1 and again.output.startswith("错误 Error: no case with id")


def test_ingest_notes_an_out_dir_outside_the_guidance_before_writing(corpus_copy, tmp_path):
    assistant = Assistant.load(Settings.load(None, corpus_dir=corpus_copy, data_dir=tmp_path / "data"))
    doc = DATA / "ingest" / "03_pinyin_notes.txt"
    notes: list[str] = []
    inside = assistant.ingest([doc], on_note=notes.append)
    assert notes == [] and inside[0].ok
    assert Path(inside[0].out).parent == (corpus_copy / "guidance" / "imported").resolve()
    outside = assistant.ingest([doc], tmp_path / "draft", on_note=notes.append)
    assert outside[0].ok and Path(outside[0].out).parent == tmp_path / "draft"
    assert notes == [
        f"注意 Note: {tmp_path / 'draft'} is outside {(corpus_copy / 'guidance').resolve()}: "
        "these sections are not loaded until moved there"
    ]


@pytest.mark.parametrize(
    ("action", "verb"), [("disable", "disabled"), ("enable", "enabled"), ("remove", "removed")]
)
def test_disable_enable_remove_share_one_command_shape(action, verb):
    command = cli.commands["case"].commands[action]
    options = [
        p.name
        for p in command.params
        if p.name not in ("config", "corpus_dir", "data_dir", "index_dir", "model")
    ]
    expected = ["case_ids", "ids", "sources", "packs", "scenarios", "statuses"]
    expected += ["yes"] if action == "remove" else []
    assert options == [*expected, "dry_run", "as_json"]
    dry_run = next(p for p in command.params if p.name == "dry_run")
    assert dry_run.help == f"Count what would be {verb}; change nothing."
    assert f"assistant case {action} --source starter --pack apparel" in command.help


def test_remove_asks_first_and_a_no_changes_nothing(corpus_copy):
    before = {p.name: p.read_bytes() for p in (corpus_copy / "cases").glob("*.jsonl")}
    result = CliRunner().invoke(
        cli,
        ["--corpus", str(corpus_copy), "case", "remove", "--source", "starter", "--pack", "apparel"],
        input="n\n",
    )
    assert result.exit_code == 1 and "删除 remove" in result.output and "Aborted" in result.output
    assert {p.name: p.read_bytes() for p in (corpus_copy / "cases").glob("*.jsonl")} == before


def test_the_review_queue_follows_the_case_filter(corpus_copy):
    for buyer, reply, scenario in (
        ("能开发票吗", "可以的亲", "invoice"),
        ("包邮吗", "亲 满额包邮哦", "free_shipping"),
    ):
        assert (
            run(
                corpus_copy, "case", "add", "--buyer", buyer, "--reply", reply, "--scenario", scenario
            ).exit_code
            == 0
        )
    listed = run(corpus_copy, "case", "list", "--order", "value", "--scenario", "invoice", "--json")
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows and {row["scenario"] for row in rows} == {"invoice"}
    assert "能开发票吗" in {row["buyer"] for row in rows}
    typo = run(corpus_copy, "case", "list", "--order", "value", "--scenario", "invoce")
    assert typo.exit_code == 1 and "did you mean 'invoice'" in typo.output


@pytest.mark.parametrize("name", ["buyer_msg", "buyer_message", "question", "买家问题", "customer_msg"])
def test_audit_finds_the_message_field_of_a_jsonl_file_by_its_common_names(tmp_path, name):
    path = tmp_path / "replies.jsonl"
    rows = [{name: "在吗", "reply": "在"}, {name: "东西坏了", "reply": "请提供照片"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert f"message={name} (detected)" in result.stderr
    assert "message=none" not in result.stderr
