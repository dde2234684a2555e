"""Shared parts of the console pages: the cached ``Assistant`` and escaped rendering helpers.

Every string a buyer, agent or trainer wrote reaches the page through ``st.text``, ``st.code``,
``st.dataframe``, ``html.escape`` inside ``st.html``, or :func:`md_escape` for the widgets whose
labels and bodies Streamlit renders as Markdown (``st.error``, ``st.caption``, expander labels).
Nothing user-written is ever passed to ``st.markdown`` as it is.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from assistant import Assistant, Settings
from assistant.errors import AssistantError, CorpusError

logger = logging.getLogger(__name__)

# Markdown and Streamlit's extensions (:color[..], :emoji:, $math$) are neutralised by a backslash
# before any ASCII punctuation that can start them.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:^=\"'])")
FLASH_KEY = "_flash"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def md_escape(text: Any) -> str:
    """``text`` made inert for Markdown: shown literally, one line, never formatted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def esc(text: Any) -> str:
    """``text`` escaped for HTML (``st.html`` bodies), line breaks kept."""
    return html.escape(str(text)).replace("\n", "<br>")


# ----------------------------------------------------------------------------- the assistant


@st.cache_resource(show_spinner=False)
def _assistant(key: str, _settings: Settings) -> Assistant:
    # one Assistant per settings and process: the model, index and detector load once for all sessions
    return Assistant.load(_settings)


def assistant() -> Assistant:
    """The shared ``Assistant`` (settings from ``assistant.toml`` and ``ASSISTANT_*`` variables).

    Stops the page with an error when the settings are invalid.
    """
    try:
        settings = Settings.load()
    except AssistantError as exc:
        show_error(exc)
        st.stop()
    return _assistant(json.dumps(settings.to_dict(), sort_keys=True), settings)


def warm(a: Assistant) -> None:
    """Load the model, index and detector and answer one message (the tokenizer's dictionary loads
    on first use), so that the agent's first suggestion is as fast as the next ones.

    Errors are logged only: the page shows them, cleanly, when the agent asks for suggestions.
    """
    try:
        _ = a.engine
        if a.corpus.approved:
            case = a.corpus.approved[0]
            a.suggest(case.buyer)
            a.check_draft(case.reply, case.buyer)
        import assistant.chat_paste  # noqa: F401  (what the agent page imports on its first run)
        import console.draft_editor  # noqa: F401
    except AssistantError as exc:
        logger.warning("warming up the assistant failed: %s", exc)
    except Exception:
        logger.exception("warming up the assistant failed")


# ----------------------------------------------------------------------------- messages


MAX_PROBLEMS = 20


def show_error(exc: Exception) -> None:
    """An ``AssistantError`` as ``st.error``, the CLI's line word for word (the analytics page, where
    a file gets the same error as ``assistant audit``); a ``CorpusError`` lists its problems."""
    if isinstance(exc, CorpusError):
        show_problems(f"语料有 {len(exc.problems)} 个问题", exc.problems)
    else:
        st.error(md_escape(f"错误 Error: {exc}"))


def show_error_zh(exc: Exception) -> None:
    """An error for agents and trainers, in Chinese only (``error_zh``); a ``CorpusError`` lists
    its problems (``file:line: message``, which the trainer fixes)."""
    if isinstance(exc, CorpusError):
        show_problems(f"语料有 {len(exc.problems)} 个问题", exc.problems)
    else:
        st.error(md_escape(error_zh(exc)))


def error_zh(exc: Exception) -> str:
    """``错误：`` and the Chinese half of the core's bilingual message (the whole message when it
    has no Chinese half: an id or a pattern the trainer typed)."""
    text = str(exc)
    named = labels().get("rules", {})  # rule ids in the core's words become their Chinese names
    if not _CJK.search(chinese_part(text)):  # English only (an id the trainer typed): as it is
        return f"错误：{text}"
    return "错误：" + chinese_part(
        re.sub(r"[a-z_]+\.[a-z_]+", lambda m: named.get(m.group(), m.group()), text)
    )


def show_problems(headline: str, problems: Any) -> None:
    """A headline, then up to ``MAX_PROBLEMS`` problems one per line (``file:line: message``)."""
    st.error(md_escape(headline))
    for problem in list(problems)[:MAX_PROBLEMS]:
        st.error(md_escape(str(problem)))
    if len(problems) > MAX_PROBLEMS:
        st.error(md_escape(f"…还有 {len(problems) - MAX_PROBLEMS} 个"))


def flash(kind: str, text: str, problems: list | None = None, anchor: str | None = None) -> None:
    """Keep a message for the next run (used by button callbacks, which run before the page);
    ``anchor`` names the place on the page that shows it (``show_flash(anchor)``)."""
    st.session_state[FLASH_KEY] = (kind, text, [str(p) for p in problems or ()], anchor)


def show_flash(anchor: str | None = None) -> None:
    """Show and forget the message left by a callback for this place on the page."""
    kind, text, problems, where = st.session_state.get(FLASH_KEY, (None, "", [], None))
    if kind is None or where != anchor:
        return
    del st.session_state[FLASH_KEY]
    if problems:
        show_problems(text, problems)
        return
    getattr(st, kind)(md_escape(text))
    if kind == "success":  # also in the corner, for a button far down the page
        st.toast(md_escape(text))


def guarded(
    action: Callable[..., Any],
    done: str | Callable[[Any], str],
    anchor: str | None = None,
    failed_anchor: str | None = None,
) -> Callable[..., None]:
    """A button callback that runs ``action`` and flashes success (at ``anchor``), or the error it
    raised (at ``failed_anchor``, by default ``anchor``): the page stays where it was."""
    failed = failed_anchor if failed_anchor is not None else anchor

    def callback(*args: Any, **kwargs: Any) -> None:
        try:
            result = action(*args, **kwargs)
        except CorpusError as exc:
            flash("error", f"有 {len(exc.problems)} 个问题，未保存", exc.problems, failed)
            return
        except AssistantError as exc:
            flash("error", error_zh(exc), anchor=failed)
            return
        flash("success", done(result) if callable(done) else done, anchor=anchor)

    return callback


# ----------------------------------------------------------------------------- names for people

LABELS_FILE = Path(__file__).with_name("labels.toml")


@functools.cache
def labels() -> dict[str, dict[str, str]]:
    """The console's names for rule ids, severities, stages and build phases (``labels.toml``)."""
    with LABELS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def rule_name(rule: str, message: str = "") -> str:
    """A checklist rule's name in Chinese (the first clause of its message when ``labels.toml`` has none)."""
    name = labels().get("rules", {}).get(rule)
    if name:
        return name
    first = re.split(r"[：:，,。；;]", message, maxsplit=1)[0].strip()
    return first or "质检规则"


def severity_name(severity: str) -> str:
    return labels().get("severity", {}).get(severity, severity)


def draft_payload(draft: Any) -> dict[str, Any]:
    """What the reply editor shows for one ``drafts.DraftCheck``: a level, a one-line summary, the
    highlighted reply with each problem named in Chinese (escaped HTML), and the blockers."""
    violations = draft.check.violations
    blockers = draft.blockers()
    if draft.ready:
        level, summary = "ok", "质检通过，可以发送" if not violations else "质检通过（只有提示）"
    else:
        level = "error" if draft.errors or draft.too_long else "warn"
        summary = "发送前请处理：" + "；".join(blockers)
    items = "".join(
        f'<li><b style="color:{"#b71c1c" if v.severity == "error" else "#8a4b00" if v.severity == "warn" else "#0d47a1"}">'
        f"{esc(severity_name(v.severity))} · {esc(rule_name(v.rule, v.message))}</b>"
        f"「{esc(v.text)}」{esc(v.message)}</li>"
        for v in violations
    )
    html_body = ""
    if violations:
        html_body = f'<div class="checklist-reply">{_marked(draft.reply, violations)}</div><ul>{items}</ul>'
    return {
        "text": draft.reply,
        "level": level,
        "summary": summary,
        "html": html_body,
        "ready": draft.ready,
        "blockers": blockers,
    }


def fix_text(fix: Any) -> str:
    """A safe fix in Chinese: the rule's name, then what changed (no rule id)."""
    text = str(fix)
    rule = getattr(fix, "rule", "")
    match = re.match(r"([a-z_]+\.[a-z_]+): (.*)", text, re.S)
    if match:  # "pronoun.ni: 你 → 您" (the checklist's fixes as text)
        rule, text = match.groups()
    elif not rule:  # "去掉重复问候 dropped a second greeting": the Chinese part
        return chinese_part(text)
    return f"{rule_name(rule)}：{text}"


def chinese_part(text: str) -> str:
    """The Chinese half of a bilingual message (``中文 English`` → ``中文``); a message with no
    Chinese half (an English-only core message) stays whole rather than cut to its first word."""
    head = re.split(r"\s(?=[A-Za-z])", text, maxsplit=1)[0]
    return head if _CJK.search(head) else text


def _marked(reply: str, violations: Any) -> str:
    """The reply, escaped, with each violation's span highlighted (its Chinese rule name on hover)."""
    colours = {"error": "#ffcdd2", "warn": "#ffe0b2", "info": "#bbdefb"}
    starts = sorted((v.start, v.end, v) for v in violations if 0 <= v.start < v.end <= len(reply))
    out, at = [], 0
    for start, end, v in starts:
        if start < at:
            continue
        out.append(esc(reply[at:start]))
        out.append(
            f'<mark style="background:{colours.get(v.severity, "#eee")}" '
            f'title="{html.escape(rule_name(v.rule, v.message), quote=True)}">{esc(reply[start:end])}</mark>'
        )
        at = end
    out.append(esc(reply[at:]))
    return "".join(out)


# ----------------------------------------------------------------------------- rendering


def label(taxonomy: Any, kind: str, value: str | None, short: bool = False) -> str:
    """``中文名 (id)`` of a scenario, buyer type or stage (``中文名`` when ``short``); ``未识别`` for none."""
    if not value:
        return "未识别"
    try:
        if kind == "scenario":
            zh = taxonomy.scenario(value).zh
        elif kind == "buyer_type":
            zh = taxonomy.buyer_type(value).zh
        else:
            zh = taxonomy.stages.get(value, "")
    except KeyError:
        zh = ""
    if short:
        return zh or value
    return f"{zh} ({value})" if zh else value


def reply_html(reply: str, violations: Any, guidance_titles: dict[str, str] | None = None) -> str:
    """The reply with its checklist violations highlighted and listed (the checklist's escaped HTML)."""
    from assistant.checklist import render_html

    if guidance_titles is None:  # agents' pages: rule names in Chinese, no ids
        items = "".join(
            f"<li><b>{esc(severity_name(v.severity))} · {esc(rule_name(v.rule, v.message))}</b>「{esc(v.text)}」{esc(v.message)}</li>"
            for v in violations
        )
        return f'<div class="checklist"><div class="checklist-reply">{_marked(reply, violations)}</div>' + (
            f"<ul>{items}</ul></div>" if items else "</div>"
        )
    return render_html(reply, violations, details=bool(violations), guidance_titles=guidance_titles)


def suggestion_html(rank: int, suggestion: Any, guidance_titles: dict[str, str] | None = None) -> str:
    """One suggestion card: the reply (violations highlighted), where it came from, the fixes applied."""
    if getattr(suggestion, "holding", False):
        origin = "稳住回复（没有可靠的建议，先请买家稍等，查清再答）"
    elif suggestion.fallback:
        origin = "通用安全回复（没有足够相似的案例）"
    else:
        origin = f"参考 {len(suggestion.sources)} 条已处理的案例"
    fill_ins = getattr(suggestion, "fill_ins", ())
    ready = (
        '<span style="color:#2e7d32">可直接发送</span>'
        if getattr(suggestion, "ready", True)
        else f'<span style="color:#b26a00">发送前请填写：{esc("、".join(fill_ins))}</span>'
        if fill_ins
        else '<span style="color:#c62828">需要修改后再发</span>'
    )
    changes = "".join(
        f'<div style="color:#1565c0;font-size:0.85em">已改：{esc(c.was or "∅")} → {esc(c.now or "∅")}（{esc(c.why.split(" ")[0])}）</div>'
        for c in getattr(suggestion, "changes", ())
    )
    fixes = "".join(
        f'<div style="color:#2e7d32;font-size:0.85em">已自动修正：{esc(fix_text(f))}</div>'
        for f in suggestion.fixes
    )
    return (
        f'<div style="font-size:1.05em;line-height:1.6">{reply_html(suggestion.reply, suggestion.violations)}</div>'
        f'<div style="color:#777;font-size:0.85em">推荐 {rank} · <span title="{html.escape("、".join(suggestion.sources), quote=True)}">{esc(origin)}</span>'
        f" · 匹配度 {suggestion.score:.0%} · {ready}</div>{changes}{fixes}"
    )


STAGE_NAMES = {
    "browsing": "咨询中（未下单）",
    "ordered": "已下单",
    "paid": "已付款",
    "shipped": "已发货",
    "delivered": "已签收",
    "after_sale": "售后中",
}


def context_html(context: Any) -> str:
    """The conversation as the assistant read it: order stage, item, known facts, pending question."""
    if context is None:
        return ""
    from assistant.facts import FILL_IN_LABELS

    stage = labels().get("stages", {}).get(context.order_stage, STAGE_NAMES.get(context.order_stage, "未知"))
    parts = [f"<b>订单进度</b> {esc(stage)}"]
    if context.item is not None:
        parts.append(f"<b>商品</b> {esc(context.item.text)}")
    facts = [
        f"{esc(FILL_IN_LABELS.get(f.fact.kind, f.fact.kind))} {esc(f.fact.text)}（{'买家' if f.role == 'buyer' else '客服'}）"
        for f in context.facts
        if f.fact.kind not in ("order_event", "item", "stock")
    ]
    if facts:
        parts.append("<b>已知</b> " + "；".join(dict.fromkeys(facts)))
    if context.pending_question:
        parts.append(f'<b style="color:#c62828">待回答</b> {esc(context.pending_question)}')
    return '<div style="font-size:0.9em;color:#444;line-height:1.7">' + " · ".join(parts) + "</div>"


# ----------------------------------------------------------------------------- charts

UNLABELLED = "（未标注）"
ANY_CATEGORY = "（通用）"
COVERAGE_LEVELS = ("空白", "薄弱", "充足")
COVERAGE_COLOURS = ("#e45756", "#f2b447", "#4c78a8")


def coverage_level(count: int, thin: int) -> str:
    """``空白`` (no case), ``薄弱`` (fewer than ``thin``) or ``充足``."""
    return "空白" if count == 0 else "薄弱" if count < thin else "充足"


def coverage_cells(corpus: Any, by: str, thin: int) -> Any:
    """Approved cases per scenario x buyer type (``by="buyer_type"``) or x product category
    (``by="category"``; a case for any category counts as 通用), each cell with its level."""
    import pandas as pd

    tax = corpus.taxonomy
    if by == "buyer_type":
        columns = [*tax.buyer_type_ids, UNLABELLED]
        names = {v: label(tax, "buyer_type", v, short=True) for v in tax.buyer_type_ids} | {
            UNLABELLED: UNLABELLED
        }
        pairs = [(c.scenario, c.buyer_type or UNLABELLED) for c in corpus.approved]
    else:
        categories = getattr(getattr(corpus, "facts", None), "categories", ()) or ()
        columns = [*(c.id for c in categories), ANY_CATEGORY]
        names = {c.id: c.name or c.id for c in categories} | {ANY_CATEGORY: ANY_CATEGORY}
        pairs = [(c.scenario, k) for c in corpus.approved for k in (c.categories or (ANY_CATEGORY,))]
    counts = (
        pd.Series(1, index=pd.MultiIndex.from_tuples(pairs, names=["scenario", "column"])) if pairs else None
    )
    grid = pd.MultiIndex.from_product([tax.scenario_ids, columns], names=["scenario", "column"])
    cells = (
        counts.groupby(level=[0, 1]).sum().reindex(grid, fill_value=0).rename("案例数").reset_index()
        if counts is not None
        else pd.DataFrame(
            {"scenario": grid.get_level_values(0), "column": grid.get_level_values(1), "案例数": 0}
        )
    )
    cells["场景"] = [label(tax, "scenario", v, short=True) for v in cells["scenario"]]
    cells["列"] = [names.get(v, v) for v in cells["column"]]
    cells["状态"] = [coverage_level(int(n), thin) for n in cells["案例数"]]
    return cells


def coverage_charts(corpus: Any, thin: int) -> tuple[Any, Any, Any]:
    """Approved cases per scenario (a dashed line at ``thin``), and heat maps of scenario x buyer
    type and scenario x category in which empty cells are red and thin ones amber."""
    import altair as alt
    import pandas as pd

    tax = corpus.taxonomy
    per = {sid: 0 for sid in tax.scenario_ids}
    for c in corpus.approved:
        per[c.scenario] = per.get(c.scenario, 0) + 1
    totals = pd.DataFrame(
        [(label(tax, "scenario", s, short=True), n, coverage_level(n, thin)) for s, n in per.items()],
        columns=["场景", "案例数", "状态"],
    )
    colour = alt.Color(
        "状态:N", title="覆盖", scale=alt.Scale(domain=list(COVERAGE_LEVELS), range=list(COVERAGE_COLOURS))
    )
    bars = (
        alt.Chart(totals)
        .mark_bar()
        .encode(
            x=alt.X("案例数:Q", title="案例数"),
            y=alt.Y("场景:N", sort=None, title=None),
            color=colour,
            tooltip=["场景", "案例数", "状态"],
        )
    )
    line = alt.Chart(pd.DataFrame({"x": [thin]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")

    def heat(by: str, title: str) -> Any:
        cells = coverage_cells(corpus, by, thin)
        base = alt.Chart(cells).encode(
            x=alt.X("列:N", sort=None, title=title, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("场景:N", sort=None, title=None),
        )
        rects = base.mark_rect(stroke="white").encode(color=colour, tooltip=["场景", "列", "案例数", "状态"])
        numbers = base.mark_text(fontSize=10).encode(
            text="案例数:Q",
            color=alt.condition(alt.datum.状态 == "充足", alt.value("white"), alt.value("#222")),
        )
        return rects + numbers

    return bars + line, heat("buyer_type", "买家类型"), heat("category", "商品品类")


def rule_rate_chart(by_rule: Any) -> Any:
    """Violation rate per checklist rule (its Chinese name, the id in the tooltip), coloured by
    severity: the audit's per-rule frame with ``规则`` and ``级别`` columns added."""
    import altair as alt

    levels = [severity_name(s) for s in ("error", "warn", "info")]
    return (
        alt.Chart(by_rule)
        .mark_bar()
        .encode(
            x=alt.X("rate:Q", title="违规率", axis=alt.Axis(format="%")),
            y=alt.Y("规则:N", sort="-x", title=None),
            color=alt.Color(
                "级别:N",
                title="级别",
                scale=alt.Scale(domain=levels, range=["#e45756", "#f58518", "#4c78a8"]),
            ),
            tooltip=[
                "规则",
                alt.Tooltip("rule:N", title="规则 id"),
                "级别",
                alt.Tooltip("count:Q", title="次数"),
                alt.Tooltip("rate:Q", title="违规率", format=".1%"),
                alt.Tooltip("example:N", title="例子"),
            ],
        )
    )


def group_rate_chart(groups: Any, title: str | None) -> Any:
    """Share of flagged replies per group (an agent ...): a frame with group, rows, violation_rate."""
    import altair as alt

    return (
        alt.Chart(groups)
        .mark_bar()
        .encode(
            x=alt.X("violation_rate:Q", title="有问题的回复占比", axis=alt.Axis(format="%")),
            y=alt.Y("group:N", sort="-x", title=title),
            tooltip=[
                alt.Tooltip("group:N", title=title or "分组"),
                alt.Tooltip("rows:Q", title="回复数"),
                alt.Tooltip("violation_rate:Q", title="有问题占比", format=".1%"),
            ],
        )
    )
