"""Publish a finished run: its site pages, tables, curves and provenance, without checkpoints.

    python -m models.report.publish results/gpu published/gpu --commit <sha> --wall-s 512 \\
        --command "snakemake ..."

writes ``published/gpu/`` (atomically): ``docs/`` (the run's generated MkDocs source, audio
players and figures included), ``provenance.json``, ``benchmark.csv``, ``table.csv`` and
``table.md``, ``metrics/<model>.json``, ``metrics/snapshots/<model>.json`` (quality against
compute) and ``curves/<model>.csv``. The site of any preset shows
every folder of ``published/`` in a section of its own (models/report/site.py: add_published), so a
fresh clone rebuilds it without training anything.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from models.io import atomic_dir, write_json
from models.report.provenance import collect
from models.report.table import read_table
from models.report.timeline import measured

REQUIRED = ("site_src/docs", "site_src/mkdocs.yml", "benchmark.csv", "metrics/table.csv",
            "metrics/table.md")


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
    return prov


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="the run's folder, results/<preset>")
    ap.add_argument("out", help="where to publish it, e.g. published/<preset>")
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
