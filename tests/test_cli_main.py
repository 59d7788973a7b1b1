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


def test_internal_errors_are_one_sentence(monkeypatch, demo_project) -> None:
    import gridgis.project.check

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(gridgis.project.check, "check_project", broken)
    result = CliRunner().invoke(cli, ["check", str(demo_project)])
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
    while not ((out / "helan.gpkg").exists() and list(out.glob(".helan.gpkg.*.tmp"))):
        assert process.poll() is None, "the demo ended before it could be interrupted"
        assert time.monotonic() < deadline, "no command started writing within 120 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "Interrupted" in errors.decode()
    assert not list(out.glob(".helan.gpkg.*.tmp")), "a session folder was left behind"
    assert not list(out.glob(".gridgis-*")), "a spill folder was left behind"
    # The project is left at the last version a command finished.
    assert open_project(out / "helan.gpkg").current_version >= 1


def test_help_shows_examples_on_their_own_lines() -> None:
    for path in _commands(cli):
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
        assert "\\b" not in result.output, path
        assert "\b" not in result.output, path
    divide = CliRunner().invoke(cli, ["divide", "--help"], terminal_width=100).output
    assert "\n    gridgis divide helan.gpkg --by households --max-load 300 \\\n" in divide
    init = CliRunner().invoke(cli, ["init", "--help"], terminal_width=100).output
    assert "Example:\n    gridgis init helan.gpkg" in init


def test_quiet_prints_only_warnings_and_errors(demo_project) -> None:
    result = CliRunner().invoke(cli, ["-q", "check", str(demo_project)])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    loud = CliRunner().invoke(cli, ["check", str(demo_project)])
    assert "clean" in loud.output


def test_the_demo_sums_each_step_up_in_one_line(demo_run) -> None:
    out, output = demo_run
    lines = output.strip().splitlines()
    # One line per step, one per file written, and a hint: nothing else.
    steps = [line for line in lines if line[:3].strip().rstrip(".").isdigit()]
    files = [line for line in lines if line.startswith("  ")]
    assert len(lines) == 1 + len(steps) + 1 + len(files) + 1, output
    assert len(lines) <= 32, output
    assert "rows 3000 = territorial" in output
    for name in (
        "helan.gpkg",
        "check_issues.gpkg",
        "quality.xlsx",
        "grids.gpkg",
        "assignments.csv",
    ):
        assert str(out / name) in output
        assert (out / name).exists()
    assert "gridgis -v demo" in output
