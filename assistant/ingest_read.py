"""Reading a trainer's document into numbered lines: text in any encoding, Markdown, HTML, .docx, .pdf.

Headings the markup states come back as Markdown headings (``## title``: ``<h2>``, a .docx
``Heading 1`` style) and a line that is emphasised as a whole as ``**title**`` (a bold paragraph,
``<strong>`` alone on a line, a .docx paragraph whose runs are all bold); whether those are section
titles is decided later, from the text (``ingest_structure``). Lines that are (almost) all link text
are dropped here, where the markup still shows them: navigation bars, related-article lists,
print/close links.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FileFormatError
from .files import decode_text, read_bytes
from .ingest_patterns import IngestPatterns, SkippedLine, load_patterns

LINKS = "furniture: links"  # the reason recorded for a dropped line of links

_WORD = re.compile(r"\w")
_SENTENCE = re.compile(r"[。，,；;！!？?]")


@dataclass(frozen=True)
class SourceDocument:
    """A document's lines (``(line number, text)``) and the lines its markup showed to be links."""

    lines: tuple[tuple[int, str], ...]
    dropped: tuple[SkippedLine, ...] = ()


def read_document(path: str | Path) -> list[tuple[int, str]]:
    """The lines of a document with their line numbers (see ``read_source``; link lines left out)."""
    return list(read_source(path).lines)


def read_source(path: str | Path, patterns: IngestPatterns | None = None) -> SourceDocument:
    """Read a document as numbered lines.

    A ``.docx`` paragraph (or table row) counts as a line, as does a line of PDF text; HTML lines are
    the source lines of its block elements.

    Args:
        path: the document (.txt, .md, .html/.htm, .docx, .pdf; other names are read as text).
        patterns: the ingest patterns (default: the shipped file), for the link-line thresholds.

    Returns:
        The lines in document order, and the link lines that were dropped.

    Raises:
        FileFormatError: the file is missing, unreadable, binary, or a broken .docx/.pdf.
    """
    path = Path(path)
    patterns = patterns or load_patterns()
    raw = read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return SourceDocument(tuple(_read_docx(path)))
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix in (".html", ".htm"):
        return _read_html(_decode_html(raw, path), patterns)
    text = decode_text(raw, path)
    if suffix in (".md", ".markdown"):
        return _read_markdown(text, patterns)
    if suffix not in (".txt",) and _looks_like_html(text):
        return _read_html(text, patterns)
    return SourceDocument(tuple(enumerate(text.split("\n"), start=1)))


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head


def _decode_html(raw: bytes, path: Path) -> str:
    """HTML text, trusting the page's own ``charset`` when it is not UTF-8 (a guess on a short
    GB2312 page can go wrong; the declaration cannot)."""
    if not raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", raw[:4096], re.I)
            if declared:
                name = declared.group(1).decode("ascii").lower()
                # GB2312 and GBK pages are written by tools that emit their superset, GB18030
                name = "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name
                try:
                    return raw.decode(name).replace("\r\n", "\n").replace("\r", "\n")
                except (LookupError, UnicodeDecodeError):
                    pass
    return decode_text(raw, path)


# ----------------------------------------------------------------------------- link lines


@dataclass
class _Line:
    number: int
    text: str
    words: int = 0  # word characters
    link_words: int = 0  # of those, inside a link
    bold_words: int = 0  # of those, emphasised
    prefix: str = ""  # "## " for a heading, "- " for a list item
    furniture: str = ""  # why the markup shows it is furniture, if it does
    term: bool = False  # an HTML <dt>: the question of an FAQ, the term of a glossary


def _render(lines: list[_Line], patterns: IngestPatterns) -> SourceDocument:
    """Emphasised lines as ``**text**``; link lines dropped, with the short line that heads a run of them."""
    share = patterns.furniture.number("link_share", 0.7)
    header_max = int(patterns.furniture.number("link_header_max_chars", 12))
    links = [
        line.link_words > 0 and line.link_words >= share * (line.words - _label_words(line.text))
        for line in lines
    ]
    dropped: set[int] = {i for i, is_link in enumerate(links) if is_link}
    i = 0
    while i < len(lines):
        if not links[i]:
            i += 1
            continue
        j = i
        while j < len(lines) and links[j]:
            j += 1
        if j - i >= 2 and i > 0 and not links[i - 1]:
            head = lines[i - 1]
            if head.words <= header_max and not _SENTENCE.search(head.text.rstrip("：:")):
                dropped.add(i - 1)  # 相关文章 / 热门推荐 / 喜欢此内容的人还喜欢 over its links
        i = j
    kept: list[tuple[int, str]] = []
    skipped: list[SkippedLine] = []
    for i, line in enumerate(lines):
        text = line.prefix + line.text
        if line.furniture:
            skipped.append(SkippedLine(line.number, text, line.furniture))
        elif i in dropped:
            skipped.append(SkippedLine(line.number, text, LINKS))
        elif not line.prefix and line.words and (line.bold_words >= line.words or line.term):
            kept.append((line.number, f"**{line.text}**"))  # (whether it is a title is decided later)
        else:
            kept.append((line.number, text))
    return SourceDocument(tuple(kept), tuple(skipped))


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _label_words(text: str) -> int:
    """The words of a leading label (标签：, 上一篇：), which is not link text even on a line of links."""
    label = re.match(r"([^\s：:]{1,6})[：:]", text)
    return _words(label.group(1)) if label else 0


# ----------------------------------------------------------------------------- Markdown

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_BOLD = re.compile(r"^(?:__|\*\*)(.+?)(?:__|\*\*)\s*$")


def _read_markdown(text: str, patterns: IngestPatterns) -> SourceDocument:
    lines: list[_Line] = []
    rows = text.split("\n")
    front = _front_matter(rows)
    rows = rows[:front] + _setext_headings(rows[front:])
    for number, raw in enumerate(rows, start=1):
        if number <= front:  # a blog's front matter: title:, date:, tags:
            lines.append(_Line(number, raw, furniture="furniture: front matter"))
            continue
        raw = re.sub(r"^\s*>\s?", "", raw)  # a quoted line reads as its text
        link_words = sum(_words(m.group(1)) for m in _MD_LINK.finditer(raw) if not m.group(0).startswith("!"))
        plain = _MD_LINK.sub(lambda m: "" if m.group(0).startswith("!") else m.group(1), raw)
        bold = _MD_BOLD.match(plain.strip())
        if bold:
            plain = bold.group(1)
        line = _Line(number, plain, _words(plain), link_words)
        line.bold_words = line.words if bold else 0
        lines.append(line)
    return _render(lines, patterns)


def _setext_headings(rows: list[str]) -> list[str]:
    """``标题`` over ``====`` is ``# 标题``, over ``----`` ``## 标题`` (the underline becomes blank)."""
    rows = list(rows)
    for i in range(1, len(rows)):
        underline = re.fullmatch(r"\s{0,3}(=+|-+)\s*", rows[i])
        above = rows[i - 1].strip()
        if underline and above and not re.match(r"[-*+>#]|\d+[.)]\s", above) and _words(above):
            rows[i - 1] = ("# " if underline.group(1)[0] == "=" else "## ") + above
            rows[i] = ""
    return rows


def _front_matter(rows: list[str]) -> int:
    """The number of lines of a YAML front matter block (``---`` … ``---`` at the very top), or 0."""
    if not rows or rows[0].strip() != "---":
        return 0
    end = next((i for i in range(1, min(len(rows), 40)) if rows[i].strip() in ("---", "...")), None)
    return end + 1 if end is not None else 0


# ----------------------------------------------------------------------------- HTML

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
    "figcaption",  # the caption of a picture that ingestion cannot keep
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
# class/id/role words that name furniture in any site's markup
_HTML_FURNITURE = re.compile(
    r"nav|breadcrumb|crumb|footer|header|sidebar|comment|share|copyright|download|advert|banner|menu", re.I
)
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)


def _read_html(text: str, patterns: IngestPatterns) -> SourceDocument:
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
    # a heading's action links (编辑, 顶部) are not its words, when it has words of its own
    for heading in soup.find_all(("h1", "h2", "h3", "h4", "h5", "h6")):
        links = heading.find_all("a")
        if links and _words(heading.get_text()) > sum(_words(a.get_text()) for a in links):
            for a in links:
                a.decompose()
    # a table row is one line, its cells joined as in a .docx (a lone cell is not a heading); the
    # rows of a data table (two rows of two cells or more) are written as Markdown rows, | a | b |,
    # which no furniture rule takes for a navigation bar
    for table in soup.find_all("table"):
        rows = [row.find_all(("td", "th"), recursive=False) for row in table.find_all("tr")]
        data = sum(1 for cells in rows if len(cells) >= 2) >= 2
        for cells in rows:
            for cell in cells[:-1]:
                cell.append(" | ")
            if data and len(cells) >= 2:
                cells[0].insert(0, "| ")
                cells[-1].append(" |")
    lines: list[_Line] = []
    current: Any = None
    buffer: list[tuple[str, bool, bool]] = []  # (text, inside a link, emphasised)

    def flush() -> None:
        if current is None:
            return
        prefix = "#" * int(current.name[1]) + " " if re.fullmatch(r"h[1-6]", current.name or "") else ""
        if current.name == "li":
            prefix = "- "  # list items stay text, never headings
        number = getattr(current, "sourceline", None) or (lines[-1].number if lines else 1)
        offset = 0
        parts: list[_Line] = [_Line(number, "")]
        for chunk, link, bold in buffer:
            for k, piece in enumerate(chunk.split("\n")):
                if k:
                    offset += 1
                    parts.append(_Line(number + offset, ""))
                part = parts[-1]
                part.text += piece
                words = _words(piece)
                part.words += words
                part.link_words += words if link else 0
                part.bold_words += words if bold else 0
        for part in parts:
            part.text = re.sub(r"\s+", " ", part.text).strip()
            if part.text:
                part.prefix = prefix
                part.term = current.name == "dt"
                lines.append(part)

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
        link = node.find_parent("a") is not None
        bold = any(
            parent.name in ("strong", "b") or _BOLD_STYLE.search(str(parent.get("style") or ""))
            for parent in _parents_within(node, block)
        )
        buffer.append((str(node), link, bold))
    flush()
    return _render(lines, patterns)


def _parents_within(node: Any, block: Any) -> list[Any]:
    """The elements from ``node`` up to and including its block."""
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        if parent is block:
            break
        parent = parent.parent
    return found


# ----------------------------------------------------------------------------- .docx, .pdf


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
            elif text and _all_bold(paragraph):
                text = f"**{text}**"
            lines.append((number, text))
        elif tag == "tbl":
            rows = []
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                rows.append(cells)
            data = sum(1 for cells in rows if len(cells) >= 2) >= 2  # a data table: rows as | a | b |
            for cells in rows:
                number += 1
                joined = " | ".join(cells)
                lines.append((number, f"| {joined} |" if data and len(cells) >= 2 else joined))
    return lines


def _all_bold(paragraph: Any) -> bool:
    """Every run with text is bold (set on the run, or inherited from the paragraph's style)."""
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold or (run.bold is None and style_bold) for run in runs)


def _read_pdf(path: Path) -> SourceDocument:
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
    numbered, dropped = [], []
    page_lines = [[line for line in page.split("\n")] for page in pages]
    running = _running_lines(page_lines)
    number = 0
    for p, lines in enumerate(page_lines):
        for i, line in enumerate(lines):
            number += 1
            if (p, i) in running:
                dropped.append(SkippedLine(number, line.strip(), "furniture: running header"))
            else:
                numbered.append((number, line))
    return SourceDocument(tuple(numbered), tuple(dropped))


def _running_lines(pages: list[list[str]]) -> set[tuple[int, int]]:
    """(page, line) of the running headers and footers: the first or last lines of pages that
    read the same on two pages or more once digits are ignored (某某公司客服部, 第 1 页，共 2 页)."""
    found: set[tuple[int, int]] = set()
    if len(pages) < 2:
        return found
    for edge in (0, 1, -1, -2):  # two lines at the top and at the bottom of each page
        seen: dict[str, list[tuple[int, int]]] = {}
        for p, lines in enumerate(pages):
            text = [line for line in lines if line.strip()]
            if len(text) >= 4 and -len(text) <= edge < len(text):
                i = lines.index(text[edge]) if edge >= 0 else len(lines) - 1 - lines[::-1].index(text[edge])
                seen.setdefault(re.sub(r"\d+", "#", text[edge].strip()), []).append((p, i))
        for places in seen.values():
            if len(places) >= 2:
                found.update(places)
    return found
