"""Shared fixtures: synthetic audio, a tiny clip set, and one smoke build of the whole workflow."""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

import ahead

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Every process of the test run, the builds' jobs included, copies one numba snapshot, compiled
# once at the session's start (pytest_sessionstart): .ci/run points this at an empty folder.
os.environ.setdefault("BACHGEN_NUMBA_CACHE", str(ROOT / "results" / "cache" / "numba"))
from models import numba_cache  # noqa: E402  (this process's own numba cache, first)
from models.train.loop import COMPILE_CACHE_MAX_BYTES  # noqa: E402
# Every JAX process of the test run shares one compile cache, empty at the start and removed at
# the end: a network at one size compiles once for all the checks that train it (a resume's
# killed, uninterrupted and resumed runs, the device checks), under JAX's file lock as the
# workflow's (models/train/loop.py). A build's jobs set their own (train.py).
_JAX_CACHE = None if "JAX_COMPILATION_CACHE_DIR" in os.environ else \
    tempfile.mkdtemp(prefix="bachgen-jax-cache-")
if _JAX_CACHE:
    os.environ.update(JAX_COMPILATION_CACHE_DIR=_JAX_CACHE,
                      JAX_COMPILATION_CACHE_MAX_SIZE=str(COMPILE_CACHE_MAX_BYTES))

SR = 16000
# What a checkout holds beside the sources; the smoke build runs in a copy without these.
_NOT_COPIED = shutil.ignore_patterns(".snakemake", ".git", "__pycache__", ".pytest_cache",
                                     ".whl")


def NOT_COPIED(folder, names):
    """Build outputs of the checkout (results/, site/ at its top); a published run's own
    results/ folder inside published/ is source and is copied."""
    top = {"results", "site"} if Path(folder).resolve() == ROOT.resolve() else set()
    return set(_NOT_COPIED(folder, names)) | (top & set(names))


def tone(freqs, seconds=1.0, sr=SR, amp=0.5):
    """A chord of sines, (samples,) float32."""
    t = np.arange(int(seconds * sr)) / sr
    return (amp * sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)).astype(np.float32)


def make_data_dir(root, seconds=3.2, length=8192):
    """A tiny data folder as the data stage writes it: audio/, manifest.csv, clips/;
    3 train pieces, 1 valid, 2 test, each a chord of sines."""
    from models.audio import write_wav
    from models.data.clips import make_clips
    from models.data.prepare import write_manifest

    manifest = []
    pieces = {"tr_a": ("train", 220), "tr_b": ("train", 330), "tr_c": ("train", 440),
              "va_a": ("valid", 550), "te_a": ("test", 262), "te_b": ("test", 392)}
    for pid, (split, f) in pieces.items():
        path = root / "audio" / f"{pid}.wav"
        write_wav(path, tone([f, 1.5 * f], seconds=seconds))
        manifest.append({"id": pid, "path": str(path), "split": split, "seconds": seconds,
                         "source": "test", "sha256": ""})
    write_manifest(root / "manifest.csv", manifest)
    make_clips(manifest, root / "clips", length=length)
    return root


@pytest.fixture
def data_dir(tmp_path):
    return make_data_dir(tmp_path / "data")


@pytest.fixture
def clip_set(data_dir):
    """The clips folder of ``data_dir``."""
    return data_dir / "clips"


@contextlib.contextmanager
def serve(directory):
    """A static HTTP server on 127.0.0.1 (a free port) for ``directory``; yields its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def train_process(code: str, backend: str, wait: bool = True):
    """Run a training script (``code``, printing its meta as JSON last) on ``backend``, in its
    own process: the meta, or the running process when not ``wait`` (``finish_process``)."""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "KERAS_BACKEND": backend})
    return proc if not wait else finish_process(proc)


def finish_process(proc) -> dict:
    """Wait for a training process that ``train_process`` started; its meta."""
    import json

    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def check_env(backend: str) -> dict:
    """The environment of a training check in its own process: ``backend``, and TensorFlow's
    thread pools at one thread, so that a seeded run repeats exactly. With TensorFlow's default
    pools the order of a reduction varies from run to run; over ten WGAN-GP steps SpecGAN's
    seeded critic losses went from 6.82 to -0.02 or to 0.05 at step 2 and one trajectory failed
    CI (2026-12-03), while two one-thread runs gave the same ten losses to every digit."""
    return {**os.environ, "KERAS_BACKEND": backend, "TF_NUM_INTRAOP_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1"}


def kill_after_checkpoint(proc, state_dir, least: int) -> int:
    """SIGKILL a training process once its saved state holds step ``least`` or later; the step
    the state holds after the kill."""
    import signal

    from models.train.checkpoint import saved_step

    deadline = time.time() + 300
    while (saved_step(state_dir) or 0) < least and time.time() < deadline \
            and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    step = saved_step(state_dir)
    assert step and step >= least, proc.stderr.read()[-3000:]
    return step


def run_snakemake(workdir: Path, *args, check=True, timeout=900):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n"
                             f"{proc.stderr[-4000:]}")
    return proc


# Wall times are reported at the end of the test run, with the machine's load, and never
# asserted: a busy machine is not a bug. (name, seconds, load averages before, after)
TIMINGS: list[tuple[str, float, tuple, tuple]] = []


@contextlib.contextmanager
def timing(name: str):
    """Time the block and report it in the test run's summary."""
    before, start = os.getloadavg(), time.perf_counter()
    yield
    TIMINGS.append((name, time.perf_counter() - start, before, os.getloadavg()))


@pytest.fixture
def timed():
    """``with timed(name): ...`` times a block for the summary (see ``timing``)."""
    return timing


# What the browser saw of the site's main pages (tests/test_site_fit.py), asserted there.
LAYOUT: list[str] = []


# The fast tier for working (`pytest -m "not slow"`, README): a test is slow when it reads a
# workflow build or another fixture that takes minutes (these), or is marked slow (a training
# check on every backend or a resume, in processes of their own); .ci/run and the README's test
# command run every tier.
BUILDS = {"smoke_build", "slurm_build", "folder_run", "time_run", "site_crawl",
          "xla_report", "runs"}  # runs: test_distribute.py's two-device trainings


def _reads(item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items):
    for item in items:
        if any(_reads(item, build) for build in BUILDS):
            item.add_marker(pytest.mark.slow)
    # the modules with a test that reads the smoke build last (in their order), and before them
    # those that read a fixture worked out ahead (tests/ahead.py), so that every other test runs
    # while they build (pytest_collection_finish starts them); a module stays whole, so its
    # module-scoped fixtures are made once
    def module(item):
        return item.nodeid.split("::")[0]

    late = {module(item): 1 for item in items
            if set(ahead.WORKS) & set(getattr(item, "fixturenames", ()))}
    late.update({module(item): 2 for item in items if _reads(item, "smoke_build")})
    items.sort(key=lambda item: late.get(module(item), 0))


def pytest_sessionstart(session):
    with timing("numba snapshot: compiled (a cold cache) or found"):
        numba_cache.fill("models.evaluate.warm")


def pytest_terminal_summary(terminalreporter):
    if LAYOUT:
        terminalreporter.section("the site in Chromium at 1280 x 900 (asserted)")
        for line in LAYOUT:
            terminalreporter.write_line(line)
    if not TIMINGS and not ahead.TIMES:
        return
    terminalreporter.section("timings (reported, not asserted)")
    terminalreporter.write_line(f"{os.cpu_count()} cores; load averages over 1, 5, 15 min")
    for fixture, seconds, queued in ahead.TIMES:
        terminalreporter.write_line(f"{fixture}, worked out ahead (tests/ahead.py): "
                                    f"{seconds:.1f} s, after {queued:.0f} s in its queue")
    for name, seconds, before, after in TIMINGS:
        terminalreporter.write_line(
            f"{name}: {seconds:.1f} s (load before {before[0]:.2f}, after "
            f"{after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f})")


# The smoke build starts as soon as the tests are collected, when any of them reads it, and
# builds while the unit tests run; the first test that reads it waits for it (smoke_build).
_SMOKE: dict = {}


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    if any(_reads(item, "smoke_build") for item in session.items):
        work = Path(tempfile.mkdtemp(prefix="smoke-", dir=session.config.getoption(
            "basetemp") or None)) / "bachgen"
        shutil.copytree(ROOT, work, ignore=NOT_COPIED)
        log = open(work.parent / "snakemake.log", "w")
        _SMOKE.update(work=work, log=log, load=os.getloadavg(), start=time.perf_counter(),
                      proc=subprocess.Popen(
                          [sys.executable, "-m", "snakemake", "--cores", "2", "--config",
                           "preset=smoke"], cwd=work, stdout=log, stderr=subprocess.STDOUT,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}))

        crawl = any(_reads(item, "site_crawl") for item in session.items)

        def ended():  # when the build ends, not when a test first asks for it; then the crawl
            _SMOKE["proc"].wait()
            if crawl and _SMOKE["proc"].returncode == 0:
                _SMOKE["crawl"] = Future()  # before "end": the fixture then waits for it
            _SMOKE.update(end=time.perf_counter(), end_load=os.getloadavg())
            if "crawl" in _SMOKE:
                _crawl(work / "results" / "smoke" / "site")

        threading.Thread(target=ended, daemon=True).start()
    # then the other builds and checks in processes of their own, one at a time (tests/ahead.py)
    ahead.start({name for item in session.items for name in getattr(item, "fixturenames", ())},
                session.config.getoption("basetemp") or None)


def pytest_sessionfinish(session):
    ahead.stop()
    if _JAX_CACHE:
        shutil.rmtree(_JAX_CACHE, ignore_errors=True)
    proc = _SMOKE.get("proc")
    if proc is not None and proc.poll() is None:  # a run that never read it (-x, -k)
        proc.terminate()
        proc.wait(60)
    if _SMOKE:
        shutil.rmtree(_SMOKE["work"].parent, ignore_errors=True)


@pytest.fixture(scope="session")
def smoke_build():
    """A fresh copy of the workflow with the smoke preset built once, started when the tests
    were collected: (workdir, wall seconds). Both the command's wall time and what its
    benchmark page says go to the summary, with how long the tests waited for it."""
    from models.report.runtime import run_timing

    waited = time.perf_counter()
    proc, work = _SMOKE["proc"], _SMOKE["work"]
    proc.wait(timeout=1800)
    while "end" not in _SMOKE:  # the thread that saw it end, a moment later
        time.sleep(0.01)
    seconds = _SMOKE["end"] - _SMOKE["start"]
    waited = time.perf_counter() - waited
    _SMOKE["log"].close()
    if proc.returncode != 0:
        tail = (work.parent / "snakemake.log").read_text()[-6000:]
        raise AssertionError(f"the smoke build failed (exit {proc.returncode}):\n{tail}")
    after = _SMOKE["end_load"]
    TIMINGS.append(("smoke build, the whole snakemake command on 2 cores, beside the unit "
                    f"tests (the first test to read it waited {waited:.0f} s)", seconds,
                    _SMOKE["load"], after))
    run = run_timing(work / "results" / "smoke" / "benchmarks")
    TIMINGS.append((f"smoke build, its benchmark page ({run['jobs']} timed jobs)",
                    run["busy_s"], _SMOKE["load"], after))
    return work, seconds


def _crawl(site: Path) -> None:
    """Crawl ``site`` in Chromium (tests/site_crawl.py) into _SMOKE["crawl"], a Future; on the
    thread that saw the smoke build end, beside the tests that read the build."""
    from site_crawl import crawl

    future = _SMOKE.setdefault("crawl", Future())
    if not future.set_running_or_notify_cancel():
        return
    try:
        with serve(site) as base, timing("one Chromium crawl of the smoke site, beside the "
                                         "tests that read the build"):
            future.set_result((site, crawl(site, base)))
    except BaseException as exc:  # noqa: BLE001  (raised where the fixture asks)
        future.set_exception(exc)


@pytest.fixture(scope="session")
def site_crawl(smoke_build):
    """The smoke build's site crawled once in Chromium (tests/site_crawl.py): (site folder,
    {page: what it showed}); started as the build ended, or here."""
    if "crawl" not in _SMOKE:
        _crawl(smoke_build[0] / "results" / "smoke" / "site")
    return _SMOKE["crawl"].result()
