"""Layers the GAN networks need beyond Keras's own."""
from __future__ import annotations

import keras
from keras import ops


def shift_reflect(x, shift, n: int):
    """Each example of x (batch, time, channels) moved right by its own shift in [-n, n]
    (batch,), the edge filled by reflection: output[t] = padded[t + n - shift].

    Built from the 2n + 1 static slices of the reflect-padded tensor, each kept where it is the
    example's shift (a one-hot mask): no gather, and its gradient no scatter (XLA runs those
    slowly on a GPU, with repeated indices).
    """
    length = x.shape[1]
    padded = ops.pad(x, [[0, 0], [n, n], [0, 0]], mode="reflect")
    out = 0
    for k in range(-n, n + 1):
        pick = ops.cast(ops.equal(shift, k), x.dtype)[:, None, None]
        out = out + pick * padded[:, n - k:n - k + length, :]
    return out


class PhaseShuffle(keras.layers.Layer):
    """WaveGAN's phase shuffle: shift each example by a random integer in [-n, n] along time,
    filling the edge by reflection, so the critic cannot key on the phase of periodic artefacts.

    The reference draws one shift per call for the whole batch; we draw one per example (as the
    PyTorch ports do), which regularises the same way with less variance per step. Active only
    in training. Input and output: (batch, time, channels), static time length.
    """

    def __init__(self, n: int = 2, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training or self.n == 0:
            return x
        shift = keras.random.randint((ops.shape(x)[0],), -self.n, self.n + 1,
                                     seed=self.seed_generator)
        return shift_reflect(x, shift, self.n)

    def get_config(self):
        return {**super().get_config(), "n": self.n}
