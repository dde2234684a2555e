"""How the notebook magics' results look: the HTML and text renderings of ``%suggest``, ``%check``
and ``%audit`` frames (highlighted replies, badges, summaries). Pure rendering over core records;
``magics.py`` parses, calls the core and attaches these to its DataFrames.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _badge(text: str, colour: str = "#1a4fa0", background: str = "#e8f0fe") -> str:
    return (
        f'<span style="display:inline-block;background:{background};color:{colour};border-radius:4px;'
        f'padding:1px 7px;margin-right:4px;font-size:90%">{_esc(text)}</span>'
    )


def _highlight_html(reply: str, violations: Sequence[Any], titles: dict[str, str]) -> str:
    """The checklist's own rendering: escaped reply, spans highlighted, each violation listed."""
    from .checklist import render_html

    return render_html(reply, violations, details=True, guidance_titles=titles)


def _highlight_text(reply: str, violations: Sequence[Any]) -> str:
    from .checklist import render_text

    return render_text(reply, violations)


def suggest_html(frame: Any) -> str:
    labels, titles = frame.labels, frame.guidance_titles
    parts = ['<div class="assistant-suggest">']
    for result in frame.results:
        d = result.detection
        parts.append('<div style="margin:0 0 14px 0">')
        for turn in result.history:
            who = "买家" if turn.role == "buyer" else "客服"
            parts.append(f'<div style="color:#777;font-size:90%">{who}: {_esc(turn.text)}</div>')
        parts.append(f"<div><b>买家</b> {_esc(result.message)}</div>")
        scenario = " ".join(
            x for x in (d.scenario, labels.get(d.scenario, ""), f"{d.scenario_confidence:.0%}") if x
        )
        badges = [_badge(scenario), _badge(f"阶段 {d.stage}", "#444", "#eee")]
        if d.buyer_type:
            kind = " ".join(x for x in ("买家类型", d.buyer_type, labels.get(d.buyer_type, "")) if x)
            badges.append(_badge(kind, "#5d3a00", "#fff3e0"))
        parts.append(f'<div style="margin:3px 0">{"".join(badges)}</div>')
        if result.note:
            parts.append(f'<div style="color:#8a6d00">{_esc(result.note)}</div>')
        parts.append('<ol style="margin:4px 0">')
        for s in result.suggestions:
            parts.append(f'<li style="margin-bottom:6px">{_highlight_html(s.reply, s.violations, titles)}')
            parts.append(f'<div style="color:#666;font-size:90%">score {s.score:.2f}</div>')
            for fix in s.fixes:
                parts.append(f'<div style="color:#2e7d32;font-size:90%">已修正 fixed {_esc(fix)}</div>')
            parts.append(_sources_html(s, frame.cases))
            parts.append("</li>")
        parts.append("</ol>")
        if result.guidance:
            names = " · ".join(f"{_esc(g.title)} <code>{_esc(g.id)}</code>" for g in result.guidance)
            parts.append(f'<div style="font-size:90%">相关指导 guidance: {names}</div>')
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def _sources_html(suggestion: Any, cases: dict) -> str:
    if suggestion.fallback:
        return '<div style="color:#666;font-size:90%">通用安全回复 fallback (no similar case)</div>'
    rows = []
    for case_id in suggestion.sources:
        case = cases.get(case_id)
        buyer, reply = (case.buyer, case.reply) if case is not None else ("", "")
        rows.append(
            f"<tr><td><code>{_esc(case_id)}</code></td><td>{_esc(buyer)}</td><td>{_esc(reply)}</td></tr>"
        )
    return (
        f'<details style="font-size:90%"><summary>来源案例 sources: {_esc(", ".join(suggestion.sources))}</summary>'
        f"<table><tr><th>case</th><th>买家 buyer</th><th>客服 reply</th></tr>{''.join(rows)}</table></details>"
    )


def suggest_text(frame: Any) -> str:
    lines = []
    for result in frame.results:
        d = result.detection
        for turn in result.history:
            lines.append(f"  {'买家' if turn.role == 'buyer' else '客服'}: {turn.text}")
        lines.append(f"买家 {result.message}")
        buyer = f" · 买家类型 {d.buyer_type}" if d.buyer_type else ""
        lines.append(f"场景 {d.scenario} ({d.scenario_confidence:.0%}) · 阶段 {d.stage}{buyer}")
        if result.note:
            lines.append(result.note)
        for rank, s in enumerate(result.suggestions, start=1):
            lines.append(f"{rank:>2}. {_highlight_text(s.reply, s.violations)}")
            origin = "通用安全回复 fallback" if s.fallback else "来源 " + ", ".join(s.sources)
            lines.append(f"    {origin} · score {s.score:.2f}")
            lines.extend(f"    已修正 fixed {fix}" for fix in s.fixes)
            lines.extend(f"    {v.severity} {v.rule}: {v.message}" for v in s.violations)
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _verdict(result: Any) -> tuple[str, bool]:
    if not result.violations:
        return "✓ 通过 passed", True
    if result.passed:
        return f"✓ 通过 passed ({len(result.violations)} 条提示 info)", True
    return f"✗ 未通过 not passed ({len(result.violations)} 处 violations)", False


def check_html(frame: Any) -> str:
    result = frame.result
    if result is None:
        return pandas_html(frame)
    verdict, good = _verdict(result)
    badge = _badge(verdict, "#1b5e20", "#e8f5e9") if good else _badge(verdict, "#b71c1c", "#ffebee")
    parts = [
        f'<div class="assistant-check"><div>{badge}</div>',
        _highlight_html(result.reply, result.violations, frame.guidance_titles),
    ]
    if result.fixed is not None:
        parts.append(f'<div style="margin-top:4px;color:#2e7d32">建议改为 fixed: {_esc(result.fixed)}</div>')
    parts.append("</div>")
    return "".join(parts)


def check_text(frame: Any) -> str:
    result = frame.result
    if result is None:
        return frame.to_string()
    lines = [_verdict(result)[0], _highlight_text(result.reply, result.violations)]
    lines.extend(f"  {v.severity} {v.rule}: {v.message} → {v.guidance}" for v in result.violations)
    if result.fixed is not None:
        lines.append(f"建议改为 fixed: {result.fixed}")
    return "\n".join(lines)


def pandas_html(frame: Any) -> str:
    """The ordinary pandas HTML of a frame (escaped by pandas)."""
    import pandas as pd

    return pd.DataFrame(frame)._repr_html_() or ""


def _audit_headline(frame: Any) -> str:
    total = len(frame)
    flagged = int((~frame["passed"]).sum()) if total else 0
    share = f" ({flagged / total:.1%})" if total else ""
    return f"质检 audit: {total} 条回复 rows · {flagged} 条未通过 not passed{share}"


def _fired_groups(frame: Any):
    """The per-group table with only the rules that fired (the attribute keeps every rule)."""
    fired = list(frame.by_rule.loc[frame.by_rule["count"] > 0, "rule"])
    return frame.by_group[[*frame.by_group.columns[:4], *fired]]


def audit_html(frame: Any, flagged_rows: int = 10) -> str:
    if frame.report is None:
        return pandas_html(frame)
    parts = [f'<div class="assistant-audit"><div><b>{_esc(_audit_headline(frame))}</b></div>']
    if frame.report.columns is not None:
        parts.append(f'<div style="color:#555">{_esc(frame.report.columns.describe())}</div>')
    by_rule = frame.by_rule.assign(rate=frame.by_rule["rate"].map("{:.1%}".format))
    parts.append("<div>按规则 by rule</div>" + pandas_html(by_rule[by_rule["count"] > 0]))
    if frame.by_group is not None:
        parts.append(
            f"<div>按 by {_esc(frame.by_group.columns[0])}</div>" + pandas_html(_fired_groups(frame))
        )
    flagged = [r for r in frame.report.rows if r.violations][:flagged_rows]
    if flagged:
        parts.append(f"<div>有问题的前 {len(flagged)} 条 first rows with violations</div><ol>")
        titles = frame.guidance_titles
        for row in flagged:
            message = f'<div style="color:#777">买家 {_esc(row.message)}</div>' if row.message else ""
            parts.append(f"<li>{message}{_highlight_html(row.reply, row.violations, titles)}</li>")
        parts.append("</ol>")
    parts.append(
        "<div style='color:#777'>the DataFrame has one row per input row; "
        ".long has one row per violation; .by_rule / .by_group hold the summaries</div></div>"
    )
    return "".join(parts)


def audit_text(frame: Any) -> str:
    """The summary first (totals, the columns used, the rules that fired), then the groups cut to
    pandas' ``display.max_rows`` as any DataFrame is."""
    import pandas as pd

    if frame.report is None:
        return frame.to_string()
    lines = [_audit_headline(frame)]
    if frame.report.columns is not None:
        lines.append(frame.report.columns.describe())
    for rule in frame.by_rule.itertuples():
        if rule.count:
            lines.append(f"  {rule.rule:<24} {rule.severity:<5} {rule.count:>6} {rule.rate:>7.1%}")
    if frame.by_group is not None:
        max_rows = pd.get_option("display.max_rows")
        min_rows = pd.get_option("display.min_rows") or max_rows
        groups = _fired_groups(frame)
        shown = min_rows if max_rows is not None and len(groups) > max_rows else None
        lines.append(groups.to_string(index=False, max_rows=shown, min_rows=shown))
    lines.append("(.long: one row per violation · .by_rule · .by_group · .report)")
    return "\n".join(lines)
