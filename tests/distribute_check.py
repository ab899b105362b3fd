"""One training through ``registry.train`` in its own process, for tests/test_distribute.py:

    KERAS_BACKEND=jax XLA_FLAGS=--xla_force_host_platform_device_count=2 \\
        python tests/distribute_check.py MODEL DATA_DIR OUT DATA_PARALLEL STEPS[,STEPS...] JSON

trains MODEL (config: the smoke preset, ``compute.data_parallel`` = DATA_PARALLEL (0/1) and
the model's section updated by JSON) to each STEPS in turn, resuming, into OUT/checkpoint; its
model.json, curves.csv and weights are what the test compares. Keras fixes its backend and
JAX its device count at import, so this cannot run inside pytest's process.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import registry  # noqa: E402
from models.config import resolve  # noqa: E402

if __name__ == "__main__":
    model, data_dir, out, parallel, steps, section = sys.argv[1:]
    for n in steps.split(","):
        cfg = resolve({"preset": "smoke", "compute": {"data_parallel": parallel == "1"},
                       model: {**json.loads(section), "steps": int(n)}})
        meta = registry.train(model, data_dir, Path(out) / "checkpoint", cfg)
    print(json.dumps(meta))
