"""Training state on disk: save every N steps, resume exactly where a killed run stopped.

``state_dir/state.npz`` holds every variable the trainer owns, in order (trainable,
non-trainable, both optimizers'), so seeds, weights and Adam moments all come back, plus the
step and a signature of the settings that shape the run (a state from other settings is set
aside, never loaded). One file, written atomically: a kill leaves the previous state whole.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from models.io import atomic_path

# Settings that may change between a run and its resumption: the run just trains further.
RESUMABLE = ("steps", "max_minutes")


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
            np.savez(fh, step=np.int64(step), signature=np.array(sig), **arrays)


def saved_step(state_dir) -> int | None:
    """The step of the state in ``state_dir``, or None if there is none."""
    path = Path(state_dir) / "state.npz"
    if not path.is_file():
        return None
    with np.load(path) as saved:
        return int(saved["step"])


def load(trainer, state_dir, sig: str) -> int:
    """Restore the trainer from ``state_dir`` if its signature matches; return the step (0 if not)."""
    path = Path(state_dir) / "state.npz"
    if not path.is_file():
        return 0
    variables = trainer_variables(trainer)
    try:
        with np.load(path) as saved:
            if str(saved["signature"]) != sig:
                print(f"{path}: saved state is from other settings; starting from step 0",
                      file=sys.stderr)
                return 0
            names = sorted(k for k in saved.files if k.startswith("v"))
            if len(names) != len(variables):
                raise ValueError(f"holds {len(names)} variables, the trainer has {len(variables)}")
            for name, v in zip(names, variables):
                v.assign(saved[name])
            step = int(saved["step"])
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path}: unusable training state ({exc}); delete it to start over") \
            from None
    print(f"{path}: resuming from step {step}", file=sys.stderr)
    return step
