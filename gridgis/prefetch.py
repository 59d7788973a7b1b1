"""Run a generator in a second process, so producing the next item overlaps consuming this one.

GDAL's GeoPackage writer holds Python's lock while it writes, so a thread
cannot prepare the next chunk meanwhile; a process can. Reading and
normalising a ledger (Python and pandas work) then runs on one core while
the project is written on the other.

- Items travel through a bounded queue (``depth`` items), so memory stays
  bounded by a few chunks.
- An exception raised by the generator is raised again, as itself, in the
  consumer.
- The producer dies with the consumer: it is a daemon, it ignores Ctrl-C
  (the consumer handles that and stops it), and leaving the loop early stops
  it.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterator
from queue import Empty
from typing import Any

_DONE = "__gridgis_prefetch_done__"


class _Failure:
    """An exception raised in the producer, carried to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _produce(queue: Any, function: Callable[..., Iterator[Any]], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for item in function(*args, **kwargs):
            queue.put(item)
    except BaseException as error:  # carried to the consumer, raised there
        try:
            queue.put(_Failure(error))
        except Exception:  # an exception that cannot be pickled
            queue.put(_Failure(RuntimeError(f"{type(error).__name__}: {error}")))
        return
    queue.put(_DONE)


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
    """
    # fork starts in milliseconds on Linux; elsewhere only spawn is safe.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    queue = context.Queue(maxsize=depth)
    process = context.Process(
        target=_produce, args=(queue, function, args, kwargs), daemon=True,
        name="gridgis-prefetch",
    )
    process.start()
    try:
        while True:
            try:
                item = queue.get(timeout=0.5)
            except Empty:
                if process.is_alive():
                    continue
                # Killed (out of memory, for one) before it could say why.
                raise RuntimeError(
                    f"the helper process stopped unexpectedly (exit code {process.exitcode})"
                ) from None
            if isinstance(item, str) and item == _DONE:
                break
            if isinstance(item, _Failure):
                raise item.error
            yield item
        process.join()
    finally:
        if process.is_alive():
            process.terminate()
            process.join()
        queue.close()
