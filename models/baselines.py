"""The baselines that bracket every neural model on every metric.

- ``RealHeldout``: clips of held-out test pieces (not those the metric compares against): the
  score of real, unseen Bach, the ceiling.
- ``TrainCopy``: clips of training pieces played back: a perfect memoriser, the copying extreme.
- ``RandomPitch``: the clips ``RealHeldout`` plays, re-rendered from their scores with every
  note at a random pitch: Bach's rhythm and sound with wrong notes, the bar for harmony.
- ``EnvelopeNoise``: noise shaped frame by frame by the smoothed spectral envelopes of the clips
  ``RealHeldout`` plays: their loudness and broad spectrum over time, no harmonic lines, no
  notes; the harder floor.
- ``ShapedNoise``: Gaussian noise filtered to the training set's average power spectrum and level:
  the right colour and loudness with no music, the floor.
"""
from __future__ import annotations

import numpy as np

from models.data import clips as clipdata


def draw(rows: np.ndarray, n: int, seed: int) -> np.ndarray:
    """The ``n`` rows a replay baseline plays for ``seed`` (with replacement only when it must)."""
    return np.random.default_rng(seed).choice(rows, size=n, replace=n > len(rows))


class _Replay:
    """Plays back stored clips; ``fit`` remembers which rows of which array it may use."""

    split = ""

    def rows(self, clips_dir) -> np.ndarray:
        raise NotImplementedError

    def fit(self, data_dir, ckpt_dir, cfg, state_dir):
        clips_dir = data_dir / "clips"
        rows = self.rows(clips_dir)
        if len(rows) == 0:
            raise ValueError(f"{clips_dir}: no {self.split} clips to replay")
        np.save(ckpt_dir / "rows.npy", rows)
        return {"clips_dir": str(clips_dir), "split": self.split, "pool": int(len(rows))}

    def sample(self, ckpt_dir, n, seed, cfg):
        from models.io import read_json

        meta = read_json(ckpt_dir / "model.json")
        rows = np.load(ckpt_dir / "rows.npy")
        pick = draw(rows, n, seed)
        data = clipdata.load(meta["clips_dir"], meta["split"])
        return clipdata.as_float(data[np.sort(pick)])[np.argsort(np.argsort(pick))]


class RealHeldout(_Replay):
    """Real Bach from held-out test pieces that the metric does not compare against: the
    ceiling, what unseen real music scores."""

    split = "test"

    def rows(self, clips_dir):
        return clipdata.test_roles(clips_dir)["heldout"]


class TrainCopy(_Replay):
    """Training clips played back unchanged: a perfect memoriser, the copying extreme. It scores
    like real audio on a distribution metric, which is why copying needs a test of its own."""

    split = "train"

    def rows(self, clips_dir):
        return np.arange(len(clipdata.load(clips_dir, "train")))


class RandomPitch(RealHeldout):
    """Held-out Bach with every note at a random pitch in its piece's range, in Bach's rhythm,
    rendered like the corpus: the clips real_heldout plays for the same seed. A model must beat
    it on harmony to claim it learned more than rhythm and piano sound."""

    def fit(self, data_dir, ckpt_dir, cfg, state_dir):
        from models.data.prepare import read_manifest

        manifest = data_dir / "manifest.csv"
        if any(r["source"] != "bach_render" for r in read_manifest(manifest)):
            raise ValueError(f"{manifest}: random_pitch re-renders the held-out scores, so "
                             "data.source must be bach_render (recordings have no notes)")
        return super().fit(data_dir, ckpt_dir, cfg, state_dir)

    def sample(self, ckpt_dir, n, seed, cfg):
        from models.data.repitch import random_pitch
        from models.io import read_json

        meta = read_json(ckpt_dir / "model.json")
        pick = draw(np.load(ckpt_dir / "rows.npy"), n, seed)
        where = {r["row"]: (r["piece"], r["start"]) for r in clipdata.read_index(meta["clips_dir"])
                 if r["split"] == "test"}
        return random_pitch([where[int(r)] for r in pick], 1.0, np.random.default_rng(seed),
                            meta["clip_length"])


class EnvelopeNoise(RealHeldout):
    """Noise with held-out Bach's spectral envelope, frame by frame (the clips real_heldout
    plays for the same seed): each frame's log spectrum is smoothed by keeping its first
    ``lifter`` cepstral coefficients, which keeps loudness and broad colour over time and
    removes every harmonic line whose spacing is below sample rate / lifter (1.3 kHz: every
    chorale note), scaled to the frame's own power, and imposed on white noise; each clip
    keeps its real one's level. A model
    whose FD beats it has learned more than a spectrogram's outline."""

    n_fft, hop, lifter = 1024, 256, 12

    def sample(self, ckpt_dir, n, seed, cfg):
        from scipy.signal import istft, stft

        real = super().sample(ckpt_dir, n, seed, cfg).astype(np.float64)
        pad = self.n_fft  # mirrored at both ends, so that no frame sees a cut-off edge
        wide = np.pad(real, ((0, 0), (pad, pad)), mode="reflect")
        kw = {"nperseg": self.n_fft, "noverlap": self.n_fft - self.hop}
        _, _, spec = stft(wide, **kw)                         # (n, bins, frames)
        ceps = np.fft.irfft(np.log(np.abs(spec) + 1e-7), axis=1)
        ceps[:, self.lifter:self.n_fft - self.lifter + 1] = 0  # keep the low quefrencies
        envelope = np.exp(np.fft.rfft(ceps, axis=1).real)
        power = np.sum(np.abs(spec) ** 2, axis=1, keepdims=True)  # each frame keeps its level
        envelope *= np.sqrt(power / np.sum(envelope ** 2, axis=1, keepdims=True))
        white = np.random.default_rng(seed).standard_normal(wide.shape)
        _, _, noise = stft(white, **kw)
        _, out = istft(envelope * noise / (np.abs(noise) + 1e-12), **kw)
        out = out[:, pad:pad + real.shape[1]]
        rms = lambda x: np.sqrt(np.mean(x ** 2, axis=1, keepdims=True)) + 1e-12  # noqa: E731
        return np.clip(out * rms(real) / rms(out), -1, 1).astype(np.float32)


class ShapedNoise:
    """Gaussian noise filtered to the training clips' average power spectrum and scaled to their
    median level: Bach's colour and loudness without notes, the floor."""

    max_clips = 2048  # clips averaged for the spectrum; more changes it by well under 1 dB

    def fit(self, data_dir, ckpt_dir, cfg, state_dir):
        clips_dir = data_dir / "clips"
        train = clipdata.load(clips_dir, "train")
        if len(train) == 0:
            raise ValueError(f"{clips_dir}: no train clips to measure a spectrum on")
        rng = np.random.default_rng(0)
        rows = np.sort(rng.choice(len(train), size=min(len(train), self.max_clips), replace=False))
        x = clipdata.as_float(train[rows])                        # (clips, samples)
        power = np.mean(np.abs(np.fft.rfft(x, axis=1)) ** 2, 0)  # (samples // 2 + 1,)
        rms = np.sqrt(np.mean(x ** 2, axis=1))
        np.save(ckpt_dir / "power.npy", power.astype(np.float64))
        return {"rms": float(np.median(rms)), "clips_measured": int(len(rows))}

    def sample(self, ckpt_dir, n, seed, cfg):
        from models.io import read_json

        meta = read_json(ckpt_dir / "model.json")
        power = np.load(ckpt_dir / "power.npy")                   # (bins,)
        length = meta["clip_length"]
        rng = np.random.default_rng(seed)
        white = rng.standard_normal((n, length))
        shaped = np.fft.irfft(np.fft.rfft(white, axis=1) * np.sqrt(power), n=length, axis=1)
        shaped *= meta["rms"] / np.sqrt(np.mean(shaped ** 2, axis=1, keepdims=True))
        return np.clip(shaped, -1, 1).astype(np.float32)
