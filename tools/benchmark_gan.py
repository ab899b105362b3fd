#!/usr/bin/env python3
"""Benchmark (not a test) of the GAN trainer: training steps/s and generated audio seconds per
second on every Keras backend that imports here, with analytic FLOPs per step.

    python3 tools/benchmark_gan.py                       # tiny sizes, every backend
    KERAS_BACKEND=jax python3 tools/benchmark_gan.py --backends jax --d 64 --batch 64 \
        --jit --mixed-precision --peak-tflops 989        # on an H100 (bf16 dense peak)

Each backend runs in its own process (Keras fixes the backend at import). Utilisation is
achieved FLOP/s over --peak-tflops when that is given.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND_MODULE = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
MODELS = ("wavegan", "specgan", "wavegan_long")


def measure(args) -> list[dict]:
    """Runs inside one backend's process."""
    sys.path.insert(0, str(ROOT))
    import keras
    import numpy as np

    from models.gan import specgan, wavegan
    from models.gan.trainer import WGANGP
    from models.train import flops

    if args.mixed_precision:
        keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    rows = []
    for name in args.models:
        keras.utils.set_random_seed(0)
        if name == "specgan":
            g, c, shape, length = specgan.build_generator(args.d), specgan.build_critic(args.d), \
                (128, 128, 1), 16384
        else:
            length = 16384 if name == "wavegan" else 65536
            g, c, shape = wavegan.build_generator(args.d, length), \
                wavegan.build_critic(args.d, length), (length, 1)
        trainer = WGANGP(g, c)
        trainer.compile(d_optimizer=keras.optimizers.Adam(1e-4, 0.5, 0.9),
                        g_optimizer=keras.optimizers.Adam(1e-4, 0.5, 0.9), jit_compile=args.jit)
        x = np.random.default_rng(0).uniform(-1, 1, (5, args.batch) + shape).astype("float32")

        class Steps(keras.utils.PyDataset):
            def __len__(self):
                return args.steps

            def __getitem__(self, i):
                return x

        trainer.fit(Steps(), epochs=1, verbose=0)                # compile and warm up
        start = time.perf_counter()
        trainer.fit(Steps(), epochs=1, verbose=0)
        step_s = (time.perf_counter() - start) / args.steps
        z = np.random.default_rng(1).uniform(-1, 1, (args.gen_clips, 100)).astype("float32")
        g.predict(z[:8], verbose=0)
        start = time.perf_counter()
        out = np.asarray(g.predict(z, batch_size=64, verbose=0), np.float32)
        if name == "specgan":  # generation includes Griffin-Lim back to audio
            mom = {"mean": np.zeros(128, np.float32), "std": np.ones(128, np.float32)}
            specgan.to_audio(out, mom)
        gen_s = time.perf_counter() - start
        step_flops = flops.gan_step_flops(g, c, args.batch)
        row = {"backend": keras.backend.backend(), "model": name, "d": args.d,
               "batch": args.batch, "jit": args.jit, "mixed_precision": args.mixed_precision,
               "steps_per_s": 1 / step_s, "examples_per_s": args.batch / step_s,
               "tflops_per_step": step_flops / 1e12,
               "achieved_tflops": step_flops / step_s / 1e12,
               "generation_x_realtime": args.gen_clips * length / 16000 / gen_s}
        if args.peak_tflops:
            row["utilisation"] = row["achieved_tflops"] / args.peak_tflops
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=list(BACKEND_MODULE))
    ap.add_argument("--models", nargs="+", default=list(MODELS[:2]), choices=MODELS)
    ap.add_argument("--d", type=int, default=8)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--gen-clips", type=int, default=64)
    ap.add_argument("--jit", action="store_true")
    ap.add_argument("--mixed-precision", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=None)
    ap.add_argument("--csv", type=Path, default=None)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(measure(args)))
        return
    rows = []
    for backend in args.backends:
        if importlib.util.find_spec(BACKEND_MODULE[backend]) is None:
            print(f"{backend}: not installed, skipped", file=sys.stderr)
            continue
        argv = [a for a in sys.argv[1:]]
        proc = subprocess.run([sys.executable, __file__, "--worker", *argv],
                              env={**os.environ, "KERAS_BACKEND": backend},
                              capture_output=True, text=True)
        if proc.returncode:
            print(f"{backend}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        rows += json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{'backend':<11}{'model':<13}{'steps/s':>9}{'TFLOP/step':>12}{'TFLOP/s':>9}"
          f"{'util':>7}{'gen x RT':>10}")
    for r in rows:
        util = f"{r['utilisation']:.1%}" if "utilisation" in r else "-"
        print(f"{r['backend']:<11}{r['model']:<13}{r['steps_per_s']:>9.3f}"
              f"{r['tflops_per_step']:>12.3f}{r['achieved_tflops']:>9.3f}{util:>7}"
              f"{r['generation_x_realtime']:>10.1f}")
    if args.csv and rows:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, sorted({k for r in rows for k in r}))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
