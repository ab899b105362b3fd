"""The workflow end to end on the smoke preset, in a fresh copy: outputs, no-op rerun, single
targets, lint, and the README's install files agreeing."""
import csv
import json
import re

import pytest
import soundfile as sf
import yaml

from conftest import ROOT, run_snakemake
from models.config import resolve
from models.registry import MODELS, base, select, spec

# What the smoke build must hold, read from the registry: every model (its source renders the
# scores, so the note-level ones too), the GANs (curves, latent interpolations), the models
# that make long pieces and those that make notes.
GANS = select(family="GAN")
LONG = select(long=True)
NOTES = select(notes=True)
STEPPED = select(steps=True)                # training curves, a benchmark row
LEARNERS = select(steps=True, ranked=True)  # snapshots: quality against compute
RUNS = resolve({"preset": "smoke"})["models"]  # the models and the note models' extra seeds
SEEDS = [m for m in RUNS if base(m) != m]


def test_smoke_build_is_complete(smoke_build):
    """Everything is there; how long it took is reported in the summary and on the benchmark
    page, not asserted."""
    work, _ = smoke_build
    out = work / "results" / "smoke"
    assert (out / "site" / "index.html").is_file()
    for model in RUNS:
        assert (out / "site" / "models" / model / "index.html").is_file()
        assert (out / "plots" / model / "waveplot.png").stat().st_size > 10_000
        assert len(list((out / "samples" / model).glob("clip_*.wav"))) == 16
        assert (out / "logs" / "train" / f"{model}.log").is_file()
    for model in GANS:
        assert (out / "plots" / model / "curves.png").is_file()
        assert (out / "samples" / model / "interpolation.wav").is_file()
        page = (out / "site" / "models" / model / "index.html").read_text()
        assert "curves.png" in page and "interpolation.wav" in page
        meta = json.loads((out / "models" / model / "checkpoint" / "model.json").read_text())
        assert meta["steps"] == 8 and meta["backend"] == "tensorflow"
    for model in LONG:  # smoke: one 4 s piece
        long_pieces = sorted((out / "samples" / model).glob("long_*.wav"))
        assert [p.name for p in long_pieces] == ["long_000.wav"]
        assert sf.info(long_pieces[0]).duration == pytest.approx(4.0)
        assert "long_000.wav" in (out / "site" / "models" / model / "index.html").read_text()
    for model in set(MODELS) - set(LONG):
        assert not list((out / "samples" / model).glob("long_*.wav")), model
    for model in ("wavegan", "specgan"):  # 1 s clips: a 4 s piece has joins, measured
        info = json.loads((out / "samples" / model / "clips.json").read_text())["info"]
        assert info["clips per piece"] == 5 and 0 < info["seam flux ratio"] < 10
        assert "seam flux ratio" in (out / "site" / "models" / model / "index.html").read_text()
    info = json.loads((out / "samples" / "lstm_seed_teacher" / "clips.json").read_text())["info"]
    assert "teacher-forced MSE (audio in [-1, 1])" in info
    table = {r["model"]: r for r in csv.DictReader(open(out / "metrics/table.csv"))}
    assert set(table) == set(RUNS)
    fd = {m: float(r["fd"]) for m, r in table.items()}
    assert fd["noise"] > 2 * max(fd["real_heldout"], fd["train_copy"])
    for key in ("fd", "kd_logmel", "kd_musicnn"):  # the baselines bracket the scale
        assert float(table["real_heldout"][f"{key}_high"]) < float(table["noise"][f"{key}_low"])
    assert table["train_copy"]["verdict"] == "copying"
    assert table["real_heldout"]["verdict"] == "no copying"
    page = (out / "site" / "comparison" / "index.html").read_text()
    assert "train_copy is flagged and real_heldout is not" in page
    for chart in ("headline", "distribution", "memorisation", "musicality", "learning"):
        assert (out / "site" / "img" / "comparison" / f"{chart}.png").stat().st_size > 10_000
    assert "Where each model stands" in page and "Quality against training compute" in page
    tables = page.split("<table>")[1:]
    assert "audio realism" in tables[0] and "status" not in tables[0]   # the headline leads,
    assert any("status" in t.split("</thead>")[0] for t in tables[1:])  # where each stands after
    assert page.index("Where each model stands") > page.index("What the numbers say")
    assert page.count("<details") >= 6      # every other metric's table and the charts: folded
    note_level = json.loads((out / "metrics" / "note_level.json").read_text())["rows"]
    assert set(note_level) == {*(m for m in RUNS if spec(m).notes), "real_heldout",
                               "random_pitch"}
    assert "Note level: GAN vs LSTM" in page
    for model in NOTES:
        listing = json.loads((out / "samples" / model / "notes.json").read_text())
        assert len(listing["notes"]) == 16


def test_no_job_compiled_numba_code_outside_the_snapshot(smoke_build):
    """Every job copied the snapshot compiled before the first job (models/numba_cache.py) and
    needed nothing more: a job that compiled a cached numba function says so in its log."""
    logs = smoke_build[0] / "results" / "smoke" / "logs"
    compiled = [str(p.relative_to(logs)) for p in logs.rglob("*.log")
                if "numba: compiled" in p.read_text(errors="replace")]
    assert list(logs.rglob("*.log")) and not compiled, compiled


def test_every_evaluated_set_has_the_same_windows(smoke_build):
    """Every model (4 s GANs included) and the long-form pieces are measured on 1.024 s
    windows, every model on as many; the reference on windows of the same length."""
    work, _ = smoke_build
    out = work / "results" / "smoke"
    rows = {m: json.loads((out / "metrics" / f"{m}.json").read_text()) for m in MODELS}
    assert {(r["window"], r["n_windows"]) for r in rows.values()} == {(16384, 16)}
    assert sf.info(out / "samples" / "wavegan_long" / "clip_000.wav").frames == 65536
    for model in LONG:
        assert rows[model]["long_n_windows"] == 3, model       # one 4 s piece: 3 windows
    import numpy as np

    with np.load(out / "metrics" / "features" / "reference.npz") as ref:
        assert int(ref["window"]) == 16384


def test_the_headline_numbers_order_real_bach_repitched_bach_and_noise(smoke_build):
    """Musicality: held-out Bach, then Bach with every note at a random pitch, then noise;
    audio realism puts held-out Bach closer than noise; harmony puts held-out Bach above
    random pitches, and the home page judges music by it."""
    work, _ = smoke_build
    out = work / "results" / "smoke"
    row = {m: json.loads((out / "metrics" / f"{m}.json").read_text())
           for m in ("real_heldout", "noise")}
    repitched = json.loads((out / "metrics" / "validity" / "random_pitch.json").read_text())
    row["random_pitch"] = repitched["rows"][-1]
    assert row["random_pitch"]["strength"] == 1.0
    music = {k: r["musicality"] for k, r in row.items()}
    assert music["real_heldout"] > music["random_pitch"] > music["noise"], music
    assert row["real_heldout"]["fd"] < row["noise"]["fd"]
    # harmony hears the wrong notes: the random_pitch baseline (every note re-pitched, the
    # clips real_heldout plays) lies below held-out Bach, as the panel's last rung does
    baseline = json.loads((out / "metrics" / "random_pitch.json").read_text())
    assert baseline["harmony_high"] < row["real_heldout"]["harmony_low"]
    assert row["random_pitch"]["harmony"] < row["real_heldout"]["harmony"]
    home = (out / "site_src" / "docs" / "index.md").read_text()
    assert "**Which make music.**" in home and "better than random_pitch's" in home


def test_manifest_has_no_piece_in_two_splits(smoke_build):
    work, _ = smoke_build
    rows = list(csv.DictReader(open(work / "results/smoke/data/manifest.csv")))
    assert list(rows[0]) == ["id", "source", "path", "seconds", "split", "sha256"]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 20
    assert {r["split"] for r in rows} == {"train", "valid", "test"}
    index = list(csv.DictReader(open(work / "results/smoke/data/clips/index.csv")))
    split_of_piece = {r["id"]: r["split"] for r in rows}
    assert all(split_of_piece[c["piece"]] == c["split"] for c in index)


def test_second_run_has_nothing_to_do(smoke_build):
    work, _ = smoke_build
    proc = run_snakemake(work, "-n", "--config", "preset=smoke")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_single_target_rebuilds_alone(smoke_build):
    work, _ = smoke_build
    target = work / "results/smoke/plots/noise/waveplot.png"
    target.unlink()
    proc = run_snakemake(work, "results/smoke/plots/noise/waveplot.png", "--cores", "1",
                         "--config", "preset=smoke")
    assert target.is_file()
    assert re.findall(r"rule (\w+):", proc.stdout + proc.stderr) == ["plot_model"]


def test_wrong_model_in_config_fails_before_any_job(smoke_build):
    work, _ = smoke_build
    proc = run_snakemake(work, "-n", "--config", "preset=smoke", "models=[noise,wavenet]",
                         check=False)
    assert proc.returncode != 0 and "unknown model 'wavenet'" in proc.stderr


@pytest.mark.parametrize("profile", [[], ["--profile", "profiles/slurm"]])
def test_lint_is_clean(profile):
    proc = run_snakemake(ROOT, "--lint", *profile, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_conda_pip_list_equals_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    req = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    assert pip == req


def test_data_report_counts_pieces_and_hours(smoke_build):
    work, _ = smoke_build
    report = json.loads((work / "results/smoke/data/report.json").read_text())
    assert report["pieces"] == 20 and report["skipped"] == []
    assert sum(s["pieces"] for s in report["splits"].values()) == 20
    assert report["hours"] == pytest.approx(sum(s["hours"] for s in report["splits"].values()))


def test_benchmark_covers_every_trained_model(smoke_build):
    work, _ = smoke_build
    rows = list(csv.DictReader(open(work / "results/smoke/benchmark.csv")))
    assert [r["model"] for r in rows] == [m for m in RUNS if base(m) in STEPPED]
    for r in rows:
        assert float(r["tflop_per_step"]) > 0 and float(r["steps_per_s"]) > 0
        assert float(r["realtime_x"]) > 0 and r["device"].startswith("CPU")
    page = (work / "results/smoke/site_src/docs/benchmark.md").read_text()
    assert "| wavegan | float32 | 4 | 8 |" in page    # batch 4, 8 steps
    # the whole run: every rule that runs a job has a benchmark file, the site's two aside
    timed = re.search(r"\*\*(\d+) s\*\* of wall time in which at least one of the run's "
                      r"(\d+) timed jobs", page)
    jobs = sum(1 for _ in (work / "results/smoke/benchmarks").rglob("*.tsv"))
    assert timed and int(timed[1]) > 0 and int(timed[2]) == jobs > 60
    assert "Load average when these pages were made" in page


def test_a_published_run_joins_the_site_without_retraining(smoke_build, tmp_path):
    import shutil
    import subprocess
    import sys

    work = tmp_path / "bachgen"
    shutil.copytree(smoke_build[0], work, symlinks=True)
    out = work / "published/smoke_run/2026-12-03"  # published/<kind>/<date>
    publish = [sys.executable, "-m", "models.report.publish", "results/smoke", str(out),
               "--commit", "test", "--wall-s", "150", "--command",
               "snakemake --config preset=smoke"]
    subprocess.run(publish, cwd=work, check=True, capture_output=True, text=True)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["commit"] == "test" and prov["wall_s"] == 150 and prov["models"] == RUNS
    assert prov["trained"]["wavegan"]["steps"] == 8 and "train" in prov["rules"]
    assert prov["host"]["cpu"] and prov["host"]["cpus"] >= 1
    assert len(list((out / "metrics/snapshots").glob("*.json"))) == \
        len([m for m in RUNS if base(m) in LEARNERS])
    assert sorted(p.name for p in (out / "curves").iterdir()) == \
        sorted(f"{m}.csv" for m in RUNS if base(m) in STEPPED)
    # every run that played notes: its notes and a MIDI file; excerpts of each note model's
    # best seed
    played = [m for m in RUNS if spec(m).notes]
    assert sorted(p.name for p in (out / "notes").iterdir()) == \
        sorted(f"{m}{ext}" for m in played for ext in (".json", ".mid"))
    assert sorted(base(p.name) for p in (out / "excerpts").iterdir()) == ["notes_gan", "notes_lstm"]
    assert not list(out.rglob("state.npz"))  # no checkpoints
    assert not list((out / "docs").rglob("*.wav")) and list((out / "docs").rglob("*.ogg"))
    # only the site's two rules see the new run; then its pages, provenance included, are there
    dry = run_snakemake(work, "-n", "--config", "preset=smoke")
    assert sorted(set(re.findall(r"^(?:local)?rule (\w+):", dry.stdout, re.M)) - {"all"}) == \
        ["build_site", "site_pages"], dry.stdout
    run_snakemake(work, "--cores", "2", "--config", "preset=smoke")
    site = work / "results/smoke/site/runs/smoke_run"
    provenance = (work / "results/smoke/site_src/docs/runs/smoke_run/provenance.md").read_text()
    assert "**2.5 min**" in provenance and "Commit: `test`" in provenance
    for page_dir in ("models/wavegan", "listening"):  # the players play the Ogg files
        page = (site / page_dir / "index.html").read_text()
        srcs = re.findall(r'<audio[^>]* src="([^"]+)"', page)
        assert srcs and all(src.endswith(".ogg") for src in srcs), srcs
        for src in srcs:
            assert (site / page_dir / src).resolve().is_file(), src
    # publishing what is not a finished run fails with one line naming it
    (work / "results/half").mkdir()
    proc = subprocess.run(publish[:3] + ["results/half", "published/half"] + publish[5:],
                          cwd=work, capture_output=True, text=True)
    assert proc.returncode != 0 and not (work / "published/half").exists()
    assert proc.stderr.strip().startswith("publish: results/half: not a finished run, missing")


def test_validity_panel_hears_every_degradation(smoke_build):
    """On the smoke data, the strongest rung of every degradation is farther from held-out Bach
    than the clean clips on both headline numbers; the clean rung is real_heldout's own row
    (its features, measured once); the page is on the site."""
    work, _ = smoke_build
    out = work / "results" / "smoke"
    panel = {p.stem: json.loads(p.read_text())["rows"]
             for p in (out / "metrics" / "validity").glob("*.json")}
    heldout = json.loads((out / "metrics" / "real_heldout.json").read_text())
    for rows in panel.values():
        assert {k: rows[0][k] for k in ("fd", "musicality", "kd_musicnn")} == \
            {k: heldout[k] for k in ("fd", "musicality", "kd_musicnn")}
    assert sorted(panel) == sorted(["white_noise", "low_pass", "time_shuffle", "silence_gaps",
                                    "random_pitch"])
    for name, rows in panel.items():
        assert [r["rung"] for r in rows] == [0, 1, 2, 3, 4] and rows[0]["strength"] is None
        assert rows[-1]["musicality"] < rows[0]["musicality"], name
        assert rows[-1]["fd"] > rows[0]["fd"], name
        assert {(r["window"], r["n_windows"]) for r in rows} == {(16384, 16)}
    page = (out / "site" / "validity" / "index.html").read_text()
    assert "Does the metric work?" in page and "Spearman" in page
    for name in panel:
        assert (out / "site" / "img" / "validity" / f"{name}.png").stat().st_size > 10_000


def test_method_page_carries_this_runs_transcriber_check(smoke_build):
    work, _ = smoke_build
    check = json.loads((work / "results/smoke/metrics/transcriber.json").read_text())
    assert check["total"]["pieces"] == 2 and 0.5 < check["total"]["f1"] <= 1
    page = (work / "results/smoke/site/method/index.html").read_text()
    assert f"note F1 is <strong>{check['total']['f1']:.2f}</strong>" in page
    assert "transcriber check" not in page


def test_quality_against_compute_has_a_curve_per_neural_model(smoke_build):
    """Every neural model kept at least 4 snapshots (steps 1, 2, 4, 8), each measured; the
    comparison page's figure and matched-compute table come from them, and the home page
    opens on the answer with both figures."""
    out = smoke_build[0] / "results" / "smoke"
    for model in LEARNERS:
        rows = json.loads((out / "metrics" / "snapshots" / f"{model}.json").read_text())["rows"]
        assert [r["steps"] for r in rows][:4] == ([2, 4, 8, 16] if model == "notes_lstm"
                                                  else [1, 2, 4, 8])
        assert all(r["seconds"] > 0 and r["fd"] > 0 for r in rows)
        final = json.loads((out / "metrics" / f"{model}.json").read_text())
        assert rows[-1]["fd"] == final["fd"]          # the last snapshot is the final model
    page = (out / "site_src" / "docs" / "comparison.md").read_text()
    # one matched-compute table a level: the note-level models first, each table at the most
    # compute every one of its models reached; a header and a row per run in all
    levels = page.split("at matched compute**")[1:]
    assert len(levels) == 2 and "note-level models" in page.split("at matched compute**")[0]
    rows = [ln for level in levels for ln in level.split("\n\n")[1].splitlines()
            if ln.startswith("| ")]
    assert len(rows) == len([m for m in RUNS if base(m) in LEARNERS]) + 2
    home = (out / "site_src" / "docs" / "index.md").read_text()
    assert "## The answer so far" in home and "**Which learned.**" in home
    assert "img/comparison/headline.png" in home and "img/comparison/learning.png" in home
    html = (out / "site" / "index.html").read_text()
    assert "img/comparison/headline.png" in html and "img/comparison/learning.png" in html


def test_every_seed_is_a_target_and_the_home_page_answers_over_seeds(smoke_build):
    """The toy cpu_hour study: smoke trains each note model at a second seed, as runs of their
    own; the seeds differ, one rebuilds alone, and the home page opens on their answer."""
    work, _ = smoke_build
    out = work / "results" / "smoke"
    assert SEEDS == ["notes_lstm-seed1", "notes_gan-seed1"]
    for run in SEEDS:
        meta = json.loads((out / "models" / run / "checkpoint" / "model.json").read_text())
        assert meta["model"] == run and (out / "metrics" / f"{run}.json").is_file()
        assert (out / "metrics" / "snapshots" / f"{run}.json").is_file()
        own = json.loads((out / "metrics" / f"{base(run)}.json").read_text())
        mine = json.loads((out / "metrics" / f"{run}.json").read_text())
        assert mine["fd"] != own["fd"]  # another seed, other weights, other music
    bench = {r["model"]: r for r in csv.DictReader(open(out / "benchmark.csv"))}
    assert all(float(bench[r]["core_min"]) > 0 for r in SEEDS)
    summary = json.loads((out / "site_src/docs/summary.json").read_text())
    answer = "\n".join(summary["seeds"])
    assert "notes_lstm (LSTM, 2 seeds) and notes_gan (GAN, 2 seeds)" in answer
    assert "2 seeds per family: too few to call a family better" in answer
    # the home page opens on the answer over seeds (the newest published run's, else this
    # build's), its figure drawn where the page links it
    home = (out / "site_src/docs/index.md").read_text()
    figure = re.findall(r"!\[Harmony against core-minutes, every seed\]\(([^)]+)\)", home)
    assert len(figure) == 1 and (out / "site" / figure[0]).stat().st_size > 10_000
    assert home.index("GAN against LSTM at the note level") < home.index("**What was compared.**")
    forced = run_snakemake(work, "-n", "-f", "results/smoke/models/notes_gan-seed1/checkpoint",
                           "--config", "preset=smoke")
    assert re.findall(r"^rule (\w+):", forced.stdout, re.M) == ["train"], forced.stdout
    assert "wildcards: model=notes_gan-seed1" in forced.stdout


def test_no_generated_table_prints_more_than_four_significant_digits(smoke_build):
    """Every table row of every page of the site, a published run's included (the site prints
    its numbers at four significant digits too): a decimal number has at most four
    significant digits (integers are counts, exact)."""
    docs = smoke_build[0] / "results/smoke/site_src/docs"
    decimal = re.compile(r"(?<![\w.#/-])\d+\.\d+(?:e[-+]?\d+)?(?![\w.-])")
    long = []
    pages = list(docs.rglob("*.md"))
    assert any("runs" in p.relative_to(docs).parts for p in pages)   # published runs' too
    for page in pages:
        for line in page.read_text().splitlines():
            if line.lstrip().startswith("|"):
                long += [(page.name, n) for n in decimal.findall(line)
                         if len(n.split("e")[0].replace(".", "").lstrip("0")) > 4]
    assert long == [], long[:20]
