"""Training batches of raw audio: random slices of the training pieces, deterministic per step.

WaveGAN's loader cuts each piece at a random offset into consecutive slices and shuffles them;
we draw each slice as a random piece (weighted by length) at a random offset, which gives the
same distribution of slices with no epoch bookkeeping. The draw for step s depends only on
(seed, s), so a resumed run sees exactly the batches an uninterrupted one would.
"""
from __future__ import annotations

import numpy as np

from models import audio
from models.data.prepare import read_manifest


class SliceSampler:
    """All training audio in one int16 buffer; ``batch(step)`` -> (n_critic, batch, length)."""

    def __init__(self, manifest_path, length: int, split: str = "train"):
        rows = [r for r in read_manifest(manifest_path) if r["split"] == split]
        pieces = [np.round(audio.read_wav(r["path"]) * 32767).astype(np.int16) for r in rows]
        pieces = [p for p in pieces if len(p) >= length]
        if not pieces:
            raise ValueError(f"{manifest_path}: no {split} piece is as long as {length} samples")
        self.length = length
        self.buffer = np.concatenate(pieces)
        sizes = np.array([len(p) for p in pieces])
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.spans = sizes - length + 1                    # valid offsets per piece
        self.weights = self.spans / self.spans.sum()

    def slices(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, length) float32 random slices."""
        piece = rng.choice(len(self.spans), size=n, p=self.weights)
        offset = self.starts[piece] + (rng.random(n) * self.spans[piece]).astype(np.int64)
        index = offset[:, None] + np.arange(self.length)[None, :]
        return self.buffer[index].astype(np.float32) / 32767.0

    def batch(self, seed: int, step: int, n_critic: int, batch: int) -> np.ndarray:
        rng = np.random.default_rng([seed, step])
        return self.slices(rng, n_critic * batch).reshape(n_critic, batch, self.length)


def step_dataset(sampler, transform, seed, n_critic, batch, steps_per_epoch, first_epoch):
    """Batches of ``sampler`` for fit(), by global step; ``transform`` maps (n_critic, batch,
    length) audio to the model's input layout."""
    from models.train.loop import step_batches

    return step_batches(lambda step: transform(sampler.batch(seed, step, n_critic, batch)),
                        steps_per_epoch, first_epoch)
