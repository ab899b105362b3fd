"""The seed study's own audio LSTM, rebuilt as it was, and judged two ways.

As in the seed (shared/reference/sequence.md): the 3 previous samples, as int16 values (not
normalised), form one time step of 3 features; the target is the next sample; MSE loss, Adam
(1e-3, 0.9, 0.999). Network: LSTM(100, linear activation, hard-sigmoid gates) -> LeakyReLU(0.3)
-> Dense 50 -> 25 -> 12 -> 1, each followed by LeakyReLU(0.3), the output's included, as the
seed's saved models have it (negative samples come out through the 0.3 slope). Mono 16 kHz
here (the seed trained one model per stereo channel at 48 kHz).

- ``lstm_seed_teacher``: what the seed reported. Each output sample is predicted from the three
  *true* previous samples of a held-out clip (teacher forcing). It sounds like the clip because
  it is fed the clip; its MSE is stored beside the samples.
- ``lstm_seed``: the same network left to run on its own after a 3-sample real primer, feeding
  back its own predictions: what the network has actually learned to generate.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.data import clips as clipdata
from models.io import read_json
from models.train import flops
from models.train.loop import (compile_supervised, fit_resumable, load_weights,
                               weights_snapshot, write_checkpoint)

LOOK_BACK = 3
SCALE = 32767.0  # int16 units, as the seed fed them


def hard_sigmoid_keras2(x):
    """Keras 2's hard sigmoid, clip(0.2 x + 0.5, 0, 1), which the seed's LSTM gates used
    (Keras 3's ``hard_sigmoid`` is x / 6 + 0.5, PyTorch's)."""
    from keras import ops

    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def build_model():
    import keras
    from keras import layers

    x_in = keras.Input((1, LOOK_BACK), name="previous_samples")        # one step of 3 features
    x = layers.LSTM(100, activation="linear", recurrent_activation=hard_sigmoid_keras2)(x_in)
    x = layers.LeakyReLU(0.3)(x)
    for width in (50, 25, 12):
        x = layers.LeakyReLU(0.3)(layers.Dense(width)(x))
    x = layers.Dense(1, dtype="float32", name="next_sample")(x)
    out = layers.LeakyReLU(0.3, dtype="float32", name="next_sample_leaky")(x)
    return keras.Model(x_in, out, name="seed_lstm")


def windows(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(batch, 4) float audio -> inputs (batch, 1, 3) and targets (batch, 1), in int16 units."""
    v = np.round(audio * SCALE).astype(np.float32)
    return v[:, None, :LOOK_BACK], v[:, LOOK_BACK:]


def teacher_forced(model, clips: np.ndarray) -> np.ndarray:
    """One-step-ahead predictions of every sample from its 3 true predecessors: (n, L)."""
    n, length = clips.shape
    idx = np.arange(length - LOOK_BACK)[:, None] + np.arange(LOOK_BACK + 1)[None, :]
    x, _ = windows(clips[:, idx].reshape(-1, LOOK_BACK + 1))
    pred = np.asarray(model.predict(x, batch_size=65536, verbose=0)).reshape(n, -1) / SCALE
    return np.concatenate([clips[:, :LOOK_BACK], pred], axis=1).astype(np.float32)


def free_running(model, primers: np.ndarray, length: int) -> np.ndarray:
    """From 3-sample real primers (n, 3), feed back its own output for ``length`` samples.

    The network sees one time step, so it is a fixed function of its 3 inputs: we step it in
    numpy with its own weights (a check against Keras is in the tests)."""
    f = NumpySeedLSTM(model.get_weights())
    buf = np.round(primers * SCALE).astype(np.float64)
    out = np.zeros((len(primers), length))
    out[:, :LOOK_BACK] = buf
    for t in range(LOOK_BACK, length):
        nxt = f(buf)
        out[:, t] = nxt
        buf = np.concatenate([buf[:, 1:], nxt[:, None]], axis=1)
    return np.clip(out / SCALE, -1, 1).astype(np.float32)


class NumpySeedLSTM:
    """The seed network on a batch of 3-sample windows (n, 3) in int16 units -> (n,)."""

    def __init__(self, weights):
        w = [np.asarray(a, np.float64) for a in weights]
        self.kernel, _, self.bias = w[:3]   # the recurrent kernel meets a zero state: unused
        self.dense = [(w[i], w[i + 1]) for i in range(3, len(w), 2)]

    def __call__(self, x):
        z = x @ self.kernel + self.bias
        i, f, g, o = np.split(z, 4, axis=1)
        hard = lambda v: np.clip(0.2 * v + 0.5, 0, 1)  # noqa: E731  Keras's hard_sigmoid
        h = hard(o) * (hard(i) * g)                    # linear activations, zero initial state
        leaky = lambda v: np.where(v > 0, v, 0.3 * v)  # noqa: E731
        h = leaky(h)
        for k, b in self.dense:
            h = leaky(h @ k + b)
        return h[:, 0]


class SeedLSTM:
    """The seed study's audio LSTM (3 previous int16 samples -> the next, MSE), left to generate
    on its own after a 3-sample real primer."""

    name = "lstm_seed"

    def fit(self, data_dir, ckpt_dir, cfg, state_dir) -> dict:
        import keras

        from models.train.slices import SliceSampler, step_dataset

        mcfg = cfg[self.name]
        keras.utils.set_random_seed(mcfg["seed"])
        model = build_model()
        compile_supervised(model, mcfg, "mse")
        sampler = SliceSampler(Path(data_dir) / "manifest.csv", LOOK_BACK + 1)
        began = time.perf_counter()
        start, reached, compile_s = fit_resumable(
            model, lambda first: step_dataset(sampler, lambda a: windows(a[0]), mcfg["seed"], 1,
                                              mcfg["batch"], mcfg["log_every"], first),
            self.name, mcfg, state_dir, ("loss",), weights_snapshot(model, "weights.npz"))
        write_checkpoint(model, ckpt_dir, state_dir, mcfg, "weights.npz")
        return {"steps": reached, "resumed_from": start, "backend": keras.backend.backend(),
                "fit_s": time.perf_counter() - began, "compile_s": compile_s,
                "clips_dir": str(Path(data_dir) / "clips"),
                "parameters": {"network": model.count_params()}, "batch": mcfg["batch"],
                "flops_per_step": flops.supervised_step_flops(model, mcfg["batch"])}

    def _model(self, ckpt_dir):
        model = build_model()
        load_weights(model, Path(ckpt_dir) / "weights.npz")
        return model

    def _heldout(self, ckpt_dir, n, seed) -> np.ndarray:
        """n held-out test clips (the pool real_heldout plays), chosen by seed."""
        clips_dir = read_json(Path(ckpt_dir) / "model.json")["clips_dir"]
        rows = clipdata.test_roles(clips_dir)["heldout"]
        pick = np.random.default_rng(seed).choice(rows, size=n, replace=n > len(rows))
        return clipdata.as_float(clipdata.load(clips_dir, "test")[np.sort(pick)])

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        real = self._heldout(ckpt_dir, n, seed)
        return free_running(self._model(ckpt_dir), real[:, :LOOK_BACK], real.shape[1])

    def long_form(self, ckpt_dir, n, seed, seconds) -> np.ndarray:
        real = self._heldout(ckpt_dir, n, seed)
        return free_running(self._model(ckpt_dir), real[:, :LOOK_BACK], int(seconds * 16000))


class SeedLSTMTeacherForced(SeedLSTM):
    """The seed study's audio LSTM as the seed evaluated it: every sample of a held-out clip
    predicted from the three true samples before it (teacher forcing). Close to real audio by
    construction: it is fed the answer."""

    name = "lstm_seed_teacher"
    long_form = None  # teacher forcing only replays audio it is fed; no piece of its own

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        real = self._heldout(ckpt_dir, n, seed)
        pred = teacher_forced(self._model(ckpt_dir), real)
        mse = float(np.mean((pred[:, LOOK_BACK:] - real[:, LOOK_BACK:]) ** 2))
        self.sample_info = {"teacher-forced MSE (audio in [-1, 1])": mse,
                            "MSE of repeating the previous sample": float(np.mean(
                                (real[:, LOOK_BACK:] - real[:, LOOK_BACK - 1:-1]) ** 2))}
        return pred
