"""The offline Bach corpus: music21's bundled Bach scores rendered to piano audio.

Each score (the chorales and BWV 846, MusicXML) becomes MIDI with every part on General MIDI
program 0 (Acoustic Grand Piano), is rendered by midirenderer (a Rust SoundFont synthesiser on
PyPI) with the TimGM6mb SoundFont that pretty_midi ships, downmixed to mono, resampled to 16 kHz
and peak-normalised.
"""
from __future__ import annotations

import io
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SCORE_SUFFIXES = (".mxl", ".xml")  # the .krn files duplicate .mxl ones; .rntxt are analyses


def soundfont_path() -> Path:
    import pretty_midi

    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


def bach_scores() -> dict[str, str]:
    """{piece id: corpus path} for every Bach score in music21's corpus (e.g. 'bwv846')."""
    from music21 import corpus

    out = {}
    for path in corpus.getComposer("bach"):
        path = Path(path)
        if path.suffix in SCORE_SUFFIXES and path.parent.name == "bach":
            out.setdefault(path.stem, str(path))
    return out


def score_to_piano_midi(score_path: str) -> bytes:
    """MusicXML score -> Standard MIDI File bytes, every part on Acoustic Grand Piano."""
    import pretty_midi
    from music21 import converter, midi

    score = converter.parse(score_path)
    raw = midi.translate.streamToMidiFile(score).writestr()
    pm = pretty_midi.PrettyMIDI(io.BytesIO(raw))
    for inst in pm.instruments:
        inst.program, inst.is_drum = 0, False
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def notes_midi(notes) -> bytes:
    """(start s, pitch, duration s) -> Standard MIDI File bytes, one piano track."""
    import io

    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    piano = pretty_midi.Instrument(program=0)
    piano.notes = [pretty_midi.Note(velocity=80, pitch=p, start=s, end=s + d)
                   for s, p, d in notes]
    pm.instruments.append(piano)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


_SOUNDFONT: bytes | None = None


def render_midi(midi_bytes: bytes, name: str = "<midi>"):
    """MIDI bytes -> (samples,) float32 mono 16 kHz, peak-normalised."""
    import midirenderer

    from models import audio

    global _SOUNDFONT
    if _SOUNDFONT is None:  # read once per worker process
        _SOUNDFONT = soundfont_path().read_bytes()
    wav = midirenderer.render_wave_from(_SOUNDFONT, midi_bytes)
    x, rate = audio.decode(wav, name=name)
    return audio.peak_normalise(audio.to_mono_16k(x, rate))


def render_piece(job: tuple[str, str, str, float]) -> dict:
    """Render one score to ``out_dir/<id>.wav``. Returns a row; 'error' is set on failure."""
    from models import audio

    piece_id, score_path, out_dir, silence_db = job
    start = time.perf_counter()
    try:
        y = render_midi(score_to_piano_midi(score_path), name=score_path)
        level = audio.rms_db(y)
        if level < silence_db:
            raise audio.AudioError(f"{score_path}: rendered audio is silent ({level:.1f} dBFS)")
        path = Path(out_dir) / f"{piece_id}.wav"
        audio.write_wav(path, y)
        return {"id": piece_id, "origin": score_path, "path": str(path),
                "seconds": len(y) / audio.SAMPLE_RATE, "render_s": time.perf_counter() - start}
    except Exception as exc:  # one bad score must not stop the corpus
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not reason.startswith(score_path):
            reason = f"{score_path}: {reason}"
        return {"id": piece_id, "origin": score_path, "error": reason}


def render_corpus(pieces: dict[str, str], out_dir: str | os.PathLike, threads: int = 1,
                  silence_db: float = -60.0, progress=None) -> list[dict]:
    """Render ``{id: score path}`` into ``out_dir`` on ``threads`` processes, in id order."""
    jobs = [(pid, pieces[pid], str(out_dir), silence_db) for pid in sorted(pieces)]
    if threads <= 1:
        results = map(render_piece, jobs)
        return [r for r in (progress(results, total=len(jobs)) if progress else results)]
    with ProcessPoolExecutor(max_workers=threads) as pool:
        results = pool.map(render_piece, jobs, chunksize=1)
        return list(progress(results, total=len(jobs)) if progress else results)
