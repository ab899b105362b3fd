"""The one list of models, and the contract every model keeps.

Adding a model takes three steps (README, "Where things are"): a module with its class, one
line in ``MODELS`` below, and a section in workflow/schemas/config.schema.yaml for its sizes
(a model that trains with steps reads ``log_every``, ``max_minutes`` and the rest from there).
Nothing else names it: config, rules, tests, report and the lease plan all read this list.

Each ``MODELS`` entry is a ``Model``: what the workflow and the report ask of a model, declared
once so that planning a run never imports a network. Its fields, and who reads them:
  ``cls``      "module:Class", imported only to train or sample (rules ``train``, ``generate``,
               ``snapshot_metrics``; the model pages read the class's docstring)
  ``about``    one line on what it is and why it is in the study (README, config comments)
  ``role``     "model" (ranked); a baseline's bar: "ceiling" (held-out Bach), "memorisation",
               "wrong notes" (Bach's rhythm, random pitches: the bar for harmony), "counting"
               (n-gram counts: the bar for a note model), "floor"; or "diagnostic" (shown on every page, never ranked nor counted as
               learned): the report's statuses, rankings and colours (models/report/table.py)
  ``family``   the side it answers for in "GANs vs LSTMs" ("GAN", "LSTM"; "RNN" is the LSTM's
               control): the report's pairings (``pairings``), the home page's family
               sentences, the learning curves' line styles
  ``level``    "audio" (learns from the clips) or "notes" (learns from the scores' notes)
  ``scores``   needs the corpus's scores though it learns from audio (the random-pitch
               baseline re-renders them); a note-level model needs them too (``needs_scores``):
               only data.source bach_render has them, and ``models: all`` leaves such models
               out of other sources
  ``steps``    trains with optimiser steps: a training curve (curves.csv), snapshots, a GPU
               claim, a wall-clock budget (``max_minutes``), a benchmark row, a lease slot. A
               model without steps (a baseline, a counting model) trains in seconds; it is
               "trained" in no count of the report's (rules ``benchmark``, ``plot_curves``,
               ``snapshot_metrics``, ``plot_learning``; models/report/timeline.py)
  ``notes``    its ``sample`` leaves the notes it played in ``model.notes``, written to the
               samples' notes.json (rule ``note_level`` measures them)
  ``long``     it has ``long_form``: ``generate`` writes ``generate.n_long`` pieces
  ``needs``    data targets beyond the clips, by rule name ("stft_moments", "note_tokens",
               "piano_rolls"): inputs of its ``train`` rule (workflow/rules/common.smk)
  ``token``    a token budget: it makes a point (the seed's small LSTM, the plain RNN, the 4 s
               WaveGAN), its whole run may end below the others' first snapshot, so it never
               sets the matched-compute level and is not paired
  ``paper``    the paper whose recipe it follows; its settings are in models/report/recipes.py
               (RECIPES, one entry for every model with a paper), for the method page's
               "differences from the papers"; None: no paper (a baseline)

The class keeps the behaviour:
  ``fit(data_dir, ckpt_dir, cfg, state_dir) -> dict``
                 train on ``data_dir`` (manifest.csv, clips/, and its ``needs``), write what
                 generation needs into ``ckpt_dir``; ``state_dir`` survives a killed run, for
                 resuming. The dict goes into model.json; a model whose clips are not
                 ``clips.length`` samples long returns ``clip_length`` (the note models: their
                 ``clip_seconds``), and that length is what ``sample`` must return and what the
                 evaluation cuts into windows. A model with steps returns ``steps``,
                 ``train_s``-related figures and ``backend``
  ``sample(ckpt_dir, n, seed, cfg)``
                 -> float32 (n, clip length) in [-1, 1], the same for the same seed
  ``long_form(ckpt_dir, n, seed, seconds)`` (``long`` models) -> (n, samples): n pieces
  ``interpolate(ckpt_dir, seed)`` (optional) -> (samples,) audio of a walk through latent space
  ``sample_info`` (optional) a dict of figures about the last ``sample`` call, kept in the
                 samples' clips.json and shown on the model's page
  ``notes`` (``notes`` models) the last ``sample`` call's notes, per clip [onset s, offset s,
                 pitch]
Rules never name a model: they call ``train`` and ``generate`` below with the ``{model}``
wildcard, and select models by these fields (``select``).
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models import audio
from models.io import atomic_dir, read_json, write_json
from models.train import distribute, snapshots

BARS = ("ceiling", "memorisation", "wrong notes", "counting", "floor")  # baselines' roles
LEVELS = ("audio", "notes")
COMPARED = ("LSTM", "GAN")  # the study's question: these two families, set against each other


@dataclass(frozen=True)
class Model:
    """A model's declaration (the fields are described in the module docstring)."""

    cls: str
    about: str
    role: str = "model"
    family: str | None = None
    level: str = "audio"
    scores: bool = False
    steps: bool = False
    notes: bool = False
    long: bool = False
    needs: tuple = ()
    token: bool = False
    paper: str | None = None

    @property
    def baseline(self) -> bool:
        return self.role in BARS

    @property
    def ranked(self) -> bool:
        return self.role == "model"

    @property
    def needs_scores(self) -> bool:
        return self.scores or self.level == "notes"


WAVEGAN = "WaveGAN and SpecGAN (Donahue et al., ICLR 2019)"
SAMPLERNN = "SampleRNN (Mehri et al., ICLR 2017)"
SEED = "the seed report (shared/seeds)"
GAN = {"family": "GAN", "steps": True, "long": True}
LSTM = {"family": "LSTM", "steps": True}
MODELS = {
    "real_heldout": Model("models.baselines:RealHeldout", "held-out real clips", "ceiling"),
    "train_copy": Model("models.baselines:TrainCopy", "training clips replayed",
                        "memorisation"),
    "random_pitch": Model("models.baselines:RandomPitch", "held-out Bach re-rendered with every "
                          "note at a random pitch, in Bach's rhythm", "wrong notes", scores=True),
    "envelope_noise": Model("models.baselines:EnvelopeNoise", "noise with held-out Bach's "
                            "spectral envelope frame by frame, no harmonic lines", "floor"),
    "noise": Model("models.baselines:ShapedNoise", "noise with Bach's average spectrum",
                   "floor"),
    "wavegan": Model("models.gan.model:WaveGAN", "WaveGAN, 1.024 s clips", **GAN,
                     paper=WAVEGAN),
    "wavegan_long": Model("models.gan.model:WaveGANLong", "WaveGAN, 4.1 s clips", **GAN,
                          token=True, paper=WAVEGAN),
    "specgan": Model("models.gan.model:SpecGAN", "SpecGAN, 128x128 spectrograms", **GAN,
                     needs=("stft_moments",), paper=WAVEGAN),
    "gansynth": Model("models.gan.model:GANSynth", "GANSynth-style GAN, magnitude and "
                      "instantaneous frequency, 4.1 s clips", **GAN,
                      paper="GANSynth (Engel et al., ICLR 2019)"),
    "lstm": Model("models.seq.audio_rnn:AudioLSTM", "SampleRNN-style LSTM on raw audio, "
                  "free-running", **LSTM, long=True, paper=SAMPLERNN),
    "rnn": Model("models.seq.audio_rnn:AudioRNN", "the same with a plain RNN cell (the LSTM's "
                 "control)", family="RNN", steps=True, long=True, token=True, paper=SAMPLERNN),
    "lstm_seed": Model("models.seq.seed_lstm:SeedLSTM", "the seed's own audio LSTM, left to "
                       "generate on its own", **LSTM, long=True, token=True, paper=SEED),
    "lstm_seed_teacher": Model("models.seq.seed_lstm:SeedLSTMTeacherForced", "the seed's LSTM "
                               "as the seed judged it: teacher-forced, fed real audio",
                               "diagnostic", steps=True, paper=SEED),
    "notes_lstm": Model("models.seq.notes_lstm:NotesLSTM", "an LSTM over note tokens of "
                        "the scores (every voice, durations), rendered", **LSTM, level="notes",
                        notes=True, long=True, needs=("note_tokens",),
                        paper="Classical-Piano-Composer (Skuli 2017)"),
    "ngram": Model("models.seq.ngram:NGram", "counts of note-token n-grams with back-off, "
                   "sampled like the note LSTM", "counting", level="notes", notes=True,
                   long=True, needs=("note_tokens",)),
    "notes_gan": Model("models.gan.notes_gan:NotesGAN", "a GAN over piano rolls of "
                       "the scores' 4/4 bars, rendered", **GAN, level="notes", notes=True,
                       needs=("piano_rolls",),
                       paper="MuseGAN (Dong et al., AAAI 2018)"),
}


SEED_MARK = "-seed"  # a run of a model trained with another seed: notes_lstm-seed1


def run_name(model: str, seed: int | None = None) -> str:
    """The name of ``model`` trained with an extra ``seed`` (config key ``seeds``); its run is a
    model of the workflow like any other (train, generate, metrics, curves of its own), read
    from the registry as ``model``. None: the model's own run, with its section's seed."""
    return model if seed is None else f"{model}{SEED_MARK}{seed}"


def base(name: str) -> str:
    """The registered model a run name stands for: ``notes_lstm-seed1`` -> ``notes_lstm``."""
    head, mark, seed = name.rpartition(SEED_MARK)
    return head if mark and seed.isdigit() and head in MODELS else name


def runs_of(models, model: str) -> list[str]:
    """The runs among ``models`` of one registered model: its own and its extra seeds'."""
    return [m for m in models if base(m) == model]


def own(models) -> list[str]:
    """The names among ``models`` that are models' own runs, not their extra seeds."""
    return [m for m in models if base(m) == m]


def spec(name: str) -> Model:
    """The declaration of a registered model (or of a run of one, ``run_name``); an unknown
    name is a one-line KeyError."""
    if base(name) not in MODELS:
        raise KeyError(f"unknown model '{name}' (registered: {', '.join(MODELS)})")
    return MODELS[base(name)]


def select(models=None, **where) -> list[str]:
    """The names among ``models`` (default: every registered one), in their order, whose
    declaration has each field or property in ``where``: ``select(steps=True)``,
    ``select(cfg["models"], level="notes", notes=True)``, ``select(baseline=True)``."""
    return [m for m in (MODELS if models is None else models)
            if all(getattr(spec(m), k) == v for k, v in where.items())]


def family(name: str) -> str | None:
    """The family a name answers for; None for a baseline or a row that is not a model."""
    return MODELS[base(name)].family if base(name) in MODELS else None


def ranked(name: str) -> bool:
    """False for baselines and diagnostics (shown, never ranked); a row the registry does not
    know is ranked."""
    return MODELS[base(name)].ranked if base(name) in MODELS else True


def token(name: str) -> bool:
    """Whether a name has a token budget (False for a row that is not a model)."""
    return base(name) in MODELS and MODELS[base(name)].token


def pairings(models, level: str | None = None) -> list[tuple[str, str]]:
    """(LSTM, GAN) pairs the report sets against each other: at each level, every ranked model
    of the one family with every one of the other, token budgets left out; a third model of a
    family joins by its family. A model's extra seeds are not paired (the seeds' answer sets
    them against each other: models/report/seeds.py)."""
    out = []
    for lvl in (level,) if level else LEVELS:
        sides = [select(own(models), level=lvl, family=f, ranked=True, token=False)
                 for f in COMPARED]
        out += [(a, b) for a in sides[0] for b in sides[1]]
    return out


def seed_runs(models) -> dict[str, list[str]]:
    """{model: its runs} for the note-level models of the two families that train with steps,
    among ``models`` (run names), family by family; a model with one run has one. The seeds'
    answer (models/report/seeds.py) sets them against each other."""
    return {m: runs_of(models, m) for fam in COMPARED
            for m in select(own(models), level="notes", steps=True, ranked=True, family=fam)}


class CheckpointError(FileNotFoundError):
    """A checkpoint that is missing or belongs to another model."""


def get(name: str):
    """An instance of the model's class."""
    module, cls = spec(name).cls.split(":")
    return getattr(importlib.import_module(module), cls)()


def train(name: str, data_dir, ckpt_dir, cfg: dict, state_dir=None) -> dict:
    """Train ``name`` and write its checkpoint folder atomically (``model.json`` + weights).

    ``state_dir`` (default: beside the checkpoint) keeps the resumable training state."""
    model = get(name)
    state_dir = Path(state_dir) if state_dir else Path(ckpt_dir).parent / "state"
    start = time.perf_counter()
    # compute.data_parallel: a neural model splits each batch over the local accelerators
    parallel = spec(name).steps and cfg.get("compute", {}).get("data_parallel", False)
    devices = distribute.setup(parallel, cfg.get(base(name), {}).get("batch"))
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
    ``notes.json``, ``interpolation.wav`` and ``long_000.wav`` ... for models that make them."""
    model = get(name)
    start = time.perf_counter()
    clips = sample(name, ckpt_dir, n, seed, cfg, model=model)
    seconds = time.perf_counter() - start
    names = [f"clip_{i:03d}.wav" for i in range(n)]
    with atomic_dir(out_dir) as tmp:
        for fname, clip in zip(names, clips):
            audio.write_wav(tmp / fname, clip)
        if spec(name).notes:
            if getattr(model, "notes", None) is None:
                raise TypeError(f"model '{name}' is registered with notes=True, but its sample "
                                "left no notes (model.notes)")
            write_json(tmp / "notes.json", {"clip_seconds": clips.shape[1] / cfg["sample_rate"],
                                            "notes": model.notes})
        if hasattr(model, "interpolate"):
            audio.write_wav(tmp / "interpolation.wav", model.interpolate(Path(ckpt_dir), seed))
        if spec(name).long and n_long:
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
