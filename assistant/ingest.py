"""Ingestion of a trainer's own documents (.txt, .md, .html, .docx, .pdf) into guidance Markdown.

Pipeline, per file: read the lines (``ingest_read``: encoding, markup headings and emphasis, link
lines dropped) → clean each line (this module: inline pinyin such as ``培訓(xùn)``, bracketed
pronunciations and their mojibake such as ``质(zh��)量``, private-use characters, every U+FFFD;
Traditional to Simplified) → drop page furniture by its shape and the boilerplate words of known
sites (``ingest_furniture``) → find headings (Markdown, emphasis, ``第X章`` ``一、`` ``（一）`` ``1.``
``①`` ...) and split into titled sections (``ingest_structure``) → write ``DIR/<stem>.md`` in the
guidance format of ``docs/corpus-format.md``, each section with ``source: <file>:<line>``.

What counts as a heading, as furniture and which titles map to which scenarios live in
``ingest_patterns.toml`` beside this module: data, not code.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .corpus import GuidanceSection
from .errors import FileFormatError, StoreError
from .ingest_furniture import drop_furniture
from .ingest_patterns import PATTERNS_FILE, TONE_LETTERS, IngestPatterns, SkippedLine, load_patterns
from .ingest_read import read_document, read_source
from .ingest_structure import id_prefix, sections_from_lines
from .taxonomy import Taxonomy

__all__ = [
    "PATTERNS_FILE",
    "IngestPatterns",
    "IngestResult",
    "SkippedLine",
    "clean_line",
    "ingest_file",
    "ingest_files",
    "load_patterns",
    "read_document",
    "remove_pinyin",
    "sections_from_lines",
]

_SENTENCE = re.compile(r"[。，,；;！!？?]")
_CJK = r"[\u3400-\u9fff]"


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class IngestResult:
    """The outcome for one input file: its sections, what was skipped, where it was written, or the error."""

    path: str
    title: str = ""
    sections: tuple[GuidanceSection, ...] = ()
    skipped: tuple[SkippedLine, ...] = ()
    out: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "title": self.title,
            "sections": [s.to_dict() for s in self.sections],
            "skipped": [s.to_dict() for s in self.skipped],
            "out": self.out,
            "error": self.error,
        }

    def to_markdown(self) -> str:
        """The whole guidance file."""
        name = Path(self.path).name
        head = [
            f"# {self.title or Path(self.path).stem}",
            "",
            f"自动导入自 {name}（assistant ingest），请人工校对后再使用。 Imported from {name} by `assistant ingest`; review before use.",
        ]
        return "\n".join(head) + "\n\n" + "\n\n".join(s.to_markdown() for s in self.sections) + "\n"


# ----------------------------------------------------------------------------- cleaning


@functools.lru_cache(maxsize=8192)
def _common_char(ch: str) -> bool:
    """A frequent Chinese character (GB2312 level 1, 3755 characters), Traditional or Simplified."""
    from .text import to_simplified

    for form in {ch, to_simplified(ch)}:
        try:
            encoded = form.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7:
            return True
    return False


def _is_junk(ch: str, patterns: IngestPatterns) -> bool:
    code = ord(ch)
    if 0xE000 <= code <= 0xF8FF or ch == "?" or patterns.junk.match(ch):
        return True
    if 0x0370 <= code <= 0x04FF or 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF:
        return True  # Greek, Cyrillic, kana, Hangul inside Chinese text are conversion debris
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code > 0xFFFF:
        return not _common_char(ch)
    return False


def _expand_junk(text: str, start: int, end: int, patterns: IngestPatterns) -> tuple[int, int]:
    """Widen a mojibake site over the debris around it.

    Debris is junk characters (``_is_junk``) plus up to three ordinary characters caught between
    junk that is not a question mark (``头\ue47c慕\ue369`` goes as a whole; ``?四`` keeps the 四).
    """

    def strong(ch: str) -> bool:
        return ch != "?" and _is_junk(ch, patterns)

    while start > 0:
        if _is_junk(text[start - 1], patterns):
            start -= 1
            continue
        bridge = next(
            (
                k
                for k in (1, 2, 3)
                if start - k - 1 >= 0
                and strong(text[start - k - 1])
                and not _SENTENCE.search(text[start - k : start])
            ),
            None,
        )
        if bridge is None:
            break
        start -= bridge + 1
    while end < len(text):
        if _is_junk(text[end], patterns):
            end += 1
            continue
        bridge = next(
            (
                k
                for k in (1, 2, 3)
                if end + k < len(text) and strong(text[end + k]) and not _SENTENCE.search(text[end : end + k])
            ),
            None,
        )
        if bridge is None:
            break
        end += bridge + 1
    return start, end


def remove_pinyin(text: str, patterns: IngestPatterns | None = None) -> str:
    """Remove inline pinyin annotations and their mojibake forms.

    ``培訓(xùn)`` → ``培訓``; ``賠償?shù)?很多`` → ``賠償很多``; private-use characters
    (U+E000–U+F8FF) and runs of ``??`` that replaced characters go too, with the rare characters
    and stray symbols stuck to them. Parentheses that are not pinyin, such as ``(正确)`` or ``(1)``,
    and ``????`` used as punctuation stay.

    A short bracketed note that is a pronunciation goes wherever it stands: tone-marked letters
    (``(xìn rèn)``), numbered pinyin (``(bao3 zhang4)``) or anything holding U+FFFD, the mark of a
    character lost in decoding (``质(zh��)量`` → ``质量``, ``【hu��】``).

    Args:
        text: one line of text (Traditional or Simplified).
        patterns: the ingest patterns (default: the shipped file).

    Returns:
        The text without the annotations.
    """
    patterns = patterns or load_patterns()
    # (after a stray letter or "?" it is the mojibake handled below: F(xiàn) / ?shù)
    text = patterns.annotation.sub(
        lambda m: (
            ""
            if patterns.annotation_content.search(m.group("body"))
            and not re.match(r"[A-Za-z?]", text[m.start() - 1 : m.start()])
            else m.group(0)
        ),
        text,
    )
    text = patterns.pinyin.sub("", text)
    # letters glued to U+FFFD after a Chinese character are a pronunciation without its brackets
    text = re.sub(rf"(?<={_CJK})[A-Za-z{TONE_LETTERS}]*\ufffd[\ufffdA-Za-z{TONE_LETTERS}]*", "", text)
    spans = [m.span() for m in patterns.mojibake.finditer(text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"[\ue000-\uf8ff]+", text)]
    # "?!" glued to the next character is where a full stop was mis-decoded and the text after it garbled
    spans += [m.span() for m in re.finditer(r"\?!(?=[\u3400-\u9fff])", text)]
    for m in re.finditer(r"\?{2,}", text):
        window = text[m.end() : m.end() + 3] + text[max(0, m.start() - 1) : m.start()]
        if any(_is_junk(ch, patterns) and ch != "?" for ch in window):
            spans.append(m.span())
    # debris without a marker: three junk characters in a row, or a stray symbol next to a rare one
    junk = [_is_junk(ch, patterns) and ch != "?" for ch in text]
    run = 0
    for i, flag in enumerate(junk + [False]):
        if flag:
            run += 1
            continue
        if run >= 3:
            spans.append((i - run, i))
        run = 0
    for m in patterns.junk.finditer(text):
        i = m.start()
        if (i > 0 and junk[i - 1] and text[i - 1] != m.group(0)) or (
            i + 1 < len(text) and junk[i + 1] and text[i + 1] != m.group(0)
        ):
            spans.append((i, i + 1))
    if not spans:
        return text
    spans = sorted(_expand_junk(text, s, e, patterns) for s, e in spans)
    out, last = [], 0
    for start, end in spans:
        if start < last:
            start = last
        out.append(text[last:start])
        last = max(last, end)
    out.append(text[last:])
    return "".join(out)


_PUNCT = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！"})


def _fullwidth_punctuation(text: str) -> str:
    # ASCII punctuation next to Chinese characters becomes full-width (so numbering and titles split
    # the same way whatever the source used); "1,000" and English text keep theirs.
    return re.sub(rf"(?<={_CJK})[,:;?!]|[,:;?!](?={_CJK})", lambda m: m.group(0).translate(_PUNCT), text)


def clean_line(text: str, patterns: IngestPatterns | None = None) -> str:
    """One line made clean: no pinyin or mojibake, Simplified, no inline boilerplate, spaces squeezed."""
    patterns = patterns or load_patterns()
    return _remove_inline(_clean_characters(text, patterns), patterns)


def _clean_characters(text: str, patterns: IngestPatterns) -> str:
    """No pinyin, mojibake or U+FFFD; Simplified; full-width punctuation; spaces squeezed."""
    from .text import clean, to_simplified, valid_text

    text = unicodedata.normalize("NFC", valid_text(text))  # a lone surrogate would stop OpenCC
    text = remove_pinyin(text, patterns)
    text = re.sub(r"[\ue000-\uf8ff]", "", text)
    text = patterns.foreign.sub("", text)
    text = to_simplified(text)
    text = _fullwidth_punctuation(text)
    # no U+FFFD is left in anything ingestion writes (a lone surrogate has become one too)
    return clean(text).replace("\ufffd", "")


def _remove_inline(text: str, patterns: IngestPatterns) -> str:
    from .text import clean

    for regex in patterns.inline:
        text = regex.sub("", text)
    text = re.sub(r"([。！？；…])\s*[,，]+", r"\1", text)  # "工作态度。," from comma-joined slides
    return clean(text).strip(" ,，、")


# ----------------------------------------------------------------------------- API


def ingest_file(
    path: str | Path, taxonomy: Taxonomy | None = None, patterns: IngestPatterns | None = None
) -> IngestResult:
    """Read, clean and section one document (nothing is written).

    Args:
        path: the document.
        taxonomy: the corpus taxonomy (scenario ids for the title→scenario map, buyer-type names).
        patterns: the ingest patterns (default: the shipped file).

    Returns:
        The result; its ``error`` is set (one line, naming the file) when the file cannot be used.
    """
    path = Path(path)
    patterns = patterns or load_patterns()
    try:
        document = read_source(path, patterns)
    except FileFormatError as exc:
        return IngestResult(str(path), error=str(exc))
    lines = []
    for number, text in document.lines:
        characters = _clean_characters(text, patterns)
        lines.append((number, characters, _remove_inline(characters, patterns)))
    # furniture is judged before inline removals, while a web address still shows in its line
    kept, skipped = drop_furniture(lines, patterns, document.dropped)
    links = [dataclasses.replace(s, text=clean_line(s.text, patterns)) for s in document.dropped]
    skipped = sorted([*links, *skipped], key=lambda s: s.line)
    if not any(text.strip() for _, text in document.lines) and not document.dropped:
        return IngestResult(str(path), error=f"{path}: empty file, nothing to ingest")
    if not kept:
        return IngestResult(
            str(path), skipped=tuple(skipped), error=f"{path}: no text left after removing boilerplate"
        )
    title, sections = sections_from_lines(kept, path.stem, path.name, patterns, taxonomy)
    if not sections:
        return IngestResult(str(path), skipped=tuple(skipped), error=f"{path}: no sections found")
    return IngestResult(str(path), title=title, sections=tuple(sections), skipped=tuple(skipped))


def ingest_files(
    paths: Iterable[str | Path], out_dir: str | Path, taxonomy: Taxonomy | None = None, *, write: bool = True
) -> list[IngestResult]:
    """Ingest documents and write one guidance file per document, ``out_dir/<stem>.md``.

    A file that cannot be used gets an ``error`` in its result; the others are still processed.

    Args:
        paths: the documents.
        out_dir: where the Markdown files go (created if needed).
        taxonomy: the corpus taxonomy (optional; see ``ingest_file``).
        write: False to section without writing.

    Returns:
        One result per input, in order.
    """
    from .storage import atomic_write_text

    out_dir = Path(out_dir)
    patterns = load_patterns()
    results: list[IngestResult] = []
    used: Counter = Counter()
    for path in paths:
        result = ingest_file(path, taxonomy, patterns)
        if result.ok and write:
            stem = Path(path).stem
            used[stem] += 1
            name = stem if used[stem] == 1 else f"{stem}-{used[stem]}"
            target = out_dir / f"{name}.md"
            if name != stem:  # two inputs with one stem: keep both, with distinct ids
                result = IngestResult(
                    result.path,
                    result.title,
                    tuple(
                        dataclasses.replace(s, id=s.id.replace(id_prefix(stem), id_prefix(name), 1))
                        for s in result.sections
                    ),
                    result.skipped,
                )
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                atomic_write_text(target, result.to_markdown())
            except StoreError as exc:  # the write itself says which file and why, in one line
                result = IngestResult(result.path, error=str(exc))
            except OSError as exc:
                result = IngestResult(result.path, error=f"{target}: cannot write ({exc.strerror or exc})")
            else:
                result = IngestResult(
                    result.path, result.title, result.sections, result.skipped, out=str(target)
                )
        results.append(result)
    return results
