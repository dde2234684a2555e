"""Guidance files: the ``## Title {#id}`` sections of the trainers' Markdown, with their
``scenarios:``/``buyer_types:``/``source:`` lines, read and validated (``file:line: message``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .corpus_cases import ID_PATTERN
from .errors import Problem
from .records import GuidanceSection
from .taxonomy import Taxonomy, did_you_mean

_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*(?:\{#(?P<id>[^}]*)\})?\s*$")
_META = re.compile(r"^(?P<key>[a-z_]+)\s*:\s*(?P<value>.*)$")


def load_guidance(
    guidance_dir: Path, taxonomy: Taxonomy | None, problems: list[Problem]
) -> list[GuidanceSection]:
    """Every valid section of every ``.md`` under ``guidance_dir`` (subfolders too); problems go to ``problems``."""
    if not guidance_dir.is_dir():
        problems.append(Problem(str(guidance_dir), None, "guidance directory not found"))
        return []
    sections: list[GuidanceSection] = []
    seen: dict[str, str] = {}
    # subfolders too: `assistant ingest` writes guidance/imported/, and trainers sort files in folders
    for path in sorted(guidance_dir.rglob("*.md")):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem(str(path), None, "not UTF-8 text; save the file as UTF-8"))
            continue
        except OSError as exc:
            problems.append(Problem(str(path), None, f"cannot read file ({exc.strerror})"))
            continue
        for section in parse_guidance(text, str(path), taxonomy, problems):
            if section.id in seen:
                problems.append(
                    Problem(
                        str(path),
                        section.line,
                        f"duplicate guidance id {section.id!r} (first at {seen[section.id]})",
                    )
                )
                continue
            seen[section.id] = f"{path}:{section.line}"
            sections.append(section)
    return sections


def parse_guidance(
    text: str, path: str, taxonomy: Taxonomy | None = None, problems: list[Problem] | None = None
) -> list[GuidanceSection]:
    """Parse the ``##`` sections of one guidance Markdown file."""
    problems = problems if problems is not None else []
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    sections = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        line_no = start + 1
        match = _HEADING.match(lines[start])
        if not match or not match.group("id"):
            problems.append(Problem(path, line_no, "guidance heading needs an id: '## Title {#some-id}'"))
            continue
        section_id = match.group("id").strip()
        if not ID_PATTERN.match(section_id):
            problems.append(
                Problem(
                    path, line_no, f"guidance id {section_id!r} may only hold letters, digits, '-', '_', '.'"
                )
            )
            continue
        meta: dict[str, str] = {}
        body_start = start + 1
        for i in range(start + 1, end):
            meta_match = _META.match(lines[i].strip())
            if not lines[i].strip() or not meta_match:
                body_start = i
                break
            meta[meta_match.group("key")] = meta_match.group("value").strip()
            body_start = i + 1
        body = "\n".join(lines[body_start:end]).strip()
        scenarios = _split_ids(meta.get("scenarios", ""))
        buyer_types = _split_ids(meta.get("buyer_types", ""))
        ok = True
        if not scenarios:
            problems.append(
                Problem(path, line_no, f"section {section_id!r} needs a 'scenarios:' line (ids or 'all')")
            )
            ok = False
        if not body:
            problems.append(Problem(path, line_no, f"section {section_id!r} has no text"))
            ok = False
        if taxonomy is not None:
            for sid in scenarios:
                if sid != "all" and sid not in taxonomy.scenario_ids:
                    problems.append(
                        Problem(
                            path,
                            line_no,
                            f"unknown scenario {sid!r}{did_you_mean(sid, taxonomy.scenario_ids)}",
                        )
                    )
                    ok = False
            for bid in buyer_types:
                if bid not in taxonomy.buyer_type_ids:
                    problems.append(
                        Problem(
                            path,
                            line_no,
                            f"unknown buyer type {bid!r}{did_you_mean(bid, taxonomy.buyer_type_ids)}",
                        )
                    )
                    ok = False
        for key in meta:
            if key not in ("scenarios", "buyer_types", "source"):
                problems.append(
                    Problem(
                        path, line_no, f"unknown metadata key {key!r} (use scenarios, buyer_types, source)"
                    )
                )
        if ok:
            sections.append(
                GuidanceSection(
                    id=section_id,
                    title=match.group("title").strip(),
                    text=body,
                    scenarios=tuple(scenarios),
                    buyer_types=tuple(buyer_types),
                    source=meta.get("source", ""),
                    path=path,
                    line=line_no,
                )
            )
    return sections


def _split_ids(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,，\s]+", value) if v.strip()]
