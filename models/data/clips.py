"""Fixed-length clips cut from the pieces, per split, and the held-out partition of ``test``.

``clips/<split>.npy`` holds int16 samples of shape (clips, length), memory-mappable, and
``clips/index.csv`` says where each clip came from (split, row in that array, piece, start).
Slices start at 0, do not overlap, drop the trailing partial slice and drop silent slices.

The test split serves two roles, on disjoint pieces: ``reference`` clips are what every model
is measured against, ``heldout`` clips are what the ``real_heldout`` baseline plays.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from models import audio
from models.data.split import SPLITS, unit_hash
from models.io import atomic_path

INDEX_FIELDS = ("split", "row", "piece", "start")


def slice_piece(y: np.ndarray, length: int, silence_db: float, max_clips: int | None):
    """(samples,) -> list of (start, clip) with clip of shape (length,)."""
    starts = range(0, len(y) - length + 1, length)
    clips = [(s, y[s:s + length]) for s in starts if audio.rms_db(y[s:s + length]) >= silence_db]
    if max_clips is not None and len(clips) > max_clips:  # evenly spread over the piece
        keep = np.linspace(0, len(clips) - 1, max_clips).round().astype(int)
        clips = [clips[i] for i in keep]
    return clips


def make_clips(manifest: list[dict], out_dir, length: int, silence_db: float = -60.0,
               max_per_piece: int | None = None) -> dict:
    """Write ``<split>.npy`` and ``index.csv`` under ``out_dir``; return clip counts per split."""
    out_dir = Path(out_dir)
    arrays = {s: [] for s in SPLITS}
    index = []
    for row in sorted(manifest, key=lambda r: r["id"]):
        y = audio.read_wav(row["path"])
        for start, clip in slice_piece(y, length, silence_db, max_per_piece):
            split = row["split"]
            index.append({"split": split, "row": len(arrays[split]), "piece": row["id"],
                          "start": start})
            arrays[split].append(np.round(clip * 32767).astype(np.int16))
    if not arrays["test"]:
        pieces = [r["id"] for r in manifest if r["split"] == "test"]
        what = (f"its pieces ({', '.join(pieces[:3])}) have no clip of {length} samples above "
                f"the silence level" if pieces else "the test split has no piece")
        raise ValueError(f"no test clips: {what}; with few recordings set data.split.by: time "
                         "(each recording cut in time), otherwise raise data.split.test or "
                         "data.max_pieces")
    for split in SPLITS:
        stack = np.stack(arrays[split]) if arrays[split] else np.zeros((0, length), np.int16)
        with atomic_path(out_dir / f"{split}.npy") as tmp:
            np.save(tmp, stack)
    with atomic_path(out_dir / "index.csv") as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, INDEX_FIELDS)
        writer.writeheader()
        writer.writerows(index)
    return {s: len(arrays[s]) for s in SPLITS}


def load(clips_dir, split: str, mmap: bool = True) -> np.ndarray:
    """int16 (clips, length) array of a split; see ``as_float``."""
    return np.load(Path(clips_dir) / f"{split}.npy", mmap_mode="r" if mmap else None)


def as_float(clips: np.ndarray) -> np.ndarray:
    """int16 clips -> float32 in [-1, 1]."""
    return np.asarray(clips, dtype=np.float32) / 32767.0


def read_index(clips_dir) -> list[dict]:
    with open(Path(clips_dir) / "index.csv", newline="") as fh:
        return [{**r, "row": int(r["row"]), "start": int(r["start"])} for r in csv.DictReader(fh)]


def test_roles(clips_dir) -> dict[str, np.ndarray]:
    """Rows of ``test.npy`` for each role: {'reference': rows, 'heldout': rows}.

    Test pieces in hash order alternate between the roles, so the two never share a piece. With
    a single test piece there is nothing to alternate, and its clips alternate instead.
    """
    rows = [r for r in read_index(clips_dir) if r["split"] == "test"]
    pieces = sorted({r["piece"] for r in rows}, key=unit_hash)
    if len(pieces) >= 2:
        ref_pieces = set(pieces[0::2])
        is_ref = np.array([r["piece"] in ref_pieces for r in rows])
    else:
        is_ref = np.arange(len(rows)) % 2 == 0
    idx = np.array([r["row"] for r in rows], dtype=int)
    return {"reference": idx[is_ref], "heldout": idx[~is_ref]}
