"""The counting baseline: an n-gram model over the note tokens, the bar a note model must clear.

A note model that learned something beats what counting does. ``NGram`` counts every run of up
to ``order`` tokens in the training pieces' token stream (models/data/tokens.py) and predicts
the next token with Witten-Bell interpolation: the longest context's counts, falling back on
the shorter contexts in proportion to how many different tokens the longer one has been seen
followed by, down to add-one counts of single tokens, so every token keeps a probability.
It trains in seconds, and is sampled exactly as the note LSTM is (models/seq/decode.py: the
same temperature and decoding rules), rendered with the same SoundFont, and measured like
every model: a neural note model's gain over it is what the network adds to counting.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.data import tokens
from models.io import read_json
from models.seq.decode import Rules, pitch_range, sample_tokens


def count(stream: np.ndarray, order: int) -> dict[int, dict[tuple, dict[int, int]]]:
    """{k: {context of k tokens: {next token: count}}} for k = 0 .. order - 1."""
    stream = [int(t) for t in stream]
    table: dict[int, dict[tuple, dict[int, int]]] = {k: {} for k in range(order)}
    for i in range(len(stream)):
        for k in range(order):
            if i - k < 0:
                break
            row = table[k].setdefault(tuple(stream[i - k:i]), {})
            row[stream[i]] = row.get(stream[i], 0) + 1
    return table


def save(table: dict, path) -> None:
    """The counts as flat arrays, one set per context length."""
    arrays = {}
    for k, rows in table.items():
        contexts = sorted(rows)
        arrays[f"ctx_{k}"] = np.array(contexts, np.int16).reshape(len(contexts), k)
        arrays[f"start_{k}"] = np.cumsum([0] + [len(rows[c]) for c in contexts])
        arrays[f"next_{k}"] = np.array([t for c in contexts for t in sorted(rows[c])], np.int16)
        arrays[f"count_{k}"] = np.array([rows[c][t] for c in contexts for t in sorted(rows[c])],
                                        np.int32)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def load(path, order: int) -> dict[int, dict[tuple, tuple[np.ndarray, np.ndarray]]]:
    """{k: {context: (next tokens, counts)}} from ``save``'s file."""
    out = {}
    with np.load(path) as z:
        for k in range(order):
            ctx, start = z[f"ctx_{k}"], z[f"start_{k}"]
            nxt, cnt = z[f"next_{k}"], z[f"count_{k}"]
            out[k] = {tuple(int(t) for t in ctx[i]): (nxt[start[i]:start[i + 1]].astype(int),
                                                      cnt[start[i]:start[i + 1]].astype(float))
                      for i in range(len(ctx))}
    return out


class Counts:
    """The counts stepped one token at a time for a batch of sequences, as the note LSTM's
    numpy network is (``initial_state``, ``step`` -> log-probabilities)."""

    def __init__(self, table: dict, order: int):
        self.table, self.order = table, order
        self.vocab = len(tokens.VOCAB)

    def initial_state(self, batch):
        return [() for _ in range(batch)]

    def probabilities(self, context: tuple) -> np.ndarray:
        p = np.ones(self.vocab) / self.vocab      # add-one, below the unigrams
        for k in range(min(len(context), self.order - 1) + 1):
            row = self.table[k].get(context[len(context) - k:])
            if row is None:
                break
            nxt, cnt = row
            seen, types = cnt.sum(), len(nxt)     # Witten-Bell: mix by distinct followers
            mixed = p * types / (seen + types)
            mixed[nxt] += cnt / (seen + types)
            p = mixed
        return p

    def step(self, token: np.ndarray, state):
        state = [(c + (int(t),))[-(self.order - 1):] if self.order > 1 else ()
                 for c, t in zip(state, token)]
        return np.log(np.stack([self.probabilities(c) for c in state]) + 1e-300), state


class NGram:
    """Counts of note-token n-grams with Witten-Bell back-off, sampled like the note LSTM."""

    name = "ngram"

    def fit(self, data_dir, ckpt_dir, cfg, state_dir) -> dict:
        mcfg = cfg[self.name]
        with np.load(Path(data_dir) / "note_tokens.npz") as z:
            stream = z["train"].astype(np.int64)
        if len(stream) < mcfg["order"]:
            raise ValueError(f"{data_dir}/note_tokens.npz: {len(stream)} training tokens, "
                             f"fewer than one {mcfg['order']}-gram")
        began = time.perf_counter()
        table = count(stream, mcfg["order"])
        save(table, Path(ckpt_dir) / "counts.npz")
        return {"order": mcfg["order"], "train_tokens": int(len(stream)),
                "contexts": {k: len(v) for k, v in table.items()},
                "pitch_range": pitch_range(stream), "fit_s": time.perf_counter() - began,
                "temperature": mcfg["temperature"], "rules": mcfg["rules"],
                "clip_length": int(round(mcfg["clip_seconds"] * 16000))}

    def _sample(self, ckpt_dir, n, seed, seconds):
        meta = read_json(Path(ckpt_dir) / "model.json")
        counts = Counts(load(Path(ckpt_dir) / "counts.npz", meta["order"]), meta["order"])
        rules = Rules(pitch_range=tuple(meta["pitch_range"])) if meta["rules"] else None
        return sample_tokens(counts, n, seconds, seed, meta["temperature"], rules)

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        seconds = read_json(Path(ckpt_dir) / "model.json")["clip_length"] / 16000
        seqs = self._sample(ckpt_dir, n, seed, seconds + 0.5)
        self.notes = [[[s, min(s + d, seconds), p] for s, p, d in tokens.detokenize(q)
                       if s < seconds] for q in seqs]
        return np.stack([tokens.render(q, seconds) for q in seqs])

    def long_form(self, ckpt_dir, n, seed, seconds: float) -> np.ndarray:
        seqs = self._sample(ckpt_dir, n, seed, seconds)
        return np.stack([tokens.render(q, seconds) for q in seqs])
