"""Corpus loading, validation (file:line problems), stats and safe case edits."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT
from assistant.corpus import CaseStore, Turn, load_corpus, parse_history, validate_corpus
from assistant.errors import CorpusError, CorpusNotFoundError, UnknownIdError

SHIPPED = PROJECT_ROOT / "corpus"


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns(".*"))
    return target


def _append(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + line + "\n", encoding="utf-8")
    return len(text.rstrip("\n").split("\n")) + 1


def test_shipped_corpus_is_valid():
    assert validate_corpus(SHIPPED) == []


def test_shipped_corpus_meets_the_coverage_targets():
    stats = load_corpus(SHIPPED).stats()
    assert stats["approved"] >= 400
    assert min(stats["scenarios"].values()) >= 10, stats["scenarios"]
    assert min(stats["buyer_types"].values()) >= 15, stats["buyer_types"]
    assert stats["guidance_sections"] >= 40


def test_required_guidance_topics_exist():
    ids = {s.id for s in load_corpus(SHIPPED).guidance}
    required = {
        "step-greet",
        "step-ask",
        "step-recommend",
        "step-bargain",
        "step-verify-order",
        "step-farewell",
        "step-follow-up",
        "objection-think-it-over",
        "objection-too-expensive",
        "objection-cheaper-elsewhere",
        "objection-worth-it",
        "objection-dont-want",
        "complaint-steps",
        "returns-freight",
        "refund-timing",
        "etiquette-wording",
        "reply-length-rhythm",
        "busy-hour-quick-replies",
        *(
            f"buyer-{t}"
            for t in (
                "rational",
                "bargain-hunter",
                "impulsive",
                "vip",
                "cautious",
                "habitual",
                "emotional",
                "casual",
            )
        ),
    }
    assert required <= ids, required - ids


def test_every_scenario_has_specific_guidance():
    corpus = load_corpus(SHIPPED)
    for scenario in corpus.taxonomy.scenario_ids:
        assert any(scenario in s.scenarios for s in corpus.guidance), scenario


def test_broken_line_is_reported_with_file_and_line(corpus_copy):
    cases = corpus_copy / "cases" / "stock.jsonl"
    line = _append(cases, '{"id": "broken", "buyer": "有货吗", "reply": ')
    result = CliRunner().invoke(cli, ["--corpus", str(corpus_copy), "corpus", "validate"])
    assert result.exit_code == 1
    assert f"{cases}:{line}: bad JSON at column" in result.output


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"scenario": "stok"}, "unknown scenario 'stok' (did you mean 'stock'?)"),
        ({"buyer_type": "vipp"}, "unknown buyer type 'vipp' (did you mean 'vip'?)"),
        ({"reply": "   "}, "missing or empty 'reply'"),
        (
            {"reply": "{courrier}发货"},
            "slot {courrier} is neither in shop.toml [slots] nor [conversation_slots] (did you mean 'courier'?)",
        ),
        ({"stage": "after_sale"}, "scenario 'stock' belongs to stage 'pre_sale', not 'after_sale'"),
        ({"status": "aproved"}, "unknown status 'aproved' (did you mean 'approved'?)"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_case_problems_are_named(corpus_copy, record, message):
    base = {"id": "t-1", "buyer": "有货吗", "reply": "有的亲", "scenario": "stock", "stage": "pre_sale"}
    path = corpus_copy / "cases" / "extra.jsonl"
    path.write_text(json.dumps({**base, **record}, ensure_ascii=False) + "\n", encoding="utf-8")
    problems = [str(p) for p in validate_corpus(corpus_copy)]
    assert f"{path}:1: {message}" in problems


def test_duplicate_ids_and_all_problems_are_reported(corpus_copy):
    path = corpus_copy / "cases" / "zz-extra.jsonl"  # read after stock.jsonl, so the duplicate is here
    path.write_text(
        '{"id": "stock-001", "buyer": "a", "reply": "b", "scenario": "stock", "stage": "pre_sale"}\n'
        "not json\n",
        encoding="utf-8",
    )
    problems = [str(p) for p in validate_corpus(corpus_copy)]
    assert any(p.startswith(f"{path}:1: duplicate case id 'stock-001'") for p in problems)
    assert any(p.startswith(f"{path}:2: bad JSON") for p in problems)
    with pytest.raises(CorpusError) as caught:
        load_corpus(corpus_copy)
    assert len(caught.value.problems) == 2


def test_guidance_heading_without_id_is_reported(corpus_copy):
    path = corpus_copy / "guidance" / "extra.md"
    path.write_text("# x\n\n## 没有编号的标题\nscenarios: stock\n\n正文\n", encoding="utf-8")
    assert f"{path}:3: guidance heading needs an id: '## Title {{#some-id}}'" in [
        str(p) for p in validate_corpus(corpus_copy)
    ]


def test_missing_corpus_directory(tmp_path):
    with pytest.raises(CorpusNotFoundError, match="corpus directory not found"):
        load_corpus(tmp_path / "nowhere")


def test_stats_json_shape():
    result = CliRunner().invoke(cli, ["corpus", "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert {
        "cases",
        "approved",
        "candidates",
        "guidance_sections",
        "rules",
        "scenarios",
        "buyer_types",
    } <= set(stats)
    assert len(stats["scenarios"]) == 26 and len(stats["buyer_types"]) == 8


def test_case_store_add_approve_edit_delete(corpus_copy):
    store = CaseStore(corpus_copy)
    added = store.add(
        {
            "buyer": "能开专票吗",
            "reply": "可以的亲，{invoice_time}开好",
            "scenario": "invoice",
            "stage": "in_sale",
            "status": "candidate",
        }
    )
    assert added.path.endswith("inbox.jsonl") and added.status == "candidate"
    assert store.set_status(added.id, "approved").status == "approved"
    assert store.update(added.id, reply="可以开的亲").reply == "可以开的亲"
    assert load_corpus(corpus_copy).case(added.id).status == "approved"
    store.delete(added.id)
    with pytest.raises(UnknownIdError, match=f"no case with id '{added.id}'"):
        load_corpus(corpus_copy).case(added.id)


def test_case_store_refuses_invalid_edits_and_keeps_the_file(corpus_copy):
    store = CaseStore(corpus_copy)
    before = (corpus_copy / "cases" / "stock.jsonl").read_bytes()
    with pytest.raises(CorpusError, match="unknown scenario"):
        store.update("stock-001", scenario="stocks")
    assert (corpus_copy / "cases" / "stock.jsonl").read_bytes() == before
    with pytest.raises(UnknownIdError, match="did you mean 'stock-001'"):
        store.set_status("stock-0001", "approved")


def test_parse_history_roles():
    assert parse_history(["在吗", "客服：在的亲"]) == (Turn("buyer", "在吗"), Turn("agent", "在的亲"))
    assert parse_history(["有货吗"]) == (Turn("agent", "有货吗"),)
    assert parse_history(["buyer: hi", "A: hello"]) == (Turn("buyer", "hi"), Turn("agent", "hello"))
