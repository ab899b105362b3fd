"""Offline pretrained audio tools for the evaluation suite: an embedding and a transcriber.

Nothing here downloads anything: both models ship inside their PyPI wheels.

- ``musicnn_embed``: musicnn's MTT_musicnn auto-tagger (MagnaTagATune), its 200-d penultimate
  layer as one embedding per clip, computed in this process by a numpy port of the network
  (``models/evaluate/musicnn_numpy.py``, which reads the checkpoint in musicnn's wheel without
  TensorFlow: the GPU machine has none, and importing it cost 5 s per job). musicnn's own code
  (TensorFlow's legacy Keras, TF1 graph mode) runs only in ``models.evaluate.musicnn_worker``, a
  child process kept as the reference the port is tested against (equal within 1.5e-5). How 1.024 s
  clips are fed is documented in the worker.
- ``transcribe``: Spotify's basic-pitch note transcriber, its ONNX model run by onnxruntime in
  this process. Importing ``basic_pitch`` would import TensorFlow when it is installed (and
  prefer the TF SavedModel); here TensorFlow is hidden from that import and the ONNX session is
  made directly, so this path never loads TensorFlow.
- ``note_figures``: symbolic descriptors of one clip's notes (polyphony, pitch range, scale
  consistency, note rate), as in MusPy-style musicality checks.

Both musicnn and basic-pitch are installed with ``--no-deps`` (requirements-nodeps.txt): their
metadata pins numpy < 1.17 and TensorFlow < 2.15.1, which this project does not use.
"""
from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

import numpy as np

from models.evaluate import musicnn_numpy

ROOT = Path(__file__).resolve().parents[2]
MUSICNN_SR = 16000
MUSICNN_DIM = 200
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)  # pitch classes of a major scale, from its tonic

# basic-pitch's inference settings: its defaults (basic_pitch.inference.predict), except the
# frame threshold. That one was chosen by note F1 (onsets within 50 ms) on 16 *validation* pieces
# of the rendered corpus (quick preset, 2026-11-30): 0.3 (the default) 0.851, 0.35 0.870,
# 0.4 0.868, 0.45 0.852, 0.5 0.829. Above the default it also drops most of the faint notes
# basic-pitch hears in noise shaped to Bach's spectrum (median note amplitude 0.34 there,
# 0.58 in held-out Bach), which had made noise look musical.
ONSET_THRESHOLD = 0.5
FRAME_THRESHOLD = 0.35
MIN_NOTE_MS = 127.70
BP_BATCH = 16  # 2 s windows per onnxruntime call
TRANSCRIBE_CHUNK = 64  # clips resampled and windowed at a time


def _as_clips(clips: np.ndarray) -> np.ndarray:
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2:
        raise ValueError(f"clips must be (n, samples), got shape {clips.shape}")
    return clips


def _resample(clips: np.ndarray, sr: int, target: int) -> np.ndarray:
    """(n, samples) at ``sr`` -> (n, samples') float32 at ``target`` (soxr, high quality)."""
    if sr == target or clips.shape[0] == 0:
        return clips
    import soxr

    return np.stack([soxr.resample(y, sr, target) for y in clips]).astype(np.float32)


# ---- musicnn --------------------------------------------------------------------------------

def musicnn_env() -> dict[str, str]:
    """The environment the musicnn worker runs in: legacy Keras, CPU only, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(TF_USE_LEGACY_KERAS="1", CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONWARNINGS="ignore")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def musicnn_embed(clips: np.ndarray, sr: int = 16000) -> np.ndarray:
    """Per-clip musicnn (MTT_musicnn) penultimate embeddings: (n, samples) -> (n, 200) float32.

    Clips are resampled to 16 kHz if needed and fed at their own length to a numpy port of the
    network (``models.evaluate.musicnn_numpy``): in this process, without TensorFlow, with the
    weights read once per process from the checkpoint in the musicnn wheel. It agrees with the
    TensorFlow reference (``models.evaluate.musicnn_worker``, run with ``musicnn_env()``) to
    float32 round-off (~1e-5). The same input gives bitwise the same output.
    Raises ValueError for clips that are not finite."""
    return musicnn_numpy.embed(_resample(_as_clips(clips), sr, MUSICNN_SR))


# ---- basic-pitch ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _basic_pitch():
    """(onnxruntime session, basic_pitch.constants, .inference, .note_creation), made once.

    basic_pitch's package import tries TensorFlow, CoreML and TFLite in turn; those not yet
    imported are hidden (a None entry in sys.modules makes their import fail) so that it picks
    ONNX and loads nothing heavy. Its warnings about the missing backends go to the root logger:
    they are dropped, and a placeholder handler stops them from configuring that logger."""
    hidden = [m for m in ("tensorflow", "coremltools", "tflite_runtime") if m not in sys.modules]
    root_logger, guard = logging.getLogger(), logging.NullHandler()
    level = root_logger.level
    for name in hidden:
        sys.modules[name] = None
    root_logger.addHandler(guard)
    root_logger.setLevel(logging.ERROR)
    try:
        import basic_pitch
        from basic_pitch import constants, inference, note_creation
    finally:
        root_logger.setLevel(level)
        root_logger.removeHandler(guard)
        for name in hidden:
            sys.modules.pop(name, None)
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    threads = os.environ.get("OMP_NUM_THREADS", "")  # a Snakemake job's threads: onnxruntime
    if threads.isdigit() and int(threads) > 0:      # would otherwise take every core, and two
        options.intra_op_num_threads = int(threads)  # one-thread jobs would share two cores
    path = basic_pitch.build_icassp_2022_model_path(basic_pitch.FilenameSuffix.onnx)
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session, constants, inference, note_creation


def _note_activations(session, windows: np.ndarray) -> dict[str, np.ndarray]:
    """basic-pitch's model on (w, window samples, 1) -> {note, onset, contour} per window."""
    # output names as basic-pitch maps them for this ONNX export (basic_pitch.inference.Model)
    names = {"note": "StatefulPartitionedCall:1", "onset": "StatefulPartitionedCall:2",
             "contour": "StatefulPartitionedCall:0"}
    parts = {k: [] for k in names}
    for start in range(0, len(windows), BP_BATCH):
        outs = session.run(list(names.values()),
                           {"serving_default_input_2:0": windows[start:start + BP_BATCH]})
        for k, v in zip(names, outs):
            parts[k].append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}


def _transcribe_audio(audio: np.ndarray) -> list[np.ndarray]:
    """transcribe() on (n, samples) float32 audio already at basic-pitch's 22050 Hz."""
    session, c, inference, note_creation = _basic_pitch()
    overlap_frames = 30  # as basic_pitch.inference.run_inference
    overlap = overlap_frames * c.FFT_HOP
    hop = c.AUDIO_N_SAMPLES - overlap
    windows, counts = [], []
    for y in audio:  # pad and window each clip as basic-pitch does for a file
        padded = np.concatenate([np.zeros(overlap // 2, np.float32), y])
        w = [win for win, _ in inference.window_audio_file(padded, hop)]
        windows.extend(w)
        counts.append(len(w))
    acts = _note_activations(session, np.stack(windows).astype(np.float32))
    min_len = int(np.round(MIN_NOTE_MS / 1000 * (c.AUDIO_SAMPLE_RATE / c.FFT_HOP)))
    out, first = [], 0
    for y, n in zip(audio, counts):
        clip_acts = {k: inference.unwrap_output(v[first:first + n], len(y), overlap_frames)
                     for k, v in acts.items()}
        first += n
        with np.errstate(divide="ignore", invalid="ignore"):  # silent clips: 0/0, no notes
            _, events = note_creation.model_output_to_notes(
                clip_acts, onset_thresh=ONSET_THRESHOLD, frame_thresh=FRAME_THRESHOLD,
                min_note_len=min_len, include_pitch_bends=False, melodia_trick=True)
        notes = np.array([[on, off, pitch] for on, off, pitch, *_ in events],
                         dtype=np.float64).reshape(-1, 3)
        out.append(notes[np.lexsort((notes[:, 2], notes[:, 0]))])
    return out


def transcribe(clips: np.ndarray, sr: int = 16000) -> list[np.ndarray]:
    """Notes of each clip by basic-pitch (ONNX, CPU), with basic-pitch's default thresholds but
    a frame threshold of ``FRAME_THRESHOLD`` (chosen on validation pieces, see above).

    Returns one float array (notes, 3) per clip: [onset_s, offset_s, midi_pitch], sorted by
    onset then pitch; times are from the clip's start."""
    rate = _basic_pitch()[1].AUDIO_SAMPLE_RATE  # 22050 Hz
    clips = _as_clips(clips)
    out = []
    for start in range(0, len(clips), TRANSCRIBE_CHUNK):  # bounded memory for large sets
        out += _transcribe_audio(_resample(clips[start:start + TRANSCRIBE_CHUNK], sr, rate))
    return out


# ---- symbolic descriptors -------------------------------------------------------------------

def _union_length(notes: np.ndarray) -> float:
    """Total time covered by at least one of the [onset, offset] intervals."""
    total, end = 0.0, -np.inf
    for on, off in sorted(zip(notes[:, 0], notes[:, 1])):
        if off <= end:
            continue
        total += off - max(on, end)
        end = off
    return total


def note_figures(notes: np.ndarray, duration: float) -> dict:
    """Polyphony, pitch range, scale consistency and note rate of one clip's notes.

    ``notes`` is (k, 3) [onset_s, offset_s, midi_pitch]; ``duration`` the clip's length in s.
    - polyphony: mean count of sounding notes over the time at least one sounds (= total note
      duration / duration of their union); 0 without notes.
    - pitch_range: max - min MIDI pitch in semitones; 0 for fewer than two notes.
    - in_scale: largest fraction of notes (by count) whose pitch class lies in one of the 12
      major scales; 0 without notes (a clip without notes counts, it is not left out).
    - note_rate: notes per second of ``duration``."""
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    notes = np.asarray(notes, dtype=np.float64).reshape(-1, 3)
    k = len(notes)
    if k == 0:
        return {"polyphony": 0.0, "pitch_range": 0.0, "in_scale": 0.0,
                "note_rate": 0.0}
    union = _union_length(notes)
    polyphony = float(np.sum(notes[:, 1] - notes[:, 0]) / union) if union > 0 else 0.0
    pitch = np.round(notes[:, 2]).astype(int)
    classes = np.bincount(pitch % 12, minlength=12)
    in_scale = max(classes[[(tonic + s) % 12 for s in MAJOR_SCALE]].sum() for tonic in range(12))
    return {"polyphony": polyphony,
            "pitch_range": float(pitch.max() - pitch.min()),
            "in_scale": float(in_scale / k),
            "note_rate": float(k / duration)}
