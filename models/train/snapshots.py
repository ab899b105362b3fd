"""Generator snapshots at log-spaced steps: what the model could make after 1, 2, 4, ... epochs.

Quality against compute is measured on these (rule ``snapshot_metrics``): each snapshot is a
checkpoint folder of its own (the weights generation reads, ``network.json``, ``model.json``
with the step, training seconds and FLOPs so far), so ``registry.sample`` reads it like the
final checkpoint. A snapshot is taken at every step that is ``log_every`` times a power of two,
and at the last step trained; a few MB each, about log2(steps / log_every) of them.

While training they live in ``state_dir/snapshots`` beside the resumable state: a resumed run
keeps those up to the step it resumes from and adds the rest; the finished checkpoint gets a
copy of all of them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from models.io import atomic_dir, read_json, write_json

FOLDER = "snapshots"


def due(step: int, log_every: int) -> bool:
    """Whether ``step`` is on the schedule: log_every x 1, 2, 4, 8, ..."""
    epochs, rest = divmod(step, log_every)
    return step > 0 and rest == 0 and epochs & (epochs - 1) == 0


def schedule(steps: int, log_every: int) -> list[int]:
    """The steps a run of ``steps`` steps keeps snapshots at (the last step included)."""
    out = [s for s in range(log_every, steps + 1, log_every) if due(s, log_every)]
    return out if steps in out else out + [steps]


def folder(root, step: int) -> Path:
    return Path(root) / FOLDER / f"step_{step:08d}"


def steps_in(root) -> list[int]:
    """The steps of the snapshots kept below ``root`` (a state or checkpoint folder)."""
    return sorted(int(p.name[5:]) for p in (Path(root) / FOLDER).glob("step_*") if p.is_dir())


def prune(state_dir, start: int) -> None:
    """Drop snapshots after ``start``, the step a run resumes from: they belong to a run
    that went on past the saved state and was killed."""
    for step in steps_in(state_dir):
        if step > start:
            shutil.rmtree(folder(state_dir, step))


def take(state_dir, step: int, write) -> None:
    """``write(folder)`` puts the generation weights of step ``step`` in its folder."""
    with atomic_dir(folder(state_dir, step)) as tmp:
        write(tmp)


def publish(state_dir, ckpt_dir, network: dict) -> None:
    """Copy every snapshot into the checkpoint being written, with the network settings and
    the files the checkpoint already holds beside its weights (what a model prepared before
    training, e.g. SpecGAN's spectrogram moments): generation reads them from the folder."""
    beside = [p for p in Path(ckpt_dir).iterdir() if p.is_file()]
    for step in steps_in(state_dir):
        dest = folder(ckpt_dir, step)
        shutil.copytree(folder(state_dir, step), dest)
        for p in beside:
            if not (dest / p.name).exists():   # the snapshot's own weights stay its own
                shutil.copy(p, dest / p.name)
        write_json(dest / "network.json", network)


def cumulative_seconds(curves_csv, step: int) -> float:
    """Training seconds up to ``step``: the sum of curves.csv's per-epoch seconds."""
    lines = Path(curves_csv).read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("seconds")
    return sum(float(ln.split(",")[col]) for ln in lines[1:] if int(ln.split(",")[0]) <= step)


def describe(ckpt_dir, meta: dict) -> None:
    """Write each snapshot's ``model.json``: the checkpoint's, at the snapshot's step, with
    its training seconds (from the curves) and FLOPs."""
    ckpt_dir = Path(ckpt_dir)
    curves = ckpt_dir / "curves.csv"
    for step in steps_in(ckpt_dir):
        seconds = cumulative_seconds(curves, step) if curves.is_file() else None
        snap = {**meta, "steps": step, "train_s": seconds, "snapshot": True}
        if meta.get("flops_per_step"):
            snap["flops"] = meta["flops_per_step"] * step
        write_json(folder(ckpt_dir, step) / "model.json", snap)


def listed(ckpt_dir) -> list[dict]:
    """The model.json of every snapshot of a checkpoint, by step, with its folder."""
    return [{**read_json(folder(ckpt_dir, s) / "model.json"), "folder": str(folder(ckpt_dir, s))}
            for s in steps_in(ckpt_dir)]
