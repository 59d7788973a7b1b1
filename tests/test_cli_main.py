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


def test_sigterm_unwinds_and_leaves_no_temporary_files(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from gridgis.io.store import open_project

    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "gridgis.cli.main", "demo", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Wait until a command after init is writing its private copy of the project.
    deadline = time.monotonic() + 120
    while not ((out / "helan.gpkg").exists() and list(out.glob(".helan.gpkg.*.tmp.gpkg"))):
        assert process.poll() is None, "the demo ended before it could be interrupted"
        assert time.monotonic() < deadline, "no command started writing within 120 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "Interrupted" in errors.decode()
    assert not list(out.glob(".helan.gpkg.*.tmp.gpkg")), "a temporary copy was left behind"
    assert not list(out.glob(".gridgis-*")), "a spill folder was left behind"
    # The project is left at the last version a command finished.
    assert open_project(out / "helan.gpkg").current_version >= 1
