"""SpecGAN (Donahue et al. 2019): a DCGAN on normalised log-magnitude spectrograms.

Features of a 16384-sample slice: STFT (frame 256 = 16 ms, hop 128 = 8 ms, FFT 256, Hann),
padded at the end so there are exactly 128 frames; the highest of the 129 bins is dropped ->
128 frames x 128 bins; log(|X| + 1e-6); per-bin (mean, std) over all frames of the training
slices (the ``stft_moments`` target); (x - mean) / std / 3, clipped to [-1, 1].
Audio back: undo the scaling, re-add the dropped bin as zero, Griffin-Lim from zero phase with
the paper's 16 iterations, trim to 16384 samples, fade in the first hop (see ``to_audio``).
Networks: generator Dense -> (4, 4, 16d) -> five 5x5 stride-2 Conv2DTranspose -> (128, 128, 1),
ReLU between, tanh last; critic the mirror image, LeakyReLU(0.2), Dense -> 1; no phase shuffle.
The strided convolutions are Keras's layers computed at stride 1 (models/gan/conv.py).
"""
from __future__ import annotations

import numpy as np

FRAME, HOP, NFFT = 256, 128, 256
SLICE = 16384
FRAMES, BINS = SLICE // HOP, NFFT // 2   # 128 x 128
LOG_EPS = 1e-6
CLIP_STDS = 3.0
GRIFFIN_LIM_ITERS = 16


def log_magnitude(audio, xp=np):
    """(batch, 16384) -> (batch, 128 frames, 128 bins) log |STFT|, float32 (librosa's
    ``stft(center=False)`` of the end-padded slice). ``xp``: numpy, or jax.numpy on the device."""
    from models.gan.gansynth import frames_of

    audio = xp.asarray(audio, np.float32)
    padded = xp.pad(audio, [(0, 0), (0, FRAME - HOP)])                    # end padding
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)).astype(np.float32)
    spec = xp.fft.rfft(frames_of(padded, FRAME, HOP, xp) * window, n=NFFT, axis=-1)
    return xp.log(xp.abs(spec[:, :, :BINS]) + LOG_EPS).astype(np.float32)  # (batch, 128, 128)


def moments(audio_batches) -> dict:
    """Per-bin mean and std of log magnitudes over every frame of the given slices."""
    count, total, total_sq = 0, np.zeros(BINS), np.zeros(BINS)
    for batch in audio_batches:
        feats = log_magnitude(batch).reshape(-1, BINS).astype(np.float64)
        count += len(feats)
        total += feats.sum(0)
        total_sq += (feats ** 2).sum(0)
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean ** 2, 1e-12))
    return {"mean": mean.astype(np.float32), "std": std.astype(np.float32), "frames": count}


def normalise(logmag, mom: dict, xp=np):
    """(batch, 128, 128) -> (batch, 128, 128, 1) in [-1, 1]."""
    x = (logmag - mom["mean"]) / mom["std"] / CLIP_STDS
    return xp.clip(x, -1.0, 1.0)[..., None].astype(np.float32)


def features(audio, mom: dict, xp=np):
    return normalise(log_magnitude(audio, xp), mom, xp)


def to_audio(images: np.ndarray, mom: dict, n_iter: int = GRIFFIN_LIM_ITERS) -> np.ndarray:
    """(batch, 128, 128, 1) generator output -> (batch, 16384) audio by Griffin-Lim."""
    import librosa

    logmag = images[..., 0] * CLIP_STDS * mom["std"] + mom["mean"]        # (batch, frames, bins)
    mag = np.exp(logmag) - LOG_EPS
    mag = np.concatenate([np.maximum(mag, 0), np.zeros(mag.shape[:2] + (1,))], axis=2)
    mag = mag.transpose(0, 2, 1)                                         # (batch, 129, frames)
    audio = librosa.griffinlim(mag, n_iter=n_iter, hop_length=HOP, win_length=FRAME,
                               n_fft=NFFT, window="hann", center=False, init=None,
                               length=SLICE + FRAME - HOP)[:, :SLICE]
    # The first hop is covered by one window only, whose overlap-add normaliser is near zero
    # there: the inverse STFT blows up into a click. Fade those 8 ms in.
    audio[:, :HOP] *= np.sin(np.linspace(0, np.pi / 2, HOP)) ** 2
    return np.clip(audio, -1, 1).astype(np.float32)


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray) -> float:
    """|| |S| - |S_hat| ||_F / || |S| ||_F over the SpecGAN STFT of two (batch, 16384) arrays."""
    a = np.exp(log_magnitude(reference)) - LOG_EPS
    b = np.exp(log_magnitude(estimate)) - LOG_EPS
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def build_generator(d: int = 64, latent_dim: int = 100, keras_conv: bool = False):
    """z (batch, latent_dim) -> normalised log spectrogram (batch, 128, 128, 1) in [-1, 1].
    ``keras_conv``: Keras's own strided layers (see models/gan/wavegan.py)."""
    import keras
    from keras import layers

    from models.gan.conv import PolyphaseConv2DTranspose

    conv_t = layers.Conv2DTranspose if keras_conv else PolyphaseConv2DTranspose
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(4 * 4 * 16 * d, name="project")(z)
    x = layers.Reshape((4, 4, 16 * d))(x)                                # (4, 4, 16d)
    x = layers.ReLU()(x)
    for i, channels in enumerate([8 * d, 4 * d, 2 * d, d, 1]):           # 8 16 32 64 128
        x = conv_t(channels, 5, strides=2, padding="same", name=f"upconv_{i}")(x)
        last = channels == 1
        x = layers.Activation("tanh" if last else "relu", dtype="float32" if last else None)(x)
    return keras.Model(z, x, name="specgan_generator")


def build_critic(d: int = 64, keras_conv: bool = False):
    """(batch, 128, 128, 1) -> score (batch, 1), float32."""
    import keras
    from keras import layers

    from models.gan.conv import SpaceToDepthConv2D

    conv = layers.Conv2D if keras_conv else SpaceToDepthConv2D
    x_in = keras.Input((FRAMES, BINS, 1), name="spectrogram")
    x = x_in
    for i, channels in enumerate([d, 2 * d, 4 * d, 8 * d, 16 * d]):      # 64 32 16 8 4
        x = conv(channels, 5, strides=2, padding="same", name=f"conv_{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, dtype="float32", name="score")(x)
    return keras.Model(x_in, out, name="specgan_critic")
