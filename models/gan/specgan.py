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
    spec = xp.fft.rfft(frames_of(padded, FRAME, HOP, xp) * _window(), n=NFFT, axis=-1)
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


def _window():
    from models.gan.gansynth import periodic_hann

    return periodic_hann(FRAME).astype(np.float32)


def _istft(spec, xp):
    """librosa's ``istft(center=False)`` for frame 256, hop 128: (batch, frames, 129) complex
    -> (batch, (frames + 1) * 128), windowed overlap-add over the window's squared envelope
    (left as is where the envelope is zero)."""
    frames = xp.fft.irfft(spec, n=NFFT, axis=-1) * _window()              # (b, F, 256)
    halves = [xp.pad(frames[:, :, :HOP], [(0, 0), (0, 1), (0, 0)]),
              xp.pad(frames[:, :, HOP:], [(0, 0), (1, 0), (0, 0)])]
    audio = xp.reshape(halves[0] + halves[1], (spec.shape[0], -1))
    w2 = _window() ** 2
    n = spec.shape[1]
    envelope = np.zeros((n + 1) * HOP, np.float32)
    envelope[:n * HOP] += np.tile(w2[:HOP], n)
    envelope[HOP:] += np.tile(w2[HOP:], n)
    tiny = np.finfo(np.float32).tiny
    return audio / np.where(envelope > tiny, envelope, 1.0)


def _stft(audio, xp):
    from models.gan.gansynth import frames_of

    return xp.fft.rfft(frames_of(audio, FRAME, HOP, xp) * _window(), axis=-1)


def griffin_lim(mag, n_iter: int = GRIFFIN_LIM_ITERS, xp=np):
    """librosa's ``griffinlim`` (fast Griffin-Lim, momentum 0.99, from zero phase,
    ``center=False``) of (batch, frames, 129) magnitudes, in numpy or jax.numpy; the loop is
    unrolled (16 iterations)."""
    momentum = 0.99
    tiny = np.finfo(np.float32).tiny
    angles = mag.astype(np.complex64)
    previous = None
    for _ in range(n_iter):
        rebuilt = _stft(_istft(angles, xp), xp)
        angles = rebuilt if previous is None else rebuilt - momentum / (1 + momentum) * previous
        angles = angles / (xp.abs(angles) + tiny) * mag
        previous = rebuilt
    return _istft(angles, xp)


def to_audio(images, mom: dict, n_iter: int = GRIFFIN_LIM_ITERS, xp=np):
    """(batch, 128, 128, 1) generator output -> (batch, 16384) audio by Griffin-Lim; ``xp``
    jax.numpy runs it on the device."""
    logmag = images[..., 0] * CLIP_STDS * mom["std"] + mom["mean"]        # (batch, frames, bins)
    mag = xp.maximum(xp.exp(logmag) - LOG_EPS, 0)
    mag = xp.concatenate([mag, xp.zeros(mag.shape[:2] + (1,), mag.dtype)], axis=2)
    audio = griffin_lim(mag.astype(np.float32), n_iter, xp)[:, :SLICE]
    # The first hop is covered by one window only, whose overlap-add normaliser is near zero
    # there: the inverse STFT blows up into a click. Fade those 8 ms in.
    fade = np.ones(SLICE, np.float32)
    fade[:HOP] = np.sin(np.linspace(0, np.pi / 2, HOP)) ** 2
    return xp.clip(audio * fade, -1, 1).astype(np.float32)


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
