"""The note-level LSTM: the seed study's "use midi rather than wave", done as its users asked.

Tokens of every voice with durations and time shifts (models/data/tokens.py), an embedding instead
of ids scaled to floats, sampling with temperature instead of argmax, and generation from a
start token rather than from a training window, so nothing is copied in by construction. Its
samples (``clip_seconds`` of music each, 8 s by default) are rendered with the data stage's
SoundFont and renderer and measured like any audio; their notes go to notes.json.

Network: tokens (batch, time) -> Embedding(vocab, emb) -> LSTM(units) x layers, sequences ->
Dense(vocab) logits (batch, time, vocab). Loss: next-token cross-entropy on windows of the
training pieces' token stream.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from models.io import read_json
from models.data import tokens
from models.seq.decode import Rules, pitch_range, sample_tokens
from models.train import flops
from models.train.loop import (compile_supervised, fit_resumable, step_batches,
                               weights_snapshot, write_checkpoint)


def build_model(emb: int = 128, units: int = 256, layers: int = 2):
    import keras

    inputs = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(len(tokens.VOCAB), emb, name="embed")(inputs)
    for i in range(layers):
        x = keras.layers.LSTM(units, return_sequences=True, name=f"lstm_{i}")(x)
    logits = keras.layers.Dense(len(tokens.VOCAB), dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name="notes_lstm")


class NumpyLSTM:
    """The trained network stepped one token at a time in numpy, for a batch of sequences.

    Keras's LSTM gates are ordered (input, forget, cell, output) in its kernels.
    """

    def __init__(self, weights: list[np.ndarray], layers: int):
        self.embed = weights[0]
        self.cells = [weights[1 + 3 * i: 4 + 3 * i] for i in range(layers)]
        self.dense_w, self.dense_b = weights[1 + 3 * layers:]

    def initial_state(self, batch):
        return [(np.zeros((batch, k.shape[1] // 4)), np.zeros((batch, k.shape[1] // 4)))
                for k, _, _ in self.cells]

    def step(self, token: np.ndarray, state):
        """token (batch,) -> logits (batch, vocab), new state."""
        x = self.embed[token]
        new = []
        for (kernel, recurrent, bias), (h, c) in zip(self.cells, state):
            z = x @ kernel + h @ recurrent + bias
            i, f, g, o = np.split(z, 4, axis=1)
            sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            new.append((h, c))
            x = h
        return x @ self.dense_w + self.dense_b, new


class NotesLSTM:
    """Note-level LSTM over tokens of all voices with durations (the seed's proposed future
    work), sampled with temperature from a start token and rendered to piano audio."""

    name = "notes_lstm"

    def fit(self, data_dir, ckpt_dir, cfg, state_dir) -> dict:
        import keras

        mcfg = cfg[self.name]
        with np.load(Path(data_dir) / "note_tokens.npz") as z:
            stream = z["train"].astype(np.int32)
        window = mcfg["window"]
        if len(stream) <= window + 1:
            raise ValueError(f"{data_dir}/note_tokens.npz: {len(stream)} training tokens, "
                             f"fewer than one window of {window}")
        keras.utils.set_random_seed(mcfg["seed"])
        model = build_model(mcfg["embedding"], mcfg["units"], mcfg["layers"])
        compile_supervised(model, mcfg,
                           keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        began = time.perf_counter()
        start, reached, compile_s = fit_resumable(
            model, lambda first: _windows(stream, window, mcfg["batch"], mcfg["seed"],
                                          mcfg["log_every"], first),
            self.name, mcfg, state_dir, ("loss",), weights_snapshot(model, "weights.npz"))
        kept = {**mcfg, "pitch_range": pitch_range(stream)}  # the decoding rules' range
        write_checkpoint(model, ckpt_dir, state_dir, kept, "weights.npz")
        print(f"trained on {len(stream)} tokens", file=sys.stderr)
        return {"steps": reached, "resumed_from": start, "backend": keras.backend.backend(),
                "fit_s": time.perf_counter() - began, "compile_s": compile_s, "parameters": {
                    "network": model.count_params()}, "train_tokens": int(len(stream)),
                "batch": mcfg["batch"], "clip_length": int(round(mcfg["clip_seconds"] * 16000)),
                "flops_per_step": flops.supervised_step_flops(model, mcfg["batch"], window)}

    def _net(self, ckpt_dir) -> tuple[NumpyLSTM, dict]:
        mcfg = read_json(Path(ckpt_dir) / "network.json")
        with np.load(Path(ckpt_dir) / "weights.npz") as z:
            weights = [z[f"arr_{i}"].astype(np.float64) for i in range(len(z.files))]
        return NumpyLSTM(weights, mcfg["layers"]), mcfg

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        net, mcfg = self._net(ckpt_dir)
        length = read_json(Path(ckpt_dir) / "model.json")["clip_length"]
        seqs = sample_tokens(net, n, length / 16000 + 0.5, seed, mcfg["temperature"],
                             rules_of(mcfg))
        seconds = length / 16000
        self.notes = [[[s, min(s + d, seconds), p] for s, p, d in tokens.detokenize(q)
                       if s < seconds] for q in seqs]
        return np.stack([tokens.render(s, seconds) for s in seqs])

    def long_form(self, ckpt_dir, n, seed, seconds: float) -> np.ndarray:
        net, mcfg = self._net(ckpt_dir)
        seqs = sample_tokens(net, n, seconds, seed, mcfg["temperature"], rules_of(mcfg))
        return np.stack([tokens.render(s, seconds) for s in seqs])


def rules_of(mcfg: dict) -> Rules | None:
    """The decoding rules a checkpoint's settings ask for (``rules``; the training notes' pitch
    range where the checkpoint kept it), or None to sample freely."""
    if not mcfg.get("rules", False):
        return None
    return Rules(pitch_range=tuple(mcfg.get("pitch_range", Rules.pitch_range)))


def _windows(stream, window, batch, seed, steps_per_epoch, first_epoch):
    """(tokens, next tokens) windows of the token stream, each batch a function of (seed, step)."""
    def make_batch(step):
        rng = np.random.default_rng([seed, step])
        starts = rng.integers(0, len(stream) - window - 1, batch)
        chunk = stream[starts[:, None] + np.arange(window + 1)[None, :]]
        return chunk[:, :-1], chunk[:, 1:]

    return step_batches(make_batch, steps_per_epoch, first_epoch)
