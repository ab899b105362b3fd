"""Clips: fixed length, no silence, and the held-out roles on disjoint pieces."""
import numpy as np

from models.data import clips as clipdata


def test_slice_piece_drops_partial_and_silent_slices():
    y = np.concatenate([np.full(1000, 0.5), np.zeros(1000), np.full(1500, 0.5)]).astype(np.float32)
    got = clipdata.slice_piece(y, 1000, -60.0, None)
    assert [s for s, _ in got] == [0, 2000]
    assert all(c.shape == (1000,) for _, c in got)
    assert len(clipdata.slice_piece(np.full(10_000, 0.5, np.float32), 1000, -60, 3)) == 3


def test_make_clips_writes_each_split_and_index(clip_set):
    index = clipdata.read_index(clip_set)
    for split in ("train", "valid", "test"):
        arr = clipdata.load(clip_set, split)
        assert arr.dtype == np.int16 and arr.shape[1] == 8192
        assert len(arr) == sum(r["split"] == split for r in index)
    # 3.2 s pieces give 6 clips of 8192 samples each
    assert len(clipdata.load(clip_set, "train")) == 18


def test_test_roles_split_test_pieces_between_reference_and_heldout(clip_set):
    roles = clipdata.test_roles(clip_set)
    index = [r for r in clipdata.read_index(clip_set) if r["split"] == "test"]
    piece = {r["row"]: r["piece"] for r in index}
    ref = {piece[i] for i in roles["reference"]}
    held = {piece[i] for i in roles["heldout"]}
    assert ref and held and not ref & held
    assert sorted(np.concatenate(list(roles.values()))) == sorted(piece)
