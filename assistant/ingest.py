"""Ingestion of a trainer's own documents (.txt, .md, .html, .docx, .pdf) into guidance Markdown.

Pipeline, per file: read the lines (with their line numbers; a .docx paragraph or a PDF text line
counts as a line) → decode (charset-normalizer for non-UTF-8 text) → remove inline pinyin such as
``培訓(xùn)`` and its mojibake forms (``賠償?shù)?``, private-use characters, runs of ``?``) →
Traditional to Simplified (OpenCC t2s) → drop site boilerplate (navigation, counters, download and
comment widgets, disclaimers, copyright and URL lines) → find headings by their numbering
(``十三、`` ``（一）`` ``1、`` ``①`` ``篇一`` ...) inline or on their own line → split into titled
sections → write ``DIR/<stem>.md`` in the guidance format of ``docs/corpus-format.md``, each section
with ``source: <file>:<line>``.

Which numbering starts a section, what counts as boilerplate and which titles map to which scenarios
live in ``ingest_patterns.toml`` beside this module: data, not code.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import GuidanceSection
from .errors import FileFormatError, UnknownIdError
from .files import compile_pattern, decode_text, read_bytes, read_patterns_toml
from .taxonomy import Taxonomy

logger = logging.getLogger(__name__)

PATTERNS_FILE = Path(__file__).with_name("ingest_patterns.toml")
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")


# ----------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class HeadingKind:
    """A kind of numbering that starts a section (``十三、``, ``（一）``, ``①`` ...)."""

    type: str
    pattern: str
    title: re.Pattern | None = None  # for kinds whose title is part of the match (term-gloss)
    always: bool = False  # always starts a section, whatever its level
    anywhere: bool = False  # needs no boundary (punctuation, line start) before it


@dataclass(frozen=True)
class IngestPatterns:
    """The compiled contents of ``ingest_patterns.toml``."""

    path: str
    sections: dict[str, Any]
    kinds: tuple[HeadingKind, ...]
    marker: re.Pattern  # boundary + any heading kind, with one named group per kind
    title_end: re.Pattern
    speech_before_colon: re.Pattern
    syllable: str
    pinyin: re.Pattern
    mojibake: re.Pattern
    junk: re.Pattern
    foreign: re.Pattern
    decoration: re.Pattern
    lines: tuple[re.Pattern, ...]
    blocks: tuple[tuple[re.Pattern, re.Pattern], ...]
    inline: tuple[re.Pattern, ...]
    scenario_map: tuple[tuple[re.Pattern, tuple[str, ...]], ...]


@functools.lru_cache(maxsize=4)
def load_patterns(path: str | Path = PATTERNS_FILE) -> IngestPatterns:
    """Read and compile an ingest patterns file (default: the one shipped beside this module).

    Raises:
        FileFormatError: the file is not valid TOML or a regex does not compile.
    """
    data = read_patterns_toml(path, "ingest patterns")

    def rx(pattern: str, flags: int = 0) -> re.Pattern:
        return compile_pattern(pattern, path, flags)

    sections = data.get("sections", {})
    kinds = tuple(
        HeadingKind(
            k["type"],
            k["pattern"],
            rx(k["title"]) if k.get("title") else None,
            bool(k.get("always")),
            bool(k.get("anywhere")),
        )
        for k in data.get("heading", [])
    )
    boundary = sections.get("boundary", "(?:^)")
    alternatives = (
        "|".join(
            f"(?P<k{i}>{kind.pattern})" if kind.anywhere else f"{boundary}(?P<k{i}>{kind.pattern})"
            for i, kind in enumerate(kinds)
        )
        or "(?!)"
    )
    cleanup = data.get("cleanup", {})
    syllable = cleanup.get("pinyin_syllable", "[a-z]+")
    tone = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ"
    boiler = data.get("boilerplate", {})
    return IngestPatterns(
        path=str(path),
        sections=dict(sections),
        kinds=kinds,
        marker=rx(alternatives),
        title_end=rx(sections.get("title_end", "[。，,；;！!？?]")),
        speech_before_colon=rx(sections.get("speech_before_colon", "(?!)")),
        syllable=syllable,
        # 培訓(xùn): a syllable (or a few) in parentheses right after a CJK character; either a tone
        # mark or at least two letters, so (a) and (OK) are not taken for pinyin.
        pinyin=rx(
            rf"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]\s*(?=[a-z{tone}]*[{tone}]|[a-zü]{{2}})"
            rf"(?:{syllable})(?:\s+(?:{syllable}))*\s*[)）]"
        ),
        # 賠償?shù)? / 幾樣?xùn)| / F(xiàn)在: a character lost in conversion left "?" or a stray
        # Latin letter before its pinyin
        mojibake=rx(rf"\?+(?:{syllable})[)）]\??|(?<![A-Za-z0-9])[A-Za-z][(（](?:{syllable})[)）]"),
        junk=rx(cleanup.get("mojibake_junk", r"[|}{]")),
        foreign=rx(cleanup.get("foreign", "(?!)")),
        decoration=rx(cleanup.get("decoration", r"^\s*$")),
        lines=tuple(rx(p, re.IGNORECASE) for p in boiler.get("lines", [])),
        blocks=tuple((rx(b["start"]), rx(b["item"])) for b in boiler.get("blocks", [])),
        inline=tuple(rx(p, re.IGNORECASE) for p in boiler.get("inline", {}).get("patterns", [])),
        scenario_map=tuple((rx(m["pattern"]), tuple(m["scenarios"])) for m in data.get("scenario_map", [])),
    )


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class SkippedLine:
    """Content that was dropped, and why (``boilerplate``, ``duplicate``, ``decoration``)."""

    line: int
    text: str
    reason: str

    def to_dict(self) -> dict:
        return {"line": self.line, "text": self.text, "reason": self.reason}


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


# ----------------------------------------------------------------------------- reading


def read_document(path: str | Path) -> list[tuple[int, str]]:
    """The lines of a document with their line numbers.

    A ``.docx`` paragraph (or table row) counts as a line, as does a line of PDF text; HTML lines are
    the source lines of its block elements. Headings of .docx (``Heading N`` styles) and HTML
    (``<hN>``) come back as Markdown headings (``## title``).

    Args:
        path: the document (.txt, .md, .html/.htm, .docx, .pdf; other names are read as text).

    Returns:
        ``[(line_number, text), ...]`` in document order.

    Raises:
        FileFormatError: the file is missing, unreadable, binary, or a broken .docx/.pdf.
    """
    path = Path(path)
    raw = read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    text = decode_text(raw, path)
    if suffix in (".html", ".htm") or (suffix not in (".txt", ".md", ".markdown") and _looks_like_html(text)):
        return _read_html(text)
    return list(enumerate(text.split("\n"), start=1))


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head


_HTML_DROP = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "textarea",
    "input",
    "template",
)
_HTML_BLOCKS = (
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "pre",
    "blockquote",
    "td",
    "th",
    "dt",
    "dd",
    "div",
    "section",
    "article",
    "main",
    "body",
    "tr",
    "caption",
    "figcaption",
    "title",
)
_HTML_FURNITURE = re.compile(
    r"nav|breadcrumb|crumb|footer|header|sidebar|comment|share|copyright|download|advert|banner|menu", re.I
)


def _read_html(text: str) -> list[tuple[int, str]]:
    from bs4 import BeautifulSoup, Comment, NavigableString

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        marks = " ".join([*(tag.get("class") or []), str(tag.get("id") or ""), str(tag.get("role") or "")])
        if (
            marks.strip()
            and _HTML_FURNITURE.search(marks)
            and tag.name not in ("body", "html", "main", "article")
        ):
            tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    lines: list[tuple[int, str]] = []
    current: Any = None
    buffer: list[str] = []

    def flush() -> None:
        if current is None:
            return
        joined = "".join(buffer)
        prefix = "#" * int(current.name[1]) + " " if re.fullmatch(r"h[1-6]", current.name or "") else ""
        if current.name in ("li", "dd"):
            prefix = "- "  # list items stay text, never headings
        line = getattr(current, "sourceline", None) or (lines[-1][0] if lines else 1)
        for i, part in enumerate(joined.split("\n")):
            if part.strip():
                lines.append((line + i, prefix + re.sub(r"\s+", " ", part).strip()))

    for node in soup.descendants:
        if (
            not isinstance(node, NavigableString)
            or isinstance(node, Comment)
            or type(node).__name__ in ("Doctype", "Declaration", "ProcessingInstruction", "CData")
        ):
            continue
        block = node.find_parent(_HTML_BLOCKS)
        if block is not None and block.name == "title":
            continue
        if block is not current:
            flush()
            current, buffer = block, []
        buffer.append(str(node))
    flush()
    return lines


def _read_docx(path: Path) -> list[tuple[int, str]]:
    import zipfile

    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileFormatError(f"{path}: not a readable .docx file ({exc.__class__.__name__})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise FileFormatError(f"{path}: not a readable .docx file ({exc.__class__.__name__})") from None
    lines: list[tuple[int, str]] = []
    number = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = re.search(r"(?:heading|标题)\s*(\d)", style, re.I)
            if text and (level or style.lower() == "title"):
                text = "#" * (int(level.group(1)) + 1 if level else 1) + " " + text
            lines.append((number, text))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                number += 1
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                lines.append((number, " | ".join(cells)))
    return lines


def _read_pdf(path: Path) -> list[tuple[int, str]]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair warnings are not for trainers
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise FileFormatError(f"{path}: the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileFormatError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise FileFormatError(f"{path}: not a readable PDF ({exc.__class__.__name__})") from None
    text = "\n".join(pages)
    return list(enumerate(text.split("\n"), start=1))


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

    Args:
        text: one line of text (Traditional or Simplified).
        patterns: the ingest patterns (default: the shipped file).

    Returns:
        The text without the annotations.
    """
    patterns = patterns or load_patterns()
    text = patterns.pinyin.sub("", text)
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
_CJK = r"[\u3400-\u9fff]"


def _fullwidth_punctuation(text: str) -> str:
    # ASCII punctuation next to Chinese characters becomes full-width (so numbering and titles split
    # the same way whatever the source used); "1,000" and English text keep theirs.
    return re.sub(rf"(?<={_CJK})[,:;?!]|[,:;?!](?={_CJK})", lambda m: m.group(0).translate(_PUNCT), text)


def clean_line(text: str, patterns: IngestPatterns | None = None) -> str:
    """One line made clean: no pinyin or mojibake, Simplified, no inline boilerplate, spaces squeezed."""
    from .text import clean, to_simplified

    patterns = patterns or load_patterns()
    text = unicodedata.normalize("NFC", text)
    text = remove_pinyin(text, patterns)
    text = re.sub(r"[\ue000-\uf8ff]", "", text)
    text = patterns.foreign.sub("", text)
    text = to_simplified(text)
    text = _fullwidth_punctuation(text)
    for regex in patterns.inline:
        text = regex.sub("", text)
    text = re.sub(r"([。！？；…])\s*[,，]+", r"\1", text)  # "工作态度。," from comma-joined slides
    return clean(text).strip(" ,，、")


def _drop_boilerplate(
    lines: list[tuple[int, str]], patterns: IngestPatterns
) -> tuple[list[tuple[int, str]], list[SkippedLine]]:
    kept: list[tuple[int, str]] = []
    skipped: list[SkippedLine] = []
    block_item: re.Pattern | None = None
    previous = None
    for number, text in lines:
        if not text.strip():
            continue
        if block_item is not None:
            if block_item.search(text):
                skipped.append(SkippedLine(number, text, "boilerplate"))
                continue
            block_item = None
        block = next((item for start, item in patterns.blocks if start.search(text)), None)
        if block is not None:
            block_item = block
            skipped.append(SkippedLine(number, text, "boilerplate"))
            continue
        if any(regex.search(text) for regex in patterns.lines):
            skipped.append(SkippedLine(number, text, "boilerplate"))
            continue
        if patterns.decoration.match(text) or not re.search(r"[\w]", text):
            skipped.append(SkippedLine(number, text, "decoration"))
            continue
        if text == previous:
            skipped.append(SkippedLine(number, text, "duplicate"))
            continue
        previous = text
        kept.append((number, text))
    return kept, skipped


# ----------------------------------------------------------------------------- sectioning


@dataclass
class _Unit:
    line: int
    text: str  # body text
    kind: str | None = None  # heading kind (None for plain text)
    title: str = ""
    label: str = ""  # the heading as written (numbering + title), for inline rendering
    standalone: bool = False  # the heading is alone on its line (its text follows on other lines)


@dataclass
class _Node:
    line: int
    title: str
    kind: str | None
    level: int
    label: str = ""
    body: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    standalone: bool = False

    def size(self) -> int:
        return len(self.label) + sum(len(b) for b in self.body) + sum(c.size() for c in self.children)

    def flat_text(self) -> str:
        parts = [*self.body]
        for child in self.children:
            parts.append("\n".join(p for p in (child.label, child.flat_text()) if p))
        return "\n".join(p for p in parts if p)


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE = re.compile(r"[。，,；;！!？?]")


_TITLE_EDGE = " .。，,、；;：:-—·•"


def _title_of(text: str, patterns: IngestPatterns) -> tuple[str, str]:
    """Split the text after a numbering marker into (title, rest)."""
    limit = int(patterns.sections.get("max_title_chars", 30))
    text = text.lstrip(" .．、")
    if not text or _SENTENCE.match(text):
        return "", text  # "方案(1)。" is a reference, not a heading
    end = None
    for m in re.finditer(r"[：:]|" + patterns.title_end.pattern, text):
        if m.group(0) in ("：", ":") and (
            m.start() == 0 or patterns.speech_before_colon.search(text[: m.start()])
        ):
            continue
        words = re.sub(r"^.*?(?:说|讲|问|答|道)[：:]", "", text[: m.start()])
        if len(re.sub(r"\W", "", words)) < 3 and m.start() < limit:
            continue  # 顾客讲：不，我不要…… : one word is not a title yet
        end = m
        break
    if end is None or end.start() > limit:
        if len(text) <= limit:
            return text.strip(), ""
        return text[:limit].strip() + "…", text[limit:].strip()
    title = text[: end.start()].strip()
    if end.group(0) in ("？", "?", "！", "!"):
        title += end.group(0)
    return title.strip(_TITLE_EDGE), text[end.end() :].strip()


def _append(units: list[_Unit], number: int, text: str) -> None:
    text = text.strip()
    if not text:
        return
    if units:
        units[-1].text = "\n".join(p for p in (units[-1].text, text) if p)
    else:
        units.append(_Unit(number, text))


def _split_line(number: int, text: str, patterns: IngestPatterns, line_based: bool) -> list[_Unit]:
    md = _MD_HEADING.match(text)
    if md:
        title = md.group(2).strip()
        numbered = patterns.marker.match(title)
        if numbered and title[numbered.end() :].strip():
            title = title[numbered.end() :].strip()  # "## 一、退换货" → "退换货"
        return [_Unit(number, "", f"md{len(md.group(1))}", title, md.group(2).strip(), True)]
    matches = []
    for m in patterns.marker.finditer(text):
        kind = patterns.kinds[next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)]
        if kind.title is not None:
            t = kind.title.match(text, m.end())
            if t:
                matches.append((m.start(), t.end(), kind, t.group(0)))
        else:
            matches.append((m.start(), m.end(), kind, None))
    units: list[_Unit] = []
    cursor = 0
    for i, (start, end, kind, fixed_title) in enumerate(matches):
        if start < cursor:
            continue
        next_start = matches[i + 1][0] if i + 1 < len(matches) else len(text)
        segment = text[end:next_start]
        if fixed_title is not None:
            title, rest = fixed_title, segment.strip()
        elif not segment.strip() and next_start == len(text) and i == 0:
            # numbering at the end of a line ("天猫客服工作职责 篇一"): the whole line is the title
            whole = text.strip()
            return [_Unit(number, "", kind.type, whole, whole, True)]
        else:
            title, rest = _title_of(segment.strip(), patterns)
        if not title:
            continue  # a bare number with no words after it is not a heading
        _append(units, number, text[cursor:start])
        label = (text[start:end] + (title if fixed_title is None else "")).strip()
        units.append(_Unit(number, rest, kind.type, title, label))
        cursor = next_start
    _append(units, number, text[cursor:])
    if len(units) == 1 and units[0].kind is not None and not units[0].text:
        units[0].standalone = True
    if (
        line_based
        and len(units) == 1
        and units[0].kind is None
        and _is_plain_heading(units[0].text, patterns)
    ):
        title = units[0].text.rstrip("：:").strip()
        return [_Unit(number, "", "plain", title, units[0].text, True)]
    return units


def _is_plain_heading(text: str, patterns: IngestPatterns) -> bool:
    limit = int(patterns.sections.get("plain_heading_max_chars", 24))
    body = text.rstrip("：:").strip()
    return (
        0 < len(body) <= limit
        and len(re.findall(_CJK, body)) >= 2
        and re.match(_CJK + r"|[A-Za-z《“\"]", body) is not None
        and not _SENTENCE.search(body)
        and not re.search(r"[“”\"|]", body)
    )


def _outline(units: list[_Unit]) -> _Node:
    rank: dict[str, int] = {}
    for unit in units:
        if unit.kind is not None and unit.kind not in rank:
            rank[unit.kind] = len(rank)
    # Markdown/.docx/HTML headings say their level themselves; keep them in order of depth.
    md = sorted((k for k in rank if k.startswith("md")), key=lambda k: int(k[2:]))
    if md:
        others = [k for k in sorted(rank, key=rank.get) if not k.startswith("md")]
        rank = {k: i for i, k in enumerate([*md, *others])}
    root = _Node(line=units[0].line if units else 1, title="", kind=None, level=-1)
    stack = [root]
    for unit in units:
        if unit.kind is None:
            stack[-1].body.append(unit.text)
            continue
        level = rank[unit.kind]
        while stack[-1].level >= level:
            stack.pop()
        body = [unit.text] if unit.text else []
        node = _Node(unit.line, unit.title, unit.kind, level, unit.label, body, [], unit.standalone)
        stack[-1].children.append(node)
        stack.append(node)
    return root


@dataclass
class _Draft:
    line: int
    title: str
    label: str
    parts: list[str]
    leaf: bool = True  # no sub-sections were split out of it
    standalone: bool = False  # its heading had a line of its own


def _flatten(
    node: _Node, display: str, patterns: IngestPatterns, always_kinds: set[str], out: list[_Draft]
) -> None:
    always_levels = int(patterns.sections.get("always_split_levels", 2))
    max_chars = int(patterns.sections.get("max_section_chars", 600))
    own = _Draft(node.line, display, node.label, [*node.body], standalone=node.standalone)
    out.append(own)
    target = own
    big = node.size() > max_chars
    for child in node.children:
        always = child.level < always_levels or child.kind in always_kinds
        if always or big:
            own.leaf = False
            title = child.title
            if not always and node.title:
                # split only because the parent is long: the parent's title gives the context
                combined = f"{node.title}：{child.title}"
                title = combined if len(combined) <= 40 else child.title
            before = len(out)
            _flatten(child, title, patterns, always_kinds, out)
            target = out[before]
        else:
            target.parts.append("\n".join(p for p in (child.label, child.flat_text()) if p))


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-.").lower()
    if not re.search(r"[a-z0-9]", slug):
        slug = f"doc-{zlib.crc32(text.encode('utf-8')):08x}"
    return slug[:48]


def _scenarios_for(title: str, patterns: IngestPatterns, taxonomy: Taxonomy | None) -> tuple[str, ...]:
    found: list[str] = []
    for regex, ids in patterns.scenario_map:
        if regex.search(title):
            found.extend(i for i in ids if i not in found)
    if taxonomy is not None:
        for sid in found:
            if sid not in taxonomy.scenario_ids:
                from .taxonomy import did_you_mean

                raise UnknownIdError(
                    f"{patterns.path}: unknown scenario {sid!r}{did_you_mean(sid, taxonomy.scenario_ids)} in [[scenario_map]]"
                )
    return tuple(found) or ("all",)


def _buyer_types_for(title: str, taxonomy: Taxonomy | None) -> tuple[str, ...]:
    if taxonomy is None:
        return ()
    folded = title.upper()
    return tuple(b.id for b in taxonomy.buyer_types if b.zh and b.zh.upper() in folded)


def _escape_body(text: str) -> str:
    # A body line starting with '#' would read as a heading; a '{#' in a title would end it.
    return "\n".join("\\" + line if line.startswith("#") else line for line in text.split("\n"))


def sections_from_lines(
    lines: list[tuple[int, str]],
    stem: str,
    source_name: str,
    patterns: IngestPatterns | None = None,
    taxonomy: Taxonomy | None = None,
) -> tuple[str, list[GuidanceSection]]:
    """Split cleaned lines into titled sections.

    Args:
        lines: ``(line_number, text)`` after cleaning and boilerplate removal.
        stem: the id prefix (the file stem).
        source_name: the file name recorded in ``source``.
        patterns: the ingest patterns (default: the shipped file).
        taxonomy: scenario and buyer-type ids (for the scenario map and buyer-type names); optional.

    Returns:
        ``(document title, sections)``.
    """
    patterns = patterns or load_patterns()
    line_based = len(lines) > 20 or (len(lines) > 3 and max((len(t) for _, t in lines), default=0) < 2000)
    units: list[_Unit] = []
    for number, text in lines:
        units.extend(_split_line(number, text, patterns, line_based))
    # The document's title: a first line that reads as a heading, or the first words of the text.
    doc_title = stem
    if units and units[0].kind is not None and units[0].standalone and len(units) > 1:
        doc_title = units.pop(0).title
    elif units and units[0].kind is None and units[0].text:
        title, rest = _title_of(units[0].text.split("\n")[0], patterns)
        doc_title = title or stem
        if not rest and "\n" not in units[0].text and len(units) > 1:
            units.pop(0)  # a short first line is the title, not advice
    root = _outline(units)
    always_kinds = {k.type for k in patterns.kinds if k.always}
    drafts: list[_Draft] = []
    _flatten(root, doc_title, patterns, always_kinds, drafts)

    min_chars = int(patterns.sections.get("min_section_chars", 20))
    kept: list[_Draft] = []
    for draft in drafts:
        text = "\n".join(p for p in draft.parts if p).strip()
        if not text and not draft.leaf:
            continue  # a heading whose content all went into its sub-sections
        if len(re.sub(r"\W", "", text)) < min_chars and kept and not (draft.standalone and text):
            # a one-line list item: keep it, with its numbering, in the section before it
            kept[-1].parts.append(" ".join(p for p in (draft.label, text) if p))
            continue
        if not text:
            continue  # a lone heading at the very start with nothing under it
        kept.append(_Draft(draft.line, draft.title, draft.label, [text]))
    sections: list[GuidanceSection] = []
    prefix = _slug(stem)
    for n, draft in enumerate(kept, start=1):
        text = "\n".join(p for p in draft.parts if p).strip()
        title = (
            re.sub(r"\s+", " ", (draft.title or doc_title).replace("{#", "{")).strip(_TITLE_EDGE)
            or f"第{n}节"
        )
        sections.append(
            GuidanceSection(
                id=f"{prefix}-{n:03d}",
                title=title,
                text=_escape_body(text),
                scenarios=_scenarios_for(title, patterns, taxonomy),
                buyer_types=_buyer_types_for(title, taxonomy),
                source=f"{source_name}:{draft.line}",
            )
        )
    return doc_title, sections


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
        raw_lines = read_document(path)
    except FileFormatError as exc:
        return IngestResult(str(path), error=str(exc))
    cleaned = [(number, clean_line(text, patterns)) for number, text in raw_lines]
    kept, skipped = _drop_boilerplate(cleaned, patterns)
    if not any(text.strip() for _, text in raw_lines):
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
                        dataclasses.replace(s, id=s.id.replace(_slug(stem), _slug(name), 1))
                        for s in result.sections
                    ),
                    result.skipped,
                )
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                atomic_write_text(target, result.to_markdown())
            except OSError as exc:
                result = IngestResult(result.path, error=f"{target}: cannot write ({exc.strerror or exc})")
            else:
                result = IngestResult(
                    result.path, result.title, result.sections, result.skipped, out=str(target)
                )
        results.append(result)
    return results
