"""Split by piece, never by clip: a piece's split is a pure function of its id.

``split_of`` hashes the id to a number in [0, 1) and compares it with the cumulative shares, so
a piece keeps its split whatever else is in the corpus and can never be in two splits. A folder
of recordings may be too small for that (``piece_splits``): its own train/valid/test folders are
used when it has them, and when the hash split would leave a split empty, pieces are dealt out
in hash order with at least one per split. With fewer than three recordings each is cut in time
instead (``time_stretches``).
"""
from __future__ import annotations

import hashlib
import math

SPLITS = ("train", "valid", "test")


def unit_hash(piece_id: str) -> float:
    """A stable number in [0, 1) from the sha256 of the id."""
    return int(hashlib.sha256(piece_id.encode("utf-8")).hexdigest()[:15], 16) / 16**15


def split_of(piece_id: str, shares: dict) -> str:
    u = unit_hash(piece_id)
    if u < shares["train"]:
        return "train"
    if u < shares["train"] + shares["valid"]:
        return "valid"
    return "test"


def _quotas(n: int, shares: dict) -> dict:
    """Pieces per split for a cap of n: proportional, at least one where the share is > 0."""
    quota = {s: (max(1, math.floor(shares[s] * n)) if shares[s] > 0 else 0) for s in SPLITS}
    quota["train"] = max(0, n - quota["valid"] - quota["test"])
    return quota


def select_pieces(piece_ids, shares: dict, max_pieces: int | None) -> list[str]:
    """The pieces to use: all of them, or ``max_pieces`` chosen per split in hash order.

    Choosing within each split keeps every split non-empty under a small cap (the smoke preset)
    while leaving each piece's split exactly what ``split_of`` says.
    """
    ids = sorted(set(piece_ids))
    if max_pieces is None or max_pieces >= len(ids):
        return ids
    by_split = {s: [] for s in SPLITS}
    for pid in sorted(ids, key=unit_hash):
        by_split[split_of(pid, shares)].append(pid)
    quota = _quotas(max_pieces, shares)
    chosen = []
    for s in ("valid", "test"):
        chosen += by_split[s][:quota[s]]
    chosen += by_split["train"][:max_pieces - len(chosen)]
    return sorted(chosen)


FOLDER_NAMES = {"train": "train", "valid": "valid", "validation": "valid", "test": "test"}


def folder_split(piece_id: str) -> str | None:
    """The split a folder on the piece's path names ('piano__train__a' -> 'train'), if one."""
    names = {FOLDER_NAMES[p.lower()] for p in piece_id.split("__")[:-1]
             if p.lower() in FOLDER_NAMES}
    return names.pop() if len(names) == 1 else None


def rank_split(piece_ids, shares: dict) -> dict[str, str]:
    """Pieces dealt out in hash order: ``_quotas`` to valid, then to test, the rest to train."""
    ranked = sorted(piece_ids, key=unit_hash)
    quota = _quotas(len(ranked), shares)
    return {pid: "valid" if i < quota["valid"] else
            "test" if i < quota["valid"] + quota["test"] else "train"
            for i, pid in enumerate(ranked)}


def piece_splits(piece_ids, shares: dict) -> tuple[dict[str, str], str]:
    """({id: split}, how): by the pieces' own train/valid/test folders when every piece has
    one ('folders'); else by hash ('hash') when that gives every split with a share a piece;
    else by hash rank ('hash rank'), which does for three pieces or more."""
    ids = sorted(piece_ids)
    named = {pid: folder_split(pid) for pid in ids}
    if ids and all(named.values()):
        return named, "folders"
    hashed = {pid: split_of(pid, shares) for pid in ids}
    if all(s in hashed.values() for s in SPLITS if shares[s] > 0):
        return hashed, "hash"
    return rank_split(ids, shares), "hash rank"


def time_stretches(seconds: float, shares: dict, guard_s: float) -> list[tuple[str, float, float]]:
    """(split, start_s, end_s) of one recording cut in time: train, valid, test in that order,
    each its share of the length left after the guards, ``guard_s`` apart."""
    active = [s for s in SPLITS if shares[s] > 0]
    usable = seconds - guard_s * (len(active) - 1)
    if usable <= 0:
        raise ValueError(f"{seconds:.1f} s is too short to cut into {len(active)} stretches "
                         f"{guard_s:g} s apart")
    out, t = [], 0.0
    for s in active:
        length = usable * shares[s] / sum(shares[a] for a in active)
        out.append((s, t, t + length))
        t += length + guard_s
    return out
