"""Training state on disk: save every N steps, resume exactly where a killed run stopped.

``state_dir/state.npz`` holds every variable the trainer owns, in order (trainable,
non-trainable, both optimizers'), so seeds, weights and Adam moments all come back;
``state_dir/state.json`` holds the step and a signature of the settings that shape the run
(a state from other settings is set aside, never loaded). Written atomically.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from models.io import atomic_path, write_json

# Settings that may change between a run and its resumption: the run just trains further.
RESUMABLE = ("steps",)


def signature(model_cfg: dict, extra: dict) -> str:
    shaped = {k: v for k, v in model_cfg.items() if k not in RESUMABLE}
    return hashlib.sha256(json.dumps({**shaped, **extra}, sort_keys=True).encode()).hexdigest()


def trainer_variables(trainer) -> list:
    return (list(trainer.trainable_variables) + list(trainer.non_trainable_variables)
            + list(trainer.optimizer.variables))


def save(trainer, state_dir, step: int, sig: str) -> None:
    state_dir = Path(state_dir)
    arrays = {f"v{i:04d}": np.asarray(v.numpy() if hasattr(v, "numpy") else v.value)
              for i, v in enumerate(trainer_variables(trainer))}
    with atomic_path(state_dir / "state.npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    write_json(state_dir / "state.json", {"step": step, "signature": sig})


def load(trainer, state_dir, sig: str) -> int:
    """Restore the trainer from ``state_dir`` if its signature matches; return the step (0 if not)."""
    state_dir = Path(state_dir)
    meta_path, arrays_path = state_dir / "state.json", state_dir / "state.npz"
    if not (meta_path.is_file() and arrays_path.is_file()):
        return 0
    meta = json.loads(meta_path.read_text())
    if meta.get("signature") != sig:
        print(f"{state_dir}: saved state is from other settings; starting from step 0",
              file=sys.stderr)
        return 0
    variables = trainer_variables(trainer)
    with np.load(arrays_path) as saved:
        if len(saved.files) != len(variables):
            raise ValueError(f"{arrays_path}: holds {len(saved.files)} variables, the trainer "
                             f"has {len(variables)}")
        for i, v in enumerate(variables):
            v.assign(saved[f"v{i:04d}"])
    print(f"{state_dir}: resuming from step {meta['step']}", file=sys.stderr)
    return int(meta["step"])
