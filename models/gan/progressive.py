"""Progressive growing (Karras et al. 2018), as GANSynth trains: the schedule of resolutions and
the layers that fade new blocks in.

The networks are built once at full size (the "linear" structure of the progressive GAN's own
code): every block always runs, and a level of detail ``level`` in [0, n] decides what reaches
the output. Block b (resolution 2^b times the base grid) counts with weight
clip(level - (b - 1), 0, 1): 0 before its stage, rising linearly while it fades in, 1 after.

- Generator: each level has a 1 x 1 "to image" convolution; the image of level b - 1, upsampled,
  is blended with level b's by that weight (``Fade``). At level n the output is the last block's
  image alone, exactly the network without growing.
- Critic: mirrored; after block b's pooling its features are blended with a "from image"
  convolution of the image average-pooled to that resolution. Its input first goes through
  ``LevelOfDetail``: the image reduced to the current resolution (a blend of the two nearest
  ones while a block fades in) and upsampled back, as the progressive GAN does to its reals, so
  real and generated images are judged at the same detail.

``level`` is a non-trainable variable in each such layer. The trainer sets it before every step
from the generator's step count (models/gan/trainer.py), so resuming restores it exactly.

Schedule (``level_at``), scaled to a budget of S steps over n growth levels: 2n + 1 equal stages
of S / (2n + 1) steps, alternating stable (even stages: level k) and fade-in (odd: level k ->
k + 1), ending with the full resolution stable. The paper: 7 resolutions, 800k images per
stable and per fade-in stage.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops


def level_at(step, total_steps: int, levels: int, xp=np):
    """The level of detail after ``step`` generator steps of a ``total_steps`` schedule over
    ``levels`` growth steps (``xp``: numpy or keras.ops, for a traced step count)."""
    stage = total_steps / (2 * levels + 1)
    step = np.asarray(step, np.float32) if xp is np else ops.cast(step, "float32")
    s = xp.minimum(xp.maximum(step, 0.0) / stage, 2.0 * levels)
    phase = xp.floor(s)
    fading = phase - 2.0 * xp.floor(phase / 2.0)              # 1 in a fade-in stage
    return xp.floor(phase / 2.0) + fading * (s - phase)


def block_weight(level, block: int, xp=np):
    """How much block ``block`` (1..n) counts at ``level``."""
    return xp.clip(level - (block - 1), 0.0, 1.0)


class _Levelled(keras.layers.Layer):
    """A layer with a scalar, non-trainable ``level`` (default: fully grown)."""

    def __init__(self, levels: int, **kwargs):
        super().__init__(**kwargs)
        self.levels = levels
        self.level = self.add_weight(shape=(), initializer=keras.initializers.Constant(levels),
                                     trainable=False, name="level")

    def get_config(self):
        return {**super().get_config(), "levels": self.levels}


class Fade(_Levelled):
    """[low, high] -> low + w (high - low), w = block_weight(level, block)."""

    def __init__(self, levels: int, block: int, **kwargs):
        super().__init__(levels, **kwargs)
        self.block = block

    def call(self, inputs):
        low, high = inputs
        w = ops.cast(block_weight(self.level, self.block, ops), low.dtype)
        return low + w * (high - low)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "block": self.block}


class LevelOfDetail(_Levelled):
    """images (batch, H, W, C) -> the same size, reduced to the detail of the current level:
    sum over resolutions j of hat(level - j) x (the image pooled by 2^(n - j), upsampled back)."""

    def call(self, x):
        pyramid = [x]                                    # pyramid[k]: pooled k times
        for _ in range(self.levels):
            pyramid.append(ops.average_pool(pyramid[-1], 2, 2, padding="valid"))
        out = None                  # coarse to fine; upsampling is linear, so the weighted
        for j in range(self.levels + 1):  # terms are summed as they are upsampled together
            hat = ops.cast(ops.maximum(1.0 - ops.abs(self.level - j), 0.0), x.dtype)
            term = hat * pyramid[self.levels - j]
            out = term if out is None else \
                ops.repeat(ops.repeat(out, 2, axis=1), 2, axis=2) + term
        return out

    def compute_output_shape(self, input_shape):
        return input_shape


def level_variables(network) -> list:
    """The ``level`` variables of a network's levelled layers."""
    return [layer.level for layer in network.layers if isinstance(layer, _Levelled)]


class Schedule:
    """level_at over a budget: ``schedule(step)`` in keras.ops (a traced step is fine)."""

    def __init__(self, total_steps: int, levels: int):
        self.total_steps, self.levels = total_steps, levels

    def __call__(self, step):
        return level_at(step, self.total_steps, self.levels, xp=ops)
