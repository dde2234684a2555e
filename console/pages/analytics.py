"""质检分析 (analysts): upload a table of chats, audit every reply with the checklist, chart it, download it.

The audit is one call to the core (``Assistant.audit_upload``), which reads the upload exactly as
``assistant audit`` reads a file: a bad file gets the CLI's one-line error (naming the upload),
followed by the page's own way to do what the CLI option named in it does (``uploads.console_hint``).
When the reply column cannot be detected the page asks for it instead of guessing. Rules are named
in Chinese (the id on hover); per-agent tables have Chinese headings and percentages.
"""

import html
from pathlib import Path

import pandas as pd
import streamlit as st

from assistant.charts import group_rates
from assistant.errors import AssistantError, FileFormatError
from assistant.reports import report_bytes
from assistant.uploads import console_hint, preview_upload
from console.common import (
    assistant,
    esc,
    group_rate_chart,
    md_escape,
    reply_html,
    rule_name,
    rule_rate_chart,
    severity_name,
    show_error,
)
from console.replay_view import replay_section

AUTO, NONE, CHOOSE = "（自动识别）", "（不分组）", "（请选择）"
WORST = 10


@st.cache_data(max_entries=4, show_spinner=False)
def preview(name: str, data: bytes):
    """The first rows of an upload and the columns detected (``uploads.UploadPreview``), or the
    one-line error of a file that cannot be read at all."""
    try:
        return preview_upload(name, data), None
    except AssistantError as exc:
        return None, exc


def show_upload_error(exc: AssistantError) -> None:
    """The CLI's one-line error, then which box of this page does what the CLI option it names does."""
    show_error(exc)
    hint = console_hint(str(exc))
    if hint:
        st.info(md_escape(hint))


def audit_upload(name: str, data: bytes, message: str | None, reply: str | None, by: str | None):
    """Audit an upload through the core, with a progress bar.

    Returns:
        The ``AuditReport`` and the bytes of its CSV and HTML reports.
    """
    bar = st.progress(0.0, text="正在质检…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"已质检 {done:,} / {total:,} 条回复")

    try:
        report = a.audit_upload(name, data, message_col=message, reply_col=reply, by=by, on_progress=progress)
    finally:
        bar.empty()
    return report, report_bytes(report, "report.csv"), report_bytes(report, "report.html")


def rule_table(by_rule: pd.DataFrame) -> str:
    """Rules with violations as an HTML table: the Chinese name, its id on hover, the rate in %."""
    rows = "".join(
        f'<tr><td title="{html.escape(r.rule, quote=True)}">{esc(rule_name(r.rule))}</td>'
        f"<td>{esc(severity_name(r.severity))}</td><td style='text-align:right'>{r.count:,}</td>"
        f"<td style='text-align:right'>{r.rate:.1%}</td><td>{esc(r.example)}</td></tr>"
        for r in by_rule.itertuples()
    )
    return (
        '<table style="width:100%;border-collapse:collapse;font-size:0.9em" class="rule-table">'
        "<thead><tr><th style='text-align:left'>规则</th><th style='text-align:left'>级别</th>"
        "<th style='text-align:right'>次数</th><th style='text-align:right'>违规率</th>"
        f"<th style='text-align:left'>例子</th></tr></thead><tbody>{rows}</tbody></table>"
    )


a = assistant()
st.header("质检分析")
if st.toggle("回放评估：用过去的对话检验语料", key="replay_mode"):
    replay_section(a)
    st.stop()
upload = st.file_uploader(
    "上传聊天记录（CSV / XLSX / JSONL 表格：一行一条客服回复，带买家消息列更准；或京东 JDDC 对话日志）",
    type=["csv", "tsv", "xlsx", "jsonl", "txt"],
    key="chats",
)
if upload is None:
    st.caption("表格至少要有一列客服回复；有“客服”之类的列时可以按客服分组统计。")
    st.stop()

data = upload.getvalue()
if st.session_state.get("_columns_of") != upload.file_id:  # a new file: its own column choices
    for key in ("reply_col", "message_col", "group_col"):
        st.session_state.pop(key, None)
    st.session_state["_columns_of"] = upload.file_id
shown, unreadable = preview(upload.name, data)
if unreadable is not None:
    show_upload_error(unreadable)
    st.stop()
columns = list(shown.names)
message_col = reply_col = by = None
if columns:
    st.dataframe(pd.DataFrame(list(shown.records[:5]), columns=columns), hide_index=True)
    c = st.columns(3)
    if shown.columns is None:  # nothing looks like a reply: ask, never guess
        show_upload_error(FileFormatError(shown.problem))
        reply_col = c[0].selectbox(
            "客服回复列（请选择）", columns, index=None, key="reply_col", placeholder=CHOOSE
        )
    else:
        reply_col = c[0].selectbox("客服回复列", [AUTO, *columns], key="reply_col")
    message_col = c[1].selectbox("买家消息列", [AUTO, *columns], key="message_col")
    hinted = columns.index(shown.group) + 1 if shown.group else 0  # the agent column (table_columns.toml)
    by = c[2].selectbox("按哪一列分组（如客服）", [NONE, *columns], index=hinted, key="group_col")
    reply_col, message_col, by = (
        None if v in (AUTO, NONE, None) else v for v in (reply_col, message_col, by)
    )
    if shown.columns is None and reply_col is None:
        st.stop()

clicked = st.button("开始质检", key="audit_button", type="primary")
try:
    rules = a.corpus.rules  # the checklist in use: after a trainer's edit, the file is audited again
except AssistantError as exc:
    show_error(exc)
    st.stop()
key = (upload.file_id, message_col, reply_col, by, rules)
done = st.session_state.get("audit")
if done is None or done[0] != key:
    # once a file is audited, a change of columns or rules audits it again without asking
    if not clicked and (done is None or done[0][0] != upload.file_id):
        st.stop()
    try:
        st.session_state.audit = done = (key, *audit_upload(upload.name, data, message_col, reply_col, by))
    except AssistantError as exc:
        st.session_state.pop("audit", None)
        show_upload_error(exc)
        st.stop()
_, report, csv_bytes, html_bytes = done

if report.columns is not None:
    st.caption(md_escape(report.columns.describe()))
frames = report.frames()
flagged = sum(1 for r in report.rows if r.violations)
m = st.columns(3)
m[0].metric("回复数", f"{report.total:,}")
m[1].metric("通过率", f"{report.passed / report.total:.1%}" if report.total else "-")
m[2].metric("有问题的回复", f"{flagged:,}")

by_rule = frames.by_rule[frames.by_rule["count"] > 0]
st.subheader("各规则违规率")
if by_rule.empty:
    st.success("没有发现违规")
else:
    named = by_rule.assign(
        规则=[rule_name(r) for r in by_rule["rule"]], 级别=[severity_name(s) for s in by_rule["severity"]]
    )
    st.altair_chart(rule_rate_chart(named), width="stretch")
    st.html(rule_table(by_rule))

if frames.by_group is not None:
    group = by or "分组"
    groups = frames.by_group.rename(columns={by: "group"}) if by else frames.by_group
    groups = groups.assign(violation_rate=1 - groups["pass_rate"])
    st.subheader(f"各{md_escape(group)}违规率")
    # the 20 groups with the most flagged replies, the rest folded into one bar (as %audit --plot)
    top = group_rates(groups, "group").rename(columns={"rate": "violation_rate"})
    st.altair_chart(group_rate_chart(top, by), width="stretch")
    rule_columns = [
        c for c in groups.columns if c not in ("group", "rows", "passed", "pass_rate", "violation_rate")
    ]
    table = groups[["group", "rows", "pass_rate", "violation_rate", *rule_columns]].rename(
        columns={
            "group": group,
            "rows": "回复数",
            "pass_rate": "通过率",
            "violation_rate": "有问题占比",
            **{r: rule_name(r) for r in rule_columns},
        }
    )
    table = table.loc[
        :, [c for c in table.columns if c not in map(rule_name, rule_columns) or table[c].sum() > 0]
    ]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "通过率": st.column_config.NumberColumn("通过率", format="percent"),
            "有问题占比": st.column_config.NumberColumn("有问题占比", format="percent"),
            **{rule_name(r): st.column_config.NumberColumn(rule_name(r), help=r) for r in rule_columns},
        },
    )

st.subheader("问题最多的回复")
flagged_rows = (r for r in report.rows if r.violations)
worst = sorted(
    flagged_rows, key=lambda r: (-sum(v.severity == "error" for v in r.violations), -len(r.violations), r.row)
)[:WORST]
for row in worst:
    who = f" · {row.group}" if row.group else ""
    names = "、".join(dict.fromkeys(rule_name(v.rule, v.message) for v in row.violations))
    with st.expander(md_escape(f"第 {row.row} 行{who} · {len(row.violations)} 处：{names}")):
        if row.message:
            st.text(f"买家：{row.message}")
        st.html(reply_html(row.reply, row.violations))

d = st.columns([1, 1, 4])
stem = Path(upload.name).stem
d[0].download_button("下载报告 CSV", csv_bytes, f"{stem}-质检报告.csv", "text/csv", key="download_csv")
d[1].download_button("下载报告 HTML", html_bytes, f"{stem}-质检报告.html", "text/html", key="download_html")
