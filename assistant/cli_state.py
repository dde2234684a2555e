"""What every CLI command shares: the global options (``CliState``), core errors turned into one
line on stderr and exit code 1 (``handle_errors``), and JSON output (``echo_json``).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from .config import Settings
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
