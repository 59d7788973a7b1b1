import click
from click.testing import CliRunner

from gridgis.cli.main import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


def test_every_command_is_reachable_and_has_help() -> None:
    commands = _commands(cli)
    assert {("init",), ("check",), ("demo",)} <= set(commands)
    for path in commands:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_internal_errors_are_one_sentence(monkeypatch) -> None:
    import gridgis.project

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(gridgis.project, "check_project", broken)
    result = CliRunner().invoke(cli, ["check", "x.gpkg"])
    assert result.exit_code == 1
    assert result.output.startswith("Internal error: ZeroDivisionError: boom")
    assert "Traceback" not in result.output
