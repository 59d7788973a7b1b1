"""The ``gridgis`` click group and its error handling.

Commands are registered explicitly at the bottom so that ``tests/test_cli_main.py``
can check every one is reachable. Command modules import heavy libraries inside
their functions, which keeps ``gridgis --help`` fast.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback
from typing import Any

import click

from gridgis import __version__
from gridgis.cli.i18n import MessageFormatter, localise, localise_error, translate_message
from gridgis.errors import GridgisError

logger = logging.getLogger("gridgis")

#: Signals that stop a command the way Ctrl-C does (SIGHUP does not exist on Windows).
_UNWINDING_SIGNALS = ("SIGTERM", "SIGHUP")


class GridgisGroup(click.Group):
    """A click group that turns gridgis errors into one sentence and exit code 1.

    It also speaks the user's language (:mod:`gridgis.cli.i18n`): each run gives
    the whole command tree its help in Chinese or English, and errors are
    shown in that language with their exit codes unchanged.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line in the language the environment asks for."""
        localise(self)
        return super().main(*args, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        """Parse the group's own options, with usage errors in the user's language."""
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as error:
            _reraise_localised(error)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command, translating errors for the terminal."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            # A plain kill (SIGTERM) or a closed terminal (SIGHUP) unwinds like
            # Ctrl-C, so the helper process is stopped and the session's
            # temporary copy and spill files are removed on the way out.
            for name in _UNWINDING_SIGNALS:
                number = getattr(signal, name, None)
                if number is not None:
                    previous[number] = signal.signal(number, _interrupt)
        try:
            return self._invoke_reporting_errors(ctx)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _invoke_reporting_errors(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GridgisError as error:
            if ctx.meta.get("gridgis.verbose", 0) > 0:
                traceback.print_exc()
            click.echo(translate_message(f"Error: {error}"), err=True)
            ctx.exit(1)
        except BrokenPipeError:
            # The reader of our output went away (| head); stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo(translate_message("Interrupted; nothing was changed."), err=True)
            ctx.exit(130)
        except click.ClickException as error:
            _reraise_localised(error)
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # a bug: still one sentence unless --verbose
            if ctx.meta.get("gridgis.verbose", 0) > 0:
                traceback.print_exc()
            click.echo(
                translate_message(
                    f"Internal error: {type(error).__name__}: {error} "
                    "(run with --verbose for the traceback and please report it)"
                ),
                err=True,
            )
            ctx.exit(1)


def _reraise_localised(error: click.ClickException) -> None:
    """Raise ``error`` in the user's language, if that is not English."""
    localised = localise_error(error)
    if localised is not error:
        raise localised from error


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.group(cls=GridgisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More detail; -v shows tracebacks.")
@click.option("-q", "--quiet", count=True, help="Only warnings and errors.")
@click.version_option(__version__, prog_name="gridgis")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Work-safety supervision grids for a county: divide, code, assign, map and file.

    Every command reads and writes one project GeoPackage. Commands that change
    it add one version; a command that fails leaves the file untouched.
    """
    ctx.meta["gridgis.verbose"] = verbose
    ctx.meta["gridgis.quiet"] = quiet
    level = logging.INFO - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MessageFormatter("%(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(max(logging.DEBUG, min(level, logging.ERROR)))
    logger.propagate = False


def _register() -> None:
    # Imported here so the group exists before the command modules need it.
    from gridgis.cli import (
        assign,
        check,
        code,
        demo,
        diff,
        divide,
        enterprises,
        export,
        init,
        log,
        report,
        staff,
        upgrade,
    )

    commands = (
        init.init,
        check.check,
        divide.divide,
        enterprises.enterprises,
        staff.staff,
        assign.assign,
        code.code,
        log.log,
        diff.diff,
        export.export,
        report.report,
        upgrade.upgrade,
        demo.demo,
    )
    # The guideline's documents: statistics table, ledgers, notices, cards, figure.
    from gridgis.cli import cards, figure, ledger, notice, stats

    for document in (stats.stats, ledger.ledger, notice.notice, cards.cards, figure.figure):
        cli.add_command(document)
    # The supervision diagram: one offline HTML map.
    from gridgis.cli import map as map_command

    cli.add_command(map_command.map_)
    # Filing with the prefecture, and the prefecture's registry.
    from gridgis.cli import filing, registry

    for group in (filing.filing, registry.registry):
        cli.add_command(group)
    # Who is responsible for a place, and the hazard-report loop of Appendix B.
    from gridgis.cli import hazards, locate

    cli.add_command(locate.locate)
    cli.add_command(hazards.hazards)
    for command in commands:
        cli.add_command(command)


_register()


if __name__ == "__main__":  # python -m gridgis.cli.main, used by the benchmarks
    cli()
