"""What the workflow runs of librosa, once, so that numba compiles it into the snapshot that every
later process copies (``models/numba_cache.py``: ``fill`` runs this module in a process of its
own): the features of a set of clips in float32 and float64 (log-mel power, constant-Q chroma
with each clip's tuning estimate, descriptors with onsets, note transcription) and the site's
mel spectrograms, which run the same code.

``python -m models.evaluate.warm`` is meant to be run by ``numba_cache.fill`` only; alone, it
compiles into its own private cache and keeps nothing.
"""
import numpy as np

from models.evaluate import suite

SR = 16000
MEL = {"n_mels": 64, "n_fft": 1024, "hop": 256}


def exercise(seconds: float = 1.024) -> None:
    """Two short chords through the features of a set of clips, once per float width."""
    t = np.arange(int(seconds * SR)) / SR
    clips = np.stack([0.3 * np.sin(2 * np.pi * f * t) * np.exp(-2 * t)
                      for f in (220.0, 329.6)])
    for dtype in (np.float32, np.float64):
        suite.set_features(clips.astype(dtype), MEL, SR)


if __name__ == "__main__":
    exercise()
