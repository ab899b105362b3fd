"""The note data of a rendered corpus, one data target each, shared by whichever models need
it (their ``needs`` in models/registry.py): note tokens (rule `note_tokens`, tokens.py) and
piano rolls (rule `piano_rolls`, rolls.py), every piece's score parsed once per target.
"""
from __future__ import annotations

import numpy as np

from models.data import rolls, tokens
from models.io import atomic_path

SPLITS = ("train", "valid", "test")


def map_scores(manifest_path, fn, threads: int, target: str,
               needed_by=()) -> list[tuple[dict, object]]:
    """[(manifest row, fn(score path))] for every piece of a rendered corpus, on ``threads``
    processes; a corpus of recordings (no scores) is refused, naming the ``target`` and the
    models that need it."""
    from concurrent.futures import ProcessPoolExecutor

    from models.data.prepare import read_manifest
    from models.data.render import bach_scores

    rows = read_manifest(manifest_path)
    if any(r["source"] != "bach_render" for r in rows):
        who = f" (for {', '.join(needed_by)})" if needed_by else ""
        raise ValueError(f"{manifest_path}: {target}{who} needs scores, so data.source must be "
                         "bach_render (recordings have no notes)")
    scores = bach_scores()
    with ProcessPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(zip(rows, pool.map(fn, [scores[r["id"]] for r in rows], chunksize=4)))


def write_note_tokens(manifest_path, out_path, threads: int = 1, needed_by=()) -> dict:
    """Token streams of every piece's score, by split (models/data/tokens.py), each split's
    pieces end to end as int16."""
    streams = map_scores(manifest_path, _tokens_of, threads, "note_tokens", needed_by)
    out = {}
    for split in SPLITS:
        chosen = [s for r, s in streams if r["split"] == split]
        out[split] = np.concatenate(chosen).astype(np.int16) if chosen else np.zeros(0, np.int16)
    with atomic_path(out_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **out)
    return {k: len(v) for k, v in out.items()}


def _tokens_of(score_path):
    from music21 import converter

    return np.array(tokens.tokenize(converter.parse(score_path)), np.int16)


def write_piano_rolls(manifest_path, out_path, threads: int = 1,
                      needed_by=()) -> dict:
    """Rolls of every piece's score, by split (a data target of its own): per split the
    pieces' rolls end to end (``<split>_roll``, (steps, 48, 2) uint8), the bar lines
    (``<split>_bars``) and the end of the piece each bar line is in (``<split>_ends``)."""
    parsed = map_scores(manifest_path, _roll_of, threads, "piano_rolls", needed_by)
    out, counts = {}, {}
    for split in SPLITS:
        chosen = [p for r, p in parsed if r["split"] == split]
        out.update(pack(chosen, split))
        counts[split] = {"pieces": len(chosen), "sixteenths": len(out[f"{split}_roll"]),
                         "bars": len(out[f"{split}_bars"])}
    with atomic_path(out_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **out)
    return counts


def pack(pieces: list, split: str) -> dict:
    """[(roll, bar lines)] of one split's pieces -> their rolls end to end, the bar lines
    inside them and the end of each one's piece, as ``piano_rolls.npz`` holds them."""
    offset, bars, ends = 0, [], []
    for roll, lines in pieces:
        lines = np.asarray(lines)
        bars += [offset + b for b in lines if b < len(roll)]
        ends += [offset + len(roll)] * int((lines < len(roll)).sum())
        offset += len(roll)
    return {f"{split}_roll": (np.concatenate([r for r, _ in pieces]) if pieces
                              else np.zeros((0, rolls.PITCHES, 2), np.uint8)),
            f"{split}_bars": np.array(bars, np.int64), f"{split}_ends": np.array(ends, np.int64)}


def _roll_of(score_path):
    from music21 import converter

    notes, bars = rolls.score_notes(converter.parse(score_path))
    return rolls.to_roll(notes), bars
