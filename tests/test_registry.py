"""The registry's contract, kept by every baseline: train -> checkpoint, generate -> N seeded clips."""
import json

import numpy as np
import pytest

from models import registry
from models.data import clips as clipdata

CFG = {"sample_rate": 16000, "clips": {"length": 8192}}


@pytest.mark.parametrize("name", registry.BASELINES)
def test_train_then_generate_is_seeded_and_shaped(tmp_path, data_dir, name):
    ckpt = tmp_path / "ckpt"
    meta = registry.train(name, data_dir, ckpt, CFG)
    assert meta["model"] == name and (ckpt / "model.json").is_file()
    a = registry.sample(name, ckpt, 5, seed=1, cfg=CFG)
    b = registry.sample(name, ckpt, 5, seed=1, cfg=CFG)
    c = registry.sample(name, ckpt, 5, seed=2, cfg=CFG)
    assert a.shape == (5, 8192) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.max(np.abs(a)) <= 1.0
    names = registry.generate(name, ckpt, tmp_path / "samples", 5, seed=1, cfg=CFG)
    got_names, clips = registry.load_samples(tmp_path / "samples")
    assert names == got_names == [f"clip_{i:03d}.wav" for i in range(5)]
    assert np.allclose(clips, a, atol=1 / 32767 + 1e-6)  # 16-bit rounding only


def test_replay_baselines_play_their_own_split(tmp_path, data_dir, clip_set):
    registry.train("real_heldout", data_dir, tmp_path / "rh", CFG)
    registry.train("train_copy", data_dir, tmp_path / "tc", CFG)
    held = clipdata.as_float(clipdata.load(clip_set, "test")[clipdata.test_roles(clip_set)["heldout"]])
    train = clipdata.as_float(clipdata.load(clip_set, "train"))
    for ckpt, pool in ((tmp_path / "rh", held), (tmp_path / "tc", train)):
        name = json.loads((ckpt / "model.json").read_text())["model"]
        for clip in registry.sample(name, ckpt, 6, seed=0, cfg=CFG):
            assert np.any(np.all(pool == clip, axis=1))


def test_noise_has_the_training_spectrum(tmp_path, data_dir, clip_set):
    registry.train("noise", data_dir, tmp_path / "n", CFG)
    noise = registry.sample("noise", tmp_path / "n", 32, seed=0, cfg=CFG)
    train = clipdata.as_float(clipdata.load(clip_set, "train"))
    peak = lambda x: np.argmax(np.mean(np.abs(np.fft.rfft(x, axis=1)) ** 2, 0))
    assert abs(peak(noise) - peak(train)) <= 2  # same dominant frequency bin
    level = lambda x: np.median(np.sqrt(np.mean(x ** 2, 1)))
    assert level(noise) == pytest.approx(level(train), rel=0.05)


def test_missing_or_foreign_checkpoint_is_a_clear_error(tmp_path, data_dir):
    with pytest.raises(registry.CheckpointError, match="missing checkpoint for model 'noise'"):
        registry.sample("noise", tmp_path / "nowhere", 2, 0, CFG)
    registry.train("train_copy", data_dir, tmp_path / "tc", CFG)
    with pytest.raises(registry.CheckpointError, match="is for model 'train_copy', not 'noise'"):
        registry.sample("noise", tmp_path / "tc", 2, 0, CFG)
    with pytest.raises(KeyError, match="unknown model"):
        registry.get("wavenet")


def test_failed_training_leaves_the_old_checkpoint(tmp_path, data_dir, monkeypatch):
    ckpt = tmp_path / "ckpt"
    registry.train("noise", data_dir, ckpt, CFG)
    before = (ckpt / "power.npy").read_bytes()
    monkeypatch.setattr("models.baselines.ShapedNoise.fit",
                        lambda *a: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError):
        registry.train("noise", data_dir, ckpt, CFG)
    assert (ckpt / "power.npy").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_every_registered_model_keeps_the_contract():
    for name in registry.MODELS:
        model = registry.get(name)
        for attr in ("uses_gpu", "has_curves", "needs", "fit", "sample"):
            assert hasattr(model, attr), f"{name} lacks {attr}"
