"""Every command is documented in the README."""
from pathlib import Path

import click

from engine.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "craft"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        yield path
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


def test_every_command_has_a_readme_heading_or_usage_line():
    paths = list(command_paths(cli))
    assert "craft classify" in paths and "craft catalog validate" in paths
    for path in paths:
        assert f"`{path}`" in README or f"\n{path} " in README, f"{path} is not documented in README.md"


def test_every_option_of_every_command_is_documented():
    def walk(group):
        for command in group.commands.values():
            yield command
            if isinstance(command, click.Group):
                yield from walk(command)

    for command in walk(cli):
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in README for opt in param.opts), f"{command.name}: {param.opts} undocumented"
