#!/usr/bin/env python3
"""Benchmark (not a test) of the GANs: training steps/s, compile time and generation speed on
every Keras backend that imports here, with exact FLOPs per step and, on JAX, the step's HLO
counts (input-dilated convolutions, gathers, scatters) before and after the stride-1 rewrite.

    python3 tools/benchmark_gan.py                       # tiny sizes, every backend
    KERAS_BACKEND=jax python3 tools/benchmark_gan.py --backends jax --d 64 --batch 64 \
        --mixed-precision --peak-tflops 989 --cache /tmp/xla   # on an H100/H200 (bf16 peak)

Each backend runs in its own process (Keras fixes the backend at import). Training on JAX runs
as the workflow trains (models/gan/device.py: data on the device, ``--log-every`` steps per
compiled call); elsewhere through fit() with host batches. Utilisation is the model's FLOP/s
(models/train/flops.py) over --peak-tflops; "executed" counts the zero taps the rewritten
convolutions also run. Generation: cold start (build, compile, first batch), then steady
throughput at each --gen-batches size (after warm-up; the copy to the host included), and
post-processing (SpecGAN's Griffin-Lim) per clip. Run twice with --cache to see the compile
time from the persistent cache.
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


def networks(name, d, keras_conv=False):
    from models.gan import specgan, wavegan

    if name == "specgan":
        return (specgan.build_generator(d, keras_conv=keras_conv),
                specgan.build_critic(d, keras_conv=keras_conv), 16384)
    length = 16384 if name == "wavegan" else 65536
    return (wavegan.build_generator(d, length, keras_conv=keras_conv),
            wavegan.build_critic(d, length, keras_conv=keras_conv), length)


def trainer_for(g, c, args):
    import keras

    from models.gan.trainer import WGANGP

    trainer = WGANGP(g, c, n_critic=args.n_critic)
    trainer.compile(d_optimizer=keras.optimizers.Adam(1e-4, 0.5, 0.9),
                    g_optimizer=keras.optimizers.Adam(1e-4, 0.5, 0.9), jit_compile=args.jit)
    return trainer


def to_critic(name):
    """(the registry's model, SpecGAN moments of unit scale): its transforms of the audio."""
    import numpy as np

    from models.gan import model as gan_model

    mom = {"mean": np.zeros(128, "float32"), "std": np.ones(128, "float32")}
    cls = {"specgan": gan_model.SpecGAN, "wavegan": gan_model.WaveGAN,
           "wavegan_long": gan_model.WaveGANLong}[name]
    return cls(), mom


def hlo_rows(name, args) -> dict:
    """HLO counts of the step as JAX lowers it (before XLA's passes: each shared computation
    and the scanned critic update once): Keras's strided layers (before) and the rewrite."""
    import numpy as np

    from models.train import hlo

    out = {}
    for label, keras_conv in (("before", True), ("after", False)):
        g, c, length = networks(name, args.d, keras_conv)
        trainer = trainer_for(g, c, args)
        model, mom = to_critic(name)
        audio = np.zeros((args.n_critic, args.batch, length), "float32")
        data = model.to_critic(audio, mom)
        counts = hlo.hlo_counts(hlo.lower_train_step(trainer, data).as_text(dialect="hlo"))
        out.update({f"{k}_{label}": v for k, v in counts.items()})
    return out


def train_rate(name, g, c, length, args) -> tuple[float, float]:
    """(steady seconds per step, compile seconds)."""
    import keras
    import numpy as np

    trainer = trainer_for(g, c, args)
    model, mom = to_critic(name)
    if keras.backend.backend() == "jax":
        from models.gan import device
        from models.train.hlo import trainer_state

        class Sampler:  # ten seconds of noise per clip, as one training buffer
            buffer = (np.random.default_rng(0).uniform(-0.5, 0.5, 160000 * 8) * 32767
                      ).astype(np.int16)
            starts, spans = np.arange(8) * 160000, np.full(8, 160000 - length + 1)
            weights = np.full(8, 1 / 8)
        Sampler.length = length
        slices = device.DeviceSlices(Sampler)
        tick = time.perf_counter()
        run = device.epoch_function(trainer, slices, lambda a: model.device_to_critic(a, mom),
                                    0, args.batch, args.log_every
                                    ).lower(trainer_state(trainer), slices.arrays).compile()
        compile_s = time.perf_counter() - tick
        state = trainer_state(trainer)
        logs, state = run(state, slices.arrays)                   # warm-up
        float(logs["critic_loss"])
        tick = time.perf_counter()
        for _ in range(args.calls):
            logs, state = run(state, slices.arrays)
        float(logs["critic_loss"])
        step_s = (time.perf_counter() - tick) / (args.calls * args.log_every)
        device.sync_state(trainer, state)  # the donated arrays' successors, for generation
        return step_s, compile_s
    audio = np.random.default_rng(0).uniform(-1, 1, (args.n_critic, args.batch, length))
    x = model.to_critic(audio.astype("float32"), mom)

    class Steps(keras.utils.PyDataset):
        def __len__(self):
            return args.calls * args.log_every

        def __getitem__(self, i):
            return x

    tick = time.perf_counter()
    trainer.fit(Steps(), epochs=1, verbose=0, steps_per_epoch=1)  # compile and warm up
    compile_s = time.perf_counter() - tick
    tick = time.perf_counter()
    trainer.fit(Steps(), epochs=1, verbose=0)
    return (time.perf_counter() - tick) / (args.calls * args.log_every), compile_s


def generation(name, g, length, args) -> dict:
    """Cold start, steady clips/s per batch size and post-processing seconds per clip."""
    import keras
    import numpy as np

    from models.gan.render import Renderer

    model, mom = to_critic(name)
    post = model.device_to_audio(mom) if keras.backend.backend() == "jax" else None
    out = {}
    for b in args.gen_batches:
        tick = time.perf_counter()
        renderer = Renderer(g, lambda x: model.to_audio(x, mom), post, batch=b)
        z = np.random.default_rng(1).uniform(-1, 1, (b, 100)).astype("float32")
        renderer(z)
        if b == args.gen_batches[0]:
            out["gen_cold_s"] = time.perf_counter() - tick
        for _ in range(2):                                        # steady: the generator
            renderer.forward(z)
        tick = time.perf_counter()
        for _ in range(args.gen_repeats):
            np.asarray(renderer.forward(z))                       # copy to the host included
        seconds = (time.perf_counter() - tick) / args.gen_repeats
        out[f"gen_x_realtime_b{b}"] = b * length / 16000 / seconds
        renderer.reset()
        renderer(z)
        out[f"post_s_per_clip_b{b}"] = renderer.post_s / b
    return out


def measure(args) -> list[dict]:
    """Runs inside one backend's process."""
    sys.path.insert(0, str(ROOT))
    import keras

    from models.train import flops
    from models.train.loop import enable_compile_cache

    if args.cache:
        enable_compile_cache(args.cache)
    if args.mixed_precision:
        keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    rows = []
    for name in args.models:
        keras.utils.set_random_seed(0)
        g, c, length = networks(name, args.d, args.keras_conv)
        step_s, compile_s = train_rate(name, g, c, length, args)
        step_flops = flops.gan_step_flops(g, c, args.batch, args.n_critic)
        row = {"backend": keras.backend.backend(), "model": name, "d": args.d,
               "conv": "keras" if args.keras_conv else "stride1",
               "batch": args.batch, "mixed_precision": args.mixed_precision,
               "steps_per_s": 1 / step_s, "compile_s": compile_s,
               "tflops_per_step": step_flops / 1e12,
               "executed_tflops_per_step": flops.gan_step_flops(
                   g, c, args.batch, args.n_critic, executed=True) / 1e12,
               "achieved_tflops": step_flops / step_s / 1e12,
               **generation(name, g, length, args)}
        if keras.backend.backend() == "jax":
            row.update(hlo_rows(name, args))
        if args.peak_tflops:
            row["utilisation"] = row["achieved_tflops"] / args.peak_tflops
        rows.append(row)
    return rows


COLUMNS = [("model", "<13", "model"), ("steps/s", ">9.3f", "steps_per_s"),
           ("compile s", ">10.1f", "compile_s"), ("TFLOP/step", ">11.3f", "tflops_per_step"),
           ("executed", ">9.3f", "executed_tflops_per_step"),
           ("TFLOP/s", ">9.3f", "achieved_tflops"), ("util", ">7.1%", "utilisation")]


def print_rows(rows, args) -> None:
    for backend in dict.fromkeys(r["backend"] for r in rows):
        print(f"\n{backend}: training (d {args.d}, batch {args.batch}, n_critic {args.n_critic})")
        print("".join(f"{h:{f[0]}{f[1:].split('.')[0]}}" for h, f, _ in COLUMNS))
        for r in (r for r in rows if r["backend"] == backend):
            print("".join(f"{r[k]:{f}}" if k in r else f"{'-':>7}" for _, f, k in COLUMNS))
        print("generation: cold s, x real time by batch (steady), post-processing ms/clip")
        for r in (r for r in rows if r["backend"] == backend):
            print(f"{r['model']:<13}{r['gen_cold_s']:>6.1f} s  " + "  ".join(
                f"b{b}: {r[f'gen_x_realtime_b{b}']:.0f}x, "
                f"{1000 * r[f'post_s_per_clip_b{b}']:.2f} ms" for b in args.gen_batches))
        hlo = [r for r in rows if r["backend"] == backend and "convolutions_before" in r]
        if hlo:
            print("HLO of the step as lowered (before: Keras's strided layers; after: stride 1)")
            for r in hlo:
                print(f"{r['model']:<13}" + "  ".join(
                    f"{k} {r[k + '_before']} -> {r[k + '_after']}"
                    for k in ("convolutions", "lhs_dilated", "gathers", "scatters")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=list(BACKEND_MODULE))
    ap.add_argument("--models", nargs="+", default=list(MODELS[:2]), choices=MODELS)
    ap.add_argument("--d", type=int, default=8)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--log-every", type=int, default=5, help="steps per compiled call (JAX)")
    ap.add_argument("--calls", type=int, default=2, help="timed calls of log-every steps")
    ap.add_argument("--gen-batches", type=int, nargs="+", default=[1, 64, 256])
    ap.add_argument("--gen-repeats", type=int, default=3)
    ap.add_argument("--jit", action="store_true", help="XLA on TensorFlow / PyTorch")
    ap.add_argument("--mixed-precision", action="store_true")
    ap.add_argument("--keras-conv", action="store_true",
                    help="train and generate with Keras's strided layers (the 'before' rows)")
    ap.add_argument("--peak-tflops", type=float, default=None)
    ap.add_argument("--cache", type=Path, default=None, help="persistent XLA cache (JAX)")
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
        proc = subprocess.run([sys.executable, __file__, "--worker", *sys.argv[1:]],
                              env={**os.environ, "KERAS_BACKEND": backend},
                              capture_output=True, text=True)
        if proc.returncode:
            print(f"{backend}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        rows += json.loads(proc.stdout.strip().splitlines()[-1])
    print_rows(rows, args)
    if args.csv and rows:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, sorted({k for r in rows for k in r}))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
