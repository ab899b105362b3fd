"""Publish a finished run: its site pages, tables, curves and provenance, without checkpoints.

    python -m models.report.publish results/cpu_hour published/cpu_hour/2026-12-03 \\
        --commit <sha> --wall-s 3400 --command "snakemake ..."

writes the folder (atomically): ``docs/`` (the run's generated MkDocs source, audio players and
figures included), ``provenance.json``, ``benchmark.csv``, ``table.csv`` and ``table.md``,
``metrics/<model>.json``, ``metrics/snapshots/<model>.json`` (quality against compute),
``curves/<model>.csv``, and for every run that plays notes ``notes/<run>.json`` and
``notes/<run>.mid`` (every generated clip, one after another) and, for each note model's best
seed on harmony, ``excerpts/<run>/clip_00N.wav``. The pages' players are Ogg Vorbis
(``compress_audio``) and their figures 256-colour PNGs (``compress_images``), so a run of twenty
models stays under 20 MB. Runs are kept as ``published/<kind>/<date>/``
(an older one as ``published/<kind>/``); the site of any preset shows the newest run of each
kind (``newest_runs``) in a section of its own (models/report/site.py: add_published), so a
fresh clone rebuilds it without training anything.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from models.data.midi import write_notes_midi
from models.io import atomic_dir, read_json, write_json
from models.registry import seed_runs
from models.report.provenance import collect
from models.report.table import HARMONY, read_table
from models.report.timeline import measured

REQUIRED = ("site_src/docs", "site_src/mkdocs.yml", "benchmark.csv", "metrics/table.csv",
            "metrics/table.md")
EXCERPTS = 3  # clips of each note model's best seed


def compress_audio(docs: Path) -> int:
    """Every WAV player file of a published site source as Ogg Vorbis (a tenth of the size,
    played by every browser), and the pages' links to them; the excerpts for re-measuring stay
    WAV. Returns the number of files."""
    import soundfile as sf

    waves = sorted(docs.rglob("*.wav"))
    for wav in waves:
        data, rate = sf.read(wav, dtype="float32")
        sf.write(wav.with_suffix(".ogg"), data, rate, format="OGG", subtype="VORBIS")
        wav.unlink()
    for page in docs.rglob("*.md"):
        text = page.read_text()
        if ".wav" in text:
            page.write_text(re.sub(r'(\.\.?/|[\w./-]*/)([\w.-]+)\.wav\b', r"\1\2.ogg", text))
    return len(waves)


def compress_images(docs: Path) -> int:
    """Every PNG of a published site source at 256 colours (about half the size; the figures
    are flat colours and colour maps). Returns the number of files."""
    from PIL import Image

    pngs = sorted(docs.rglob("*.png"))
    for png in pngs:
        with Image.open(png) as im:
            small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(png, optimize=True)
    return len(pngs)


def write_notes(results_dir: Path, out: Path, models: list[str], rows: list[dict]) -> None:
    """notes/<run>.json and .mid for every run that played notes, and excerpts of each note
    model's best seed on harmony."""
    by = {r["model"]: r for r in rows}
    for run in models:
        notes = results_dir / "samples" / run / "notes.json"
        if notes.is_file():
            (out / "notes").mkdir(exist_ok=True)
            shutil.copy(notes, out / "notes" / f"{run}.json")
            write_notes_midi(read_json(notes), out / "notes" / f"{run}.mid")
    for model, runs in seed_runs(models).items():
        best = max(runs, key=lambda r: -HARMONY.score(by.get(r, {})))
        samples = results_dir / "samples" / best
        (out / "excerpts" / best).mkdir(parents=True)
        for name in read_json(samples / "clips.json")["clips"][:EXCERPTS]:
            shutil.copy(samples / name, out / "excerpts" / best / name)


def models_of(results_dir: Path) -> list[str]:
    """The run's models, in the order of its metric table."""
    models = [row["model"] for row in read_table(results_dir / "metrics" / "table.csv")]
    if not models:
        raise ValueError(f"{results_dir}/metrics/table.csv: no models")
    return models


def publish(results_dir, out_dir, commit: str, wall_s: float, command: str) -> dict:
    results_dir, out_dir = Path(results_dir), Path(out_dir)
    missing = [p for p in REQUIRED if not (results_dir / p).exists()]
    if missing:
        raise FileNotFoundError(f"{results_dir}: not a finished run, missing {', '.join(missing)}")
    models = models_of(results_dir)
    prov = collect(results_dir, commit, wall_s, command, models)
    try:
        prov["timeline"] = measured(results_dir)
    except ValueError:  # no job of this run kept a benchmark file
        prov["timeline"] = None
    with atomic_dir(out_dir) as tmp:
        shutil.copytree(results_dir / "site_src" / "docs", tmp / "docs",
                        ignore=shutil.ignore_patterns("runs"))  # no runs published inside runs
        compress_audio(tmp / "docs")
        compress_images(tmp / "docs")
        write_json(tmp / "provenance.json", prov)
        shutil.copy(results_dir / "benchmark.csv", tmp / "benchmark.csv")
        for name in ("table.csv", "table.md"):
            shutil.copy(results_dir / "metrics" / name, tmp / name)
        (tmp / "metrics").mkdir()
        (tmp / "curves").mkdir()
        for model in models:
            shutil.copy(results_dir / "metrics" / f"{model}.json", tmp / "metrics" / f"{model}.json")
            snapshots = results_dir / "metrics" / "snapshots" / f"{model}.json"
            if snapshots.is_file():  # quality against compute
                (tmp / "metrics" / "snapshots").mkdir(exist_ok=True)
                shutil.copy(snapshots, tmp / "metrics" / "snapshots" / f"{model}.json")
            curves = results_dir / "models" / model / "state" / "curves.csv"
            if curves.is_file():
                shutil.copy(curves, tmp / "curves" / f"{model}.csv")
        write_notes(results_dir, tmp, models, read_table(results_dir / "metrics" / "table.csv"))
    return prov


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="the run's folder, results/<preset>")
    ap.add_argument("out", help="where to publish it, e.g. published/<preset>/<date>")
    ap.add_argument("--commit", required=True, help="the commit the run was made from")
    ap.add_argument("--wall-s", type=float, required=True, help="the whole run's wall time")
    ap.add_argument("--command", required=True, help="the command that made the run")
    args = ap.parse_args(argv)
    try:
        prov = publish(args.results, args.out, args.commit, args.wall_s, args.command)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f"publish: {err}")
    print(f"published {args.results} -> {args.out}: {len(prov['models'])} models, "
          f"{prov['wall_s'] / 60:.1f} min on {prov['device'] or 'CPU'}")


if __name__ == "__main__":
    main()
