"""The shipped shop fact sheet, sample catalog and multi-turn cases hold together.

These guard the data of issue 12 ("no fact the agent did not give it"): the shop profile's numbers
agree with its sentences, every catalog row has a known category, and the multi-turn cases are
templates whose replies name no product, colour or courier outside a slot and pass the checklist.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections import Counter

import pytest

from assistant.checklist import check
from assistant.config import PROJECT_ROOT
from assistant.corpus import load_corpus

SHIPPED = PROJECT_ROOT / "corpus"
SLOT = re.compile(r"\{(\w+)\}")
# couriers and money/duration figures must come from a slot, never from the case's own conversation
LITERAL_FACT = re.compile(r"\d|顺丰|中通|圆通|韵达|申通|极兔|EMS|京东|邮政|元|工作日|小时|分钟")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(SHIPPED)


@pytest.fixture(scope="module")
def shop_toml() -> dict:
    return tomllib.loads((SHIPPED / "shop.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def category_ids() -> set[str]:
    facts = tomllib.loads((SHIPPED / "facts.toml").read_text(encoding="utf-8"))
    return set(facts["categories"])


@pytest.fixture(scope="module")
def multiturn(corpus):
    return [c for c in corpus.cases if c.id.startswith("mt-")]


def _number(text: str) -> int:
    """The first whole number in a slot text ("满199减20" -> 199)."""
    match = re.search(r"\d+", text)
    assert match, text
    return int(match.group(0))


def test_shop_numbers_agree_with_the_slot_texts(shop_toml):
    slots, policy = shop_toml["slots"], shop_toml["policy"]
    assert _number(slots["free_shipping_threshold"]) == policy["free_shipping_threshold_yuan"]
    assert _number(slots["return_days"]) == policy["return_days"]
    assert _number(slots["exchange_days"]) == policy["exchange_days"]
    assert _number(slots["remote_surcharge"]) == policy["remote_surcharge_yuan"]
    assert _number(slots["express_surcharge"]) == policy["express_surcharge_yuan"]
    assert _number(slots["coupon"]) == policy["coupon_yuan"]
    assert re.findall(r"\d+", slots["promotion"]) == [
        str(policy["promotion_threshold_yuan"]),
        str(policy["promotion_discount_yuan"]),
    ]
    assert _number(slots["gift_condition"]) == policy["gift_threshold_yuan"]
    assert _number(slots["price_protection"]) == policy["price_protection_days"]
    # the shop's name and form of address are the same wherever they are written
    assert slots["shop"] == shop_toml["shop"]["name"]
    assert slots["address_term"] == shop_toml["shop"]["address_term"]


def test_shop_uses_none_of_its_excluded_couriers(shop_toml):
    slots = shop_toml["slots"]
    excluded = re.split(r"[、和,，]", slots["excluded_couriers"])
    used = " ".join([slots["courier"], slots["couriers"], slots["express_courier"]])
    assert excluded and not any(name and name in used for name in excluded)


def test_every_catalog_row_has_a_known_category(category_ids):
    with (SHIPPED / "catalog.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["category"] for row in rows} <= category_ids
    per_category = Counter(row["category"] for row in rows)
    for category in ("apparel", "shoes", "food", "beauty", "kitchen", "home", "electronics"):
        assert per_category[category] >= 5, per_category
    # a few products are sold out, so stock answers have something to say "no" about
    assert sum(row["stock"] == "sold_out" for row in rows) >= 3


def test_case_categories_are_known_ids(corpus, category_ids):
    unknown = {(c.id, cat) for c in corpus.cases for cat in c.categories if cat not in category_ids}
    assert not unknown


def test_multiturn_cases_cover_every_scenario_with_history(corpus, multiturn):
    assert len(multiturn) >= 300
    per_scenario = Counter(c.scenario for c in multiturn)
    assert set(per_scenario) == set(corpus.taxonomy.scenario_ids)
    assert min(per_scenario.values()) >= 10, per_scenario
    assert all(2 <= len(c.context) <= 6 for c in multiturn)
    for case in multiturn:
        assert case.id.startswith(f"mt-{case.scenario}-"), case.id
    tagged = sum(bool(c.categories) for c in multiturn)
    assert len(multiturn) * 0.5 <= tagged < len(multiturn)  # mostly tagged, some category-neutral


def test_multiturn_replies_are_templates(corpus, multiturn):
    """No figure, courier, catalog product or colour in a reply outside a slot: those are facts of
    the case's own conversation and would be copied into another buyer's."""
    names = {n for p in corpus.catalog for n in p.names if n} | {c for p in corpus.catalog for c in p.colours}
    offenders = []
    for case in multiturn:
        bare = SLOT.sub("", case.reply)
        if LITERAL_FACT.search(bare) or any(name in bare for name in names):
            offenders.append((case.id, case.reply))
    assert not offenders


def test_multiturn_replies_pass_the_checklist(corpus, multiturn):
    slots = dict(corpus.shop.slots)
    slots.update({name: f"【{label}】" for name, label in corpus.shop.conversation_slots.items()})
    failures = []
    for case in multiturn:
        reply = SLOT.sub(lambda m: slots[m.group(1)], case.reply)
        result = check(reply, case.buyer, list(case.context), rules=corpus.rules, scenario=case.scenario)
        if not result.passed:
            failures.append((case.id, [v.rule for v in result.violations]))
    assert not failures
