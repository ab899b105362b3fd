"""Decoding any rate, channel count and format to 16 kHz mono; bad files named in one line."""
import subprocess

import numpy as np
import pytest
import soundfile as sf

from conftest import tone
from models import audio


@pytest.mark.parametrize("fmt, rate, channels", [
    ("wav", 44100, 2), ("flac", 22050, 1), ("ogg", 48000, 2), ("wav", 16000, 1)])
def test_load_any_rate_and_channels(tmp_path, fmt, rate, channels):
    t = np.arange(rate) / rate
    x = np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * channels, axis=1)
    path = tmp_path / f"a.{fmt}"
    sf.write(path, x, rate, format=fmt.upper())
    y = audio.load(path)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - 16000) <= 16
    assert np.max(np.abs(y)) == pytest.approx(0.99, abs=1e-3)
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * 16000 / len(y) - 440) < 3  # the tone survives resampling


def test_load_mp3_made_by_ffmpeg(tmp_path):
    wav, mp3 = tmp_path / "a.wav", tmp_path / "a.mp3"
    sf.write(wav, tone([330], 1.0, sr=44100), 44100)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(wav), str(mp3)], check=True)
    y = audio.load(mp3)
    assert abs(len(y) / 16000 - 1.0) < 0.1


def test_corrupt_empty_and_silent_files_name_the_file(tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    empty = tmp_path / "empty.flac"
    sf.write(empty, np.zeros((0, 1)), 16000, format="FLAC")
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000), 16000)
    for path, reason in ((corrupt, "cannot decode"), (empty, "empty"), (silent, "silent")):
        with pytest.raises(audio.AudioError) as err:
            audio.load(path)
        assert str(path) in str(err.value) and reason in str(err.value)
        assert "\n" not in str(err.value)


def test_write_wav_is_16_bit_and_clipped(tmp_path):
    path = tmp_path / "out.wav"
    audio.write_wav(path, np.array([0.0, 2.0, -2.0], np.float32))
    info = sf.info(path)
    assert (info.subtype, info.samplerate) == ("PCM_16", 16000)
    assert np.allclose(audio.read_wav(path), [0, 1, -1], atol=1e-4)
    assert not list(tmp_path.glob(".*"))  # no temporary left behind
