"""The object of the buyer's asking clause, against the question a retrieved case was written for (issue 12).

A reply on the right scenario can still answer another object: 一半花呗一半余额付 answered with when an
unpaid order closes, 运费能退一份不 with the free-shipping threshold. Both cases' own questions ask
about something this buyer did not name. Read by structure, not by phrasings: the asking clause's
content words (jieba's segmentation, without the function words a part of speech marks and without what
the chat said before: the item, the agent's offer) are its object; a case whose own question has
content words too, none of them the buyer's, and whose reply names none of the buyer's either, asks
about another object and is not shown first (``AdaptationRules.another_object_penalty`` ranks it below).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .conversation import asks

# jieba parts of speech that name a thing: nouns, verbal and adjectival nouns, Latin words (logo). Not
# places, names or times (北京 / 周三 are values a case's slot fills, not another object), nor verbs
# and adjectives (会不会 / 不行 / 确定 carry the asking, not what is asked)
_NAMING = frozenset({"n", "nz", "ng", "nt", "vn", "an", "eng"})
# a clause with the question mark that ends it (asks() reads the mark)
_CLAUSE = re.compile(r"[^，,。！!？?；;~～\s]+[？?]?")


def content_words(text: str) -> frozenset[str]:
    """The words of ``text`` that name something (two characters or more, of a naming part of
    speech). Dictionary words only: jieba's guesses at unknown words join a modal to what follows
    (能机 of 能机洗吗), which names nothing."""
    import jieba.posseg

    from .text import _jieba

    _jieba()  # (initialised once, quietly)
    return frozenset(
        w.word
        for w in jieba.posseg.cut(text, HMM=False)
        # (a figure is a value, not an object: 12期 / 44mm)
        if len(w.word) >= 2 and w.flag in _NAMING and not any(ch.isdigit() for ch in w.word)
    )


def asked_object(message: str, earlier: Sequence[str], items: Sequence[str] = ()) -> frozenset[str]:
    """The content words of the message's asking clauses (none when no clause asks) that no
    earlier turn said and that are no item or category word (``items``, the catalog's: 板鞋 / 酸奶
    name what is asked about, not what is asked): what this question is about."""
    asking = [c for c in _CLAUSE.findall(message) if asks(c)]
    said = " ".join(earlier)
    return frozenset(
        w
        for w in content_words(" ".join(asking))
        if w not in said and not any(w in item or item in w for item in items)
    )


def asked_clause(message: str) -> str:
    """The message's asking clauses, joined (empty when no clause asks): the text whose meaning a
    case's own question is compared with (core.py encodes it once per request)."""
    return " ".join(c for c in _CLAUSE.findall(message) if asks(c))


def _named_in(word: str, text: str) -> bool:
    """Whether ``text`` names ``word`` or a two-character part of it (会员 names 会员价, 发票 开发票)."""
    return any(word[i : i + 2] in text for i in range(len(word) - 1))


def another_object(
    asked: frozenset[str], question: str, reply: str, question_items: Sequence[str] = ()
) -> bool:
    """Whether a case written for ``question`` (its reply ``reply``) is about another object than
    ``asked``: its question names things besides its item (``question_items``), and neither it nor
    its reply names any asked word (nor a two-character part of one)."""
    if not asked:
        return False
    own = [w for w in content_words(question) if not any(w in i or i in w for i in question_items)]
    if not own:
        return False
    return not any(_named_in(w, question) or _named_in(w, reply) for w in asked)


def asked_values(facts: Iterable, kinds: Iterable[str]) -> dict[str, frozenset[str]]:
    """The values of the given fact kinds (a place, a courier) that a message names, by kind: when
    the buyer asks about 香港 or 顺丰, a reply about another value of that kind (新疆、西藏 / 中通)
    answers another object of the same kind. ``facts``: ``Fact`` records of the message."""
    wanted = frozenset(kinds)
    found: dict[str, set[str]] = {}
    for fact in facts:
        if fact.kind in wanted:
            found.setdefault(fact.kind, set()).add(fact.value)
    return {kind: frozenset(values) for kind, values in found.items()}


def another_value(
    asked: Mapping[str, frozenset[str]], reply_facts: Iterable, question_facts: Iterable = ()
) -> bool:
    """Whether a candidate is about another value of a kind the buyer asks about: its reply names
    values of that kind, none of them the buyer's (偏远地区 新疆、西藏 for 香港能寄吗); or its reply
    names none and the question its case was written for names only others (发韵达吗 → 不发哦, for
    能发顺丰吗). A reply naming the buyer's value beside others (顺丰要补差价，默认中通) takes it up."""
    replied = asked_values(reply_facts, asked)
    questioned = asked_values(question_facts, asked)
    for kind, values in asked.items():
        named = replied.get(kind) or questioned.get(kind)
        if named and not (named & values):
            return True
    return False


# a figure and the measure written right after it (1000目 / 128G / 5L / 24码)
_FIGURE_MEASURE = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+|[\u4e00-\u9fff])")


def compared_measure(clause: str, not_measures: Iterable[str] = ()) -> tuple[str, frozenset[str]] | None:
    """The measure the buyer's asking clause compares values of (1000目和3000目的区别 → 目, with its
    figures), or None: two figures or more written with the same measure, which is not a function
    character (``not_measures``: 的 / 和 / 个 follow a figure without measuring anything asked). A
    choice between values of one measure is a question about that measure; a reply naming neither
    it nor a figure answers a neighbouring question."""
    skip = frozenset(not_measures)
    found: dict[str, set[str]] = {}
    for figure, measure in _FIGURE_MEASURE.findall(clause):
        if measure not in skip:
            found.setdefault(measure.lower(), set()).add(figure)
    compared = [(m, f) for m, f in found.items() if len(f) >= 2]
    if len(compared) != 1:
        return None
    measure, figures = compared[0]
    return measure, frozenset(figures)


def takes_up_measure(reply: str, measure: str, figures: frozenset[str]) -> bool:
    """Whether ``reply`` speaks of the compared measure (目数 / 几千目) or names one of the figures."""
    return measure in reply.lower() or any(f in reply for f in figures)
