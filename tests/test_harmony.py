"""Harmony features on known answers, the score's direction, and a graded wrong-note panel."""
import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from models.evaluate import harmony

W = 1.024  # s: the evaluation's window


def held(*pitches, start=0.0, end=W):
    return [[start, end, p] for p in pitches]


def test_a_major_triad_is_consonant_fits_a_chord_and_a_scale():
    f = harmony.window_features(held(60, 64, 67), W)
    assert f["dissonance"] == 0.0 and f["chord_fit"] == 1.0 and f["scale_fit"] == 1.0
    assert f["texture"] == 1.0                         # a chord in every frame
    assert f["key_fit"] > 0.7                          # C major or A minor fits it best


def test_a_cluster_is_dissonant_and_fits_no_chord():
    f = harmony.window_features(held(60, 61, 62), W)
    assert f["dissonance"] == 1.0 and f["chord_fit"] == 0.0   # C-C#, C-D, C#-D: all seconds
    assert f["scale_fit"] == pytest.approx(2 / 3)


def test_a_dominant_seventh_fits_and_its_tritone_is_dissonant():
    f = harmony.window_features(held(55, 59, 62, 65), W)      # G B D F
    assert f["chord_fit"] == 1.0
    assert f["dissonance"] == pytest.approx(2 / 6)            # B-F tritone, G-F seventh


def test_a_chromatic_run_has_no_harmony_but_a_key_and_scale_fit():
    run = [[i * W / 12, (i + 1) * W / 12, 60 + i] for i in range(12)]
    f = harmony.window_features(run, W)
    assert math.isnan(f["dissonance"]) and math.isnan(f["chord_fit"])  # never two at once
    assert f["scale_fit"] == pytest.approx(7 / 12)
    assert f["key_fit"] == 0.0                         # every pitch class equally: no key
    assert f["texture"] == 0.0                         # one note at a time: no chord


def test_silence_and_one_note():
    assert all(math.isnan(v) for v in harmony.window_features([], W).values())
    one = harmony.window_features(held(62), W)
    assert math.isnan(one["dissonance"]) and math.isnan(one["chord_fit"])
    assert math.isnan(one["scale_fit"]) and math.isnan(one["key_fit"])  # no key in one tone
    octave = harmony.window_features(held(60, 72), W)         # a pair, not a chord of two pcs
    assert octave["dissonance"] == 0.0 and math.isnan(octave["chord_fit"])
    dyad = harmony.window_features(held(60, 64), W)          # two pitch classes: no chord
    assert math.isnan(dyad["chord_fit"]) and dyad["texture"] == 0.0


def chorale_like(rng, n):
    """Windows of four held voices on diatonic triads of random major keys, two chords each."""
    out = []
    for _ in range(n):
        key = rng.integers(0, 12)
        notes = []
        for half in range(2):
            root = [0, 5, 7, 9, 2][rng.integers(0, 5)]        # I, IV, V, vi, ii
            r, third = (key + root) % 12, 3 if root in (9, 2) else 4
            notes += held(48 + r, 60 + r, 60 + r + third, 60 + r + 7,   # close position
                          start=half * W / 2, end=(half + 1) * W / 2)
        out.append(np.array(notes, float))
    return out


def repitch(windows, share, rng):
    out = []
    for w in windows:
        w = w.copy()
        moved = rng.random(len(w)) < share
        w[moved, 2] = rng.integers(48, 80, moved.sum())
        out.append(w)
    return out


def test_harmony_is_one_for_the_same_music_and_falls_with_wrong_notes():
    rng = np.random.default_rng(0)
    ref = harmony.set_features(chorale_like(rng, 120), W)
    same = harmony.compare(harmony.set_features(chorale_like(rng, 80), W), ref, 100, 0)
    clusters = [np.array(held(60, 61, 62, 63), float) for _ in range(80)]
    wrong = harmony.compare(harmony.set_features(clusters, W), ref, 100, 0)
    assert same["harmony"] > 0.85 and wrong["harmony"] < 0.3
    assert wrong["harmony_high"] < same["harmony_low"]
    assert wrong["harmony_dissonance_mean"] == pytest.approx(5 / 6)  # 6 pairs, one minor third
    assert same["harmony_dissonance_reference"] < 0.1
    silent = harmony.compare(harmony.set_features([np.zeros((0, 3))] * 20, W), ref, 50, 0)
    assert silent["harmony"] == 0.0 and silent["harmony_sparse"] == 1.0  # counted, not dropped


def test_the_graded_wrong_note_panel_is_monotone():
    rng = np.random.default_rng(1)
    ref = harmony.set_features(chorale_like(rng, 150), W)
    clean = chorale_like(rng, 100)
    shares = (0, 0.25, 0.5, 0.75, 1.0)
    rows = [harmony.compare(harmony.set_features(repitch(clean, s, rng), W), ref, 100, 0)
            for s in shares]
    scores = [r["harmony"] for r in rows]
    assert spearmanr(shares, scores).statistic <= -0.9, scores
    half = max((r["harmony_high"] - r["harmony_low"]) / 2 for r in (rows[0], rows[-1]))
    assert scores[0] - scores[-1] >= 4 * half, (scores, half)


def test_two_draws_of_one_mostly_discrete_distribution_overlap():
    """Shares of 16 frames pile up at 1.0: smoothed at one bandwidth, two draws of the same
    distribution overlap almost fully, whatever their spreads happen to be."""
    rng = np.random.default_rng(0)
    values = np.r_[np.ones(200), np.full(30, 15 / 16), np.full(15, 7 / 8), np.full(11, 0.5)]
    a, b = rng.choice(values, 256), rng.choice(values, 256)
    assert harmony.overlap(a, b) > 0.9
    assert harmony.overlap(np.full(50, 0.1), np.full(50, 0.9)) < 0.01
    assert harmony.overlap(np.full(10, np.nan), b) == 0.0         # no harmony against harmony
