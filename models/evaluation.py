"""Evaluation steps of the workflow: reference statistics, one model's row, the gathered table."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from models import metrics
from models.data import clips as clipdata
from models.io import atomic_path, read_json, write_json, write_text
from models.registry import load_samples

TABLE_FIELDS = ("model", "fd", "ci_low", "ci_high", "n_clips", "n_reference", "frames",
                "embedding")


def _mel(ev: dict) -> dict:
    return {"n_mels": ev["n_mels"], "n_fft": ev["n_fft"], "hop": ev["hop"]}


def reference_rows(clips_dir, ev: dict) -> np.ndarray:
    """Rows of test.npy the metric compares against: the reference role, capped, seeded."""
    rows = clipdata.test_roles(clips_dir)["reference"]
    if len(rows) > ev["max_reference"]:
        rng = np.random.default_rng(ev["seed"])
        rows = np.sort(rng.choice(rows, ev["max_reference"], replace=False))
    return rows


def write_reference_stats(clips_dir, out_path, ev: dict) -> int:
    rows = reference_rows(clips_dir, ev)
    clips = clipdata.as_float(clipdata.load(clips_dir, "test")[rows])
    stats = metrics.clip_stats(clips, **_mel(ev))
    with atomic_path(out_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, rows=rows, **stats)
    return len(rows)


def load_reference_stats(path) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in ("count", "sum", "outer")}


def evaluate_model(model: str, samples_dir, reference_path, out_path, ev: dict) -> dict:
    _, clips = load_samples(samples_dir)
    row = {"model": model, **metrics.evaluate(clips, load_reference_stats(reference_path),
                                              {"eval": ev})}
    write_json(out_path, row)
    return row


def write_table(metric_paths, csv_path, md_path) -> list[dict]:
    """One row per model (in the order given) as CSV and as a Markdown table, best FD in bold."""
    rows = [read_json(p) for p in metric_paths]
    with atomic_path(csv_path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, TABLE_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    write_text(md_path, markdown_table(rows))
    return rows


def markdown_table(rows: list[dict]) -> str:
    best = min(r["fd"] for r in rows)
    lines = ["| model | FD (log-mel) ↓ | 95% interval | clips | reference clips |",
             "|---|---:|---:|---:|---:|"]
    for r in rows:
        fd = f"{r['fd']:.2f}"
        fd = f"**{fd}**" if r["fd"] == best else fd
        lines.append(f"| {r['model']} | {fd} | [{r['ci_low']:.2f}, {r['ci_high']:.2f}] | "
                     f"{r['n_clips']} | {r['n_reference']} |")
    return "\n".join(lines) + "\n"


def read_table(csv_path) -> list[dict]:
    with open(Path(csv_path), newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for k in ("fd", "ci_low", "ci_high"):
            r[k] = float(r[k])
        for k in ("n_clips", "n_reference", "frames"):
            r[k] = int(r[k])
    return rows
