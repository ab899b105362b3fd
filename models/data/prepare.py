"""Build the corpus: audio from the configured source, the split, the manifest and a report.

Outputs (all under ``results/<preset>/data/``):
  audio/<id>.wav   16 kHz mono 16-bit, peak-normalised, one file per piece
  manifest.csv     id, source, path, seconds, split, sha256 (of the 16 kHz wav)
  report.json      counts, hours, split sizes and how the split was made, a verdict for
                   every file (used, or skipped and why), a time split's stretches
"""
from __future__ import annotations

import csv
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from models import audio
from models.data import render, sources
from models.data.split import SPLITS, piece_splits, select_pieces, split_of, time_stretches
from models.io import atomic_dir, atomic_path, write_json

MANIFEST_FIELDS = ("id", "source", "path", "seconds", "split", "sha256")


def _bar(desc):
    from tqdm import tqdm

    return lambda it=None, **kw: tqdm(it, desc=desc, file=sys.stderr, **kw)


def _import_one(job) -> dict:
    """One file in a pool of its own, after a decoder crashed a shared pool."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(sources.import_file, job).result()
    except BrokenProcessPool:
        return {"id": job[0], "origin": job[1],
                "error": f"{job[1]}: cannot decode audio (the decoder crashed)"}


def _import_folder(files: dict, out_dir: Path, threads: int, silence_db: float,
                   clip_length: int) -> list[dict]:
    """Decode ``files`` on ``threads`` processes; a file whose decoder kills its worker is
    retried alone, so it skips only itself."""
    jobs = [(pid, str(files[pid]), str(out_dir), silence_db, clip_length) for pid in sorted(files)]
    done = {}
    with ProcessPoolExecutor(max_workers=max(1, threads)) as pool:
        futures = {pool.submit(sources.import_file, job): job for job in jobs}
        for fut in _bar("decode")(as_completed(futures), total=len(jobs)):
            try:
                done[futures[fut][0]] = fut.result()
            except BrokenProcessPool:
                pass
    return [done[j[0]] if j[0] in done else _import_one(j) for j in jobs]


def collect(cfg: dict, out_dir: Path, threads: int, download_dir: Path | None = None):
    """Write one wav per usable piece into ``out_dir``; return (rows, files, origin), ``files``
    a verdict for every file the source holds: used, skipped (with its reason) or not used."""
    data = cfg["data"]
    source = data["source"]
    if source == "bach_render":
        pieces = render.bach_scores()
        keep = select_pieces(pieces, data["split"], data["max_pieces"])
        rows = render.render_corpus({p: pieces[p] for p in keep}, out_dir, threads,
                                    data["silence_db"], progress=_bar("render"),
                                    cache_dir=data.get("render_cache"))
        origin = f"music21 corpus ({len(pieces)} Bach scores), SoundFont {render.soundfont_path().name}"
        files, unused = [], []
    else:
        if source == "folder":
            folder = Path(data["folder"])
        else:  # wavegan_piano: the archive is fetched by its own rule into download_dir
            archive = Path(download_dir) / "archive"
            folder = sources.extract(archive, Path(download_dir) / "extracted")
        found, files = sources.scan_folder(folder)
        keep = select_pieces(found, data["split"], data["max_pieces"])
        rows = _import_folder({p: found[p] for p in keep}, out_dir, threads, data["silence_db"],
                              cfg["clips"]["length"])
        unused = [str(found[p]) for p in sorted(set(found) - set(keep))]
        origin = str(folder)
    files = [{**f, "verdict": "skipped"} for f in files]
    files += [{"file": r["origin"], "verdict": "skipped", "reason": r["error"]}
              for r in rows if "error" in r]
    files += [{"file": r["origin"], "verdict": "used", "reason": ""}
              for r in rows if "error" not in r]
    files += [{"file": f, "verdict": "not used", "reason": "beyond data.max_pieces"}
              for f in unused]
    for f in files:
        print(f"{f['verdict']}: {f['reason'] or f['file']}", file=sys.stderr)
    good = [r for r in rows if "error" not in r]
    if not good:
        skipped = sum(f["verdict"] == "skipped" for f in files)
        raise sources.DataError(f"{origin}: no usable audio ({skipped} files skipped)")
    return good, sorted(files, key=lambda f: f["file"]), origin


def split_in_time(rows: list[dict], shares: dict, guard_s: float, out_dir: Path) -> list[dict]:
    """Each recording cut into train / valid / test stretches (``time_stretches``), each
    written as a piece of its own, '<id>--<split>'; the whole recording's wav is removed."""
    out = []
    for r in rows:
        y = audio.read_wav(r["path"])
        try:
            stretches = time_stretches(r["seconds"], shares, guard_s)
        except ValueError as exc:
            raise sources.DataError(f"{r['origin']}: {exc}; lower data.split.guard_s or use a "
                                    "longer recording") from None
        for split, a, b in stretches:
            pid = f"{r['id']}--{split}"
            path = Path(out_dir) / f"{pid}.wav"
            part = y[int(round(a * audio.SAMPLE_RATE)):int(round(b * audio.SAMPLE_RATE))]
            audio.write_wav(path, part)
            out.append({**r, "id": pid, "path": str(path), "split": split, "performance": r["id"],
                        "start_s": a, "end_s": b, "seconds": len(part) / audio.SAMPLE_RATE})
        Path(r["path"]).unlink()
    return out


def assign_splits(rows: list[dict], data: dict, out_dir: Path) -> tuple[list[dict], str]:
    """Each row's split, and how it was made: 'hash' for the rendered corpus (a piece's split
    is a function of its id alone); for recordings ``piece_splits``, or 'time' with fewer
    than three of them or when data.split.by says so."""
    shares = data["split"]
    if data["source"] == "bach_render":
        return [{**r, "split": split_of(r["id"], shares)} for r in rows], "hash"
    if shares["by"] == "time" or len(rows) < 3:
        return split_in_time(rows, shares, shares["guard_s"], out_dir), "time"
    splits, how = piece_splits([r["id"] for r in rows], shares)
    return [{**r, "split": splits[r["id"]]} for r in rows], how


def prepare(cfg: dict, audio_dir, manifest_path, report_path, threads: int = 1,
            download_dir=None) -> dict:
    """Run the data stage end to end; returns the report. Nothing is replaced unless every
    output can be written."""
    start = time.perf_counter()
    audio_dir = Path(audio_dir)
    with atomic_dir(audio_dir) as tmp:
        rows, files, origin = collect(cfg, tmp, threads, download_dir)
        rows, how = assign_splits(rows, cfg["data"], tmp)
        for r in rows:  # paths as they will be after the rename
            r["sha256"] = sources.sha256_of(r["path"])
            r["path"] = str(audio_dir / Path(r["path"]).name)
            r["source"] = cfg["data"]["source"]
    wall = time.perf_counter() - start
    write_manifest(manifest_path, rows)
    report = {
        "source": cfg["data"]["source"], "origin": origin, "pieces": len(rows),
        "hours": sum(r["seconds"] for r in rows) / 3600, "wall_s": wall, "threads": threads,
        "render_s_sum": sum(r.get("render_s", 0.0) for r in rows), "split_by": how,
        "from_render_cache": sum(bool(r.get("cached")) for r in rows),
        "splits": {s: {"pieces": sum(r["split"] == s for r in rows),
                       "hours": sum(r["seconds"] for r in rows if r["split"] == s) / 3600}
                   for s in SPLITS},
        "files": files,
        "skipped": [{"file": f["file"], "reason": f["reason"]} for f in files
                    if f["verdict"] == "skipped"],
        "stretches": [{k: r[k] for k in ("id", "performance", "split", "start_s", "end_s")}
                      for r in rows if "performance" in r],
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
