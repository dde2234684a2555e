"""One table reader for exported spreadsheets: CSV/TSV text (its delimiter decided on the header
line) and the first sheet of an XLSX workbook, as column names and rows of text cells, each with
the line (CSV) or spreadsheet row (XLSX) a trainer finds it on. Audits and chat imports read
tables through it.
"""

from __future__ import annotations

import csv
import io
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
    header_line = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = delimiter_of(header_line, Path(path).suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FileFormatError(f"{path}:1: bad CSV header ({exc})") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        previous_end = reader.line_num
        try:
            for row in reader:
                number = previous_end + 1  # the row starts on the line after the previous one ended
                previous_end = reader.line_num
                yield number, row
        except csv.Error as exc:
            raise FileFormatError(f"{path}:{reader.line_num}: bad CSV ({exc})") from None

    return names, delimiter, rows()


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
        values = book.worksheets[0].iter_rows(values_only=True)
        header = next(values, None)
        if header is None or not any(c is not None and str(c).strip() for c in header):
            raise FileFormatError(f"{path}:1: the first row of the first sheet must name the columns")
        names = ["" if c is None else str(c).strip() for c in header]
        rows = [
            (number, ["" if c is None else str(c) for c in row]) for number, row in enumerate(values, start=2)
        ]
    finally:
        book.close()
    return names, rows
