"""GANSynth (Engel et al. 2019), unconditional: images of log magnitude and instantaneous
frequency (IF) of 65536-sample clips, and the 2-D networks that generate and judge them.

Representation (``features`` / ``to_audio``), frame N (1024 or 2048), hop N/4, periodic Hann:
- The clip is padded at the front with N - hop zeros, so there are exactly samples/hop frames
  and the first frame ends one hop into the clip; the STFT is scaled by 2/N (the window's sum),
  so |X| <= max|x| <= 1 and a sine of amplitude A peaks at A/2. The DC bin is dropped, Nyquist
  kept: (frames, N/2) = 256 x 512 at frame 1024, 128 x 1024 at frame 2048.
- Channel 0: log(|X| + 1e-6) mapped linearly from [log 1e-6, log(1 + 1e-6)] onto [-1, 1]
  (fixed constants, no data statistics: -1 is silence, -120 dB re |X| = 1; +1 is |X| = 1,
  the bound for |x| <= 1, reached by a full-scale Nyquist tone). Rendered piano clips sit in
  about [-1, 0.8], median about -0.45 (-0.15 on the mel axis).
- Channel 1: the frame-to-frame difference of the phase, wrapped into [-pi, pi) (the time
  difference of the unwrapped phase) and divided by pi; the first frame holds its phase / pi.
- mel=True (the paper's IF-Mel, as its code computes it): one row-stochastic matrix M maps
  linear bins onto as many mel bins (HTK mel, centres evenly spaced in mel up to 8 kHz); each
  row is a triangle between the neighbouring mel centres, widened to at least one linear-bin
  spacing so the dense low mel bins interpolate between linear bins. M maps the *power* |X|^2
  (channel 0 is then the log of the mel power's square root, normalised as above) and the
  unwrapped phase; the IF of the mel-mapped phase is exactly M @ IF, since M is linear and the
  same in every frame, and stays in [-1, 1]. Below ~2.5 kHz the mel axis is finer than the
  linear one and the map is exactly invertible; above, three linear bins fold into about one.
Audio back: mel power and IF go back to linear bins by M's pseudo-inverse (rcond 1e-2; power
floored at 0);
magnitude from channel 0; phase = pi * cumulative sum of channel 1 over time; the dropped DC
bin of every frame is re-derived from the other bins by solving the small banded linear
system that makes the frames' DC consistent with the signal they overlap-add to (the STFT is
4x redundant, so this is exact and well conditioned, condition number < 4); inverse STFT by
weighted overlap-add, dividing by the sum of squared windows; clipped to [-1, 1]. No
Griffin-Lim. With front padding the clip's last hop is seen only by the tail of the last
window, so exact division there multiplies whatever that frame holds by up to 1/w: fine for
real features, a loud click for a generator's (never exactly consistent) last frame. The
divisor is therefore floored at NORM_FLOOR = 0.25 (gain <= 2; the last hop fades out like
w^2 / 0.25); EXACT_FLOOR = 0.01 (gain <= 10) inverts real features down to the last ~6 ms.
Measured on 8 rendered BWV 846 clips, spectral convergence (``spectral_convergence``) of the
linear path: 4.5e-3 (frame 1024) / 6.4e-3 (2048) by default, 5.6e-4 / 8.1e-4 with EXACT_FLOOR,
sample error < 1e-5 everywhere but the last hop; IF-Mel: 0.031 / 0.032, nearly all of
it from the IF and power blurred above ~2.5 kHz. A batch of 8 clips takes ~0.1 s each way.

Networks (``build_generator`` / ``build_critic``): the progressive GAN's layers, trained at
full resolution without growing. Generator: PixelNorm(z) -> EqualizedDense onto a
(frames, bins) / 2^n_up grid -> LeakyReLU(0.2) + PixelNorm -> 3x3 conv; then n_up blocks of
nearest x2 upsampling and two 3x3 convs, each followed by LeakyReLU(0.2) + PixelNorm; a 1x1
conv (gain 1) to 2 channels and tanh, since both channels of real images lie in [-1, 1]
(as in WaveGAN and SpecGAN here). Critic: the mirror image: 1x1 conv from 2 channels, n_down
blocks of two 3x3 convs and 2x2 average pooling, then MinibatchStdDev, a 3x3 conv, a dense
layer of the coarsest width and a linear dense (gain 1) -> 1 score. Widths per resolution
level b (0 coarsest, n finest): min(4d, max(4, d * 2^(n - b) / 2)); at d = 64 and n = 6 that is
the paper-like 256 256 256 256 128 64 32. Parameters (``parameter_counts``, latent 256, the
same at frame 1024 and 2048 since both base grids have 32 cells): d = 64: generator 6,817,026,
critic 6,811,905; d = 2: 70,922 and 7,273 (13,578 generator parameters at latent 32).
Not the paper's: no progressive growing, no pitch conditioning or auxiliary classifier; the
drift penalty and the generator's weight average are not in the shared WGAN-GP trainer.
"""
from __future__ import annotations

import functools
import math

import numpy as np

SR = 16000
CLIP = 65536
FRAMES = (1024, 2048)
LOG_EPS = 1e-6
LOG_LO, LOG_HI = math.log(LOG_EPS), math.log(1.0 + LOG_EPS)
MEL_FMAX = 8000.0
MEL_RCOND = 1e-2
NORM_FLOOR = 0.25     # w^2 at the start of a window's last quarter: tail gain <= 2
EXACT_FLOOR = 1e-2    # tail gain <= 10; real features invert with SC < 1e-3
DC_FLOOR = 1e-6       # the DC solve divides (almost) exactly: no error spreads from the tail
MAX_UP = 6   # the paper's base grid at frame 2048 is 2 x 16 = (128 x 1024) / 2^6


# --- the STFT pair ----------------------------------------------------------------------------

@functools.cache
def periodic_hann(frame: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / frame)   # periodic Hann


def frames_of(padded, frame: int, hop: int, xp=np):
    """(batch, (n + frame/hop - 1) * hop) -> (batch, n, frame): overlapping frames, hop a
    divisor of frame, from static slices (no gather: the same code runs on the device)."""
    per = frame // hop
    blocks = xp.reshape(padded, (padded.shape[0], -1, hop))
    n = blocks.shape[1] - per + 1
    return xp.concatenate([blocks[:, i:i + n] for i in range(per)], axis=-1)


def stft(audio, frame: int = 1024, xp=np):
    """(batch, samples) -> complex (batch, samples / hop, frame / 2 + 1), front-padded. ``xp``:
    numpy (float64) or jax.numpy (float32, on the device)."""
    hop = frame // 4
    audio = xp.asarray(audio, np.float64 if xp is np else np.float32)
    if audio.shape[-1] % hop:
        raise ValueError(f"clip length {audio.shape[-1]} is not a multiple of the hop {hop}")
    padded = xp.pad(audio, [(0, 0), (frame - hop, 0)])
    frames = frames_of(padded, frame, hop, xp)
    return xp.fft.rfft(frames * periodic_hann(frame).astype(audio.dtype), axis=-1) * (2.0 / frame)


def _frame_dc(audio: np.ndarray, frame: int) -> np.ndarray:
    """The DC bin of every frame of ``stft`` (real), without the FFT."""
    hop = frame // 4
    padded = np.pad(audio, [(0, 0), (frame - hop, 0)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame, axis=1)[:, ::hop]
    return frames @ periodic_hann(frame) * (2.0 / frame)


def istft(spec: np.ndarray, frame: int = 1024, floor: float | None = None) -> np.ndarray:
    """Weighted overlap-add inverse of ``stft``: complex (batch, frames, frame/2 + 1) ->
    (batch, frames * hop). Divides by the squared windows' sum, floored at ``floor``."""
    floor = NORM_FLOOR if floor is None else floor
    hop, w = frame // 4, periodic_hann(frame)
    segs = np.fft.irfft(spec * (frame / 2.0), n=frame, axis=-1) * w
    batch, n = segs.shape[:2]
    out, norm = np.zeros((batch, n + 3, hop)), np.zeros((n + 3, hop))
    for j in range(4):                                   # a frame spans four hops
        out[:, j:j + n] += segs[:, :, j * hop:(j + 1) * hop]
        norm[j:j + n] += (w ** 2)[j * hop:(j + 1) * hop]
    out = out.reshape(batch, -1) / np.maximum(norm.reshape(-1), floor)
    return out[:, frame - hop:]                          # drop the front padding


@functools.lru_cache(maxsize=8)
def _dc_solver(frame: int, n_frames: int) -> np.ndarray:
    """Q with d = dc(istft(X without DC)) @ Q.T: the DC values that make the resynthesised
    signal reproduce them. A = response of the frames' DC to unit DC in one frame (band +-3,
    found with 7 interleaved probes); Q = (I - A)^-1."""
    probes = np.zeros((7, n_frames, frame // 2 + 1), complex)
    for r in range(7):
        probes[r, r::7, 0] = 1.0
    response = _frame_dc(istft(probes, frame, DC_FLOOR), frame)                 # (7, n_frames)
    a = np.zeros((n_frames, n_frames))
    for t in range(n_frames):
        lo, hi = max(0, t - 3), min(n_frames, t + 4)
        a[lo:hi, t] = response[t % 7, lo:hi]
    return np.linalg.inv(np.eye(n_frames) - a)


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray,
                         frame: int = 1024) -> float:
    """|| |S| - |S_hat| ||_F / || |S| ||_F over every bin of ``stft`` of two (batch, n) arrays."""
    a, b = np.abs(stft(reference, frame)), np.abs(stft(estimate, frame))
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


# --- the mel axis -----------------------------------------------------------------------------

def _hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)


def _mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)


@functools.cache
def mel_matrix(frame: int = 1024) -> np.ndarray:
    """(mel bins, linear bins), both frame/2, rows summing to 1: image_mel = image @ M.T."""
    bins = frame // 2
    spacing = SR / frame
    linear = np.arange(1, bins + 1) * spacing                          # DC dropped
    centres = _mel_to_hz(np.arange(1, bins + 1) * _hz_to_mel(MEL_FMAX) / bins)
    below = np.concatenate([[0.0], centres[:-1]])
    above = np.concatenate([centres[1:], [2 * centres[-1] - centres[-2]]])
    left = np.maximum(centres - below, spacing)[:, None]               # at least one bin wide
    right = np.maximum(above - centres, spacing)[:, None]
    offset = linear[None, :] - centres[:, None]
    weights = np.maximum(np.where(offset < 0, 1 + offset / left, 1 - offset / right), 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


@functools.cache
def mel_inverse(frame: int = 1024) -> np.ndarray:
    """(linear bins, mel bins) pseudo-inverse of ``mel_matrix``: image_lin = image @ P.T."""
    return np.linalg.pinv(mel_matrix(frame), rcond=MEL_RCOND)


# --- images <-> audio -------------------------------------------------------------------------

def features(audio, frame: int = 1024, mel: bool = True, xp=np):
    """(batch, samples) in [-1, 1] -> float32 (batch, samples / hop, frame / 2, 2) in [-1, 1]:
    normalised log magnitude and instantaneous frequency, on mel bins when ``mel``.
    samples must be a multiple of the hop; 65536 gives 256 x 512 (frame 1024) or
    128 x 1024 (frame 2048). ``xp``: numpy, or jax.numpy to compute them on the device."""
    spec = stft(audio, frame, xp)[:, :, 1:]                            # DC dropped
    magnitude = xp.abs(spec)
    phase = xp.angle(spec)
    step = xp.diff(phase, axis=1, prepend=xp.zeros_like(phase[:, :1]))  # frame 0: its phase
    freq = (xp.mod(step + np.pi, 2 * np.pi) - np.pi) / np.pi           # [-1, 1)
    if mel:  # power and phase onto mel bins (the IF of the mel-mapped phase is M @ IF)
        m = mel_matrix(frame).astype(magnitude.dtype)
        magnitude = xp.sqrt(xp.einsum("bfk,mk->bfm", magnitude ** 2, m))
        freq = xp.einsum("bfk,mk->bfm", freq, m)
    mag = 2.0 * (xp.log(magnitude + LOG_EPS) - LOG_LO) / (LOG_HI - LOG_LO) - 1.0
    image = xp.stack([mag, freq], axis=-1)
    return image.astype(np.float32)      # bounded by construction: no clipping needed


def to_audio(images: np.ndarray, frame: int = 1024, mel: bool = True,
             length: int | None = CLIP, floor: float = NORM_FLOOR) -> np.ndarray:
    """(batch, frames, frame / 2, 2) images -> float32 (batch, length) audio in [-1, 1]:
    phase integrated from the IF channel, DC re-derived, inverse STFT (no Griffin-Lim).
    ``floor``: the least squared-window sum divided by; the default bounds the gain on the
    clip's last hop at 2, EXACT_FLOOR inverts real features down to the last ~6 ms."""
    images = np.asarray(images, np.float64)
    mag = np.clip(images[..., 0], -1.0, 1.0)
    mag = np.maximum(np.exp(LOG_LO + (mag + 1.0) / 2.0 * (LOG_HI - LOG_LO)) - LOG_EPS, 0.0)
    freq = images[..., 1]
    if mel:  # mel power and IF back onto linear bins
        inverse = mel_inverse(frame)
        mag = np.sqrt(np.maximum(np.einsum("bfm,km->bfk", mag ** 2, inverse, optimize=True), 0))
        freq = np.einsum("bfm,km->bfk", freq, inverse, optimize=True)
    phase = np.pi * np.cumsum(freq, axis=1)
    spec = mag * np.exp(1j * phase)
    spec = np.concatenate([np.zeros(spec.shape[:2] + (1,), complex), spec], axis=2)
    dc = _frame_dc(istft(spec, frame, DC_FLOOR), frame) @ _dc_solver(frame, spec.shape[1]).T
    spec[:, :, 0] = dc
    audio = istft(spec, frame, floor)
    if length is not None:
        audio = audio[:, :length]
        audio = np.pad(audio, [(0, 0), (0, length - audio.shape[1])])
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


# --- networks ---------------------------------------------------------------------------------

def default_levels(frames: int, bins: int) -> int:
    """How many x2 steps between the base grid and the image: the most (up to MAX_UP) that
    divide both sides, so 256 x 512 starts at 4 x 8 and 128 x 1024 at the paper's 2 x 16."""
    n = 0
    while n < MAX_UP and frames % 2 ** (n + 1) == 0 and bins % 2 ** (n + 1) == 0:
        n += 1
    return n


def widths(d: int, n: int) -> list[int]:
    """Channels at resolution levels 0 (base grid) .. n (full image)."""
    return [min(4 * d, max(4, d * 2 ** (n - b) // 2)) for b in range(n + 1)]


def build_generator(d: int = 64, latent_dim: int = 256, frames: int = 256, bins: int = 512,
                    n_up: int | None = None, progressive: bool = False):
    """z (batch, latent_dim) -> image (batch, frames, bins, 2) in [-1, 1], float32.
    ``progressive``: a "to image" convolution per level, faded in by the level of detail
    (models/gan/progressive.py); at full detail the same output as without."""
    import keras
    from keras import layers

    from models.gan.pg_layers import EqualizedConv2D, EqualizedDense, PixelNorm
    from models.gan.progressive import Fade

    n = default_levels(frames, bins) if n_up is None else n_up
    ch = widths(d, n)
    h, w = frames // 2 ** n, bins // 2 ** n
    if (h * 2 ** n, w * 2 ** n) != (frames, bins):
        raise ValueError(f"{frames} x {bins} is not divisible by 2^{n}")

    def act(x):
        return PixelNorm()(layers.LeakyReLU(0.2)(x))

    z = keras.Input((latent_dim,), name="z")
    x = EqualizedDense(h * w * ch[0], name="project")(PixelNorm(name="normalise_z")(z))
    x = act(layers.Reshape((h, w, ch[0]))(x))
    x = act(EqualizedConv2D(ch[0], 3, name="conv_0")(x))
    to_image = lambda b: EqualizedConv2D(2, 1, gain=1.0,  # noqa: E731
                                         name="to_image" if b == n else f"to_image_{b}")
    image = to_image(0)(x) if progressive else None
    for b in range(1, n + 1):
        x = layers.UpSampling2D(2, interpolation="nearest")(x)
        x = act(EqualizedConv2D(ch[b], 3, name=f"conv_{b}a")(x))
        x = act(EqualizedConv2D(ch[b], 3, name=f"conv_{b}b")(x))
        if progressive:
            low = layers.UpSampling2D(2, interpolation="nearest")(image)
            image = Fade(n, b, name=f"fade_{b}")([low, to_image(b)(x)])
    x = image if progressive else to_image(n)(x)
    out = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(z, out, name="gansynth_generator")


def build_critic(d: int = 64, frames: int = 256, bins: int = 512, n_down: int | None = None,
                 group_size: int | None = None, progressive: bool = False):
    """image (batch, frames, bins, 2) -> score (batch, 1), float32. ``progressive``: the
    input reduced to the level of detail, a "from image" convolution per level, new blocks
    faded in (models/gan/progressive.py); at full detail the same score as without."""
    import keras
    from keras import layers

    from models.gan.pg_layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev
    from models.gan.progressive import Fade, LevelOfDetail

    n = default_levels(frames, bins) if n_down is None else n_down
    ch = widths(d, n)
    lrelu = lambda: layers.LeakyReLU(0.2)  # noqa: E731
    x_in = keras.Input((frames, bins, 2), name="image")
    image = LevelOfDetail(n, name="level_of_detail")(x_in) if progressive else x_in
    x = lrelu()(EqualizedConv2D(ch[n], 1, name="from_image")(image))
    for b in range(n, 0, -1):
        x = lrelu()(EqualizedConv2D(ch[b], 3, name=f"conv_{b}a")(x))
        x = lrelu()(EqualizedConv2D(ch[b - 1], 3, name=f"conv_{b}b")(x))
        x = layers.AveragePooling2D(2)(x)
        if progressive:
            image = layers.AveragePooling2D(2)(image)
            new = lrelu()(EqualizedConv2D(ch[b - 1], 1, name=f"from_image_{b - 1}")(image))
            x = Fade(n, b, name=f"fade_{b}")([new, x])
    x = MinibatchStdDev(group_size, name="minibatch_std")(x)
    x = lrelu()(EqualizedConv2D(ch[0], 3, name="conv_0")(x))
    x = lrelu()(EqualizedDense(ch[0], name="dense")(layers.Flatten()(x)))
    out = EqualizedDense(1, gain=1.0, name="score", dtype="float32")(x)
    return keras.Model(x_in, out, name="gansynth_critic")


def parameter_counts(d: int = 64, latent_dim: int = 256, frames: int = 256, bins: int = 512,
                     n: int | None = None) -> tuple[int, int]:
    """(generator, critic) parameters from the layer lists above."""
    n = default_levels(frames, bins) if n is None else n
    ch = widths(d, n)
    grid = (frames // 2 ** n) * (bins // 2 ** n)
    conv = lambda k, a, b: k * k * a * b + b  # noqa: E731
    g = latent_dim * grid * ch[0] + grid * ch[0] + conv(3, ch[0], ch[0]) + conv(1, ch[n], 2)
    g += sum(conv(3, ch[b - 1], ch[b]) + conv(3, ch[b], ch[b]) for b in range(1, n + 1))
    c = conv(1, 2, ch[n]) + conv(3, ch[0] + 1, ch[0]) + grid * ch[0] * ch[0] + ch[0] + ch[0] + 1
    c += sum(conv(3, ch[b], ch[b]) + conv(3, ch[b], ch[b - 1]) for b in range(1, n + 1))
    return g, c
