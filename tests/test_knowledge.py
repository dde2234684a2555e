"""Category knowledge (issue 12): what a trained agent of the category knows without looking anything
up (crystallised honey, a spatula for a non-stick pan, a smart plug's Wi-Fi band, how a trekking pole is
adjusted) is answered from the ``pack-knowledge-*.jsonl`` cases, hedged where products differ; such a
case is shown only for the kind of item it speaks of and for the property asked, never because the
item's name alone makes it look close (Adapter.knowledge_fits)."""

from __future__ import annotations

import pytest
from conftest import turns


def knowledge_sources(result) -> list[str]:
    return [s for suggestion in result.suggestions for s in suggestion.sources if s.startswith("know-")]


@pytest.mark.parametrize(
    ("message", "history", "says"),
    [
        ("空气炸锅里面能铺一层锡纸吗", [], "锡纸"),
        ("铸铁锅放了一阵子长锈了 还能用吗", [], "锈"),
        ("登山杖的长短要怎么调节", [], "锁紧"),
        ("人呢", ["买家: 这条浴巾用久了会不会掉毛"], "浮毛"),
        ("换狗粮要怎么换", [], "新粮"),
    ],
)
def test_category_knowledge_is_answered_instead_of_held(assistant, message, history, says):
    result = assistant.suggest(message, history=history or None)
    assert not result.abstained, result.abstain_reason
    top = result.suggestions[0]
    assert top.sources and top.sources[0].startswith("know-"), (top.sources, top.reply)
    assert says in top.reply, top.reply


@pytest.mark.parametrize(
    "message",
    [
        "床垫有几种硬度可以选",  # a mattress's smell case shares only the item
        "这个猫砂盆有带盖子的款吗",  # a 猫条 case must not become 猫砂盆属于零嘴
        "登山杖一根大概多重",  # the pole's weight is this shop's fact, not how to adjust it
        "充电宝是多少毫安的",
    ],
)
def test_knowledge_is_not_shown_for_another_question_about_the_item(assistant, message):
    assert not knowledge_sources(assistant.suggest(message)), assistant.suggest(message).suggestions


def test_knowledge_fits_needs_the_kind_of_item_and_the_property(assistant):
    adapter = assistant.engine.adapter
    cases = {c.id: c for c in assistant.engine.corpus.cases}
    treats = next(c for c in cases.values() if "常识" in c.tags and c.buyer.startswith("猫条"))
    towel = next(c for c in cases.values() if "常识" in c.tags and "毛巾掉毛" in c.buyer)

    def fits(case, message, history=(), similarity=0.6):
        chat = turns(*history)
        return adapter.knowledge_fits(case, message, chat, assistant.conversation(message, chat), similarity)

    assert fits(treats, "猫条能天天喂吗")
    assert not fits(treats, "猫砂盆每天都要清理吗")  # another kind of item: 盆 is no 条
    assert fits(towel, "浴巾掉毛吗")  # 浴巾 is a towel too
    assert not fits(towel, "浴巾吸水吗")  # the same item, another property
    assert fits(towel, "浴巾吸水吗", similarity=0.9)  # …unless the whole question is that close
    # a question chased with 人呢 is the one asked
    assert fits(towel, "人呢", ["买家: 浴巾会不会掉毛"])
