"""The offline Bach corpus: music21's bundled Bach scores rendered to piano audio.

Each score (the chorales and BWV 846, MusicXML) becomes MIDI with every part on General MIDI
program 0 (Acoustic Grand Piano), is rendered by midirenderer (a Rust SoundFont synthesiser on
PyPI) with the TimGM6mb SoundFont that pretty_midi ships, downmixed to mono, resampled to 16 kHz
and peak-normalised.

Rendered pieces are cached by content (``render_cache``, shared by every preset): the key is
the score's bytes, the SoundFont's bytes, midirenderer's version, this module's
``RENDER_VERSION`` and the sample rate, so a second preset (or a rebuilt one) links the audio
it already has instead of rendering it again, and any change to what the audio depends on
renders afresh.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SCORE_SUFFIXES = (".mxl", ".xml")  # the .krn files duplicate .mxl ones; .rntxt are analyses
RENDER_VERSION = "1"  # raise it when score_to_piano_midi or render_midi changes what they make


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


_RENDERER_KEY: str | None = None


def cache_key(score_path: str) -> str:
    """The content key of one score's rendering (see the module's docstring)."""
    from models import audio

    global _RENDERER_KEY
    if _RENDERER_KEY is None:  # once per worker process
        font = hashlib.sha256(soundfont_path().read_bytes()).hexdigest()
        _RENDERER_KEY = (f"{font} midirenderer {importlib.metadata.version('midirenderer')} "
                         f"render {RENDER_VERSION} rate {audio.SAMPLE_RATE}")
    h = hashlib.sha256(_RENDERER_KEY.encode())
    h.update(Path(score_path).read_bytes())
    return h.hexdigest()[:32]


def _link(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (a copy across file systems)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _rendered(score_path: str, cache_dir: str | None) -> tuple:
    """(wav path or None, samples or None, level dBFS, seconds, whether it came from the
    cache): a cached rendering is linked, not decoded; a new one is rendered (and cached)."""
    from models import audio

    entry = Path(cache_dir) / cache_key(score_path) if cache_dir else None
    if entry is not None and entry.with_suffix(".json").is_file():
        meta = json.loads(entry.with_suffix(".json").read_text())
        return entry.with_suffix(".wav"), None, meta["level_db"], meta["seconds"], True
    y = render_midi(score_to_piano_midi(score_path), name=score_path)
    level, seconds = audio.rms_db(y), len(y) / audio.SAMPLE_RATE
    if entry is None:
        return None, y, level, seconds, False
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp.wav")
    audio.write_wav(tmp, y)
    tmp.replace(entry.with_suffix(".wav"))  # the wav first: the json says the entry is whole
    tmp_meta = tmp.with_suffix(".json")
    tmp_meta.write_text(json.dumps({"level_db": level, "seconds": seconds,
                                    "score": score_path}))
    tmp_meta.replace(entry.with_suffix(".json"))
    return entry.with_suffix(".wav"), None, level, seconds, False


def render_piece(job: tuple) -> dict:
    """Render one score to ``out_dir/<id>.wav`` (or link it from the render cache). Returns a
    row; 'error' is set on failure."""
    from models import audio

    piece_id, score_path, out_dir, silence_db, cache_dir = job
    start = time.perf_counter()
    try:
        cached, y, level, seconds, hit = _rendered(score_path, cache_dir)
        if level < silence_db:
            raise audio.AudioError(f"{score_path}: rendered audio is silent ({level:.1f} dBFS)")
        path = Path(out_dir) / f"{piece_id}.wav"
        if cached is None:
            audio.write_wav(path, y)
        else:
            _link(cached, path)
        return {"id": piece_id, "origin": score_path, "path": str(path), "seconds": seconds,
                "render_s": time.perf_counter() - start, "cached": hit}
    except Exception as exc:  # one bad score must not stop the corpus
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not reason.startswith(score_path):
            reason = f"{score_path}: {reason}"
        return {"id": piece_id, "origin": score_path, "error": reason}


def render_corpus(pieces: dict[str, str], out_dir: str | os.PathLike, threads: int = 1,
                  silence_db: float = -60.0, progress=None, cache_dir=None) -> list[dict]:
    """Render ``{id: score path}`` into ``out_dir`` on ``threads`` processes, in id order,
    through the render cache at ``cache_dir`` (None: no cache)."""
    cache = str(cache_dir) if cache_dir else None
    jobs = [(pid, pieces[pid], str(out_dir), silence_db, cache) for pid in sorted(pieces)]
    if threads <= 1:
        results = map(render_piece, jobs)
        return [r for r in (progress(results, total=len(jobs)) if progress else results)]
    with ProcessPoolExecutor(max_workers=threads) as pool:
        results = pool.map(render_piece, jobs, chunksize=1)
        return list(progress(results, total=len(jobs)) if progress else results)
