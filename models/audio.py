"""Audio I/O at the project's one rate: decode anything, mono, 16 kHz, peak-normalised.

Arrays are float32 of shape (samples,) in [-1, 1] unless a name says otherwise.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from models.io import atomic_path

SAMPLE_RATE = 16000
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


class AudioError(ValueError):
    """A file that cannot be used as audio; the message names the file and the reason."""


def decode(source, name: str | None = None) -> tuple[np.ndarray, int]:
    """Decode a path or bytes to (samples, channels) float32 and its rate.

    soundfile (libsndfile) reads wav/flac/ogg/mp3; librosa's audioread fallback covers what it
    cannot. Raises AudioError naming the file.
    """
    name = name or str(source)
    data = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        x, rate = sf.read(data, dtype="float32", always_2d=True)
    except Exception as first:  # libsndfile refuses some mp3 variants; try audioread
        if isinstance(source, (bytes, bytearray)):
            raise AudioError(f"{name}: cannot decode audio ({first})") from None
        try:
            import librosa

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y, rate = librosa.load(source, sr=None, mono=False)
            x = np.atleast_2d(y).T.astype(np.float32)
        except Exception:
            raise AudioError(f"{name}: cannot decode audio ({first})") from None
    if x.size == 0:
        raise AudioError(f"{name}: empty audio (0 samples)")
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{name}: audio holds NaN or infinite samples")
    return x, int(rate)


def to_mono_16k(x: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """(samples, channels) at ``rate`` -> (samples,) mono at ``target`` with soxr's HQ resampler."""
    mono = x.mean(axis=1) if x.ndim == 2 else x
    if rate != target:
        mono = soxr.resample(mono, rate, target, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def rms_db(x: np.ndarray) -> float:
    """Root-mean-square level in dBFS (-inf for digital silence)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else float("-inf")


def peak_normalise(x: np.ndarray, peak: float = 0.99) -> np.ndarray:
    top = float(np.max(np.abs(x))) if x.size else 0.0
    return x if top == 0 else (x * (peak / top)).astype(np.float32)


def load(path: str | os.PathLike, silence_db: float = -60.0) -> np.ndarray:
    """Any supported file -> mono 16 kHz float32, peak-normalised; AudioError if unusable."""
    x, rate = decode(path)
    y = to_mono_16k(x, rate)
    if y.size == 0:
        raise AudioError(f"{path}: empty audio after resampling")
    level = rms_db(y)
    if level < silence_db:
        raise AudioError(f"{path}: silent (RMS {level:.1f} dBFS < {silence_db:g} dBFS)")
    return peak_normalise(y)


def read_wav(path: str | os.PathLike) -> np.ndarray:
    """A wav this project wrote: (samples,) float32 at 16 kHz."""
    y, rate = sf.read(path, dtype="float32")
    if rate != SAMPLE_RATE:
        raise AudioError(f"{path}: expected {SAMPLE_RATE} Hz, found {rate} Hz")
    return y


def write_wav(path: str | os.PathLike, y: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit PCM wav atomically; samples are clipped to [-1, 1]."""
    with atomic_path(Path(path)) as tmp:
        sf.write(tmp, np.clip(y, -1.0, 1.0), rate, subtype="PCM_16", format="WAV")
