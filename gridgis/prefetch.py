"""Run a generator in a second process, so producing the next item overlaps consuming this one.

GDAL's GeoPackage writer holds Python's lock while it writes, so a thread
cannot prepare the next chunk meanwhile; a process can. Reading and
normalising a ledger (Python and pandas work) then runs on one core while
the project is written on the other.

- Items travel through a bounded queue (``depth`` items), so memory stays
  bounded by a few chunks.
- An exception raised by the generator is raised again, as itself, in the
  consumer.
- **The producer never outlives the consumer**, however the consumer ends:

  - leaving the loop early, an error, Ctrl-C or ``SIGTERM`` stop it (terminate,
    then kill if it has not gone within :data:`STOP_GRACE` seconds);
  - if the consumer is killed outright (``SIGKILL``, ``SIGHUP``), the kernel
    kills the producer too (``PR_SET_PDEATHSIG`` on Linux), and everywhere the
    producer checks, while it waits to hand over an item, that its parent is
    still there.

  A forked producer starts with its parent's signal handlers; gridgis's CLI
  turns ``SIGTERM`` into ``KeyboardInterrupt``, which would make the producer
  catch its own termination and wait forever to report it. So the producer
  resets ``SIGTERM`` and ``SIGHUP`` to their defaults and ignores ``SIGINT``
  (the consumer handles Ctrl-C and stops it).
- What the producer logs (under the ``gridgis`` logger) travels through the
  queue, in order with the items, and is logged again by the consumer: the
  producer's stderr may be a copy of a stream nobody reads (a test's
  captured output, a GUI).
- Whatever the producer inherited that must not live on in it is released
  when it starts: the project store registers its write lock with
  :func:`os.register_at_fork`, so a forked producer never holds the lock.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
from collections.abc import Callable, Iterator
from queue import Empty, Full
from typing import Any

from gridgis.errors import GridgisError

_DONE = "__gridgis_prefetch_done__"
#: Seconds a producer is given to stop after ``terminate`` before it is killed.
STOP_GRACE = 5.0
#: Seconds between the producer's checks that its consumer is still alive.
_PARENT_CHECK = 0.5
_PR_SET_PDEATHSIG = 1


class HelperProcessError(GridgisError):
    """The helper process died before it could say why (killed, out of memory)."""


class _LogRecord:
    """A log record made in the producer, handed to the consumer's loggers."""

    def __init__(self, record: logging.LogRecord) -> None:
        # Formatted here: the arguments of a record need not pickle.
        record.msg = record.getMessage()
        record.args = None
        record.exc_info = None
        self.record = record


class _Forward(logging.Handler):
    """Send the producer's log records through the queue, in order with its items."""

    def __init__(self, queue: Any, parent: int) -> None:
        super().__init__()
        self.queue = queue
        self.parent = parent

    def emit(self, record: logging.LogRecord) -> None:
        _put(self.queue, _LogRecord(record), self.parent)


class _Failure:
    """An exception raised in the producer, carried to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), or exit now if it has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the checks in _put still apply
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _put(queue: Any, item: Any, parent: int) -> None:
    """Put an item on the queue, giving up (and exiting) if the consumer has died."""
    while True:
        try:
            queue.put(item, timeout=_PARENT_CHECK)
            return
        except Full:
            if os.getppid() != parent:
                # Nobody will read what is still queued: exit without flushing it.
                os._exit(1)


def _produce(
    queue: Any,
    parent: int,
    function: Callable[..., Iterator[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    _die_with_parent(parent)
    # What the producer logs is said by the consumer, where the user sees it:
    # its own stderr may be a copy of a stream that nobody reads.
    library = logging.getLogger("gridgis")
    library.handlers[:] = [_Forward(queue, parent)]
    library.propagate = False
    try:
        for item in function(*args, **kwargs):
            _put(queue, item, parent)
    except Exception as error:  # carried to the consumer, raised there
        try:
            _put(queue, _Failure(error), parent)
        except Exception:  # an exception that cannot be pickled
            _put(queue, _Failure(RuntimeError(f"{type(error).__name__}: {error}")), parent)
        return
    _put(queue, _DONE, parent)


def prefetched(
    function: Callable[..., Iterator[Any]], *args: Any, depth: int = 2, **kwargs: Any
) -> Iterator[Any]:
    """Yield what ``function(*args, **kwargs)`` yields, produced in another process.

    Parameters
    ----------
    function : callable
        A generator function defined at module level (so a spawned process
        can import it); its arguments and items must pickle.
    depth : int
        Items produced ahead of the consumer at most.

    Yields
    ------
    The generator's items, in order.

    Raises
    ------
    HelperProcessError
        If the producer died without reporting an error (killed, out of memory).
    """
    # fork starts in milliseconds on Linux; elsewhere only spawn is safe.
    context: multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext
    if sys.platform == "linux":
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=depth)
    process = context.Process(
        target=_produce,
        args=(queue, os.getpid(), function, args, kwargs),
        daemon=True,
        name="gridgis-prefetch",
    )
    process.start()
    try:
        while True:
            try:
                item = queue.get(timeout=_PARENT_CHECK)
            except Empty:
                if process.is_alive():
                    continue
                raise HelperProcessError(_death_message(process.exitcode)) from None
            if isinstance(item, _LogRecord):
                logger = logging.getLogger(item.record.name)
                if logger.isEnabledFor(item.record.levelno):
                    logger.handle(item.record)
                continue
            if isinstance(item, str) and item == _DONE:
                break
            if isinstance(item, _Failure):
                raise item.error
            yield item
        process.join()
    finally:
        _stop(process)
        queue.close()
        queue.cancel_join_thread()


def _stop(process: Any) -> None:
    """Stop the producer: terminate, then kill if it does not go in time."""
    if process.is_alive():
        process.terminate()
        process.join(STOP_GRACE)
    if process.is_alive():
        process.kill()
        process.join()


def _death_message(exit_code: int | None) -> str:
    if exit_code is not None and exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        cause = f"killed by {name}"
        if -exit_code == signal.SIGKILL:
            cause += ", perhaps because memory ran out"
    else:
        cause = f"exit code {exit_code}"
    return f"the helper process reading the input stopped unexpectedly ({cause})"
