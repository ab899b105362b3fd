"""Musicality and harmony on the notes themselves, for the models that make notes.

The headline musicality number reads notes that basic-pitch transcribes from audio, so every
model is measured the same way; for a note model that puts a transcriber between its notes and
the number. Here the same MGEval and harmony features (mgeval.py, harmony.py) are computed on
the notes the model generated, against the notes of the held-out scores, in windows of the clip
length:

- generated: each model's notes.json (written by ``generate``), cut into the same windows, and
  the same ones, as its audio is for the suite (``suite.windows``: whole windows of each clip,
  ``n`` drawn with the evaluation seed);
- reference: ``n_reference`` windows of the held-out (test) scores' rolls, starting at their
  bar lines, drawn with the evaluation seed;
- baselines, in the same windows: another draw of held-out windows (the ceiling), and those
  windows with every note given a random pitch within the window's range (the corpus's rhythm,
  random pitches: what the validity panel's random_pitch rung 4 renders).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from models.evaluate import harmony, mgeval
from models.io import read_json, write_json
from models.data import rolls


def cut(clip_notes: list, clip_seconds: float, window_s: float) -> list[np.ndarray]:
    """One clip's notes [onset s, offset s, pitch] -> its whole windows of ``window_s``, each
    (k, 3) with times from the window's start, notes cut at its end."""
    notes = np.asarray(clip_notes, float).reshape(-1, 3)
    out = []
    per = int(round(clip_seconds * 16000)) // int(round(window_s * 16000))  # as suite.windows
    for j in range(per):
        lo, hi = j * window_s, (j + 1) * window_s
        mine = notes[(notes[:, 0] >= lo) & (notes[:, 0] < hi)].copy()
        mine[:, :2] = np.minimum(mine[:, :2] - lo, window_s)
        out.append(mine)
    return out


def model_windows(notes_json, window_s: float, n: int, seed: int) -> list[np.ndarray]:
    """The generated notes in the windows the suite measures the model's audio on."""
    if not Path(notes_json).is_file():
        raise FileNotFoundError(f"{notes_json}: missing; these samples were generated before "
                                "note models wrote their notes (rerun: snakemake -R generate)")
    listing = read_json(notes_json)
    windows = [w for clip in listing["notes"]
               for w in cut(clip, listing["clip_seconds"], window_s)]
    if len(windows) < n:
        raise ValueError(f"{notes_json}: {len(windows)} windows of {window_s:g} s, fewer than "
                         f"the {n} every set is measured on")
    pick = np.sort(np.random.default_rng(seed).choice(len(windows), n, replace=False))
    return [windows[i] for i in pick]


def heldout_windows(rolls_path, window_s: float, n: int, seed: int,
                    test: dict | None = None) -> list[np.ndarray]:
    """``n`` windows of the held-out scores, from bar lines (fewer if there are fewer);
    ``test``: the file's test_* arrays, when already read."""
    steps = int(np.ceil(window_s / rolls.SIXTEENTH_S))
    if test is None:
        with np.load(rolls_path) as z:
            test = {k: z[k] for k in ("test_roll", "test_bars", "test_ends")}
    roll, bars, ends = test["test_roll"], test["test_bars"], test["test_ends"]
    starts = bars[bars + steps <= ends]
    if len(starts) < 3:
        raise ValueError(f"{rolls_path}: {len(starts)} held-out windows of {window_s:g} s; "
                         "MGEval needs at least 3")
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(starts, min(n, len(starts)), replace=False))
    return [rolls.to_seconds(rolls.from_roll(roll[s:s + steps]), window_s) for s in pick]


def random_pitches(windows: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """The windows with every note moved to a random pitch in the window's range."""
    rng = np.random.default_rng([seed, 1])
    out = []
    for w in windows:
        w = w.copy()
        if len(w):
            w[:, 2] = rng.integers(int(w[:, 2].min()), int(w[:, 2].max()) + 1, len(w))
        out.append(w)
    return out


def measure(windows: list[np.ndarray], ref: tuple[dict, dict], window_s: float, rounds: int,
            seed: int) -> dict:
    """Musicality and harmony of ``windows`` against ``ref`` (its MGEval and harmony features)."""
    row = mgeval.compare(mgeval.set_features(windows), ref[0], rounds, seed)
    row.update(harmony.compare(harmony.set_features(windows, window_s), ref[1], rounds, seed))
    row["notes_per_window"] = float(np.mean([len(w) for w in windows]))
    return row


def write_note_level(samples: dict, rolls_path, out_path, window: int, n: int,
                     ev: dict, sr: int = 16000) -> dict:
    """{model: samples folder} of the note models -> their musicality on notes, and the
    baselines', against the held-out scores; written to ``out_path`` as JSON."""
    window_s = window / sr
    with np.load(rolls_path) as z:  # read once for both draws
        test = {k: z[k] for k in ("test_roll", "test_bars", "test_ends")}
    reference = heldout_windows(rolls_path, window_s, ev["max_reference"], ev["seed"], test)
    ref = (mgeval.set_features(reference), harmony.set_features(reference, window_s))
    heldout = heldout_windows(rolls_path, window_s, n, ev["seed"] + 1, test)
    args = (ref, window_s, ev["bootstrap"], ev["seed"])
    rows = {"real_heldout": measure(heldout, *args),
            "random_pitch": measure(random_pitches(heldout, ev["seed"]), *args)}
    for model, folder in samples.items():
        rows[model] = measure(model_windows(Path(folder) / "notes.json", window_s, n,
                                            ev["seed"]), *args)
    out = {"window_s": window_s, "n_windows": n, "n_reference": len(reference), "rows": rows}
    write_json(out_path, out)
    return out
