"""Checks of the piano-roll GAN on one Keras backend, run in its own process (the backend is
fixed when Keras is imported): ``KERAS_BACKEND=jax python tests/notes_gan_check.py DATA``.
DATA holds piano_rolls.npz. Prints one JSON object for tests/test_notes_gan.py to judge: the
critic's per-step losses on one fixed batch, and a few registry training steps (on JAX with
the rolls on the device)."""
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from gan_check import critic_losses  # noqa: E402
from models import registry  # noqa: E402
from models.config import resolve  # noqa: E402
from models.gan import notes_gan  # noqa: E402

data = Path(sys.argv[1])
sampler = notes_gan.RollSampler(data / "piano_rolls.npz", 16)
real = sampler.batch(0, 0, 1, 4)[0].reshape(4, 16, -1, 2)   # one fixed batch of real bars
losses = critic_losses(
    lambda: (notes_gan.build_generator(4, 100, 1), notes_gan.build_critic(4, 1)),
    np.repeat(real[None], 5, axis=0), 10)
cfg = resolve({"preset": "smoke", "notes_gan": {"bars": 1, "d": 2, "batch": 4, "steps": 4,
                                                "log_every": 2, "checkpoint_every": 2}})
with tempfile.TemporaryDirectory() as tmp:
    meta = registry.train("notes_gan", data, Path(tmp) / "checkpoint", cfg)
print(json.dumps({"backend": keras.backend.backend(), "losses": losses,
                  "steps": meta["steps"], "trained_backend": meta["backend"]}))
