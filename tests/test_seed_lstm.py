"""The seed study's LSTM: its network as the seed had it, and the trap it fell into, measured."""
import numpy as np
import pytest

from models.seq import seed_lstm


def test_network_is_the_seeds_and_numpy_twin_agrees():
    model = seed_lstm.build_model()
    # LSTM(100) on 3 features + Dense 50, 25, 12, 1
    assert model.count_params() == 4 * (3 * 100 + 100 * 100 + 100) + (100 * 50 + 50) \
        + (50 * 25 + 25) + (25 * 12 + 12) + (12 + 1)
    assert type(model.layers[-1]).__name__ == "LeakyReLU"   # after the last Dense too
    x = np.random.default_rng(0).normal(0, 3000, (6, 1, 3)).astype("float32")
    keras_out = model.predict(x, verbose=0)[:, 0]
    numpy_out = seed_lstm.NumpySeedLSTM(model.get_weights())(x[:, 0].astype("float64"))
    np.testing.assert_allclose(keras_out, numpy_out, rtol=1e-4, atol=1e-2)


def cfg(model, steps):
    from models.config import resolve

    return resolve({"preset": "smoke", "clips": {"length": 8192},
                    model: {"batch": 256, "steps": steps, "log_every": 10,
                            "checkpoint_every": 10, "lr": 0.01}})


def test_teacher_forcing_looks_good_and_free_running_does_not(tmp_path, data_dir):
    from models import registry

    ckpt = tmp_path / "seed" / "checkpoint"
    registry.train("lstm_seed_teacher", data_dir, ckpt, cfg("lstm_seed_teacher", 10))
    meta = registry.train("lstm_seed_teacher", data_dir, ckpt, cfg("lstm_seed_teacher", 200))
    assert meta["resumed_from"] == 10
    model = registry.get("lstm_seed_teacher")
    c = cfg("lstm_seed_teacher", 200)
    forced = registry.sample("lstm_seed_teacher", ckpt, 4, seed=0, cfg=c, model=model)
    real = model._heldout(ckpt, 4, 0)
    mse_forced = model.sample_info["teacher-forced MSE (audio in [-1, 1])"]
    assert mse_forced == pytest.approx(np.mean((forced[:, 3:] - real[:, 3:]) ** 2))
    assert mse_forced < 0.1 * np.mean(real ** 2)  # fed the answer, it tracks the clip
    free = registry.get("lstm_seed").sample(ckpt, 4, seed=0, cfg=c)
    assert free.shape == real.shape and np.array_equal(free[:, :3], real[:, :3])
    assert np.mean((free - real) ** 2) > 10 * mse_forced  # on its own, it does not
