"""The validity panel's input: real Bach, degraded in controlled ways at graded strengths.

A metric that hears music must get worse, step by step, as real music is spoiled. The held-out
clips that ``real_heldout`` plays are degraded five ways, each at four strengths (rung 0 is the
clean clip), and every rung is measured by the whole suite against the same reference and
training clips as the models (``suite.compare_sets``). The FAD paper (Kilgour et al., 2019)
validated its metric with the same kind of ladder. What the rungs show is on the site's
"Does the metric work?" page (``models/report/validity.py``).
"""
from __future__ import annotations

import numpy as np

from models.baselines import RealHeldout, draw
from models.data import clips as clipdata
from models.data.repitch import random_pitch
from models.evaluate import suite
from models.io import write_json

# name: (what the strength is, strengths from mild to severe)
DEGRADATIONS = {
    "white_noise": ("white noise added, SNR (dB)", (40, 30, 20, 10)),
    "low_pass": ("low-pass filter, cutoff (Hz)", (4000, 2000, 1000, 500)),
    "time_shuffle": ("segments shuffled in time, length (ms)", (256, 128, 64, 32)),
    "silence_gaps": ("silent gaps, share of the clip", (0.1, 0.25, 0.5, 0.75)),
    "random_pitch": ("notes given a random pitch (same rhythm), share", (0.25, 0.5, 0.75, 1.0)),
}
NEEDS_SCORES = ("random_pitch",)
GAP_MS = 64  # the silent gaps are whole cells of this length


def white_noise(clips: np.ndarray, snr_db: float, rng) -> np.ndarray:
    """Gaussian white noise at ``snr_db`` below each clip's own power."""
    power = np.mean(clips.astype(np.float64) ** 2, axis=1, keepdims=True)
    noise = rng.standard_normal(clips.shape) * np.sqrt(power / 10 ** (snr_db / 10))
    return np.clip(clips + noise, -1, 1).astype(np.float32)


def low_pass(clips: np.ndarray, cutoff_hz: float, sr: int) -> np.ndarray:
    """Every frequency above ``cutoff_hz`` removed (an ideal filter, by FFT)."""
    spec = np.fft.rfft(clips.astype(np.float64), axis=1)
    spec[:, np.fft.rfftfreq(clips.shape[1], 1 / sr) > cutoff_hz] = 0
    return np.fft.irfft(spec, n=clips.shape[1], axis=1).astype(np.float32)


def _cells(clips: np.ndarray, ms: float, sr: int) -> tuple[int, int]:
    size = max(1, int(round(ms * sr / 1000)))
    return size, clips.shape[1] // size


def time_shuffle(clips: np.ndarray, segment_ms: float, rng, sr: int) -> np.ndarray:
    """Each clip cut into segments of ``segment_ms`` that are put back in a random order (a
    remainder shorter than a segment stays at the end)."""
    size, n = _cells(clips, segment_ms, sr)
    out = clips.copy()
    for clip in out:
        head = clip[:size * n].reshape(n, size)
        clip[:size * n] = head[rng.permutation(n)].reshape(-1)
    return out


def silence_gaps(clips: np.ndarray, share: float, rng, sr: int) -> np.ndarray:
    """``share`` of each clip's GAP_MS cells, chosen at random, set to silence."""
    size, n = _cells(clips, GAP_MS, sr)
    out = clips.copy()
    for clip in out:
        for cell in rng.choice(n, size=int(round(share * n)), replace=False):
            clip[cell * size:(cell + 1) * size] = 0
    return out


def degrade(name: str, strength: float, clips: np.ndarray, places, rng, sr: int) -> np.ndarray:
    """``clips`` degraded by ``name`` at ``strength``; ``places`` are their (piece, start)."""
    if name == "white_noise":
        return white_noise(clips, strength, rng)
    if name == "low_pass":
        return low_pass(clips, strength, sr)
    if name == "time_shuffle":
        return time_shuffle(clips, strength, rng, sr)
    if name == "silence_gaps":
        return silence_gaps(clips, strength, rng, sr)
    if name == "random_pitch":
        return random_pitch(places, strength, rng, clips.shape[1])
    raise KeyError(f"unknown degradation '{name}' (known: {', '.join(DEGRADATIONS)})")


def heldout_clips(clips_dir, n: int, seed: int):
    """(float32 clips, [(piece, start)]) of ``n`` held-out clips, drawn as real_heldout draws."""
    pick = draw(RealHeldout().rows(clips_dir), n, seed)
    where = {r["row"]: (r["piece"], r["start"]) for r in clipdata.read_index(clips_dir)
             if r["split"] == "test"}
    data = clipdata.load(clips_dir, "test")
    return clipdata.as_float(data[pick]), [where[int(r)] for r in pick]


def write_validity(name: str, clips_dir, clean_path, reference_path, train_path, out_path,
                   ev: dict, sr: int, n: int, seed: int) -> list[dict]:
    """Measure every rung of degradation ``name`` with the whole suite; write the rows (one per
    rung, rung 0 the clean clips) to ``out_path`` as JSON. The clean clips are the ones
    ``real_heldout`` plays, so rung 0 reads that model's features (``clean_path``) rather than
    measuring them again for every degradation."""
    label, strengths = DEGRADATIONS[name]
    clips, places = heldout_clips(clips_dir, n, seed)
    ref, train = suite.load_features(reference_path), suite.load_features(train_path)
    clean = suite.load_features(clean_path)
    if len(clean["logmel"]) != n or int(clean["window"]) != clips.shape[1]:
        raise ValueError(f"{clean_path}: {len(clean['logmel'])} windows of "
                         f"{int(clean['window'])} samples, not the panel's {n} clips of "
                         f"{clips.shape[1]}")
    rows = []
    for rung, strength in enumerate((None, *strengths)):
        rng = np.random.default_rng([seed, rung])
        feats = clean if strength is None else suite.set_features(
            degrade(name, strength, clips, places, rng, sr), ev, sr)
        row, _ = suite.compare_sets(feats, ref, train, ev)
        rows.append({"degradation": name, "rung": rung, "strength": strength, **row})
    write_json(out_path, {"degradation": name, "label": label, "rows": rows})
    return rows
