"""Every CLI command documents itself (its --help has an example) and the README shows it."""

import click
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import PROJECT_ROOT


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path, command


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    assert command.help and "Example" in command.help, (
        f"`assistant {' '.join(path)}` needs a docstring with an example"
    )
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and "Example" in result.output


def test_the_readme_mentions_every_top_level_command():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in cli.commands if f"assistant {name}" not in readme]
    assert not missing, f"README lacks: {missing}"


def test_readme_install_command_pins_torch_first():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme.index("pip install torch==2.13.0") < readme.index('pip install -e ".[dev]"')
    assert ci.index("torch==2.13.0") < ci.index('-e ".[dev]"')
    assert "python -m pytest -q" in readme and "python -m pytest -q" in ci
