"""numba's on-disk cache, one per process, seeded from a snapshot that one process compiled.

librosa compiles its numba functions with ``cache=True``. When two processes compile the same
cached ``@guvectorize`` function at once into one cache folder, the folder can end up holding
the kernel of one process and the wrapper of the other, and every process that loads them later
calls a null pointer (numba issues 10128 and 4807; no released fix). By default that folder is
inside librosa's installed package, so one parallel build on a cold machine broke every later
run on it (a first build died with SIGSEGV in ``model_features``; here, rounds of three feature
processes at once on an empty cache and one more after them lost 7 of 31 processes to SIGSEGV,
2026-12-07).

So no two processes ever write to one numba cache:

- every process that imports ``models`` gets a cache folder of its own (``use_private``, run by
  ``models/__init__.py`` before anything imports numba; a forked child gets a new one too),
  a copy of the snapshot when there is one, removed when the process ends;
- the snapshot (``snapshot_dir``: ``results/cache/numba/<versions>/``, or under
  ``$BACHGEN_NUMBA_CACHE``) is compiled by one process of its own, under a file lock, into a
  temporary folder that is then renamed into place, so a reader sees all of it or nothing
  (``fill``, running ``models/evaluate/warm.py``; the workflow's ``onstart`` and the test
  session call it before any job or test).

A process whose work needs a function the snapshot lacks compiles it into its own copy (safe,
about 20 s on a cold core) and says so at exit. What each numba function librosa caches buys
the workflow (``REACHED``) is listed below; the rest of librosa's cached functions compile only
because librosa compiles every signature of a ``@guvectorize`` when its module loads.
"""
from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = "BACHGEN_NUMBA_CACHE"  # the folder of snapshots, when not results/cache/numba
OWNER = "BACHGEN_NUMBA_OWNER"  # the pid whose private cache NUMBA_CACHE_DIR is
FILLING = "BACHGEN_NUMBA_FILL"  # set in the one process that compiles a snapshot
PREFIX = "bachgen-numba-"

# The cached numba functions of librosa that the workflow reaches, and what each buys it.
REACHED = {
    "librosa.core.pitch._pi_wrapper": "parabolic interpolation of spectral peaks in piptrack, "
    "which estimate_tuning reads: each clip's tuning before its chroma (embeddings.chroma_set)",
    "librosa.util.utils._localmax": "the spectral peaks piptrack interpolates (estimate_tuning)",
    "librosa.util.utils._cabs2": "|X|^2 of an STFT: every mel spectrogram (features, plots)",
    "librosa.util.utils._phasor_angles": "complex phasors in the constant-Q transform's "
    "filters (chroma)",
    "librosa.core.constantq.__num_two_factors": "how far the constant-Q transform may halve "
    "the rate before its top octave (chroma)",
    "librosa.core.audio._zc_wrapper": "nothing: zero crossings, compiled when librosa.core.audio "
    "loads (librosa.load, resampling)",
    "librosa.util.utils._localmin": "nothing: compiled when librosa.util loads",
    "librosa.util.utils.__peak_pick": "nothing: compiled when librosa.util loads (onsets are "
    "picked with scipy, models/evaluate/descriptors.py)",
}


def key() -> str:
    """The snapshot's name: Python, numba and librosa versions (numba checks each function's
    source and CPU itself, and recompiles what does not match)."""
    def version(dist):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "none"

    return (f"py{sys.version_info.major}{sys.version_info.minor}-numba{version('numba')}"
            f"-librosa{version('librosa')}")


def snapshot_dir(root: str | os.PathLike | None = None) -> Path:
    """Where the snapshot of these versions lives: under ``root``, ``$BACHGEN_NUMBA_CACHE``, or
    ``results/cache/numba`` of the working folder (shared by every preset, as the render
    cache)."""
    root = root or os.environ.get(SNAPSHOTS) or "results/cache/numba"
    return Path(root).resolve() / key()


def _prune() -> None:
    """Remove the private caches of processes that died without cleaning up (a SIGKILL)."""
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid = int(path.name[len(PREFIX):].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


def _point_numba_at(path: Path) -> None:
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    os.environ[OWNER] = str(os.getpid())
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba is imported already: functions decorated from now on
        config.CACHE_DIR = str(path)


def _compiled(path: Path) -> set[str]:
    """The compiled overloads in a numba cache folder (one .nbc file each)."""
    return {str(p.relative_to(path)) for p in path.rglob("*.nbc")} if path.is_dir() else set()


_SEEDED: set[str] = set()  # what this process's own cache held from the snapshot


def _report(private: Path, pid: int) -> None:
    """At exit: say which cached functions this process compiled beyond its snapshot, then
    remove its cache (only in the process that made it: a forked child inherits the hook)."""
    if os.getpid() != pid:
        return
    added = _compiled(private) - _SEEDED
    if added and _SEEDED:
        names = sorted({Path(p).name.split("-")[0] for p in added})
        print(f"numba: compiled {len(added)} overload(s) not in the snapshot {snapshot_dir()}: "
              f"{', '.join(names)}", file=sys.stderr)
    shutil.rmtree(private, ignore_errors=True)


def use_private() -> Path:
    """Point numba at a cache folder of this process's own, a copy of the snapshot where there
    is one. Idempotent within a process; a new process (or a forked child) gets a new folder.
    In the one process that fills a snapshot (``FILLING``), numba writes to the snapshot's
    temporary folder instead. Returns the folder."""
    if os.environ.get(FILLING) in ("start", str(os.getpid())):
        os.environ[FILLING] = str(os.getpid())  # the filler's own children fill nothing
        _point_numba_at(Path(os.environ["NUMBA_CACHE_DIR"]))
        return Path(os.environ["NUMBA_CACHE_DIR"])
    os.environ.pop(FILLING, None)
    if os.environ.get(OWNER) == str(os.getpid()) and os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    _prune()
    private = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    seed = snapshot_dir()
    with contextlib.suppress(FileNotFoundError):  # a snapshot is never half there (fill)
        shutil.copytree(seed, private, dirs_exist_ok=True)
    _point_numba_at(private)
    _SEEDED.clear()
    _SEEDED.update(_compiled(private))
    atexit.register(_report, private, os.getpid())
    return private


def _after_fork() -> None:
    os.environ.pop(OWNER, None)
    use_private()


os.register_at_fork(after_in_child=_after_fork)


def fill(exercise: str, dest: str | os.PathLike | None = None) -> Path:
    """Compile the numba functions the workflow reaches into the snapshot ``dest`` (default
    ``snapshot_dir()``) once, by running the module ``exercise`` (``python -m``) in a process
    of its own, under a lock, into a temporary folder renamed into place. Returns ``dest``; a
    second caller waits for the first. The caller's own cache gets the copy too."""
    import fcntl

    dest = Path(dest) if dest else snapshot_dir()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not dest.is_dir():
            _compile(exercise, dest)
    _seed_own(dest)
    return dest


def _compile(exercise: str, dest: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp), FILLING: "start",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        proc = subprocess.run([sys.executable, "-m", exercise], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"compiling the numba snapshot {dest} failed "
                               f"(exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        os.rename(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _seed_own(snapshot: Path) -> None:
    """Copy a new snapshot into this process's own cache while numba has compiled nothing in
    it yet (the process that asked for the snapshot)."""
    own = os.environ.get("NUMBA_CACHE_DIR")
    if os.environ.get(OWNER) == str(os.getpid()) and own and not _compiled(Path(own)):
        shutil.copytree(snapshot, own, dirs_exist_ok=True)
        _SEEDED.update(_compiled(Path(own)))
