"""The piano-roll GAN and the note-level measures: rolls round-trip the held-out scores exactly
on the grid, the GAN trains on every backend and its critic loss falls on a fixed batch, a
killed run resumes to the weights of an uninterrupted one, samples and long-form pieces have
their lengths and join at bar lines, and the note-level measure and section say what the
numbers say."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, check_env, finish_process, kill_after_checkpoint, train_process
from gan_check import critic_learned
from models.data import rolls

HELD_OUT = 6  # test-split scores checked, plus BWV 846 (two hands, the widest range)


@pytest.fixture(scope="module")
def held_out():
    """(id, notes, bars) of the first held-out scores of the corpus's split, and BWV 846."""
    from music21 import converter

    from models.config import resolve
    from models.data.render import bach_scores
    from models.data.split import piece_splits

    scores = bach_scores()
    splits, _ = piece_splits(sorted(scores), resolve({})["data"]["split"])
    ids = [i for i in sorted(scores) if splits[i] == "test"][:HELD_OUT] + ["bwv846"]
    return [(i, *rolls.score_notes(converter.parse(scores[i]))) for i in ids]


def test_roll_round_trip_of_held_out_scores_is_exact_on_the_grid(held_out):
    changed = total = 0
    for piece, notes, bars in held_out:
        roll = rolls.to_roll(notes)
        back = rolls.from_roll(roll)
        np.testing.assert_array_equal(back, rolls.canonical(notes), err_msg=piece)
        np.testing.assert_array_equal(rolls.to_roll(back, len(roll)), roll, err_msg=piece)
        np.testing.assert_array_equal(rolls.canonical(back), back, err_msg=piece)
        changed += len(set(map(tuple, notes)) ^ set(map(tuple, back)))
        total += len(notes)
        assert bars[0] >= 0 and np.all(np.diff(bars) > 0), piece
    assert changed / total < 0.05  # only unisons of two voices are merged


def test_repeated_notes_survive_and_unisons_merge():
    notes = np.array([[0, 60, 4], [4, 60, 4], [0, 64, 8], [2, 64, 2]])  # repeat; unison
    back = rolls.from_roll(rolls.to_roll(notes))
    assert back.tolist() == [[0, 60, 4], [0, 64, 2], [2, 64, 6], [4, 60, 4]]
    onset_only = np.zeros((4, rolls.PITCHES, 2), np.uint8)
    onset_only[1, 5, 1] = 1  # an onset where nothing sounds: ignored
    assert len(rolls.from_roll(onset_only)) == 0


@pytest.fixture(scope="module")
def roll_dir(tmp_path_factory, held_out):
    """A piano_rolls.npz in the data stage's layout, from the held-out scores."""
    from models.data.scores import pack

    path = tmp_path_factory.mktemp("rolls")
    out = {}
    for split, chosen in (("train", held_out), ("valid", held_out[:1]), ("test", held_out)):
        out.update(pack([(rolls.to_roll(notes), lines) for _, notes, lines in chosen], split))
    np.savez(path / "piano_rolls.npz", **out)
    return path


def test_training_windows_start_at_bar_lines(roll_dir):
    from models.gan.notes_gan import RollSampler

    sampler = RollSampler(roll_dir / "piano_rolls.npz", 64)
    with np.load(roll_dir / "piano_rolls.npz") as z:
        assert set(sampler.starts) <= set(z["train_bars"])
    a, b = sampler.batch(0, 7, 5, 4), sampler.batch(0, 7, 5, 4)
    assert a.shape == (5, 4, 64 * rolls.PITCHES * 2) and np.array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 1.0} and a.mean() > 0.01


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_trains_on_every_backend_and_critic_loss_falls_on_a_fixed_batch(roll_dir, backend):
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "notes_gan_check.py"),
                           str(roll_dir)], env=check_env(backend),
                          capture_output=True, text=True, timeout=600, cwd=ROOT / "tests")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == result["trained_backend"] == backend
    assert result["steps"] == 4
    losses = result["losses"]
    assert critic_learned(losses), losses


TRAIN = """
import sys, json
sys.path.insert(0, {root!r})
from models.config import resolve
from models import registry
cfg = resolve({{"preset": "smoke", "notes_gan": {{"bars": 1, "d": 2, "batch": 4,
               "steps": {steps}, "log_every": 1, "checkpoint_every": 1,
               "mixed_precision": {mp}}}}})
meta = registry.train("notes_gan", {data!r}, {ckpt!r}, cfg, {state!r})
print(json.dumps(meta))
"""


def run_training(tmp_path, name, steps, data, backend, wait=True, mp=False):
    code = TRAIN.format(root=str(ROOT), steps=steps, data=str(data), mp=mp,
                        ckpt=str(tmp_path / name / "checkpoint"),
                        state=str(tmp_path / name / "state"))
    return train_process(code, backend, wait)


def weights(path):
    with np.load(path / "checkpoint" / "generator.npz") as z:
        return [z[k] for k in sorted(z.files, key=lambda k: int(k.split("_")[1]))]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])  # JAX: rolls on the device
def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path, roll_dir, backend):
    proc = run_training(tmp_path, "killed", 10_000, roll_dir, backend, wait=False)
    step = kill_after_checkpoint(proc, tmp_path / "killed" / "state", 2)
    # the uninterrupted run beside the resumed one, in a process of its own
    plain = run_training(tmp_path, "plain", step + 3, roll_dir, backend, wait=False)
    resumed = run_training(tmp_path, "killed", step + 3, roll_dir, backend)
    plain = finish_process(plain)
    assert (resumed["resumed_from"], resumed["steps"]) == (step, step + 3)
    assert plain["resumed_from"] == 0
    for a, b in zip(weights(tmp_path / "killed"), weights(tmp_path / "plain")):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_trains_in_bfloat16_on_a_cpu(tmp_path, roll_dir):
    """mixed_bfloat16 on TensorFlow's CPU path (what quick's ``auto`` picks on a CPU with
    bfloat16 in hardware; elsewhere emulated, slower, but the same numbers' kind)."""
    meta = run_training(tmp_path, "bf16", 3, roll_dir, "tensorflow", mp=True)
    assert (meta["precision"], meta["steps"]) == ("mixed_bfloat16", 3)
    assert all(np.isfinite(w).all() and w.dtype == np.float32
               for w in weights(tmp_path / "bf16"))


def test_auto_precision_is_bfloat16_where_the_device_computes_it(monkeypatch):
    import keras

    from models.train import loop

    assert (loop.use_bf16(True), loop.use_bf16(False)) == (True, False)
    monkeypatch.setattr(loop, "device_name", lambda: "NVIDIA H200")
    assert loop.use_bf16("auto")
    monkeypatch.setattr(loop, "device_name", lambda: "CPU Intel(R) Xeon(R) Processor")
    monkeypatch.setattr(loop, "native_bf16_cpu", lambda: True)
    assert loop.use_bf16("auto") == (keras.backend.backend() == "tensorflow")
    monkeypatch.setattr(loop, "native_bf16_cpu", lambda: False)
    assert not loop.use_bf16("auto")


def test_samples_have_their_length_and_long_form_joins_at_bar_lines(tmp_path, roll_dir):
    from models import registry
    from models.config import resolve

    cfg = resolve({"preset": "smoke", "notes_gan": {"bars": 2, "d": 2, "batch": 4, "steps": 2,
                                                    "log_every": 1, "checkpoint_every": 1}})
    ckpt = tmp_path / "checkpoint"
    meta = registry.train("notes_gan", roll_dir, ckpt, cfg, tmp_path / "state")
    assert meta["clip_length"] == 2 * 16 * 2000  # two bars of sixteenths at 0.125 s
    names = registry.generate("notes_gan", ckpt, tmp_path / "out", 3, 5, cfg, n_long=1,
                              long_seconds=10.0)
    _, clips = registry.load_samples(tmp_path / "out")
    assert clips.shape == (3, 64000) and len(names) == 3
    notes = json.loads((tmp_path / "out" / "notes.json").read_text())
    assert len(notes["notes"]) == 3 and notes["clip_seconds"] == 4.0
    from models.audio import read_wav

    assert read_wav(tmp_path / "out" / "long_000.wav").shape == (160000,)
    model = registry.get("notes_gan")
    roll, joins = model.long_roll(ckpt, 1, 10.0)
    assert len(roll) == 32 * 3 and joins == [32, 64]  # 10 s: three 4 s windows, bar lines
    assert all(j % rolls.BAR == 0 for j in joins)


def test_rolls_refuse_recordings(tmp_path):
    from models.data.prepare import write_manifest
    from models.data.scores import write_piano_rolls

    write_manifest(tmp_path / "manifest.csv", [{"id": "a", "source": "folder", "path": "a.wav",
                                                "seconds": 1.0, "split": "train", "sha256": ""}])
    with pytest.raises(ValueError, match=r"piano_rolls \(for notes_gan\) needs scores, so "
                                         "data.source must be"):
        write_piano_rolls(tmp_path / "manifest.csv", tmp_path / "r.npz", needed_by=["notes_gan"])
    assert not (tmp_path / "r.npz").exists()
