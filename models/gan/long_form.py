"""Long-form audio from a GAN that makes fixed-length clips: a slow latent walk, clip by clip,
joined by overlap-add crossfades, and a measure of how audible the joins are.

The walk: random anchor latents, one every ``clips_per_anchor`` clips; each clip's latent lies
on the great circle between the two anchors around it (spherical interpolation, which keeps a
latent's norm where the generator was trained, unlike a straight line through the cube's
middle). Neighbouring clips therefore come from nearby latents and sound alike, and the piece
drifts slowly from one sound to the next.

The joins: consecutive clips overlap by ``crossfade`` of a clip; the earlier one fades out by
cos^2 while the later fades in by sin^2, which sum to 1, so a steady sound passes through a
join unchanged. The output has exactly the requested number of samples.

The seams (``seam_figures``): spectral flux (the positive change of the magnitude spectrum from
one frame to the next) in frames that overlap a crossfade, against frames inside the clips.
A ratio near 1 means a listener meets no more change at a join than inside a clip; much above 1
means audible seams.
"""
from __future__ import annotations

import math

import numpy as np

from models.audio import SAMPLE_RATE


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points at fractions ``t`` (k,) on the great circle from ``a`` to ``b``: (k, dim)."""
    t = np.asarray(t, float)[:, None]
    cos = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def walk(n_clips: int, latent_dim: int, seed: int, clips_per_anchor: int = 4,
         latent: str = "uniform") -> np.ndarray:
    """(n_clips, latent_dim) latents of a slow walk through random anchors drawn as the GAN's
    training latents are (``latent``: uniform in [-1, 1] or standard normal)."""
    n_anchors = math.ceil(n_clips / clips_per_anchor) + 1
    rng = np.random.default_rng([seed, 7])
    anchors = rng.standard_normal((n_anchors, latent_dim)) if latent == "normal" else \
        rng.uniform(-1, 1, (n_anchors, latent_dim))
    out = []
    for i in range(n_clips):
        k, r = divmod(i, clips_per_anchor)
        out.append(slerp(anchors[k], anchors[k + 1], [r / clips_per_anchor])[0])
    if latent == "normal":  # the great circle keeps a Gaussian latent's typical norm
        return np.stack(out)
    # The great circle bulges out of the cube the latents were drawn from (by up to ~40% at a
    # right angle); clip back to it rather than show the generator latents it never saw.
    return np.clip(np.stack(out), -1.0, 1.0)


def plan(total: int, clip: int, crossfade: float) -> tuple[int, int, int]:
    """(clips, overlap, hop) that cover ``total`` samples with clips of ``clip`` samples."""
    overlap = int(round(clip * crossfade))
    hop = clip - overlap
    n = max(1, math.ceil(max(total - overlap, 1) / hop))
    return n, overlap, hop


def overlap_add(clips: np.ndarray, overlap: int, total: int) -> np.ndarray:
    """Join (n, clip) clips with cos^2 / sin^2 crossfades of ``overlap`` samples; trim to total."""
    n, length = clips.shape
    hop = length - overlap
    out = np.zeros(hop * (n - 1) + length, np.float64)
    ramp = np.sin(0.5 * np.pi * (np.arange(overlap) + 0.5) / overlap) ** 2 if overlap else None
    for i, c in enumerate(np.asarray(clips, np.float64)):
        w = np.ones(length)
        if overlap and i > 0:
            w[:overlap] = ramp
        if overlap and i < n - 1:
            w[-overlap:] = ramp[::-1]
        out[i * hop:i * hop + length] += w * c
    if len(out) < total:
        raise ValueError(f"{n} clips of {length} cover {len(out)} samples, fewer than {total}")
    return out[:total].astype(np.float32)


def join_regions(n: int, clip: int, overlap: int, total: int) -> list[tuple[int, int]]:
    """Sample ranges [start, end) of the crossfades inside the first ``total`` samples."""
    hop = clip - overlap
    return [(i * hop, min(i * hop + overlap, total)) for i in range(1, n) if i * hop < total]


def spectral_flux(y: np.ndarray, frame: int = 1024, hop: int = 256) -> np.ndarray:
    """(frames - 1,) positive magnitude change between consecutive frames, per frame."""
    y = np.asarray(y, np.float64)
    starts = np.arange(0, len(y) - frame + 1, hop)
    frames = np.stack([y[s:s + frame] for s in starts]) * np.hanning(frame)
    mag = np.abs(np.fft.rfft(frames, axis=1))
    return np.maximum(np.diff(mag, axis=0), 0).sum(1)


def seam_figures(y: np.ndarray, joins: list[tuple[int, int]], frame: int = 1024,
                 hop: int = 256) -> dict:
    """Mean spectral flux in frames touching a crossfade over that of frames inside clips, and
    the largest sample-to-sample step at a join over the largest inside the clips."""
    flux = spectral_flux(y, frame, hop)
    lo = np.arange(len(flux)) * hop   # flux[i] compares frames i and i + 1: samples [lo, hi)
    hi = lo + hop + frame
    at_join = np.zeros(len(flux), bool)
    step_join = np.zeros(len(y) - 1, bool)
    for a, b in joins:
        at_join |= (hi > a) & (lo < b)
        step_join[max(a - 1, 0):b] = True   # steps y[j + 1] - y[j] that enter or cross it
    inside = flux[~at_join]
    steps = np.abs(np.diff(np.asarray(y, np.float64)))
    ratio = float(flux[at_join].mean() / max(inside.mean(), 1e-12)) if at_join.any() and \
        len(inside) else float("nan")
    return {"seam flux ratio": ratio,
            "seam step ratio": float(steps[step_join].max() / max(steps[~step_join].max(), 1e-12))
            if step_join.any() else float("nan"),
            "joins": len(joins)}


def long_form(render, latent_dim: int, clip: int, n: int, seed: int, seconds: float,
              crossfade: float = 0.25, clips_per_anchor: int = 4, sr: int = SAMPLE_RATE,
              latent: str = "uniform") -> tuple[np.ndarray, dict]:
    """``n`` pieces of ``seconds`` each: (n, samples) audio and the seam figures of all joins.

    ``render(z)`` maps (k, latent_dim) latents to (k, clip) audio."""
    total = int(round(seconds * sr))
    count, overlap, _ = plan(total, clip, crossfade)
    pieces, figures = [], []
    for p in range(n):
        z = walk(count, latent_dim, seed + p, clips_per_anchor, latent)
        clips = render(z.astype(np.float32))
        piece = overlap_add(np.asarray(clips)[:, :clip], overlap, total)
        pieces.append(piece)
        joins = join_regions(count, clip, overlap, total)
        if joins:
            figures.append(seam_figures(piece, joins))
    info = {"crossfade (s)": overlap / sr, "clips per piece": count}
    if figures:
        for key in ("seam flux ratio", "seam step ratio"):
            info[key] = float(np.nanmean([f[key] for f in figures]))
    return np.stack(pieces), info
