"""Heavy work worked out ahead: builds and checks in processes of their own that need nothing of
the test session but a folder (the folder-source and SLURM builds, the XLA report, the training
checks on every backend).

A test module registers such work with ``@ahead.work(key, needed_by, cost)``: ``needed_by`` is
the fixture or test function that reads it. When the tests are collected
(conftest.pytest_collection_finish), the works that the selected tests need start on two
background threads, the costliest first, beside the smoke build and the unit tests; the fixture
or test takes its result with ``ahead.result(key)``, waiting for it if it is still running. The
tests that read them run after the other tests (conftest.pytest_collection_modifyitems), so the
machine's two cores stay busy to the end.
"""
from __future__ import annotations

import queue
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

LANES = 2  # background threads; each mostly waits on a process of its own


@dataclass
class Work:
    fn: Callable[[Path], object]   # fn(an empty folder of its own) -> what the tests read
    needed_by: str                 # the fixture or test function that reads it
    cost: float                    # seconds on a quiet machine (the queue's order)


WORKS: dict[str, Work] = {}
_FUTURES: dict[str, Future] = {}
_FOLDERS: dict[str, Path] = {}
_QUEUE: queue.Queue = queue.Queue()
TIMES: list[tuple[str, float, float]] = []        # (key, seconds it ran, seconds it waited)


def work(key: str, needed_by: str | None = None, cost: float = 60):
    """Register the decorated ``fn(folder)`` as work ``key``, read by ``needed_by`` (a fixture
    or test function name; default ``key``)."""
    def register(fn):
        WORKS[key] = Work(fn, needed_by or key, cost)
        return fn
    return register


def each(key: str, needed_by: str, costs: dict[str, float], make) -> None:
    """Register ``make(param)`` as work ``key[param]``, read by the test ``needed_by[param]``,
    for each param of ``costs`` (a parametrized test's cases, with their costs)."""
    for param, cost in costs.items():
        work(f"{key}[{param}]", f"{needed_by}[{param}]", cost)(make(param))


def process(*args, **kwargs):
    """A work that runs one process and returns it done (``subprocess.run``, output captured as
    text; ``kwargs`` as there)."""
    return lambda _folder: subprocess.run(list(args), capture_output=True, text=True, **kwargs)


def needers() -> set[str]:
    """The fixtures and tests (their ids: name[param]) that read a work."""
    return {w.needed_by for w in WORKS.values()}


def _folder(key: str, base) -> Path:
    name = "".join(c if c.isalnum() else "-" for c in key)
    _FOLDERS[key] = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base))
    return _FOLDERS[key]


def _run(key: str, folder: Path, future: Future) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(WORKS[key].fn(folder))
    except BaseException as exc:  # noqa: BLE001  (raised again where the test asks)
        future.set_exception(exc)


def _worker():
    while True:
        item = _QUEUE.get()
        if item is None:
            return
        key, folder, future, queued = item
        start = time.perf_counter()
        _run(key, folder, future)
        TIMES.append((key, time.perf_counter() - start, start - queued))


def start(names, base=None) -> None:
    """Queue the works that ``names`` (the fixtures and test functions collected) read."""
    wanted = sorted((k for k, w in WORKS.items() if w.needed_by in set(names)),
                    key=lambda k: -WORKS[k].cost)
    if not wanted:
        return
    for key in wanted:
        _FUTURES[key] = Future()
        _QUEUE.put((key, _folder(key, base), _FUTURES[key], time.perf_counter()))
    for _ in range(LANES):
        _QUEUE.put(None)
        threading.Thread(target=_worker, name="ahead", daemon=True).start()


def result(key: str):
    """What work ``key`` returned (raising what it raised); run here and now when it was not
    queued (a test run that collected its reader another way)."""
    if key not in _FUTURES:
        _FUTURES[key] = Future()
        _run(key, _folder(key, None), _FUTURES[key])
    return _FUTURES[key].result()


def stop() -> None:
    """At the session's end: cancel what has not started, and remove the finished works'
    folders (a running one is left to the temp folder's own cleanup)."""
    for key, future in _FUTURES.items():
        if future.cancel() or future.done():
            shutil.rmtree(_FOLDERS[key], ignore_errors=True)
