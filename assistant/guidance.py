"""Which guidance sections show up beside suggestions: general sections by closeness, and usage.

Sections tied to scenarios are found through the detected scenario (``Corpus.guidance_for``). A
section without a clear scenario (``scenarios: all``, what ``assistant ingest`` writes when a
title names none) has nothing to be found by, so it is offered when it is close to the buyer's
message: in meaning (cosine of the normalised vectors, an inner product) or in words (shared
character bigrams). ``usage_report`` tells the trainer which sections never show.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .corpus import GuidanceSection
from .text import fold

# Cosine between a buyer message and a section (title + text) above which the section is on topic;
# chosen on the shipped guidance and two shops' training documents (bench/shops): unrelated sections
# sat at 0.33 and below, on-topic ones at 0.37 and above (保修 questions and a warranty section).
MIN_SIMILARITY = 0.35
# Share of the message's character bigrams found in the section (ignoring the commonest chat bigrams)
MIN_SHARED_WORDS = 0.5
MIN_BIGRAMS = 2
_CHAT_BIGRAMS = frozenset(
    {"这个", "一下", "可以", "什么", "怎么", "是不", "不是", "有没", "没有", "你们", "我们", "吗亲"}
)


@dataclass(frozen=True)
class SectionUsage:
    """How often one guidance section was shown, over a set of buyer messages."""

    id: str
    title: str
    path: str
    line: int
    scenarios: tuple[str, ...]
    shown: int
    messages: int

    @property
    def never_shown(self) -> bool:
        return self.shown == 0

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "where": f"{self.path}:{self.line}",
            "scenarios": list(self.scenarios),
            "shown": self.shown,
            "messages": self.messages,
        }


@functools.lru_cache(maxsize=4096)
def _bigrams(text: str) -> frozenset[str]:
    """The text's character bigrams without chat filler; cached, as every suggestion compares the
    message with the same guidance sections."""
    folded = "".join(ch for ch in fold(text) if ch.isalnum())
    return frozenset({folded[i : i + 2] for i in range(len(folded) - 1)} - _CHAT_BIGRAMS)


def shared_words(message: str, section: GuidanceSection) -> float:
    """The share of the message's character bigrams that the section's title or text contains."""
    asked = _bigrams(message)
    if len(asked) < MIN_BIGRAMS:
        return 0.0
    return len(asked & _bigrams(f"{section.title} {section.text}")) / len(asked)


def close_general_sections(
    sections: Sequence[GuidanceSection],
    vectors: np.ndarray | None,
    message_vector: np.ndarray,
    message: str,
    exclude: Iterable[str] = (),
) -> list[GuidanceSection]:
    """The ``scenarios: all`` sections close to the message, closest first.

    Args:
        sections: every guidance section, rows aligned with ``vectors``.
        vectors: the sections' L2-normalised vectors (None: words only).
        message_vector: the message's L2-normalised vector.
        message: the buyer's message.
        exclude: ids already shown for the scenario or buyer type.
    """
    skip = set(exclude)
    scored: list[tuple[float, GuidanceSection]] = []
    for i, section in enumerate(sections):
        if "all" not in section.scenarios or section.id in skip:
            continue
        similarity = float(vectors[i] @ message_vector) if vectors is not None else 0.0
        words = shared_words(message, section) if message else 0.0
        if similarity >= MIN_SIMILARITY or words >= MIN_SHARED_WORDS:
            scored.append((max(similarity, words), section))
    scored.sort(key=lambda item: -item[0])
    return [section for _, section in scored]


def usage_report(sections: Sequence[GuidanceSection], shown: Sequence[Sequence[str]]) -> list[SectionUsage]:
    """Per section, how many of the answered messages showed it; never-shown sections first.

    Args:
        sections: every guidance section of the corpus.
        shown: for each answered message, the ids of the sections shown with it.
    """
    counts = Counter(section_id for ids in shown for section_id in set(ids))
    usage = [
        SectionUsage(s.id, s.title, s.path, s.line, s.scenarios, counts.get(s.id, 0), len(shown))
        for s in sections
    ]
    usage.sort(key=lambda u: (u.shown, u.path, u.line))
    return usage
