"""回复助手 (agents): the buyer's message (or a whole pasted chat) in; suggestions, the conversation as
read, and one editor whose text, live check and copy always agree.

Everything the agent has typed is kept per browser session (``console.state``): a reload, a page
switch or a console restart brings back the message, the chat, the suggestions and the draft.
Keys: Alt+1/2/3 use a suggestion, Alt+C copies the draft, Alt+N starts the next buyer.
"""

import streamlit as st

from assistant.chat_paste import parse_pasted_chat
from assistant.errors import AssistantError, CorpusError
from console import state
from console.common import (
    assistant,
    chinese_part,
    context_html,
    draft_payload,
    esc,
    fix_text,
    guarded,
    label,
    md_escape,
    show_error,
    show_flash,
    suggestion_html,
)
from console.draft_editor import draft_editor

ss = st.session_state
KEPT = ("message", "history", "agent")  # widgets whose values the session file keeps
NARROW = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
/* beside 千牛 (about 760 px): the two columns become one, suggestions first */
@media (max-width: 900px) {
  .st-key-workspace [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]) { flex-direction: column; }
  .st-key-workspace [data-testid="stColumn"] { width: 100% !important; flex: 1 1 100% !important; }
}
</style>"""

a = assistant()
sid = state.session_id()
limit = a.settings.max_message_chars


def remember() -> None:
    """Write what the agent is working on to this browser session's file."""
    work = ss.setdefault("_work", {})
    for key in KEPT:
        if key in ss:
            work[key] = ss[key]
    work.update(
        draft=ss.get("draft", ""),
        version=ss.get("version", 0),
        chosen=ss.get("chosen", 0),
        asked=ss.get("asked"),
    )
    state.save(a.settings.data_dir, sid, work)


# ------------------------------------------------------------------ restore (reload, page switch)
if "_work" not in ss:
    state.prune(a.settings.data_dir)
    ss["_work"] = state.load(a.settings.data_dir, sid)
work = ss["_work"]
for key in KEPT:
    if key not in ss:  # widgets forget their value on another page: bring it back
        ss[key] = work.get(key, "")
for key, default in (("draft", ""), ("version", 0), ("chosen", 0), ("asked", None)):
    if key not in ss:
        ss[key] = work.get(key, default)
if ss.asked and "result" not in ss:  # a reload: answer the same conversation again (it is quick)
    try:
        ss.result = a.suggest(ss.asked["message"], history=ss.asked["history"])
    except AssistantError:
        ss.asked = None

st.html(NARROW)
st.sidebar.text_input("客服昵称（可选，记入反馈）", key="agent", max_chars=40, on_change=remember)


def agent_error(exc: AssistantError) -> None:
    """An error in the agents' words: the Chinese half of the message (a corpus problem in full:
    trainers fix those)."""
    if isinstance(exc, CorpusError):
        show_error(exc)
    else:
        st.error(md_escape(chinese_part(str(exc))))


# ------------------------------------------------------------------ asking
def read_input() -> None:
    """The form's callback: take the message, or the last buyer message of a pasted chat."""
    message = ss.message.strip()
    pasted = parse_pasted_chat(ss.history, agent_names=(ss.get("agent", ""),)) if ss.history.strip() else None
    history = list(pasted.history_lines()) if pasted else []
    if pasted and pasted.message:
        if not message:
            message = pasted.message
            ss.message = message
        elif pasted.message != message:
            history.append(f"买家: {pasted.message}")
    ss.pending = {"message": message, "history": history, "turns": pasted.turns if pasted else 0}
    remember()


def next_buyer() -> None:
    for key in ("message", "history"):
        ss[key] = ""
    ss.pop("result", None)
    ss.asked, ss.draft, ss.chosen = None, "", 0
    ss.version += 1
    remember()


with st.container(key="workspace"):
    left, right = st.columns([3, 2], gap="medium")

with left:
    with st.form("ask", border=False):
        st.text_area(
            "买家消息",
            key="message",
            height=68,
            max_chars=limit,
            placeholder="买家刚发来的消息，例如：亲 这个T恤有M码吗（也可以只在下面粘贴整段聊天）",
        )
        st.text_area(
            "之前的对话，或整段聊天记录（从千牛/京麦/抖店复制，自动找出买家最新的消息）",
            key="history",
            height=68,
            placeholder="买家: 在吗\n客服: 在的亲",
        )
        st.form_submit_button("推荐回复", type="primary", key="ask_button", on_click=read_input)
    st.button("下一位买家", key="next_buyer", shortcut="Alt+N", on_click=next_buyer, type="tertiary")

pending = ss.pop("pending", None)
if pending is not None:
    if not pending["message"]:
        left.warning("请先输入买家消息（或粘贴以买家消息结尾的聊天记录）")
        st.stop()
    try:
        waiting = "正在生成推荐回复…" if a.ready else "正在加载模型和索引，请稍等…"
        with left, st.spinner(waiting):
            result = a.suggest(pending["message"], history=pending["history"])
    except AssistantError as exc:
        with left:
            agent_error(exc)
        st.stop()
    ss.result, ss.chosen = result, 0
    ss.asked = {"message": pending["message"], "history": pending["history"]}
    ss.draft = result.suggestions[0].reply if result.suggestions else ""
    ss.version += 1
    if pending["turns"] > 1:
        left.caption(f"已从聊天记录读出 {pending['turns']} 条消息，回答买家最新的一条")
    remember()

result = ss.get("result")
if result is None:
    left.caption(
        "输入买家消息或粘贴聊天记录后点“推荐回复”（Ctrl+Enter 也可以）。快捷键：Alt+1/2/3 用推荐，Alt+C 复制，Alt+N 下一位。"
    )
    st.stop()

show_flash()
taxonomy = a.corpus.taxonomy
d = result.detection


# ------------------------------------------------------------------ suggestions
def take_editor_text() -> None:
    """Bring the text the browser last sent into ``ss.draft``, once: a pick (Alt+1) may arrive in the
    same rerun as the agent's last keystrokes, and its callback may run before the editor's."""
    text = (ss.get("draft_editor") or {}).get("text")
    if text is not None and text != ss.get("_editor_seen"):
        ss._editor_seen = ss.draft = text
        remember()


def choose(rank: int, force: bool = False) -> None:
    take_editor_text()
    pick(rank, force)


def picked_in_editor() -> None:
    """Alt+1..9 pressed inside the draft: the text typed so far comes with the key."""
    picked = (ss.get("draft_editor") or {}).get("pick")
    if not picked or not 0 <= picked["rank"] < len(result.suggestions):
        return
    take_editor_text()
    ss.draft = picked["text"]
    remember()
    pick(picked["rank"])
    ss._rerun_app = True  # the pick changes the cards' part of the page, outside this fragment


def pick(rank: int, force: bool = False) -> None:
    current = result.suggestions[ss.chosen].reply if ss.chosen < len(result.suggestions) else ""
    if not force and ss.draft.strip() and ss.draft != current:
        ss.confirm_pick = rank  # the agent edited the draft: ask before overwriting it
        return
    ss.pop("confirm_pick", None)
    ss.chosen, ss.draft = rank, result.suggestions[rank].reply
    ss.version += 1
    remember()


def rate(rank: int, rating: str):
    s = result.suggestions[rank]
    return a.record_feedback(
        result.message, s.reply, rating, sources=s.sources, scenario=s.scenario, agent=ss.get("agent", "")
    )


with left:
    stage = label(taxonomy, "stage", d.stage, short=True)
    who = label(taxonomy, "buyer_type", d.buyer_type, short=True)
    st.html(
        '<div style="font-size:0.95em;line-height:1.7">'
        f"<b>场景</b> {esc(label(taxonomy, 'scenario', d.scenario, short=True))}"
        f"（{d.scenario_confidence:.0%}） · <b>阶段</b> {esc(stage)} · <b>买家类型</b> {esc(who)}</div>"
    )
    st.html(context_html(getattr(result, "context", None)))
    if getattr(result, "escalate", False):
        st.error("买家情绪激动或要投诉，请优先亲自处理；以下回复只先致歉、稳住，不替您承诺。")
    elif result.note:
        st.info(md_escape(chinese_part(result.note)))
    if "confirm_pick" in ss:
        rank = ss.confirm_pick
        st.warning(f"您改过当前回复，换成推荐 {rank + 1} 会丢掉修改。")
        b = st.columns([1, 1, 3])
        b[0].button("换成推荐", key="confirm_pick_yes", on_click=choose, args=(rank, True))
        b[1].button("保留我的修改", key="confirm_pick_no", on_click=lambda: ss.pop("confirm_pick", None))
    show_flash("rate")
    for rank, suggestion in enumerate(result.suggestions):
        with st.container(border=True):
            st.html(suggestion_html(rank + 1, suggestion))
            with st.container(horizontal=True):
                st.button(
                    "用这条",
                    key=f"use_{rank}",
                    icon=":material/edit:",
                    on_click=choose,
                    args=(rank,),
                    shortcut=f"Alt+{rank + 1}" if rank < 3 else None,
                )
                st.button(
                    "有用",
                    key=f"up_{rank}",
                    icon=":material/thumb_up:",
                    on_click=guarded(rate, "已记录：有用，谢谢反馈", anchor="rate"),
                    args=(rank, "up"),
                )
                st.button(
                    "没用",
                    key=f"down_{rank}",
                    icon=":material/thumb_down:",
                    on_click=guarded(rate, "已记录：没用，谢谢反馈", anchor="rate"),
                    args=(rank, "down"),
                )


# ------------------------------------------------------------------ the draft
def edited() -> None:
    """The browser sent the text in the editor (debounced while typing)."""
    take_editor_text()


def apply_fix(text: str) -> None:
    ss.draft = text
    ss.version += 1
    remember()


def save(text: str) -> bool:
    """Save the draft as a candidate (once: the core returns the case saved before); True if it was."""
    case = a.save_candidate(result.message, text, result.history, agent=ss.get("agent", ""))
    saved = ss.setdefault("saved", [])
    again = case.id in saved
    chosen = result.suggestions[ss.chosen] if ss.chosen < len(result.suggestions) else None
    if not again and chosen is not None and text.strip() != chosen.reply.strip():
        a.record_feedback(
            result.message,
            text,
            "edited",
            sources=chosen.sources,
            scenario=d.scenario,
            agent=ss.get("agent", ""),
        )
    saved.append(case.id)
    return again


@st.fragment
def draft_panel() -> None:
    """The editor and what acts on the draft: typing reruns only this part of the page (a faster
    live check); a picked suggestion or a new message reruns all of it."""
    if ss.pop("_rerun_app", False):
        st.rerun()
    st.markdown("**编辑回复**")
    draft = ss.draft
    check = None
    if draft.strip():
        try:
            check = a.check_draft(draft, result.message, result.history, scenario=d.scenario)
        except AssistantError as exc:
            agent_error(exc)
    if draft != ss["_work"].get("draft"):
        remember()
    draft_editor(
        draft,
        ss.version,
        draft_payload(check) if check is not None else None,
        limit,
        key="draft_editor",
        on_change=edited,
        on_pick=picked_in_editor,
    )
    if check is not None:
        if check.check.fixed and check.check.fixed != draft:
            st.button(
                "一键修正",
                key="fix",
                help=md_escape("；".join(fix_text(f) for f in check.check.fixes)),
                on_click=apply_fix,
                args=(check.check.fixed,),
            )
        risky = not check.check.passed
        if risky:
            st.checkbox("这条回复有问题，仍要交给训练师", key="save_anyway")
        st.button(
            "保存为候选案例",
            key="save_candidate",
            disabled=risky and not ss.get("save_anyway"),
            on_click=guarded(
                save,
                lambda again: "这条之前已保存过，不会重复保存" if again else "已保存为候选案例，等训练师审核",
                anchor="draft",
            ),
            args=(draft,),
            help="把这条（改过的）回复交给训练师审核，通过后会用于以后的推荐；同一条只保存一次",
        )
        show_flash("draft")


with right:
    draft_panel()
    if result.guidance:
        st.markdown("**相关指导**")
        for section in result.guidance:
            with st.expander(md_escape(section.title)):
                st.text(section.text)
