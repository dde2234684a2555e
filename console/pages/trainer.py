"""语料训练 (trainers): browse and edit cases, review candidates, edit guidance per section and the
rules, rebuild with progress per phase, and see which scenario x buyer type / category cells are
empty or thin.

The section is a control held in session state (not ``st.tabs``), so after any button the page stays
where it was; each action's result is shown beside the action. Approving or adding a case goes
through ``Assistant.approve_case`` / ``add_case``: the checklist and the corpus validation run, and a
reply that fails the checklist needs an override with a reason.
"""

import re

import pandas as pd
import streamlit as st

from assistant.corpus import STATUSES, load_corpus
from assistant.errors import AssistantError, CorpusError
from assistant.text import fold
from console import state
from console.common import (
    assistant,
    coverage_charts,
    guarded,
    label,
    labels,
    md_escape,
    rule_name,
    show_error,
    show_flash,
)

STATUS_ZH = {"approved": "已通过", "candidate": "待审核", "rejected": "已驳回", "disabled": "已停用"}


def status_name(status: str) -> str:
    return STATUS_ZH.get(status, status)


SECTIONS = ("案例", "候选审核", "指导与规则", "索引与覆盖")
EDITABLE = ("checklist.toml", "shop.toml", "adaptation.toml", "catalog.csv")
PAGE_SIZE = 10
LATER = "（重建索引后用于推荐）"

ss = st.session_state
a = assistant()
state.session_id()
st.header("语料训练")
try:
    corpus = load_corpus(a.settings.corpus_dir)
except CorpusError as exc:  # stay usable on the valid parts, so the trainer can fix the problem here
    show_error(exc)
    corpus = load_corpus(a.settings.corpus_dir, strict=False)
except AssistantError as exc:
    show_error(exc)
    st.stop()
tax = corpus.taxonomy
store = a.store

if ss.get("trainer_section") not in SECTIONS:
    ss.trainer_section = SECTIONS[0]
section = st.segmented_control("栏目", SECTIONS, key="trainer_section", label_visibility="collapsed")
section = section or ss.get("_trainer_section", SECTIONS[0])  # a click on the selected item unselects it
ss._trainer_section = section


def verdict(case) -> str:
    """The checklist's verdict on a case's reply, rule names in Chinese."""
    result = a.check(case.reply, case.buyer, list(case.context), scenario=case.scenario)
    if result.passed:
        return "质检通过"
    names = {v.rule: rule_name(v.rule, v.message) for v in result.violations}
    return "质检不通过：" + "、".join(f"{n}（{r}）" for r, n in names.items())


def case_inputs(prefix: str, case=None) -> None:
    st.text_area("买家消息", value=case.buyer if case else "", key=f"{prefix}_buyer", height=68)
    st.text_area("回复（可用 {slot}）", value=case.reply if case else "", key=f"{prefix}_reply", height=90)
    c = st.columns(4)
    ids = tax.scenario_ids
    c[0].selectbox(
        "场景（必选）",
        ids,
        index=ids.index(case.scenario) if case else None,  # chosen, never defaulted
        key=f"{prefix}_scenario",
        placeholder="请选择场景",
        format_func=lambda v: label(tax, "scenario", v),
    )
    stages = ("", *tax.concrete_stages)
    c[1].selectbox(
        "阶段",
        stages,
        index=stages.index(case.stage) if case and case.stage in stages else 0,
        key=f"{prefix}_stage",
        format_func=lambda v: label(tax, "stage", v) if v else "按场景自动",
    )
    types = ("", *tax.buyer_type_ids)
    c[2].selectbox(
        "买家类型",
        types,
        index=types.index(case.buyer_type or "") if case else 0,
        key=f"{prefix}_buyer_type",
        format_func=lambda v: label(tax, "buyer_type", v) if v else "（无）",
    )
    c[3].selectbox(
        "状态",
        STATUSES,
        index=STATUSES.index(case.status) if case else 1,
        key=f"{prefix}_status",
        format_func=status_name,
    )
    st.text_input("标签（逗号分隔）", value="，".join(case.tags) if case else "", key=f"{prefix}_tags")


def case_data(prefix: str) -> dict:
    scenario, stage = ss[f"{prefix}_scenario"], ss[f"{prefix}_stage"]
    if scenario and not stage and tax.stage_of(scenario) in tax.concrete_stages:
        stage = tax.stage_of(scenario)
    return {
        "buyer": ss[f"{prefix}_buyer"],
        "reply": ss[f"{prefix}_reply"],
        "scenario": scenario or "",
        "stage": stage,  # empty when the scenario takes its stage from the chat: the store asks for one
        "buyer_type": ss[f"{prefix}_buyer_type"] or None,
        "status": ss[f"{prefix}_status"],
        "tags": [t for t in re.split(r"[,，\s]+", ss[f"{prefix}_tags"]) if t],
    }


# ------------------------------------------------------------------ cases
if section == "案例":
    c = st.columns([3, 2, 2, 2])
    query = c[0].text_input("搜索（买家消息、回复、id）", key="case_query")
    scenarios = c[1].multiselect(
        "场景",
        tax.scenario_ids,
        key="case_scenarios",
        placeholder="全部",
        format_func=lambda v: label(tax, "scenario", v),
    )
    types = c[2].multiselect(
        "买家类型",
        tax.buyer_type_ids,
        key="case_types",
        placeholder="全部",
        format_func=lambda v: label(tax, "buyer_type", v),
    )
    statuses = c[3].multiselect(
        "状态", STATUSES, key="case_statuses", placeholder="全部", format_func=status_name
    )
    needle = fold(query.strip())
    shown = [
        case
        for case in corpus.cases
        if (not scenarios or case.scenario in scenarios)
        and (not types or case.buyer_type in types)
        and (not statuses or case.status in statuses)
        and (not needle or needle in fold(f"{case.id} {case.buyer} {case.reply}"))
    ]
    st.caption(f"{len(shown)} / {len(corpus.cases)} 条案例")
    table = pd.DataFrame(
        [
            (
                x.id,
                status_name(x.status),
                label(tax, "scenario", x.scenario, short=True),
                label(tax, "buyer_type", x.buyer_type, short=True) if x.buyer_type else "",
                x.buyer,
                x.reply,
                "，".join(x.tags),
            )
            for x in shown
        ],
        columns=["id", "状态", "场景", "买家类型", "买家消息", "回复", "标签"],
    )
    st.dataframe(table, hide_index=True, height=300)
    chosen = st.selectbox(
        "选择要修改或删除的案例", [x.id for x in shown], index=None, key="edit_id", placeholder="案例 id"
    )
    if chosen:
        case = corpus.case(chosen)
        st.caption(md_escape(verdict(case)))
        with st.form(f"edit_{chosen}"):
            case_inputs(f"edit_{chosen}", case)
            st.text_input("回复没通过质检而仍要设为已通过的理由", key=f"edit_{chosen}_override")
            st.form_submit_button(
                "保存修改",
                key="save_case",
                on_click=guarded(
                    lambda: a.update_case(
                        chosen, override=ss.get(f"edit_{chosen}_override", ""), **case_data(f"edit_{chosen}")
                    ),
                    f"已保存 {chosen}{LATER}",
                    anchor="edit",
                ),
            )
        show_flash("edit")
        confirm = st.checkbox("确认删除这条案例", key=f"confirm_delete_{chosen}")
        st.button(
            "删除",
            key="delete_case",
            disabled=not confirm,
            on_click=guarded(store.delete, f"已删除 {chosen}{LATER}", anchor="edit"),
            args=(chosen,),
        )
    with st.expander("新增案例", expanded=ss.get("_add_open", False)):
        with st.form("add_case", clear_on_submit=False):
            case_inputs("add")
            st.text_input("回复没通过质检时，强制添加的理由（没有理由就改回复）", key="add_override")

            def add():
                ss._add_open = True
                return a.add_case(case_data("add"), override=ss.get("add_override", ""))

            st.form_submit_button(
                "添加",
                key="add_case_button",
                on_click=guarded(add, lambda new: f"已添加 {new.id}{LATER}", anchor="add"),
            )
        show_flash("add")
    with st.expander("入门语料包（按品类停用或启用）"):
        # the starter cases per pack (Assistant.cases / switch_cases, as `assistant case disable`):
        # a category the shop does not sell is switched off, kept in its file, never served
        from collections import Counter

        from assistant.selection import CaseFilter

        starter = a.cases(CaseFilter(sources=("starter",)))
        in_pack = Counter(p for x in starter for p in x.packs)
        serving = Counter(p for x in starter if x.served for p in x.packs)
        st.dataframe(
            pd.DataFrame(
                [(p, n, serving[p]) for p, n in in_pack.most_common()], columns=["语料包", "案例", "在用"]
            ),
            hide_index=True,
        )
        chosen_packs = st.multiselect("语料包", list(in_pack), key="starter_packs", placeholder="选择语料包")
        packs_filter = CaseFilter(sources=("starter",), packs=tuple(chosen_packs))
        c = st.columns(2)
        for column, enable, text, key in (
            (c[0], False, "停用", "packs_disable"),
            (c[1], True, "启用", "packs_enable"),
        ):
            column.button(
                text,
                key=key,
                disabled=not chosen_packs,
                on_click=guarded(
                    lambda enable=enable: a.switch_cases(packs_filter, enable=enable),
                    lambda change: change.summary() + LATER,
                    anchor="packs",
                ),
            )
        show_flash("packs")

# ------------------------------------------------------------------ candidates
elif section == "候选审核":
    # the review queue: frequent, clean replies of thinly covered scenarios first (Assistant.review_queue)
    items = a.review_queue()
    queue = {item.case.id: item for item in items}
    candidates = [item.case for item in items]
    st.caption(
        f"{len(candidates)} 条候选案例待审核（来自客服反馈和聊天导入），出现多、无违规、覆盖少的场景在前"
    )
    with st.form("policy_form"):
        st.text_input(
            "按规则批量通过（被驳回的和质检不通过的不会通过）",
            placeholder="passed and occurrences>=3",
            key="policy",
        )
        c = st.columns([1, 1, 4])
        preview = c[0].form_submit_button("预览", key="policy_preview")
        c[1].form_submit_button(
            "按规则通过",
            key="policy_approve",
            on_click=guarded(
                lambda: a.approve_where(ss.get("policy") or ""),
                lambda r: f"已按规则通过 {len(r.approved)} 条{LATER}",
                anchor="policy",
            ),
        )
    show_flash("policy")
    if preview and ss.get("policy"):
        try:
            result = a.approve_where(ss.policy, dry_run=True)
        except AssistantError as exc:
            show_error(exc)
        else:
            held = (
                f"，另有 {result.matched_blocked} 条质检不通过，留待人工审核"
                if result.matched_blocked
                else ""
            )
            st.info(f"将通过 {len(result.approved)} / {result.candidates} 条候选{held}")
    show_flash("inbox")  # the result of an action on a candidate that has left the queue
    needle = fold(st.text_input("筛选候选（买家消息、回复、id）", key="inbox_query").strip())
    if needle:
        candidates = [x for x in candidates if needle in fold(f"{x.id} {x.buyer} {x.reply}")]
    pages = max(1, -(-len(candidates) // PAGE_SIZE))
    page = st.number_input("页", 1, pages, 1, key="inbox_page") if pages > 1 else 1
    for x in candidates[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        item = queue[x.id]
        with st.container(border=True):
            for turn in x.context:
                st.text(f"{'买家' if turn.role == 'buyer' else '客服'}：{turn.text}")
            st.text(f"买家：{x.buyer}")
            st.text(f"回复：{x.reply}")
            who = label(tax, "buyer_type", x.buyer_type) if x.buyer_type else "（无）"
            passed = item.facts.passed
            if passed:
                found = "质检通过"
            else:
                found = "质检不通过：" + "、".join(
                    f"{rule_name(r)}（{r}）" for r in sorted(item.facts.violations)
                )
            st.caption(
                md_escape(
                    f"{x.id} · {label(tax, 'scenario', x.scenario)} · 买家类型 {who} · 来源 {x.source or '手工添加'}"
                    f" · 出现 {item.facts.occurrences} 次 · {found}"
                )
            )
            if not passed:
                st.text_input(
                    "强制通过的理由（回复没通过质检，必填才可通过）",
                    key=f"override_{x.id}",
                    placeholder="例如：这是买家原话的引用，不是客服的语气",
                )
            b = st.columns([1, 1, 6])
            b[0].button(
                "通过",
                key=f"approve_{x.id}",
                type="primary",
                on_click=guarded(
                    lambda case_id: a.approve_case(case_id, override=ss.get(f"override_{case_id}", "")),
                    f"已通过 {x.id}{LATER}",
                    anchor="inbox",
                    failed_anchor=x.id,
                ),
                args=(x.id,),
            )
            b[1].button(
                "驳回",
                key=f"reject_{x.id}",
                on_click=guarded(
                    store.set_status, f"已驳回 {x.id}{LATER}", anchor="inbox", failed_anchor=x.id
                ),
                args=(x.id, "rejected"),
            )
            show_flash(x.id)

# ------------------------------------------------------------------ guidance and rules
elif section == "指导与规则":
    kind = st.radio("编辑", ("指导（按小节）", "规则与店铺文件"), key="files_kind", horizontal=True)
    if kind == "指导（按小节）":
        by_id = {g.id: g for g in corpus.guidance}
        section_id = st.selectbox(
            "指导小节",
            list(by_id),
            index=None,
            key="guidance_id",
            placeholder="选择要修改的小节",
            format_func=lambda g: f"{by_id[g].title}（{g}）",
        )
        if section_id:
            drafts = ss.setdefault("section_drafts", {})
            text_key = f"guidance_text_{section_id}"
            if text_key not in ss:
                try:
                    ss[text_key] = drafts.get(section_id) or a.guidance_section_source(section_id)[1]
                except AssistantError as exc:
                    show_error(exc)
                    st.stop()

            def keep_section() -> None:
                drafts[section_id] = ss[text_key]

            def save_section():
                a.save_guidance_section(section_id, ss[text_key])
                drafts.pop(section_id, None)

            def revert_section() -> None:
                drafts.pop(section_id, None)
                ss.pop(text_key, None)

            st.caption(
                md_escape(
                    f"文件 {a.guidance_section_source(section_id)[0]}；第一行是标题和 id，第二行是适用场景"
                )
            )
            st.text_area(
                "小节", key=text_key, height=320, label_visibility="collapsed", on_change=keep_section
            )
            if section_id in drafts:
                st.caption("有未保存的修改")
            b = st.columns([1, 1, 4])
            b[0].button(
                "校验并保存",
                key="save_section",
                type="primary",
                on_click=guarded(save_section, f"已保存小节 {section_id}", anchor="section"),
            )
            b[1].button("放弃修改", key="revert_section", on_click=revert_section)
            show_flash("section")
    else:
        directory = a.settings.corpus_dir
        files = [f"guidance/{p.name}" for p in sorted((directory / "guidance").glob("*.md"))]
        files += [name for name in EDITABLE if (directory / name).is_file()]
        name = st.selectbox("文件", files, key="file_name")
        if name:
            # unsaved edits live outside the widget, so they survive switching files or pages
            drafts = ss.setdefault("file_drafts", {})
            text_key = f"file_text_{name}"
            if text_key not in ss:
                try:
                    ss[text_key] = drafts[name] if name in drafts else a.corpus_file(name)
                except AssistantError as exc:
                    show_error(exc)
                    st.stop()

            def keep() -> None:
                drafts[name] = ss[text_key]

            def save() -> None:
                a.save_corpus_file(name, ss[text_key])
                drafts.pop(name, None)

            def revert() -> None:
                drafts.pop(name, None)
                ss.pop(text_key, None)

            st.text_area(
                md_escape(name), key=text_key, height=420, label_visibility="collapsed", on_change=keep
            )
            if name in drafts:
                st.caption("有未保存的修改")
            b = st.columns([1, 1, 4])
            b[0].button(
                "校验并保存",
                key="save_file",
                type="primary",
                on_click=guarded(save, f"已保存 {name}", anchor="file"),
            )
            b[1].button("放弃修改", key="revert_file", on_click=revert)
            show_flash("file")

# ------------------------------------------------------------------ index and coverage
else:
    full = st.checkbox("完全重建（换了模型或索引类型后用）", key="full_rebuild")
    if st.button("重建索引", key="rebuild", type="primary"):
        names = labels().get("phases", {})
        order = list(names)
        bar = st.progress(0.0, text="准备中…")

        def phase(name: str, done: int, total: int) -> None:
            step = order.index(name) if name in order else len(order) - 1
            share = done / total if total else 1.0
            counts = f" {done:,}/{total:,}" if name in ("encoding", "detector") and total > 1 else ""
            bar.progress(
                min(1.0, (step + share) / len(order)),
                text=f"第 {step + 1}/{len(order)} 步 · {names.get(name, name)}{counts}",
            )

        try:
            a.forget_corpus()  # build from the cases on disk now; agents keep the old index meanwhile
            report = a.build(full=full, progress=False, phases=phase)
        except AssistantError as exc:
            show_error(exc)
        else:
            bar.progress(1.0, text="完成")
            st.success(md_escape(f"索引已更新：{report}"))

    st.subheader("覆盖情况（已通过的案例）")
    thin = st.slider("少于几条算薄弱", 1, 30, 5, key="thin")
    stats = corpus.stats()
    weak = [sid for sid, n in stats["scenarios"].items() if n < thin]
    if weak:
        st.warning(
            md_escape("案例偏少的场景：" + "、".join(label(tax, "scenario", s, short=True) for s in weak))
        )
    bars, by_type, by_category = coverage_charts(corpus, thin)
    st.caption("红色：没有案例；黄色：少于上面的条数；蓝色：充足。")
    st.altair_chart(bars, width="stretch")
    left, right = st.columns(2)
    left.altair_chart(by_type, width="stretch")
    right.altair_chart(by_category, width="stretch")
