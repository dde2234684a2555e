"""The shipped taxonomy mirrors the contract in ../shared/spec/taxonomy.md."""

import re

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
