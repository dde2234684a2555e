"""Trainers' whole-file edits of the corpus (validated before they are written) and agents' feedback log.

``Assistant`` calls these with its corpus folder and lock timeout; swapping in the engine after a
save, and checking the text an agent rated, stay with it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .corpus import load_corpus
from .errors import InputError
from .storage import append_line, atomic_write_text, locked

logger = logging.getLogger("assistant.core")  # the messages keep the logger they always had

FEEDBACK_FILE = "feedback.jsonl"
# the corpus files besides guidance that a trainer edits whole (the console's rule and shop editor)
EDITABLE_FILES = (
    "checklist.toml",
    "shop.toml",
    "adaptation.toml",
    "money.toml",
    "intents.toml",
    "facts.toml",
    "catalog.csv",
)


@dataclass(frozen=True)
class Feedback:
    """An agent's verdict on a suggestion."""

    message: str
    reply: str
    rating: str  # "up" | "down" | "edited"
    sources: tuple[str, ...] = ()
    scenario: str | None = None
    agent: str = ""
    created: str = ""

    def to_dict(self) -> dict:
        return {**self.__dict__, "sources": list(self.sources)}


# ---------------------------------------------------------------------- corpus files


def editable_files(corpus_dir: Path) -> list[str]:
    """The files a trainer may edit whole, relative to the corpus: every guidance file (in
    subfolders too, as guidance is loaded), then the rule, shop, adaptation and catalog files."""
    guidance = sorted(p.relative_to(corpus_dir).as_posix() for p in (corpus_dir / "guidance").rglob("*.md"))
    return guidance + [name for name in EDITABLE_FILES if (corpus_dir / name).is_file()]


def editable_path(corpus_dir: Path, relative: str) -> Path:
    """The absolute path of an editable corpus file (guidance Markdown, a corpus .toml or .csv).

    Raises:
        InputError: the path leaves the corpus or is not a file a trainer edits.
    """
    root = corpus_dir.resolve()
    path = (root / relative).resolve()
    allowed = path.suffix in (".md", ".toml", ".csv") and root in path.parents
    if not allowed:
        raise InputError(f"{relative}: only guidance/*.md and the corpus .toml/.csv files can be edited here")
    return path


def read_corpus_file(corpus_dir: Path, relative: str) -> str:
    """The text of an editable corpus file."""
    from .files import read_text_file

    return read_text_file(editable_path(corpus_dir, relative))


def save_corpus_file(corpus_dir: Path, relative: str, text: str, lock_timeout_s: float) -> None:
    """Validate the whole corpus with ``text`` in place of ``relative`` (in a scratch copy), then
    replace the file atomically; a typo never reaches the live corpus.

    Raises:
        CorpusError: listing every problem the edit would introduce (nothing is written).
    """
    import shutil
    import tempfile

    from .corpus import LOCK_NAME, validate_corpus
    from .errors import CorpusError

    path = editable_path(corpus_dir, relative)
    with locked(corpus_dir / LOCK_NAME, lock_timeout_s):
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / "corpus"
            shutil.copytree(corpus_dir, copy, ignore=shutil.ignore_patterns(".*"))
            target = copy / path.relative_to(corpus_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            problems = validate_corpus(copy)
            live = str(corpus_dir)
            problems = [
                type(p)(p.path.replace(str(copy), live), p.line, p.message.replace(str(copy), live))
                for p in problems
            ]
        if problems:
            raise CorpusError(problems)
        atomic_write_text(path, text)


def guidance_span(corpus_dir: Path, section_id: str) -> tuple[str, list[str], int, int]:
    """Where a guidance section is written: ``(file relative to the corpus, the file's lines, first
    line, end line)``, from its ``##`` heading to the next.

    Raises:
        UnknownIdError: no such section (with the closest id).
    """
    from .errors import UnknownIdError
    from .taxonomy import did_you_mean

    corpus = load_corpus(corpus_dir, strict=False)
    found = {g.id: g for g in corpus.guidance}
    if section_id not in found:
        raise UnknownIdError(
            f"unknown guidance section {section_id!r}{did_you_mean(section_id, list(found))}"
        )
    section = found[section_id]
    path = Path(section.path)
    relative = path.resolve().relative_to(corpus_dir.resolve()).as_posix()
    lines = read_corpus_file(corpus_dir, relative).splitlines(keepends=True)
    start = section.line - 1
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"##\s", lines[i])), len(lines))
    return relative, lines, start, end


def replace_section(lines: list[str], start: int, end: int, text: str) -> str:
    """The file's text with ``lines[start:end]`` replaced by one section's Markdown."""
    body = text if text.endswith("\n") else text + "\n"
    if end < len(lines) and not body.endswith("\n\n"):
        body += "\n"  # keep a blank line before the next heading
    return "".join([*lines[:start], body, *lines[end:]])


# ---------------------------------------------------------------------- feedback log


def append_feedback(path: Path, item: Feedback, lock_timeout_s: float) -> None:
    """Append one entry to the feedback log (locked, durable)."""
    with locked(path.with_suffix(".lock"), lock_timeout_s):
        append_line(path, json.dumps(item.to_dict(), ensure_ascii=False))


def read_feedback(path: Path) -> list[Feedback]:
    """Every feedback entry, oldest first (a torn last line from a crash is skipped)."""
    if not path.exists():
        return []
    items = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:  # line by line: a torn write may have cut a character in two
            data = json.loads(raw.decode("utf-8"))
            items.append(Feedback(**{**data, "sources": tuple(data.get("sources", ()))}))
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError):
            logger.warning("%s:%d: skipping an unreadable feedback line", path, number)
    return items
