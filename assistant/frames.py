"""An ``AuditReport`` as pandas DataFrames (``AuditReport.frames()``), built column by column.

Pandas loads here, never with ``import assistant``. Rows keep the labels of the DataFrame they came
from; group keys keep their dtype and order (categories in their order, missing keys as NaN,
last), as ``DataFrame.groupby(..., dropna=False)`` would give them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the audit engine imports this module (AuditReport.frames())
    from .audit import AuditReport

ROW_COLUMNS = ("row", "line", "group", "passed", "rules", "violations", "message", "reply")
RULE_COLUMNS = ("rule", "severity", "count", "rate", "example", "example_row")
VIOLATION_COLUMNS = ("row", "group", "rule", "severity", "start", "end", "text", "message")


@dataclass(frozen=True)
class AuditFrames:
    """An audit as DataFrames.

    - ``rows`` (wide form): one row per audited reply, columns ``ROW_COLUMNS``; indexed by the
      DataFrame's own labels when the audit read a DataFrame (``.loc`` works on them).
    - ``by_rule``: one row per checklist rule, most frequent first: rule, severity, count, rate,
      example and example_row (the example's label in ``rows``: a DataFrame label, or the 1-based
      row number for files).
    - ``by_group`` (None without ``by``): the ``by`` column (its dtype kept; categories in their
      order, missing keys as NaN, last), rows, passed, pass_rate, then one count column per rule.
    - ``violations`` (long form): one row per violation, indexed like ``rows``: row, group, rule,
      severity, start, end (character offsets, end exclusive), text (the span) and message.
    """

    rows: Any
    by_rule: Any
    by_group: Any = None
    violations: Any = None


def _index(report: AuditReport, labels: list[Any]):
    if report.keyed:
        return labels_index(labels, report.index_name)
    return None


def labels_index(labels: list[Any], name: Any):
    """An index of DataFrame labels (a MultiIndex again when ``name`` is a tuple of level names)."""
    import pandas as pd

    if isinstance(name, tuple):
        return pd.MultiIndex.from_tuples(labels, names=list(name))
    return pd.Index(labels, name=name, tupleize_cols=False)


def group_values(report: AuditReport, values: list[Any]):
    """``values`` (group keys, None for missing) as a Series in the ``by`` column's own dtype."""
    import pandas as pd

    dtype = report.group_dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values, dtype=dtype))
    series = pd.Series(values, dtype=object)
    if dtype is not None:
        try:
            return series.astype(dtype)
        except (TypeError, ValueError):  # an int column with missing keys becomes float, as in pandas
            pass
    return series.infer_objects()


def report_frames(report: AuditReport, wide: bool = True) -> AuditFrames:
    """The frames of ``AuditFrames`` (see its docstring for the columns); ``wide=False`` leaves
    out the per-row frame (``rows`` is None), for callers that build their own."""
    import pandas as pd

    rows = report.rows
    if not wide:
        return AuditFrames(None, *_summary_frames(report))
    index = _index(report, [r.key for r in rows])
    has_groups = any(r.group is not None for r in rows)
    groups = group_values(report, [r.group for r in rows]) if has_groups else pd.Series([None] * len(rows))
    if index is not None:
        groups.index = index
    wide = pd.DataFrame(
        {
            "row": pd.Series([r.row for r in rows], dtype="int64", index=index),
            "line": pd.Series([r.line for r in rows], dtype="Int64", index=index),
            "group": groups,
            "passed": pd.Series([r.passed for r in rows], dtype=bool, index=index),
            "rules": pd.Series(
                [";".join(r.rules) if r.violations else "" for r in rows], dtype=object, index=index
            ),
            "violations": pd.Series([len(r.violations) for r in rows], dtype="int64", index=index),
            "message": pd.Series([r.message or "" for r in rows], dtype=object, index=index),
            "reply": pd.Series([r.reply for r in rows], dtype=object, index=index),
        },
        index=index,
    )
    return AuditFrames(wide, *_summary_frames(report))


def _summary_frames(report: AuditReport) -> tuple[Any, Any, Any]:
    """The per-rule, per-group and long frames."""
    import pandas as pd

    by_rule = pd.DataFrame([s.to_dict() for s in report.rules], columns=list(RULE_COLUMNS))
    if report.keyed:
        by_rule["example_row"] = pd.Series([s.example_key for s in report.rules], dtype=object)
    else:
        by_rule["example_row"] = pd.Series([s.example_row for s in report.rules], dtype="Int64")
    by_group = None
    if report.groups:
        rule_ids = [r.rule for r in report.rules]
        name = report.by or "group"
        data = {name: group_values(report, [g.group for g in report.groups])}
        data["rows"] = pd.Series([g.rows for g in report.groups], dtype="int64")
        data["passed"] = pd.Series([g.passed for g in report.groups], dtype="int64")
        data["pass_rate"] = pd.Series([g.pass_rate for g in report.groups], dtype="float64")
        for rule in rule_ids:
            data[rule] = pd.Series([g.counts.get(rule, 0) for g in report.groups], dtype="int64")
        by_group = pd.DataFrame(data)
    return by_rule, by_group, violations_frame(report)


def violations_frame(report: AuditReport):
    """The long form: one row per violation, indexed like the wide form's rows."""
    import pandas as pd

    columns: dict[str, list] = {c: [] for c in VIOLATION_COLUMNS}
    labels: list[Any] = []
    for r in report.rows:
        for v in r.violations:
            labels.append(r.key if report.keyed else r.row)
            columns["row"].append(r.row)
            columns["group"].append(r.group)
            columns["rule"].append(v.rule)
            columns["severity"].append(v.severity)
            columns["start"].append(v.start)
            columns["end"].append(v.end)
            columns["text"].append(v.text)
            columns["message"].append(v.message)
    index = labels_index(labels, report.index_name) if report.keyed else pd.Index(labels, name="row")
    frame = pd.DataFrame(
        {
            "row": pd.Series(columns["row"], dtype="int64", index=index),
            "group": group_values(report, columns["group"]).set_axis(index) if report.groups else None,
            "rule": pd.Series(columns["rule"], dtype=object, index=index),
            "severity": pd.Series(columns["severity"], dtype=object, index=index),
            "start": pd.Series(columns["start"], dtype="int64", index=index),
            "end": pd.Series(columns["end"], dtype="int64", index=index),
            "text": pd.Series(columns["text"], dtype=object, index=index),
            "message": pd.Series(columns["message"], dtype=object, index=index),
        },
        index=index,
    )
    if report.by and any(r.group is not None for r in report.rows):
        frame = frame.rename(columns={"group": report.by})
    else:
        frame = frame.drop(columns="group")
    return frame
