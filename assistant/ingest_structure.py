"""A document's headings and sections: Markdown and emphasis marks and Chinese numbering found in its
cleaned lines, ranked into an outline, and the text split into titled guidance sections.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

from .corpus import GuidanceSection
from .errors import UnknownIdError
from .ingest_patterns import IngestPatterns, load_patterns
from .taxonomy import Taxonomy

_CJK = r"[\u3400-\u9fff]"


@dataclass
class _Unit:
    line: int
    text: str  # body text
    kind: str | None = None  # heading kind (None for plain text)
    title: str = ""
    label: str = ""  # the heading as written (numbering + title), for inline rendering
    standalone: bool = False  # the heading is alone on its line (its text follows on other lines)
    explicit: bool = False  # the markup said it is a heading (Markdown, <hN>, bold alone on its line)


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
    explicit: bool = False

    def size(self) -> int:
        return len(self.label) + sum(len(b) for b in self.body) + sum(c.size() for c in self.children)

    def flat_text(self) -> str:
        parts = [*self.body]
        for child in self.children:
            parts.append("\n".join(p for p in (child.label, child.flat_text()) if p))
        return "\n".join(p for p in parts if p)


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_EMPHASIS = re.compile(r"^\*\*(.+?)\*\*\s*[：:]?$")  # a line emphasised as a whole (ingest_read marks it)
_BRACKETED = re.compile(r"^【([^【】]{1,16})】$")  # 【问候】 alone on its line titles what follows
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


def _emphasis_heading(text: str, patterns: IngestPatterns) -> _Unit | None:
    """A bold line as a heading: short, and not a sentence (a bold warning is text, not a title)."""
    limit = int(patterns.sections.get("max_title_chars", 30))
    if len(text) > limit or re.search(r"[。；;]|[，,、！!]$", text) or not re.search(r"\w", text):
        return None
    numbered = patterns.marker.match(text)
    if numbered and text[numbered.end() :].strip(_TITLE_EDGE):
        kind = patterns.kinds[next(int(k[1:]) for k, v in numbered.groupdict().items() if v is not None)]
        title = text[numbered.end() :].strip(_TITLE_EDGE)
        return _Unit(0, "", kind.type, title, text, True, True)  # **一、开场问候** is numbered 一、
    return _Unit(0, "", "em", text.strip(_TITLE_EDGE), text, True, True)


def _split_line(number: int, text: str, patterns: IngestPatterns, line_based: bool) -> list[_Unit]:
    md = _MD_HEADING.match(text)
    if md:
        title = md.group(2).strip()
        numbered = patterns.marker.match(title)
        if numbered and title[numbered.end() :].strip():
            title = title[numbered.end() :].strip()  # "## 一、退换货" → "退换货"
        return [_Unit(number, "", f"md{len(md.group(1))}", title, md.group(2).strip(), True, True)]
    em = _EMPHASIS.match(text) or _BRACKETED.match(text)
    if em:
        unit = _emphasis_heading(em.group(1).strip(), patterns)
        if unit is not None:
            unit.line = number
            return [unit]
        text = em.group(1).strip()
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


_SPEAKER = re.compile(r"([^\s：:，。]{1,6})[：:]\s*\S")


def _turns(lines: list[tuple[int, str]]) -> set[int]:
    """The lines that are turns of a dialog (买家：能便宜点吗 / 客服：亲，…): their speaker opens
    other lines too, or the line next to them has a speaker. A turn is never a plain heading."""
    speakers = [m.group(1) if (m := _SPEAKER.match(text)) else None for _, text in lines]
    seen = {s: speakers.count(s) for s in set(speakers) if s}
    return {
        i
        for i, speaker in enumerate(speakers)
        if speaker
        and (seen[speaker] >= 2 or (i > 0 and speakers[i - 1]) or (i + 1 < len(speakers) and speakers[i + 1]))
    }


def _short_line_lists(lines: list[tuple[int, str]], patterns: IngestPatterns) -> set[int]:
    """Runs of short lines between two headings of one kind (一、… 二、…), or after the last
    heading to the end: the points of a slide (问候要热情 / 回复要及时 / 用语要礼貌), not titles, for
    none of them heads any text. (Short lines before a heading of another kind are a title and its
    subtitle over a numbered list.)"""

    def kind(text: str) -> str | None:
        md = _MD_HEADING.match(text)
        if md:
            return f"md{len(md.group(1))}"
        if _EMPHASIS.match(text):
            return "em"
        numbered = patterns.marker.match(text)
        if numbered:
            return next(k for k, v in numbered.groupdict().items() if v is not None)
        return None

    kinds = [kind(text) for _, text in lines]
    short = [kinds[i] is None and _is_plain_heading(text, patterns) for i, (_, text) in enumerate(lines)]
    found: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and short[j]:
            j += 1
        before = kinds[i - 1] if i > 0 else None
        if j - i >= 2 and before is not None and (j == len(lines) or kinds[j] == before):
            found.update(range(i, j))
        i = max(j, i + 1)
    return found


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
        node = _Node(
            unit.line, unit.title, unit.kind, level, unit.label, body, [], unit.standalone, unit.explicit
        )
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
    explicit: bool = False  # the markup said it is a heading


def _flatten(
    node: _Node, display: str, patterns: IngestPatterns, always_kinds: set[str], out: list[_Draft]
) -> None:
    always_levels = int(patterns.sections.get("always_split_levels", 2))
    max_chars = int(patterns.sections.get("max_section_chars", 600))
    own = _Draft(
        node.line, display, node.label, [*node.body], standalone=node.standalone, explicit=node.explicit
    )
    out.append(own)
    target = own
    big = node.size() > max_chars
    for child in node.children:
        # a heading the markup states always starts a section; numbering does in the outer levels
        always = child.level < always_levels or child.kind in always_kinds or child.explicit
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


def id_prefix(text: str) -> str:
    """The section-id prefix for a file stem (ASCII; a CRC of the stem when it has no ASCII word)."""
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
    turns = _turns(lines)
    listed = _short_line_lists(lines, patterns) if line_based else set()
    for i, (number, text) in enumerate(lines):
        units.extend(_split_line(number, text, patterns, line_based and i not in turns and i not in listed))
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
    carried: list[_Draft] = []  # headings with no text of their own, kept as context for what follows
    for draft in drafts:
        if carried and draft.leaf and draft.parts:
            # (a title that already begins with its parent's, 职责二：… , needs no reminder)
            context = [c.label for c in carried if not draft.title.startswith(c.title)]
            draft.parts = [*context, *draft.parts]
            carried = []
        text = "\n".join(p for p in draft.parts if p).strip()
        if not text and not draft.leaf:
            # a heading whose content all went into its sub-sections: its words open the first of them
            # (unless the markup made it a heading: its sub-sections say enough)
            if not draft.explicit and draft.label:
                carried.append(draft)
            continue
        if not text and draft.explicit:
            continue  # a heading with nothing under it
        if len(re.sub(r"\W", "", text)) < min_chars and kept and not (draft.standalone and text):
            # a one-line list item: keep it, with its numbering, in the section before it
            kept[-1].parts.append(" ".join(p for p in (draft.label, text) if p))
            continue
        if not text:
            continue  # a lone heading at the very start with nothing under it
        kept.append(_Draft(draft.line, draft.title, draft.label, [text]))
    sections: list[GuidanceSection] = []
    prefix = id_prefix(stem)
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
