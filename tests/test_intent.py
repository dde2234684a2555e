"""What a buyer asks (intents.toml): question types, objects, and how a holding reply names them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.intent import Intent, load_intents

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("会起球吗 掉不掉毛", "起球和掉毛的问题"),  # a two-part question: both parts named
        ("噪音大吗 楼下会投诉吗", "噪音的问题"),
        ("那续航多久 我通勤要2小时", "续航的问题"),
        ("我要退款 这个不想要了", "退款的情况和取消订单的事"),
        ("都三天了物流不动 退款也没到", "物流和退款的情况"),  # topics ending alike: the ending said once
        ("你好", ""),
    ],
)
def test_a_holding_topic_names_each_part_of_the_question(lexicon, message, topic):
    assert lexicon.topic(message) == topic


def test_a_word_inside_a_longer_word_is_not_its_own_topic(lexicon):
    assert "锈" not in lexicon.topic("不锈钢锅第一次用要怎么处理")  # stainless steel, not rust
    assert "发错" not in lexicon.topic("拍错了 要改成L码")  # the buyer's own mistake
    assert "发错" not in lexicon.topic("地址写错了 改一下")


def test_more_parts_than_the_limit_name_none(lexicon):
    assert lexicon.topic("会起球吗 噪音大吗 续航多久") == ""


def test_neighbouring_kitchen_care_questions_exclude_each_other(lexicon):
    asked = lexicon.parse("这个锅能放洗碗机吗")
    assert "dishwasher" in asked.objects
    assert lexicon.conflicts(asked, Intent(objects=frozenset({"seasoning"}))) == {"seasoning"}
    assert lexicon.conflicts(asked, Intent(objects=frozenset({"dishwasher"}))) == frozenset()


def test_neighbouring_objects_of_one_scenario_are_told_apart(lexicon):
    # the return address is the shop's: no change of the buyer's own address
    asked = lexicon.parse("寄回地址发我一下")
    assert "return_address" in asked.objects and "address" not in asked.objects
    assert lexicon.conflicts(asked, Intent(objects=frozenset({"address"}))) == {"address"}
    # 下雨天会不会滑 asks about the grip, 下雨天能穿吗 about the rain
    assert lexicon.parse("下雨天穿会不会滑").objects == {"slip"}
    assert "rain" in lexicon.parse("下雨天能穿吗 会不会坏").objects
    stretch = lexicon.parse("有啥办法能撑大一点")
    assert lexicon.conflicts(stretch, lexicon.parse("鞋带老散开 怎么系")) == {"lacing"}
    # a sent-back parcel's refund is no cancellation's, and a cancelled order is named as such
    assert "return_goods" in lexicon.parse("退货寄回去三天了").objects
    assert "cancel" in lexicon.excludes["return_goods"]
    assert "cancel" in lexicon.parse("订单我取消了").objects


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("今天拍什么时候发货 发什么快递", {"dispatch", "courier_choice"}),
        ("会起球吗 掉不掉毛", {"起球", "掉毛"}),
        ("会不会起球掉色", {"起球", "掉色"}),  # two property words in one clause
        ("退款申请了 多久到账", set()),  # one question naming several objects
        ("噪音大吗", set()),
    ],
)
def test_a_question_of_several_parts_is_told_from_one_question(lexicon, message, parts):
    assert lexicon.question_parts(message) == parts


def test_a_broken_or_incomplete_table_is_reported_by_name_and_left_out(tmp_path):
    text = (ROOT / "corpus" / "intents.toml").read_text(encoding="utf-8")
    for key in ("substitution", "variant_named", "promised_amount"):
        assert f"\n[{key}]\n" in text
        text = text.replace(f"\n[{key}]\n", f"\n[shipped_{key}]\n")  # a TOML table is defined once
    # a pattern that does not compile, and tables missing the group or the wording they need
    text += '\n[substitution]\nmessage = "那(?P<value>\\\\d+"\nparts = ["x"]\n'
    text += '\n[variant_named]\nmessage = "拍(?P<variant>\\\\w+)"\nnamed = ""\n'
    text += '\n[promised_amount]\nagent = "返(?P<amount>\\\\d+)元"\nmessage = "到账"\nnamed = "{amount}"\n'
    path = tmp_path / "intents.toml"
    path.write_text(text, encoding="utf-8")
    found, problems = load_intents(path)
    said = " ".join(p.message for p in problems)
    assert "[substitution]:" in said and "[variant_named] needs" in said and "[promised_amount] needs" in said
    assert found.substitution is None and found.variant_named is None and found.promised_amount is None


def _searched(lexicon, text: str) -> tuple[Intent, frozenset[str]]:
    """``parse`` and ``parts`` worked out the slow way: every word of the lexicon searched for in turn."""
    from assistant.facts import _normalised
    from assistant.intent import found_at

    source = _normalised(text)
    types = frozenset(t for t, words in lexicon.question_types.items() if any(w in source for w in words))
    objects = frozenset(
        o
        for o, words in lexicon.objects.items()
        if any(found_at(w, source) >= 0 for w in words)
        and not any(u in source for u in lexicon.unless.get(o, ()))
    )
    matched = [w for words in lexicon.objects.values() for w in words if w in source]
    parts: set[str] = set()
    for name, words in lexicon.objects.items():
        hits = sorted(
            (w for w in words if found_at(w, source) >= 0 and not any(w in m and w != m for m in matched)),
            key=len,
            reverse=True,
        )
        if hits and "{word}" not in lexicon.topics.get(name, ""):
            parts.add(name)
        elif hits:
            parts.update(w for i, w in enumerate(hits) if not any(w in longer for longer in hits[:i]))
    return Intent(types, objects), frozenset(parts)


def test_the_word_index_reads_what_searching_every_word_reads(lexicon, shipped_corpus):
    # parse and parts look a text up only for the words beginning with one of its characters (hot
    # path); they must find exactly what searching for each word in turn finds
    texts = {t for case in shipped_corpus.cases for t in (case.buyer, case.reply, case.buyer + case.reply)}
    texts |= {c for t in list(texts) for c in re.split(r"[\s，,。？?！!；;、]+", t) if c}
    texts |= {"", "退款多久到账", "原路退回", "寄回来退回给你们", "不锈钢锅会生锈吗"}
    assert len(texts) > 1000
    differing = [t for t in sorted(texts) if (lexicon.parse(t), lexicon.parts(t)) != _searched(lexicon, t)]
    assert differing == []


def test_a_word_inside_a_longer_one_and_a_pattern_word_are_read_as_before():
    from assistant.intent import IntentLexicon

    lexicon = IntentLexicon(
        question_types={"when": ("多久", "什么时候")},
        objects={
            "arrival": ("多久到", "到货"),
            "refund_arrival": ("多久到账",),
            "return": ("/(?<!原路)退回/", "寄回"),
            "colour": ("掉色", "褪色"),
        },
        topics={"colour": "{word}的问题"},
        unless={"arrival": ("到货通知",)},
    )
    for text, objects, parts in [
        ("退款多久到账", {"arrival", "refund_arrival"}, {"refund_arrival"}),  # 多久到 is inside 多久到账
        ("原路退回吗", set(), set()),  # the money's way back, not goods sent back
        ("东西退回了 多久到", {"return", "arrival"}, {"return", "arrival"}),
        ("到货通知 什么时候", set(), {"arrival"}),  # unless: parse drops it, parts keeps the word
        ("会掉色吗", {"colour"}, {"掉色"}),
    ]:
        assert lexicon.parse(text).objects == objects, text
        assert lexicon.parts(text) == parts, text
        assert (lexicon.parse(text), lexicon.parts(text)) == _searched(lexicon, text)
