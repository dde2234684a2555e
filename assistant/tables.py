"""One table reader for exported spreadsheets: CSV/TSV text (its delimiter decided on the header
line) and the first sheet of an XLSX workbook, as column names and rows of text cells, each with
the line (CSV) or spreadsheet row (XLSX) a trainer finds it on. Audits and chat imports read
tables through it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import FileFormatError

DELIMITERS = (",", "\t", ";", "|")


def delimiter_of(header: str, suffix: str = "") -> str:
    """The delimiter of a CSV from its header line: the most frequent of ``DELIMITERS``.

    Decided on the header alone: a sniffer over whole rows is misled by quoted fields that hold
    commas and line breaks (a reply written over several lines). A header without any is one
    column: tab for ``.tsv``, else comma.
    """
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return "\t" if suffix.lower() == ".tsv" else ","
    return best


def csv_rows(text: str, path: str | Path) -> tuple[list[str], str, Iterator[tuple[int, list[str]]]]:
    """The header, the delimiter and the rows of CSV/TSV text.

    Args:
        text: the decoded file (a leading BOM is dropped).
        path: the file, for errors and its suffix.

    Returns:
        ``(names, delimiter, rows)``; ``rows`` yields ``(line, cells)`` lazily, ``line`` being the
        file line the row starts on (a quoted cell may span lines).

    Raises:
        FileFormatError: the text is empty, or the header or a row is not CSV (``path:line``).
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise FileFormatError(f"{path}: empty file")
    lines = [line for line in text.split("\n", HEAD_ROWS + 1)[:HEAD_ROWS] if line.strip()]
    delimiter = delimiter_of(lines[0], Path(path).suffix)
    if not any(d in lines[0] for d in DELIMITERS):
        # a title line above the header (导出时间: 2026-11-02) has no delimiter; the header has
        later = next((line for line in lines[1:6] if any(d in line for d in DELIMITERS)), None)
        if later is not None:
            delimiter = delimiter_of(later, Path(path).suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for row in reader:
            numbered.append((previous_end + 1, row))  # a row starts on the line after the previous one ended
            previous_end = reader.line_num
            if len(numbered) >= HEAD_ROWS:
                break
    except csv.Error as exc:
        raise FileFormatError(f"{path}:{reader.line_num}: bad CSV ({exc})") from None
    if not numbered:
        raise FileFormatError(f"{path}:1: bad CSV header")
    start = header_index([cells for _, cells in numbered])
    names = numbered[start][1]
    head = numbered[start + 1 :]

    def rows() -> Iterator[tuple[int, list[str]]]:
        yield from head
        end = previous_end
        try:
            for row in reader:
                yield end + 1, row
                end = reader.line_num
        except csv.Error as exc:
            raise FileFormatError(f"{path}:{reader.line_num}: bad CSV ({exc})") from None

    return names, delimiter, rows()


HEAD_ROWS = 12  # rows read to find the header under any title lines


def header_index(rows: list[list[str]]) -> int:
    """Which of a table's first rows is its header: the first, unless it and any rows after it are
    title lines of one cell (导出时间 / 店铺名称 above an export's header) followed by rows of several
    cells; then the first row of several cells."""
    filled = [sum(1 for c in row if str(c).strip()) for row in rows]
    first_wide = next((i for i, n in enumerate(filled) if n >= 2), None)
    if not first_wide or any(n > 1 for n in filled[:first_wide]):
        return 0
    # a one-column file's header (回复) is no title: a title says what, when or where (a colon, a
    # year, a sentence)
    titles = ["".join(row).strip() for row in rows[:first_wide]]
    if not all(not t or _TITLE.search(t) for t in titles):
        return 0
    return first_wide


_TITLE = re.compile(r"[:：]|\d{4}|^.{10,}$")


def xlsx_rows(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows of the first sheet of a workbook, cells as text ("" when empty),
    each row with its spreadsheet row number (as a trainer sees it in Excel).

    Raises:
        FileFormatError: the file is not a readable workbook, or its first row names no column.
    """
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (BadZipFile, KeyError ...) for a damaged file
        raise FileFormatError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        values = [
            ["" if c is None else str(c) for c in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        ]
        start = header_index(values[:HEAD_ROWS])  # past any title rows above the header
        header = values[start] if values else None
        if header is None or not any(c.strip() for c in header):
            raise FileFormatError(f"{path}:1: the first row of the first sheet must name the columns")
        names = [c.strip() for c in header]
        rows = list(enumerate(values[start + 1 :], start=start + 2))
    finally:
        book.close()
    return names, rows
