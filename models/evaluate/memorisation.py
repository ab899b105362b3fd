"""Does a model copy its training data, and does it collapse onto a few sounds?

Everything here works on per-clip log-mel embeddings (band means and spreads of log power floored
relative to the clip, see ``models/evaluate/embeddings.py``), centred on the training clips and
divided by their overall spread (one number, so a band that barely varies cannot dominate), with
Euclidean distances. Faint noise on a copy, or a copy shifted by 10 ms, stays a copy there.

- Data-copying test C_T (Meehan, Chaudhuri & Dasgupta, AISTATS 2020): the training clips are
  partitioned into k-means cells; every generated and every held-out clip gets its distance to
  the nearest training clip; per cell a Mann-Whitney U z-score compares the generated distances
  with the held-out ones; C_T is their average weighted by each cell's share of held-out clips,
  over cells holding at least ``min_cell`` generated clips. C_T well below 0: generated clips sit
  closer to the training data than unseen real music does (copying); about 0: as close as real
  music; well above 0: further away (the model has not reached the data). C_T is a test, not a
  score: it saturates once a set is far from the data, and it rests on the cells that hold
  enough generated clips (``cells_used``), so the report shows its verdict and cells, never a
  ranking.
- Copy rate: the share of generated clips nearer to a training clip than 95% of held-out clips
  are (the seed's LSTM question, "did it just play the training data back?"); unseen real music
  scores about 0.05 by construction. Not "nearer than every held-out clip": the corpus holds a
  few near-duplicate pieces (the same chorale harmonisation under two numbers), so the closest
  held-out clip can sit almost on a training clip. NN ratio: median
  generated-to-train distance over the held-out one.
- Diversity: mean pairwise distance within the generated clips over the same within the
  held-out clips (1 = as varied as real music; well below 1 = mode collapse), and WaveGAN's
  |D|_self, the mean distance to the nearest other generated clip, as the same ratio.
"""
from __future__ import annotations

import numpy as np
import scipy.stats

from models.evaluate.metrics import fit_bins, sq_dists

VERDICTS = ("copying", "no copying", "far from the data", "too few clips")


def nearest_distance(x: np.ndarray, train: np.ndarray, chunk: int = 256) -> np.ndarray:
    """(n,) Euclidean distance from each row of ``x`` to its nearest row of ``train``."""
    out = [np.sqrt(sq_dists(x[i:i + chunk], train).min(1)) for i in range(0, len(x), chunk)]
    return np.concatenate(out) if out else np.zeros(0)


def cell_of(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return sq_dists(x, centres).argmin(1)


def u_zscore(gen_d: np.ndarray, held_d: np.ndarray) -> float:
    """Mann-Whitney z-score: negative when generated distances are the smaller ones."""
    m, n = len(gen_d), len(held_d)
    u = scipy.stats.mannwhitneyu(gen_d, held_d, alternative="two-sided").statistic
    return float((u - m * n / 2) / np.sqrt(m * n * (m + n + 1) / 12))


def copying_test(gen: np.ndarray, held: np.ndarray, train: np.ndarray, cells: int = 5,
                 min_cell: int = 20, threshold: float = 3.0, seed: int = 0,
                 centres: np.ndarray | None = None) -> dict:
    """C_T, its per-cell z-scores, copy rate, NN ratio and a verdict for one generated set
    (``centres``: the training set's ``cells`` k-means centres, when already fitted)."""
    if centres is None:
        centres = fit_bins(train, cells, seed)
    gen_d, held_d = nearest_distance(gen, train), nearest_distance(held, train)
    gen_c, held_c = cell_of(gen, centres), cell_of(held, centres)
    zs, weights = [], []
    for j in range(len(centres)):
        g, h = gen_d[gen_c == j], held_d[held_c == j]
        if len(g) >= min_cell and len(h) >= 1:
            zs.append(u_zscore(g, h))
            weights.append(len(h) / len(held))
    ct = float(np.average(zs, weights=weights)) if zs else float("nan")
    if not zs:
        verdict = "too few clips"
    elif ct < -threshold:
        verdict = "copying"
    elif ct > threshold:
        verdict = "far from the data"
    else:
        verdict = "no copying"
    return {"c_t": ct, "verdict": verdict, "cells_used": len(zs), "cells": len(centres),
            "copy_rate": float(np.mean(gen_d < np.percentile(held_d, 5))),
            "nn_ratio": float(np.median(gen_d) / max(np.median(held_d), 1e-12)),
            "gen_nn": gen_d, "held_nn": held_d}


def mean_pairwise(x: np.ndarray) -> float:
    d = np.sqrt(sq_dists(x, x))
    return float(d[np.triu_indices(len(x), 1)].mean())


def mean_self_nn(x: np.ndarray) -> float:
    d = np.sqrt(sq_dists(x, x))
    np.fill_diagonal(d, np.inf)
    return float(d.min(1).mean())


def diversity(gen: np.ndarray, held: np.ndarray, seed: int = 0) -> dict:
    """Spread of the generated clips relative to the held-out clips' (1 = as varied). The
    nearest-neighbour distance shrinks as a set grows, so |D|_self of the held-out clips is
    taken on a seeded subset of the generated set's size."""
    rng = np.random.default_rng(seed)
    sub = held[rng.choice(len(held), min(len(gen), len(held)), replace=False)]
    return {"diversity": mean_pairwise(gen) / max(mean_pairwise(held), 1e-12),
            "self_nn": mean_self_nn(gen) / max(mean_self_nn(sub), 1e-12)}
