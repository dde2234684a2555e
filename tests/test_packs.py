"""Starter packs, cases by source and pack (list, disable, enable, remove, relabel), `assistant init`
and where the corpus is found (issue 17 items 1, 2 and 6; issue 16's paths)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT, Settings, find_project, starter_corpus_dir
from assistant.corpus import load_corpus, validate_corpus
from assistant.errors import CorpusNotFoundError, UnknownIdError
from assistant.facts import load_vocabulary
from assistant.packs import case_packs
from assistant.selection import CaseFilter, list_cases
from assistant.shop_init import still_to_fill

SHIPPED = PROJECT_ROOT / "corpus"
# a small corpus: core greetings, apparel/shoes size advice, multi-category usage questions
CASE_FILES = ("greeting.jsonl", "size_advice.jsonl", "multiturn-usage_question.jsonl")


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "shop" / "corpus"
    target.mkdir(parents=True)
    for path in SHIPPED.glob("*.toml"):
        shutil.copy(path, target / path.name)
    shutil.copy(SHIPPED / "catalog.csv", target / "catalog.csv")
    shutil.copytree(SHIPPED / "guidance", target / "guidance")
    (target / "cases").mkdir()
    for name in CASE_FILES:
        shutil.copy(SHIPPED / "cases" / name, target / "cases" / name)
    return target


def run(corpus: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--corpus", str(corpus), *args], input=input)


def choose_packs(corpus: Path, packs: list[str]) -> None:
    shop = corpus / "shop.toml"
    text = shop.read_text(encoding="utf-8")
    shop.write_text(text.replace("[shop]\n", f"[shop]\npacks = {json.dumps(packs)}\n", 1), encoding="utf-8")


def ids_of(corpus: Path, **selection) -> set[str]:
    return {item.case.id for item in list_cases(corpus, CaseFilter(**selection))}


# ----------------------------------------------------------------------------- packs


def test_a_case_pack_is_its_categories_else_core():
    cases = [item.case for item in list_cases(SHIPPED)]
    packs = {p for c in cases for p in case_packs(c)}
    assert {
        "core",
        "apparel",
        "shoes",
        "food",
        "beauty",
        "kitchen",
        "home_appliances",
        "electronics",
    } <= packs
    for pack in ("apparel", "shoes", "food", "beauty", "kitchen", "home_appliances", "electronics"):
        mine = [c for c in cases if pack in case_packs(c)]
        assert len(mine) >= 12 and len({c.scenario for c in mine}) >= 5, pack
    untagged = next(c for c in cases if not c.categories)
    assert case_packs(untagged) == ("core",)
    both = next(c for c in cases if c.categories == ("apparel", "baby"))
    assert case_packs(both) == ("apparel", "baby")
    assert all(c.source == "starter" for c in cases)


def test_an_explicit_pack_wins_over_categories_and_is_checked(corpus):
    path = corpus / "cases" / "greeting.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "pack": "kitchen"}, ensure_ascii=False)
    lines[1] = json.dumps({**json.loads(lines[1]), "pack": "kichen"}, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ids_of(corpus, packs=("kitchen",)) >= {first["id"]}
    listed = list_cases(corpus, CaseFilter(ids=(first["id"],)))[0]
    assert listed.packs == ("kitchen",) and listed.to_dict()["pack"] == "kitchen"
    problems = [p for p in validate_corpus(corpus) if "pack" in p.message]
    assert [(Path(p.path).name, p.line, p.message) for p in problems] == [
        ("greeting.jsonl", 2, "unknown pack 'kichen' (did you mean 'kitchen'?)")
    ]


def test_shop_packs_leave_other_starter_packs_out_but_keep_the_shops_own_cases(corpus):
    everything = load_corpus(corpus)
    assert any("apparel" in case_packs(c) for c in everything.cases)
    own = {
        "id": "own-1",
        "buyer": "这件衣服起球吗",
        "reply": "亲，不起球的",
        "scenario": "quality_question",
        "stage": "pre_sale",
        "categories": ["apparel"],
        "source": "cli",
    }
    with (corpus / "cases" / "own.jsonl").open("w", encoding="utf-8") as f:
        f.write(json.dumps(own, ensure_ascii=False) + "\n")
    choose_packs(corpus, ["kitchen"])
    kitchen = load_corpus(corpus)
    packs = {p for c in kitchen.cases if c.source == "starter" for p in case_packs(c)}
    assert packs <= {"core", "kitchen"} and "kitchen" in packs
    assert "own-1" in {c.id for c in kitchen.cases}  # the shop's own case always serves
    assert len(kitchen.cases) < len(everything.cases)
    # listing still shows the packs the shop did not choose, marked so
    listed = {i.case.id: i for i in list_cases(corpus, CaseFilter(packs=("apparel",), sources=("starter",)))}
    assert listed and not any(i.chosen or i.served for i in listed.values())


def test_an_unknown_pack_in_the_shop_profile_is_named_with_a_close_match(corpus):
    choose_packs(corpus, ["kitchn"])
    problems = validate_corpus(corpus)
    assert [p.message for p in problems if "pack" in p.message] == [
        "unknown pack 'kitchn' (did you mean 'kitchen'?); packs: core, "
        + ", ".join(load_vocabulary(SHIPPED / "facts.toml")[0].category_ids)
    ]
    assert problems[0].path.endswith("shop.toml") and problems[0].line == 10


# ----------------------------------------------------------------------------- case list / disable / enable / remove


def test_case_list_by_source_and_pack(corpus):
    result = run(corpus, "case", "list", "--source", "starter", "--pack", "shoes")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and all(line.split("\t")[3] == "shoes" for line in lines)
    assert {line.split("\t")[0] for line in lines} == ids_of(corpus, sources=("starter",), packs=("shoes",))
    as_json = run(corpus, "case", "list", "--pack", "core", "--json")
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert rows and all(r["packs"] == ["core"] and r["served"] for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pack", "aparel"], "unknown pack 'aparel' (did you mean 'apparel'?)"),
        (["--scenario", "size_advise"], "unknown scenario 'size_advise' (did you mean 'size_advice'?)"),
        (["--source", "startr"], "no case has source 'startr' (did you mean 'starter'?); sources: starter"),
        (["--id", "greting-001"], "no case with id 'greting-001' (did you mean 'greeting-001'?)"),
        (["--status", "approve"], "unknown status 'approve' (did you mean 'approved'?)"),
    ],
)
def test_a_filter_that_names_nothing_says_so_with_a_close_match(corpus, args, message):
    result = run(corpus, "case", "list", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"错误 Error: {message}")


def test_disable_keeps_cases_but_never_serves_them_and_enable_brings_them_back(corpus):
    apparel = ids_of(corpus, sources=("starter",), packs=("apparel",))
    result = run(corpus, "case", "disable", "--source", "starter", "--pack", "apparel")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"停用 disabled {len(apparel)} of {len(apparel)} case(s) matching --source starter --pack apparel\n"
    )
    loaded = load_corpus(corpus)
    assert apparel <= {c.id for c in loaded.cases}  # kept in the files
    assert not apparel & {c.id for c in loaded.approved}  # never served
    stats = loaded.stats()
    assert (
        stats["disabled"] == len(apparel) and "apparel" not in stats["packs"] and stats["packs"]["core"] > 0
    )
    assert ids_of(corpus, statuses=("disabled",)) == apparel
    again = run(corpus, "case", "disable", "--pack", "apparel", "--json")
    assert json.loads(again.stdout)["changed"] == 0
    back = run(corpus, "case", "enable", "--pack", "apparel", "--source", "starter")
    assert back.stdout.startswith(f"启用 enabled {len(apparel)} of {len(apparel)} ")
    assert not ids_of(corpus, statuses=("disabled",))


def test_remove_asks_or_needs_yes_and_says_how_many(corpus):
    shoes = ids_of(corpus, packs=("shoes",))
    before = len(list_cases(corpus))
    refused = run(corpus, "case", "remove", "--pack", "shoes", input="n\n")
    assert refused.exit_code == 1
    assert f"remove {len(shoes)} case(s) matching --pack shoes from their files?" in refused.stderr
    assert len(list_cases(corpus)) == before
    dry = run(corpus, "case", "remove", "--pack", "shoes", "--dry-run")
    assert dry.stdout.startswith(f"将 would be 删除 removed {len(shoes)} of {len(shoes)}")
    done = run(corpus, "case", "remove", "--pack", "shoes", "--yes")
    assert done.exit_code == 0, done.output
    assert done.stdout == f"删除 removed {len(shoes)} of {len(shoes)} case(s) matching --pack shoes\n"
    assert len(list_cases(corpus)) == before - len(shoes)
    assert not ids_of(corpus, packs=("shoes",))
    nothing = run(corpus, "case", "remove", "--yes")
    assert nothing.exit_code == 1 and "give case ids or a filter" in nothing.stderr


def test_relabel_moves_a_case_and_checks_scenario_and_stage(corpus):
    result = run(corpus, "case", "relabel", "greeting-001", "--scenario", "stock")
    assert result.exit_code == 0, result.output
    assert result.stdout == "greeting-001: stock · pre_sale\n"
    case = list_cases(corpus, CaseFilter(ids=("greeting-001",)))[0].case
    assert (case.scenario, case.stage) == ("stock", "pre_sale")
    typo = run(corpus, "case", "relabel", "greeting-001", "--scenario", "stok")
    assert typo.stderr == "错误 Error: unknown scenario 'stok' (did you mean 'stock'?)\n"
    any_stage = run(corpus, "case", "relabel", "greeting-001", "--scenario", "farewell")
    assert "fits any stage: give --stage" in any_stage.stderr
    wrong = run(corpus, "case", "relabel", "greeting-001", "--scenario", "refund", "--stage", "pre_sale")
    assert wrong.stderr == "错误 Error: scenario 'refund' belongs to stage 'after_sale', not 'pre_sale'\n"
    missing = run(corpus, "case", "relabel", "greting-001", "--scenario", "stock")
    assert "no case with id 'greting-001' (did you mean 'greeting-001'?)" in missing.stderr


# ----------------------------------------------------------------------------- assistant init


@pytest.fixture(scope="module")
def kitchen_shop(tmp_path_factory):
    """A kitchen shop made by the real CLI once (read-only for the tests that share it)."""
    target = tmp_path_factory.mktemp("init") / "kitchen-shop"
    result = CliRunner().invoke(
        cli, ["init", str(target), "--category", "kitchen", "--shop-name", "好厨艺旗舰店"]
    )
    assert result.exit_code == 0, result.output
    return target, result


def test_init_creates_a_shop_with_the_core_and_its_packs(kitchen_shop):
    target, result = kitchen_shop
    corpus = load_corpus(target / "corpus")  # valid as created
    packs = {p for c in corpus.cases for p in case_packs(c)}
    assert {"core", "kitchen"} <= packs
    # every case is of the core or the kitchen pack (a case written for two categories is in both)
    assert all({"core", "kitchen"} & set(case_packs(c)) for c in corpus.cases)
    assert {c.id for c in corpus.cases} == ids_of(SHIPPED, statuses=("approved",), packs=("core", "kitchen"))
    assert all(c.source == "starter" for c in corpus.cases)
    assert corpus.shop.name == "好厨艺旗舰店" and corpus.shop.slots["shop"] == "好厨艺旗舰店"
    assert corpus.shop.info["packs"] == ["kitchen"]
    assert corpus.shop.slots["courier"] == "【默认快递】"  # a visible fill-in until the shop writes its own
    assert corpus.catalog == ()
    assert (
        (target / "corpus" / "catalog.csv").read_text(encoding="utf-8").startswith("id,name,aliases,category")
    )
    assert "stock" in (target / "corpus" / "catalog.md").read_text(encoding="utf-8")
    assert (target / "assistant.toml").read_text(encoding="utf-8").count('corpus_dir = "corpus"') == 1
    assert (target / ".gitignore").read_text(encoding="utf-8") == "data/\n"
    steps = (target / "NEXT_STEPS.md").read_text(encoding="utf-8")
    for step in ("import-chats", "case approve", "assistant build", "replay"):
        assert step in steps and step in result.stdout
    assert result.stdout.startswith(
        f"已创建 created {target.resolve()}: {len(corpus.cases)} starter cases (core "
    )
    # every slot of the profile is explained in a comment
    slots = [
        ln
        for ln in (target / "corpus" / "shop.toml").read_text(encoding="utf-8").splitlines()
        if '= "【' in ln
    ]
    assert slots and all("# 待填写 still to fill" in ln for ln in slots)


def test_validate_lists_the_shop_values_still_to_fill(kitchen_shop, corpus):
    # every shop value of a new profile is listed, the policy numbers too
    notes = [str(n) for n in still_to_fill(kitchen_shop[0] / "corpus")]
    slots = load_corpus_shop_slots(kitchen_shop[0] / "corpus")
    unfilled = sorted(k for k, v in slots.items() if v.startswith("【"))
    assert sorted(n.split("still to fill: ")[1].split(" ")[0] for n in notes if "policy" not in n) == sorted(
        [*unfilled, "service_hours"]
    )
    assert set(slots) - set(unfilled) == {"shop", "address_term"}
    assert any("policy return_days (a number)" in n for n in notes)
    # corpus validate prints them as notes (exit 0) and counts them
    shop = corpus / "shop.toml"
    shop.write_text(
        shop.read_text(encoding="utf-8").replace(
            'courier = "中通快递"', 'courier = "【默认快递】"    # 待填写 still to fill · 默认快递'
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["corpus", "validate", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    line = next(
        i for i, t in enumerate(shop.read_text(encoding="utf-8").splitlines(), 1) if "【默认快递】" in t
    )
    assert lines[:-1] == [f"{shop}:{line}: 待填写 still to fill: courier (【默认快递】)"]
    assert lines[-1].startswith("OK: ") and lines[-1].endswith("; 1 shop value(s) still to fill (待填写)")


def load_corpus_shop_slots(corpus_dir: Path) -> dict[str, str]:
    import tomllib

    return tomllib.loads((corpus_dir / "shop.toml").read_text(encoding="utf-8"))["slots"]


def test_init_refuses_a_used_folder_and_unknown_categories(tmp_path):
    (tmp_path / "s" / "corpus").mkdir(parents=True)
    again = CliRunner().invoke(cli, ["init", str(tmp_path / "s"), "--category", "food", "--shop-name", "x"])
    assert again.exit_code == 1
    assert (
        again.stderr
        == f"错误 Error: {(tmp_path / 's' / 'corpus').resolve()}: already there; choose a new folder (nothing was changed)\n"
    )
    assert list((tmp_path / "s").iterdir()) == [tmp_path / "s" / "corpus"]
    typo = CliRunner().invoke(
        cli, ["init", str(tmp_path / "t"), "--category", "food,kitchn", "--shop-name", "x"]
    )
    assert typo.exit_code == 1 and "unknown category 'kitchn' (did you mean 'kitchen'?)" in typo.stderr
    assert not (tmp_path / "t").exists()


def test_a_failed_init_leaves_nothing_behind(corpus, tmp_path):
    from assistant.errors import CorpusError
    from assistant.shop_init import init_shop

    bad = {
        "id": "bad-1",
        "buyer": "在吗",
        "reply": "在的，{nonexistent}",
        "scenario": "greeting",
        "stage": "pre_sale",
    }
    with (corpus / "cases" / "greeting.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({**bad, "source": "starter"}, ensure_ascii=False) + "\n")
    with pytest.raises(CorpusError) as failed:
        init_shop(tmp_path / "new", ["kitchen"], "小店", starter=corpus)
    assert any("{nonexistent}" in p.message for p in failed.value.problems)
    assert not (tmp_path / "new").exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "chats.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        init_shop(tmp_path / "kept", ["kitchen"], "小店", starter=corpus)
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["chats.csv"]  # the folder's own files stay


# ----------------------------------------------------------------------------- where the corpus is


def test_a_copied_project_reads_its_own_corpus_from_any_subfolder(kitchen_shop, tmp_path, monkeypatch):
    shutil.copytree(kitchen_shop[0], tmp_path / "copy")
    (tmp_path / "copy" / "notes").mkdir()
    monkeypatch.chdir(tmp_path / "copy" / "notes")
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_CORPUS_DIR", "ASSISTANT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load()
    assert find_project() == (tmp_path / "copy").resolve()
    assert settings.corpus_dir == (tmp_path / "copy" / "corpus").resolve()
    assert settings.data_dir == (tmp_path / "copy" / "data").resolve()
    assert not settings.uses_starter


def test_outside_any_project_the_starter_answers_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_CORPUS_DIR", "ASSISTANT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load()
    assert settings.uses_starter and settings.corpus_dir == starter_corpus_dir().resolve()
    assert settings.data_dir == (tmp_path / "xdg" / "shop-reply-assistant").resolve()
    result = CliRunner().invoke(cli, ["case", "list", "--pack", "food", "--json"])
    assert result.exit_code == 0, result.output
    assert all(json.loads(line)["packs"] == ["food"] for line in result.stdout.splitlines())
    assert "using the shipped starter corpus" in result.stderr


def test_a_project_whose_corpus_is_missing_names_the_folder(tmp_path, monkeypatch):
    (tmp_path / "assistant.toml").write_text('data_dir = "data"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_CORPUS_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load()
    assert settings.corpus_dir == (tmp_path / "corpus").resolve()  # never another folder
    with pytest.raises(
        CorpusNotFoundError, match=f"{tmp_path.resolve() / 'corpus'}: corpus directory not found"
    ):
        load_corpus(settings.corpus_dir)


def test_fallback_and_holding_replies_are_category_neutral():
    from assistant.core import Assistant

    findings = Assistant(Settings().replace(corpus_dir=str(SHIPPED))).lint()
    assert [f for f in findings if f.path.endswith("adaptation.toml") and f.kind == "category"] == []


def test_selection_refuses_unknown_values_in_the_core(corpus):
    with pytest.raises(UnknownIdError, match="did you mean 'kitchen'"):
        list_cases(corpus, CaseFilter(packs=("kitchn",)))


# ----------------------------------------------------------------------------- the wheel (issue 16; .ci/wheel-check installs it)


def test_the_wheel_ships_every_starter_file():
    import tomllib
    from fnmatch import fnmatch

    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    assert config["package-dir"]["assistant.starter"] == "corpus"
    assert {"assistant", "console", "console.pages", "assistant.starter"} <= set(config["packages"])
    shipped = []
    for package, patterns in config["package-data"].items():
        if package.startswith("assistant.starter"):
            folder = SHIPPED.joinpath(*package.split(".")[2:])
            shipped += [
                f for f in folder.iterdir() if f.is_file() and any(fnmatch(f.name, p) for p in patterns)
            ]
    wanted = [
        f
        for f in SHIPPED.rglob("*")
        if f.is_file() and not f.name.startswith(".") and f.suffix in (".toml", ".csv", ".jsonl", ".md")
    ]
    assert sorted(wanted) == sorted(shipped)


def test_no_runtime_path_assumes_the_source_checkout():
    for path in sorted((PROJECT_ROOT / "assistant").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        uses = [
            ln for ln in text.splitlines() if "PROJECT_ROOT" in ln and not ln.startswith("PROJECT_ROOT =")
        ]
        assert not uses, f"{path.name}: {uses}"
        assert "tests/data" not in text and '"tests" / "data"' not in text, path.name


@pytest.mark.slow
def test_a_new_kitchen_shop_answers_from_its_own_packs(kitchen_shop, tmp_path, assistant, encoder):
    """init -> fill a value -> build -> suggest: sources only from core and kitchen, the shop's value used."""
    from assistant.core import Assistant

    shipped = assistant  # the session's assistant over the shipped corpus, its index built
    shop = tmp_path / "shop"
    shutil.copytree(kitchen_shop[0], shop)
    profile = shop / "corpus" / "shop.toml"
    text = profile.read_text(encoding="utf-8").replace('warranty = "【保修】"', 'warranty = "整机保修两年"')
    profile.write_text(text, encoding="utf-8")
    # start from the session's index of the shipped corpus: only the difference is embedded
    shutil.copytree(shipped.settings.resolved_index_dir, shop / "data" / "index")
    new_shop = Assistant(Settings().replace(corpus_dir=str(shop / "corpus"), data_dir=str(shop / "data")))
    new_shop._encoder = encoder
    report = new_shop.build(progress=False)
    assert report.count == len(new_shop.corpus.cases) and report.removed > 0
    by_id = {c.id: c for c in new_shop.corpus.cases}
    shown = []
    for message in ("这个锅电磁炉能用吗", "电水壶坏了保修吗", "菜刀拆开了还能退吗", "在吗"):
        for suggestion in new_shop.suggest(message).suggestions:
            shown.append(suggestion.reply)
            for source in suggestion.sources:
                # a case of several categories belongs to each of them (packs.serves): kitchen is enough
                assert set(case_packs(by_id[source])) & {"core", "kitchen"}, (message, source)
    assert any("整机保修两年" in reply for reply in shown), shown
    assert not any(word in reply for reply in shown for word in ("面料", "吊牌", "身高体重"))


@pytest.mark.slow
def test_the_trainer_page_switches_a_starter_pack_off_and_on(corpus, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from assistant.core import Assistant

    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(corpus.parent / "data"))
    st.cache_resource.clear()
    Assistant.clear_cache()
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "console" / "pages" / "trainer.py"), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        shoes = ids_of(corpus, sources=("starter",), packs=("shoes",))
        at.multiselect(key="starter_packs").set_value(["shoes"])
        at.run()
        at.button(key="packs_disable").click()
        at.run()
        assert not at.exception, at.exception
        assert ids_of(corpus, statuses=("disabled",)) == shoes
        assert any(f"已停用 {len(shoes)} / {len(shoes)} 条案例" in m.value for m in at.success)
        at.button(key="packs_enable").click()
        at.run()
        assert not ids_of(corpus, statuses=("disabled",))
    finally:
        st.cache_resource.clear()
        Assistant.clear_cache()


def test_pack_cases_use_no_other_category_wording_for_their_own_buyers():
    """A pack case whose reply holds another category's word is never shown to its own category's
    buyers (grounding refuses it), so the pack files must not hold one."""
    from assistant.facts import FactExtractor

    vocabulary, _ = load_vocabulary(SHIPPED / "facts.toml")
    extractor = FactExtractor(vocabulary, ())
    cases = [item.case for item in list_cases(SHIPPED) if Path(item.case.path).name.startswith("pack-")]
    assert len(cases) >= 90
    foreign = {c.id: extractor.foreign_wording(c.reply, c.categories[0]) for c in cases}
    assert {k: v for k, v in foreign.items() if v} == {}
