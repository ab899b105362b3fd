"""Figures: waveforms and log-mel spectrograms of generated clips beside a real one, in the
manner of the seed study's "original wave" / "prediction" pairs."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from models.audio import SAMPLE_RATE  # noqa: E402
from models.data import clips as clipdata  # noqa: E402
from models.io import atomic_path  # noqa: E402
from models.registry import load_samples  # noqa: E402


def real_clip(clips_dir) -> np.ndarray:
    """The first reference clip of the test split: the same real clip on every model's plot."""
    row = clipdata.test_roles(clips_dir)["reference"][0]
    return clipdata.as_float(clipdata.load(clips_dir, "test")[row])


def _panels(model: str, samples_dir, clips_dir, n: int):
    names, clips = load_samples(samples_dir)
    panels = [("real Bach (held-out)", real_clip(clips_dir))]
    panels += [(f"{model}: {name}", clip) for name, clip in zip(names[:n], clips[:n])]
    return panels


# The site's content column is 938 px wide in a 1280 px window (Material, contents in the
# left sidebar): every figure is drawn at most WIDTH inches at DPI, 900 px, so that the page
# shows it at its own size and its text at the size it was set in.
DPI = 100
WIDTH = 9.0


def _save(fig, path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")
    plt.close(fig)


def waveplot(panels, path) -> None:
    import librosa.display

    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.6 * len(panels)), sharex=True,
                             squeeze=False)
    for ax, (title, clip) in zip(axes[:, 0], panels):
        librosa.display.waveshow(clip, sr=SAMPLE_RATE, ax=ax, color="tab:blue")
        ax.set(title=title, ylim=(-1, 1), ylabel="amplitude", xlabel="time (s)")
        ax.label_outer()
    fig.tight_layout()
    _save(fig, path)


def spectrogram(panels, path, ev: dict) -> None:
    import librosa
    import librosa.display

    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.0 * len(panels)), sharex=True,
                             squeeze=False)
    for ax, (title, clip) in zip(axes[:, 0], panels):
        mel = librosa.feature.melspectrogram(y=clip, sr=SAMPLE_RATE, n_fft=ev["n_fft"],
                                             hop_length=ev["hop"], n_mels=ev["n_mels"])
        db = librosa.power_to_db(mel, ref=1.0, top_db=80)
        img = librosa.display.specshow(db, sr=SAMPLE_RATE, hop_length=ev["hop"], x_axis="time",
                                       y_axis="mel", ax=ax, vmin=-80, vmax=20, cmap="magma")
        ax.set(title=title, xlabel="time (s)", ylabel="mel frequency (Hz)")
        ax.label_outer()
    fig.colorbar(img, ax=axes[:, 0].tolist(), format="%+.0f dB", shrink=0.8)
    _save(fig, path)


def plot_model(model, samples_dir, clips_dir, waveplot_path, spectrogram_path, n, ev) -> None:
    panels = _panels(model, samples_dir, clips_dir, n)
    waveplot(panels, waveplot_path)
    spectrogram(panels, spectrogram_path, ev)


TITLES = {"wasserstein": "Wasserstein estimate"}


def plot_curves(model: str, curves_csv, path) -> None:
    """One panel per logged quantity against training step (means over each log row)."""
    import csv

    with open(curves_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{curves_csv}: no training rows logged")
    keys = [k for k in rows[0] if k not in ("step", "seconds")]
    step = np.array([float(r["step"]) for r in rows])
    ncol = min(len(keys), 3)
    nrow = -(-len(keys) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(min(WIDTH, 3.3 * ncol), 2.8 * nrow),
                             squeeze=False)
    for ax in axes.flat[len(keys):]:
        ax.set_visible(False)
    for ax, key in zip(axes.flat, keys):
        title = TITLES.get(key, key.replace("_", " "))
        ax.plot(step, [float(r[key]) for r in rows], marker="." if len(rows) < 30 else None)
        ax.set(title=title, xlabel="training step")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{model}: training curves")
    fig.tight_layout()
    _save(fig, path)
