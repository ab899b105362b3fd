"""Harmony: which pitches sound together, measured on a window's notes, and a headline score.

Musicality (mgeval.py) averages seven note features, and the rhythm ones do not move when every
pitch is wrong, so it barely tells Bach from Bach's rhythm with random pitches. "Bach or Mock?"
(Fang et al. 2020) found what does: pitch content and harmony. Per window, from its notes
[onset s, offset s, midi pitch] (transcribed for audio; a note model's own notes for its
symbolic view), sampled on frames of ``FRAME_S`` (a 32nd at the corpus's tempo):

- ``dissonance``: among pairs of distinct pitches sounding in the same frame, the share whose
  interval class (semitones mod 12) is 1, 2, 6, 10 or 11 (seconds, tritone, sevenths);
- ``chord_fit``: among frames with a chord (three or more pitch classes sounding: almost any
  two fit some triad), the share whose pitch-class set lies within a major or minor triad or
  a dominant seventh;
- ``key_fit``: the best Pearson correlation of the duration-weighted pitch-class profile with
  the 24 Krumhansl-Kessler key profiles (Krumhansl-Schmuckler key finding); 0 for a profile
  that is the same for all twelve pitch classes;
- ``scale_fit``: muspy's scale consistency, the largest share of notes inside one major scale;
- ``texture``: among frames where anything sounds, the share with a chord. Bach's rhythm with
  random pitches keeps it, so it does not hear wrong notes; it hears what the other four
  cannot: a few in-key notes at a time, such as noise whose spectrum carries the corpus's
  commonest pitches, transcribed as a thin drone that is consonant, in key and in scale.

A window where fewer than two notes ever sound together has no ``dissonance`` (NaN: *no
harmony*), one without a chord has no ``chord_fit``, one with fewer than three pitch classes no
``key_fit`` or ``scale_fit`` (a tone or two fit some key and some scale perfectly: a transcribed
hum of one repeated pitch would score as Bach's scale), and one without notes none of the five.
Such windows are counted (``harmony_sparse``: the share of windows without harmony, two notes
never together) and never dropped: the score treats "no harmony" as a value of its own, which
Bach's windows almost never take.

The headline ``harmony`` is on musicality's scale: per feature, the overlap area (0 to 1) of the
distribution of the set's window values with held-out Bach's, where the defined values are a
Gaussian kernel density and "no harmony" a point mass; then the mean over the five features.
Both densities share one bandwidth, Scott's rule on held-out Bach's values floored at
``MIN_BANDWIDTH`` (the features are shares and correlations: 0.02 apart is the same harmony),
since two sets of near-equal, mostly discrete values (a window's share of 16 frames) smoothed
at their own bandwidths would overlap far less than they agree.
1 means the windows' harmony is distributed like held-out Bach's. Its interval is a percentile
bootstrap over the windows of both sets, re-centred on the estimate as musicality's is.
"""
from __future__ import annotations

import numpy as np


FRAME_S = 0.0625                     # s: a 32nd note at 120 quarters a minute
DISSONANT = (1, 2, 6, 10, 11)        # interval classes
MIN_BANDWIDTH = 0.02                 # feature units (shares, correlations): "the same"
MIN_CHORD = 3                        # pitch classes that make a chord (a dyad fits too easily)
FEATURES = ("dissonance", "chord_fit", "key_fit", "scale_fit", "texture")
LABELS = {"dissonance": "dissonance rate ↓", "chord_fit": "chord-template rate ↑",
          "key_fit": "key fit ↑", "scale_fit": "scale consistency ↑",
          "texture": "chord texture ↑"}
# Krumhansl-Kessler probe-tone profiles, C major and C minor, from C upward
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)


def _mask(pcs) -> int:
    return sum(1 << (p % 12) for p in pcs)


def _chord_masks() -> list[int]:
    """Every major and minor triad and dominant seventh, as 12-bit pitch-class masks."""
    shapes = ((0, 4, 7), (0, 3, 7), (0, 4, 7, 10))
    return [_mask(r + i for i in shape) for shape in shapes for r in range(12)]


FITS = np.array([any(m & ~c == 0 for c in _chord_masks()) for m in range(4096)])
KEYS = np.stack([np.roll(p, k) for p in (KK_MAJOR, KK_MINOR) for k in range(12)])  # (24, 12)
SCALES = np.stack([np.isin(np.arange(12), [(k + s) % 12 for s in MAJOR_SCALE])
                   for k in range(12)])  # (12, 12) bool: scale k holds pitch class j


def _frames(notes: np.ndarray, seconds: float) -> np.ndarray:
    """(frames, 128) bool: which MIDI pitches sound at each frame's centre."""
    t = (np.arange(max(int(round(seconds / FRAME_S)), 1)) + 0.5) * FRAME_S
    grid = np.zeros((len(t), 128), bool)
    for onset, offset, pitch in notes:
        grid[(t >= onset) & (t < offset), int(np.clip(round(pitch), 0, 127))] = True
    return grid


def window_features(notes, seconds: float) -> dict[str, float]:
    """The five features of one window's notes (k, 3) [onset, offset, pitch]; NaN where a
    feature has nothing to measure (see the module docstring)."""
    notes = np.asarray(notes, float).reshape(-1, 3)
    out = dict.fromkeys(FEATURES, np.nan)
    if not len(notes):
        return out
    grid = _frames(notes, seconds)
    pairs = dissonant = 0
    for d in range(1, 128):
        n = int(np.sum(grid[:, :-d] & grid[:, d:]))
        pairs += n
        dissonant += n if d % 12 in DISSONANT else 0
    if pairs:
        out["dissonance"] = dissonant / pairs
    pc = np.zeros((len(grid), 12), bool)
    for k in range(12):
        pc[:, k] = grid[:, k::12].any(axis=1)
    sounding = pc.sum(axis=1)
    if (sounding > 0).any():
        out["texture"] = float(np.mean(sounding[sounding > 0] >= MIN_CHORD))
    chords = pc[sounding >= MIN_CHORD]
    if len(chords):
        masks = chords.astype(int) @ (1 << np.arange(12))
        out["chord_fit"] = float(FITS[masks].mean())
    counts, profile = _profile(notes, seconds)
    if np.count_nonzero(counts) < MIN_CHORD:  # one or two pitch classes fit a key and a scale
        return out
    # every pitch class equally (a chromatic run) fits no key: 0
    flat = profile.std() <= 1e-9 * profile.mean()
    out["key_fit"] = 0.0 if flat else float(np.max(np.corrcoef(profile, KEYS)[0, 1:]))
    out["scale_fit"] = float((SCALES @ counts).max() / counts.sum())
    return out


def _profile(notes: np.ndarray, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(count of notes, seconds held) per pitch class; where nothing is held for any time, the
    counts stand for the seconds."""
    held = np.clip(notes[:, 1], 0, seconds) - np.clip(notes[:, 0], 0, seconds)
    classes = np.round(notes[:, 2]).astype(int) % 12
    counts = np.bincount(classes, minlength=12)
    profile = np.bincount(classes, weights=np.maximum(held, 0), minlength=12)
    return counts, (profile if profile.sum() > 0 else counts.astype(float))


def best_key(notes, seconds: float) -> tuple[int, str] | None:
    """The key whose Krumhansl-Kessler profile fits the notes best, as (tonic pitch class,
    "major" | "minor"), the key fit's own choice; None for fewer than three pitch classes or a
    profile that fits every key alike."""
    notes = np.asarray(notes, float).reshape(-1, 3)
    if not len(notes):
        return None
    counts, profile = _profile(notes, seconds)
    if np.count_nonzero(counts) < MIN_CHORD or profile.std() <= 1e-9 * profile.mean():
        return None
    k = int(np.argmax(np.corrcoef(profile, KEYS)[0, 1:]))
    return k % 12, ("major", "minor")[k // 12]


def set_features(note_lists, seconds: float) -> dict[str, np.ndarray]:
    """{feature: (windows,)} for a set of windows' notes, each window ``seconds`` long."""
    rows = [window_features(n, seconds) for n in note_lists]
    return {k: np.array([r[k] for r in rows], float) for k in FEATURES}


def density_overlap(gen: np.ndarray, ref: np.ndarray, points: int = 256) -> float:
    """Overlap area of two Gaussian kernel densities at ``ref``'s bandwidth (see the module
    docstring), on a grid that covers both samples."""
    h = max(1.06 * ref.std() * len(ref) ** -0.2, MIN_BANDWIDTH)
    grid = np.linspace(min(gen.min(), ref.min()) - 4 * h, max(gen.max(), ref.max()) + 4 * h,
                       points)

    def density(x):
        return np.exp(-0.5 * ((grid[:, None] - x[None, :]) / h) ** 2).mean(axis=1) / (
            h * np.sqrt(2 * np.pi))

    return float(min(np.minimum(density(gen), density(ref)).sum() * (grid[1] - grid[0]), 1.0))


def overlap(gen: np.ndarray, ref: np.ndarray) -> float:
    """Overlap area of two samples of one feature, NaN ("no harmony") a point mass of its own:
    the defined parts' density overlap weighted by the smaller defined share, plus the smaller
    undefined share."""
    dg, dr = np.isfinite(gen), np.isfinite(ref)
    share_g, share_r = dg.mean(), dr.mean()
    out = min(1 - share_g, 1 - share_r)
    if dg.sum() and dr.sum():
        out += min(share_g, share_r) * density_overlap(gen[dg], ref[dr])
    return float(min(out, 1.0))


def score(gen: dict, ref: dict) -> tuple[float, dict[str, float]]:
    """(harmony, {feature: overlap}) of two sets' features."""
    per = {k: overlap(gen[k], ref[k]) for k in FEATURES}
    return float(np.mean(list(per.values()))), per


def _mean_ci(x: np.ndarray, rng, rounds: int, level: float) -> tuple[float, float, float]:
    x = x[np.isfinite(x)]
    if not len(x):
        return np.nan, np.nan, np.nan
    means = [x[rng.integers(0, len(x), len(x))].mean() for _ in range(rounds)]
    lo, hi = np.percentile(means, [50 * (1 - level), 50 * (1 + level)])
    return float(x.mean()), float(lo), float(hi)


def compare(gen: dict, ref: dict, rounds: int = 200, seed: int = 0,
            level: float = 0.95) -> dict:
    """The metric row's harmony keys: ``harmony`` with its interval; per feature ``f`` the
    overlap (``harmony_<f>_oa``, and 1 minus it, ``_distance``), the set's mean over its
    defined windows with an interval (``harmony_<f>_mean``, ``_ci_low``, ``_ci_high``) and
    held-out Bach's (``_reference``), as the table's descriptor columns name them; the share
    of windows without harmony (``harmony_sparse``, and ``harmony_sparse_reference``)."""
    ng, nr = len(gen[FEATURES[0]]), len(ref[FEATURES[0]])
    if ng < 1 or nr < 3:
        raise ValueError("harmony needs at least 1 generated and 3 reference windows")
    value, per = score(gen, ref)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(rounds):
        gi, ri = rng.integers(0, ng, ng), rng.integers(0, nr, nr)
        draws.append(score({k: v[gi] for k, v in gen.items() if k in FEATURES},
                           {k: v[ri] for k, v in ref.items() if k in FEATURES})[0])
    lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)])
    shift = float(np.mean(draws)) - value  # resampled sets repeat windows, which moves OA
    out = {"harmony": value, "harmony_low": max(float(lo) - shift, 0.0),
           "harmony_high": min(float(hi) - shift, 1.0),
           "harmony_sparse": float(np.mean(~np.isfinite(gen["dissonance"]))),
           "harmony_sparse_reference": float(np.mean(~np.isfinite(ref["dissonance"])))}
    for k in FEATURES:
        mean, low, high = _mean_ci(np.asarray(gen[k]), rng, rounds, level)
        out.update({f"harmony_{k}_oa": per[k], f"harmony_{k}_distance": 1 - per[k],
                    f"harmony_{k}_mean": mean, f"harmony_{k}_ci_low": low,
                    f"harmony_{k}_ci_high": high,
                    f"harmony_{k}_reference": float(np.nanmean(ref[k]))
                    if np.isfinite(ref[k]).any() else np.nan})
    return out
