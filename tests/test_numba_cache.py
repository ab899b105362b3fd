"""numba's cache on a cold machine: parallel processes never write one cache folder
(models/numba_cache.py), and a step that dies from a signal says where (workflow/scripts/step.py).
"""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import ahead
from conftest import ROOT, timing

# The workflow's own feature code (mel, chroma with tuning, descriptors, transcription) on two
# short clips, in float32 and float64: what crashed a first build on a fresh machine.
FEATURES = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import numpy as np
    from models.evaluate import suite
    t = np.arange(8192) / 16000
    clips = np.stack([0.3 * np.sin(2 * np.pi * f * t) for f in (220.0, 330.0)])
    for dtype in (np.float32, np.float64):
        suite.set_features(clips.astype(dtype), {{"n_mels": 64, "n_fft": 1024, "hop": 256}}, 16000)
    print("features ok")
""").format(root=str(ROOT))


def _start(env, n):
    return [subprocess.Popen([sys.executable, "-c", FEATURES], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(n)]


def _finish(procs):
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=900)
        out.append((proc.returncode, stdout, stderr))
    return out


@ahead.work("cold_numba_runs")
def cold_numba_runs_work(folder):
    """Four processes at once on empty numba caches, as a fresh machine's first build runs its
    feature jobs, then one more; worked out ahead (tests/ahead.py), beside the other tests."""
    shared = folder / "numba"  # what a machine-wide cache would be
    env = {**os.environ, "NUMBA_CACHE_DIR": str(shared),
           "BACHGEN_NUMBA_CACHE": str(folder / "no-snapshot")}
    env.pop("BACHGEN_NUMBA_OWNER", None)
    with timing("numba: 4 cold feature processes at once, then one more"):
        results = _finish(_start(env, 4))
        results += _finish(_start(env, 1))
    return folder, results


@pytest.fixture(scope="module")
def cold_numba_runs():
    return ahead.result("cold_numba_runs")


@pytest.mark.slow
def test_parallel_first_runs_on_an_empty_cache_do_not_crash(cold_numba_runs):
    """Before the fix, the processes shared one cache folder (here NUMBA_CACHE_DIR; librosa's
    own package folder by default) and 3 of 4 crashed with SIGSEGV (checked on the code before
    the fix, 2026-12-07)."""
    folder, results = cold_numba_runs
    crashed = [(rc, err[-1500:]) for rc, _, err in results if rc != 0]
    assert not crashed, crashed
    assert len(results) == 5 and all("features ok" in out for _, out, _ in results)
    assert not list((folder / "numba").rglob("*.nbi")), "a process wrote to the shared cache"
    assert not list((folder / "no-snapshot").rglob("*.nbc"))


def test_the_snapshot_holds_what_the_features_compile():
    """Processes seeded from the session's snapshot compile nothing more (they would say so at
    exit), and each removes its own cache when it ends."""
    env = {k: v for k, v in os.environ.items() if k != "BACHGEN_NUMBA_OWNER"}
    results = _finish(_start(env, 2))
    for rc, out, err in results:
        assert rc == 0 and "features ok" in out, err[-1500:]
        assert "numba: compiled" not in err, err[-1500:]


def test_the_snapshot_holds_the_functions_the_module_says_the_workflow_reaches():
    """numba_cache.REACHED says what each cached function buys the workflow: it names exactly
    the functions the snapshot holds."""
    from models import numba_cache

    held = {p.name.removeprefix("guf-").split("-")[0]
            for p in numba_cache.snapshot_dir().rglob("*.nbi")}
    assert held == {".".join(name.split(".")[-2:]) for name in numba_cache.REACHED}


def test_each_process_and_forked_child_has_its_own_cache(tmp_path):
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        import models
        mine = os.environ["NUMBA_CACHE_DIR"]
        pid = os.fork()
        if pid == 0:
            print("child", os.environ["NUMBA_CACHE_DIR"], flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        print("parent", mine)
    """)
    dirs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=tmp_path).stdout.split()
        dirs += [out[1], out[3]]
    assert len(set(dirs)) == 4, dirs
    assert os.environ["NUMBA_CACHE_DIR"] not in dirs
    parents = dirs[1::2]
    assert not any(os.path.exists(d) for d in parents), "a cache outlived its process"


def test_a_compile_outside_the_snapshot_is_reported(tmp_path):
    """A process that compiles what its snapshot lacks says so in its log at exit."""
    code = textwrap.dedent(f"""
        import os, pathlib, sys
        sys.path.insert(0, {str(ROOT)!r})
        import models
        from models import numba_cache
        own = pathlib.Path(os.environ["NUMBA_CACHE_DIR"])
        (own / "x").mkdir(exist_ok=True)
        (own / "x" / "utils.new_function-1.py311.1.nbc").write_bytes(b"")
    """)
    snap = tmp_path / "snaps"
    from models.numba_cache import key
    (snap / key() / "x").mkdir(parents=True)
    (snap / key() / "x" / "utils.old-1.py311.1.nbc").write_bytes(b"")
    env = {**os.environ, "BACHGEN_NUMBA_CACHE": str(snap)}
    err = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stderr
    assert "numba: compiled 1 overload(s) not in the snapshot" in err
    assert "utils.new_function" in err and "utils.old" not in err


def test_a_step_killed_by_a_signal_logs_the_signal_and_frame(tmp_path):
    """The rule's log names the signal and the Python frames it hit (it was 0 bytes)."""
    log = tmp_path / "features.log"
    code = textwrap.dedent(f"""
        import os, signal, sys, types
        sys.path.insert(0, {str(ROOT / "workflow" / "scripts")!r})
        from step import start
        start(types.SimpleNamespace(log=[{str(log)!r}], threads=1))
        print("before the crash", file=sys.stderr)

        def compute_chroma():  # SIGSEGV sent, not a real fault: the kernel log stays clean
            os.kill(os.getpid(), signal.SIGSEGV)

        compute_chroma()
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGSEGV
    text = log.read_text()
    assert "before the crash" in text
    assert "Segmentation fault" in text and "compute_chroma" in text, text
