"""Evaluation steps of the workflow: features of a set of clips, and one model's metric row.

Every set that is measured is first cut into windows of one length, the clip length (16384
samples): a model that makes 4.1 s clips is measured on 1.024 s windows of them like every
other, and every model on the same number of windows (``generate.n_clips``, drawn seeded from
all its windows), so that no metric sees more frames or longer clips for one model than for
another. Every set of windows (each model's, the held-out reference's) becomes one
``features.npz`` with all its embeddings, descriptors and transcribed-note features
(``set_features``); the training clips get the log-mel clip embedding only, for bins and
nearest neighbours (``write_train_features``). A model's row then compares its features with
the reference's and the training set's (``evaluate_model``), so re-measuring never re-reads
audio, and one model's rebuild touches only its own files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from models.audio import read_wav
from models.data import clips as clipdata
from models.evaluate import (descriptors, embeddings, harmony, memorisation, metrics, mgeval,
                             pretrained)
from models.io import atomic_path, write_json
from models.registry import load_samples

NOTE_FIGURES = ("polyphony", "pitch_range", "in_scale", "note_rate")
# FD's loudness floor: windows quieter than QUIET_DB (RMS, dBFS) are left out of both sets of
# the FD, so that one fading tail cannot blow up its interval, when they are at most QUIET_MAX
# of a set; a set with more of them is measured whole, so silence cannot escape the measure.
QUIET_DB, QUIET_MAX = -50.0, 0.1


def _mel(ev: dict) -> dict:
    return {"n_mels": ev["n_mels"], "n_fft": ev["n_fft"], "hop": ev["hop"]}


def windows(clips: np.ndarray, length: int, n: int | None, seed: int) -> np.ndarray:
    """(n, length): every clip cut into whole windows of ``length`` samples, then ``n`` of them
    drawn without replacement (seeded; all of them, in order, when ``n`` is None)."""
    clips = np.asarray(clips)
    per = clips.shape[1] // length
    if per < 1:
        raise ValueError(f"clips of {clips.shape[1]} samples are shorter than one "
                         f"{length}-sample window")
    cut = clips[:, :per * length].reshape(-1, length)
    if n is None:
        return cut
    if len(cut) < n:
        raise ValueError(f"{len(cut)} windows of {length} samples, fewer than the {n} every "
                         "set is measured on")
    return cut[np.sort(np.random.default_rng(seed).choice(len(cut), n, replace=False))]


def _headline_part(clips: np.ndarray, mel: list, notes: list, sr: int) -> dict:
    """What the headline numbers read: window size and count, log-mel frame statistics, and
    the transcribed notes' MGEval and harmony features."""
    out = {"window": np.array(clips.shape[1]), "n_windows": np.array(len(clips))}
    rms = np.sqrt(np.mean(np.asarray(clips, np.float64) ** 2, axis=1))
    out["level_db"] = 20 * np.log10(rms + 1e-9)
    out.update({f"frames_{k}": v for k, v in embeddings.frame_stats(mel).items()})
    out.update({f"mg_{k}": v for k, v in mgeval.set_features(notes).items()})
    out.update({f"hm_{k}": v for k, v in
                harmony.set_features(notes, clips.shape[1] / sr).items()})
    return out


def headline_features(clips: np.ndarray, ev: dict, sr: int) -> dict:
    """Only what the headline numbers need (long-form windows are measured by those alone)."""
    mel = [embeddings.logmel_frames(c, sr=sr, **_mel(ev)) for c in clips]
    return _headline_part(clips, mel, pretrained.transcribe(clips, sr), sr)


def set_features(clips: np.ndarray, ev: dict, sr: int) -> dict:
    """{name: array} of a set of windows (float32, (n, samples)): see embeddings.py, mgeval.py."""
    power = [embeddings.mel_power(c, sr=sr, **_mel(ev)) for c in clips]
    chroma = embeddings.chroma_set(clips, hop=ev["hop"], sr=sr)
    profiles = embeddings.pitch_class_profile(chroma)
    notes = pretrained.transcribe(clips, sr)
    out = _headline_part(clips, [np.log(p + embeddings.EPS) for p in power], notes, sr)
    out.update(logmel=np.stack([embeddings.clip_embedding(p) for p in power]), chroma=profiles,
               musicnn=pretrained.musicnn_embed(clips, sr))
    out.update({f"desc_{k}": v for k, v in
                descriptors.set_descriptors(clips, profiles, ev["hop"], sr).items()})
    figures = [pretrained.note_figures(n, clips.shape[1] / sr) for n in notes]
    out.update({f"notes_{k}": np.array([f[k] for f in figures], float) for k in NOTE_FIGURES})
    return out


def save_features(path, feats: dict) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **feats)


def load_features(path) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def reference_rows(clips_dir, ev: dict) -> np.ndarray:
    """Rows of test.npy the metrics compare against: the reference role, capped, seeded."""
    rows = clipdata.test_roles(clips_dir)["reference"]
    if len(rows) > ev["max_reference"]:
        rng = np.random.default_rng(ev["seed"])
        rows = np.sort(rng.choice(rows, ev["max_reference"], replace=False))
    return rows


def write_reference_features(clips_dir, out_path, ev: dict, sr: int) -> int:
    rows = reference_rows(clips_dir, ev)
    clips = clipdata.as_float(clipdata.load(clips_dir, "test")[rows])
    save_features(out_path, {"rows": rows, **set_features(clips, ev, sr)})
    return len(rows)


def write_train_features(clips_dir, out_path, ev: dict, sr: int) -> int:
    """Log-mel clip embeddings of the training clips (all, or a seeded ``max_train``)."""
    train = clipdata.load(clips_dir, "train")
    if len(train) < 2:
        raise ValueError(f"{clips_dir}/train.npy: {len(train)} training clips; the memorisation "
                         "test needs at least 2")
    rows = np.arange(len(train))
    if ev["max_train"] is not None and len(rows) > ev["max_train"]:
        rng = np.random.default_rng(ev["seed"])
        rows = np.sort(rng.choice(rows, ev["max_train"], replace=False))
    emb = clip_embeddings(clipdata.as_float(train[rows]), ev, sr)
    save_features(out_path, {"rows": rows, "logmel": emb, "window": np.array(train.shape[1]),
                             **train_centres(emb, ev)})
    return len(rows)


def train_centres(train: np.ndarray, ev: dict) -> dict:
    """The k-means centres of the (whitened) training embeddings that every model's NDB bins
    and copying-test cells use: they depend on the training clips alone, so they are fitted
    once here, not again for every model and validity rung."""
    z = embeddings.whiten_scalar(train, train)
    return {"ndb_centres": metrics.fit_bins(z, ev["ndb_bins"], ev["seed"]),
            "copy_centres": metrics.fit_bins(z, ev["copy_cells"], ev["seed"])}


def write_model_features(samples_dir, out_path, ev: dict, sr: int, window: int,
                         n_windows: int) -> int:
    """Features of ``n_windows`` windows of ``window`` samples drawn from a model's clips."""
    _, clips = load_samples(samples_dir)
    try:
        cut = windows(clips, window, n_windows, ev["seed"])
    except ValueError as err:
        raise ValueError(f"{samples_dir}: {err}") from None
    feats = set_features(cut, ev, sr)
    pieces = [read_wav(p) for p in sorted(Path(samples_dir).glob("long_*.wav"))]
    if pieces:  # long-form pieces: their windows too, as many as the clips' at most
        cut = np.concatenate([windows(p[None], window, None, ev["seed"]) for p in pieces])
        if len(cut) > n_windows:
            cut = windows(cut, window, n_windows, ev["seed"])
        feats.update({f"long_{k}": v for k, v in headline_features(cut, ev, sr).items()})
    save_features(out_path, feats)
    return len(feats["logmel"])


def same_windows(sets: dict) -> tuple[int, int]:
    """(window length, count) shared by every set in {name: features or metric row}; raises
    naming the sets that differ."""
    seen = {name: (int(f["window"]), int(f["n_windows"])) for name, f in sets.items()}
    if len(set(seen.values())) > 1:
        raise ValueError("evaluated sets differ in window length or count: " + ", ".join(
            f"{name} {n} x {w}" for name, (w, n) in seen.items()))
    return next(iter(seen.values()))


def _interval(prefix: str, d: dict, key: str) -> dict:
    return {prefix: d[key], f"{prefix}_low": d["ci_low"], f"{prefix}_high": d["ci_high"]}


def clip_embeddings(clips: np.ndarray, ev: dict, sr: int) -> np.ndarray:
    """(n, 2 n_mels) log-mel clip embeddings (``embeddings.clip_embedding``) of a set of clips."""
    return np.stack([embeddings.clip_embedding(embeddings.mel_power(c, sr=sr, **_mel(ev)))
                     for c in clips])


def _centres(fitted, z: np.ndarray, k: int, seed: int) -> np.ndarray:
    """``fitted`` (from train_centres) where it has the k centres asked for, else fitted now."""
    if fitted is not None and len(fitted) == min(k, len(z)):
        return fitted
    return metrics.fit_bins(z, k, seed)


def memorisation_row(gen: np.ndarray, ref: np.ndarray, train: np.ndarray,
                     ev: dict, centres: dict | None = None) -> tuple[dict, dict]:
    """NDB, the copying test and diversity of clip embeddings ``gen`` against the held-out
    ``ref`` and the ``train`` clips, all centred and scaled by the training clips; and the
    nearest-training-clip distances behind the memorisation chart. ``centres``: the training
    set's ``train_centres``, if they were saved with it."""
    seed, centres = ev["seed"], centres or {}
    z = {k: embeddings.whiten_scalar(v, train)
         for k, v in (("gen", gen), ("ref", ref), ("train", train))}
    bins = metrics.ndb(z["gen"], z["ref"], _centres(centres.get("ndb_centres"), z["train"],
                                                    ev["ndb_bins"], seed))
    row = dict(ndb=bins["ndb"], ndb_bins=bins["bins"], ndb_k=bins["ndb_k"], ndb_js=bins["js"])
    copy = memorisation.copying_test(
        z["gen"], z["ref"], z["train"], ev["copy_cells"], ev["copy_min_cell"],
        ev["copy_threshold"], seed,
        centres=_centres(centres.get("copy_centres"), z["train"], ev["copy_cells"], seed))
    arrays = {"gen_nn": copy.pop("gen_nn").tolist(), "held_nn": copy.pop("held_nn").tolist()}
    row.update(copy)
    row.update(memorisation.diversity(z["gen"], z["ref"], seed))
    return row, arrays


def audible(feats: dict) -> np.ndarray:
    """Which windows FD measures (see QUIET_DB): all of them in a set with too many quiet ones,
    or in features saved before levels were."""
    level = feats.get("level_db")
    if level is None:
        return np.ones(len(feats["frames_count"]), bool)
    loud = level >= QUIET_DB
    return loud if (~loud).mean() <= QUIET_MAX else np.ones_like(loud)


HEADLINE_KEYS = tuple(f"{k}{end}" for k in ("fd", "musicality", "harmony")
                      for end in ("", "_low", "_high"))


def headline(gen: dict, ref: dict, rounds: int, seed: int) -> dict:
    """FD of log-mel frames, the MGEval note comparison (musicality) and harmony (harmony.py),
    with intervals."""
    keep = [audible(f) for f in (gen, ref)]
    frames = [{k[7:]: v[m] for k, v in f.items() if k.startswith("frames_")}
              for f, m in zip((gen, ref), keep)]
    row = _interval("fd", metrics.fd_with_interval(*frames, rounds, seed), "fd")
    row.update(fd_quiet=int((~keep[0]).sum()), fd_quiet_reference=int((~keep[1]).sum()))
    row.update(mgeval.compare({k[3:]: v for k, v in gen.items() if k.startswith("mg_")},
                              {k[3:]: v for k, v in ref.items() if k.startswith("mg_")},
                              rounds, seed))
    row.update(harmony.compare({k[3:]: v for k, v in gen.items() if k.startswith("hm_")},
                               {k[3:]: v for k, v in ref.items() if k.startswith("hm_")},
                               rounds, seed))
    return row


def compare_sets(gen: dict, ref: dict, train: dict, ev: dict) -> tuple[dict, dict]:
    """The flat metric row of a generated set, and the per-clip arrays behind its charts."""
    seed, rounds = ev["seed"], ev["bootstrap"]
    if int(gen["window"]) != int(ref["window"]):
        raise ValueError(f"windows of {int(gen['window'])} samples measured against reference "
                         f"windows of {int(ref['window'])}")
    row = {"n_clips": len(gen["logmel"]), "window": int(gen["window"]),
           "n_windows": int(gen["n_windows"]), "n_reference": len(ref["logmel"]),
           "n_train": len(train["logmel"]), "frames": int(gen["frames_count"].sum())}
    row.update(headline(gen, ref, rounds, seed))
    if "long_window" in gen:  # long-form pieces, windowed: the two headline numbers
        long = {k[5:]: v for k, v in gen.items() if k.startswith("long_")}
        row.update({f"long_{k}": v for k, v in headline(long, ref, rounds, seed).items()
                    if k in HEADLINE_KEYS}, long_n_windows=int(long["n_windows"]))
    row.update(_interval("fd_musicnn", metrics.fd_with_interval(
        metrics.point_stats(gen["musicnn"]), metrics.point_stats(ref["musicnn"]), rounds, seed),
        "fd"))
    for name in ("logmel", "chroma", "musicnn"):
        g = embeddings.whiten_scalar(gen[name], ref[name])
        r = embeddings.whiten_scalar(ref[name], ref[name])
        kd = metrics.kd_with_interval(g, r, rounds, seed)
        row.update(_interval(f"kd_{name}", kd, "kd"))
    mem, arrays = memorisation_row(gen["logmel"], ref["logmel"], train["logmel"], ev,
                                   {k: train[k] for k in ("ndb_centres", "copy_centres")
                                    if k in train})
    row.update(mem)
    row["pc_hist"] = descriptors.pc_histogram_distance(gen["chroma"], ref["chroma"])
    audio = list(descriptors.DESCRIPTORS)
    names = audio + [f"notes_{k}" for k in NOTE_FIGURES]
    g = {n: gen[n if n.startswith("notes_") else f"desc_{n}"] for n in names}
    r = {n: ref[n if n.startswith("notes_") else f"desc_{n}"] for n in names}
    desc = descriptors.compare(g, r, names, seed)
    for n in names:
        row.update({f"{n}_{k}": v for k, v in desc[n].items()})
    row["descriptor_distance"] = float(np.mean([desc[n]["distance"] for n in audio]))
    return row, arrays


def evaluate_model(model: str, features_path, reference_path, train_path, out_path,
                   ev: dict) -> dict:
    row, arrays = compare_sets(load_features(features_path), load_features(reference_path),
                               load_features(train_path), ev)
    row = {"model": model, **row}
    write_json(out_path, {**row, "embeddings": {k: embeddings.describe(k, ev)
                                                for k in embeddings.EMBEDDINGS},
                          "arrays": arrays})
    return row
