"""A document's structure from its cleaned lines: page furniture dropped by its shape, headings found
(Markdown and emphasis marks, Chinese numbering) and the text split into titled sections.

Furniture is found by what it looks like, not by one site's words: a navigation bar, a breadcrumb,
a metadata line (dates, label：value fields, counters), print/close links, a related-article list,
a footer (©, ICP, a bare address), page numbers, a running header repeated between other lines. The
shapes and their thresholds are ``[furniture]`` in ``ingest_patterns.toml``; the words of the sites
seen so far are ``[boilerplate]`` there, tried as well.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from .corpus import GuidanceSection
from .errors import UnknownIdError
from .ingest_patterns import Furniture, IngestPatterns, SkippedLine, load_patterns
from .taxonomy import Taxonomy

# ----------------------------------------------------------------------------- page furniture

_WORD = re.compile(r"\w")
_CLAUSE = re.compile(r"[。！？；，]")  # prose has these; furniture has none
_CJK = r"[\u3400-\u9fff]"


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _segments(text: str, separator: re.Pattern) -> list[str]:
    return [s for s in separator.split(text) if s is not None and s.strip()]


def _strip_label(text: str) -> str:
    """``标签：客服 话术`` → ``客服 话术`` (the label of a tag, share or location line)."""
    return re.sub(r"^[^\s：:]{2,6}\s*[：:]\s*", "", text)


def _short_segments(text: str, separator: re.Pattern, limit: int, minimum: int) -> bool:
    parts = _segments(text, separator)
    return len(parts) >= minimum and all(0 < _words(p) <= limit for p in parts)


def furniture_shape(raw: str, text: str, f: Furniture) -> str | None:
    """What kind of page furniture a line is, judged by its shape anywhere in a document.

    Args:
        raw: the line before inline removals (a web address is still in it).
        text: the cleaned line.
        f: the furniture patterns.

    Returns:
        ``navigation``, ``breadcrumb``, ``metadata``, ``print/close``, ``footer``, ``address`` or
        ``page number``; None for a line that is not furniture.
    """
    line_max = int(f.number("line_max_chars", 80))
    if f.page_number.match(text):
        return "page number"
    if f.contents.search(text):
        return "contents"  # 一、认识岗位 ........ 1
    if (
        f.attachment.search(text)
        and len(text) <= int(f.number("line_max_chars", 80))
        and not _CLAUSE.search(text)
    ):
        return "attachment"  # 附件：售后话术表.xlsx
    if len(text) > line_max:
        return None
    if f.footer.search(text) and not re.search("[。！？]", text):
        return "footer"  # © 2021 小店运营笔记 | 浙ICP备19012345号
    if f.url.search(raw) and not _CLAUSE.search(f.url.sub("", raw)):
        return "address"  # 本文网址：http://… / www.example.com / 更多内容请访问 https://…
    if _CLAUSE.search(text):
        return None
    crumbs = f.breadcrumb_separator.findall(text)
    if crumbs:
        body = _strip_label(text)
        parts = _segments(body, f.breadcrumb_separator)
        limit = int(f.number("crumb_segment_max_chars", 12))
        if (
            parts
            and all(_words(p) <= limit and not re.search(r"\d", p) for p in parts)
            # 首页 > 客服学院 > 礼仪 / 当前栏目：培训中心 » 质检标准 / 实用文 > 实用文精选 >
            and (
                len(crumbs) >= 2 or body != text or re.search(f"(?:{f.breadcrumb_separator.pattern})$", text)
            )
        ):
            return "breadcrumb"
    if len(f.bracketed.findall(text)) >= 2 and not re.sub(r"[\s|｜]", "", f.bracketed.sub("", text)):
        return "print/close"  # 【打印本页】【关闭窗口】
    dates = f.date.findall(text)
    if dates and not re.search(f"(?:{f.date.pattern})\\s*(?:至|到|[~～—–-])\\s*(?:{f.date.pattern})", text):
        # (a date range is what a promotion says, not when a page was published)
        rest = f.date.sub(" ", text)
        if all(_words(p) <= 10 for p in _segments(rest, f.loose_separator)):
            return "metadata"  # 发布时间：2023-04-12 10:20 作者：小李 / 原创 客服成长营 2023-06-01
    counters = f.counter.findall(text)
    if (
        counters
        and not f.counter.sub("", text).strip(" |｜·")
        and (len(counters) >= 2 or re.search(r"[：:]|\d\s*次$", text))
    ):
        return "metadata"  # 浏览：1024次 / 阅读 2356 在看 18
    if re.fullmatch(rf"[（(]{f.field.pattern}[）)]", text):
        return "metadata"  # （责任编辑：王芳）
    return None


def edge_furniture_shape(text: str, f: Furniture) -> str | None:
    """Furniture shapes that count only in a page's head and tail, before and after its prose.

    In the middle of a document the same shapes are content: a .docx table row (尺码 | 身高 | 体重),
    a product's colours (颜色：红色 蓝色 白色), a buyer's and an agent's turn on one line.

    Args:
        text: the cleaned line.
        f: the furniture patterns.

    Returns:
        ``navigation`` or ``metadata``; None for a line that is not furniture there.
    """
    if _CLAUSE.search(text) or len(text) > int(f.number("line_max_chars", 80)):
        return None
    if len(f.field.findall(text)) >= 2:
        return "metadata"  # 作者：阿杰 分类：客服技巧 / 上一篇：… 下一篇：… / 地址：… 电话：…
    if re.search(r"\d", text):
        return None  # (a table row of sizes or prices)
    segment_max = int(f.number("segment_max_chars", 8))
    nav_min = int(f.number("nav_min_segments", 3))
    body = _strip_label(text)
    if f.nav_separator.search(text) and _short_segments(body, f.nav_separator, segment_max, nav_min):
        return "navigation"  # 网站地图 | 联系我们 | 免责声明
    if body != text and _short_segments(body, f.loose_separator, segment_max, nav_min):
        return "navigation"  # 标签：售后 沟通 礼仪 / 分享到：微信 微博 QQ空间
    if body == text and _short_segments(text, f.loose_separator, segment_max, nav_min + 1):
        return "navigation"  # 回复 引用 举报 TOP
    if re.fullmatch(r"[（(]\s*\w{1,5}\s*[）)]", text):
        return "end mark"  # （本文完）
    return None


def _is_field_line(text: str, f: Furniture) -> bool:
    return f.field.fullmatch(text) is not None and not _CLAUSE.search(text)


def _is_heading_shaped(text: str, limit: int) -> bool:
    bare = re.sub(r"^(?:#{1,6}\s+|\*\*)|\*\*$", "", text).rstrip("：: ")
    return 0 < _words(bare) <= limit and not _CLAUSE.search(bare)


# furniture that opens a page's footer: what follows it, short and without a clause, is footer too
_FOOTER_OPENERS = {
    "boilerplate",
    "links",
    "footer",
    "address",
    "navigation",
    "metadata",
    "print/close",
    "related",
}


def drop_furniture(
    lines: list[tuple[int, str, str]],
    patterns: IngestPatterns | None = None,
    dropped: Iterable[SkippedLine] = (),
) -> tuple[list[tuple[int, str]], list[SkippedLine]]:
    """Drop page furniture, decoration and repeated lines.

    Args:
        lines: ``(line number, text before inline removals, cleaned text)``.
        patterns: the ingest patterns (default: the shipped file).
        dropped: lines the reader already dropped (link lines), which can open the page's footer.

    Returns:
        ``(kept (line number, cleaned text), skipped lines with their reason)``.
    """
    patterns = patterns or load_patterns()
    f = patterns.furniture
    skipped: list[SkippedLine] = []
    kept: list[tuple[int, str, str]] = []
    block_item: re.Pattern | None = None
    for number, raw, text in lines:
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
        kept.append((number, raw, text))

    drop: dict[int, str] = {}  # index in kept -> reason
    # related articles (lines ending with a date) and a table of contents (dot leaders and a page
    # number): two or more such lines in a row, and the short line over them (相关阅读：/ 目录)
    header_max = int(f.number("link_header_max_chars", 12))

    def listed(text: str) -> str | None:
        return "contents" if f.contents.search(text) else "related" if f.dated_item.match(text) else None

    i = 0
    while i < len(kept):
        j = i
        while j < len(kept) and listed(kept[j][2]) is not None and listed(kept[j][2]) == listed(kept[i][2]):
            j += 1
        if j - i >= 2:
            reason = listed(kept[i][2]) or ""
            drop.update((k, reason) for k in range(i, j))
            if i > 0 and _is_heading_shaped(kept[i - 1][2], header_max):
                drop[i - 1] = reason
        i = max(j, i + 1)
    for k, (_, raw, text) in enumerate(kept):
        shape = furniture_shape(raw, text, f) if k not in drop else None
        if shape is not None:
            drop[k] = shape
    # a running header or navigation bar: a short line of several parts met again after other lines
    repeat_max = int(f.number("repeat_max_chars", 40))
    where: dict[str, list[int]] = {}
    for k, (_, _, text) in enumerate(kept):
        if (
            len(text) <= repeat_max
            and not _CLAUSE.search(text)
            and len(_segments(text, f.loose_separator)) >= 2
        ):
            where.setdefault(text, []).append(k)
    for places in where.values():
        if len(places) >= 2 and places[-1] - places[0] >= len(places):
            drop.update((k, "repeated") for k in places)
    # the page's head and tail: before the first line of prose and after the last
    prose_min = int(f.number("prose_min_chars", 12))
    prose = [
        k
        for k, (_, _, text) in enumerate(kept)
        if k not in drop and _words(text) >= prose_min and _CLAUSE.search(text)
    ]
    if prose:
        edge = [k for k in range(len(kept)) if (k < prose[0] or k > prose[-1]) and k not in drop]
        for k in edge:
            shape = edge_furniture_shape(kept[k][2], f)
            if shape is not None:
                drop[k] = shape
        # single label：value lines next to each other or to other furniture (作者：佚名 / 来源：网络)
        fields = {k for k in edge if k not in drop and _is_field_line(kept[k][2], f)}
        for k in fields:
            if {k - 1, k + 1} & (fields | set(drop)):
                drop[k] = "metadata"
        # the footer: after the last prose, from the first furniture on, short lines are footer too
        # (地址：… 电话：…, 技术支持：…, a comment box's 网友评论 / 暂无评论)
        last = kept[prose[-1]][0]
        openers = [s.line for s in [*dropped, *skipped] if s.reason.split(": ")[-1] in _FOOTER_OPENERS]
        openers += [kept[k][0] for k, reason in drop.items() if reason in _FOOTER_OPENERS]
        start = min((n for n in openers if n > last), default=None)
        line_max = int(f.number("line_max_chars", 80))
        footer = [
            k
            for k, (number, _, text) in enumerate(kept)
            if start is not None and number > start and len(text) <= line_max and not _CLAUSE.search(text)
        ]
        drop.update((k, "footer") for k in footer if k not in drop)
        # a masthead: short lines above the heading that titles the page, the one heading of the
        # outermost level (机密 ★ 内部使用, a site's name)
        levels = [len(m.group(1)) for _, _, text in kept if (m := _MD_HEADING.match(text))]
        first = next((k for k, (_, _, text) in enumerate(kept) if _MD_HEADING.match(text)), None)
        title = None
        if first is not None and first < prose[0]:
            level = len(_MD_HEADING.match(kept[first][2]).group(1))
            title = first if level == min(levels) and levels.count(level) == 1 else None
        for k in range(title or 0):
            if k not in drop and not _CLAUSE.search(kept[k][2]) and not kept[k][2].startswith(("#", "**")):
                drop[k] = "masthead"
    # a signature: the few short lines after the last separator line that ends a document
    separators = [s.line for s in skipped if s.reason == "decoration"]
    if separators:
        after = [k for k, (number, _, _) in enumerate(kept) if number > separators[-1]]
        limit = int(f.number("signature_max_chars", 40))
        if 0 < len(after) <= int(f.number("signature_max_lines", 2)) and all(
            len(kept[k][2]) <= limit for k in after
        ):
            drop.update((k, "signature") for k in after if k not in drop)
    out: list[tuple[int, str]] = []
    previous = None
    for k, (number, _, text) in enumerate(kept):
        if k in drop:
            skipped.append(SkippedLine(number, text, f"furniture: {drop[k]}"))
        elif text == previous:
            skipped.append(SkippedLine(number, text, "duplicate"))
        else:
            previous = text
            out.append((number, text))
    skipped.sort(key=lambda s: s.line)
    return out, skipped


# ----------------------------------------------------------------------------- sectioning


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
    em = _EMPHASIS.match(text)
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
        if not text and (not draft.leaf or draft.explicit):
            continue  # a heading whose content all went into its sub-sections, or with nothing under it
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
