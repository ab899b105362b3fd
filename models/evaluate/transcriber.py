"""How well the transcriber hears this corpus: basic-pitch's notes of the held-out rendered pieces
against the notes of their own scores.

The note-level figures and any musicality number built on them are only as good as the
transcription. The offline corpus is rendered from scores, so the truth is known: every test
piece is transcribed whole (as a model's long-form piece would be) and scored with ``mir_eval``'s
note precision, recall and F1 (onset within ``ONSET_TOLERANCE``, pitch within a quarter tone;
offsets ignored, and separately with offsets within 20% of the note's length). All pieces'
notes are pooled, so the totals weight each note equally.
"""
from __future__ import annotations

import io

import numpy as np

from models import audio
from models.evaluate import pretrained
from models.io import write_json

ONSET_TOLERANCE = 0.05  # seconds, mir_eval's and the transcription literature's usual 50 ms
GAP = 10.0              # seconds between pooled pieces, far beyond any tolerance


def score_notes(piece_id: str) -> np.ndarray:
    """(notes, 3) [onset_s, offset_s, midi_pitch] of a corpus score as it is rendered; a pitch
    struck by two voices at the same instant is one note in the audio, so it counts once."""
    import pretty_midi

    from models.data.render import bach_scores, score_to_piano_midi

    scores = bach_scores()
    if piece_id not in scores:
        raise ValueError(f"transcriber check: piece '{piece_id}' is not a score of the corpus")
    pm = pretty_midi.PrettyMIDI(io.BytesIO(score_to_piano_midi(scores[piece_id])))
    seen, notes = set(), []
    for n in sorted((n for inst in pm.instruments for n in inst.notes), key=lambda n: n.start):
        key = (round(n.start, 3), n.pitch)
        if key not in seen:
            seen.add(key)
            notes.append((n.start, n.end, n.pitch))
    return np.array(notes, dtype=np.float64).reshape(-1, 3)


def note_f1(ref: np.ndarray, est: np.ndarray, offsets: bool = False) -> dict:
    """mir_eval's note precision, recall and F1 of ``est`` against ``ref`` (both (n, 3))."""
    import mir_eval

    def hz(n):
        return 440.0 * 2 ** ((n[:, 2] - 69) / 12)

    if len(ref) == 0 or len(est) == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref[:, :2], hz(ref), est[:, :2], hz(est), onset_tolerance=ONSET_TOLERANCE,
        offset_ratio=0.2 if offsets else None)
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def _pool(parts: list[np.ndarray], lengths: list[float]) -> np.ndarray:
    """Notes of consecutive pieces on one time line, ``GAP`` seconds apart."""
    out, t = [], 0.0
    for notes, length in zip(parts, lengths):
        out.append(notes + np.array([t, t, 0.0]))
        t += length + GAP
    return np.concatenate(out) if out else np.zeros((0, 3))


def held_out_scores(manifest_path) -> list[dict]:
    """Manifest rows of the test split's pieces rendered from scores."""
    from models.data.prepare import read_manifest

    return [r for r in read_manifest(manifest_path)
            if r["split"] == "test" and r["source"] == "bach_render"]


def check_transcriber(pieces: list[dict], out_path) -> dict:
    """Score basic-pitch on ``pieces`` (manifest rows of rendered scores: id, path); write the
    per-piece and pooled figures to ``out_path`` as JSON."""
    refs, ests, lengths, rows = [], [], [], []
    for piece in pieces:
        y = audio.read_wav(piece["path"])
        ref, est = score_notes(piece["id"]), pretrained.transcribe(y[None])[0]
        refs.append(ref)
        ests.append(est)
        lengths.append(len(y) / audio.SAMPLE_RATE)
        rows.append({"id": piece["id"], "seconds": lengths[-1], "notes": len(ref),
                     "transcribed": len(est), **note_f1(ref, est)})
    ref, est = _pool(refs, lengths), _pool(ests, lengths)
    result = {"onset_tolerance_s": ONSET_TOLERANCE, "pieces": rows,
              "total": {"pieces": len(rows), "seconds": sum(lengths), "notes": len(ref),
                        "transcribed": len(est), **note_f1(ref, est),
                        "with_offsets": note_f1(ref, est, offsets=True)}}
    write_json(out_path, result)
    return result

