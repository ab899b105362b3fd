"""FLOP counts against XLA's cost analysis, and the stride-1 convolutions against Keras's layers
(tests/xla_check.py runs the JAX side in its own process)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ahead
from conftest import ROOT


@ahead.work("xla_report")
def xla_check(_folder):
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "xla_check.py")],
                          env={**os.environ, "KERAS_BACKEND": "jax"}, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def xla_report():
    return ahead.result("xla_report")


@pytest.mark.parametrize("step", ["wavegan_keras", "specgan_keras", "gansynth", "samplernn"])
def test_step_flops_match_xla_cost_analysis(xla_report, step):
    row = xla_report["flops"][step]
    assert row["model_flops"] == pytest.approx(row["xla_flops"], rel=0.05)


@pytest.mark.parametrize("step", ["wavegan", "specgan"])
def test_rewritten_steps_run_the_counted_work_without_dilation_gathers_or_scatters(
        xla_report, step):
    row, before = xla_report["flops"][step], xla_report["flops"][f"{step}_keras"]
    assert row["executed_flops"] == pytest.approx(row["xla_flops"], rel=0.05)
    assert row["model_flops"] == before["model_flops"]  # the same arithmetic, counted alike
    assert before["lhs_dilated"] > 0 and row["lhs_dilated"] == 0
    paper, keras_paper = (xla_report[k][step] for k in ("paper_size_hlo", "paper_size_hlo_keras"))
    assert paper["lhs_dilated"] == paper["gathers"] == paper["scatters"] == 0
    assert keras_paper["lhs_dilated"] > 0
    assert paper["convolutions"] == keras_paper["convolutions"] > 0


@pytest.mark.parametrize("name", ["wavegan", "specgan"])
def test_rewritten_layers_give_kerass_outputs_and_gradients(xla_report, name):
    for quantity, rel in xla_report["gradients"][name].items():
        assert rel < 1e-4, (quantity, rel)


CASES = [  # (stride-1 layer, Keras layer, input shape, kernel, stride, padding)
    ("PolyphaseConv1DTranspose", "Conv1DTranspose", (3, 16, 5), 25, 4, "same"),
    ("PolyphaseConv1DTranspose", "Conv1DTranspose", (3, 16, 5), 25, 2, "same"),
    ("PolyphaseConv1DTranspose", "Conv1DTranspose", (3, 16, 5), 3, 4, "same"),
    ("PolyphaseConv2DTranspose", "Conv2DTranspose", (2, 4, 4, 6), 5, 2, "same"),
    ("SpaceToDepthConv1D", "Conv1D", (3, 64, 5), 25, 4, "same"),
    ("SpaceToDepthConv1D", "Conv1D", (3, 63, 5), 5, 4, "same"),
    ("SpaceToDepthConv1D", "Conv1D", (3, 63, 5), 5, 4, "valid"),
    ("SpaceToDepthConv2D", "Conv2D", (2, 16, 16, 3), 5, 2, "same"),
]


@pytest.mark.parametrize("new, old, shape, kernel, stride, padding", CASES)
def test_stride1_layers_match_kerass_on_this_backend(new, old, shape, kernel, stride, padding):
    import keras

    from models.gan import conv
    from models.train import flops

    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype("float32")
    kw = dict(filters=4, kernel_size=kernel, strides=stride, padding=padding)
    a, b = getattr(keras.layers, old)(**kw), getattr(conv, new)(**kw)
    a(x), b(x)
    weights = [rng.normal(size=w.shape).astype("float32") for w in a.get_weights()]
    a.set_weights(weights)
    b.set_weights(weights)
    ya, yb = (keras.ops.convert_to_numpy(layer(x)) for layer in (a, b))
    assert ya.shape == yb.shape
    np.testing.assert_allclose(yb, ya, atol=1e-5 * np.abs(ya).max())
    assert [w.shape for w in b.weights] == [w.shape for w in a.weights]
    model = keras.Sequential([keras.Input(shape[1:]), b])
    assert flops.layer_flops(model.layers[0], executed=True) >= flops.layer_flops(model.layers[0])


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_stride1_layers_match_kerass_on_other_backends(backend):
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "test_flops.py"), "-k", "this_backend"],
                          env={**os.environ, "KERAS_BACKEND": backend}, capture_output=True,
                          text=True, timeout=600, cwd=ROOT / "tests")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"{len(CASES)} passed" in proc.stdout


def test_valid_taps_leave_out_same_padding():
    from models.train.flops import valid_taps

    assert valid_taps(8, 8, 3, 1, "same") == 8 * 3 - 2         # one padded tap at each end
    assert valid_taps(8, 4, 2, 2, "same") == 8                 # no padding needed
    assert valid_taps(8, 4, 5, 2, "same") == 4 * 5 - 1 - 2     # pads 1 in front, 2 behind
    assert valid_taps(10, 6, 5, 1, "valid") == 30
