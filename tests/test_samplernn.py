"""The audio sequence models (SampleRNN with LSTM or plain RNN cells): mu-law, the compiled
generation loop against a step-by-step reference, training, resume and seeded generation."""
import numpy as np
import pytest

from models.seq import mulaw, samplernn

FRAME = 4


def test_mulaw_round_trip_within_half_a_level():
    x = np.linspace(-1, 1, 200_001)
    q = mulaw.encode(x)
    assert q.min() == 0 and q.max() == 255
    err = np.abs(mulaw.compand(mulaw.decode(q)) - mulaw.compand(x))
    assert err.max() <= 1 / 256 + 1e-6  # half of a level 2/256 wide
    assert abs(mulaw.decode(mulaw.SILENCE)) < 1e-3


TIERS = [("lstm", None), ("rnn", None), ("lstm", 16), ("rnn", 8)]   # (cell, big_frame)


@pytest.mark.parametrize("cell,big", TIERS)
def test_compiled_loop_equals_step_by_step_reference(cell, big):
    from keras import ops

    model = samplernn.build_model(FRAME, 8, 8, 4, cell, chunk=16, big_frame=big)
    noise = np.random.default_rng(0).random((48, 3)).astype(np.float32)
    w = samplernn.Weights(model, convert=ops.convert_to_tensor)
    assert [t.size for t in w.tiers] == samplernn.tier_sizes(FRAME, big)
    run = samplernn.compiled(lambda u: samplernn.generate_loop(w, u))
    ids = ops.convert_to_numpy(run(ops.convert_to_tensor(noise)))
    assert np.array_equal(ids, samplernn.reference_generate(model, noise))


@pytest.mark.parametrize("cell,big", TIERS)
def test_generation_uses_the_trained_network(cell, big):
    """Logits of the free-running steps equal the training network's, given the same history
    (two tiers, and three: a top tier over frames of ``big`` samples)."""
    model = samplernn.build_model(FRAME, 8, 8, 4, cell, chunk=32, big_frame=big)
    noise = np.random.default_rng(1).random((32, 2)).astype(np.float32)
    steps = []
    ids = samplernn.reference_generate(model, noise, logits_out=steps)
    seq = np.concatenate([np.full((2, big or FRAME), mulaw.SILENCE), ids], axis=1)  # primer
    inputs, target = samplernn.chunk_inputs(seq, FRAME, big)
    assert np.array_equal(target, ids)
    logits = np.asarray(model.predict(inputs, verbose=0))                   # (2, 32, 256)
    np.testing.assert_allclose(np.stack(steps, 1), logits, rtol=1e-4, atol=1e-4)


def settings(model, steps, tiers=2):
    from models.config import resolve

    return resolve({"preset": "smoke", model: {"frame": FRAME, "units": 16, "hidden": 16,
                                               "embedding": 4, "chunk": 64, "batch": 4,
                                               "steps": steps, "log_every": 2,
                                               "checkpoint_every": 2, "lr": 0.01,
                                               "sequence_seconds": 0.05, "tiers": tiers,
                                               "big_frame": 16}})


@pytest.mark.parametrize("model,tiers", [("lstm", 2), ("rnn", 2), ("lstm", 3)])
def test_train_loss_falls_resumes_and_generation_is_seeded(tmp_path, data_dir, model, tiers):
    from models import registry

    ckpt = tmp_path / model / "checkpoint"
    assert registry.train(model, data_dir, ckpt, settings(model, 4, tiers))["resumed_from"] == 0
    meta = registry.train(model, data_dir, ckpt, settings(model, 16, tiers))
    assert (meta["resumed_from"], meta["steps"]) == (4, 16)
    rows = (tmp_path / model / "state" / "curves.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == list(range(2, 17, 2))
    losses = [float(r.split(",")[1]) for r in rows]
    assert losses[-1] < losses[0] - 0.5, losses  # from ln(256) = 5.5 towards the tones
    c = settings(model, 16, tiers)
    a = registry.sample(model, ckpt, 2, seed=3, cfg=c)
    assert a.shape == (2, c["clips"]["length"])
    assert np.array_equal(a, registry.sample(model, ckpt, 2, seed=3, cfg=c))
    assert not np.array_equal(a, registry.sample(model, ckpt, 2, seed=4, cfg=c))
    assert registry.get(model).long_form(ckpt, 1, seed=0, seconds=0.5).shape == (1, 8000)
