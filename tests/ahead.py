"""Heavy fixtures worked out ahead: builds and checks in processes of their own that need nothing
of the test session but a folder (the folder-source builds, the SLURM build, the XLA report, the
GAN checks on every backend, the two-device trainings, the cold numba runs).

A test module registers the work behind such a fixture with ``@ahead.work("fixture")``. When the
tests are collected (conftest.pytest_collection_finish), the works of the fixtures the selected
tests read start on one background thread, one after another, beside the smoke build and the
unit tests; the fixture then takes its result with ``ahead.result("fixture")``, waiting for it
if it is still running. One at a time: the smoke build has both cores at the start, and what is
left of the works keeps the second core busy once the tests run one by one after it.
"""
from __future__ import annotations

import queue
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

WORKS: dict[str, Callable[[Path], object]] = {}   # fixture -> work(its own empty folder)
_FUTURES: dict[str, Future] = {}
_FOLDERS: dict[str, Path] = {}
_QUEUE: queue.Queue = queue.Queue()
TIMES: list[tuple[str, float, float]] = []        # (fixture, seconds it ran, seconds it waited)


def work(fixture: str):
    """Register the decorated ``work(folder)`` as what ``fixture`` returns."""
    def register(fn):
        WORKS[fixture] = fn
        return fn
    return register


def _folder(fixture: str, base) -> Path:
    _FOLDERS[fixture] = Path(tempfile.mkdtemp(prefix=f"{fixture}-", dir=base))
    return _FOLDERS[fixture]


def _worker():
    while True:
        fixture, folder, future, queued = _QUEUE.get()
        if fixture is None:
            return
        if not future.set_running_or_notify_cancel():
            continue
        start = time.perf_counter()
        try:
            future.set_result(WORKS[fixture](folder))
        except BaseException as exc:  # noqa: BLE001  (raised again where the fixture asks)
            future.set_exception(exc)
        TIMES.append((fixture, time.perf_counter() - start, start - queued))


def start(fixtures, base=None) -> None:
    """Queue the works of ``fixtures`` (the registered ones among them, in registration order)."""
    wanted = [name for name in WORKS if name in set(fixtures)]
    if not wanted:
        return
    threading.Thread(target=_worker, name="ahead", daemon=True).start()
    for name in wanted:
        _FUTURES[name] = Future()
        _QUEUE.put((name, _folder(name, base), _FUTURES[name], time.perf_counter()))
    _QUEUE.put((None, None, None, None))


def result(fixture: str):
    """What ``fixture``'s work returned (raising what it raised); run here and now when it was
    not queued (a test run that collected the fixture another way)."""
    if fixture not in _FUTURES:
        _FUTURES[fixture] = Future()
        _FUTURES[fixture].set_running_or_notify_cancel()
        try:
            _FUTURES[fixture].set_result(WORKS[fixture](_folder(fixture, None)))
        except BaseException as exc:  # noqa: BLE001
            _FUTURES[fixture].set_exception(exc)
    return _FUTURES[fixture].result()


def stop() -> None:
    """At the session's end: cancel what has not started, and remove the finished works'
    folders (a running one is left to the temp folder's own cleanup)."""
    for fixture, future in _FUTURES.items():
        if future.cancel() or future.done():
            shutil.rmtree(_FOLDERS[fixture], ignore_errors=True)

