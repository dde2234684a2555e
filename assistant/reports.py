"""Saving an audit report: CSV, XLSX, HTML or Parquet, one writer for the CLI, the magics and the console.

Every format is safe to open in Excel: CSV is UTF-8 with a byte-order mark (so Excel reads the
Chinese text), a text cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading apostrophe in CSV and is stored as a string cell in XLSX (so Excel
never runs it), and the violations are written as readable text (``rule [severity] 「span」``),
never as Python list text.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path
from typing import Any

from .audit import AuditReport, AuditRow
from .checklist import BLOCKING, render_html
from .errors import InputError

REPORT_SUFFIXES = (".csv", ".xlsx", ".html", ".htm", ".parquet")
EXPORT_COLUMNS = ("row", "line", "group", "passed", "rules", "violations", "details", "message", "reply")
EXCEL_ROWS = 1_048_576  # rows in an Excel sheet, the header included
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_report_path(path: str | Path, option: str = "--out") -> Path:
    """``path`` if its extension names a report format.

    Raises:
        InputError: any other extension (one line, naming the formats).
    """
    path = Path(path)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(f"{option} {path.name!r}: the report must end in .csv, .xlsx, .html or .parquet")
    return path


def details(row: AuditRow) -> str:
    """The violations of a row as readable text: ``refusal.blunt [warn] 「不行」; ...``."""
    return "; ".join(f"{v.rule} [{v.severity}] 「{v.text}」" for v in row.violations)


def export_records(report: AuditReport) -> tuple[list[str], list[list[Any]]]:
    """The report's rows as a header and cells (``EXPORT_COLUMNS``, as the CLI's CSV has always
    had them plus ``details``; a first ``index`` column holds DataFrame labels when rows have them)."""
    header = list(EXPORT_COLUMNS)
    keyed = report.keyed
    if keyed:
        name = report.index_name
        header.insert(
            0, "index" if name is None else "/".join(map(str, name)) if isinstance(name, tuple) else str(name)
        )
    records = []
    for r in report.rows:
        cells = [
            r.row,
            r.line,
            r.group,
            r.passed,
            ";".join(r.rules),
            len(r.violations),
            details(r),
            r.message or "",
            r.reply,
        ]
        records.append([r.key, *cells] if keyed else cells)
    return header, records


def excel_safe(value: Any) -> Any:
    """A text cell that Excel would read as a formula, with a leading apostrophe; other values as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_report(
    report: AuditReport, path: str | Path, guidance_titles: dict[str, str] | None = None
) -> Path:
    """Save a report by its extension: ``.csv`` (one line per row, Excel-safe), ``.xlsx`` (the rows,
    then the per-rule and per-group sheets), ``.html`` (summary, per-group table, flagged replies
    highlighted) or ``.parquet`` (the rows, text exactly as audited; needs pyarrow).

    Raises:
        InputError: another extension, or Parquet without pyarrow.
        StoreError: the file cannot be written.
    """
    from .errors import StoreError
    from .storage import atomic_write_bytes

    path = check_report_path(path)
    data = report_bytes(report, path.name, guidance_titles)
    try:
        atomic_write_bytes(path, data)
        umask = os.umask(0)
        os.umask(umask)
        path.chmod(0o666 & ~umask)  # a report is for sharing; the atomic write leaves it private
    except OSError as exc:
        raise StoreError(f"{path}: cannot write the report ({exc.strerror})") from None
    return path


def report_bytes(report: AuditReport, name: str, guidance_titles: dict[str, str] | None = None) -> bytes:
    """The bytes of a report in the format ``name``'s extension names (as ``write_report`` saves
    it); the console offers them for download without a file on the server.

    Raises:
        InputError: another extension, an XLSX too long for a sheet, or Parquet without pyarrow.
    """
    path = check_report_path(name)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_bytes(report)
    if suffix == ".xlsx":
        if report.total >= EXCEL_ROWS:
            raise InputError(
                f"--out {path.name!r}: {report.total:,} rows do not fit in an Excel sheet "
                f"({EXCEL_ROWS - 1:,} at most); save as .csv or .parquet"
            )
        return _xlsx_bytes(report)
    if suffix == ".parquet":
        return _parquet_bytes(report, path)
    return report_html(report, guidance_titles).encode("utf-8")


def _csv_bytes(report: AuditReport) -> bytes:
    header, records = export_records(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for cells in records:
        writer.writerow(["" if c is None else excel_safe(c) for c in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def _xlsx_bytes(report: AuditReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)

    def sheet(title: str, header: list[str], records: list[list[Any]]) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for cells in records:
            row = []
            for value in cells:
                if hasattr(value, "item") and not isinstance(value, str):
                    value = value.item()
                if isinstance(value, str):
                    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                    cell.data_type = "s"  # a string cell, even for '=...': Excel shows it, never runs it
                elif value is None or isinstance(value, bool | int | float):
                    cell = WriteOnlyCell(ws, value=value)
                else:
                    cell = WriteOnlyCell(ws, value=str(value))
                    cell.data_type = "s"
                row.append(cell)
            ws.append(row)

    sheet("rows", *export_records(report))
    sheet(
        "by_rule",
        ["rule", "severity", "count", "rate", "example", "example_row"],
        [[s.rule, s.severity, s.count, s.rate, s.example, s.example_row] for s in report.rules],
    )
    if report.groups:
        rule_ids = [s.rule for s in report.rules if s.count]
        sheet(
            "by_group",
            [report.by or "group", "rows", "passed", "pass_rate", *rule_ids],
            [
                [g.group, g.rows, g.passed, g.pass_rate, *(g.counts.get(r, 0) for r in rule_ids)]
                for g in report.groups
            ],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _parquet_bytes(report: AuditReport, path: Path) -> bytes:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(
            f"--out {path.name!r}: writing Parquet needs pyarrow (pip install pyarrow)"
        ) from None
    import pandas as pd

    header, records = export_records(report)
    frame = pd.DataFrame(records, columns=header)
    for column in frame.columns:
        if frame[column].dtype == object:  # mixed keys (str and None) as text, which Parquet can hold
            frame[column] = frame[column].map(lambda v: None if v is None else str(v))
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def report_html(
    report: AuditReport, guidance_titles: dict[str, str] | None = None, max_rows: int = 500
) -> str:
    """A standalone HTML page of the report (all text escaped)."""
    esc = html.escape
    head = (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>质检报告 audit</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}th{background:#f5f5f5}</style></head><body>"
    )
    parts = [head, f"<h1>质检报告 audit: {esc(report.source)}</h1>"]
    parts.append(
        f"<p>{report.total} rows, {report.passed} passed ({report.passed / report.total:.1%})</p>"
        if report.total
        else "<p>no rows</p>"
    )
    parts.append(
        "<h2>按规则 by rule</h2><table><tr><th>rule</th><th>severity</th><th>count</th><th>rate</th><th>example</th></tr>"
    )
    for s in report.rules:
        title = f" <small>{esc(guidance_titles.get(s.rule, ''))}</small>" if guidance_titles else ""
        parts.append(
            f"<tr><td>{esc(s.rule)}{title}</td><td>{esc(s.severity)}</td><td>{s.count}</td>"
            f"<td>{s.rate:.2%}</td><td>{esc(s.example)}</td></tr>"
        )
    parts.append("</table>")
    if report.groups:
        rule_ids = [s.rule for s in report.rules if s.count]
        parts.append(
            f"<h2>按{esc(report.by or 'group')} by group</h2><table><tr><th>{esc(report.by or 'group')}</th><th>rows</th><th>pass rate</th>"
        )
        parts.extend(f"<th>{esc(r)}</th>" for r in rule_ids)
        parts.append("</tr>")
        for g in report.groups:
            parts.append(
                f"<tr><td>{esc('' if g.group is None else str(g.group))}</td><td>{g.rows}</td><td>{g.pass_rate:.1%}</td>"
            )
            parts.extend(f"<td>{g.counts.get(r, 0)}</td>" for r in rule_ids)
            parts.append("</tr>")
        parts.append("</table>")
    flagged = [r for r in report.rows if r.violations]
    parts.append(
        f"<h2>有问题的回复 flagged replies ({len(flagged)})</h2><table><tr><th>row</th><th>message</th><th>reply</th><th>rules</th></tr>"
    )
    for row in flagged[:max_rows]:
        blocking = any(v.severity in BLOCKING for v in row.violations)
        parts.append(
            f"<tr><td>{row.row}</td><td>{esc(row.message or '')}</td><td>{render_html(row.reply, row.violations)}</td>"
            f"<td>{'<b>' if blocking else ''}{esc(', '.join(row.rules))}{'</b>' if blocking else ''}</td></tr>"
        )
    parts.append("</table>")
    if len(flagged) > max_rows:
        parts.append(f"<p>… {len(flagged) - max_rows} more (see the CSV report)</p>")
    parts.append("</body></html>")
    return "".join(parts)
