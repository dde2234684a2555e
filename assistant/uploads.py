"""Tables uploaded to the console, read exactly as ``assistant audit`` reads files.

A browser upload is bytes and a name. ``read_upload`` writes it to a scratch file named like the
upload and calls the audit's own reader (``audit_read.read_rows``), so every bad file (empty, one
column, no reply-like column, not a table, wrong encoding) fails with the CLI's one-line message,
naming the upload instead of a server path; the error names the CLI's options too (the line is the
CLI's, word for word) and ``console_hint`` says, in Chinese, which of the page's boxes does the same.
``preview_upload`` reads the first rows and says which columns would be used, or why none could be
chosen, so the page can ask for the mapping.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .columns import CLI_OPTIONS
from .errors import AssistantError

# the console's column choosers, which do what the CLI's options do
CONSOLE_BOXES = {
    "--reply-col": "在“客服回复列”里选择客服回复所在的列",
    "--message-col": "在“买家消息列”里选择买家消息所在的列",
    "--by": "在“按哪一列分组”里选择分组的列",
}
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".jsonl", ".json", ".ndjson")


@dataclass(frozen=True)
class UploadPreview:
    """The first rows of an uploaded table and the columns the audit would use.

    ``columns`` is None and ``problem`` says why when they cannot be detected (the page then asks);
    ``names`` is empty for chat logs, which have no columns to choose. ``group`` is the column that
    names the agent of each reply, if one does (``columns.group_column``), the default grouping.
    """

    names: tuple[str, ...]
    records: tuple[dict, ...]
    columns: Any = None  # columns.Columns
    problem: str = ""
    group: str | None = None


@contextmanager
def scratch_copy(name: str, data: bytes) -> Iterator[Path]:
    """The upload saved under its own (sanitised) name in a temporary folder, for the readers that
    take a path; an ``AssistantError`` raised inside names the upload, never the scratch copy."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (re.sub(r"[^\w.\-]", "_", Path(name).name) or "upload.csv")
        path.write_bytes(data)
        try:
            yield path
        except AssistantError as exc:  # name the upload, never the scratch copy
            raise type(exc)(str(exc).replace(str(path), name).replace(folder, "")) from None


def read_upload(
    name: str,
    data: bytes,
    *,
    message_col: str | None = None,
    reply_col: str | None = None,
    by: str | None = None,
    options: dict[str, str] = CLI_OPTIONS,
) -> tuple[list, Any]:
    """Read an uploaded table or chat log into audit rows, as ``assistant audit`` reads a file.

    Returns:
        ``(rows, columns)`` as ``audit_read.read_rows`` returns them.

    Raises:
        FileFormatError / InputError: the one-line message of the CLI, naming ``name`` (and a file
            with a header but no rows, which the CLI reports as 0 replies).
    """
    from .audit_read import read_rows
    from .errors import FileFormatError

    with scratch_copy(name, data) as path:
        rows, columns = read_rows(path, message_col=message_col, reply_col=reply_col, by=by, options=options)
    if not rows:  # a header only: nothing to audit is not a 100% pass
        raise FileFormatError(f"{name}: 没有可质检的回复 no replies to audit (a header only?)")
    return rows, columns


def preview_upload(name: str, data: bytes, limit: int = 20) -> UploadPreview:
    """The first ``limit`` rows of an uploaded table and the columns detected in it.

    Raises:
        FileFormatError: the file cannot be read as a table (empty, not text ...), naming ``name``.
    """
    from .audit_read import read_table
    from .columns import choose_columns, group_column

    if Path(name).suffix.lower() not in TABLE_SUFFIXES:
        return UploadPreview((), ())
    with scratch_copy(name, data) as path:
        names, records = read_table(path)
        first = tuple(r for _, r in records[:limit])
        try:
            columns = choose_columns(names, where=name)
        except AssistantError as exc:
            if not names:
                raise
            return UploadPreview(tuple(names), first, None, str(exc), group_column(names))
    return UploadPreview(tuple(names), first, columns, group=group_column(names))


def console_hint(message: str) -> str:
    """What the console's analyst does instead of the CLI options an error names (Chinese, one
    line; empty when it names none): ``name it with --reply-col`` → choose in “客服回复列”."""
    found = [hint for option, hint in CONSOLE_BOXES.items() if re.search(rf"{option}(?![\w-])", message)]
    return "在页面上：" + "；".join(found) if found else ""
