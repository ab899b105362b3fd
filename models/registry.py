"""The one place that lists model names, and the contract every model keeps.

A model is a class with
  ``uses_gpu``        whether its training rule asks for a GPU
  ``needs``           data targets beyond the clips it trains on (e.g. "stft_moments")
  ``has_curves``      whether training writes ``curves.csv`` into the checkpoint
  ``fit(data_dir, ckpt_dir, cfg, state_dir) -> dict``
                      train on ``data_dir`` (manifest.csv, clips/, ...), write what generation
                      needs into ``ckpt_dir``; ``state_dir`` survives a killed run, for resuming
  ``sample(ckpt_dir, n, seed, cfg)``
                      -> float32 (n, clip length) in [-1, 1], the same for the same seed
  ``interpolate(ckpt_dir, seed)`` (optional) -> (samples,) audio of a walk through latent space
  ``long_form(ckpt_dir, n, seed, seconds)`` (optional) -> (n, samples): n pieces that long
  ``sample_info`` (optional) a dict of figures about the last ``sample`` call, kept in
                      the samples' clips.json and shown on the model's page
  ``notes`` (note models) the last ``sample`` call's notes, per clip [onset s, offset s,
                      pitch], written to the samples' notes.json for note-level measures
Rules never name a model: they call ``train`` and ``generate`` below with the ``{model}``
wildcard. Entries are import strings, so listing a Keras model costs nothing until it is used.
"""
from __future__ import annotations

import importlib
import time
from pathlib import Path

import numpy as np

from models import audio
from models.io import atomic_dir, read_json, write_json
from models.train import distribute, snapshots

MODELS = {
    "real_heldout": "models.baselines:RealHeldout",  # held-out real clips: the ceiling
    "train_copy": "models.baselines:TrainCopy",      # training clips replayed: memorisation
    "noise": "models.baselines:ShapedNoise",         # noise with Bach's average spectrum: the floor
    "wavegan": "models.gan.model:WaveGAN",           # WaveGAN, 16384 samples
    "wavegan_long": "models.gan.model:WaveGANLong",  # WaveGAN, 65536 samples
    "specgan": "models.gan.model:SpecGAN",           # SpecGAN, 128x128 spectrograms
    "gansynth": "models.gan.model:GANSynth",         # GANSynth-style, magnitude + IF, 65536
    "lstm": "models.seq.audio_rnn:AudioLSTM",        # SampleRNN, LSTM frame tier, raw audio
    "rnn": "models.seq.audio_rnn:AudioRNN",          # the same with a plain RNN cell
    "lstm_seed": "models.seq.seed_lstm:SeedLSTM",    # the seed's LSTM, free-running
    "lstm_seed_teacher": "models.seq.seed_lstm:SeedLSTMTeacherForced",  # ... as the seed judged it
    "notes_lstm": "models.seq.notes_lstm:NotesLSTM",  # LSTM over note tokens, rendered
    "notes_gan": "models.gan.notes_gan:NotesGAN",     # GAN over piano rolls, rendered
}
BASELINES = ("real_heldout", "train_copy", "noise")
# The family each neural model answers for in "GANs vs LSTMs" (the plain RNN is the LSTM's
# control), and the models that exist to make a point (the seed's tiny LSTM, the plain RNN,
# 4 s WaveGAN): they get token budgets, and their whole runs may end below the first snapshot
# of the others, so they never set the matched-compute level.
FAMILY = {"wavegan": "GAN", "wavegan_long": "GAN", "specgan": "GAN", "gansynth": "GAN",
          "notes_gan": "GAN", "lstm": "LSTM", "lstm_seed": "LSTM", "notes_lstm": "LSTM",
          "rnn": "RNN"}
TOKEN = ("lstm_seed", "rnn", "wavegan_long")
# Rows that are not a model's own music: the baselines, and the seed's LSTM judged teacher-forced
# (it replays held-out audio one predicted sample at a time). Shown, never ranked.
NOT_RANKED = (*BASELINES, "lstm_seed_teacher")


class CheckpointError(FileNotFoundError):
    """A checkpoint that is missing or belongs to another model."""


def get(name: str):
    if name not in MODELS:
        raise KeyError(f"unknown model '{name}' (registered: {', '.join(MODELS)})")
    module, cls = MODELS[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def train(name: str, data_dir, ckpt_dir, cfg: dict, state_dir=None) -> dict:
    """Train ``name`` and write its checkpoint folder atomically (``model.json`` + weights).

    ``state_dir`` (default: beside the checkpoint) keeps the resumable training state."""
    model = get(name)
    state_dir = Path(state_dir) if state_dir else Path(ckpt_dir).parent / "state"
    start = time.perf_counter()
    # compute.data_parallel: a neural model splits each batch over the local accelerators
    parallel = model.uses_gpu and cfg.get("compute", {}).get("data_parallel", False)
    devices = distribute.setup(parallel, cfg.get(name, {}).get("batch"))
    with atomic_dir(ckpt_dir) as tmp:
        info = model.fit(Path(data_dir), tmp, cfg, state_dir) or {}
        meta = {"model": name, "clip_length": cfg["clips"]["length"],
                "sample_rate": cfg["sample_rate"], "train_s": time.perf_counter() - start, **info}
        if devices > 1:
            meta["devices"] = devices
        if "backend" in info:  # a trained network: where and in what precision
            import keras

            from models.train.loop import device_name

            meta.update(device=device_name(),
                        precision=keras.mixed_precision.dtype_policy().name)
        write_json(tmp / "model.json", meta)
        snapshots.describe(tmp, meta)
    return meta


def load_meta(name: str, ckpt_dir) -> dict:
    path = Path(ckpt_dir) / "model.json"
    if not path.is_file():
        raise CheckpointError(f"{ckpt_dir}: missing checkpoint for model '{name}' "
                              f"(no model.json; run its train rule first)")
    meta = read_json(path)
    if meta.get("model") != name:
        raise CheckpointError(f"{path}: checkpoint is for model '{meta.get('model')}', not '{name}'")
    return meta


def sample(name: str, ckpt_dir, n: int, seed: int, cfg: dict, model=None) -> np.ndarray:
    """(n, clip length) float32 clips from a trained checkpoint."""
    meta = load_meta(name, ckpt_dir)
    model = model or get(name)
    clips = np.asarray(model.sample(Path(ckpt_dir), n, seed, cfg), dtype=np.float32)
    expected = (n, meta["clip_length"])
    if clips.shape != expected:
        raise ValueError(f"model '{name}' returned clips of shape {clips.shape}, expected {expected}")
    return clips


def generate(name: str, ckpt_dir, out_dir, n: int, seed: int, cfg: dict, n_long: int = 0,
             long_seconds: float = 30.0) -> list[str]:
    """Write ``clip_000.wav`` ... and ``clips.json`` into ``out_dir`` atomically, plus
    ``interpolation.wav`` and ``long_000.wav`` ... for models that make them."""
    model = get(name)
    start = time.perf_counter()
    clips = sample(name, ckpt_dir, n, seed, cfg, model=model)
    seconds = time.perf_counter() - start
    names = [f"clip_{i:03d}.wav" for i in range(n)]
    with atomic_dir(out_dir) as tmp:
        for fname, clip in zip(names, clips):
            audio.write_wav(tmp / fname, clip)
        if getattr(model, "notes", None) is not None:
            write_json(tmp / "notes.json", {"clip_seconds": clips.shape[1] / cfg["sample_rate"],
                                            "notes": model.notes})
        if hasattr(model, "interpolate"):
            audio.write_wav(tmp / "interpolation.wav", model.interpolate(Path(ckpt_dir), seed))
        if getattr(model, "long_form", None) and n_long:
            pieces = model.long_form(Path(ckpt_dir), n_long, seed + 1000, long_seconds)
            for i, piece in enumerate(pieces):
                audio.write_wav(tmp / f"long_{i:03d}.wav", piece)
        write_json(tmp / "clips.json", {"model": name, "seed": seed, "clips": names,
                                        "sample_rate": cfg["sample_rate"],
                                        "generate_s": seconds,
                                        "info": getattr(model, "sample_info", {}),
                                        **({"render": model.render_timing()}
                                           if hasattr(model, "render_timing") else {})})
    return names


def load_samples(samples_dir) -> tuple[list[str], np.ndarray]:
    """The clip names and (n, samples) float32 audio of a ``generate`` output folder."""
    listing = read_json(Path(samples_dir) / "clips.json")
    names = listing["clips"]
    return names, np.stack([audio.read_wav(Path(samples_dir) / n) for n in names])
