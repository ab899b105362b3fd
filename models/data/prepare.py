"""Build the corpus: audio from the configured source, the split, the manifest and a report.

Outputs (all under ``results/<preset>/data/``):
  audio/<id>.wav   16 kHz mono 16-bit, peak-normalised, one file per piece
  manifest.csv     id, source, path, seconds, split, sha256 (of the 16 kHz wav)
  report.json      counts, hours, split sizes, skipped files and why, render time
"""
from __future__ import annotations

import csv
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from models.data import render, sources
from models.data.split import SPLITS, select_pieces, split_of
from models.io import atomic_dir, atomic_path, write_json

MANIFEST_FIELDS = ("id", "source", "path", "seconds", "split", "sha256")


def _bar(desc):
    from tqdm import tqdm

    return lambda it=None, **kw: tqdm(it, desc=desc, file=sys.stderr, **kw)


def _import_folder(files: dict, out_dir: Path, threads: int, silence_db: float) -> list[dict]:
    jobs = [(pid, str(files[pid]), str(out_dir), silence_db) for pid in sorted(files)]
    with ProcessPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(_bar("decode")(pool.map(sources.import_file, jobs), total=len(jobs)))


def collect(cfg: dict, out_dir: Path, threads: int, download_dir: Path | None = None):
    """Write one wav per usable piece into ``out_dir``; return (rows, skipped, origin)."""
    data = cfg["data"]
    source = data["source"]
    if source == "bach_render":
        pieces = render.bach_scores()
        keep = select_pieces(pieces, data["split"], data["max_pieces"])
        rows = render.render_corpus({p: pieces[p] for p in keep}, out_dir, threads,
                                    data["silence_db"], progress=_bar("render"))
        origin = f"music21 corpus ({len(pieces)} Bach scores), SoundFont {render.soundfont_path().name}"
    else:
        if source == "folder":
            folder = Path(data["folder"])
        else:  # wavegan_piano: the archive is fetched by its own rule into download_dir
            archive = Path(download_dir) / "archive"
            folder = sources.extract(archive, Path(download_dir) / "extracted")
        files = sources.find_audio_files(folder)
        keep = select_pieces(files, data["split"], data["max_pieces"])
        rows = _import_folder({p: files[p] for p in keep}, out_dir, threads, data["silence_db"])
        origin = str(folder)
    skipped = [r for r in rows if "error" in r]
    for r in skipped:
        print(f"skipped {r['error']}", file=sys.stderr)
    good = [r for r in rows if "error" not in r]
    if not good:
        raise sources.DataError(f"{origin}: no usable audio ({len(skipped)} files skipped)")
    return good, skipped, origin


def prepare(cfg: dict, audio_dir, manifest_path, report_path, threads: int = 1,
            download_dir=None) -> dict:
    """Run the data stage end to end; returns the report."""
    start = time.perf_counter()
    audio_dir = Path(audio_dir)
    with atomic_dir(audio_dir) as tmp:
        rows, skipped, origin = collect(cfg, tmp, threads, download_dir)
        for r in rows:  # paths as they will be after the rename
            r["path"] = str(audio_dir / Path(r["path"]).name)
    wall = time.perf_counter() - start
    shares = cfg["data"]["split"]
    for r in rows:
        r["split"] = split_of(r["id"], shares)
        r["source"] = cfg["data"]["source"]
        r["sha256"] = sources.sha256_of(r["path"])
    write_manifest(manifest_path, rows)
    report = {
        "source": cfg["data"]["source"], "origin": origin, "pieces": len(rows),
        "hours": sum(r["seconds"] for r in rows) / 3600, "wall_s": wall, "threads": threads,
        "render_s_sum": sum(r.get("render_s", 0.0) for r in rows),
        "splits": {s: {"pieces": sum(r["split"] == s for r in rows),
                       "hours": sum(r["seconds"] for r in rows if r["split"] == s) / 3600}
                   for s in SPLITS},
        "skipped": [{"file": r["origin"], "reason": r["error"]} for r in skipped],
    }
    write_json(report_path, report)
    return report


def write_manifest(path, rows) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, MANIFEST_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in sorted(rows, key=lambda r: r["id"]):
            writer.writerow({**r, "seconds": f"{r['seconds']:.3f}"})


def read_manifest(path) -> list[dict]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["seconds"] = float(r["seconds"])
    return rows
