"""Piano rolls of the Bach scores on a sixteenth-note grid, and notes back from rolls.

A roll is (steps, PITCHES, 2) of 0/1: channel 0 says a pitch sounds during the sixteenth,
channel 1 that a note starts there. A binary roll alone (MuseGAN's, pypianoroll's) cannot tell
a held half note from two repeated quarters, and repeated notes are common in the chorales'
inner voices, so the onset channel keeps them. Notes come back from a roll as the issue's rule
says, with the onsets added: a note starts where its pitch switches on or where an onset fires
while it sounds, and is held while the pitch stays on.

A roll holds one note per pitch at a time. Where two voices share a pitch (a unison) the roll
keeps what a listener hears: the later onset cuts the earlier note, and of two notes that start
together the longer one stays (``canonical``). ``from_roll(to_roll(n)) == canonical(n)`` for
any notes on the grid, and ``to_roll(from_roll(r)) == r`` for any roll with no onset in a
silent step: that is the exact round trip the tests hold the held-out scores to.

Pitches outside LOW..HIGH (C2..B5, the chorales' four voices) are moved by octaves into it.
"""
from __future__ import annotations

import numpy as np


LOW, HIGH = 36, 83          # C2 .. B5
PITCHES = HIGH - LOW + 1    # 48
BAR = 16                    # sixteenths in a 4/4 bar; the chorales' bar lines are read per score
SIXTEENTH_S = 0.125         # seconds: 120 quarter notes a minute, music21's default tempo, at
#                             which the data stage renders the scores


def fold(midi: int, low: int = LOW, high: int = HIGH) -> int:
    """A MIDI pitch moved by octaves into low..high."""
    while midi < low:
        midi += 12
    while midi > high:
        midi -= 12
    return midi


def score_notes(score) -> tuple[np.ndarray, np.ndarray]:
    """A music21 score -> ((k, 3) int notes [onset, pitch, duration] in sixteenths, sorted;
    bar-line positions in sixteenths). Grace notes (no duration) are left out."""
    out = set()
    for element in score.flatten().notes:
        dur = int(round(float(element.quarterLength) * 4))
        if dur < 1:
            continue
        onset = int(round(float(element.offset) * 4))
        for pitch in element.pitches:
            out.add((onset, fold(int(pitch.midi)), dur))
    notes = np.array(sorted(out), np.int64).reshape(-1, 3)
    parts = score.parts if len(score.parts) else [score]
    bars = sorted({int(round(float(m.offset) * 4))
                   for m in parts[0].getElementsByClass("Measure")})
    return notes, np.array(bars or [0], np.int64)


def canonical(notes: np.ndarray) -> np.ndarray:
    """The notes a roll can hold (see the module's docstring): per pitch, the union of its
    notes' sounding spans, split at every onset."""
    notes = np.asarray(notes, np.int64).reshape(-1, 3)
    out = []
    for pitch in np.unique(notes[:, 1]):
        mine = notes[notes[:, 1] == pitch]
        spans = []  # merged [start, end) of sounding, by start
        for onset, end in sorted(zip(mine[:, 0], mine[:, 0] + mine[:, 2])):
            if spans and onset <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([onset, end])
        onsets = sorted(set(mine[:, 0].tolist()))
        for i, onset in enumerate(onsets):
            span_end = next(e for s, e in spans if s <= onset < e)
            nxt = onsets[i + 1] if i + 1 < len(onsets) else span_end
            out.append((onset, pitch, min(span_end, nxt) - onset))
    return np.array(sorted(out), np.int64).reshape(-1, 3)


def to_roll(notes: np.ndarray, steps: int | None = None) -> np.ndarray:
    """(k, 3) [onset, pitch, duration] sixteenths -> (steps, PITCHES, 2) uint8 roll."""
    notes = np.asarray(notes, np.int64).reshape(-1, 3)
    if steps is None:
        steps = int((notes[:, 0] + notes[:, 2]).max()) if len(notes) else 0
    roll = np.zeros((steps, PITCHES, 2), np.uint8)
    for onset, pitch, dur in notes:
        if onset >= steps:
            continue
        roll[onset:onset + dur, pitch - LOW, 0] = 1
    for onset, pitch, _ in notes:
        if onset < steps:
            roll[onset, pitch - LOW, 1] = 1
    return roll


def from_roll(roll: np.ndarray) -> np.ndarray:
    """(steps, PITCHES, 2) 0/1 roll -> (k, 3) [onset, pitch, duration] sixteenths, sorted.
    An onset in a silent step is ignored (a generator may draw one)."""
    roll = np.asarray(roll) > 0
    on, onset = roll[..., 0], roll[..., 0] & roll[..., 1]
    prev = np.vstack([np.zeros((1, on.shape[1]), bool), on[:-1]])
    start = on & (~prev | onset)
    out = []
    for t, p in zip(*np.nonzero(start)):
        end = t + 1
        while end < len(on) and on[end, p] and not start[end, p]:
            end += 1
        out.append((t, p + LOW, end - t))
    return np.array(sorted(out), np.int64).reshape(-1, 3)


def to_seconds(notes: np.ndarray, seconds: float | None = None) -> np.ndarray:
    """Grid notes -> (k, 3) float [onset s, offset s, pitch] at the corpus tempo, the form the
    musicality features read; with ``seconds``, notes are cut at that length."""
    notes = np.asarray(notes, np.int64).reshape(-1, 3)
    start = notes[:, 0] * SIXTEENTH_S
    end = (notes[:, 0] + notes[:, 2]) * SIXTEENTH_S
    out = np.stack([start, end, notes[:, 1].astype(float)], 1) if len(notes) else \
        np.zeros((0, 3))
    if seconds is not None:
        out = out[out[:, 0] < seconds]
        out[:, 1] = np.minimum(out[:, 1], seconds)
    return out


def render(notes: np.ndarray, seconds: float) -> np.ndarray:
    """Grid notes -> 16 kHz piano audio of ``seconds``, with the data stage's SoundFont."""
    from models.data.render import notes_midi, render_midi

    timed = [(s, int(p), e - s) for s, e, p in to_seconds(notes)]
    if not timed:
        return np.zeros(int(round(seconds * 16000)), np.float32)
    y = render_midi(notes_midi(timed))
    n = int(round(seconds * 16000))
    return np.pad(y[:n], (0, max(0, n - len(y)))).astype(np.float32)
