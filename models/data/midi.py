"""Generated notes as Standard MIDI files: what a model played, readable by any score editor
or MIDI tool, so anyone can re-measure the notes with their own tools."""
from __future__ import annotations

from pathlib import Path

from models.io import atomic_path

GAP_S = 1.0  # rest between two clips in a run's file


def notes_midi(clips: list[list], clip_seconds: float, program: int = 0, gap_s: float = GAP_S):
    """A ``pretty_midi.PrettyMIDI`` of a run's clips one after another (``clip_seconds`` long,
    ``gap_s`` of rest between them), each clip's start marked by a text event ``clip_000``,
    ...; ``clips`` as notes.json holds them: per clip, [onset s, offset s, MIDI pitch]."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    piano = pretty_midi.Instrument(program=program, name="generated")
    for i, notes in enumerate(clips):
        start = i * (clip_seconds + gap_s)
        midi.text_events.append(pretty_midi.Text(f"clip_{i:03d}", start))
        for onset, offset, pitch in notes:
            if offset > onset and 0 <= pitch <= 127:
                piano.notes.append(pretty_midi.Note(velocity=80, pitch=int(round(pitch)),
                                                    start=start + onset, end=start + offset))
    midi.instruments.append(piano)
    return midi


def write_notes_midi(notes_json: dict, path) -> Path:
    """Write notes.json's clips (``{"clip_seconds", "notes"}``) as one MIDI file, atomically."""
    midi = notes_midi(notes_json["notes"], notes_json["clip_seconds"])
    with atomic_path(path) as tmp:
        midi.write(str(tmp))
    return Path(path)
