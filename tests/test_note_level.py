"""Musicality on notes and the comparison page's note-level section: the windows are the ones
the suite measures the audio in, the baselines keep the scores' rhythm, and every sentence
follows the intervals (overlap -> the data cannot tell them apart)."""
import json

import numpy as np

from models.evaluate import note_level
from models.report import note_level as section


def test_windows_are_the_suites_windows(tmp_path):
    from models.evaluate.suite import windows

    clip_s, window = 4.0, 16384
    clips = [[[0.1 + i, 0.5 + i, 60 + i], [1.5 + i, 2.2 + i, 62], [3.0, 3.9, 64]]
             for i in range(3)]
    cut = note_level.cut(clips[0], clip_s, window / 16000)
    assert len(cut) == 3  # 64000 // 16384 whole windows, as suite.windows cuts
    np.testing.assert_allclose(cut[0], [[0.1, 0.5, 60]])
    np.testing.assert_allclose(cut[1], [[1.5 - 1.024, 1.024, 62]])  # cut at the window's end
    np.testing.assert_allclose(cut[2], [[3.0 - 2.048, 1.024, 64]])
    # the same windows drawn: index k of all windows <-> (clip k // 3, window k % 3)
    audio = np.arange(3 * 64000, dtype=np.float32).reshape(3, 64000)
    picked = windows(audio, window, 4, seed=0)[:, 0].astype(int)
    expected = [(k // 64000, (k % 64000) // window) for k in picked]
    (tmp_path / "notes.json").write_text(json.dumps({"clip_seconds": clip_s, "notes": clips}))
    got = note_level.model_windows(tmp_path / "notes.json", window / 16000, 4, seed=0)
    for w, (clip, j) in zip(got, expected):
        np.testing.assert_allclose(w, note_level.cut(clips[clip], clip_s, window / 16000)[j])


def test_random_pitches_keep_the_rhythm():
    rng = np.random.default_rng(0)
    windows = [np.column_stack([np.sort(rng.random(8)), np.sort(rng.random(8)) + 1,
                                rng.integers(50, 70, 8)]) for _ in range(5)]
    moved = note_level.random_pitches(windows, seed=3)
    for a, b in zip(windows, moved):
        np.testing.assert_array_equal(a[:, :2], b[:, :2])
        assert b[:, 2].min() >= a[:, 2].min() and b[:, 2].max() <= a[:, 2].max()
    assert any((a[:, 2] != b[:, 2]).any() for a, b in zip(windows, moved))


def row(value, low, high, **kw):
    return {"musicality_notes": value, "musicality_notes_low": low,
            "musicality_notes_high": high, **kw}


BUDGET = {"notes_lstm": {"steps": 100, "train_s": 180.0, "flops_per_step": 1e9},
          "notes_gan": {"steps": 300, "train_s": 170.0, "flops_per_step": 2e9}}


def test_overlapping_intervals_cannot_tell_the_families_apart():
    rows = {"notes_lstm": row(0.5, 0.4, 0.6), "notes_gan": row(0.55, 0.45, 0.65)}
    text = " ".join(section.pair_lines(rows, BUDGET))
    assert "Matched in training seconds (within 20%)" in text
    # 1e11 FLOPs against 6e11: the page says so rather than calling the budgets matched
    assert "Apart by training seconds 1.1×, FLOPs 6×, steps 3×" in text
    assert "FLOPs are not matched" in text and "precisions" not in text
    assert "the data cannot tell the two families apart" in text
    assert "closer to held-out" not in text


def test_disjoint_intervals_name_the_family_and_baselines():
    rows = {"notes_lstm": row(0.8, 0.75, 0.85), "notes_gan": row(0.4, 0.35, 0.45),
            "random_pitch": row(0.6, 0.55, 0.65)}
    budgets = {**BUDGET, "notes_gan": {**BUDGET["notes_gan"], "train_s": 60.0,
                                       "precision": "mixed_bfloat16"}}
    pairs = section.pair_lines(rows, budgets)
    assert "NOT matched in training seconds" in pairs[0]
    assert "they trained in different precisions" in pairs[0]
    assert any("the LSTM is closer to held-out Bach" in s for s in pairs)
    text = section.verdict_sentences(rows, budgets)
    assert any(s.startswith("notes_lstm is better than random pitches") for s in text)
    assert any(s.startswith("notes_gan is worse than random pitches") for s in text)


def test_section_table_renders_as_a_table():
    table = [{"model": m, "fd": 10.0, "fd_low": 9.0, "fd_high": 11.0, "musicality": 0.5,
              "musicality_low": 0.4, "musicality_high": 0.6}
             for m in ("notes_lstm", "notes_gan", "real_heldout", "noise")]
    measured = {"n_reference": 32, "n_windows": 16, "window_s": 1.024, "rows": {
        m: {"musicality": 0.5, "musicality_low": 0.4, "musicality_high": 0.6,
            "notes_per_window": 9.0} for m in ("notes_lstm", "notes_gan", "real_heldout",
                                               "random_pitch")}}
    from test_render import render_page, site_config

    lines = section.note_level_lines(table, measured, BUDGET, None)
    html = render_page("\n".join(lines), site_config())
    first = html.split("<table>")[1].split("</table>")[0]
    assert first.count("<tr>") == 6  # header, two models, three baselines
    assert "|" not in first
    # the verdicts against every bar: folded (a <details> block), not a code block
    assert "<details" in html and "<pre>" not in html and "notes_gan is" in html


def test_neural_note_models_face_the_counting_baseline():
    def harm(v):
        return {"harmony_notes": v, "harmony_notes_low": v - 0.05, "harmony_notes_high": v + 0.05}

    rows = {"notes_lstm": harm(0.4), "notes_gan": harm(0.8), "ngram": harm(0.6)}
    text = section.verdict_sentences(rows, {})
    assert "notes_lstm is worse than n-gram counts (ngram) on harmony on notes: 0.400" in \
        " ".join(text)
    assert any(s.startswith("notes_gan is better than n-gram counts") for s in text)
    assert not any(s.startswith("ngram is") and "n-gram counts" in s for s in text)
