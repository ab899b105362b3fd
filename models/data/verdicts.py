"""A verdict for every file of a folder of recordings: used, or skipped with a one-line reason.

Before any decoding: an empty file, a file whose extension is not wav/flac/ogg/mp3, and a file
whose first bytes are no such stream are not audio. Then, decoded: a sample rate outside 8 kHz to
384 kHz is implausible; a wav holding fewer frames than its header declares is truncated; audio
below the silence level is silent (and, when its channels are not, the channels cancel in the
mono mix: said so); audio shorter than one clip cannot give a clip. Every reason starts with the
file's path. Any decoder error skips only that file.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from models import audio

MIN_RATE, MAX_RATE = 8000, 384000


def sniff(head: bytes) -> str | None:
    """The kind of audio stream ``head`` (a file's first bytes) opens, or None."""
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def declared_wav_frames(path) -> int | None:
    """Frames a RIFF wav's header declares for its data chunk; None if it declares none (not a
    RIFF wav, or a streaming header with an unknown size)."""
    with open(path, "rb") as fh:
        if fh.read(12)[8:12] != b"WAVE":
            return None
        block = None
        while len(chunk := fh.read(8)) == 8:
            name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt ":
                block = struct.unpack("<H", fh.read(16)[12:14])[0]
                fh.seek(size - 16 + size % 2, 1)
            elif name == b"data":
                return None if not block or size == 0xFFFFFFFF else size // block
            else:
                fh.seek(size + size % 2, 1)
    return None


def before_decoding(path: Path) -> str | None:
    """The reason a file is not audio at all, or None if it may be."""
    size = path.stat().st_size
    if size == 0:
        return f"{path}: empty file (0 bytes)"
    if path.suffix.lower() not in audio.AUDIO_SUFFIXES:
        ext = f"extension '{path.suffix}'" if path.suffix else "no extension"
        return f"{path}: not audio ({ext}; wav, flac, ogg and mp3 are read)"
    with open(path, "rb") as fh:
        head = fh.read(16)
    if sniff(head) is None:
        return f"{path}: not audio (its content is no wav, flac, ogg or mp3 stream)"
    return None


def load_checked(path, clip_length: int, silence_db: float = -60.0) -> np.ndarray:
    """A recording as mono 16 kHz float32, peak-normalised, or AudioError with its verdict."""
    x, rate = audio.decode(path)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise audio.AudioError(f"{path}: implausible sample rate {rate} Hz (a recording has "
                               f"{MIN_RATE // 1000} kHz to {MAX_RATE // 1000} kHz)")
    declared = declared_wav_frames(path) if Path(path).suffix.lower() == ".wav" else None
    if declared is not None and len(x) < declared:
        raise audio.AudioError(f"{path}: truncated (its header declares {declared} frames, "
                               f"{declared / rate:.2f} s; the file holds {len(x)}, "
                               f"{len(x) / rate:.3f} s)")
    y = audio.to_mono_16k(x, rate)
    level = audio.rms_db(y)
    if level < silence_db:
        loudest = max(audio.rms_db(x[:, c]) for c in range(x.shape[1]))
        if loudest >= silence_db:
            raise audio.AudioError(f"{path}: silent when mixed to mono: its channels cancel "
                                   f"(loudest channel {loudest:.1f} dBFS, mono {level:.1f} dBFS)")
        raise audio.AudioError(f"{path}: silent (RMS {level:.1f} dBFS < {silence_db:g} dBFS)")
    if len(y) < clip_length:
        raise audio.AudioError(f"{path}: shorter than one clip ({len(y) / audio.SAMPLE_RATE:.2f} "
                               f"s < {clip_length / audio.SAMPLE_RATE:.3f} s)")
    return audio.peak_normalise(y)
