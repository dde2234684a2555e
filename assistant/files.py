"""Reading user-supplied text files: encoding detection and clear refusals."""

from __future__ import annotations

from pathlib import Path

from .errors import FileFormatError

# Encodings tried in order before asking charset-normalizer: most Chinese files are one of these.
_LIKELY = ("utf-8-sig", "gb18030")


def decode_bytes(raw: bytes, name: str) -> str:
    """Decode the bytes of a text file, detecting UTF-8, GBK/GB18030, Big5 and UTF-16.

    Raises:
        FileFormatError: the bytes are not text (binary, or no encoding fits).
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise FileFormatError(f"{name}: looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        return str(best)
    for encoding in _LIKELY[1:]:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    line = raw[: utf8_error.start].count(b"\n") + 1
    raise FileFormatError(f"{name}:{line}: not readable as UTF-8, GBK or Big5 text; save the file as UTF-8")


def read_text_file(path: Path) -> str:
    """The text of ``path`` with its encoding detected (see ``decode_bytes``).

    Raises:
        FileFormatError: the file is missing, unreadable or not text.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise FileFormatError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    return decode_bytes(raw, str(path))
