"""回复助手 (agents): the buyer's message in; scenario, suggestions and guidance out; edit, check, copy, rate."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # console/, for `common`, also when run alone

import streamlit as st
from common import (
    assistant,
    context_html,
    guarded,
    label,
    md_escape,
    reply_html,
    show_error,
    show_flash,
    suggestion_html,
    warm_up,
)

from assistant.errors import AssistantError

a = assistant()
warm_up(a)  # the model and index load in the background while the agent types
st.header("回复助手")
st.sidebar.text_input("客服昵称（可选，记入反馈）", key="agent", max_chars=40)

with st.form("ask"):
    st.text_area(
        "买家消息", key="message", height=80, placeholder="粘贴买家刚发来的消息，例如：亲 这个T恤有M码吗"
    )
    st.text_area("之前的对话（可选，每行以“买家:”或“客服:”开头）", key="history", height=80)
    asked = st.form_submit_button("推荐回复", type="primary", key="ask_button")

if asked:
    if not st.session_state.message.strip():
        st.warning("请先输入买家消息")
        st.stop()
    history = [line for line in st.session_state.history.split("\n") if line.strip()]
    try:
        waiting = "正在生成推荐回复…" if a.ready else "第一次使用，正在加载模型和索引（十几秒），请稍等…"
        with st.spinner(waiting):
            result = a.suggest(st.session_state.message, history=history)
    except AssistantError as exc:
        show_error(exc)
        st.stop()
    st.session_state.result = result
    st.session_state.chosen = 0
    st.session_state.draft = result.suggestions[0].reply if result.suggestions else ""

result = st.session_state.get("result")
if result is None:
    st.caption("输入买家消息后点“推荐回复”（Ctrl+Enter 也可以）。")
    st.stop()

show_flash()
taxonomy = a.corpus.taxonomy
titles = {g.id: g.title for g in a.corpus.guidance}
d = result.detection
cols = st.columns(3)
cols[0].metric(
    "场景",
    label(taxonomy, "scenario", d.scenario, short=True),
    f"{d.scenario} · 置信度 {d.scenario_confidence:.0%}",
    delta_color="off",
    delta_arrow="off",
)
cols[1].metric(
    "阶段", label(taxonomy, "stage", d.stage, short=True), d.stage, delta_color="off", delta_arrow="off"
)
cols[2].metric(
    "买家类型",
    label(taxonomy, "buyer_type", d.buyer_type, short=True),
    d.buyer_type and f"{d.buyer_type} · 置信度 {d.buyer_type_confidence:.0%}",
    delta_color="off",
    delta_arrow="off",
)
if getattr(result, "escalate", False):
    st.error("买家情绪激动或要投诉，请优先亲自处理；以下回复只先致歉、稳住，不替您承诺。")
elif result.note:
    st.info(md_escape(re.split(r"\s(?=[A-Za-z])", result.note)[0]))  # agents read the Chinese part
st.html(context_html(getattr(result, "context", None)))


def choose(rank: int) -> None:
    st.session_state.chosen = rank
    st.session_state.draft = result.suggestions[rank].reply


def rate(rank: int, rating: str):
    s = result.suggestions[rank]
    return a.record_feedback(
        result.message,
        s.reply,
        rating,
        sources=s.sources,
        scenario=s.scenario,
        agent=st.session_state.get("agent", ""),
    )


left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("推荐回复")
    for rank, suggestion in enumerate(result.suggestions):
        with st.container(border=True):
            st.html(suggestion_html(rank + 1, suggestion, titles))
            with st.container(horizontal=True):
                st.button("用这条", key=f"use_{rank}", icon=":material/edit:", on_click=choose, args=(rank,))
                st.button(
                    "有用",
                    key=f"up_{rank}",
                    icon=":material/thumb_up:",
                    on_click=guarded(rate, "已记录：有用，谢谢反馈"),
                    args=(rank, "up"),
                )
                st.button(
                    "没用",
                    key=f"down_{rank}",
                    icon=":material/thumb_down:",
                    on_click=guarded(rate, "已记录：没用，谢谢反馈"),
                    args=(rank, "down"),
                )
    if result.guidance:
        st.subheader("相关指导")
        for section in result.guidance:
            with st.expander(md_escape(section.title)):
                st.text(section.text)

with right:
    st.subheader("编辑回复")
    if "draft" not in st.session_state and result.suggestions:  # back from another page: widget state is gone
        st.session_state.draft = result.suggestions[st.session_state.get("chosen", 0)].reply
    st.text_area("回复（可修改，离开输入框后自动检查）", key="draft", height=130)
    draft = st.session_state.draft
    if not draft.strip():
        st.stop()
    try:
        check = a.check(draft, result.message, result.history, scenario=d.scenario)
    except AssistantError as exc:
        show_error(exc)
        st.stop()
    if check.violations:
        st.html(reply_html(draft, check.violations, titles))
    if not check.passed:
        st.warning(f"有 {len(check.violations)} 处需要注意，改好后再发")
    else:
        st.success("质检通过" if not check.violations else "质检通过（只有提示）")
    if check.fixed and check.fixed != draft:
        st.button(
            "一键修正",
            key="fix",
            help=md_escape("；".join(str(f) for f in check.fixes)),
            on_click=lambda text: st.session_state.update(draft=text),
            args=(check.fixed,),
        )
    st.caption("复制：点下方框右上角的复制图标")
    st.code(draft, language=None, wrap_lines=True)

    def save(text: str):
        chosen = result.suggestions[st.session_state.get("chosen", 0)] if result.suggestions else None
        if chosen is not None and text.strip() != chosen.reply.strip():
            a.record_feedback(
                result.message,
                text,
                "edited",
                sources=chosen.sources,
                scenario=d.scenario,
                agent=st.session_state.get("agent", ""),
            )
        return a.save_candidate(result.message, text, result.history, agent=st.session_state.get("agent", ""))

    st.button(
        "保存为候选案例",
        key="save_candidate",
        on_click=guarded(save, lambda case: f"已保存为候选案例 {case.id}，等训练师审核"),
        args=(draft,),
        help="把这条（改过的）回复交给训练师审核，通过后会用于以后的推荐",
    )
