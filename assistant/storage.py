"""Crash-safe, serialized writes of trainer data.

Every write goes through a file lock (``filelock``, works across processes and console sessions)
and lands atomically: the new content is written to a temporary file in the same directory,
flushed to disk, then renamed over the old file. A process killed half-way leaves the previous
file intact; readers never see a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import StoreError


@contextlib.contextmanager
def locked(lock_path: Path, timeout_s: float = 30.0) -> Iterator[None]:
    """Hold the lock file ``lock_path`` (created if needed) for the duration of the block.

    Raises:
        StoreError: the lock could not be taken within ``timeout_s`` seconds.
    """
    from filelock import FileLock, Timeout

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(lock_path), timeout=timeout_s):
            yield
    except Timeout:
        raise StoreError(
            f"{lock_path}: another process has held the lock for over {timeout_s:.0f}s; try again"
        ) from None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"{path}: could not be saved ({exc.strerror or exc})") from None
    try:
        # mkstemp creates 0600 files: keep the old file's mode, or the usual umask-based one
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StoreError(f"{path}: could not be saved ({exc.strerror or exc})") from None
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    atomic_write_bytes(path, _utf8(path, text))


def append_line(path: Path, line: str) -> None:
    """Append one line to ``path`` durably. Call it while holding the file's lock.

    A crash can at worst leave a final line without its newline; readers skip such a torn line
    and the next append starts on a fresh line.
    """
    data = _utf8(path, line.rstrip("\n")) + b"\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab+") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    data = b"\n" + data
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise StoreError(f"{path}: could not be saved ({exc.strerror or exc})") from None


def _utf8(path: Path, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: from undecodable bytes or a broken JSON escape
        raise StoreError(
            f"{path}: cannot be saved: the text holds a lone surrogate (not valid Unicode) at character {exc.start + 1}"
        ) from None


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    # the rename itself must reach the disk too; not every platform allows opening a directory
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
