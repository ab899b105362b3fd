"""MGEval-style musicality: note features with known answers, overlap and KL of distance
distributions, and one set against another."""
import numpy as np
import pytest

from models.evaluate import mgeval

C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72]


def scale(step=0.125, length=0.1, pitches=C_MAJOR):
    return np.array([[i * step, i * step + length, p] for i, p in enumerate(pitches)], float)


def test_features_of_a_c_major_scale():
    f = mgeval.note_features(scale())
    assert f["note_count"][0] == 8 and f["pitch_range"][0] == 12
    np.testing.assert_allclose(f["pc_hist"][[0, 2, 4, 5, 7, 9, 11]], [2 / 8] + [1 / 8] * 6)
    trans = f["pc_transition"].reshape(12, 12)
    assert trans[0, 2] == trans[11, 0] == pytest.approx(1 / 7) and trans.sum() == pytest.approx(1)
    assert f["interval_hist"][1] == pytest.approx(2 / 7) and f["interval_hist"][2] == \
        pytest.approx(5 / 7)
    assert f["ioi_hist"][1] == 1.0              # every gap 0.125 s, in the 0.09-0.18 s bin
    assert f["note_length_hist"][1] == 1.0      # every note 0.1 s long
    assert sum(len(v) for v in f.values()) == sum(mgeval.FEATURES.values())


def test_a_chord_is_one_onset_and_a_clip_without_notes_is_zeros_not_nan():
    chord = np.array([[0, 1, 60], [0, 1, 64], [0, 1, 67], [0.5, 1, 72]], float)
    f = mgeval.note_features(chord)
    assert f["ioi_hist"][3] == 1.0              # onsets 0 and 0.5: one gap of 0.5 s
    empty = mgeval.note_features(np.zeros((0, 3)))
    assert all(np.all(v == 0) for v in empty.values())
    assert all(np.all(np.isfinite(v)) for v in empty.values())


def test_overlap_and_kl_of_equal_and_disjoint_samples():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
    oa, kl = mgeval.overlap_kl(a, b)
    assert oa > 0.95 and kl < 0.02
    oa, kl = mgeval.overlap_kl(a, b + 10)
    assert oa < 0.01 and kl > 5
    oa, _ = mgeval.overlap_kl(np.zeros(50), np.zeros(50))   # all equal: one narrow bump each
    assert oa == pytest.approx(1.0, abs=1e-6)
    oa, kl = mgeval.overlap_kl(np.array([0.0, 100.0]), np.full(3, 50.0))  # kernel > grid
    assert 0 < oa < 1 and np.isfinite(kl)


def bach_like(rng):
    """Four-voice-ish C major eighths, random degrees: a stand-in for the reference."""
    deg = rng.integers(0, 8, 8)
    return scale(pitches=[C_MAJOR[d] + 12 * rng.integers(-1, 1) for d in deg])


def test_a_set_like_the_reference_overlaps_it_and_silence_does_not():
    rng = np.random.default_rng(1)
    ref = mgeval.set_features([bach_like(rng) for _ in range(60)])
    like = mgeval.compare(mgeval.set_features([bach_like(rng) for _ in range(30)]), ref, 100)
    silent = mgeval.compare(mgeval.set_features([np.zeros((0, 3))] * 30), ref, 100)
    assert like["musicality_low"] <= like["musicality"] <= like["musicality_high"]
    assert like["musicality"] > 0.85 and like["no_note_share"] == 0.0
    assert silent["musicality"] < 0.5 and silent["no_note_share"] == 1.0
    assert silent["musicality_high"] < like["musicality_low"]
    assert silent["musicality_kl"] > like["musicality_kl"]
    assert set(like) >= {f"mg_{k}_oa" for k in mgeval.FEATURES}
