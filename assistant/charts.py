"""Charts of an audit (altair), aggregated before plotting so that they hold at any number of rows
and groups: one bar per rule that fired and, by group, the top groups with the rest folded into one.

Only rule ids, severities, group labels, counts and rates go into a chart's data (altair embeds
the data in the chart), never message or reply text.
"""

from __future__ import annotations

from typing import Any

SEVERITY_COLOURS = {"error": "#c62828", "warn": "#ef6c00", "info": "#1565c0"}
TOP_GROUPS = 20
MISSING_LABEL = "（空） missing"


def group_rates(by_group: Any, by: str, top: int = TOP_GROUPS):
    """Per-group violation rates for a chart: the ``top`` groups with the most flagged rows, then one
    row for all the other groups pooled, sorted by violation rate (highest first).

    Args:
        by_group: ``AuditFrames.by_group`` (the ``by`` column, rows, passed, ...).
        by: the name of its key column.
        top: how many groups keep a bar of their own.

    Returns:
        A DataFrame with columns group (text label), rows, flagged, rate, groups (how many groups
        the bar stands for).
    """
    import pandas as pd

    keys = by_group[by]
    labels = [MISSING_LABEL if pd.isna(k) else str(k) for k in keys]
    data = pd.DataFrame(
        {
            "group": labels,
            "rows": by_group["rows"].to_numpy(),
            "flagged": (by_group["rows"] - by_group["passed"]).to_numpy(),
            "groups": 1,
        }
    )
    data = data.sort_values(["flagged", "rows"], ascending=False, kind="stable")
    kept, rest = data.iloc[:top], data.iloc[top:]
    if len(rest):
        other = pd.DataFrame(
            {
                "group": [f"其他 {len(rest):,} 组 other groups"],
                "rows": [int(rest["rows"].sum())],
                "flagged": [int(rest["flagged"].sum())],
                "groups": [len(rest)],
            }
        )
        kept = pd.concat([kept, other], ignore_index=True)
    kept = kept.assign(rate=kept["flagged"] / kept["rows"].where(kept["rows"] > 0, 1))
    return kept.sort_values(["rate", "rows"], ascending=[False, False], kind="stable").reset_index(drop=True)


def rate_chart(
    by_rule: Any, by_group: Any = None, by: str | None = None, *, title: str = "", top: int = TOP_GROUPS
):
    """The violation rate of each rule that fired (bars coloured by severity, highest first) and,
    with ``by_group``, the violation rate of the top groups (``group_rates``) below it.

    Returns:
        An altair chart (a vertical concatenation when there are groups).
    """
    import altair as alt

    fired = by_rule[by_rule["count"] > 0].sort_values(["rate", "rule"], ascending=[False, True])
    rules = fired[["rule", "severity", "count", "rate"]].reset_index(drop=True)
    heading = f"{title}: " if title else ""
    colour = alt.Color(
        "severity:N",
        scale=alt.Scale(domain=list(SEVERITY_COLOURS), range=list(SEVERITY_COLOURS.values())),
        title="severity",
    )
    rule_chart = (
        alt.Chart(rules)
        .mark_bar()
        .encode(
            x=alt.X("rate:Q", axis=alt.Axis(format="%"), title="违规率 violation rate (share of rows)"),
            y=alt.Y("rule:N", sort=list(rules["rule"]), title=None),
            color=colour,
            tooltip=["rule", "severity", "count", alt.Tooltip("rate:Q", format=".1%")],
        )
        .properties(title=f"{heading}各规则违规率 violation rate by rule", width=420, height=alt.Step(18))
    )
    if by_group is None or by is None:
        return rule_chart
    groups = group_rates(by_group, by, top)
    shown = (
        f"top {min(top, len(by_group))} of {len(by_group):,}" if len(by_group) > top else f"{len(by_group)}"
    )
    group_chart = (
        alt.Chart(groups)
        .mark_bar(color="#5c6bc0")
        .encode(
            x=alt.X("rate:Q", axis=alt.Axis(format="%"), title="未通过率 share of replies not passed"),
            y=alt.Y("group:N", sort=list(groups["group"]), title=by),
            tooltip=[
                alt.Tooltip("group:N", title=by),
                "rows",
                "flagged",
                "groups",
                alt.Tooltip("rate:Q", format=".1%"),
            ],
        )
        .properties(
            title=f"{heading}按 {by} 未通过率 by {by} ({shown} groups, most flagged; the rest folded)",
            width=420,
            height=alt.Step(16),
        )
    )
    return alt.vconcat(rule_chart, group_chart)
