"""The checklist's rendering: a reply with its offending spans marked, as plain text, HTML or a rich
renderable for the terminal."""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from typing import Any

from .checklist_rules import CheckResult, Violation

# ----------------------------------------------------------------------------- rendering

# shown when a safe fix exists but the fixed reply would still not pass
REWRITE_NOTE = "只做安全修正仍不合格，请按上面的提示改写 rewrite the reply as the messages above say"

_SEVERITY_RANK = {"info": 1, "warn": 2, "error": 3}
_HTML_COLOURS = {"error": "#ffcdd2", "warn": "#ffe0b2", "info": "#bbdefb"}
_RICH_STYLES = {"error": "bold white on red", "warn": "black on yellow", "info": "underline blue"}
_SEVERITY_ZH = {"error": "错误", "warn": "警告", "info": "提示"}


def _is_whole(v: Violation, reply: str) -> bool:
    return v.start == 0 and v.end == len(reply) and len(reply) > 0


def _segments(
    reply: str, violations: Sequence[Violation]
) -> list[tuple[str, str | None, tuple[Violation, ...]]]:
    """Split ``reply`` into runs with the most severe violation covering each (whole-reply
    violations are listed, not highlighted)."""
    marks: list[list[Violation]] = [[] for _ in reply]
    for v in violations:
        if _is_whole(v, reply) and len(reply) > 4:
            continue
        for i in range(max(0, v.start), min(len(reply), v.end)):
            marks[i].append(v)
    out: list[tuple[str, str | None, tuple[Violation, ...]]] = []
    for i, ch in enumerate(reply):
        here = tuple(marks[i])
        severity = max((v.severity for v in here), key=lambda s: _SEVERITY_RANK.get(s, 0)) if here else None
        if out and out[-1][1] == severity and out[-1][2] == here:
            out[-1] = (out[-1][0] + ch, severity, here)
        else:
            out.append((ch, severity, here))
    return out


def _where(v: Violation, reply: str) -> str:
    return "整条回复 whole reply" if _is_whole(v, reply) else f"「{v.text}」 {v.start}–{v.end}"


def render_text(reply: str, violations: Sequence[Violation]) -> str:
    """The reply as plain text with each offending span wrapped in 【】 (for logs and notebooks)."""
    parts = []
    for text, severity, _ in _segments(reply, violations):
        parts.append(f"【{text}】" if severity else text)
    return "".join(parts)


def render_html(
    reply: str,
    violations: Sequence[Violation],
    *,
    details: bool = False,
    guidance_titles: dict[str, str] | None = None,
) -> str:
    """The reply as escaped HTML with each offending span highlighted (colour by severity, the
    rule and message in its ``title``).

    Args:
        reply: the reply the violations were found in.
        violations: its violations (``CheckResult.violations``).
        details: also list each violation (severity, rule, span, message, guidance) under the reply.
        guidance_titles: guidance section titles by id, shown next to the ids.

    Returns:
        An HTML fragment (``<div class="checklist">``); all text is escaped.
    """
    esc = functools.partial(html.escape, quote=True)
    body = []
    for text, severity, here in _segments(reply, violations):
        if severity is None:
            body.append(esc(text))
            continue
        title = "; ".join(f"{v.rule}: {v.message}" for v in here)
        body.append(
            f'<mark class="checklist-{esc(severity)}" style="background:{_HTML_COLOURS.get(severity, "#eee")};'
            f'padding:0 1px" title="{esc(title)}">{esc(text)}</mark>'
        )
    out = [f'<div class="checklist"><div class="checklist-reply">{"".join(body)}</div>']
    if details and violations:
        items = []
        for v in violations:
            guidance = esc(v.guidance)
            if guidance_titles and v.guidance in guidance_titles:
                guidance += f" {esc(guidance_titles[v.guidance])}"
            items.append(
                f'<li><b class="checklist-{esc(v.severity)}">{esc(v.severity)} {esc(v.rule)}</b> '
                f"{esc(_where(v, reply))}: {esc(v.message)} <small>→ {guidance}</small></li>"
            )
        out.append(f'<ul class="checklist-violations">{"".join(items)}</ul>')
    out.append("</div>")
    return "".join(out)


def render_rich(result: CheckResult, guidance_titles: dict[str, str] | None = None):
    """A rich renderable of a check: the reply with offending spans highlighted, then each
    violation with its message and guidance section, then the fixed reply (for the terminal)."""
    from rich.console import Group
    from rich.text import Text

    reply = result.reply
    line = Text()
    for text, severity, _ in _segments(reply, result.violations):
        line.append(text, style=_RICH_STYLES.get(severity, "") if severity else "")
    parts: list[Any] = [line]
    for n, v in enumerate(result.violations, start=1):
        head = Text(f"{n}. ")
        head.append(
            f"{_SEVERITY_ZH.get(v.severity, v.severity)} {v.severity}", style=_RICH_STYLES.get(v.severity, "")
        )
        head.append(f" {v.rule} {_where(v, reply)}")
        parts.append(head)
        parts.append(Text(f"   {v.message}"))
        title = f" {guidance_titles[v.guidance]}" if guidance_titles and v.guidance in guidance_titles else ""
        parts.append(Text(f"   指引 guidance: {v.guidance}{title}", style="dim"))
    if result.fixed is not None:
        parts.append(Text(f"建议改为 fixed: {result.fixed}", style="green"))
    elif result.unfixed:
        parts.append(Text(f"无一键修正 no safe fix: {REWRITE_NOTE}", style="yellow"))
    verdict = "✓ 通过 passed" if result.passed else "✗ 未通过 not passed"
    count = f" ({len(result.violations)} 处 violations)" if result.violations else ""
    parts.append(Text(verdict + count, style="bold green" if result.passed else "bold red"))
    return Group(*parts)
