"""One model's row from features, the table built from rows, and the comparison page."""
import numpy as np
import pytest

from models.evaluate import harmony, mgeval, suite
from models.report import comparison, table

EV = {"seed": 0, "bootstrap": 50, "ndb_bins": 4, "copy_cells": 3, "copy_min_cell": 4,
      "copy_threshold": 3.0}


def fake_notes(rng, shift):
    """One clip's notes: steady eighths in C major around middle C; ``shift`` > 0 makes them
    chromatic, irregular and sparser."""
    k = max(int(rng.poisson(8 / (1 + shift))), 0)
    onsets = np.sort(rng.uniform(0, 1, k)) if shift else np.arange(k) * 0.125
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    pitch = (60 + rng.integers(-12, 13, k) if shift
             else 60 + scale[rng.integers(0, 7, k)] + 12 * rng.integers(-1, 1, k))
    return np.stack([onsets, onsets + 0.25, pitch], 1)


def fake_features(rng, n, shift=0.0, frames=20):
    """Features of n clips as set_features writes them, drawn from a known distribution."""
    mel = rng.normal(shift, 1, size=(n, frames, 4))
    out = {"window": np.array(16384), "n_windows": np.array(n),
           "frames_count": np.full(n, frames, float), "frames_sum": mel.sum(1),
           "frames_outer": np.einsum("cfi,cfj->cij", mel, mel),
           "logmel": rng.normal(shift, 1, size=(n, 8)), "musicnn": rng.normal(shift, 1, (n, 6)),
           "chroma": rng.dirichlet(np.r_[1 + 5 * shift, np.ones(11)], size=n)}
    for name in ("pc_entropy", "key_clarity", "onset_rate", "flatness", "silence"):
        out[f"desc_{name}"] = rng.normal(shift, 1, n)
    for name in suite.NOTE_FIGURES:
        out[f"notes_{name}"] = rng.normal(shift, 1, n)
    clips = [fake_notes(rng, shift) for _ in range(n)]
    out.update({f"mg_{k}": v for k, v in mgeval.set_features(clips).items()})
    out.update({f"hm_{k}": v for k, v in harmony.set_features(clips, 16384 / 16000).items()})
    return out


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    ref = fake_features(rng, 120)
    train = {"logmel": rng.normal(size=(400, 8))}
    copy = fake_features(rng, 40)
    copy["logmel"] = train["logmel"][rng.choice(400, 40, replace=False)]
    sets = {"real_heldout": fake_features(rng, 40), "train_copy": copy,
            "noise": fake_features(rng, 40, shift=3.0), "wavegan": fake_features(rng, 40, 0.3),
            "specgan": fake_features(rng, 40, 1.0)}
    out = []
    for name, feats in sets.items():
        row, arrays = suite.compare_sets(feats, ref, train, EV)
        assert len(arrays["gen_nn"]) == 40 and len(arrays["held_nn"]) == 120
        out.append({"model": name, **row})
    return out


def test_baselines_bracket_every_distribution_metric(rows):
    m = {r["model"]: r for r in rows}
    for key in ("fd", "kd_logmel", "kd_chroma", "kd_musicnn"):
        assert m["real_heldout"][f"{key}_high"] < m["noise"][f"{key}_low"], key
    assert m["real_heldout"]["ndb_k"] < m["noise"]["ndb_k"]
    assert m["train_copy"]["verdict"] == "copying" and m["real_heldout"]["verdict"] == "no copying"
    assert m["noise"]["descriptor_distance"] > 0.8 > 0.3 > m["real_heldout"]["descriptor_distance"]
    assert m["real_heldout"]["musicality_low"] > m["noise"]["musicality_high"]
    assert m["real_heldout"]["musicality"] > 0.85


def test_table_marks_the_best_generative_model_and_round_trips(rows, tmp_path):
    import json

    paths = []
    for r in rows:
        paths.append(tmp_path / f"{r['model']}.json")
        paths[-1].write_text(json.dumps(r))
    table.write_table(paths, tmp_path / "t.csv", tmp_path / "t.md")
    back = table.read_table(tmp_path / "t.csv")
    assert [r["model"] for r in back] == [r["model"] for r in rows]
    assert back[0]["fd"] == pytest.approx(rows[0]["fd"]) and back[1]["verdict"] == "copying"
    fd = table.DISTRIBUTION[0]
    assert table.best(back, fd) == "wavegan"   # nearer than specgan; baselines do not compete
    md = (tmp_path / "t.md").read_text()
    assert f"**{rows[3]['fd']:.2f}**" in md and "held-out Bach" in md


def test_comparison_sentences_come_from_the_numbers(rows):
    page = comparison.comparison_page(rows, "test", "")
    assert "train_copy is flagged and real_heldout is not" in page
    assert "agree with the seed's listening verdict" in page and "do not agree" not in page
    assert "OUT OF ORDER" not in page and "OVERLAP" not in page
    assert comparison.ranking(rows)[0][0] == "wavegan"
    flipped = [dict(r, model={"wavegan": "specgan", "specgan": "wavegan"}.get(r["model"],
                                                                            r["model"]))
               for r in rows]
    assert "do not agree with the seed's" in comparison.comparison_page(flipped, "test", "")


def test_every_set_is_cut_into_windows_of_one_length_and_count():
    clips = np.arange(3 * 4 * 8, dtype=np.float32).reshape(3, 32)   # 3 clips of 4 windows
    every = suite.windows(clips, 8, None, 0)
    assert every.shape == (12, 8) and np.array_equal(every[5], clips[1, 8:16])
    some = suite.windows(clips, 8, 5, 0)
    assert some.shape == (5, 8) and np.array_equal(some, suite.windows(clips, 8, 5, 0))
    assert all(any(np.array_equal(w, e) for e in every) for w in some)
    assert suite.windows(clips[:, :30], 8, None, 0).shape == (9, 8)   # a partial window: out
    with pytest.raises(ValueError, match="fewer than the 13"):
        suite.windows(clips, 8, 13, 0)
    with pytest.raises(ValueError, match="shorter than one"):
        suite.windows(clips, 64, 1, 0)


def test_sets_that_differ_in_window_length_or_count_are_refused(rows, tmp_path):
    import json

    assert suite.same_windows({"a": {"window": 16384, "n_windows": 64},
                               "b": {"window": np.array(16384), "n_windows": np.array(64)}}) \
        == (16384, 64)
    for bad in ({"window": 65536, "n_windows": 64}, {"window": 16384, "n_windows": 16}):
        with pytest.raises(ValueError, match="b 16 x 16384|b 64 x 65536"):
            suite.same_windows({"a": {"window": 16384, "n_windows": 64}, "b": bad})
    paths = []
    for r in rows[:2]:
        paths.append(tmp_path / f"{r['model']}.json")
        paths[-1].write_text(json.dumps(dict(r, n_windows=r["n_windows"] + (len(paths) > 1))))
    with pytest.raises(ValueError, match="differ in window length or count"):
        table.write_table(paths, tmp_path / "t.csv", tmp_path / "t.md")
    ref = fake_features(np.random.default_rng(0), 10)
    with pytest.raises(ValueError, match="windows of 65536 samples"):
        suite.compare_sets(dict(ref, window=np.array(65536)), ref, {"logmel": ref["logmel"]}, EV)


def test_a_near_silent_window_is_left_out_of_fd_and_counted():
    """One outlying window below the loudness floor no longer widens FD's interval; a set with
    many quiet windows is measured whole (silence cannot escape the measure)."""
    rng = np.random.default_rng(3)
    ref, gen = fake_features(rng, 60), fake_features(rng, 40)
    for f in (ref, gen):
        f["level_db"] = np.full(len(f["frames_count"]), -20.0)
    outlier = dict(gen)
    outlier["frames_sum"] = gen["frames_sum"].copy()
    outlier["frames_outer"] = gen["frames_outer"].copy()
    outlier["frames_sum"][0] *= 40   # a fading tail: log-mel frames far below the rest
    outlier["frames_outer"][0] *= 1600
    blown = suite.headline(outlier, ref, 100, 0)
    outlier["level_db"] = gen["level_db"].copy()
    outlier["level_db"][0] = -70.0
    floor = suite.headline(outlier, ref, 100, 0)
    clean = suite.headline(gen, ref, 100, 0)
    assert blown["fd_quiet"] == 0 and floor["fd_quiet"] == 1
    assert floor["fd_high"] - floor["fd_low"] < (blown["fd_high"] - blown["fd_low"]) / 2
    assert abs(floor["fd"] - clean["fd"]) < abs(blown["fd"] - clean["fd"])
    outlier["level_db"][:6] = -70.0  # 15% quiet: more than QUIET_MAX, so all are measured
    assert suite.headline(outlier, ref, 100, 0)["fd_quiet"] == 0
