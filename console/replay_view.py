"""回放评估 on the analytics page: upload a chat log, replay its held-out sessions through the
suggester (one call: ``Assistant.replay_upload``), see coverage, hit rates and grounding per corpus
and scenario. The words on the page are Chinese; the tables keep the report's column names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import AssistantError
from assistant.replay import CORPUS_MODES, DEFAULT_POLICY
from console.common import md_escape, show_error

MODE_NAMES = {
    "history": "历史导入（其余会话导入为案例）",
    "both": "现有+历史（现有语料加上导入的历史）",
    "current": "现有语料",
    "starter": "入门语料",
}


def run_replay(a: Any, name: str, data: bytes, holdout: float, modes: list[str], policy: str):
    """Replay an upload through the core, with a progress bar.

    Returns:
        The ``ReplayReport`` and its HTML report.
    """
    bar = st.progress(0.0, text="正在回放…")

    def progress(mode: str, done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"{MODE_NAMES[mode]}: {done:,} / {total:,} 轮")

    try:
        report = a.replay_upload(name, data, holdout=holdout, modes=modes, policy=policy, progress=progress)
    finally:
        bar.empty()
    return report, report.to_html()


def replay_section(a: Any) -> None:
    """The replay section: inputs, the run, and the report of the last run."""
    st.subheader("回放评估")
    st.caption(
        "把过去的对话按会话留出一部分，用其余会话（或现有语料）做语料，逐轮重放留出的对话，"
        "看建议能否说出客服当时的回复。命中：意图一致且语义相似度达到阈值。"
    )
    upload = st.file_uploader(
        "上传聊天记录（千牛 / 京东咚咚 / 抖店导出的 CSV、XLSX，JSONL，或 JDDC 2019 日志）",
        type=["csv", "tsv", "xlsx", "jsonl", "txt"],
        key="replay_log",
    )
    c = st.columns([1, 2, 1])
    holdout = c[0].slider("留出会话比例", 0.05, 1.0, 0.2, 0.05, key="replay_holdout")
    modes = c[1].multiselect(
        "评估哪些语料",
        list(CORPUS_MODES),
        default=["history", "current"],
        format_func=MODE_NAMES.get,
        key="replay_modes",
    )
    policy = c[2].text_input("审核策略", DEFAULT_POLICY, key="replay_policy")
    clicked = st.button("开始回放", key="replay_button", type="primary", disabled=upload is None or not modes)
    if upload is None:
        st.caption("导出的对话要有会话、角色（买家/客服）和内容三列；留出的会话越多，结果越稳。")
        return
    key = (upload.file_id, holdout, tuple(modes), policy)
    if clicked:
        try:
            st.session_state.replay = (
                key,
                *run_replay(a, upload.name, upload.getvalue(), holdout, modes, policy),
            )
        except AssistantError as exc:
            show_error(exc)
            return
    done = st.session_state.get("replay")
    if done is None or done[0] != key:
        return
    _, report, html_report = done
    show_report(report)
    stem = Path(upload.name).stem
    st.download_button(
        "下载回放报告 HTML", html_report, f"{stem}-回放报告.html", "text/html", key="replay_download"
    )


def show_report(report: Any) -> None:
    """The numbers of a ``ReplayReport``: one metric row per corpus version, then the tables."""
    st.caption(
        md_escape(
            f"{report.sessions:,} 个会话，留出 {report.heldout_sessions:,} 个（seed {report.seed}）；"
            f"审核策略 {report.policy}"
        )
    )
    middle = report.thresholds[len(report.thresholds) // 2]
    for version, row in zip(report.corpora, report.summary(), strict=True):
        made = f"，导入 {version.imported:,} 条候选，通过 {version.approved:,}" if version.imported else ""
        st.markdown(
            f"**{md_escape(MODE_NAMES[version.mode])}** · `{version.corpus_hash}` · "
            f"{version.cases:,} 条已审核案例{md_escape(made)}"
        )
        if version.leaked:
            st.warning(md_escape(f"{version.leaked:,} 条案例来自留出的会话，命中率会偏高"))
        m = st.columns(5)
        m[0].metric("轮次", f"{row.turns:,}")
        m[1].metric("覆盖率", f"{row.coverage:.1%}", help="有建议的轮次占比 coverage")
        m[2].metric(
            "命中率", f"{row.hit_rate(middle):.1%}", help=f"意图一致且相似度不低于 {middle:g} hit@{middle:g}"
        )
        m[3].metric("无据事实", f"{row.ungrounded_share:.1%}", help="建议里出现没有来源的事实 ungrounded")
        m[4].metric(
            "可避免的违规",
            f"{row.avoided:,}/{row.agent_violations:,}",
            help="客服回复的违规里，建议没有犯的 avoided",
        )
    frames = report.frames()
    st.subheader("总体")
    st.dataframe(frames.summary, hide_index=True)
    if report.earlier:
        import pandas as pd

        st.subheader("同一批留出会话此前的回放")
        st.dataframe(pd.json_normalize(list(report.earlier)), hide_index=True)
    st.subheader("分场景")
    st.dataframe(frames.by_scenario, hide_index=True)
    st.subheader("逐轮")
    st.dataframe(frames.turns, hide_index=True)
