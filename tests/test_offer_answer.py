"""The buyer's answer to a sum the agent offered after delivery (issue 12, offer_answer.py): a reply that
restarts at 核实 once the buyer took the offer, named another sum or tied it to a review ignores them.
An acceptance is confirmed with the chat's own sum and how it is paid (the shop profile); a counter-offer
names both sums and is held for the agent; a review offered for the sum is never taken."""

from __future__ import annotations

import pytest
from conftest import spoken

from assistant.offer_answer import read_answer


@pytest.fixture(scope="module")
def rules(assistant):
    return assistant.engine.adapter.rules.offer_answer


OFFER = "客服: 亲 实在抱歉 给您补偿8元可以吗 东西不用寄回"


@pytest.mark.parametrize(
    ("history", "message", "kind", "counter", "review"),
    [
        ([OFFER], "8块也太少了 给18吧", "counter", "18", False),
        ([OFFER], "起码赔12块 我那锅199买的", "counter", "12", False),  # the price is no counter
        (
            [OFFER, "买家: 就8块啊"],
            "这样吧 补15 我就把中评删了",
            "counter",
            "15",
            True,
        ),  # sum said a turn later
        ([OFFER], "可以 那就8块吧", "accept", "", False),
        ([OFFER], "好吧 钱打到哪里", "accept", "", False),
        ([OFFER], "行 8块就8块 好评我就不改了", "accept", "", True),
    ],
)
def test_the_answer_to_the_agents_sum_is_read(rules, history, message, kind, counter, review):
    found = read_answer(rules, message, spoken("买家: 锅底有一块掉漆了", *history))
    assert found is not None
    assert (found.kind, found.offered, found.counter, found.review) == (kind, "8", counter, review)


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        ("客服: 亲 补偿8元已经给您转过去了", "好的 收到"),  # paid already: nothing on offer
        ("客服: 亲 好评晒图返5元哦", "好的 晒完找你"),  # a review cash-back is no remedy offered
        ("客服: 亲 改发顺丰需要补12元差价", "行 那我补"),  # a surcharge the buyer pays
        (OFFER, "8块打发谁呢"),  # neither taken nor another sum
        (OFFER, "算了 还是给我换新吧"),  # another remedy taken
    ],
)
def test_no_answer_without_a_sum_on_offer_or_an_answer_to_it(rules, agent, message):
    assert read_answer(rules, message, spoken("买家: 锅底有一块掉漆了", agent)) is None


def test_a_counter_offer_names_both_sums_and_promises_neither(assistant):
    result = assistant.suggest("8块也太少了 给18吧", history=["买家: 锅底有一块掉漆了", OFFER])
    top = result.suggestions[0].reply
    assert "18元" in top and "8元" in top, top
    assert not result.suggestions[0].fill_ins, top
    # no second reply granting a sum the agent never agreed to
    assert len(result.suggestions) == 1, [s.reply for s in result.suggestions]


def test_a_review_offered_for_money_is_not_taken(assistant):
    result = assistant.suggest(
        "这样吧 补15 我就把中评删了", history=["买家: 锅底有一块掉漆了", OFFER, "买家: 就8块啊"]
    )
    top = result.suggestions[0].reply
    assert "15元" in top and "补偿和评价是两回事" in top, top


def test_a_taken_offer_is_confirmed_with_its_sum_and_how_it_is_paid(assistant):
    channel = assistant.corpus.shop.slots["compensation_channel"]
    result = assistant.suggest("好吧 钱打到哪里", history=["买家: 锅底有一块掉漆了", OFFER])
    top = result.suggestions[0]
    assert "8元" in top.reply and channel in top.reply, top.reply
    assert not top.holding and not result.abstained
