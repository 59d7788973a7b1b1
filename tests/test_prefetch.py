"""The helper process that produces chunks while the project is written."""

import os
import signal
import time
from collections.abc import Iterator

import pytest

from gridgis.errors import InputDataError
from gridgis.prefetch import HelperProcessError, prefetched


def _numbers(count: int, fail_at: int | None = None) -> Iterator[tuple[int, int]]:
    for number in range(count):
        if number == fail_at:
            raise InputDataError(f"ledger.csv: malformed CSV (row {number})")
        yield number, os.getpid()


def _dies(count: int) -> Iterator[int]:
    yield 1
    os.kill(os.getpid(), signal.SIGKILL)
    yield 2


def _endless() -> Iterator[int]:
    number = 0
    while True:
        yield number
        number += 1


def test_items_arrive_in_order_from_another_process() -> None:
    items = list(prefetched(_numbers, 50))
    assert [number for number, _ in items] == list(range(50))
    assert {pid for _, pid in items} != {os.getpid()}


def test_an_error_in_the_producer_is_raised_as_itself() -> None:
    received = []
    with pytest.raises(InputDataError, match=r"malformed CSV \(row 7\)"):
        for number, _ in prefetched(_numbers, 20, fail_at=7):
            received.append(number)
    assert received == list(range(7))


def test_a_producer_killed_outright_is_reported() -> None:
    with pytest.raises(HelperProcessError, match=r"stopped unexpectedly \(killed by SIGKILL"):
        list(prefetched(_dies, 3))


def test_leaving_early_stops_the_producer() -> None:
    import multiprocessing

    items = prefetched(_endless)
    assert next(items) == 0
    items.close()
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in multiprocessing.active_children() if p.name == "gridgis-prefetch"]
