"""GAN training on JAX with the data on the device (models/gan/device.py): batches drawn in the
compiled step are real slices, features computed there equal the host's, and steady steps
move nothing from the host."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, make_data_dir


def test_device_slices_are_windows_of_the_training_pieces(tmp_path):
    import jax

    from models.gan.device import DeviceSlices
    from models.train.slices import SliceSampler

    data = make_data_dir(tmp_path / "data", seconds=1.0, length=4096)
    sampler = SliceSampler(data / "manifest.csv", 2048)
    slices = DeviceSlices(sampler)
    draw = jax.jit(lambda arrays, key: slices.draw(arrays, key, 64))
    got = np.asarray(draw(slices.arrays, jax.random.key(0)))
    assert got.shape == (64, 2048)
    buffer, starts = sampler.buffer, sampler.starts
    pieces = set()
    for row in np.round(got * 32767).astype(np.int16):  # buffer[o:o + 2048], o in one piece
        hits = [o for o in np.flatnonzero(buffer == row[0])
                if np.array_equal(buffer[o:o + 2048], row)]
        piece = [p for p, s in enumerate(starts) if s <= hits[0] < s + sampler.spans[p]]
        assert hits and piece, "not a window of one piece"
        pieces.add(piece[0])
    assert pieces == {0, 1, 2}  # the three training pieces all drawn
    again = np.asarray(draw(slices.arrays, jax.random.key(0)))
    assert np.array_equal(got, again)


def test_device_features_equal_the_hosts():
    import jax.numpy as jnp

    from models.gan import gansynth, specgan

    rng = np.random.default_rng(0)
    audio = (0.3 * rng.standard_normal((2, 16384))).astype("float32")
    mom = {"mean": rng.normal(-3, 1, 128).astype("float32"),
           "std": rng.uniform(0.5, 2, 128).astype("float32")}
    host = specgan.features(audio, mom)
    np.testing.assert_allclose(np.asarray(specgan.features(jnp.asarray(audio), mom, jnp)), host,
                               atol=1e-5)
    long = np.tile(audio, (1, 4))
    for mel in (False, True):
        host = gansynth.features(long, 1024, mel)
        dev = np.asarray(gansynth.features(jnp.asarray(long), 1024, mel, xp=jnp))
        np.testing.assert_allclose(dev, host, atol=1e-4)


def test_specgan_features_are_librosas_stft():
    import librosa

    from models.gan import specgan

    audio = (0.3 * np.random.default_rng(1).standard_normal((3, 16384))).astype("float32")
    spec = librosa.stft(np.pad(audio, [(0, 0), (0, 128)]), n_fft=256, hop_length=128,
                        win_length=256, window="hann", center=False)[:, :128, :]
    expected = np.log(np.abs(spec) + 1e-6).transpose(0, 2, 1)
    np.testing.assert_allclose(specgan.log_magnitude(audio), expected, atol=1e-4)


GUARDED = """
import sys, json
sys.path.insert(0, {root!r})
import numpy as np
from models.config import resolve
from models import registry
from models.gan import device
cfg = resolve({{"preset": "smoke", "wavegan": {{"d": 4, "batch": 4, "steps": 3, "log_every": 1,
                "checkpoint_every": 1}}}})
meta = registry.train("wavegan", {data!r}, {ckpt!r}, cfg, {state!r})
result = {{"steps": meta["steps"], "compile_s": meta["compile_s"]}}
# the same loop with the data left on the host: every step would copy it, and must fail
upload = device.DeviceSlices.__init__
def on_host(self, sampler):
    upload(self, sampler)
    self.arrays = {{k: np.asarray(v) for k, v in self.arrays.items()}}
device.DeviceSlices.__init__ = on_host
cfg["wavegan"]["seed"] += 1  # another run: no saved state to resume
try:
    registry.train("wavegan", {data!r}, {ckpt!r} + "2", cfg, {state!r} + "2")
    result["host_data"] = "trained"
except Exception as err:
    result["host_data"] = str(err)[:300]
print(json.dumps(result))
"""


@pytest.mark.slow
def test_steady_steps_transfer_nothing_from_the_host(tmp_path):
    data = make_data_dir(tmp_path / "data", seconds=3.2, length=16384)
    code = GUARDED.format(root=str(ROOT), data=str(data), ckpt=str(tmp_path / "ckpt"),
                          state=str(tmp_path / "state"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["steps"] == 3 and result["compile_s"] > 0
    assert "host-to-device" in result["host_data"].lower() or \
        "disallowed" in result["host_data"].lower(), result["host_data"]


def test_griffin_lim_is_librosas_on_the_host_and_the_device():
    import jax
    import jax.numpy as jnp
    import librosa

    from models.gan import specgan

    rng = np.random.default_rng(0)
    t = np.arange(16384)
    audio = (0.3 * np.sin(t * 0.05)[None] * rng.uniform(0.5, 1, (3, 1))
             + 0.05 * rng.standard_normal((3, 16384))).astype("float32")
    mag = np.abs(librosa.stft(np.pad(audio, [(0, 0), (0, 128)]), n_fft=256, hop_length=128,
                              win_length=256, window="hann", center=False))  # (3, 129, 128)
    expected = librosa.griffinlim(mag, n_iter=16, hop_length=128, win_length=256, n_fft=256,
                                  window="hann", center=False, init=None, length=16512)
    inner = slice(128, 16384)  # what to_audio keeps: the first hop (envelope ~ 0) is faded in
    host = specgan.griffin_lim(mag.transpose(0, 2, 1))
    np.testing.assert_allclose(host[:, inner], expected[:, inner], atol=2e-4)
    dev = jax.jit(lambda m: specgan.griffin_lim(m, xp=jnp))(jnp.asarray(mag.transpose(0, 2, 1)))
    np.testing.assert_allclose(np.asarray(dev)[:, inner], expected[:, inner], atol=2e-4)


CACHED = """
import sys, json, os
sys.path.insert(0, {root!r})
from models.config import resolve
from models import registry
from models.train.loop import enable_compile_cache
enable_compile_cache({cache!r})
# every program cached, however long it took to compile: on a busy machine a program can cross
# the run's 0.5 s threshold in one run and not the other, and the file lists then differ
import jax
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
cfg = resolve({{"preset": "smoke", "wavegan": {{"d": 4, "batch": 4, "steps": 1, "log_every": 1,
                "checkpoint_every": 1}}}})
meta = registry.train("wavegan", {data!r}, {ckpt!r}, cfg, {state!r})
print(json.dumps({{"compile_s": meta["compile_s"], "files": sorted(os.listdir({cache!r}))}}))
"""


@pytest.mark.slow
def test_a_second_run_loads_the_compiled_step_from_the_cache(tmp_path):
    data = make_data_dir(tmp_path / "data", seconds=3.2, length=16384)
    runs = []
    for run in ("first", "second"):  # a fresh process each, and no saved state to resume
        code = CACHED.format(root=str(ROOT), cache=str(tmp_path / "cache"), data=str(data),
                             ckpt=str(tmp_path / run / "ckpt"), state=str(tmp_path / run / "s"))
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert runs[0]["files"], "nothing was cached"
    assert runs[1]["files"] == runs[0]["files"]  # every program found, none compiled anew
