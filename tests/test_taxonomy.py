"""The shipped taxonomy mirrors the contract in ../shared/spec/taxonomy.md."""

import re

import pytest

from assistant.config import PROJECT_ROOT
from assistant.taxonomy import closest, did_you_mean, load_taxonomy

SPEC = PROJECT_ROOT.parent / "shared" / "spec" / "taxonomy.md"


def _spec_tables():
    text = SPEC.read_text(encoding="utf-8")
    scenarios = dict(re.findall(r"^\| `([a-z_]+)` \| ([a-z_]+) \|", text, flags=re.M))
    buyer_types = re.findall(r"^\| `([a-z_]+)` \| [^|]*型 \|", text, flags=re.M)
    return scenarios, buyer_types


def test_scenarios_and_stages_match_the_spec():
    scenarios, _ = _spec_tables()
    taxonomy = load_taxonomy(PROJECT_ROOT / "corpus" / "taxonomy.toml")
    assert len(scenarios) == 26
    assert {s.id: s.stage for s in taxonomy.scenarios} == scenarios


def test_buyer_types_match_the_spec():
    _, buyer_types = _spec_tables()
    taxonomy = load_taxonomy(PROJECT_ROOT / "corpus" / "taxonomy.toml")
    assert len(buyer_types) == 8
    assert list(taxonomy.buyer_type_ids) == buyer_types


def test_did_you_mean_suggests_the_closest_id():
    ids = ("refund", "return_exchange", "review")
    assert closest("refnud", ids) == "refund"
    assert did_you_mean("reveiw", ids) == " (did you mean 'review'?)"
    assert did_you_mean("zzzzzz", ids) == ""


def test_the_stage_of_a_new_case_follows_its_scenario():
    from assistant.errors import InputError, UnknownIdError

    taxonomy = load_taxonomy(PROJECT_ROOT / "corpus" / "taxonomy.toml")
    assert taxonomy.stage_for("invoice") == taxonomy.stage_of("invoice") != "any"
    assert taxonomy.stage_for("farewell", "after_sale") == "after_sale"
    with pytest.raises(InputError, match=r"^scenario 'farewell' fits any stage: give --stage \("):
        taxonomy.stage_for("farewell")  # never silently pre_sale
    with pytest.raises(
        InputError, match=r"^scenario 'refund' belongs to stage 'after_sale', not 'pre_sale'$"
    ):
        taxonomy.stage_for("refund", "pre_sale")
    with pytest.raises(UnknownIdError, match="did you mean 'invoice'"):
        taxonomy.stage_for("invoise")


@pytest.mark.slow  # two CLI runs that load the corpus (about 7 s on two busy cores)
def test_cli_case_add_applies_the_stage_rule_through_the_core(tmp_path):
    import shutil

    from click.testing import CliRunner

    from assistant.cli import cli
    from assistant.corpus import load_corpus

    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".*", "cases"))
    (corpus / "cases").mkdir()
    base = ["--corpus", str(corpus), "--data-dir", str(tmp_path / "data"), "case", "add", "--buyer", "谢谢"]
    refused = CliRunner().invoke(cli, [*base, "--reply", "不客气亲", "--scenario", "farewell"])
    assert refused.exit_code == 1 and "fits any stage: give --stage" in refused.output
    added = CliRunner().invoke(
        cli, [*base, "--reply", "不客气亲", "--scenario", "farewell", "--stage", "after_sale"]
    )
    assert added.exit_code == 0, added.output
    assert [(c.scenario, c.stage) for c in load_corpus(corpus, strict=False).cases] == [
        ("farewell", "after_sale")
    ]
