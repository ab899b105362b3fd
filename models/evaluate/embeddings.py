"""What a clip becomes before it is measured: frame- and clip-level embeddings.

Every metric names the embedding it used (``EMBEDDINGS``):

- ``logmel``: 64-band natural-log mel frames (as WaveGAN's checks, floored at 1e-6), kept per
  frame for the Fréchet distance (a 64-d Gaussian is well estimated from thousands of frames).
  For everything that needs one point per clip (kernel distance, NDB bins, nearest neighbours)
  each clip is summarised as the mean and standard deviation of each band (128-d) of its
  log-mel power floored *relative to the clip*: 30 dB below its mean band power
  (``CLIP_FLOOR_DB``). With the fixed 1e-6 floor the near-silent high bands dominated the
  distances, so faint hiss on a copied training clip moved it further from its original than
  an unseen piece is (measured on the quick preset: C_T +10 for train + 30 dB SNR noise, -6 with
  the relative floor). Mean and spread over time make the clip embedding blind to where in the
  clip a passage starts, so a copy of a training passage shifted by a few frames still lands
  next to it.
- ``chroma``: the 12 pitch classes of a constant-Q chromagram, per frame; per clip the average
  profile normalised to sum 1 (a pitch-class distribution).
- ``musicnn``: the penultimate layer of a music-tagging CNN whose weights ship in its wheel
  (``models/evaluate/pretrained.py``), one vector per clip.
"""
from __future__ import annotations

import numpy as np

from models.audio import SAMPLE_RATE

EPS = 1e-6
CHROMA_BINS = 36  # librosa's chroma_cqt default: 3 bins per semitone
CLIP_FLOOR_DB = 30.0  # the clip embedding's log floor, below the clip's mean mel band power
EMBEDDINGS = {
    "logmel": "log-mel frames ({n_mels} bands, FFT {n_fft}, hop {hop}); per clip mean and "
              "standard deviation of each band, floored 30 dB below the clip's mean power",
    "chroma": "constant-Q chroma (12 pitch classes, hop {hop}); per clip the mean profile",
    "musicnn": "musicnn MTT penultimate layer (pretrained tagger shipped in its wheel)",
}


def describe(name: str, ev: dict) -> str:
    return EMBEDDINGS[name].format(**ev)


def mel_power(clip: np.ndarray, n_mels=64, n_fft=1024, hop=256, sr=SAMPLE_RATE) -> np.ndarray:
    """(samples,) -> (frames, n_mels) mel power."""
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(clip, np.float32), sr=sr, n_fft=n_fft,
                                         hop_length=hop, n_mels=n_mels, center=False)
    return mel.T.astype(np.float64)


def logmel_frames(clip: np.ndarray, n_mels=64, n_fft=1024, hop=256, sr=SAMPLE_RATE) -> np.ndarray:
    """(samples,) -> (frames, n_mels) natural-log mel power, floored at 1e-6 (as WaveGAN's)."""
    return np.log(mel_power(clip, n_mels, n_fft, hop, sr) + EPS)


def clip_embedding(power: np.ndarray) -> np.ndarray:
    """(frames, n_mels) mel power -> (2 n_mels,) mean and spread of each band's log power,
    floored ``CLIP_FLOOR_DB`` below the clip's mean band power (1e-10 for a silent clip)."""
    floor = max(float(power.mean()) * 10 ** (-CLIP_FLOOR_DB / 10), 1e-10)
    return mean_std([np.log(power + floor)])[0]


def chroma_frames(clip: np.ndarray, hop=256, sr=SAMPLE_RATE) -> np.ndarray:
    """(samples,) -> (frames, 12) constant-Q chroma, each frame scaled to a maximum of 1.

    A silent frame has no pitch: it is all zeros rather than librosa's normalised noise."""
    return chroma_set(np.asarray(clip)[None], hop, sr)[0]


def chroma_set(clips: np.ndarray, hop=256, sr=SAMPLE_RATE) -> list[np.ndarray]:
    """(n, samples) -> n (frames, 12) chromagrams, as ``chroma_frames`` makes each.

    Each clip keeps its own tuning estimate (librosa's, as chroma_cqt makes it); the clips
    that share one are transformed together, so the constant-Q filters, most of the cost, are
    built once per tuning rather than once per clip (64 windows: 1.8 s -> 0.7-1.3 s on one Xeon
    core, 2026-12-01; the chroma agree with clip-by-clip ones to float32 round-off, 5e-7)."""
    import warnings

    import librosa

    y = np.asarray(clips, np.float32)
    hop = 2 ** int(np.log2(hop))  # the CQT needs a hop divisible by 2 per octave it spans
    out: list = [None] * len(y)
    with warnings.catch_warnings():  # the top octaves' short frames; tuning of a silent clip
        warnings.simplefilter("ignore", UserWarning)
        tuning = np.array([librosa.estimate_tuning(y=c, sr=sr, bins_per_octave=CHROMA_BINS)
                           for c in y])
        for t in np.unique(tuning):
            rows = np.flatnonzero(tuning == t)
            chroma = librosa.feature.chroma_cqt(y=y[rows], sr=sr, hop_length=hop, norm=None,
                                                n_chroma=12, bins_per_octave=CHROMA_BINS,
                                                tuning=float(t))
            for i, c in zip(rows, chroma):
                out[i] = c
    return [_scaled(c) for c in out]


def _scaled(chroma: np.ndarray) -> np.ndarray:
    """(12, frames) -> (frames, 12), each frame scaled to a maximum of 1, silent frames 0."""
    peak = chroma.max(axis=0, keepdims=True)
    return np.where(peak > 1e-3 * max(float(peak.max()), EPS), chroma / np.maximum(peak, EPS),
                    0.0).T.astype(np.float64)


def frame_stats(frames: list[np.ndarray]) -> dict:
    """Per-clip sufficient statistics of frames: counts (c,), sums (c, d), outer sums (c, d, d)."""
    return {"count": np.array([len(f) for f in frames], float),
            "sum": np.stack([f.sum(0) for f in frames]),
            "outer": np.stack([f.T @ f for f in frames])}


def mean_std(frames: list[np.ndarray]) -> np.ndarray:
    """(clips,) of (frames, d) -> (clips, 2d): per clip mean and standard deviation of each dim."""
    return np.stack([np.concatenate([f.mean(0), f.std(0)]) for f in frames])


def pitch_class_profile(frames: list[np.ndarray]) -> np.ndarray:
    """(clips,) of (frames, 12) chroma -> (clips, 12) distributions (uniform when silent)."""
    prof = np.stack([f.sum(0) for f in frames])
    total = prof.sum(1, keepdims=True)
    return np.where(total > 0, prof / np.maximum(total, EPS), 1.0 / 12)


def standardise(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Scale each dimension of ``x`` by the mean and spread of ``ref`` (constant dims kept)."""
    mu, sd = ref.mean(0), ref.std(0)
    return (x - mu) / np.where(sd > 1e-9, sd, 1.0)


def whiten_scalar(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Centre on ``ref``'s mean and divide by one number, its root-mean-square spread: unlike
    per-dimension scaling, a dimension that barely varies in ``ref`` cannot blow up."""
    scale = np.sqrt(ref.var(0).mean())
    return (x - ref.mean(0)) / (scale if scale > 1e-12 else 1.0)
