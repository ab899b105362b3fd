"""Evaluation steps of the workflow: features of a set of clips, and one model's metric row.

Every set of clips (each model's, the held-out reference's) becomes one ``features.npz`` with
all its embeddings and descriptors (``set_features``); the training clips get the log-mel clip
embedding only, for bins and nearest neighbours (``write_train_features``). A model's row then
compares its features with the reference's and the training set's (``evaluate_model``), so
re-measuring never re-reads audio, and one model's rebuild touches only its own files.
"""
from __future__ import annotations

import numpy as np

from models.data import clips as clipdata
from models.evaluate import descriptors, embeddings, memorisation, metrics, pretrained
from models.io import atomic_path, write_json
from models.registry import load_samples

NOTE_FIGURES = ("polyphony", "pitch_range", "in_scale", "note_rate")


def _mel(ev: dict) -> dict:
    return {"n_mels": ev["n_mels"], "n_fft": ev["n_fft"], "hop": ev["hop"]}


def set_features(clips: np.ndarray, ev: dict, sr: int) -> dict:
    """{name: array} of a set of clips (float32, (n, samples)): see embeddings.py."""
    mel = [embeddings.logmel_frames(c, sr=sr, **_mel(ev)) for c in clips]
    chroma = [embeddings.chroma_frames(c, hop=ev["hop"], sr=sr) for c in clips]
    profiles = embeddings.pitch_class_profile(chroma)
    out = {f"frames_{k}": v for k, v in embeddings.frame_stats(mel).items()}
    out.update(logmel=embeddings.mean_std(mel), chroma=profiles,
               musicnn=pretrained.musicnn_embed(clips, sr))
    out.update({f"desc_{k}": v for k, v in
                descriptors.set_descriptors(clips, profiles, ev["hop"], sr).items()})
    duration = clips.shape[1] / sr
    figures = [pretrained.note_figures(n, duration) for n in pretrained.transcribe(clips, sr)]
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
    emb = [embeddings.mean_std([embeddings.logmel_frames(c, sr=sr, **_mel(ev))])[0]
           for c in clipdata.as_float(train[rows])]
    save_features(out_path, {"rows": rows, "logmel": np.stack(emb)})
    return len(rows)


def write_model_features(samples_dir, out_path, ev: dict, sr: int) -> int:
    _, clips = load_samples(samples_dir)
    save_features(out_path, set_features(clips, ev, sr))
    return len(clips)


def _interval(prefix: str, d: dict, key: str) -> dict:
    return {prefix: d[key], f"{prefix}_low": d["ci_low"], f"{prefix}_high": d["ci_high"]}


def compare_sets(gen: dict, ref: dict, train: dict, ev: dict) -> tuple[dict, dict]:
    """The flat metric row of a generated set, and the per-clip arrays behind its charts."""
    seed, rounds = ev["seed"], ev["bootstrap"]
    gen_frames = {k[7:]: v for k, v in gen.items() if k.startswith("frames_")}
    ref_frames = {k[7:]: v for k, v in ref.items() if k.startswith("frames_")}
    row = {"n_clips": len(gen["logmel"]), "n_reference": len(ref["logmel"]),
           "n_train": len(train["logmel"]), "frames": int(gen_frames["count"].sum())}
    row.update(_interval("fd", metrics.fd_with_interval(gen_frames, ref_frames, rounds, seed),
                         "fd"))
    for name in ("logmel", "chroma", "musicnn"):
        g = embeddings.whiten_scalar(gen[name], ref[name])
        r = embeddings.whiten_scalar(ref[name], ref[name])
        kd = metrics.kd_with_interval(g, r, rounds, seed)
        row.update(_interval(f"kd_{name}", kd, "kd"))
    z = {k: embeddings.standardise(v["logmel"], train["logmel"])
         for k, v in (("gen", gen), ("ref", ref), ("train", train))}
    bins = metrics.ndb(z["gen"], z["ref"], metrics.fit_bins(z["train"], ev["ndb_bins"], seed))
    row.update(ndb=bins["ndb"], ndb_bins=bins["bins"], ndb_k=bins["ndb_k"], ndb_js=bins["js"])
    copy = memorisation.copying_test(z["gen"], z["ref"], z["train"], ev["copy_cells"],
                                     ev["copy_min_cell"], ev["copy_threshold"], seed)
    arrays = {"gen_nn": copy.pop("gen_nn").tolist(), "held_nn": copy.pop("held_nn").tolist()}
    row.update(copy)
    row.update(memorisation.diversity(z["gen"], z["ref"], seed))
    row["pc_hist"] = descriptors.pc_histogram_distance(gen["chroma"], ref["chroma"])
    names = list(descriptors.DESCRIPTORS) + [f"notes_{k}" for k in NOTE_FIGURES]
    g = {n: gen[n if n.startswith("notes_") else f"desc_{n}"] for n in names}
    r = {n: ref[n if n.startswith("notes_") else f"desc_{n}"] for n in names}
    desc = descriptors.compare(g, r, names, seed)
    for n in names:
        row.update({f"{n}_{k}": v for k, v in desc[n].items()})
    row["musicality"] = desc["mean_distance"]
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
