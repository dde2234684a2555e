"""The checklist's matching form of text: same-length folding (full-width, case, Traditional) and
the two length measures the rules count (``content_length``, ``char_length``)."""

from __future__ import annotations

import functools
import re

from .prefilter import CASE_SPECIALS

# removing these keeps exactly the characters for which str.isalnum() is true
_NON_ALNUM = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")

# Full-width letters and digits → ASCII, ASCII upper → lower. Punctuation keeps its width (rules
# tell ！ from ! where it matters, and folding ？ into ? would turn it into a regex operator).
_FOLD = {code: code + 0x20 for code in range(ord("A"), ord("Z") + 1)}
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)})  # ０-９
_FOLD.update({code: code - 0xFEE0 + 0x20 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ → a-z
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
# Regexes get only the full-width part: lower-casing ASCII would turn \W into \w (the text is
# folded, so patterns are compiled case-insensitively instead).
_FOLD_REGEX = {code: target for code, target in _FOLD.items() if code > 0x7F}
# a text without any of these needs no translate() (most Chinese replies)
_FOLDABLE = re.compile("[A-Z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# letters that ignore-case regexes equate with ASCII ones (K ſ İ ı)
_CASE_SPECIAL = re.compile("[" + "".join(sorted(CASE_SPECIALS)) + "]")


@functools.lru_cache(maxsize=1)
def _traditional() -> re.Pattern:
    """A character class of the CJK characters OpenCC's t2s changes (about 5,000, found once by
    converting every CJK code point): text without any of them is already Simplified, and skipping
    the converter for it makes folding several times faster."""
    from .text import to_simplified

    ranges = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0x20000, 0x2FA1F))
    chars = [chr(c) for low, high in ranges for c in range(low, high + 1)]
    converted = to_simplified("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a converter that joins lines: give up the shortcut
        return re.compile(r"[^\x00-\x7f]")
    changed = [c for c, s in zip(chars, converted, strict=True) if c != s and ord(c) < 0x10000]
    # astral characters go in as one range: listing them one by one makes the class a slow scan
    return re.compile("[" + "".join(re.escape(c) for c in changed) + "\U00020000-\U0002fa1f]")


def fold(text: str) -> str:
    """A same-length matching form of ``text`` (see the module docstring)."""
    folded = text.translate(_FOLD) if _FOLDABLE.search(text) else text
    if not folded.isascii() and _traditional().search(folded):
        from .text import to_simplified

        try:
            simplified = to_simplified(folded)
        except UnicodeEncodeError:
            # OpenCC cannot encode lone surrogates (they come in from broken JSON); U+FFFD keeps the length
            simplified = to_simplified(_SURROGATES.sub("\ufffd", folded))
        if len(simplified) == len(folded):
            folded = simplified
    return folded


def content_length(text: str) -> int:
    """Characters that count as words: letters, digits and Chinese characters (no punctuation,
    spaces or emoji); what ``reply_length`` / ``message_length`` count."""
    return len(_NON_ALNUM.sub("", text))


def char_length(text: str) -> int:
    """Every character but whitespace (punctuation and emoji included); what ``reply_chars`` /
    ``message_chars`` count."""
    return len(text) - sum(map(len, _SPACE.findall(text)))
