"""Musicality: the notes transcribed from a set of clips against held-out Bach's, as MGEval does.

Yang & Lerch (2018), "On the evaluation of generative models in music", compare two sets of
symbolic music feature by feature without assuming what good values are: for each feature,
the *intra-set* distances (between every two pieces of the target set, here the held-out
reference clips) and the *inter-set* distances (between every generated clip and every reference
clip) are two distributions; if the generated set is like the target, they coincide. Their
overlap area (OA, 0 to 1: 1 = the same) and the Kullback-Leibler divergence KL(intra || inter)
say how far apart they are. The headline musicality number is the mean OA over the features.

Per clip (``note_features``), from basic-pitch's notes [onset_s, offset_s, midi_pitch]:

- ``pc_hist``: pitch-class histogram (12, share of notes);
- ``pc_transition``: pitch-class transition matrix (144, share of successive note pairs, notes
  ordered by onset then pitch);
- ``pitch_range``: highest minus lowest pitch (semitones);
- ``interval_hist``: absolute intervals between successive notes, 0 to 12+ semitones (13);
- ``ioi_hist``: inter-onset intervals between distinct onsets, in ``TIME_EDGES`` bins (6);
- ``note_count``: notes in the clip (every clip has the same length);
- ``note_length_hist``: note durations in ``TIME_EDGES`` bins (6).

A clip without notes has all-zero histograms, range 0 and count 0: it counts as a clip with no
notes (never NaN, never dropped), so a model that rarely sounds a note is far from Bach.

Distances are Euclidean per feature. Each distribution is smoothed with a Gaussian kernel
(Scott's bandwidth) on a shared grid; the interval is a percentile bootstrap over clips of
both sets (pairs of a clip with its own copy are left out of the intra-set distances),
re-centred on the estimate as the FD's is (a resampled set repeats clips, which by itself
lowers OA by about 0.02).
MGEval's own code is not on PyPI; this follows its paper and is tested on known answers.
"""
from __future__ import annotations

import numpy as np

from models.evaluate.metrics import sq_dists

TIME_EDGES = (0.0, 0.09, 0.18, 0.35, 0.7, 1.4, np.inf)  # s: ~32nd..whole notes at ~85 bpm
FEATURES = {  # name: dimension
    "pc_hist": 12, "pc_transition": 144, "pitch_range": 1, "interval_hist": 13,
    "ioi_hist": len(TIME_EDGES) - 1, "note_count": 1, "note_length_hist": len(TIME_EDGES) - 1,
}
GRID = 512  # points of the grid the two densities are compared on


def _share(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts, float)


def note_features(notes: np.ndarray) -> dict[str, np.ndarray]:
    """{feature: (dim,) float array} of one clip's notes, (k, 3) [onset, offset, pitch]."""
    notes = np.asarray(notes, float).reshape(-1, 3)
    notes = notes[np.lexsort((notes[:, 2], notes[:, 0]))]
    pitch = np.round(notes[:, 2]).astype(int)
    pc = pitch % 12
    trans = np.zeros((12, 12))
    np.add.at(trans, (pc[:-1], pc[1:]), 1)
    steps = np.minimum(np.abs(np.diff(pitch)), 12)
    onsets = np.unique(np.round(notes[:, 0], 3))
    return {
        "pc_hist": _share(np.bincount(pc, minlength=12).astype(float)),
        "pc_transition": _share(trans.ravel()),
        "pitch_range": np.array([float(np.ptp(pitch)) if len(pitch) else 0.0]),
        "interval_hist": _share(np.bincount(steps, minlength=13).astype(float)),
        "ioi_hist": _share(np.histogram(np.diff(onsets), TIME_EDGES)[0].astype(float)),
        "note_count": np.array([float(len(notes))]),
        "note_length_hist": _share(np.histogram(notes[:, 1] - notes[:, 0],
                                                TIME_EDGES)[0].astype(float)),
    }


def set_features(note_lists) -> dict[str, np.ndarray]:
    """{feature: (clips, dim)} for a set of clips' notes."""
    rows = [note_features(n) for n in note_lists]
    return {k: np.stack([r[k] for r in rows]) if rows else np.zeros((0, d))
            for k, d in FEATURES.items()}


def _density(d: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian kernel density of ``d`` on ``grid`` (binned, then smoothed), integrating to 1.
    Scott's bandwidth, at least two grid steps, so a sample of equal values is a narrow bump."""
    step = grid[1] - grid[0]
    h = max(1.06 * d.std() * len(d) ** -0.2, 2 * step)
    hist = np.histogram(d, bins=len(grid), range=(grid[0] - step / 2, grid[-1] + step / 2))[0]
    half = int(np.ceil(4 * h / step))
    x = np.arange(-half, half + 1) * step
    full = np.convolve(hist.astype(float), np.exp(-0.5 * (x / h) ** 2))  # any kernel width
    p = full[half:half + len(grid)]
    return p / (p.sum() * step)


def overlap_kl(intra: np.ndarray, inter: np.ndarray) -> tuple[float, float]:
    """Overlap area and KL(intra || inter) of two samples of distances."""
    lo, hi = min(intra.min(), inter.min()), max(intra.max(), inter.max())
    pad = max(hi - lo, 1e-6) * 0.1
    grid = np.linspace(lo - pad, hi + pad, GRID)
    step = grid[1] - grid[0]
    p, q = _density(intra, grid), _density(inter, grid)
    oa = float(np.minimum(p, q).sum() * step)
    eps = 1e-12
    kl = float((p * np.log((p + eps) / (q + eps))).sum() * step)
    return min(oa, 1.0), max(kl, 0.0)


def _pairs(ref_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a < b) of a resampled reference set, leaving out a clip with its copy."""
    a, b = np.triu_indices(len(ref_idx), 1)
    keep = ref_idx[a] != ref_idx[b]
    return ref_idx[a[keep]], ref_idx[b[keep]]


def _figures(d_rr: dict, d_gr: dict, g_idx: np.ndarray, r_idx: np.ndarray) -> dict:
    a, b = _pairs(r_idx)
    return {k: overlap_kl(d_rr[k][a, b], d_gr[k][np.ix_(g_idx, r_idx)].ravel())
            for k in FEATURES}


def compare(gen: dict, ref: dict, rounds: int = 200, seed: int = 0,
            level: float = 0.95) -> dict:
    """Per feature OA and KL; mean OA with a percentile bootstrap interval (clips resampled)."""
    if len(gen["note_count"]) < 1 or len(ref["note_count"]) < 3:
        raise ValueError("MGEval needs at least 1 generated and 3 reference clips")
    d_rr = {k: np.sqrt(sq_dists(ref[k], ref[k])) for k in FEATURES}
    d_gr = {k: np.sqrt(sq_dists(gen[k], ref[k])) for k in FEATURES}
    ng, nr = len(gen["note_count"]), len(ref["note_count"])
    full = _figures(d_rr, d_gr, np.arange(ng), np.arange(nr))
    rng = np.random.default_rng(seed)
    draws = [np.mean([oa for oa, _ in _figures(d_rr, d_gr, rng.integers(0, ng, ng),
                                              rng.integers(0, nr, nr)).values()])
             for _ in range(rounds)]
    oa = float(np.mean([oa for oa, _ in full.values()]))
    lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)])
    shift = float(np.mean(draws)) - oa  # resampled sets repeat clips, which lowers OA
    out = {"musicality": oa, "musicality_low": max(float(lo) - shift, 0.0),
           "musicality_high": min(float(hi) - shift, 1.0),
           "musicality_kl": float(np.mean([kl for _, kl in full.values()])),
           "no_note_share": float(np.mean(gen["note_count"][:, 0] == 0))}
    for k, (oa, kl) in full.items():
        out[f"mg_{k}_oa"], out[f"mg_{k}_kl"] = oa, kl
    return out
