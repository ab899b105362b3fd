"""The counting baseline: n-gram counts with Witten-Bell back-off over the note tokens."""
import json

import numpy as np
import pytest

from models import registry
from models.data import tokens
from models.seq import ngram

A, B, C = (tokens.INDEX[t] for t in ("p60", "p64", "p67"))


def test_counts_and_back_off_on_a_known_stream():
    table = ngram.count(np.array([A, B, A, B, A, C]), order=2)
    assert table[0][()] == {A: 3, B: 2, C: 1}
    assert table[1][(A,)] == {B: 2, C: 1} and table[1][(B,)] == {A: 2}
    counts = ngram.Counts({k: {c: (np.array(sorted(r)), np.array([r[t] for t in sorted(r)],
                                                                  float))
                               for c, r in rows.items()} for k, rows in table.items()}, 2)
    p = counts.probabilities((A,))
    assert p.sum() == pytest.approx(1.0)
    assert p[B] > p[C] > p[A] > 0                  # seen twice, once, only below in the unigram
    unseen = counts.probabilities((C,))             # no bigram: the unigram counts decide
    assert unseen.sum() == pytest.approx(1.0) and unseen[A] > unseen[B] > unseen[C]


@pytest.fixture(scope="module")
def token_dir(tmp_path_factory):
    from music21 import converter

    from models.data.render import bach_scores

    path = tmp_path_factory.mktemp("ngram")
    stream = np.array(tokens.tokenize(converter.parse(bach_scores()["bwv846"])), np.int16)
    np.savez(path / "note_tokens.npz", train=stream, valid=stream[:100], test=stream[:100])
    return path


CFG = {"sample_rate": 16000, "clips": {"length": 16384},
       "ngram": {"order": 4, "temperature": 1.0, "rules": True, "clip_seconds": 4.0}}


def test_trains_in_seconds_saves_loads_and_samples_reproducibly(tmp_path, token_dir):
    meta = registry.train("ngram", token_dir, tmp_path / "ckpt", CFG)
    assert meta["train_s"] < 30 and meta["contexts"][0] == 1   # one empty context: unigrams
    loaded = ngram.load(tmp_path / "ckpt" / "counts.npz", 4)
    assert sum(len(rows) for rows in loaded.values()) == sum(meta["contexts"].values())
    a = registry.sample("ngram", tmp_path / "ckpt", 3, seed=4, cfg=CFG)
    assert a.shape == (3, 4 * 16000) and np.abs(a).max() > 0.01
    assert np.array_equal(a, registry.sample("ngram", tmp_path / "ckpt", 3, seed=4, cfg=CFG))
    registry.generate("ngram", tmp_path / "ckpt", tmp_path / "out", 3, seed=4, cfg=CFG,
                      n_long=1, long_seconds=6.0)
    notes = json.loads((tmp_path / "out" / "notes.json").read_text())["notes"]
    low, high = meta["pitch_range"]
    assert all(low <= p <= high for clip in notes for _, _, p in clip)
    assert all(max(off for _, off, _ in clip) >= 3.9 for clip in notes)   # every clip filled
    assert (tmp_path / "out" / "long_000.wav").is_file()
