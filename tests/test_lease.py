"""The published study's lease: the H200 plan adds up to less than 15 minutes, its arithmetic,
the measured timeline, the carried wheels, and the lease script rehearsed on a CPU."""
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from conftest import ROOT
from models.registry import pairings, select
from models.report import timeline
from models.report.provenance import provenance_page

OVERLAY = ROOT / "config/overlays/h200_15min.yaml"


def test_the_h200_plan_fits_15_minutes_and_spends_them_on_the_comparison():
    cfg = timeline.lease_config("gpu", str(OVERLAY))
    plan = timeline.plan(cfg)
    assert plan["lease_s"] == 15 * 60 and plan["fits"], timeline.plan_lines(plan, cfg)
    assert plan["total_s"] <= 15 * 60
    neural = set(plan["trainings"])
    assert neural == set(select(cfg["models"], steps=True))
    budget = {m: cfg[m]["max_minutes"] for m in neural}
    compared = {m for pair in pairings(cfg["models"]) for m in pair}  # GAN against LSTM
    assert compared and all(m in neural for m in compared)
    assert min(budget[m] for m in compared) > max(budget[m] for m in select(token=True))
    assert sum(budget[m] for m in compared) > 3 * sum(budget[m] for m in neural - set(compared))
    # the script's one command with 10 minutes at most: it needs two calls, not more
    assert plan["total_s"] - plan["phases"]["machine start"] < 2 * 600


def lease_cfg(**lease):
    base = {"minutes": 10, "gpu_lanes": 1, "machine_start_s": 60, "transfer_s": 0,
            "install_s": 0, "data_s": 0, "process_s": 10, "compile_contention": 2.0,
            "after_s": 30, "compile_s": {"wavegan": 20}}
    return {"models": ["noise", "wavegan", "notes_lstm"], "lease": {**base, **lease},
            "wavegan": {"max_minutes": 2}, "notes_lstm": {"max_minutes": 1}}


def test_plan_counts_compiles_budgets_and_the_greedy_bound():
    one = timeline.plan(lease_cfg())               # one lane: any order, back to back
    assert one["trainings"] == {"wavegan": 10 + 40 + 120, "notes_lstm": 10 + 60}
    assert one["phases"]["training"] == pytest.approx(170 + 70)
    assert one["total_s"] == pytest.approx(60 + 240 + 30) and one["fits"]
    both = timeline.plan(lease_cfg(gpu_lanes=2))   # side by side: the longest
    assert both["phases"]["training"] == 170
    assert not timeline.plan(lease_cfg(minutes=5))["fits"]
    three = lease_cfg(gpu_lanes=2)
    three["models"].append("lstm")
    three["lstm"] = {"max_minutes": 3}
    bound = timeline.plan(three)["phases"]["training"]   # sum / 2 + longest / 2
    assert bound == pytest.approx((170 + 70 + 190) / 2 + 190 / 2)
    with pytest.raises(ValueError, match="notes_lstm: no max_minutes"):
        timeline.plan(dict(lease_cfg(), notes_lstm={"max_minutes": None}))
    with pytest.raises(ValueError, match="no lease"):
        timeline.plan(lease_cfg(minutes=None))


def test_measured_phases_and_gpu_use(tmp_path):
    bench = tmp_path / "benchmarks"
    t0 = 1_800_000_000.0
    for rule, job, start, s in (("prepare_data", None, 0, 20), ("train", "wavegan", 20, 100),
                                ("train", "lstm", 25, 50), ("generate", "lstm", 80, 10),
                                ("site_pages", None, 130, 5), ("train", "old", -500, 10)):
        path = bench / rule / f"{job}.tsv" if job else bench / f"{rule}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"s\tcpu_time\n{s}\t{s / 2}\n")
        os.utime(path, (t0 + start + s, t0 + start + s))
    run = tmp_path / "run"
    run.mkdir()
    (run / "started").write_text(f"{t0 - 1}\n")    # the "old" job is an earlier run's
    stamps = [(t0 + 10, 0), (t0 + 50, 90), (t0 + 60, 70), (t0 + 132, 0)]
    (run / "gpu.csv").write_text("".join(
        f"{dt.datetime.fromtimestamp(t, dt.timezone.utc):%Y/%m/%d %H:%M:%S.%f}, {u}, 1000\n"
        for t, u in stamps) + "garbage\n")
    got = timeline.measured(tmp_path)
    assert got["phases"]["data"] == {"start_s": 0, "end_s": 20, "jobs": 1, "gpu_util": 0}
    assert got["phases"]["train"] == {"start_s": 20, "end_s": 120, "jobs": 2, "gpu_util": 80}
    assert got["phases"]["pages"]["gpu_util"] == 0 and got["end_s"] == 135
    assert "metrics" not in got["phases"] and got["gpu_samples"] == 4
    assert "train: 20-120 s, 2 jobs, GPU 80% busy" in timeline.measured_lines(got)


def test_wheels_follow_the_requirements_and_slim_cuts_only_what_it_names(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gpu_wheels
    finally:
        sys.path.pop(0)
    wanted = gpu_wheels.closure(gpu_wheels.requirements(), {"musicnn", "basic-pitch"})
    for name in ("snakemake", "keras", "librosa", "music21", "pretty-midi", "jsonschema"):
        assert name in wanted
    for name in ("tensorflow", "tensorflow-cpu", "jax", "numpy", "mkdocs", "playwright"):
        assert name not in wanted            # on the H200 image, or not used by the run
    wheel = tmp_path / "music21-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for name in ("music21/corpus/bach/bwv1.mxl", "music21/corpus/beethoven/op1.mxl",
                     "music21/corpus/_metadataCache/core.p.gz", "music21/corpus/corpora.py",
                     "music21/note.py"):
            z.writestr(name, "x")
        z.writestr("music21-1.0.dist-info/RECORD",
                   "music21/corpus/bach/bwv1.mxl,,\nmusic21/corpus/beethoven/op1.mxl,,\n")
    gpu_wheels.slim(wheel, gpu_wheels.CUT["music21"])
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert "music21/corpus/beethoven/op1.mxl" not in names
        assert {"music21/corpus/bach/bwv1.mxl", "music21/corpus/corpora.py",
                "music21/corpus/_metadataCache/core.p.gz", "music21/note.py"} <= names
        assert "beethoven" not in z.read("music21-1.0.dist-info/RECORD").decode()


def test_the_lease_script_rehearsed_on_a_cpu(smoke_build, tmp_path):
    """The script's steps on the smoke build: a model retrained (it and what was made from it
    removed, the pages too), the run waited for, published with its timeline, and packed in
    parts for the device tool."""
    work = tmp_path / "bachgen"
    shutil.copytree(smoke_build[0], work, symlinks=True)
    results = work / "results/smoke"
    made = [p for p in results.rglob("*") if "lstm_seed" in (p.name, p.stem)
            and not {"benchmarks", "logs"} & set(p.parts)]
    for path in sorted(made, key=lambda p: -len(p.parts)):
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    shutil.rmtree(results / "site_src")
    (results / "benchmark.csv").unlink()
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHON": sys.executable, "OUT": str(out), "COMMIT": "abc123",
           "PUBLISH_DIR": str(tmp_path / "pub"), "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(["bash", "tools/lease_run.sh", "--rehearse", "600"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"published {tmp_path / 'pub' / 'rehearsal'}" in proc.stdout
    prov = json.loads((tmp_path / "pub/rehearsal/provenance.json").read_text())
    assert prov["commit"] == "abc123" and prov["preset"] == "smoke"
    phases = prov["timeline"]["phases"]
    assert phases["train"]["jobs"] == 1 and phases["train"]["gpu_util"] is None
    assert "## Timeline" in provenance_page(prov, "")
    parts = sorted(out.glob("published-rehearsal.tgz.part-*"))
    assert parts and all(p.stat().st_size <= 15 * 2 ** 20 for p in parts)
    with tarfile.open(fileobj=io.BytesIO(b"".join(p.read_bytes() for p in parts))) as tar:
        assert "rehearsal/provenance.json" in tar.getnames()
