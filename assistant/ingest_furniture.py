"""Page furniture of a trainer's document, found by its shape: navigation, breadcrumbs, metadata,
print/close links, related lists, tables of contents, footers, page numbers, running headers.

Furniture is found by what it looks like, not by one site's words: a navigation bar, a breadcrumb,
a metadata line (dates, label：value fields, counters), print/close links, a related-article list,
a footer (©, ICP, a bare address), page numbers, a running header repeated between other lines. The
shapes and their thresholds are ``[furniture]`` in ``ingest_patterns.toml``; the words of the sites
seen so far are ``[boilerplate]`` there, tried as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .ingest_patterns import Furniture, IngestPatterns, SkippedLine, load_patterns

_WORD = re.compile(r"\w")
_CLAUSE = re.compile(r"[。！？；，]")  # prose has these; furniture has none
_MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
_COMMENTS = re.compile(r"(?:#{1,6}\s+|\*\*)?[^\s，。：:]{1,8}\s*[（(](\d{1,5})[)）](?:\*\*)?")  # 评论（2）
_SPEAKER = re.compile(r"([^\s，。：:]{1,12})[：:]\S")  # 小王：写得很好
_TABLE_ROW = re.compile(r"^\|.*\|$")  # a row of a data table (| 尺码 | 身高 | 体重 |): content


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
        ``page number``, ``contents``, ``attachment``, ``footer``, ``address``, ``breadcrumb``,
        ``print/close`` or ``metadata``; None for a line that is not furniture.
    """
    if f.page_number.match(text):
        return "page number"
    if f.contents.search(text):
        return "contents"  # 一、认识岗位 ........ 1
    if len(text) > int(f.number("line_max_chars", 80)):
        return None
    if f.attachment.search(text) and not _CLAUSE.search(text):
        return "attachment"  # 附件：售后话术表.xlsx
    if f.footer.search(text) and not re.search("[。！？]", text):
        return "footer"  # © 2021 小店运营笔记 | 浙ICP备19012345号
    if f.notice.search(text) and len(text) <= int(f.number("notice_max_chars", 60)):
        return "footer"  # 本文版权归作者所有，未经授权禁止转载。
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
    if _dated_metadata(text, f, alone=False):
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


def _dated_metadata(text: str, f: Furniture, alone: bool) -> bool:
    """A date among a few short parts: when a page was published, by whom, how often read.

    A lone ``label：date`` (截止日期：2024年6月30日) counts only where ``alone`` is allowed (a page's
    head and tail); anywhere else it needs a time or another part beside it. A date range is what a
    promotion says, never metadata.
    """
    if not f.date.search(text) or re.search(
        f"(?:{f.date.pattern})\\s*(?:至|到|[~～—–-])\\s*(?:{f.date.pattern})", text
    ):
        return False
    parts = _segments(_strip_label(f.date.sub(" ", text)), f.loose_separator)
    if not all(_words(p) <= 10 for p in parts):
        return False
    return alone or bool(parts) or len(f.date.findall(text)) >= 2


def edge_furniture_shape(text: str, f: Furniture, head: bool = True) -> str | None:
    """Furniture shapes that count only in a page's head and tail, before and after its prose.

    In the middle of a document the same shapes are content: a .docx table row (尺码 | 身高 | 体重),
    a product's colours (颜色：红色 蓝色 白色), a buyer's and an agent's turn on one line.

    Args:
        text: the cleaned line.
        f: the furniture patterns.
        head: the line is in the page's head (False: in its tail).

    Returns:
        ``navigation``, ``metadata`` or ``end mark``; None for a line that is not furniture there.
    """
    if _CLAUSE.search(text) or len(text) > int(f.number("line_max_chars", 80)) or _TABLE_ROW.match(text):
        return None
    if _dated_metadata(text, f, alone=True):
        return "metadata"  # 更新时间：2024/02/20
    if len(f.field.findall(text)) >= 2:
        return "metadata"  # 作者：阿杰 分类：客服技巧 / 上一篇：… 下一篇：… / 地址：… 电话：…
    if re.search(r"\d[\d,.]*\s*[万千]?\s*[人条次]", text):
        return "metadata"  # 1,203 人赞同了该回答 / 12 条评论
    if re.search(r"\d", text):
        return None  # (a table row of sizes or prices)
    segment_max = int(f.number("segment_max_chars", 8))
    nav_min = int(f.number("nav_min_segments", 3))
    body = _strip_label(text)
    if f.nav_separator.search(text) and _short_segments(body, f.nav_separator, segment_max, nav_min):
        return "navigation"  # 网站地图 | 联系我们 | 免责声明
    if head and body != text and _short_segments(body, f.loose_separator, segment_max, nav_min):
        # (at the tail the same shape is as often a summary: 三个关键词：耐心 细致 热情)
        return "navigation"  # 标签：售后 沟通 礼仪 / 分享到：微信 微博 QQ空间
    if body == text and _short_segments(text, f.loose_separator, segment_max, nav_min + 1):
        return "navigation"  # 回复 引用 举报 TOP
    if re.fullmatch(r"[（(]\s*\w{1,12}\s*[）)]", text):
        return "end mark"  # （本文完） / （以上内容仅供参考）
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
    _lists(kept, f, drop)
    for k, (_, raw, text) in enumerate(kept):
        shape = furniture_shape(raw, text, f) if k not in drop else None
        if shape is not None:
            drop[k] = shape
    _running_headers(kept, f, drop)
    _head_and_tail(kept, patterns, drop, [*dropped, *skipped])
    _comment_box(kept, drop)
    # a signature only on a web page (one that showed furniture), after a rule across it (not a
    # Markdown table's |---|---| row): in a handout the lines after a rule are its summary
    page = any(s.reason.startswith("furniture") for s in [*dropped, *skipped]) or any(
        reason not in ("page number", "repeated") for reason in drop.values()
    )
    rules = [s.line for s in skipped if s.reason == "decoration" and "|" not in s.text]
    _signature(kept, f, drop, patterns, rules if page else [])
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


def _lists(kept: list[tuple[int, str, str]], f: Furniture, drop: dict[int, str]) -> None:
    """Related articles (lines ending with a date) and a table of contents (dot leaders and a page
    number): two or more such lines in a row, and the short line over them (相关阅读：/ 目录)."""
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


def _running_headers(kept: list[tuple[int, str, str]], f: Furniture, drop: dict[int, str]) -> None:
    """A running header or navigation bar: a short line of several parts met again after other lines
    (a marked heading or list item repeats by design: ## 小结 in every chapter)."""
    repeat_max = int(f.number("repeat_max_chars", 40))
    where: dict[str, list[int]] = {}
    for k, (_, _, text) in enumerate(kept):
        marked = re.match(r"#{1,6}\s|\*\*|[-•·*|]\s", text)
        parts = len(_segments(text, f.loose_separator))
        if len(text) <= repeat_max and not _CLAUSE.search(text) and not marked and parts >= 2:
            where.setdefault(text, []).append(k)
    for places in where.values():
        if len(places) >= 2 and places[-1] - places[0] >= len(places):
            drop.update((k, "repeated") for k in places)


def _head_and_tail(
    kept: list[tuple[int, str, str]],
    patterns: IngestPatterns,
    drop: dict[int, str],
    skipped: list[SkippedLine],
) -> None:
    """The page's head and tail: the shapes that are furniture only there, the footer and the masthead.

    The head ends at the first line of prose or at the second heading (the first may be the title:
    after the second, the document has begun); the tail starts after the last line of prose.
    """
    f = patterns.furniture
    prose_min = int(f.number("prose_min_chars", 12))
    prose = [
        k
        for k, (_, _, text) in enumerate(kept)
        if k not in drop and _words(text) >= prose_min and _CLAUSE.search(text)
    ]
    if not prose:
        return
    headings = [
        k
        for k, (_, _, text) in enumerate(kept)
        if k not in drop and (_MD_HEADING.match(text) or text.startswith("**") or patterns.marker.match(text))
    ]
    head_end = min(prose[0], headings[1] if len(headings) >= 2 else prose[0])
    edge = [k for k in range(len(kept)) if (k < head_end or k > prose[-1]) and k not in drop]
    # a line that names two of the document's own headings is its outline (流程：问候 | 询问 | …)
    titles = {_heading_title(kept[k][2], patterns) for k in headings}
    for k in edge:
        shape = edge_furniture_shape(kept[k][2], f, head=k < head_end)
        named = set(_segments(_strip_label(kept[k][2]), f.loose_separator)) & titles
        if shape is not None and len(named) < 2:
            drop[k] = shape
    # single label：value lines next to each other or to other furniture at the head of a page
    # (作者：佚名 / 来源：网络); at the tail such lines are as often the last turns of a dialog
    fields = {k for k in edge if k < head_end and k not in drop and _is_field_line(kept[k][2], f)}
    for k in fields:
        if {k - 1, k + 1} & (fields | set(drop)):
            drop[k] = "metadata"
    # the footer: after the last prose, from the first furniture on, short lines are footer too
    # (地址：… 电话：…, 技术支持：…, a comment box's 网友评论 / 暂无评论)
    last = kept[prose[-1]][0]
    openers = [s.line for s in skipped if s.reason.split(": ")[-1] in _FOOTER_OPENERS]
    openers += [kept[k][0] for k, reason in drop.items() if reason in _FOOTER_OPENERS]
    start = min((n for n in openers if n > last), default=None)
    if start is not None:
        line_max = int(f.number("line_max_chars", 80))
        for k, (number, _, text) in enumerate(kept):
            short = len(text) <= line_max and not _CLAUSE.search(text) and not _TABLE_ROW.match(text)
            if number > start and k not in drop and short:
                drop[k] = "footer"
    # a masthead: short lines above the heading that titles the page, the one heading of the
    # outermost level (机密 ★ 内部使用, a site's name)
    levels = [len(m.group(1)) for _, _, text in kept if (m := _MD_HEADING.match(text))]
    first = next((k for k, (_, _, text) in enumerate(kept) if _MD_HEADING.match(text)), None)
    if first is None or first >= prose[0]:
        return
    level = len(_MD_HEADING.match(kept[first][2]).group(1))
    if level == min(levels) and levels.count(level) == 1:
        for k in range(first):
            if (
                k not in drop
                and not _CLAUSE.search(kept[k][2])
                and not kept[k][2].startswith(("#", "**", "|"))
            ):
                drop[k] = "masthead"


def _heading_title(text: str, patterns: IngestPatterns) -> str:
    text = re.sub(r"^#{1,6}\s+|^\*\*|\*\*$", "", text).strip()
    numbered = patterns.marker.match(text)
    return text[numbered.end() :].strip() if numbered else text


def _comment_box(kept: list[tuple[int, str, str]], drop: dict[int, str]) -> None:
    """A heading with a count (评论（2）/ 网友留言(5)) followed by that many speakers' lines, to the
    end (a dialog under 案例（3） has as many lines only by chance: its speakers take turns)."""
    count = next((k for k in range(len(kept) - 1, -1, -1) if _COMMENTS.fullmatch(kept[k][2])), None)
    if count is None:
        return
    after = [text for _, _, text in kept[count + 1 :]]
    speakers = [m.group(1) for text in after if (m := _SPEAKER.match(text))]
    said = int(_COMMENTS.fullmatch(kept[count][2]).group(1))
    if after and len(speakers) == len(after) == said and len(set(speakers)) == len(speakers):
        drop.update((k, "comments") for k in range(count, len(kept)) if k not in drop)


def _signature(
    kept: list[tuple[int, str, str]],
    f: Furniture,
    drop: dict[int, str],
    patterns: IngestPatterns,
    separators: list[int],
) -> None:
    """The few short lines after the last separator line of a document, none of them a heading."""
    if not separators:
        return
    after = [k for k, (number, _, _) in enumerate(kept) if number > separators[-1]]
    limit = int(f.number("signature_max_chars", 40))
    if (
        0 < len(after) <= int(f.number("signature_max_lines", 2))
        and all(len(kept[k][2]) <= limit for k in after)
        and not any(_MD_HEADING.match(kept[k][2]) or patterns.marker.match(kept[k][2]) for k in after)
    ):
        drop.update((k, "signature") for k in after if k not in drop)
