"""The trainers' CLI commands: ``init`` (a new shop), ``corpus`` (validate, lint, stats,
guidance-usage), ``case`` (list, add, approve, reject, relabel, disable, enable, remove, delete),
``ingest`` (training documents to guidance) and ``build`` (the index).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from .cli_output import render_stats
from .cli_state import CliState, echo_json, handle_errors
from .config import INDEX_TYPES


@click.command("init")
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
    from .core import Assistant

    # --category kitchen,food works like --category kitchen --category food
    categories = tuple(c.strip() for value in categories for c in value.split(",") if c.strip())
    result = Assistant.init_shop(directory, categories, shop_name, platform=platform)
    if as_json:
        echo_json(result.to_dict())
        return
    per_pack = ", ".join(f"{pack} {n}" for pack, n in result.per_pack.items())
    click.echo(f"已创建 created {result.directory}: {result.cases} starter cases ({per_pack})")
    click.echo(f"{len(result.to_fill)} shop value(s) still to fill in {result.corpus_dir / 'shop.toml'}")
    click.echo("")
    click.echo(result.next_steps.rstrip())


@click.group()
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
    assistant = state.assistant()
    problems = assistant.validate()
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {assistant.settings.corpus_dir}", err=True)
        sys.exit(1)
    stats = assistant.stats()
    to_fill = assistant.still_to_fill()  # notes, not problems: the corpus works meanwhile
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
    render_stats(stats)


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


@click.command()
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

    failed = 0
    for result in state.assistant().ingest(files, out_dir, on_note=lambda note: click.echo(note, err=True)):
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


@click.group()
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
    if order == "value":
        for item in assistant.review_queue(selection):
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
    # refuses unknown filter values before anything is printed
    for item in assistant.cases(selection):
        c = item.case
        if as_json:
            echo_json(item.to_dict())
        else:
            packs_text = ",".join(item.packs) + ("" if item.chosen else " 未选 not chosen")
            click.echo(f"{c.id}\t{c.status}\t{c.scenario}\t{packs_text}\t{c.buyer}\t→ {c.reply}")


def _bulk_command(action: str, verb: str, doc: str) -> click.Command:
    """The ``case disable``/``enable``/``remove`` command: case ids and the filter options select the
    cases, one core call changes them (``Assistant.switch_cases`` or ``remove_cases``), and the
    result prints as one summary line or JSON; ``remove`` asks first unless ``--yes``."""

    def command(
        state: CliState,
        case_ids: tuple[str, ...],
        ids: tuple[str, ...],
        sources: tuple[str, ...],
        packs: tuple[str, ...],
        scenarios: tuple[str, ...],
        statuses: tuple[str, ...],
        dry_run: bool,
        as_json: bool,
        yes: bool = True,
    ) -> None:
        selection = _case_filter((*case_ids, *ids), sources, packs, scenarios, statuses)
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

    command.__doc__ = doc
    command.__name__ = f"case_{action}"
    # the decorators of a hand-written command, innermost first (so --help lists them top-down)
    wrapped: Callable = click.pass_obj(handle_errors(command))
    wrapped = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(wrapped)
    wrapped = click.option("--dry-run", is_flag=True, help=f"Count what would be {verb}; change nothing.")(
        wrapped
    )
    if action == "remove":
        wrapped = click.option("--yes", is_flag=True, help="Do not ask before removing.")(wrapped)
    wrapped = _case_filter_options(wrapped)
    wrapped = click.argument("case_ids", nargs=-1)(wrapped)
    return case.command(action)(wrapped)


case_disable = _bulk_command(
    "disable",
    "disabled",
    """Disable cases: kept in their files, never served (e.g. a starter pack the shop does not need).

    Only approved cases are switched off; `case enable` switches them back on.

    \b
    Example:
        assistant case disable --source starter --pack apparel
    """,
)
case_enable = _bulk_command(
    "enable",
    "enabled",
    """Enable disabled cases again (they are served after `assistant build`).

    \b
    Example:
        assistant case enable --source starter --pack apparel
    """,
)
case_remove = _bulk_command(
    "remove",
    "removed",
    """Remove the cases a filter selects from their files; asks first (or --yes) and says how many.

    `case disable` keeps them instead.

    \b
    Example:
        assistant case remove --source starter --pack apparel --dry-run
        assistant case remove --source starter --pack apparel --yes
    """,
)


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
    for saved in state.assistant().set_case_status(case_ids, status):
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
    state.assistant().delete_cases(case_ids)
    for case_id in case_ids:
        click.echo(f"deleted {case_id}")


@click.command()
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
