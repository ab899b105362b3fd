"""Bach's rhythm with random pitches: held-out clips re-rendered from their scores with a share
of the notes moved to random pitches. The validity panel grades the share (0.25 to 1,
models/evaluate/degrade.py); the ``random_pitch`` baseline plays the clips that ``real_heldout``
plays with every pitch random (models/baselines.py): the bar a model must clear to claim that
it learned harmony, not only rhythm.
"""
from __future__ import annotations

import functools
import io

import numpy as np

from models.data.render import bach_scores, render_midi, score_to_piano_midi


def repitch_midi(midi_bytes: bytes, share: float, rng) -> bytes:
    """The score with ``share`` of its notes moved to a random pitch in the piece's own range;
    onsets, lengths and loudness unchanged."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes))
    notes = [n for inst in pm.instruments for n in inst.notes]
    if notes:
        low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
        for i in rng.choice(len(notes), size=int(round(share * len(notes))), replace=False):
            notes[i].pitch = int(rng.integers(low, high + 1))
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


@functools.lru_cache(maxsize=None)
def _piano_midi(score_path: str) -> bytes:
    """A score's piano MIDI, parsed once per process: every rung re-pitches the same scores."""
    return score_to_piano_midi(score_path)


def random_pitch(places: list[tuple[str, int]], share: float, rng, length: int) -> np.ndarray:
    """Clips at the same (piece, start) as the real ones, from the piece's score re-rendered with
    the same SoundFont after ``repitch_midi``. Pieces are bach_render ids (score names)."""
    scores, rendered = bach_scores(), {}
    out = np.zeros((len(places), length), np.float32)
    for i, (piece, start) in enumerate(places):
        if piece not in rendered:
            if piece not in scores:
                raise ValueError(f"random_pitch: piece '{piece}' is not a score of the corpus")
            rendered[piece] = render_midi(repitch_midi(_piano_midi(scores[piece]), share, rng),
                                          name=piece)
        y = rendered[piece][start:start + length]
        out[i, :len(y)] = y
    return out
