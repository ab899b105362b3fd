"""The note-level LSTM: tokens round-trip, the numpy sampler equals the Keras network, training
lowers the loss and resumes, generation is seeded and long-form pieces have their length."""
import json

import numpy as np
import pytest

from models.data import tokens as notes


@pytest.fixture(scope="module")
def bwv846():
    from music21 import converter

    from models.data.render import bach_scores

    return converter.parse(bach_scores()["bwv846"])


def test_tokens_round_trip_every_voice(bwv846):
    tokens = notes.tokenize(bwv846)
    assert tokens[0] == notes.START and tokens[-1] == notes.END
    got = sorted((round(s / notes.SIXTEENTH_S), p, round(d / notes.SIXTEENTH_S))
                 for s, p, d in notes.detokenize(tokens))
    assert got == notes.events(bwv846)
    assert len({p for _, p, _ in got}) > 20  # both hands, not just the first part


def test_render_has_the_asked_length():
    tokens = [notes.START, notes.INDEX["p60"], notes.INDEX["d4"], notes.INDEX["t4"],
              notes.INDEX["p64"], notes.INDEX["d4"], notes.END]
    y = notes.render(tokens, seconds=2.0)
    assert y.shape == (32000,) and np.abs(y[:4000]).max() > 0.1


def tiny_cfg(steps, **kw):
    from models.config import resolve

    return resolve({"preset": "smoke", "notes_lstm": {
        "embedding": 8, "units": 16, "layers": 2, "window": 16, "batch": 8, "steps": steps,
        "log_every": 2, "checkpoint_every": 2, "lr": 0.01, **kw}})


@pytest.fixture
def token_dir(tmp_path, bwv846):
    tokens = np.array(notes.tokenize(bwv846), np.int16)
    np.savez(tmp_path / "note_tokens.npz", train=tokens, valid=tokens[:100], test=tokens[:100])
    return tmp_path


def test_numpy_sampler_equals_the_keras_network():
    from models.seq.notes_lstm import NumpyLSTM, build_model

    model = build_model(8, 12, 2)
    tokens = np.random.default_rng(0).integers(0, len(notes.VOCAB), (3, 10))
    expected = np.asarray(model.predict(tokens, verbose=0))
    net = NumpyLSTM([w.astype(np.float64) for w in model.get_weights()], 2)
    state = net.initial_state(3)
    for t in range(10):
        logits, state = net.step(tokens[:, t], state)
        np.testing.assert_allclose(logits, expected[:, t], rtol=1e-4, atol=1e-4)


def test_train_lowers_loss_resumes_and_samples_reproducibly(tmp_path, token_dir):
    from models import registry

    first = registry.train("notes_lstm", token_dir, tmp_path / "a" / "checkpoint", tiny_cfg(4))
    assert first["resumed_from"] == 0
    more = registry.train("notes_lstm", token_dir, tmp_path / "a" / "checkpoint", tiny_cfg(20))
    assert more["resumed_from"] == 4 and more["steps"] == 20
    rows = (tmp_path / "a" / "state" / "curves.csv").read_text().splitlines()[1:]
    losses = [float(r.split(",")[1]) for r in rows]
    assert [int(r.split(",")[0]) for r in rows] == list(range(2, 21, 2))
    assert losses[-1] < losses[0] - 0.5, losses  # from ln(122) = 4.8 towards the data
    ckpt = tmp_path / "a" / "checkpoint"
    cfg = tiny_cfg(20)
    a = registry.sample("notes_lstm", ckpt, 3, seed=5, cfg=cfg)
    assert a.shape == (3, 8 * 16000)  # clip_seconds: 8 s of music from the start token
    assert np.array_equal(a, registry.sample("notes_lstm", ckpt, 3, seed=5, cfg=cfg))
    assert not np.array_equal(a, registry.sample("notes_lstm", ckpt, 3, seed=6, cfg=cfg))
    pieces = registry.get("notes_lstm").long_form(ckpt, 2, seed=1, seconds=30.0)
    assert pieces.shape == (2, 30 * 16000)
    meta = json.loads((ckpt / "model.json").read_text())
    assert meta["train_tokens"] > 1000


def test_note_tokens_refuse_recordings_naming_the_models_that_need_them(tmp_path):
    from models.data.prepare import write_manifest
    from models.data.scores import write_note_tokens

    write_manifest(tmp_path / "manifest.csv", [{"id": "a", "source": "folder", "path": "a.wav",
                                                "seconds": 1.0, "split": "train", "sha256": ""}])
    with pytest.raises(ValueError, match=r"note_tokens \(for notes_lstm\) needs scores, so "
                                         "data.source must be bach_render"):
        write_note_tokens(tmp_path / "manifest.csv", tmp_path / "t.npz", needed_by=["notes_lstm"])
