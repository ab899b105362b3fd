"""Layers the GAN networks need beyond Keras's own."""
from __future__ import annotations

import keras
from keras import ops


class PhaseShuffle(keras.layers.Layer):
    """WaveGAN's phase shuffle: shift each example by a random integer in [-n, n] along time,
    filling the edge by reflection, so the critic cannot key on the phase of periodic artefacts.

    The reference draws one shift per call for the whole batch; we draw one per example (as the
    PyTorch ports do), which regularises the same way with less variance per step. Active only
    in training. Input and output: (batch, time, channels).
    """

    def __init__(self, n: int = 2, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training or self.n == 0:
            return x
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        shift = keras.random.randint((batch, 1), -self.n, self.n + 1, seed=self.seed_generator)
        padded = ops.pad(x, [[0, 0], [self.n, self.n], [0, 0]], mode="reflect")
        # output[t] = padded[t + n - shift]  -> content moves right by `shift`
        index = ops.arange(length)[None, :] + (self.n - shift)       # (batch, time)
        index = ops.broadcast_to(index[:, :, None], ops.shape(x))    # (batch, time, channels)
        return ops.take_along_axis(padded, ops.cast(index, "int32"), axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}
