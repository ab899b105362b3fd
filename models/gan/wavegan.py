"""WaveGAN's generator and critic (Donahue et al. 2019, reference repo chrisdonahue/wavegan).

Generator, slice 16384, model size d:  z (100,) -> Dense 16*16d -> (16, 16d) -> ReLU ->
five Conv1DTranspose(kernel 25, stride 4, same):  (64, 8d) (256, 4d) (1024, 2d) (4096, d)
(16384, 1), ReLU between, tanh last. Slices of 32768 / 65536 start from (16, 32d) and add a
layer: ... (16384, d) -> (32768 | 65536, 1) with stride 2 | 4.
Critic: the mirror image with Conv1D(25, stride 4), LeakyReLU(0.2), phase shuffle after
convolutions 0-3 (``SHUFFLED``; the reference's long-slice critic adds a 6th convolution with
none after it, nor after the 5th), then Flatten -> Dense 1. No batch normalisation (WGAN-GP).
The strided convolutions are Keras's layers computed as stride-1 convolutions
(models/gan/conv.py): the same weights and outputs, and no input-dilated convolution for XLA.
"""
from __future__ import annotations

import keras
from keras import layers

from models.gan.conv import PolyphaseConv1DTranspose, SpaceToDepthConv1D
from models.gan.layers import PhaseShuffle

KERNEL = 25
SLICES = (16384, 32768, 65536)
SHUFFLED = 4    # phase shuffle after the first four convolutions, as the reference's critic


def _ladder(slice_len: int, d: int) -> tuple[int, list[tuple[int, int]]]:
    """(first channel count, [(channels, stride) of each upsampling layer])."""
    if slice_len not in SLICES:
        raise ValueError(f"WaveGAN slice length must be one of {SLICES}, got {slice_len}")
    if slice_len == 16384:
        return 16 * d, [(8 * d, 4), (4 * d, 4), (2 * d, 4), (d, 4), (1, 4)]
    last_stride = 2 if slice_len == 32768 else 4
    return 32 * d, [(16 * d, 4), (8 * d, 4), (4 * d, 4), (2 * d, 4), (d, 4), (1, last_stride)]


def build_generator(d: int = 64, slice_len: int = 16384, latent_dim: int = 100,
                    upsample: str = "zeros", keras_conv: bool = False) -> keras.Model:
    """z (batch, latent_dim) -> audio (batch, slice_len, 1) in [-1, 1]. ``keras_conv``: Keras's
    own strided layers, as XLA lowers them with input dilation (for the tests and the
    benchmark's "before")."""
    conv_t = layers.Conv1DTranspose if keras_conv else PolyphaseConv1DTranspose
    first, ladder = _ladder(slice_len, d)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(16 * first, name="project")(z)
    x = layers.Reshape((16, first))(x)                                   # (16, 16d)
    x = layers.ReLU()(x)
    for i, (channels, stride) in enumerate(ladder):
        last = i == len(ladder) - 1
        activation = "tanh" if last else "relu"
        if upsample == "zeros":  # transposed convolution: zero-stuffing, the paper's default
            x = conv_t(channels, KERNEL, strides=stride, padding="same", name=f"upconv_{i}")(x)
        elif upsample == "nn":   # nearest-neighbour resize, then a stride-1 convolution
            x = layers.UpSampling1D(stride)(x)
            x = layers.Conv1D(channels, KERNEL, padding="same", name=f"upconv_{i}")(x)
        else:
            raise ValueError(f"upsample must be 'zeros' or 'nn', got {upsample!r}")
        x = layers.Activation(activation, dtype="float32" if last else None)(x)
    return keras.Model(z, x, name="wavegan_generator")


def build_critic(d: int = 64, slice_len: int = 16384, phase_shuffle: int = 2,
                 seed: int | None = None, keras_conv: bool = False) -> keras.Model:
    """audio (batch, slice_len, 1) -> score (batch, 1), float32."""
    conv = layers.Conv1D if keras_conv else SpaceToDepthConv1D
    first, ladder = _ladder(slice_len, d)
    channels = [c for c, _ in reversed(ladder[:-1])] + [first]           # d, 2d, ..., 16d|32d
    strides = [s for _, s in reversed(ladder)]
    x_in = keras.Input((slice_len, 1), name="audio")
    x = x_in
    for i, (ch, stride) in enumerate(zip(channels, strides)):
        x = conv(ch, KERNEL, strides=stride, padding="same", name=f"conv_{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
        if i < SHUFFLED and phase_shuffle:
            x = PhaseShuffle(phase_shuffle, seed=None if seed is None else seed + i,
                             name=f"phase_shuffle_{i}")(x)
    x = layers.Flatten()(x)                                              # (16 * 16d,)
    out = layers.Dense(1, dtype="float32", name="score")(x)
    return keras.Model(x_in, out, name="wavegan_critic")
