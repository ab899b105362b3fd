"""Real Bach for the listening page, as long as what each model plays: for every clip length
among the run's models, a few excerpts of held-out (test) pieces, and one long excerpt to set
beside the long-form pieces; each with the score and MIDI of its transcribed notes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from models import audio
from models.data.prepare import read_manifest
from models.io import atomic_dir, read_json, write_json
from models.report.score import LISTENED, write_scores

START_S = 1.0  # an excerpt starts this far into its piece (past the first onset's attack)
LONG = "long"  # the long excerpt's folder


def clip_lengths(samples_dirs) -> list[int]:
    """The distinct clip lengths (samples) among ``generate`` folders, from their first clip."""
    lengths = set()
    for folder in samples_dirs:
        first = read_json(Path(folder) / "clips.json")["clips"][0]
        lengths.add(sf.info(str(Path(folder) / first)).frames)
    return sorted(lengths)


def excerpts(manifest, length: int, k: int, sample_rate: int) -> list[np.ndarray]:
    """``k`` excerpts of ``length`` samples from different test pieces, spread over the
    pieces in id order (fewer when fewer pieces are long enough; if none is, the longest one,
    its end padded with silence)."""
    rows = sorted((r for r in read_manifest(manifest) if r["split"] == "test"),
                  key=lambda r: r["id"])
    if not rows:
        raise ValueError(f"{manifest}: no test pieces to take real excerpts from")
    start = int(START_S * sample_rate)
    long_enough = [r for r in rows if r["seconds"] * sample_rate >= start + length]
    chosen = ([long_enough[int(j)] for j in np.linspace(0, len(long_enough) - 1, k)]
              if long_enough else [max(rows, key=lambda r: r["seconds"])])
    out = []
    for row in dict.fromkeys(r["id"] for r in chosen):  # each piece once
        wave = audio.read_wav(next(r["path"] for r in rows if r["id"] == row))
        cut = wave[start if len(wave) >= start + length else 0:][:length]
        out.append(np.pad(cut, (0, length - len(cut))).astype(np.float32))
    return out


def write_real_excerpts(manifest, samples_dirs, out_dir, long_seconds: float,
                        sample_rate: int) -> dict:
    """``out_dir/<length>/`` for each clip length of ``samples_dirs``: ``clip_000.wav`` ...
    (``LISTENED`` excerpts), clips.json and ``scores/`` (rule scores' files of them);
    ``out_dir/long/``: one excerpt of ``long_seconds`` as ``long_000.wav`` with its scores.
    Written atomically; returns {folder: clip count}."""
    made = {}
    with atomic_dir(out_dir) as tmp:
        groups = [(str(n), excerpts(manifest, n, LISTENED, sample_rate), "clip")
                  for n in clip_lengths(samples_dirs)]
        groups.append((LONG, excerpts(manifest, int(long_seconds * sample_rate), 1,
                                      sample_rate)[:1], "long"))
        for name, clips, prefix in groups:
            folder = tmp / name
            names = [f"{prefix}_{i:03d}.wav" for i in range(len(clips))]
            for fname, clip in zip(names, clips):
                audio.write_wav(folder / fname, clip)
            write_json(folder / "clips.json", {"clips": names if prefix == "clip" else []})
            write_scores(folder, folder / "scores", LISTENED, sample_rate)
            made[name] = len(clips)
    return made
