"""Any shop, any category (issue 17): shop-defined scenarios, guidance that shows up, policy numbers
that agree with the slots, and errors that help (one mistake, one message; a bad case line skipped
while serving)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT, Settings
from assistant.core import Assistant
from assistant.corpus import GuidanceSection, load_corpus, validate_corpus
from assistant.errors import CorpusError
from assistant.guidance import close_general_sections, usage_report

SHOPS = PROJECT_ROOT / "bench" / "shops"
SCENARIOS = ("greeting", "stock", "shipping_time", "refund", "invoice", "farewell")

WARRANTY = """
[scenarios.warranty]
stage = "after_sale"
zh = "保修售后"
description = "asks how long the warranty is"
"""


def make_corpus(target: Path, per_scenario: int = 6) -> Path:
    """The shipped taxonomy, shop, rules and guidance with the first cases of a few scenarios."""
    shutil.copytree(PROJECT_ROOT / "corpus", target, ignore=shutil.ignore_patterns(".*", "cases"))
    (target / "cases").mkdir()
    lines = []
    for scenario in SCENARIOS:
        source = PROJECT_ROOT / "corpus" / "cases" / f"{scenario}.jsonl"
        lines += [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()][
            :per_scenario
        ]
    (target / "cases" / "starter.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def run_cli(corpus: Path, data: Path, *args: str):
    result = CliRunner().invoke(cli, ["--corpus", str(corpus), "--data-dir", str(data), *args])
    assert "Traceback" not in result.output
    return result


def add_warranty(corpus: Path, cases: int = 0) -> None:
    with (corpus / "shop.toml").open("a", encoding="utf-8") as handle:
        handle.write(WARRANTY)
    messages = [
        "这个锅保修多久",
        "电饭煲坏了在保修期内吗",
        "保修要寄回去吗",
        "过了保修期还能修吗",
        "保修需要发票吗",
        "水壶不加热了能保修吗",
    ]
    with (corpus / "cases" / "own.jsonl").open("w", encoding="utf-8") as handle:
        for n, message in enumerate(messages[:cases], start=1):
            record = {
                "id": f"own-{n}",
                "buyer": message,
                "reply": "亲，{warranty}。",
                "scenario": "warranty",
                "stage": "after_sale",
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------- errors that help


def test_one_missing_quote_in_the_shop_profile_is_one_problem(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    shop = corpus / "shop.toml"
    lines = shop.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("courier = "))
    lines[number] = lines[number].replace('"中通快递"', '"中通快递')
    shop.write_text("\n".join(lines), encoding="utf-8")
    problems = validate_corpus(corpus)
    assert [str(p) for p in problems] == [
        f"{shop}:{number + 1}: not valid TOML: Illegal character '\\n' (at line {number + 1}, column {len(lines[number]) + 1})"
    ]
    for command in (["corpus", "validate"], ["suggest", "在吗"]):
        result = run_cli(corpus, tmp_path / "data", *command)
        assert result.exit_code == 1
        assert result.output.count("not valid TOML") == 1, result.output
        assert "slot {" not in result.output


@pytest.mark.slow
def test_a_bad_case_line_is_skipped_while_serving_but_not_in_validate(tmp_path, caplog):
    corpus = make_corpus(tmp_path / "corpus")
    bad = corpus / "cases" / "own.jsonl"
    bad.write_text(
        '{"id": "own-1", "buyer": "在吗", "reply": "在的亲" "scenario": "greeting"}\n', encoding="utf-8"
    )
    with pytest.raises(CorpusError, match=rf"{bad}:1: bad JSON"):
        load_corpus(corpus)
    with caplog.at_level(logging.WARNING, logger="assistant.corpus"):
        served = load_corpus(corpus, skip_bad_cases=True)
    assert len(served.cases) == len(SCENARIOS) * 6
    assert f"{bad}:1: bad JSON" in caplog.text
    assert (
        Assistant(Settings.load(None, corpus_dir=corpus, data_dir=tmp_path / "data")).corpus.cases
        == served.cases
    )
    result = run_cli(corpus, tmp_path / "data", "corpus", "validate")
    assert result.exit_code == 1 and f"{bad}:1: bad JSON" in result.output
    # every other problem still stops serving
    (corpus / "checklist.toml").write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="checklist.toml"):
        load_corpus(corpus, skip_bad_cases=True)


def test_policy_numbers_must_agree_with_the_slots(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    shop = corpus / "shop.toml"
    assert validate_corpus(corpus) == []
    text = shop.read_text(encoding="utf-8").replace(
        "free_shipping_threshold_yuan = 99", "free_shipping_threshold_yuan = 59"
    )
    shop.write_text(text, encoding="utf-8")
    line = text.split("\n").index("free_shipping_threshold_yuan = 59") + 1
    assert [str(p) for p in validate_corpus(corpus)] == [
        f"{shop}:{line}: policy free_shipping_threshold_yuan = 59 but slot free_shipping_threshold says '99元': make them agree"
    ]


# ----------------------------------------------------------------------------- shop-defined scenarios


def test_a_shop_scenario_is_a_label_like_the_built_in_ones(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    add_warranty(corpus, cases=3)
    (corpus / "guidance" / "warranty.md").write_text(
        "## 保修问题先看订单 {#warranty-first}\nscenarios: warranty\n\n先确认购买日期，再说保修期。\n",
        encoding="utf-8",
    )
    loaded = load_corpus(corpus)
    taxonomy = loaded.taxonomy
    assert "warranty" in taxonomy.scenario_ids and "warranty" not in taxonomy.builtin_scenario_ids
    assert taxonomy.shop_scenario_ids == ("warranty",)
    assert taxonomy.scenario("warranty").zh == "保修售后" and taxonomy.stage_of("warranty") == "after_sale"
    assert len(taxonomy.builtin_scenario_ids) == 26
    assert loaded.stats()["scenarios"]["warranty"] == 3
    assert [s.id for s in loaded.guidance_for("warranty")] == ["warranty-first"]
    # a case of the shop's scenario in the wrong stage is told so, like a built-in one
    with (corpus / "cases" / "own.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "id": "own-9",
                    "buyer": "保修吗",
                    "reply": "保的亲",
                    "scenario": "warranty",
                    "stage": "pre_sale",
                }
            )
            + "\n"
        )
    assert any(
        "scenario 'warranty' belongs to stage 'after_sale'" in p.message for p in validate_corpus(corpus)
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '[scenarios.warranty]\nstage = "after_sales"\nzh = "保修"\n',
            "scenario 'warranty': stage 'after_sales' is not one of pre_sale, in_sale, after_sale, any (did you mean 'after_sale'?)",
        ),
        (
            '[scenarios.refund]\nstage = "after_sale"\nzh = "退款"\n',
            "scenario 'refund' is built in; give the shop's own one another id",
        ),
        (
            '[scenarios.warranty]\nstage = "after_sale"\n',
            "scenario 'warranty' needs its Chinese name: zh = \"...\"",
        ),
        (
            '[scenarios.Warranty-1]\nstage = "after_sale"\nzh = "保修"\n',
            "scenario id 'Warranty-1' may only hold a-z, 0-9 and '_' (2 to 40)",
        ),
    ],
)
def test_a_bad_shop_scenario_is_one_clear_problem(tmp_path, entry, message):
    corpus = make_corpus(tmp_path / "corpus")
    shop = corpus / "shop.toml"
    shop.write_text(shop.read_text(encoding="utf-8") + "\n" + entry, encoding="utf-8")
    line = shop.read_text(encoding="utf-8").split("\n").index(entry.split("\n")[0]) + 1
    assert [str(p) for p in validate_corpus(corpus)] == [f"{shop}:{line}: {message}"]


@pytest.mark.slow
def test_detection_learns_a_shop_scenario_from_a_few_own_cases(tmp_path, settings_tmp, encoder):
    corpus = make_corpus(tmp_path / "corpus")
    add_warranty(corpus, cases=6)
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(settings_tmp.models_dir, target_is_directory=True)
    assistant = Assistant(Settings.load(None, corpus_dir=corpus, data_dir=data))
    assistant._encoder = encoder
    assistant.build(progress=False)
    detection = assistant.detect("电热水壶用了三个月坏了 还保修吗")
    assert (detection.scenario, detection.stage) == ("warranty", "after_sale")
    assert assistant.detect("什么时候发货").scenario == "shipping_time"
    result = run_cli(corpus, data, "similar", "保修多久", "--scenario", "warranty", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits and {hit["scenario"] for hit in hits} == {"warranty"}


# ----------------------------------------------------------------------------- guidance that shows up


def _section(
    section_id: str, title: str, text: str, scenarios: tuple[str, ...] = ("all",)
) -> GuidanceSection:
    return GuidanceSection(section_id, title, text, scenarios, path="g.md", line=1)


def test_a_general_section_is_offered_when_close_to_the_message():
    sections = [
        _section("warranty-rules", "保修政策", "锅具涂层保修两年，小家电保修一年，保修期内免费维修。"),
        _section("tone", "语气", "不命令、不质问、不责怪。"),
        _section("stock", "库存", "先查库存再答复。", ("stock",)),
    ]
    vectors = np.eye(3, dtype=np.float32)
    far = np.array([0.0, 0.1, 0.0], dtype=np.float32)
    # by its words: the message shares most of its bigrams with the section
    assert [s.id for s in close_general_sections(sections, vectors, far, "保修期内能免费维修吗")] == [
        "warranty-rules"
    ]
    # by meaning: the message vector is close to the section's
    near = np.array([0.0, 0.9, 0.0], dtype=np.float32)
    assert [s.id for s in close_general_sections(sections, vectors, near, "在吗")] == ["tone"]
    # never a scenario section, never one already shown, nothing for an unrelated message
    assert close_general_sections(sections, vectors, near, "在吗", exclude={"tone"}) == []
    assert close_general_sections(sections, vectors, far, "今天发货吗") == []


def test_usage_report_puts_never_shown_sections_first():
    sections = [_section("a", "A", "x"), _section("b", "B", "y"), _section("c", "C", "z")]
    usage = usage_report(sections, [("a", "b"), ("a",), ()])
    assert [(u.id, u.shown, u.never_shown) for u in usage] == [
        ("c", 0, True),
        ("b", 1, False),
        ("a", 2, False),
    ]
    assert usage[0].to_dict() == {
        "id": "c",
        "title": "C",
        "where": "g.md:1",
        "scenarios": ["all"],
        "shown": 0,
        "messages": 3,
    }


def test_guidance_in_subfolders_is_loaded_and_ingest_writes_there(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    document = tmp_path / "培训资料.txt"
    document.write_text(
        "保修说明\n\n锅具涂层保修两年，小家电整机保修一年，保修期内非人为损坏免费维修。\n", encoding="utf-8"
    )
    result = run_cli(corpus, tmp_path / "data", "ingest", str(document))
    assert result.exit_code == 0, result.output
    written = corpus / "guidance" / "imported" / "培训资料.md"
    assert written.is_file() and "Note:" not in result.output
    loaded = load_corpus(corpus)
    assert any(s.path == str(written) for s in loaded.guidance)
    elsewhere = run_cli(corpus, tmp_path / "data", "ingest", str(document), "--out", str(tmp_path / "draft"))
    assert elsewhere.exit_code == 0 and "these sections are not loaded until moved there" in elsewhere.output


def test_the_ingest_help_example_writes_where_guidance_is_loaded():
    result = CliRunner().invoke(cli, ["ingest", "--help"])
    example = result.output.split("Example:")[1]
    assert "--out /tmp/guidance" not in example and "CORPUS/guidance/imported" in example


@pytest.mark.slow
def test_guidance_usage_lists_never_shown_sections(tmp_path, settings_tmp, encoder):
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "guidance" / "imported").mkdir()
    (corpus / "guidance" / "imported" / "kitchen.md").write_text(
        "## 保修政策 {#warranty-policy}\nscenarios: all\n\n锅具涂层保修两年，小家电整机保修一年，保修期内免费维修。\n\n"
        "## 潜水装备保养 {#diving}\nscenarios: all\n\n潜水服用淡水冲洗后阴干，呼吸调节器每年送检。\n",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(settings_tmp.models_dir, target_is_directory=True)
    assistant = Assistant.load(Settings.load(None, corpus_dir=corpus, data_dir=data))
    assistant._encoder = encoder
    assistant.build(progress=False)
    shown = [g.id for g in assistant.suggest("锅具保修期内能免费维修吗").guidance]
    assert "warranty-policy" in shown and "diving" not in shown
    messages = tmp_path / "messages.txt"
    messages.write_text("锅具保修期内能免费维修吗\n在吗\n", encoding="utf-8")
    result = run_cli(corpus, data, "corpus", "guidance-usage", "--file", str(messages), "--json")
    assert result.exit_code == 0, result.output
    never = {json.loads(line)["id"] for line in result.stdout.splitlines()}
    assert "diving" in never and "warranty-policy" not in never
    Assistant.clear_cache()


@pytest.mark.slow
def test_the_five_shop_set_ups_are_valid_corpora(tmp_path):
    """bench/shops: each shop's profile, catalog and own cases load on the shipped corpus."""
    for shop in ("kitchen", "food", "beauty", "electronics", "home"):
        corpus = tmp_path / shop
        shutil.copytree(PROJECT_ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".*"))
        for name in ("shop.toml", "catalog.csv"):
            shutil.copy(SHOPS / shop / name, corpus / name)
        shutil.copy(SHOPS / shop / "cases.jsonl", corpus / "cases" / "own.jsonl")
        assert validate_corpus(corpus) == [], shop
        loaded = load_corpus(corpus)
        assert len(loaded.catalog) == 10 and sum(c.source == f"shop:{shop}" for c in loaded.cases) == 20
        questions = [
            json.loads(line)
            for line in (SHOPS / shop / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        assert len(questions) == 30 and {q["scenario"] for q in questions} <= set(
            loaded.taxonomy.scenario_ids
        )


# ----------------------------------------------------------------------------- a new shop, end to end


def _chats_from_cases(shop: Path, target: Path) -> list[str]:
    """The kitchen shop's own cases as its chat export (JSONL, one conversation a line), the slots
    written out as an agent would have typed them; returns the buyers' messages."""
    import tomllib

    profile = tomllib.loads((shop / "shop.toml").read_text(encoding="utf-8"))
    said = {**profile["slots"], "product": "这款", "size": "5L", "colour": "黑色", "stock_status": "有现货"}
    buyers, lines = [], []
    for number, line in enumerate((shop / "cases.jsonl").read_text(encoding="utf-8").splitlines(), start=1):
        case = json.loads(line)
        reply = case["reply"].format(**said)
        turns = [{"role": "buyer", "text": case["buyer"]}, {"role": "agent", "text": reply}]
        lines.append(json.dumps({"session": f"s{number}", "turns": turns}, ensure_ascii=False))
        buyers.append(case["buyer"])
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return buyers


@pytest.mark.slow
def test_a_kitchen_shop_from_init_to_suggest(tmp_path, settings_tmp, encoder):
    """assistant init → edit the profile and catalog → import own chats → relabel → approve → build → suggest."""
    shop = SHOPS / "kitchen"
    project = tmp_path / "shop"
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(settings_tmp.models_dir, target_is_directory=True)
    corpus = project / "corpus"
    result = CliRunner().invoke(cli, ["init", str(project), "--category", "kitchen", "--shop-name", "好厨坊"])
    assert result.exit_code == 0, result.output
    # edit: the trainer fills the profile (with the shop's own scenario) and the catalog
    for name in ("shop.toml", "catalog.csv"):
        shutil.copy(shop / name, corpus / name)
    assert run_cli(corpus, data, "corpus", "validate").exit_code == 0
    chats = tmp_path / "chats.jsonl"
    buyers = _chats_from_cases(shop, chats)
    result = run_cli(corpus, data, "import-chats", str(chats), "--labels", "keywords")
    assert result.exit_code == 0, result.output
    listed = run_cli(corpus, data, "case", "list", "--status", "candidate", "--json")
    candidates = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(candidates) == len(buyers)
    for case in candidates:  # the importer cannot know the shop's own scenario: the trainer moves them
        if "保修" in case["buyer"]:
            assert (
                run_cli(corpus, data, "case", "relabel", case["id"], "--scenario", "warranty").exit_code == 0
            )
    result = run_cli(corpus, data, "case", "approve", *[c["id"] for c in candidates])
    assert result.exit_code == 0, result.output
    Assistant.clear_cache()
    assert run_cli(corpus, data, "build").exit_code == 0
    answer = json.loads(run_cli(corpus, data, "suggest", "电热水壶用了半年坏了 保修吗", "--json").stdout)
    assert answer["scenario"] == "warranty"
    top = answer["suggestions"][0]["reply"]
    assert "保修" in top and "一年" in top
    sold_out = json.loads(run_cli(corpus, data, "suggest", "蒸锅还有货吗", "--json").stdout)
    shown = " ".join(s["reply"] for s in sold_out["suggestions"])
    assert sold_out["scenario"] == "stock" and "有现货" not in shown and "有货" not in shown
    courier = json.loads(run_cli(corpus, data, "suggest", "你们能发京东快递吗", "--json").stdout)
    shown = " ".join(s["reply"] for s in courier["suggestions"])
    assert "韵达" in shown and "中通" not in shown  # the shop's courier, never the starter shop's
    Assistant.clear_cache()
