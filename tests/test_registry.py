"""The registry's contract, kept by every baseline: train -> checkpoint, generate -> N seeded clips."""
import json

import numpy as np
import pytest

from models import registry
from conftest import make_data_dir
from models.data import clips as clipdata

CFG = {"sample_rate": 16000, "clips": {"length": 8192}}


@pytest.mark.parametrize("name", registry.select(baseline=True, needs_scores=False))
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


def test_random_pitch_plays_real_heldouts_clips_in_their_rhythm_with_other_pitches(tmp_path):
    """On a corpus of four rendered scores: the same clips as real_heldout for a seed, the same
    loudness over time (the rhythm), other sounds; a corpus of recordings is refused."""
    from models.audio import write_wav
    from models.data.prepare import write_manifest
    from models.data.render import bach_scores, render_midi, score_to_piano_midi

    scores, rows = bach_scores(), []
    for pid, split in (("bwv253", "train"), ("bwv254", "valid"), ("bwv255", "test"),
                       ("bwv256", "test")):
        y = render_midi(score_to_piano_midi(scores[pid]))[:6 * 16000]
        write_wav(tmp_path / "audio" / f"{pid}.wav", y)
        rows.append({"id": pid, "path": str(tmp_path / "audio" / f"{pid}.wav"), "split": split,
                     "seconds": len(y) / 16000, "source": "bach_render", "sha256": ""})
    write_manifest(tmp_path / "manifest.csv", rows)
    clipdata.make_clips(rows, tmp_path / "clips", length=8192)
    registry.train("real_heldout", tmp_path, tmp_path / "rh", CFG)
    registry.train("random_pitch", tmp_path, tmp_path / "rp", CFG)
    real = registry.sample("real_heldout", tmp_path / "rh", 4, seed=2, cfg=CFG)
    moved = registry.sample("random_pitch", tmp_path / "rp", 4, seed=2, cfg=CFG)
    assert moved.shape == real.shape and np.array_equal(
        moved, registry.sample("random_pitch", tmp_path / "rp", 4, seed=2, cfg=CFG))
    envelope = lambda x: np.sqrt(np.mean(x.reshape(len(x), -1, 512) ** 2, axis=2)).ravel()
    assert np.corrcoef(envelope(real), envelope(moved))[0, 1] > 0.5   # Bach's rhythm
    assert np.abs(real - moved).mean() > 0.1 * np.abs(real).mean()     # not Bach's pitches
    with pytest.raises(ValueError, match="random_pitch re-renders the held-out scores"):
        registry.train("random_pitch", make_data_dir(tmp_path / "rec"), tmp_path / "x", CFG)


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
    """Each declaration is well formed and its class does what it declares."""
    import re

    from conftest import ROOT

    data_rules = set(re.findall(r"^rule (\w+):", (ROOT / "workflow/rules/data.smk").read_text(),
                                re.M))
    for name, spec in registry.MODELS.items():
        assert spec.role in (*registry.BARS, "model", "diagnostic"), name
        assert spec.level in registry.LEVELS and set(spec.needs) <= data_rules, name
        assert (spec.family is None) == (not spec.ranked), name  # only ranked models answer
        assert not (spec.token and not spec.steps), name         # a budget needs steps
        model = registry.get(name)
        assert callable(model.fit) and callable(model.sample), name
        assert callable(getattr(model, "long_form", None)) == spec.long, name
        assert getattr(model, "name", name) == name  # a class reading cfg[self.name]


TOY = '''"""A toy note model: every clip is one held C major triad."""
import numpy as np


class Triads:
    def fit(self, data_dir, ckpt_dir, cfg, state_dir):
        return {}

    def sample(self, ckpt_dir, n, seed, cfg):
        length = cfg["clips"]["length"]
        seconds = length / cfg["sample_rate"]
        self.notes = [[[0.0, seconds, p] for p in (60, 64, 67)] for _ in range(n)]
        t = np.arange(length) / cfg["sample_rate"]
        hz = [440 * 2 ** ((p - 69) / 12) for p in (60, 64, 67)]
        chord = sum(np.sin(2 * np.pi * f * t) for f in hz) / 4
        return np.repeat(chord[None].astype(np.float32), n, axis=0)
'''
LINE = ('    "toy_triads": Model("models.seq.toy_triads:Triads", "a toy: held triads", '
        'family="LSTM", level="notes", notes=True),\n')


def test_a_toy_model_joins_everything_from_its_registry_line(tmp_path, data_dir, monkeypatch):
    """One module and one registry line: the config's `all` runs it, the registry's selections
    and the GAN-against-LSTM pairings take it by family and level, generate writes its notes."""
    from models.config import resolve
    from models.report import note_level

    (tmp_path / "toys").mkdir()
    (tmp_path / "toys" / "toy_triads.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path / "toys"))
    monkeypatch.setitem(registry.MODELS, "toy_triads", registry.Model(
        "toy_triads:Triads", "a toy: held triads", family="LSTM", level="notes", notes=True))
    assert resolve({"preset": "smoke"})["models"][-1] == "toy_triads"
    assert "toy_triads" not in resolve({"preset": "smoke", "models": {"exclude": ["toy_triads"]}}
                                       )["models"]
    assert registry.select(notes=True)[-1] == "toy_triads"
    assert "toy_triads" not in registry.select(steps=True)  # no curves, no lease slot
    assert registry.pairings(registry.MODELS, "notes") == [("notes_lstm", "notes_gan"),
                                                           ("toy_triads", "notes_gan")]
    rows = {m: {"musicality_notes": v, "musicality_notes_low": v - 0.05,
                "musicality_notes_high": v + 0.05}
            for m, v in (("notes_lstm", 0.5), ("notes_gan", 0.52), ("toy_triads", 0.9))}
    text = " ".join(note_level.pair_lines(rows, {}))
    assert "the LSTM is closer to held-out Bach (LSTM toy_triads 0.900" in text
    registry.train("toy_triads", data_dir, tmp_path / "ckpt", CFG)
    registry.generate("toy_triads", tmp_path / "ckpt", tmp_path / "samples", 3, seed=0, cfg=CFG)
    notes = json.loads((tmp_path / "samples" / "notes.json").read_text())["notes"]
    assert [sorted(p for _, _, p in clip) for clip in notes] == [[60, 64, 67]] * 3


def test_a_toy_model_is_scheduled_by_a_dry_run_with_no_other_edit(tmp_path):
    """In a copy of the workflow, the toy's module and its registry line alone put its train,
    generate, evaluate and report jobs into the default target's plan."""
    import re
    import shutil

    from conftest import NOT_COPIED, ROOT, run_snakemake

    work = tmp_path / "bachgen"
    shutil.copytree(ROOT, work, ignore=NOT_COPIED)
    (work / "models" / "seq" / "toy_triads.py").write_text(TOY)
    path = work / "models" / "registry.py"
    text = path.read_text()
    end = text.index("\n}\n", text.index("MODELS = {")) + 1
    path.write_text(text[:end] + LINE + text[end:])
    dry = run_snakemake(work, "-n", "--config", "preset=smoke").stdout
    jobs = [block for block in dry.split("\n\n") if re.search(r"^(?:local)?rule \w+:", block, re.M)]
    mine = {re.search(r"rule (\w+):", b)[1] for b in jobs if "toy_triads" in b}
    assert {"train", "generate", "model_features", "evaluate", "plot_model", "note_level",
            "metric_table", "plot_comparison", "site_pages"} <= mine, sorted(mine)
    assert not mine & {"plot_curves", "snapshot_metrics", "benchmark"}  # it has no steps


def test_envelope_noise_keeps_the_loudness_over_time_and_no_harmonic_line(tmp_path, data_dir):
    """The synthetic pieces are sine chords (220 Hz and 330 Hz in tr_a ...): the envelope noise
    of the clips real_heldout plays has their level over time, and no line at their partials."""
    registry.train("real_heldout", data_dir, tmp_path / "rh", CFG)
    registry.train("envelope_noise", data_dir, tmp_path / "en", CFG)
    real = registry.sample("real_heldout", tmp_path / "rh", 6, seed=1, cfg=CFG)
    noise = registry.sample("envelope_noise", tmp_path / "en", 6, seed=1, cfg=CFG)
    assert noise.shape == real.shape
    rms = lambda x: np.sqrt(np.mean(x ** 2, 1))
    np.testing.assert_allclose(rms(noise), rms(real), rtol=0.05)

    def line(x):  # the strongest bin's power over the median of the 40 bins around it
        p = np.mean(np.abs(np.fft.rfft(x, axis=1)) ** 2, 0)
        k = int(np.argmax(p))
        return p[k] / np.median(p[max(k - 20, 0):k + 20])

    assert line(real) > 100 and line(noise) < 10
