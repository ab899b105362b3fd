#!/usr/bin/env python3
"""Benchmark (not a test) of free-running generation by the audio sequence models: seconds of
audio generated per second of wall time, at a preset's model size, one stream and many at once.

    python3 tools/benchmark_seq.py                 # the quick preset's lstm and rnn
    python3 tools/benchmark_seq.py --preset gpu --clips 64

Weights are random: the cost of a step does not depend on their values. Times include the
loop's compilation, as in the workflow's generate step. Runs on the Keras backend in
KERAS_BACKEND (TensorFlow by default).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quick")
    ap.add_argument("--models", nargs="+", default=["lstm", "rnn"])
    ap.add_argument("--seconds", type=float, default=2.0, help="audio per stream")
    ap.add_argument("--clips", type=int, default=64, help="streams generated at once")
    args = ap.parse_args()

    import keras

    from models.config import resolve
    from models.seq import samplernn

    cfg = resolve({"preset": args.preset})
    length = int(args.seconds * 16000)
    print(f"backend {keras.backend.backend()}, preset {args.preset}, {args.seconds:g} s per stream")
    for name in args.models:
        m = cfg[name]
        model = samplernn.build_model(m["frame"], m["units"], m["hidden"], m["embedding"],
                                      m["cell"] or ("rnn" if name == "rnn" else "lstm"),
                                      m["chunk"])
        for n in (1, args.clips):
            start = time.perf_counter()
            samplernn.generate(model, n, length, 1)
            wall = time.perf_counter() - start
            print(f"{name:<5} {n:>3} stream(s): {n * args.seconds / wall:7.2f} s of audio per "
                  f"second ({wall:.1f} s for {n * args.seconds:g} s)")


if __name__ == "__main__":
    main()
