"""Text helpers shared by every module: cleaning, Traditional→Simplified, segmentation.

OpenCC and jieba load lazily (jieba's dictionary takes about a second) so ``import assistant``
stays fast.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# lone surrogates (undecodable bytes kept by surrogateescape, broken JSON escapes) are not text:
# nothing can encode them, so they become U+FFFD, one for one
_SURROGATE = re.compile("[\ud800-\udfff]")
SLOT_PATTERN = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def clean(text: str) -> str:
    """Remove control and zero-width characters and squeeze runs of spaces; keep newlines."""
    text = _CONTROL.sub("", valid_text(text))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return text.strip()


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (same length, so spans stay valid)."""
    return _SURROGATE.sub("\ufffd", text)


class Memo(dict):
    """A memo of what was computed per key, forgotten whole past ``limit`` entries: the same texts
    come back on every suggestion (case replies, the history), so each is worked out once, and a
    long-running server's memory stays bounded."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def keep(self, key, value):
        """Remember ``value`` for ``key`` and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


def fold(text: str) -> str:
    """A matching form of ``text``: NFKC (full-width → half-width), lower case, Simplified."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


@functools.lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified (OpenCC ``t2s``); other text is unchanged."""
    if not text or text.isascii():
        return text
    return _opencc().convert(text)


@functools.lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


_TOKEN_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


def tokens(text: str) -> list[str]:
    """Words of ``text`` for lexical matching: jieba segmentation of the folded text, plus the
    single characters of multi-character Chinese words (so 快递 still matches 快递员).

    Punctuation and spaces are dropped.
    """
    folded = fold(text)
    out: list[str] = []
    for word in _jieba().lcut(folded):
        if not _TOKEN_KEEP.search(word):
            continue
        out.append(word)
        if len(word) > 1 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
            out.extend(word)
    return out


def slots_in(text: str) -> list[str]:
    """Names of the ``{slots}`` in a reply template (``{{`` and ``}}`` are literal braces)."""
    return SLOT_PATTERN.findall(text)
