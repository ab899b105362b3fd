"""Musicality descriptors of a clip, read from its audio, and how far a model's are from Bach's.

Per clip (``clip_descriptors``):
- ``pc_entropy``: entropy in bits of the pitch-class distribution (chroma); 3.585 = all twelve
  equally loud (noise), tonal music lower.
- ``key_clarity``: the best Pearson correlation of the pitch-class distribution with the 24
  rotated Krumhansl-Kessler key profiles; ``key_margin`` how far the best key leads the second;
  ``key`` its index (0-11 major on C..B, 12-23 minor).
- ``onset_rate``: detected note onsets per second (librosa's spectral-flux onset detector).
- ``flatness``: median spectral flatness (0 = tones, 1 = white noise).
- ``silence``: share of frames quieter than -60 dBFS, measured on each frame's AC energy (its
  mean removed), so a clip stuck at a constant level (DC, which no one hears) is silent.

Per model (``compare``): each descriptor's mean with a 95% bootstrap interval (every clip
counts: a clip without notes has note rate 0, not a missing value), and the
Kolmogorov-Smirnov distance between the model's and the held-out clips' distributions of it (the
largest gap between the two cumulative distributions: 0 the same, 1 disjoint; scale-free, so a
descriptor that barely varies in Bach, like flatness, cannot dominate the average); the
pitch-class histogram distance is
the total variation between the two sets' average pitch-class distributions (0 to 1).
"""
from __future__ import annotations

import numpy as np
import scipy.stats

from models.audio import SAMPLE_RATE

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
DESCRIPTORS = {  # name: label with units (no direction: each is compared with held-out Bach)
    "pc_entropy": "pitch-class entropy (bits)",
    "key_clarity": "key clarity (r)",
    "onset_rate": "onsets per second",
    "flatness": "spectral flatness",
    "silence": "silence ratio",
}
SILENCE_DB = -60.0


def key_profiles() -> np.ndarray:
    """(24, 12): the major profile on each tonic C..B, then the minor ones."""
    return np.stack([np.roll(KK_MAJOR, k) for k in range(12)]
                    + [np.roll(KK_MINOR, k) for k in range(12)])


def key_name(index: int) -> str:
    return f"{PITCH_NAMES[index % 12]} {'major' if index < 12 else 'minor'}"


def key_correlations(profile: np.ndarray) -> np.ndarray:
    """(12,) pitch-class distribution -> (24,) Pearson r with every key; 0 for a flat profile."""
    p = np.asarray(profile, float)
    if np.ptp(p) < 1e-12:
        return np.zeros(24)
    keys = key_profiles()
    pc = (p - p.mean()) / p.std()
    kc = (keys - keys.mean(1, keepdims=True)) / keys.std(1, keepdims=True)
    return kc @ pc / 12.0


def key_of(profile: np.ndarray) -> tuple[int, float, float]:
    """Best key index, its correlation (clarity) and its lead over the second-best key."""
    r = key_correlations(profile)
    order = np.argsort(r)[::-1]
    return int(order[0]), float(r[order[0]]), float(r[order[0]] - r[order[1]])


def entropy_bits(p: np.ndarray) -> float:
    p = np.asarray(p, float)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log2(p)).sum())


def onset_times(y: np.ndarray, hop: int, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Onset times (s): peaks of librosa's spectral-flux envelope standing out from its median.

    Peaks are picked with scipy rather than librosa's numba peak picker (which crashed here):
    a peak counts where the envelope, scaled to a maximum of 1, exceeds its median by 0.07 (as
    librosa's default delta), at least 50 ms from the previous one."""
    import librosa
    import scipy.signal

    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    if env.max() <= 1e-9:
        return np.zeros(0)
    env = env / env.max()
    peaks, _ = scipy.signal.find_peaks(env, height=np.median(env) + 0.07,
                                       distance=max(1, int(0.05 * sr / hop)))
    return peaks * hop / sr


def clip_descriptors(clip: np.ndarray, profile: np.ndarray, hop: int = 256,
                     sr: int = SAMPLE_RATE) -> dict:
    """The descriptors of one clip, given its pitch-class distribution (see embeddings)."""
    import librosa

    y = np.asarray(clip, np.float32)
    key, clarity, margin = key_of(profile)
    frames = librosa.util.frame(y, frame_length=4 * hop, hop_length=hop)
    rms = np.sqrt(np.mean((frames - frames.mean(0, keepdims=True)) ** 2, axis=0))
    flat = librosa.feature.spectral_flatness(y=y, n_fft=4 * hop, hop_length=hop, center=False)[0]
    onsets = onset_times(y, hop // 2, sr)
    loud = 20 * np.log10(np.maximum(rms, 1e-10)) >= SILENCE_DB
    return {"pc_entropy": entropy_bits(profile), "key_clarity": clarity, "key_margin": margin,
            "key": key, "onset_rate": len(onsets) / (len(y) / sr),
            "flatness": float(np.median(flat[loud])) if loud.any() else 0.0,
            "silence": float(1.0 - loud.mean())}


def set_descriptors(clips, profiles, hop: int = 256, sr: int = SAMPLE_RATE) -> dict:
    """{descriptor: (clips,) array} for a set of clips."""
    rows = [clip_descriptors(c, p, hop, sr) for c, p in zip(clips, profiles)]
    return {k: np.array([r[k] for r in rows], float) for k in rows[0]}


def mean_interval(x: np.ndarray, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of per-clip values with a percentile bootstrap interval (1000 resamples)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    if len(x) < 2 or np.ptp(x) == 0:
        return float(x.mean()), float(x.mean()), float(x.mean())
    res = scipy.stats.bootstrap((x,), np.mean, n_resamples=1000, confidence_level=level,
                                method="percentile", random_state=seed)
    return float(x.mean()), float(res.confidence_interval.low), float(res.confidence_interval.high)


def ks_distance(gen: np.ndarray, ref: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between two samples of a descriptor (0 to 1)."""
    gen, ref = np.asarray(gen, float), np.asarray(ref, float)
    gen, ref = gen[np.isfinite(gen)], ref[np.isfinite(ref)]
    if len(gen) == 0 or len(ref) == 0:
        return float("nan")
    return float(scipy.stats.ks_2samp(gen, ref).statistic)


def pc_histogram_distance(gen_profiles: np.ndarray, ref_profiles: np.ndarray) -> float:
    """Total variation between the sets' average pitch-class distributions (0 = equal)."""
    g, r = np.mean(gen_profiles, 0), np.mean(ref_profiles, 0)
    return float(0.5 * np.abs(g / g.sum() - r / r.sum()).sum())


def compare(gen: dict, ref: dict, names=tuple(DESCRIPTORS), seed: int = 0) -> dict:
    """Per descriptor: model mean, its interval, held-out mean, distance; plus their average."""
    out = {}
    for name in names:
        mean, lo, hi = mean_interval(gen[name], seed)
        out[name] = {"mean": mean, "ci_low": lo, "ci_high": hi,
                     "reference": float(np.nanmean(ref[name])),
                     "distance": ks_distance(gen[name], ref[name])}
    out["mean_distance"] = float(np.nanmean([out[n]["distance"] for n in names]))
    return out
