"""Reading user-supplied text files: encoding detection and clear refusals; JSONL lines and TOML
line numbers for ``file:line`` messages.

The one place that turns unknown bytes into text, used by ingestion, chat import, audit, the CLI
and the console's uploads.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import FileFormatError, Problem

logger = logging.getLogger(__name__)

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(raw: bytes, path: str | Path) -> str:
    """Decode the bytes of a text file whose encoding is unknown.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised directly; anything else is
    detected with charset-normalizer (GBK/GB18030, Big5, ...).

    Args:
        raw: the file's bytes.
        path: the file, for the error message.

    Returns:
        The text, with ``\\r\\n`` turned into ``\\n``.

    Raises:
        FileFormatError: the bytes are not text in any encoding charset-normalizer knows.
    """
    text = _decode(raw, path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(raw: bytes, path: str | Path) -> str:
    if not raw:
        return ""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                raise FileFormatError(
                    f"{path}:{line}: not valid {encoding} text despite its byte-order mark"
                ) from None
    if b"\x00" in raw[:8192]:
        raise FileFormatError(f"{path}: not a text file (binary data)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _mostly_utf8(raw):  # a damaged UTF-8 file: a guess at another encoding would garble all of it
            line = raw[: exc.start].count(b"\n") + 1
            raise FileFormatError(
                f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}) in a file that is otherwise UTF-8; "
                "fix that line or save the file as UTF-8 again"
            ) from None
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None and (gb18030 := _strict_gb18030(raw)) is not None:
        return gb18030  # charset-normalizer gives up on GB18030's four-byte characters (emoji)
    if best is None:
        raise FileFormatError(f"{path}: not a text file (unknown encoding or binary data); save it as UTF-8")
    text = str(best)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(2, len(text) // 100):
        raise FileFormatError(f"{path}: not a text file (binary data)")
    logger.info("%s: decoded as %s", path, best.encoding)
    return text


def _strict_gb18030(raw: bytes) -> str | None:
    """The text when the bytes are strict GB18030 and mostly Chinese characters, else None."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    wide = [ch for ch in text if ch > "\x7f"]
    cjk = sum(1 for ch in wide if "\u3000" <= ch <= "\u303f" or "\u4e00" <= ch <= "\u9fff" or ch >= "\uff00")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return text if wide and cjk >= 0.8 * len(wide) and controls <= 2 else None


def _mostly_utf8(raw: bytes) -> bool:
    """True when nearly all non-ASCII characters decode as UTF-8 (GBK or Big5 text decodes as
    UTF-8 only by accident, for a small share of its characters)."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return good >= 4 * bad


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a user's file, with a one-line error naming it when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise FileFormatError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot be read ({exc.strerror})") from None


def read_text_file(path: str | Path) -> str:
    """The text of ``path`` with its encoding detected (see ``decode_text``).

    Raises:
        FileFormatError: the file is missing, unreadable or not text.
    """
    return decode_text(read_bytes(path), path)


def read_patterns_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The table of a patterns file shipped beside a module (``what`` names it in errors)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FileFormatError(f"{path}: cannot read {what} ({exc})") from None


def compile_pattern(pattern: str, path: str | Path, flags: int = 0) -> re.Pattern:
    """``re.compile`` with an error that names the patterns file."""
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise FileFormatError(f"{path}: bad regex {pattern!r}: {exc}") from None


def pattern_or_problem(
    value: object, path: str | Path, section: str, key: str, problems: list[Problem]
) -> re.Pattern | None:
    """A trainer's pattern from a rules file compiled, or None (empty value, or a bad pattern: then a
    ``Problem`` naming the file, its line and ``[section] key`` is appended to ``problems``), so a
    loader reports every bad pattern of a file at once instead of stopping at the first."""
    if not value:
        return None
    try:
        return re.compile(str(value))
    except re.error as exc:
        problems.append(
            Problem(str(path), toml_line(path, str(value)), f"[{section}] {key}: bad pattern ({exc})")
        )
        return None


# ----------------------------------------------------------------------------- JSONL and TOML lines


def json_lines(text: str, *, comments: bool = False) -> Iterator[tuple[int, Any, str | None]]:
    """Every non-blank line of JSONL text, parsed: ``(line number, value, None)``, or
    ``(line number, None, "bad JSON at column N: reason")`` for a line that is not JSON, so that a
    caller can report it as ``path:line: ...`` and go on or stop. ``comments`` skips ``//`` lines.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or (comments and stripped.startswith("//")):
            continue
        try:  # the line as it is, so that a column counts from the start of the file's line
            yield number, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield number, None, f"bad JSON at column {exc.colno}: {exc.msg}"


def json_objects(text: str, where: str | Path) -> Iterator[tuple[int, dict]]:
    """The JSON objects of JSONL text, one a line, with their line numbers; strict.

    Raises:
        FileFormatError: ``where:line: bad JSON ...`` or ``where:line: each line must be a JSON object``.
    """
    for number, value, error in json_lines(text):
        if error is not None:
            raise FileFormatError(f"{where}:{number}: {error}")
        if not isinstance(value, dict):
            raise FileFormatError(f"{where}:{number}: each line must be a JSON object")
        yield number, value


def toml_error_line(exc: Exception) -> int | None:
    """The line of a TOML syntax error: tomllib's ``lineno`` (Python 3.14+) or the "at line N" of
    its message (earlier versions have no attribute)."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    found = re.search(r"at line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def toml_line(path: str | Path, needle: str, text: str | None = None) -> int | None:
    """The line of a TOML file where ``needle`` is, for ``file:line`` problems.

    A table (``"[policy]"``, or a prefix such as ``"[scenarios"``) is found by its header; a key by
    the line that assigns it (``key = ...``, quoted or not); failing that, the first line that
    contains ``needle`` (a pattern inside a value). None when it is nowhere or the file is unreadable.

    Args:
        path: the TOML file.
        needle: a table header, a key or any text.
        text: the file's text when the caller has it already (not read again).
    """
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    lines = text.split("\n")
    if needle.startswith("["):
        wanted = needle.replace(" ", "")
        return next((n for n, line in enumerate(lines, 1) if line.replace(" ", "").startswith(wanted)), None)
    key = re.compile(rf"^\s*[\"']?{re.escape(needle)}[\"']?\s*=")
    found = next((n for n, line in enumerate(lines, 1) if key.match(line)), None)
    return found or next((n for n, line in enumerate(lines, 1) if needle in line), None)
