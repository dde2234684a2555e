"""The CLI commands that judge replies and corpora: ``check`` (one reply), ``audit`` (a file of
replies), ``import-chats`` (a chat log to candidate cases), ``replay`` (past chats as if live) and
``eval`` (detection and retrieval on labeled messages).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .cli_output import render_audit, render_replay
from .cli_state import CliState, echo_json, handle_errors

if TYPE_CHECKING:
    from .core import Assistant


def _guidance_titles(assistant: Assistant) -> dict[str, str]:
    """Guidance section id → title, for naming the guidance behind each rule in the output."""
    return {s.id: s.title for s in assistant.corpus.guidance}


@click.command()
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
    titles = _guidance_titles(assistant)
    if as_json:
        echo_json(result.to_dict())
        return
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(render_rich(result, titles))


@click.command()
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
        render_audit(report)
    if out is not None:
        titles = _guidance_titles(assistant)
        path = write_report(report, out, titles)
        click.echo(f"已保存报告 report saved: {path}", err=True)


@click.command("import-chats")
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
    from .chats import SKIP_REASONS, parse_columns

    result = state.assistant().import_chats(
        file, fmt, labels=labels, columns=parse_columns(columns), out=out_name, limit=limit, dry_run=dry_run
    )
    name = result.labeller
    if name == "keywords" and labels == "auto":
        click.echo(
            "提示 Note: the detector is not available; labelling with the temporary keyword heuristic",
            err=True,
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


@click.command()
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
        render_replay(report)
    if out is not None:
        click.echo(f"已保存报告 report saved: {write_replay_report(report, out)}", err=True)


@click.command("eval")
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
    report = state.assistant().evaluate(file_)
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(report.to_text())
