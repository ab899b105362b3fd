"""Split by piece, never by clip: a piece's split is a pure function of its id.

``split_of`` hashes the id to a number in [0, 1) and compares it with the cumulative shares, so
a piece keeps its split whatever else is in the corpus and can never be in two splits.
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
