"""The copying test on rendered Bach (the smoke build's data): faint hiss on a training clip, or
the same passage 10 ms later, is still a copy; unseen pieces are not."""
import numpy as np
import pytest
import soundfile as sf

from models.data import clips as clipdata
from models.evaluate import degrade, suite

SR = 16000
EV = {"n_mels": 64, "n_fft": 1024, "hop": 256, "seed": 0, "ndb_bins": 3, "copy_cells": 2,
      "copy_min_cell": 3, "copy_threshold": 3.0}
N = 24


@pytest.fixture(scope="module")
def sets(smoke_build):
    data = smoke_build[0] / "results" / "smoke" / "data"
    clips_dir = data / "clips"
    train = clipdata.as_float(clipdata.load(clips_dir, "train"))
    test = clipdata.as_float(clipdata.load(clips_dir, "test"))
    roles = clipdata.test_roles(clips_dir)
    index = [r for r in clipdata.read_index(clips_dir) if r["split"] == "train"]
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(len(train), N, replace=False))
    shifted = []
    for row in pick:
        place = index[row]
        y, sr = sf.read(data / "audio" / f"{place['piece']}.wav", dtype="float32",
                        start=place["start"] + SR // 100, frames=train.shape[1], fill_value=0.0)
        assert sr == SR
        shifted.append(y)
    embed = lambda x: suite.clip_embeddings(x, EV, SR)  # noqa: E731
    return {"train": embed(train), "reference": embed(test[roles["reference"]]),
            "heldout": embed(degrade.heldout_clips(clips_dir, N, 0)[0]),  # real_heldout's
            "noisy": embed(degrade.white_noise(train[pick], 30, rng)),
            "shifted": embed(np.stack(shifted)), "shift_check": (train[pick], np.stack(shifted))}


def verdict(sets, name):
    row, _ = suite.memorisation_row(sets[name], sets["reference"], sets["train"], EV)
    return row


def test_the_shifted_clips_are_the_same_passage_10_ms_later(sets):
    clips, shifted = sets["shift_check"]
    np.testing.assert_allclose(shifted[:, :-SR // 100], clips[:, SR // 100:], atol=1e-4)


@pytest.mark.parametrize("name", ["noisy", "shifted"])
def test_copies_with_hiss_or_a_10_ms_shift_are_copying(sets, name):
    row = verdict(sets, name)
    assert row["verdict"] == "copying", (name, row["c_t"], row["cells_used"])
    assert row["copy_rate"] > 0.5


def test_unseen_pieces_are_no_copying(sets):
    row = verdict(sets, "heldout")
    assert row["verdict"] == "no copying", (row["c_t"], row["cells_used"])
