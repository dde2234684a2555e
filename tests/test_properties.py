"""Properties of the core API for any input (hypothesis).

* ``Assistant.check`` never raises on any Unicode string (lone surrogates, control and zero-width
  characters included): an empty or whitespace-only reply is an ``InputError``, anything else a
  ``CheckResult`` whose spans point into the reply.
* A safe fix never introduces a new violation: checking the fixed reply finds no rule that did not
  fire on the original, and none of the rules that were fixed.
* ``suggest`` returns at most ``k`` suggestions (and at least one) for any message and history,
  or a named ``InputError`` for a message without visible text; the result always serialises to
  UTF-8 JSON, as the CLI prints it.

The replies are built from the checklist's own ``fires`` examples (so that rules do fire and fixes
do get applied) mixed with arbitrary text. ``suggest`` uses the session's assistant (real model,
real index) with a modest number of examples, each a few milliseconds.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.checklist import CheckResult
from assistant.config import Settings
from assistant.core import Assistant
from assistant.errors import InputError

ANY_CHARACTER = st.one_of(
    st.characters(),  # every code point hypothesis draws by default (no surrogates)
    st.characters(categories=["Cs"]),  # lone surrogates, as broken JSON or undecodable bytes give them
    st.sampled_from("\x00\x07\x1b\u200b\u202e\ufeff\n\t 　😀👍🏻"),
)
# st.text() never yields lone surrogates, whatever its alphabet: join the characters ourselves
ANY_TEXT = st.lists(ANY_CHARACTER, max_size=60).map("".join)


@pytest.fixture(scope="module")
def core() -> Assistant:
    """The core over the shipped corpus (``check`` needs only its checklist)."""
    return Assistant(Settings())


@pytest.fixture(scope="module")
def fragments(core) -> list[str]:
    """Pieces of replies that fire the checklist's rules, from the rules' own examples."""
    pieces = {example.reply for rule in core.corpus.rules.rules for example in rule.fires}
    return sorted(pieces | {"亲，", "您好", "好的", "。", "！", "~", " ", "\n", "哦"})


def replies(fragments: list[str]):
    return st.lists(st.one_of(st.sampled_from(fragments), ANY_TEXT), min_size=1, max_size=6).map("".join)


HISTORY = st.lists(st.tuples(st.sampled_from(["买家: ", "客服: ", ""]), ANY_TEXT).map("".join), max_size=3)
SCENARIOS = st.one_of(st.none(), st.sampled_from(["greeting", "quality_complaint", "refund", "bargaining"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_check_never_raises_on_any_unicode_string(core, fragments, data):
    reply = data.draw(st.one_of(ANY_TEXT, replies(fragments)), label="reply")
    message = data.draw(st.one_of(st.none(), ANY_TEXT), label="message")
    history = data.draw(HISTORY, label="history")
    scenario = data.draw(SCENARIOS, label="scenario")
    try:
        result = core.check(reply, message, history, scenario=scenario)
    except InputError as exc:
        assert not reply.strip() and str(exc) == "回复为空 the reply is empty"
        return
    assert isinstance(result, CheckResult)
    for v in result.violations:
        assert 0 <= v.start <= v.end <= len(reply) and reply[v.start : v.end] == v.text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_safe_fix_never_introduces_a_new_violation(core, fragments, data):
    reply = data.draw(replies(fragments), label="reply")
    message = data.draw(
        st.one_of(st.none(), st.sampled_from(["在吗", "收到就是坏的！", "能便宜点吗"]), ANY_TEXT)
    )
    scenario = data.draw(SCENARIOS, label="scenario")
    if not reply.strip():
        return
    result = core.check(reply, message, scenario=scenario)
    if result.fixed is None or not result.fixed.strip():
        return
    again = core.check(result.fixed, message, scenario=scenario)
    assert set(again.rules) <= set(result.rules), (reply, result.fixed)
    assert not {f.rule for f in result.fixes} & set(again.rules), (reply, result.fixed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    message=st.one_of(ANY_TEXT, st.sampled_from(["在吗", "这件T恤有M码吗", "都五天了还没发货", "😀"])),
    history=HISTORY,
    k=st.integers(1, 10),
)
def test_suggest_returns_at_most_k_suggestions_for_any_input(assistant, message, history, k):
    try:
        result = assistant.suggest(message, history=history, k=k)
    except InputError as exc:
        assert str(exc) in (
            "买家消息为空 the buyer message is empty",
            "买家消息只有控制字符 the buyer message has no visible text",
        )
        return
    assert 1 <= len(result.suggestions) <= k
    assert all(s.reply.strip() for s in result.suggestions)
    assert result.detection.scenario in assistant.corpus.taxonomy.scenario_ids
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")
