"""Note tokens of the Bach scores, and back to piano audio.

Every voice of a score is kept (the Classical-Piano-Composer LSTM kept only the first part and
dropped rhythm). Time is quantised to sixteenth notes. Each onset becomes its pitches in
ascending order, each followed by its duration, then a time shift to the next onset:

    <s> p60 d4 p64 d4 p67 d8 t4 p62 d4 t4 ... </s>

``p21..p108`` pitch (MIDI number; other octaves folded in), ``d1..d16`` duration and ``t1..t16``
time shift in sixteenths (a longer gap is several shifts). The vocabulary is fixed, so weights
never break when the corpus changes.
"""
from __future__ import annotations

import numpy as np

from models.data import rolls
from models.data.rolls import SIXTEENTH_S  # 0.125 s: the corpus's tempo, 120 quarters a minute

LOW, HIGH, MAX_SIXTEENTHS = 21, 108, 16
VOCAB = (["<s>", "</s>"] + [f"p{m}" for m in range(LOW, HIGH + 1)]
         + [f"d{k}" for k in range(1, MAX_SIXTEENTHS + 1)]
         + [f"t{k}" for k in range(1, MAX_SIXTEENTHS + 1)])
INDEX = {tok: i for i, tok in enumerate(VOCAB)}
START, END = INDEX["<s>"], INDEX["</s>"]


def fold(midi: int) -> int:
    return rolls.fold(midi, LOW, HIGH)


def events(score) -> list[tuple[int, int, int]]:
    """(onset, pitch, duration) in sixteenths for every note of every voice, sorted."""
    out = set()
    for element in score.flatten().notes:
        onset = int(round(float(element.offset) * 4))
        dur = min(max(int(round(float(element.quarterLength) * 4)), 1), MAX_SIXTEENTHS)
        for pitch in element.pitches:
            out.add((onset, fold(int(pitch.midi)), dur))
    return sorted(out)


def tokenize(score) -> list[int]:
    """A music21 score -> token ids, from <s> to </s>."""
    evs = events(score)
    tokens = [START]
    for i, (onset, pitch, dur) in enumerate(evs):
        tokens += [INDEX[f"p{pitch}"], INDEX[f"d{dur}"]]
        nxt = evs[i + 1][0] if i + 1 < len(evs) else None
        if nxt is not None and nxt > onset:
            gap = nxt - onset
            while gap > 0:
                step = min(gap, MAX_SIXTEENTHS)
                tokens.append(INDEX[f"t{step}"])
                gap -= step
    return tokens + [END]


def detokenize(tokens) -> list[tuple[float, int, float]]:
    """Token ids -> (start s, pitch, duration s); malformed runs (a pitch with no duration)
    are skipped, as sampling can produce them."""
    notes, now, pitch = [], 0, None
    for tok in (VOCAB[int(t)] for t in tokens):
        if tok == "</s>":
            break
        if tok[0] == "p":
            pitch = int(tok[1:])
        elif tok[0] == "d" and pitch is not None:
            notes.append((now * SIXTEENTH_S, pitch, int(tok[1:]) * SIXTEENTH_S))
            pitch = None
        elif tok[0] == "t":
            now += int(tok[1:])
            pitch = None
    return notes


def seconds_of(tokens) -> float:
    """Musical length of a token sequence: the end of its last sounding note."""
    notes = detokenize(tokens)
    return max((s + d for s, _, d in notes), default=0.0)


def render(tokens, seconds: float | None = None) -> np.ndarray:
    """Token ids -> 16 kHz piano audio with the data stage's SoundFont and renderer, cut or
    zero-padded to ``seconds`` when given."""
    from models.data.render import notes_midi, render_midi

    notes = detokenize(tokens)
    if not notes:
        y = np.zeros(1, np.float32)
    else:
        y = render_midi(notes_midi(notes))
    if seconds is not None:
        n = int(round(seconds * 16000))
        y = np.pad(y[:n], (0, max(0, n - len(y))))
    return y.astype(np.float32)
