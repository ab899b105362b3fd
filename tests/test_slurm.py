"""profiles/slurm on a real one-node SLURM cluster (slurmctld + slurmd + munge on 127.0.0.1,
started by tools/slurm_local.sh): the smoke preset through `--executor slurm` gives the local
run's results, its training and generation jobs went through SLURM, the light rules did not."""
import contextlib
import csv
import json
import math
import os
import re
import shutil
import subprocess
import time

import numpy as np
import pytest

import ahead
from conftest import NOT_COPIED, ROOT
from models.config import resolve

SUBMITTED = ("train", "generate", "prepare_data", "make_clips", "model_features", "evaluate",
             "snapshot_metrics")
LOCAL = ("plot_model", "plot_curves", "plot_comparison", "plot_learning", "metric_table",
         "benchmark", "site_pages", "build_site")
# The executor is under test, not the models: the smoke preset with a model of each kind of job
# (the baselines, a GAN, the note LSTM and its seed run) and no validity panel; the shared
# smoke build (conftest.smoke_build) is the local run every number is compared with.
MODELS = ["real_heldout", "train_copy", "noise", "wavegan", "notes_lstm"]
SUBSET = [f"models=[{','.join(MODELS)}]", "validity={degradations: []}"]
RUNS = resolve({"preset": "smoke", "models": MODELS})["models"]


@contextlib.contextmanager
def cluster(folder):
    """The environment of a running one-node cluster's clients (its folder's bin/ first on
    PATH, see tools/slurm_local.sh); stopped after the block."""
    proc = subprocess.run(["bash", str(ROOT / "tools/slurm_local.sh"), "start", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"the test cluster did not start: {proc.stderr}"
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    try:
        yield {**env, "PATH": f"{folder / 'bin'}{os.pathsep}{env['PATH']}"}
    finally:
        subprocess.run(["bash", str(ROOT / "tools/slurm_local.sh"), "stop", str(folder)],
                       timeout=60)


@ahead.work("slurm_build")
def slurm_smoke(root):
    work = root / "bachgen"
    shutil.copytree(ROOT, work, ignore=NOT_COPIED)
    with cluster(root / "slurm") as env:
        start = time.perf_counter()
        proc = subprocess.run(
            ["python3", "-m", "snakemake", "--profile", "profiles/slurm", "--config",
             "preset=smoke", *SUBSET], cwd=work, env=env, capture_output=True, text=True,
            timeout=1800)
        seconds = time.perf_counter() - start
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
        jobs = subprocess.run(["squeue", "--states=all", "--noheader",
                               "--format=%i|%T|%j|%k"], env=env, capture_output=True,
                              text=True, check=True).stdout
    return work, proc.stdout + proc.stderr, jobs, seconds


@pytest.fixture(scope="module")
def slurm_build():
    build = ahead.result("slurm_build")
    print(f"smoke through SLURM: {build[3]:.0f} s")
    return build


def test_jobs_went_through_slurm_and_light_rules_stayed_local(slurm_build):
    work, log, jobs, _ = slurm_build
    submitted = re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", log)
    # squeue (finished jobs stay listed for MinJobAge): id | state | name (the run's id) |
    # comment (rule_<rule> or rule_<rule>_wildcards_<values>, set by the executor plugin)
    rows = {jobid: (state, comment) for jobid, state, _, comment in
            (line.split("|") for line in jobs.strip().splitlines())}
    assert submitted and set(submitted) <= set(rows), (submitted, rows)
    assert all(rows[j][0] == "COMPLETED" for j in submitted), rows
    rules = [rows[j][1].removeprefix("rule_").split("_wildcards_")[0] for j in submitted]
    assert set(SUBMITTED) <= set(rules) and not set(LOCAL) & set(rules), rules
    with open(work / "results/smoke/metrics/table.csv") as fh:
        models = [r["model"] for r in csv.DictReader(fh)]  # every model of the run
    assert rules.count("train") == rules.count("generate") == len(models) == len(RUNS) > 5


def test_slurm_run_equals_the_local_run(slurm_build, smoke_build):
    slurm, local = slurm_build[0] / "results/smoke", smoke_build[0] / "results/smoke"
    assert (slurm / "site" / "index.html").is_file()
    same = ["data/manifest.csv", "data/clips/index.csv"]
    for rel in same:
        assert (slurm / rel).read_bytes() == (local / rel).read_bytes(), rel
    a = np.load(slurm / "data/clips/train.npy")
    assert np.array_equal(a, np.load(local / "data/clips/train.npy"))
    for model in MODELS:
        for name in ("clip_000.wav", "clip_015.wav"):
            assert (slurm / "samples" / model / name).read_bytes() == \
                (local / "samples" / model / name).read_bytes(), (model, name)
    rows = {}
    for run in (slurm, local):
        with open(run / "metrics/table.csv") as fh:
            rows[run] = {r["model"]: r for r in csv.DictReader(fh)}
    assert set(rows[slurm]) == set(RUNS) and set(RUNS) <= set(rows[local])
    for model in RUNS:
        row = rows[local][model]
        for key, value in row.items():
            other = rows[slurm][model][key]
            try:
                a, b = float(other), float(value)
            except ValueError:
                assert other == value, (model, key)
                continue
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-6,
                                                                            abs=1e-9), (model, key)
    meta = json.loads((slurm / "models/wavegan/checkpoint/model.json").read_text())
    ours = json.loads((local / "models/wavegan/checkpoint/model.json").read_text())
    assert meta["steps"] == ours["steps"] == 8
