"""Data-parallel training (compute.data_parallel, models/train/distribute.py): two devices give one
device's training curve and weights with the same global batch, for a supervised model and a GAN,
through registry.train; and the settings it refuses.

JAX fixes its device count at import and pytest's Keras runs on TensorFlow, so the trainings run
in their own processes (tests/distribute_check.py) on two virtual CPU devices
(--xla_force_host_platform_device_count=2), all started at once, ahead of the tests.
"""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ahead
from conftest import ROOT, make_data_dir

CHECK = ROOT / "tests" / "distribute_check.py"
ENV = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
       "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
# Tiny sizes; log_every 1, so every row of curves.csv is one step's loss. The GAN's 3 critic
# updates per step do not divide by 2 devices: its (n_critic, batch, ...) reals must be split
# along the batch, not the first axis.
NOTES = {"embedding": 8, "units": 16, "layers": 1, "window": 16, "batch": 8, "lr": 0.01,
         "log_every": 1, "checkpoint_every": 3}
WAVEGAN = {"d": 2, "batch": 4, "n_critic": 3, "log_every": 1, "checkpoint_every": 2}
# Measured on 2 virtual CPU devices (jax 0.10, keras 3.15): curves.csv rows (6 digits) equal
# for notes_lstm and within 1e-8 abs / 1.1e-6 rel for WaveGAN; in full precision the per-step
# losses differ by at most 5e-7 abs / 1e-7 rel (notes_lstm) and 5e-9 abs / 6e-7 rel (WaveGAN),
# the final weights by 1.2e-7 (notes_lstm) and 3e-8 (WaveGAN generator) abs: float32 rounding of
# cross-device sums only. The bounds below leave 100x room.
RTOL, ATOL = 1e-4, 1e-5

RUNS = {  # name: (model, data parallel, steps trained in turn, section)
    "notes_1": ("notes_lstm", "0", "6", NOTES),
    "notes_2": ("notes_lstm", "1", "3,6", NOTES),   # resumed halfway: the saved state reloads
    "gan_1": ("wavegan", "0", "4", WAVEGAN),
    "gan_2": ("wavegan", "1", "4", WAVEGAN),
    "odd_batch": ("notes_lstm", "1", "6", {**NOTES, "batch": 3}),
}


@ahead.work("runs")
def two_device_runs(root):
    """Every run of RUNS at once, worked out ahead (tests/ahead.py) beside the unit tests."""
    from models.data import tokens as notes

    audio = make_data_dir(root / "audio_data", seconds=2.2)
    tokens = root / "token_data"
    tokens.mkdir()
    stream = np.random.default_rng(0).integers(0, len(notes.VOCAB), 2000).astype(np.int16)
    np.savez(tokens / "note_tokens.npz", train=stream, valid=stream[:100], test=stream[:100])
    procs = {}
    for name, (model, parallel, steps, section) in RUNS.items():
        data = tokens if model == "notes_lstm" else audio
        procs[name] = subprocess.Popen(
            [sys.executable, str(CHECK), model, str(data), str(root / name), parallel, steps,
             json.dumps(section)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        out[name] = {"rc": proc.returncode, "stderr": stderr, "dir": root / name / "checkpoint"}
        if proc.returncode == 0:
            out[name]["meta"] = json.loads(stdout.strip().splitlines()[-1])
    return out


@pytest.fixture(scope="module")
def runs():
    return ahead.result("runs")


def trained(run):
    assert run["rc"] == 0, run["stderr"][-3000:]
    with open(run["dir"] / "curves.csv") as fh:
        rows = list(csv.DictReader(fh))
    curves = np.array([[float(v) for k, v in r.items() if k not in ("step", "seconds")]
                       for r in rows])
    weights = next(run["dir"].glob("*.npz"))
    with np.load(weights) as w:
        return run["meta"], [int(r["step"]) for r in rows], curves, [w[k] for k in w.files]


@pytest.mark.parametrize("model", ["notes", "gan"])
def test_two_devices_train_as_one_with_the_same_global_batch(runs, model):
    meta1, steps1, curves1, weights1 = trained(runs[f"{model}_1"])
    meta2, steps2, curves2, weights2 = trained(runs[f"{model}_2"])
    assert "devices" not in meta1 and meta2["devices"] == 2
    assert meta1["batch"] == meta2["batch"] and steps1 == steps2 == list(range(1, len(steps1) + 1))
    assert "data parallel over 2 devices" in runs[f"{model}_2"]["stderr"]
    np.testing.assert_allclose(curves2, curves1, rtol=RTOL, atol=ATOL)
    assert len(weights1) == len(weights2)
    for a, b in zip(weights1, weights2):
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL)
    assert np.ptp(curves1[:, 0]) > 1e-3  # the steps trained: the curves compared do move


def test_a_batch_that_does_not_split_over_the_devices_is_refused(runs):
    run = runs["odd_batch"]
    assert run["rc"] != 0
    last = run["stderr"].strip().splitlines()[-1]
    assert "ValueError" in last and "compute.data_parallel" in last, last
    assert "batch 3" in last and "2 devices" in last, last


def test_other_backends_are_refused_and_off_is_a_no_op():
    import keras

    from models.train import distribute

    assert keras.backend.backend() == "tensorflow"  # pytest's Keras (tests/conftest.py)
    assert distribute.setup(False, 3) == 1 and keras.distribution.distribution() is None
    with pytest.raises(ValueError, match=r"compute\.data_parallel.*jax.*tensorflow"):
        distribute.setup(True, 8)
