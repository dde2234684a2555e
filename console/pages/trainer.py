"""语料训练 (trainers): browse and edit cases, review candidates, edit guidance per section and the
rules, rebuild with progress per phase, and see which scenario x buyer type / category cells are
empty or thin.

The section is a control held in session state (not ``st.tabs``), so after any button the page stays
where it was; each action's result is shown beside the action. Approving or adding a case goes
through ``Assistant.approve_case`` / ``add_case`` / ``update_case``: the checklist and the corpus
validation run, the stage follows the scenario as the core decides it, and a reply that fails the
checklist needs an override with a reason. Guidance files in subfolders are listed and edited like
the others, and the usage view shows which sections are shown with suggestions
(``Assistant.guidance_usage``), for which scenarios, and which rules point to them. Everything a
trainer reads is Chinese; rule ids appear only on hover.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assistant.corpus import STATUSES
from assistant.errors import AssistantError
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
    show_error_zh,
    show_flash,
    show_problems,
)

STATUS_ZH = {"approved": "已通过", "candidate": "待审核", "rejected": "已驳回", "disabled": "已停用"}


def status_name(status: str) -> str:
    return STATUS_ZH.get(status, status)


SECTIONS = ("案例", "候选审核", "指导与规则", "索引与覆盖")
FILE_KINDS = ("指导（按小节）", "规则与店铺文件", "指导使用情况")
ACTIONS = {"disable": "停用", "enable": "启用", "remove": "删除"}
PAGE_SIZE = 10
LATER = "（重建索引后用于推荐）"

ss = st.session_state
a = assistant()
state.session_id()
st.header("语料训练")
try:  # the valid parts and the problems: the page stays usable so the trainer can fix them here
    corpus, problems = a.editable_corpus()
except AssistantError as exc:
    show_error_zh(exc)
    st.stop()
if problems:
    show_problems(f"语料有 {len(problems)} 个问题", problems)
tax = corpus.taxonomy

if ss.get("trainer_section") not in SECTIONS:
    ss.trainer_section = SECTIONS[0]
section = st.segmented_control("栏目", SECTIONS, key="trainer_section", label_visibility="collapsed")
section = section or ss.get("_trainer_section", SECTIONS[0])  # a click on the selected item unselects it
ss._trainer_section = section


def verdict(case) -> tuple[str, str | None]:
    """The checklist's verdict on a case's reply, rule names in Chinese, and their ids (for hover)."""
    result = a.check(case.reply, case.buyer, list(case.context), scenario=case.scenario)
    if result.passed:
        return "质检通过", None
    names = {v.rule: rule_name(v.rule, v.message) for v in result.violations}
    return "质检不通过：" + "、".join(names.values()), "规则 " + "、".join(names)


def sync_text(report) -> str:
    """A rebuild's result in Chinese (``index.SyncReport``)."""
    return (
        f"索引已更新：共 {report.count:,} 条案例（新增 {report.added}、更新 {report.updated}、"
        f"删除 {report.removed}），用时 {report.seconds:.1f} 秒"
    )


def change_text(change) -> str:
    """A bulk switch of starter cases in Chinese (``selection.BulkChange``)."""
    left = change.matched - len(change.changed)
    already = f"（{left} 条本来就是）" if left else ""
    return f"已{ACTIONS[change.action]} {len(change.changed)} / {change.matched} 条案例{already}{LATER}"


def text_editor(
    kind: str, name: str, text_key: str, load: Callable[[], str], save: Callable[[str], Any]
) -> None:
    """One editor for a guidance section (``kind="section"``) or a whole file (``"file"``).

    The text is loaded once (``load``); unsaved edits are kept apart from the widget (per ``kind``
    and ``name``), so they survive switching sections, files or pages; 校验并保存 runs ``save``,
    which validates the whole corpus first (nothing is written when there is a problem).
    """
    drafts = ss.setdefault(f"{kind}_drafts", {})
    if text_key not in ss:
        try:
            ss[text_key] = drafts[name] if name in drafts else load()
        except AssistantError as exc:
            show_error_zh(exc)
            st.stop()

    def keep() -> None:
        drafts[name] = ss[text_key]

    def save_text() -> None:
        save(ss[text_key])
        drafts.pop(name, None)

    def revert() -> None:
        drafts.pop(name, None)
        ss.pop(text_key, None)

    st.text_area(
        md_escape(name),
        key=text_key,
        height=320 if kind == "section" else 420,
        label_visibility="collapsed",
        on_change=keep,
    )
    if name in drafts:
        st.caption("有未保存的修改")
    b = st.columns([1, 1, 4])
    b[0].button(
        "校验并保存",
        key=f"save_{kind}",
        type="primary",
        on_click=guarded(save_text, f"已保存 {name}", anchor=kind),
    )
    b[1].button("放弃修改", key=f"revert_{kind}", on_click=revert)
    show_flash(kind)


def relative(path: str) -> str:
    """A corpus file as the trainer knows it (``guidance/imported/x.md``), never a server path."""
    try:
        return Path(path).resolve().relative_to(a.settings.corpus_dir.resolve()).as_posix()
    except ValueError:
        return Path(path).name


def rules_by_section() -> dict[str, list[str]]:
    """The checklist rules whose explanation is each guidance section."""
    found: dict[str, list[str]] = {}
    for rule in corpus.rules.rules:
        if rule.guidance:
            found.setdefault(rule.guidance, []).append(rule.id)
    return found


def scenario_names(scenarios) -> str:
    return (
        "全部场景"
        if "all" in scenarios
        else "、".join(label(tax, "scenario", s, short=True) for s in scenarios)
    )


def guidance_usage() -> None:
    """Which guidance sections are shown with suggestions (over the approved cases' buyer messages),
    for which scenarios, and which checklist rules point to them; never-shown sections first."""
    st.caption(
        "用已通过案例的买家消息统计每个指导小节随推荐显示的次数。从未显示的小节需要更清楚的适用场景，或更贴近买家说法的措辞。"
    )
    if st.button("统计使用情况", key="guidance_usage_button", type="primary"):
        try:
            with st.spinner("正在统计（要识别每条买家消息）…"):
                ss.guidance_usage = a.guidance_usage()
        except AssistantError as exc:
            show_error_zh(exc)
            return
    usage = ss.get("guidance_usage")
    if usage is None:
        return
    rules = rules_by_section()
    never = sum(u.never_shown for u in usage)
    total = usage[0].messages if usage else 0
    st.info(f"{len(usage)} 个小节里有 {never} 个从未显示（统计了 {total:,} 条买家消息）")
    table = pd.DataFrame(
        [
            (
                u.title,
                relative(u.path),
                scenario_names(u.scenarios),
                "、".join(rule_name(r) for r in rules.get(u.id, ())),
                u.shown,
                "从未显示" if u.never_shown else "有显示",
            )
            for u in usage
        ],
        columns=["小节", "文件", "适用场景", "相关质检规则", "显示次数", "状态"],
    )
    st.dataframe(table, hide_index=True)


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
    # a case filed under its scenario's own stage shows 按场景自动, so a new scenario brings its own
    own = case is not None and tax.stage_of(case.scenario) == case.stage
    c[1].selectbox(
        "阶段",
        stages,
        index=stages.index(case.stage) if case and not own and case.stage in stages else 0,
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
    return {
        "buyer": ss[f"{prefix}_buyer"],
        "reply": ss[f"{prefix}_reply"],
        "scenario": ss[f"{prefix}_scenario"] or "",
        "stage": ss[f"{prefix}_stage"],  # empty: the scenario's own, as the core files it (stage_for)
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
        found, ids = verdict(case)
        st.caption(md_escape(found), help=ids)
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
            on_click=guarded(a.delete_cases, f"已删除 {chosen}{LATER}", anchor="edit"),
            args=([chosen],),
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
                    change_text,
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
            show_error_zh(exc)
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
            who = label(tax, "buyer_type", x.buyer_type, short=True) if x.buyer_type else "（无）"
            passed = item.facts.passed
            found = (
                "质检通过"
                if passed
                else "质检不通过：" + "、".join(map(rule_name, sorted(item.facts.violations)))
            )
            st.caption(
                md_escape(
                    f"{x.id} · {label(tax, 'scenario', x.scenario, short=True)} · 买家类型 {who} · 来源 {x.source or '手工添加'}"
                    f" · 出现 {item.facts.occurrences} 次 · {found}"
                ),
                help=None if passed else "规则 " + "、".join(sorted(item.facts.violations)),
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
                    a.set_case_status, f"已驳回 {x.id}{LATER}", anchor="inbox", failed_anchor=x.id
                ),
                args=([x.id], "rejected"),
            )
            show_flash(x.id)

# ------------------------------------------------------------------ guidance and rules
elif section == "指导与规则":
    kind = st.radio("编辑", FILE_KINDS, key="files_kind", horizontal=True)
    if kind == FILE_KINDS[0]:
        by_id = {g.id: g for g in corpus.guidance}  # every file's sections, subfolders included
        section_id = st.selectbox(
            "指导小节",
            list(by_id),
            index=None,
            key="guidance_id",
            placeholder="选择要修改的小节",
            format_func=lambda g: f"{by_id[g].title} · {relative(by_id[g].path)}",
        )
        if section_id:
            chosen = by_id[section_id]
            pointing = "、".join(rule_name(r) for r in rules_by_section().get(section_id, ()))
            st.caption(
                md_escape(
                    f"文件 {relative(chosen.path)} · 适用场景 {scenario_names(chosen.scenarios)}"
                    + (f" · 相关质检规则 {pointing}" if pointing else "")
                    + "；第一行是标题和 id，第二行是适用场景"
                ),
                help=f"小节 id {section_id}",
            )
            text_editor(
                "section",
                section_id,
                f"guidance_text_{section_id}",
                lambda: a.guidance_section_source(section_id)[1],
                lambda text: a.save_guidance_section(section_id, text),
            )
    elif kind == FILE_KINDS[1]:
        name = st.selectbox("文件", a.editable_files(), key="file_name")
        if name:
            text_editor(
                "file",
                name,
                f"file_text_{name}",
                lambda: a.corpus_file(name),
                lambda text: a.save_corpus_file(name, text),
            )
    else:
        guidance_usage()

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
            # one call: the core builds from the cases on disk now, beside the engine agents keep using
            report = a.build(full=full, progress=False, phases=phase)
        except AssistantError as exc:
            show_error_zh(exc)
        else:
            bar.progress(1.0, text="完成")
            st.success(md_escape(sync_text(report)))

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
