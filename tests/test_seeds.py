"""Seeds as runs of their own (config, registry), the seeds' answer and figure, the notes as
MIDI, and the newest published run of each kind."""
import json

import pytest

from models.config import ConfigError, resolve, run_config
from models.registry import base, pairings, run_name, runs_of, spec
from models.report import seeds
from models.report.published import newest_runs, run_kind


def test_a_seed_is_a_run_of_its_model():
    run = run_name("notes_gan", 2)
    assert run == "notes_gan-seed2" and base(run) == "notes_gan" and base("notes_gan") == "notes_gan"
    assert spec(run) is spec("notes_gan")
    assert base("wavenet-seed1") == "wavenet-seed1"  # not a registered model: left alone
    with pytest.raises(KeyError, match="unknown model 'wavenet-seed1'"):
        spec("wavenet-seed1")
    models = ["notes_lstm", "notes_lstm-seed1", "notes_gan", "notes_gan-seed1"]
    assert runs_of(models, "notes_gan") == ["notes_gan", "notes_gan-seed1"]
    assert pairings(models) == [("notes_lstm", "notes_gan")]  # seeds answer apart


def test_config_seeds_become_runs_with_the_models_section():
    cfg = resolve({"preset": "smoke", "seeds": {"notes_gan": [3, 5]}})
    i = cfg["models"].index("notes_gan")
    assert cfg["models"][i:i + 3] == ["notes_gan", "notes_gan-seed3", "notes_gan-seed5"]
    assert cfg["notes_gan-seed5"] == {**cfg["notes_gan"], "seed": 5}
    sees = run_config(cfg, "notes_gan-seed5")
    assert sees["notes_gan"]["seed"] == 5 and set(sees) == {"sample_rate", "clips", "notes_gan"}
    assert set(run_config(cfg, "noise")) == {"sample_rate", "clips"}  # no section of its own


@pytest.mark.parametrize("seeds, words", [
    ({"notes_gan": [0]}, "seeds.notes_gan: seed 0 is the model's own"),
    ({"ngram": [1]}, "seeds.ngram: ngram does not train with steps"),
    ({"wavenet": [1]}, "seeds: unknown model 'wavenet'"),
    ({"notes_gan": ["a"]}, "seeds.notes_gan.0: 'a' is not of type 'integer'"),
])
def test_bad_seeds_are_one_line_errors(seeds, words):
    with pytest.raises(ConfigError, match=words):
        resolve({"preset": "smoke", "seeds": seeds, "models": ["noise", "ngram", "notes_gan"]})


def test_seeds_of_a_model_the_run_leaves_out_are_not_run():
    cfg = resolve({"preset": "smoke", "models": ["noise", "notes_gan"]})  # smoke: notes_lstm [1]
    assert cfg["models"] == ["noise", "notes_gan", "notes_gan-seed1"]


def point(value, half=0.02, **extra):
    return {"harmony": value, "harmony_low": value - half, "harmony_high": value + half, **extra}


def row(model, harmony, fd=50.0, musicality=0.6, half=0.02):
    return {"model": model, **point(harmony, half), "fd": fd, "fd_low": fd - 5, "fd_high": fd + 5,
            "musicality": musicality, "musicality_low": musicality - 0.05,
            "musicality_high": musicality + 0.05}


def test_a_curve_flattens_when_its_last_third_agrees():
    rising = [point(v, seconds=s) for s, v in ((1, 0.3), (2, 0.4), (4, 0.5), (8, 0.6))]
    flat = [point(v, seconds=s) for s, v in ((1, 0.3), (2, 0.5), (4, 0.61), (8, 0.6))]
    assert seeds.flattened(rising) is False and seeds.flattened(flat) is True
    assert seeds.rising(rising) and not seeds.rising(flat)
    assert seeds.flattened(flat[:2]) is None  # two snapshots say nothing about a trend


def toy_run():
    models = ["random_pitch", "ngram", "notes_lstm", "notes_lstm-seed1", "notes_lstm-seed2",
              "notes_gan", "notes_gan-seed1", "notes_gan-seed2"]
    rows = [row("random_pitch", 0.40), row("ngram", 0.70),
            row("notes_lstm", 0.60), row("notes_lstm-seed1", 0.62), row("notes_lstm-seed2", 0.58),
            row("notes_gan", 0.50, fd=52), row("notes_gan-seed1", 0.61, fd=49),
            row("notes_gan-seed2", 0.43, fd=51)]
    budgets = {m: {"steps": 1000 + i, "train_s": 600.0} for i, m in enumerate(models[2:])}
    curves = {m: [point(0.3, seconds=60), point(0.5, seconds=300), point(0.51, seconds=600)]
              for m in models[2:]}
    return models, rows, budgets, curves


def test_the_seeds_answer_counts_seeds_and_calls_overlaps_ties():
    models, rows, budgets, curves = toy_run()
    lines = seeds.seeds_lines(rows, curves, budgets, models, threads=1)
    text = "\n".join(lines)
    assert "notes_lstm (LSTM, 3 seeds) and notes_gan (GAN, 3 seeds)" in text
    assert "10.0–10.0 core-minutes on 1 core a run (matched compute" in text
    # harmony: seed 0 and seed 2 apart (0.60 vs 0.50, 0.58 vs 0.43), seed 1 a tie (0.62, 0.61)
    assert "On harmony ↑ the LSTM beats the GAN in 2 of 3 seeds (95% intervals apart); 1 of 3 " \
           "are ties." in text
    assert "On realism (FD ↓) the data cannot tell the LSTM from the GAN in any of 3 seeds" in text
    assert "intervals above it for notes_lstm in 3 of 3 seeds, notes_gan in 2 of 3 seeds" in text
    assert "(`ngram`, harmony ↑ 0.700): intervals above it for notes_lstm in 0 of 3" in text
    assert "notes_lstm in 3 of 3 seeds; notes_gan in 3 of 3 seeds." in text
    curves["notes_gan-seed1"].append(point(0.7, seconds=900))  # rises past its intervals
    moved = "\n".join(seeds.seeds_lines(rows, curves, budgets, models, threads=1))
    assert "notes_gan in 2 of 3 seeds (1 still rising at 10 core-minutes)" in moved
    assert "| notes_lstm<br><small>LSTM</small> | 3 | 1,000–1,002 | 10.0 | " \
           "50<br><small>50–50</small> | 0.600<br><small>0.600–0.600</small> | " \
           "0.600<br><small>0.580–0.620</small> |" in text
    assert text.count("![") == 1 and seeds.FIGURE in text
    # a run without a note model of one family has no seeds answer
    assert seeds.seeds_lines(rows, curves, budgets, models[:5], threads=1) == []


def test_the_seeds_figure_draws_every_seed(tmp_path):
    models, rows, budgets, curves = toy_run()
    seeds.seeds_chart(curves, rows, models, 1, tmp_path / "seeds.png")
    assert (tmp_path / "seeds.png").stat().st_size > 10_000


def test_notes_become_a_midi_file_with_every_clip(tmp_path):
    import pretty_midi

    from models.data.midi import GAP_S, write_notes_midi

    notes = {"clip_seconds": 2.0, "notes": [[[0.0, 0.5, 60], [0.5, 1.0, 64]], [[0.25, 2.0, 67]]]}
    path = write_notes_midi(notes, tmp_path / "run.mid")
    midi = pretty_midi.PrettyMIDI(str(path))
    got = [(round(n.start, 3), round(n.end, 3), n.pitch) for n in midi.instruments[0].notes]
    assert got == [(0.0, 0.5, 60), (0.5, 1.0, 64), (2.0 + GAP_S + 0.25, 4.0 + GAP_S, 67)]
    assert [t.text for t in midi.text_events] == ["clip_000", "clip_001"]


def test_the_newest_published_run_of_each_kind(tmp_path):
    for folder in ("cpu_hour/2026-11-30", "cpu_hour/2026-12-03", "gpu"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "provenance.json").write_text(json.dumps({}))
    (tmp_path / "cpu_hour" / "notes").mkdir()  # not a dated run
    runs = newest_runs(tmp_path)
    assert runs == [str(tmp_path / "cpu_hour/2026-12-03"), str(tmp_path / "gpu")]
    assert [run_kind(r) for r in runs] == ["cpu_hour", "gpu"]
