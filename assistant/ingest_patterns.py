"""The ingest patterns file (``ingest_patterns.toml`` beside it) compiled, and the record of a dropped line.

Both are shared by the stages of ingestion: reading (``ingest_read``), cleaning (``ingest``),
furniture (``ingest_furniture``) and structure (``ingest_structure``); this module imports none of them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import compile_pattern, read_patterns_toml

PATTERNS_FILE = Path(__file__).with_name("ingest_patterns.toml")
TONE_LETTERS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"


@dataclass(frozen=True)
class SkippedLine:
    """Content that was dropped, and why (``boilerplate``, ``furniture: links`` ..., ``duplicate``)."""

    line: int
    text: str
    reason: str

    def to_dict(self) -> dict:
        return {"line": self.line, "text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class HeadingKind:
    """A kind of numbering that starts a section (``十三、``, ``（一）``, ``①`` ...)."""

    type: str
    pattern: str
    title: re.Pattern | None = None  # for kinds whose title is part of the match (term-gloss)
    always: bool = False  # always starts a section, whatever its level
    anywhere: bool = False  # needs no boundary (punctuation, line start) before it


@dataclass(frozen=True)
class Furniture:
    """The shapes of page furniture (``[furniture]`` of the patterns file); see ``ingest_furniture``."""

    settings: dict[str, Any]
    date: re.Pattern  # a date or a time: 2023-04-12, 2022年3月5日, 10:20
    footer: re.Pattern  # a mark that only a site footer carries: ©, ICP备, 公网安备, Powered by
    notice: re.Pattern  # a legal notice: 未经授权禁止转载, 版权归作者所有
    url: re.Pattern  # a web address or bare domain
    page_number: re.Pattern  # — 2 —, 第 1 页 共 5 页
    counter: re.Pattern  # one "label number" pair: 阅读 2356, 浏览：1024次
    field: re.Pattern  # one "label：value" pair: 作者：小李
    bracketed: re.Pattern  # one short bracketed token: 【打印本页】
    dated_item: re.Pattern  # a related-article line: · 售后话术五十句 2022-01-07
    contents: re.Pattern  # a table-of-contents line: 一、认识岗位 ........ 1
    attachment: re.Pattern  # a line that names an attached file: 附件：售后话术表.xlsx
    breadcrumb_separator: re.Pattern
    nav_separator: re.Pattern  # separators of a navigation bar anywhere in a document
    loose_separator: re.Pattern  # separators of one in the head or tail of a page (also single spaces)

    def number(self, key: str, default: float) -> float:
        return float(self.settings.get(key, default))


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
    annotation: re.Pattern  # a short bracketed note: (zhì), [zh��], 【hu��】, (bao3 zhang4)
    annotation_content: re.Pattern  # what makes a bracketed note a pronunciation to remove
    mojibake: re.Pattern
    junk: re.Pattern
    foreign: re.Pattern
    decoration: re.Pattern
    lines: tuple[re.Pattern, ...]
    blocks: tuple[tuple[re.Pattern, re.Pattern], ...]
    inline: tuple[re.Pattern, ...]
    furniture: Furniture
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
    tone = TONE_LETTERS
    boiler = data.get("boilerplate", {})
    furniture = data.get("furniture", {})
    never = "(?!)"
    return IngestPatterns(
        path=str(path),
        sections=dict(sections),
        kinds=kinds,
        marker=rx(alternatives),
        title_end=rx(sections.get("title_end", "[。，,；;！!？?]")),
        speech_before_colon=rx(sections.get("speech_before_colon", never)),
        syllable=syllable,
        # 培訓(xùn): a syllable (or a few) in parentheses right after a CJK character; either a tone
        # mark or at least two letters, so (a) and (OK) are not taken for pinyin.
        pinyin=rx(
            rf"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]\s*(?=[a-z{tone}]*[{tone}]|[a-zü]{{2}})"
            rf"(?:{syllable})(?:\s+(?:{syllable}))*\s*[)）]"
        ),
        annotation=rx(cleanup.get("annotation", never)),
        annotation_content=rx(
            rf"\ufffd|^[\sA-Za-zü{tone}'’\-]*[{tone}][\sA-Za-zü{tone}'’\-]*$"
            rf"|^(?:(?:{syllable})[1-5]\s*)+$"
        ),
        # 賠償?shù)? / 幾樣?xùn)| / F(xiàn)在: a character lost in conversion left "?" or a stray
        # Latin letter before its pinyin
        mojibake=rx(rf"\?+(?:{syllable})[)）]\??|(?<![A-Za-z0-9])[A-Za-z][(（](?:{syllable})[)）]"),
        junk=rx(cleanup.get("mojibake_junk", r"[|}{]")),
        foreign=rx(cleanup.get("foreign", never)),
        decoration=rx(cleanup.get("decoration", r"^\s*$")),
        lines=tuple(rx(p, re.IGNORECASE) for p in boiler.get("lines", [])),
        blocks=tuple((rx(b["start"]), rx(b["item"])) for b in boiler.get("blocks", [])),
        inline=tuple(rx(p, re.IGNORECASE) for p in boiler.get("inline", {}).get("patterns", [])),
        furniture=Furniture(
            settings={k: v for k, v in furniture.items() if not isinstance(v, str)},
            date=rx(furniture.get("date", never)),
            footer=rx(furniture.get("footer", never), re.IGNORECASE),
            notice=rx(furniture.get("notice", never)),
            url=rx(furniture.get("url", never), re.IGNORECASE),
            page_number=rx(furniture.get("page_number", never)),
            counter=rx(furniture.get("counter", never)),
            field=rx(furniture.get("field", never)),
            bracketed=rx(furniture.get("bracketed", never)),
            dated_item=rx(furniture.get("dated_item", never)),
            contents=rx(furniture.get("contents", never)),
            attachment=rx(furniture.get("attachment", never), re.IGNORECASE),
            breadcrumb_separator=rx(furniture.get("breadcrumb_separator", never)),
            nav_separator=rx(furniture.get("nav_separator", never)),
            loose_separator=rx(furniture.get("loose_separator", never)),
        ),
        scenario_map=tuple((rx(m["pattern"]), tuple(m["scenarios"])) for m in data.get("scenario_map", [])),
    )
