"""8-bit mu-law companding (mu = 255), as SampleRNN and WaveNet quantise audio.

encode: x in [-1, 1] -> F(x) = sign(x) ln(1 + mu|x|) / ln(1 + mu) -> 256 integer levels;
decode: the level's centre, expanded back. The round trip's error in the companded domain is at
most half a level (1/256), so the error in x is at most |dx/dF| / 256 at that point.
"""
import numpy as np

MU = 255
LEVELS = MU + 1
SILENCE = LEVELS // 2  # the level that decodes to (nearly) zero


def compand(x):
    x = np.clip(np.asarray(x, np.float64), -1, 1)
    return np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)


def expand(f):
    f = np.asarray(f, np.float64)
    return np.sign(f) * np.expm1(np.abs(f) * np.log1p(MU)) / MU


def encode(x) -> np.ndarray:
    """[-1, 1] -> int32 levels 0..255."""
    return np.clip(np.floor((compand(x) + 1) / 2 * LEVELS), 0, MU).astype(np.int32)


def decode(q) -> np.ndarray:
    """levels 0..255 -> float32 in [-1, 1] (each level's centre)."""
    return expand((np.asarray(q) + 0.5) / LEVELS * 2 - 1).astype(np.float32)
