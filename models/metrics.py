"""The metric of the spine: Frechet distance of log-mel frames, with a bootstrap interval.

Each clip becomes log-mel frames, shape (frames, n_mels); a set of clips is summarised by the
mean and covariance of all its frames. Per-frame statistics keep the Gaussian well estimated
with a few dozen clips (a 64-d covariance from thousands of frames), where one embedding per
clip would not be (see shared/reference/metrics.md). The interval resamples whole clips, with
replacement, in both sets: frames of one clip are not independent, clips are. A resampled set
repeats clips, which by itself raises FD, so the percentile interval of the draws is re-centred
on the estimate (shifted by the draws' mean minus the estimate, stored as ``bootstrap_shift``):
the interval shows the estimate's spread, not the resampling's bias.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from models.audio import SAMPLE_RATE

EPS = 1e-6


def logmel_frames(clip: np.ndarray, n_mels=64, n_fft=1024, hop=256, sr=SAMPLE_RATE) -> np.ndarray:
    """(samples,) -> (frames, n_mels) natural-log mel power, floored at 1e-6 (as WaveGAN's)."""
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(clip, np.float32), sr=sr, n_fft=n_fft,
                                         hop_length=hop, n_mels=n_mels, center=False)
    return np.log(mel + EPS).T.astype(np.float64)


def clip_stats(clips, **mel) -> dict:
    """Per-clip sufficient statistics: frame counts (c,), sums (c, d), outer sums (c, d, d)."""
    frames = [logmel_frames(c, **mel) for c in clips]
    return {"count": np.array([len(f) for f in frames], float),
            "sum": np.stack([f.sum(0) for f in frames]),
            "outer": np.stack([f.T @ f for f in frames])}


def gaussian(stats: dict, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of all frames, clips weighted by ``weights`` (counts)."""
    w = np.ones(len(stats["count"])) if weights is None else np.asarray(weights, float)
    n = w @ stats["count"]
    mu = (w @ stats["sum"]) / n
    second = np.tensordot(w, stats["outer"], axes=1) / n
    cov = (second - np.outer(mu, mu)) * n / max(n - 1, 1)
    return mu, cov


def frechet(mu1, cov1, mu2, cov2) -> float:
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), with scipy's stable square root."""
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(cov1 @ cov2)
    if not np.all(np.isfinite(covmean)):  # near-singular product: regularise as in FID code
        offset = np.eye(len(mu1)) * 1e-6
        covmean = scipy.linalg.sqrtm((cov1 + offset) @ (cov2 + offset))
    covmean = np.real(covmean)
    return float(max(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(covmean), 0.0))


def fd_from_stats(a: dict, b: dict, wa=None, wb=None) -> float:
    return frechet(*gaussian(a, wa), *gaussian(b, wb))


def fd_with_interval(gen: dict, ref: dict, rounds: int = 200, seed: int = 0,
                     level: float = 0.95) -> dict:
    """FD of two sets of clip statistics and its percentile bootstrap interval."""
    rng = np.random.default_rng(seed)
    ng, nr = len(gen["count"]), len(ref["count"])
    draws = []
    for _ in range(rounds):
        wg = np.bincount(rng.integers(0, ng, ng), minlength=ng)
        wr = np.bincount(rng.integers(0, nr, nr), minlength=nr)
        draws.append(fd_from_stats(gen, ref, wg, wr))
    fd = fd_from_stats(gen, ref)
    lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)])
    shift = float(np.mean(draws)) - fd  # resampling duplicates clips, which inflates FD
    return {"fd": fd, "ci_low": max(float(lo) - shift, 0.0), "ci_high": float(hi) - shift,
            "ci_level": level, "bootstrap_rounds": rounds, "bootstrap_shift": shift}


def evaluate(gen_clips, ref_stats: dict, cfg: dict) -> dict:
    """The metric row of one model: FD against the reference, interval, sizes, embedding."""
    ev = cfg["eval"]
    mel = {"n_mels": ev["n_mels"], "n_fft": ev["n_fft"], "hop": ev["hop"]}
    gen = clip_stats(gen_clips, **mel)
    row = fd_with_interval(gen, ref_stats, rounds=ev["bootstrap"], seed=ev["seed"])
    row.update(n_clips=len(gen["count"]), n_reference=len(ref_stats["count"]),
               frames=int(gen["count"].sum()),
               embedding=f"log-mel frames ({ev['n_mels']} bands, FFT {ev['n_fft']}, hop {ev['hop']})")
    return row
