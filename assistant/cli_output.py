"""The CLI's output for people: rich text and tables of suggestions, similar cases, corpus stats,
audits and replays (``--json`` prints the records instead, through ``cli_state.echo_json``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .audit import AuditReport
    from .replay import ReplayReport


def render_suggestions(data: dict) -> None:
    """Print a ``suggest --json`` object for people. It renders the JSON, not the records, so that an
    answer from a running API (``assistant serve``) prints exactly as one computed in-process."""
    from rich.console import Console
    from rich.markup import escape

    from .grounding import Change

    console = Console(highlight=False, soft_wrap=True)
    buyer = f" · 买家类型 {data['buyer_type']}" if data["buyer_type"] else ""
    console.print(
        f"[bold]场景[/bold] {escape(data['scenario'])} ({data['scenario_confidence']:.0%}) · 阶段 {escape(data['stage'])}{escape(buyer)}"
    )
    if data["note"]:
        console.print(f"[yellow]{escape(data['note'])}[/yellow]")
    context = data["context"]
    if context is not None:  # its facts leave out order events already
        known = "、".join(f["text"] for f in context["facts"])
        item = f" · 商品 {context['item']['text']}" if context["item"] else ""
        console.print(
            f"[dim]订单阶段 {escape(context['stage'])}{escape(item)}"
            + (f" · 已知 {escape(known)}" if known else "")
            + "[/dim]"
        )
        if context["pending_question"]:
            console.print(f"[dim]待回答 pending: {escape(context['pending_question'])}[/dim]")
    if data["abstained"] and data["abstain_reason"]:
        console.print(f"[yellow]不建议直接回复 abstained: {escape(data['abstain_reason'])}[/yellow]")
    for rank, s in enumerate(data["suggestions"], start=1):
        console.print(f"\n[bold cyan]{rank}.[/bold cyan] {escape(s['reply'])}")
        origin = (
            "稳住回复 holding"
            if s["holding"]
            else ("通用安全回复 fallback" if s["fallback"] else "来源 " + ", ".join(s["sources"]))
        )
        ready = "可直接发送" if s["ready"] else "需补充或修改"
        console.print(
            f"   [dim]{escape(origin)} · 场景 {escape(s['scenario'])} · score {s['score']:.2f} · {ready}[/dim]"
        )
        if s["fill_ins"]:
            console.print(f"   [magenta]待填写 fill in: {escape('、'.join(s['fill_ins']))}[/magenta]")
        for change in s["changes"]:
            console.print(f"   [blue]已改 {escape(str(Change(**change)))}[/blue]")
        for fix in s["fixes"]:
            console.print(f"   [green]已修正 {escape(fix)}[/green]")
        for v in s["violations"]:
            console.print(
                f"   [red]{escape(v['severity'])} {escape(v['rule'])}[/red]: {escape(v['message'])}"
            )
    if data["guidance"]:
        console.print("\n[bold]相关指导 guidance[/bold]")
        for g in data["guidance"]:
            console.print(f"  · {escape(g['title'])} [dim]({escape(g['id'])})[/dim]")


def render_similar(hits: list) -> None:
    """``similar`` for people: one table row per retrieved case."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("#", "id", "场景 scenario", "sim", "买家 buyer", "回复 reply")
    for rank, h in enumerate(hits, start=1):
        table.add_row(
            str(rank),
            escape(h.case.id),
            escape(h.case.scenario),
            f"{h.similarity:.2f}",
            escape(h.case.buyer),
            escape(h.case.reply),
        )
    Console().print(table)


def render_stats(stats: dict) -> None:
    """``corpus stats`` for people: the counts, then approved cases per scenario and buyer type."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"cases {stats['cases']} · approved {stats['approved']} · candidates {stats['candidates']} · "
        f"guidance {stats['guidance_sections']} · rules {stats['rules']} · products {stats['products']}"
    )
    for key, title in (("scenarios", "场景 scenario"), ("buyer_types", "买家类型 buyer type")):
        table = Table(title=None)
        table.add_column(title)
        table.add_column("approved cases", justify="right")
        for name, count in stats[key].items():
            table.add_row(name, str(count) if count else "[red]0[/red]")
        console.print(table)


def render_audit(report: AuditReport) -> None:
    """``audit`` for people: the pass rate, the per-rule table and, with ``--by``, the per-group table."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    share = f" ({report.passed / report.total:.1%})" if report.total else ""
    # file names, replies and agent names are data: brackets in them ([微笑], [/b]) are not markup
    console.print(
        f"{escape(report.source)}: {report.total} 条回复 replies, {report.passed} 通过 passed{share}"
    )
    table = Table(title=None)
    for name, justify in (
        ("规则 rule", "left"),
        ("severity", "left"),
        ("count", "right"),
        ("rate", "right"),
        ("例子 example", "left"),
    ):
        table.add_column(name, justify=justify)
    for s in report.rules:
        table.add_row(s.rule, s.severity, str(s.count), f"{s.rate:.2%}", escape(s.example))
    console.print(table)
    if report.groups:
        groups = Table(title=None)
        for name, justify in (
            (escape(report.by or "group"), "left"),
            ("rows", "right"),
            ("pass rate", "right"),
            ("常见问题 top rules", "left"),
        ):
            groups.add_column(name, justify=justify)
        for g in report.groups:
            top = sorted(g.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            groups.add_row(
                escape("" if g.group is None else str(g.group)),
                str(g.rows),
                f"{g.pass_rate:.1%}",
                ", ".join(f"{rule} {n}" for rule, n in top),
            )
        console.print(groups)


def render_replay(report: ReplayReport) -> None:
    """``replay`` for people: per corpus version the coverage, hits and grounding, earlier runs, per scenario."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"{escape(report.log)}: {report.sessions:,} 个会话 sessions, 留出 held out {report.heldout_sessions:,} "
        f"(seed {report.seed}); policy {escape(report.policy)}"
    )
    for c, r in zip(report.corpora, report.summary(), strict=True):
        made = f", imported {c.imported:,}, approved {c.approved:,}" if c.imported else ""
        leaked = f", [bold]{c.leaked:,} from held-out sessions[/bold]" if c.leaked else ""
        hits = " ".join(f"hit@{t:g} {r.hit_rate(t):.1%}" for t in report.thresholds)
        console.print(
            f"\n[bold]{c.mode}[/bold] {c.corpus_hash} ({c.cases:,} approved cases{made}{leaked})\n"
            f"  {r.turns:,} turns · 覆盖 coverage {r.coverage:.1%} · 弃权 abstained {r.abstained:,} · {hits}\n"
            f"  无据 ungrounded {r.ungrounded_share:.1%} of {r.suggestions:,} shown · "
            f"客服违规可避免 agent violations avoided {r.avoided:,}/{r.agent_violations:,}"
        )
    if report.earlier:
        console.print("\n此前在同一批留出会话上 earlier runs on the same held-out sessions:")
        for e in report.earlier[-10:]:
            hits = " ".join(f"hit@{t} {v:.1%}" for t, v in e.get("hit_rate", {}).items())
            console.print(f"  {e.get('when', '')} {e.get('corpus', '')} {e.get('corpus_hash', '')} · {hits}")
    table = Table(
        title="\n分场景 by scenario (hit rate @ similarity threshold)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("scenario", "corpus", "turns", "coverage", *(f"@{t:g}" for t in report.thresholds)):
        table.add_column(name, justify="left" if name in ("scenario", "corpus") else "right", no_wrap=True)
    for r in sorted(report.by_scenario(), key=lambda r: r.scenario):
        table.add_row(
            r.scenario,
            r.corpus,
            f"{r.turns:,}",
            f"{r.coverage:.0%}",
            *(f"{r.hit_rate(t):.0%}" for t in report.thresholds),
        )
    console.print(table)
