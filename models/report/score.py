"""Notes as a musician reads them: the first bars of a clip engraved as a score (SVG), and the
clip as a MIDI file.

How notes become a score (the method page says the same): onsets and durations are rounded to
the nearest sixteenth at the corpus's tempo (120 quarters a minute: a sixteenth is 0.125 s, the
note models' own grid; a transcription off the grid moves by up to 62 ms), a note held less than
half a sixteenth becomes a sixteenth; notes from middle C up go on the treble staff, the rest on
the bass staff; notes sounding together on a staff are written as chords (a note that outlasts
another is split and tied); bars of 4/4 from the clip's start; the key signature is the key the
harmony measure's key fit chooses (Krumhansl-Kessler profiles). What is lost: velocities, the
voices (which line a note belongs to), timing finer than a sixteenth, and the true bar lines.
The score shows the first ``MAX_BARS`` bars and at most ``MAX_NOTES`` notes, and says so where
the clip has more; a clip with no notes gets an empty grand staff and the words "no notes
heard".
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from models.data.midi import notes_midi
from models.data.rolls import SIXTEENTH_S
from models.evaluate.harmony import best_key
from models.io import atomic_dir, atomic_path, read_json, write_json

LISTENED = 3         # clips of each model on the listening page, each with a score and MIDI
MAX_BARS = 4         # bars of a clip shown (8 s at the corpus's tempo)
MAX_NOTES = 120      # notes engraved at most: a transcribed noise clip holds thousands
BAR = 16             # sixteenths in a 4/4 bar
MIDDLE_C = 60


def quantise(notes, max_bars: int = MAX_BARS) -> np.ndarray:
    """(k, 3) [onset, pitch, duration] in sixteenths of the notes that start in the first
    ``max_bars`` bars, durations cut at that end; sorted by onset and pitch."""
    notes = np.asarray(notes, float).reshape(-1, 3)
    end = max_bars * BAR
    out = []
    for onset, offset, pitch in notes:
        start = int(round(onset / SIXTEENTH_S))
        if start < 0 or start >= end or not 0 <= round(pitch) <= 127:
            continue
        length = max(1, int(round((offset - onset) / SIXTEENTH_S)))
        out.append((start, int(round(pitch)), min(length, end - start)))
    return np.array(sorted(out), int).reshape(-1, 3)


def shown(grid: np.ndarray, max_notes: int = MAX_NOTES) -> tuple[np.ndarray, str]:
    """The notes a score engraves, whole bars of them up to ``max_notes`` (at least the first
    bar's first ``max_notes``), and a caption saying what was left out ('' when nothing)."""
    if len(grid) <= max_notes:
        return grid, ""
    bars = grid[:, 0] // BAR
    keep = 0
    while keep < bars.max() + 1 and np.sum(bars <= keep) <= max_notes:
        keep += 1
    cut = grid[bars < keep] if keep else grid[:max_notes]
    return cut, (f"{len(grid):,} notes in these bars, the first {len(cut):,} engraved (at "
                 f"most {max_notes})")


def music21_score(grid: np.ndarray, key: tuple[int, str] | None, bars: int):
    """A two-staff music21 score (treble from middle C up, bass below) of quantised notes,
    ``bars`` bars of 4/4 long (or as long as its notes, if longer)."""
    from music21 import clef, duration, key as m21key, layout, meter, note, stream

    score = stream.Score()
    parts = []
    if len(grid):
        bars = max(bars, int(np.ceil((grid[:, 0] + grid[:, 2]).max() / BAR)))
    for which, staff_clef in (("treble", clef.TrebleClef()), ("bass", clef.BassClef())):
        mine = grid[grid[:, 1] >= MIDDLE_C] if which == "treble" else grid[grid[:, 1] < MIDDLE_C]
        flat = stream.Stream()
        for onset, pitch, length in mine:
            flat.insert(onset / 4, note.Note(int(pitch), quarterLength=length / 4))
        part = stream.Part()
        part.insert(0, staff_clef)
        part.insert(0, meter.TimeSignature("4/4"))
        if key:
            part.insert(0, m21key.Key(note.Note(key[0]).pitch.name, key[1]))
        if len(mine):
            for el in flat.chordify().notesAndRests:
                if el.isRest:
                    continue
                part.insert(el.offset, el)
        end = part.highestTime
        if end < bars * 4:  # rests to the end of the last bar
            part.insert(end, note.Rest(duration=duration.Duration(bars * 4 - end)))
        part.makeRests(fillGaps=True, inPlace=True)
        parts.append(part.makeNotation())
    for part in parts:
        score.insert(0, part)
    score.insert(0, layout.StaffGroup(parts, symbol="brace"))
    return score


def score_svg(notes, seconds: float, max_bars: int = MAX_BARS) -> tuple[str, str]:
    """(SVG of the first bars engraved by Verovio, a caption: what the score leaves out, or
    "no notes heard")."""
    import verovio
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    grid, caption = shown(quantise(notes, max_bars))
    if not len(grid):
        caption = "no notes heard"
    in_bars = np.asarray(notes, float).reshape(-1, 3)
    key = best_key(in_bars[in_bars[:, 0] < max_bars * BAR * SIXTEENTH_S], seconds)
    bars = min(max_bars, max(1, int(np.ceil(seconds / (BAR * SIXTEENTH_S) - 1e-9))))
    xml = GeneralObjectExporter(music21_score(grid, key, bars)).parse().decode("utf-8")
    tk = verovio.toolkit()
    tk.setOptions({"pageWidth": 2200, "pageHeight": 60000, "adjustPageHeight": True,
                   "scale": 30, "header": "none", "footer": "none", "breaks": "none",
                   "svgViewBox": True, "svgRemoveXlink": True})
    if not tk.loadData(xml):
        raise ValueError("Verovio could not read the score's MusicXML")
    return re.sub(r">\s+<", "><", tk.renderToSVG(1)), caption  # Verovio indents: 40% of it


def write_clip_score(notes, seconds: float, svg_path, midi_path) -> str:
    """Write a clip's score (SVG, first bars) and MIDI (every note) atomically; its caption."""
    svg, caption = score_svg(notes, seconds)
    with atomic_path(svg_path) as tmp:
        Path(tmp).write_text(svg)
    with atomic_path(midi_path) as tmp:
        notes_midi([np.asarray(notes, float).reshape(-1, 3).tolist()], seconds).write(str(tmp))
    return caption


def _notes_played(samples: Path) -> list | None:
    """The clips' own notes (a note model's notes.json), or None."""
    path = samples / "notes.json"
    return read_json(path)["notes"] if path.is_file() else None


def write_scores(samples_dir, out_dir, n: int, sample_rate: int) -> dict:
    """For the first ``n`` clips of a ``generate`` folder and its long-form pieces: a score of
    the first bars (``<stem>.svg``) and a MIDI file of every note (``<stem>.mid``), of the
    notes the model played (a note model's clips) or, for audio, of the notes basic-pitch
    transcribes; and ``scores.json``: per stem its source ("played" | "transcribed"), caption
    and note count. Written atomically as one folder."""
    from models import audio
    from models.evaluate import pretrained

    samples = Path(samples_dir)
    names = read_json(samples / "clips.json")["clips"][:n]
    pieces = sorted(p.name for p in samples.glob("long_*.wav"))
    played = _notes_played(samples)
    sources, notes = {}, {}
    waves = {name: audio.read_wav(samples / name) for name in names + pieces}
    batches = ([] if played is not None or not names else [names]) + [[p] for p in pieces]
    for batch in batches:  # clips of one length at a time
        got = pretrained.transcribe(np.stack([waves[name] for name in batch]), sample_rate)
        for name, heard in zip(batch, got):
            sources[name], notes[name] = "transcribed", np.asarray(heard).tolist()
    for i, name in enumerate(names):
        if played is not None:
            sources[name], notes[name] = "played", played[i]
    listing = {}
    with atomic_dir(out_dir) as tmp:
        for name in names + pieces:
            stem = Path(name).stem
            seconds = len(waves[name]) / sample_rate
            caption = write_clip_score(notes[name], seconds, tmp / f"{stem}.svg",
                                       tmp / f"{stem}.mid")
            listing[stem] = {"source": sources[name], "caption": caption,
                             "notes": len(notes[name]), "seconds": seconds}
        write_json(tmp / "scores.json", listing)
    return listing
