"""Where and how a run was made: commit, backend, device, date, wall time per rule.

Read from the run's own files: each trained model's ``model.json`` (backend, device,
precision, steps) and Snakemake's ``benchmark:`` TSVs under ``results/<preset>/benchmarks``
(wall seconds of every expensive rule's job). The whole run's wall time is measured by whoever
ran it (tools/publish_run.sh) and passed in.
"""
from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import os
import platform
import re
from pathlib import Path

from models.io import read_json

PACKAGES = ("keras", "jax", "jaxlib", "tensorflow", "torch", "numpy", "snakemake")


def job_times(bench_dir) -> list[dict]:
    """One dict per job from ``benchmarks/<rule>/<job>.tsv`` and ``benchmarks/<rule>.tsv`` (one
    job): rule, job, wall seconds ``s``, ``cpu_s`` and ``end`` (the file's modification time,
    written when the job finished; so the job started at ``end - s``)."""
    jobs = []
    for tsv in sorted(Path(bench_dir).rglob("*.tsv")):
        rel = tsv.relative_to(bench_dir)
        rule, job = (rel.parts[0], tsv.stem) if len(rel.parts) > 1 else (tsv.stem, tsv.stem)
        with open(tsv) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if rows:
            jobs.append({"rule": rule, "job": job, "s": float(rows[-1]["s"]),
                         "cpu_s": float(rows[-1].get("cpu_time") or 0),
                         "end": tsv.stat().st_mtime})
    return jobs


def rule_times(bench_dir) -> dict[str, dict[str, float]]:
    """{rule: {job: wall seconds}} of every job with a benchmark file (``job_times``)."""
    times: dict[str, dict[str, float]] = {}
    for j in job_times(bench_dir):
        times.setdefault(j["rule"], {})[j["job"]] = j["s"]
    return times


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out

def cpu_model() -> str:
    """The processor's name (/proc/cpuinfo's model name where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return re.sub(r"\s+", " ", line.split(":", 1)[1]).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def collect(results_dir, commit: str, wall_s: float, command: str, models: list[str]) -> dict:
    """The provenance record of the run in ``results_dir``."""
    results_dir = Path(results_dir)
    trained = {}
    for model in models:
        meta_path = results_dir / "models" / model / "checkpoint" / "model.json"
        meta = read_json(meta_path) if meta_path.is_file() else {}
        if "backend" in meta:
            trained[model] = {k: meta.get(k) for k in ("backend", "device", "precision", "steps",
                                                       "batch", "train_s")}
    devices = sorted({m["device"] for m in trained.values() if m.get("device")})
    backends = sorted({m["backend"] for m in trained.values()})
    return {"preset": results_dir.name, "commit": commit, "command": command,
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "backend": ", ".join(backends), "device": ", ".join(devices),
            "host": {"cpus": os.cpu_count(), "cpu": cpu_model(),
                     "python": platform.python_version(), "machine": platform.machine()},
            "versions": versions(), "wall_s": wall_s, "models": models,
            "trained": trained, "rules": rule_times(results_dir / "benchmarks")}


def provenance_page(prov: dict, generated: str) -> str:
    """A published run's provenance as a page."""
    lines = [generated, f"# Provenance of the published {prov['preset']} run", "",
             f"- Commit: `{prov['commit']}`", f"- Date: {prov['date']}",
             f"- Device: **{prov['device'] or 'CPU'}**, Keras backend **{prov['backend']}**; "
             f"host {prov['host']['cpus']} CPU cores"
             + (f" of {prov['host']['cpu']}" if prov["host"].get("cpu") else "")
             + f", Python {prov['host']['python']}",
             f"- Whole run (every rule to the site's pages): **{prov['wall_s'] / 60:.1f} min** "
             "wall time",
             f"- Command: `{prov['command']}`",
             "- Packages: " + ", ".join(f"{k} {v}" for k, v in prov["versions"].items()), "",
             "These pages are the run's own, as it wrote them; rebuilding the site copies them "
             "and retrains nothing. Checkpoints are not published.", "",
             "## Trained models", "",
             "| model | precision | batch | steps | training (min) |", "|---|---|---:|---:|---:|"]
    for model, t in prov["trained"].items():
        lines.append(f"| {model} | {t['precision']} | {t['batch']} | {t['steps']} | "
                     f"{t['train_s'] / 60:.2f} |")
    gpus = re.search(r"--resources\s+gpu=(\d+)", prov["command"])
    at_once = "one at a time" if not gpus or gpus[1] == "1" else f"up to {gpus[1]} at a time"
    lines += ["", "## Wall time per rule", "",
              "Seconds of each job, from Snakemake's `benchmark:` files (jobs overlap: training "
              f"jobs hold the GPU {at_once} while other rules run beside them).",
              "", "| rule | jobs | total (s) | longest job |", "|---|---:|---:|---|"]
    for rule, jobs in prov["rules"].items():
        longest = max(jobs, key=jobs.get)
        lines.append(f"| {rule} | {len(jobs)} | {sum(jobs.values()):.1f} | "
                     f"{longest} ({jobs[longest]:.1f} s) |")
    if prov.get("timeline"):
        lines += timeline_lines(prov["timeline"])
    return "\n".join(lines) + "\n"


def timeline_lines(timeline: dict) -> list[str]:
    """The run's phases (models/report/timeline.py: measured) as a table."""
    out = ["", "## Timeline", "",
           "Each phase from its first job's start to its last job's end, in seconds after the "
           "run's first job began (phases overlap: a model's generation and metrics run while "
           "others train). GPU busy: the mean of nvidia-smi's utilisation, sampled every 2 s.",
           "", "| phase | from (s) | to (s) | jobs | GPU busy |", "|---|---:|---:|---:|---:|"]
    for phase, p in timeline["phases"].items():
        gpu = "—" if p["gpu_util"] is None else f"{p['gpu_util']:.0f}%"
        out.append(f"| {phase} | {p['start_s']:.0f} | {p['end_s']:.0f} | {p['jobs']} | {gpu} |")
    return out
