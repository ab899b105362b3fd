"""Speed of every trained model, read from what its training and generation measured.

Nothing is re-run: training steps/s come from the curves (each row times ``log_every`` steps;
the first row of a run holds the XLA compile and is reported apart), FLOPs per step from the
analytic count each trainer stores in ``model.json`` (models/train/flops.py), and generation speed
from the seconds ``generate`` timed for its clips (``clips.json``; its renderer's cold start
apart where it records one). Utilisation is achieved
FLOP/s over the device's dense peak for the precision it trained in. The whole run's time
comes from Snakemake's ``benchmark:`` files (models/report/runtime.py), stage by stage,
beside the machine's load.
"""
from __future__ import annotations

import csv
import statistics
from pathlib import Path

from models.io import atomic_path, read_json
from models.report.runtime import stage_lines

# Dense tensor-core peaks in TFLOP/s (NVIDIA's datasheets, SXM parts, no sparsity). float32
# matmuls run as TF32 on these GPUs under JAX's and TensorFlow's default precision.
PEAK_TFLOPS = {
    "H100": {"mixed_bfloat16": 989.4, "float32": 494.7},
    "H200": {"mixed_bfloat16": 989.4, "float32": 494.7},
    "A100": {"mixed_bfloat16": 312.0, "float32": 156.0},
}

FIELDS = ("model", "backend", "device", "precision", "steps", "batch", "params",
          "steps_per_s", "examples_per_s", "tflop_per_step", "achieved_tflops",
          "peak_tflops", "utilisation", "compile_s", "first_row_s", "train_min", "core_min",
          "gen_clips", "gen_audio_s", "generate_s", "gen_cold_s", "realtime_x")


def peak_tflops(device: str, precision: str) -> float | None:
    """The device's dense peak for ``precision``; None for a CPU or an unlisted GPU."""
    for name, peaks in PEAK_TFLOPS.items():
        if name in device.upper():
            return peaks.get(precision)
    return None


def curve_rate(curves_csv, log_every: int) -> tuple[float | None, float]:
    """(steady steps/s, seconds of the first row) from a curves.csv. The steady rate leaves
    out the first row of the run (compile and warm-up); a run of one row has none (None)."""
    with open(curves_csv) as fh:
        seconds = [float(r["seconds"]) for r in csv.DictReader(fh)]
    if not seconds:
        raise ValueError(f"{curves_csv}: no rows")
    if len(seconds) == 1:
        return None, seconds[0]
    return log_every / statistics.median(seconds[1:]), seconds[0]


def model_row(model: str, meta: dict, curves_csv, log_every: int, clips: dict,
              threads: int = 1) -> dict:
    """One row of the benchmark for a trained model that trained on ``threads`` cores."""
    steps_per_s, first = curve_rate(curves_csv, log_every)
    sr = clips["sample_rate"]
    batch = meta.get("batch")
    flop = meta.get("flops_per_step")
    achieved = flop * steps_per_s / 1e12 if flop and steps_per_s else None
    device, precision = meta.get("device", "unknown"), meta.get("precision", "float32")
    peak = peak_tflops(device, precision)
    n, length = len(clips["clips"]), meta["clip_length"]
    gen_s = clips.get("generate_s")
    render = clips.get("render") or {}
    if render.get("clips"):  # once loaded and compiled: every clip the job rendered
        n, gen_s = render["clips"], render["forward_s"] + render["post_s"]
    return {
        "model": model, "backend": meta.get("backend"), "device": device, "precision": precision,
        "steps": meta.get("steps"), "batch": batch,
        "params": sum(meta.get("parameters", {}).values()),
        "steps_per_s": steps_per_s,
        "examples_per_s": steps_per_s * batch if batch and steps_per_s else None,
        "tflop_per_step": flop / 1e12 if flop else None,
        "achieved_tflops": achieved, "peak_tflops": peak,
        "utilisation": achieved / peak if achieved and peak else None,
        "compile_s": meta.get("compile_s"), "first_row_s": first,
        "train_min": meta.get("train_s", 0) / 60,
        "core_min": meta.get("train_s", 0) * threads / 60,
        "gen_clips": n, "gen_audio_s": n * length / sr, "generate_s": gen_s,
        "gen_cold_s": render.get("cold_s"),
        "realtime_x": n * length / sr / gen_s if gen_s else None}


def write_benchmark(models: list[str], checkpoints: list, samples: list, log_every: dict,
                    out_csv, threads: int = 1) -> list[dict]:
    """The benchmark CSV of ``models`` (those with curves), from their checkpoint folders
    (model.json), training states (curves.csv beside the checkpoint) and samples (clips.json);
    each trained on ``threads`` cores (core-minutes)."""
    rows = []
    for model, ckpt, smp in zip(models, checkpoints, samples):
        meta = read_json(Path(ckpt) / "model.json")
        curves = Path(ckpt).parent / "state" / "curves.csv"
        rows.append(model_row(model, meta, curves, log_every[model],
                              read_json(Path(smp) / "clips.json"), threads))
    with atomic_path(out_csv) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, FIELDS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _fmt(v) for k, v in row.items()})
    return rows


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else ("" if v is None else v)


def read_benchmark(path) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh))


def run_lines(run: dict | None, machine: dict) -> list[str]:
    """The benchmark page's section on the whole run and the machine it ran on."""
    cpus, (l1, l5, l15) = machine["cpus"], machine["load"]
    lines = ["", "## The whole run", ""]
    if run:
        lines.append(
            f"**{run['busy_s']:.0f} s** of wall time in which at least one of the run's "
            f"{run['jobs']} timed jobs was running (from Snakemake's `benchmark:` files; "
            "Snakemake's start-up, these pages and the MkDocs build come on top, a few "
            f"seconds). The jobs used {run['cpu_s']:.0f} CPU-seconds: "
            f"{run['cpu_s'] / max(run['busy_s'], 1e-9):.2f} of the machine's {cpus} cores on "
            "average.")
    else:
        lines.append("No job of this run has a benchmark file.")
    if run and run.get("stages"):
        lines += ["", "Per stage (a stage's wall time counts the seconds in which at least one "
                  "of its jobs ran; stages overlap, since a model's generation and metrics run "
                  "while others train):", *stage_lines(run)]
    lines += ["", f"Load average when these pages were made: {l1:.2f} / {l5:.2f} / {l15:.2f} "
              f"(1, 5, 15 min) on {cpus} cores ({machine.get('cpu', 'processor unknown')}). A load above the number of cores means jobs "
              "waited for a CPU, this run's or other work's, and every time on this page "
              "stretches with it."]
    return lines


def si(value, unit: str) -> str:
    """``value`` with an SI prefix and three significant digits: 15.4 MFLOP; '–' for none."""
    if value in (None, ""):
        return "–"
    v = float(value)
    for factor, prefix in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"),
                           (1e3, "k")):
        if abs(v) >= factor:
            return f"{three(v / factor)} {prefix}{unit}"
    return f"{three(v)} {unit}"


def three(v: float) -> str:
    """Three significant digits, without an exponent: 0.0123, 4.56, 789, 12,345."""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def filled(head: list[str], left: str, rows: list[list]) -> list[str]:
    """A Markdown table of ``rows`` without the columns that no row has a value in (all '–':
    an older run's CSV, or a measure this machine does not give); the first ``len(left)``
    columns left-aligned, the rest numbers."""
    keep = [j for j in range(len(head))
            if j == 0 or any(str(r[j]) not in ("–", "", "None") for r in rows)]
    align = ["---" if j < len(left) else "---:" for j in keep]
    return ["| " + " | ".join(head[j] for j in keep) + " |", "|" + "|".join(align) + "|",
            *["| " + " | ".join(str(r[j]) for j in keep) + " |" for r in rows]]


def benchmark_page(rows: list[dict], generated: str, preset: str, run: dict | None = None,
                   machine: dict | None = None) -> str:
    """The site's benchmark page from the benchmark CSV's rows: training speed, compute and
    generation as three tables that fit the page (a utilisation column only where a row ran on
    a device with a known peak); with ``machine`` (``machine_load``), a section on the whole
    run (``run_timing``) as well."""
    def num(r, k, spec=None):
        return three(float(r[k])) if r.get(k) not in (None, "") else "–"

    devices = sorted({f"{r['device']} ({r['backend']})" for r in rows})
    peaks = any(r.get("peak_tflops") not in (None, "") for r in rows)
    peak_words = ("utilisation against the device's dense peak for the precision trained in "
                  "(bf16 989 TFLOP/s, TF32 495 on an H100 or H200)" if peaks else
                  "no utilisation: no peak is listed for the machine that ran it")
    lines = [generated, "# Benchmark", "",
             f"Speed of every trained model of the **{preset}** preset, on "
             f"{', '.join(devices) or 'no device'}, read from the run itself: steps/s from "
             "the training curves (the first row of a run, which holds the XLA compile, is "
             "left out; a run of one row has no steady rate), compile as the seconds of the "
             "first step (tracing, compiling and one step; the training budget starts after "
             "it), core-minutes as training minutes times the cores the training job held "
             "(compute.train_threads).", "",
             "## Training", "",
             *filled(["model", "precision", "batch", "steps", "steps/s", "examples/s",
                      "compile (s)", "training (min)", "core-min"], "lll",
                     [[r["model"], r["precision"], r["batch"], r["steps"],
                       num(r, "steps_per_s"), num(r, "examples_per_s"), num(r, "compile_s"),
                       num(r, "train_min"), num(r, "core_min")] for r in rows])]
    lines += ["", "## Compute", "",
              "FLOPs per step counted from the layers (multiply-adds of dense, convolution and "
              "recurrent layers over the taps that read data; a backward pass is an input and "
              "a weight gradient; checked against XLA's cost analysis within 5%); achieved: "
              f"FLOPs per step times steps/s; {peak_words}.", "",
              "| model | per step | achieved | whole training |"
              + (" utilisation |" if peaks else ""),
              "|---|---:|---:|---:|" + ("---:|" if peaks else "")]
    for r in rows:
        flop = float(r["tflop_per_step"]) * 1e12 if r.get("tflop_per_step") else None
        total = flop * float(r["steps"]) if flop and r.get("steps") else None
        achieved = (float(r["achieved_tflops"]) * 1e12 if r.get("achieved_tflops")
                    else None)
        util = (f" {100 * float(r['utilisation']):.3g}% |" if r.get("utilisation")
                else " – |") if peaks else ""
        lines.append(f"| {r['model']} | {si(flop, 'FLOP')} | {si(achieved, 'FLOP/s')} | "
                     f"{si(total, 'FLOP')} |{util}")
    lines += ["", "## Generation", "",
              "The cold start (building, loading and compiling the generator, one batch) "
              "apart, then seconds of audio made per second over every clip the job rendered, "
              "post-processing (Griffin-Lim, inverse STFT) included. Every clip of the run is "
              "made at once (a batch); sample-by-sample models (SampleRNN, the seed's LSTM) "
              "are far slower per stream than per batch.", "",
              *filled(["model", "clips", "audio (s)", "cold start (s)", "× real time"], "l",
                      [[r["model"], r.get("gen_clips") or "–", num(r, "gen_audio_s"),
                        num(r, "gen_cold_s"), num(r, "realtime_x")] for r in rows])]
    if machine:
        lines += run_lines(run, machine)
    return "\n".join(lines) + "\n"
