"""质检分析 (analysts): upload a table of chats, audit every reply with the checklist, chart it, download it."""

import hashlib
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from console.common import assistant, group_rate_chart, md_escape, reply_html, rule_rate_chart, show_error
from console.replay_view import replay_section

from assistant import audit
from assistant.charts import group_rates
from assistant.errors import AssistantError, FileFormatError, InputError
from assistant.reports import write_report

AUTO, NONE = "（自动识别）", "（不分组）"
# columns that name the agent of a reply, offered as the default grouping
GROUP_HINTS = (
    "agent",
    "agentname",
    "agentid",
    "staff",
    "客服昵称",
    "客服名",
    "客服姓名",
    "客服id",
    "坐席",
    "员工",
)
WORST = 10


@st.cache_data(max_entries=4, show_spinner=False)
def preview(name: str, data: bytes) -> pd.DataFrame | None:
    """The first rows of an uploaded table, read as the audit reads it, for choosing columns
    (None for chat logs and unreadable files: the audit itself names the problem)."""
    if Path(name).suffix.lower() not in (".csv", ".tsv", ".xlsx", ".xlsm", ".jsonl", ".json", ".ndjson"):
        return None
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ("upload" + Path(name).suffix.lower())
        path.write_bytes(data)
        try:
            names, records = audit.read_table(path)
        except AssistantError:
            return None
    return pd.DataFrame([record for _, record in records[:20]], columns=names)


def audit_upload(name: str, data: bytes, message: str | None, reply: str | None, by: str | None, rules):
    """Audit an upload with the checklist (a progress bar per 1,000 replies).

    Returns:
        The ``AuditReport`` and the bytes of its CSV and HTML reports.
    """
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / (re.sub(r"[^\w.\-]", "_", Path(name).name) or "upload.csv")
        path.write_bytes(data)
        try:
            rows, columns = audit.read_rows(path, message_col=message, reply_col=reply, by=by)
        except (FileFormatError, InputError) as exc:  # name the upload, not the scratch copy
            raise type(exc)(str(exc).replace(str(path), name)) from None
        bar = st.progress(0.0, text=f"正在质检 {len(rows):,} 条回复…")
        checked = []
        for n, row in enumerate(audit.audit_rows(rows, rules), start=1):
            checked.append(row)
            if n % 1000 == 0 or n == len(rows):
                bar.progress(n / len(rows), text=f"已质检 {n:,} / {len(rows):,} 条回复")
        bar.empty()
        report = audit.summarize(checked, rules, by=by, source=name, columns=columns)
        csv_bytes = write_report(report, Path(scratch) / "report.csv").read_bytes()
        html_bytes = write_report(report, Path(scratch) / "report.html").read_bytes()
    return report, csv_bytes, html_bytes


a = assistant()
st.header("质检分析")
if st.toggle("回放评估：用过去的对话检验语料 replay past chats", key="replay_mode"):
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
table = preview(upload.name, data)
columns = [str(c) for c in table.columns] if table is not None else []
message_col = reply_col = by = None
if columns:
    st.dataframe(table.head(5), hide_index=True)
    c = st.columns(3)
    reply_col = c[0].selectbox("客服回复列", [AUTO, *columns], key="reply_col")
    message_col = c[1].selectbox("买家消息列", [AUTO, *columns], key="message_col")
    hinted = next(
        (i + 1 for i, col in enumerate(columns) if re.sub(r"[\s_\-]", "", col.lower()) in GROUP_HINTS), 0
    )
    by = c[2].selectbox("按哪一列分组（如客服）", [NONE, *columns], index=hinted, key="group_col")
    reply_col, message_col, by = (None if v in (AUTO, NONE) else v for v in (reply_col, message_col, by))

clicked = st.button("开始质检", key="audit_button", type="primary")
try:
    rules = a.corpus.rules
    key = (
        upload.file_id,
        message_col,
        reply_col,
        by,
        hashlib.sha256(a.corpus_file("checklist.toml").encode()).hexdigest(),
    )
except AssistantError as exc:
    show_error(exc)
    st.stop()
done = st.session_state.get("audit")
if done is None or done[0] != key:
    # once a file is audited, a change of columns or rules audits it again without asking
    if not clicked and (done is None or done[0][0] != upload.file_id):
        st.stop()
    try:
        st.session_state.audit = done = (
            key,
            *audit_upload(upload.name, data, message_col, reply_col, by, rules),
        )
    except AssistantError as exc:
        show_error(exc)
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
    st.altair_chart(rule_rate_chart(by_rule), width="stretch")
    st.dataframe(
        by_rule,
        hide_index=True,
        column_config={"rate": st.column_config.NumberColumn("rate", format="percent")},
    )

if frames.by_group is not None:
    groups = frames.by_group.rename(columns={by: "group"}) if by else frames.by_group
    groups = groups.assign(violation_rate=1 - groups["pass_rate"])
    st.subheader(f"各{md_escape(by or '分组')}违规率")
    # the 20 groups with the most flagged replies, the rest folded into one bar (as %audit --plot)
    top = group_rates(groups, "group").rename(columns={"rate": "violation_rate"})
    st.altair_chart(group_rate_chart(top, by), width="stretch")
    st.dataframe(groups, hide_index=True)

st.subheader("问题最多的回复")
flagged_rows = (r for r in report.rows if r.violations)
worst = sorted(
    flagged_rows, key=lambda r: (-sum(v.severity == "error" for v in r.violations), -len(r.violations), r.row)
)[:WORST]
for row in worst:
    who = f" · {row.group}" if row.group else ""
    with st.expander(md_escape(f"第 {row.row} 行{who} · {len(row.violations)} 处：{'、'.join(row.rules)}")):
        if row.message:
            st.text(f"买家：{row.message}")
        st.html(reply_html(row.reply, row.violations))

d = st.columns([1, 1, 4])
stem = Path(upload.name).stem
d[0].download_button("下载报告 CSV", csv_bytes, f"{stem}-质检报告.csv", "text/csv", key="download_csv")
d[1].download_button("下载报告 HTML", html_bytes, f"{stem}-质检报告.html", "text/html", key="download_html")
