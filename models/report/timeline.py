"""A lent GPU machine's run, planned and measured: does the study fit in the lease?

``plan(cfg)`` adds the lease's timings (config ``lease``: machine start, transfers, wheel
install, data stage, the last model's generation and metrics) to the trainings' wall time:
each training lasts its job's start and save, its compile (slower when compiles run side by
side) and its budget (``max_minutes``, counted from the end of the first step). With at least
as many GPU lanes as trainings they all run at once and the window is the longest one; with
fewer, any greedy scheduler finishes within sum / lanes + (1 - 1 / lanes) x longest (Graham's
bound for list scheduling), which is what the plan counts.

``measured(results_dir)`` reads the finished run's phases (data, train, generate, metrics,
pages) from its jobs' benchmark files, and the GPU's utilisation in each phase from the
``nvidia-smi`` samples tools/lease_run.sh keeps beside the run (none on a CPU).

    python -m models.report.timeline plan  [--preset gpu] [--configfile OVERLAY]
    python -m models.report.timeline measure results/<preset> [--out timeline.json]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import yaml

from models.config import deep_merge, resolve
from models.io import write_json
from models.registry import spec
from models.report.provenance import job_times
from models.report.runtime import STAGES


def trainings(cfg: dict) -> dict[str, float]:
    """{model: seconds its training job lasts} for every neural model of the run."""
    lease = cfg["lease"]
    out = {}
    for model in cfg["models"]:
        if not spec(model).steps:
            continue
        budget = cfg[model].get("max_minutes")
        if budget is None:
            raise ValueError(f"{model}: no max_minutes, so its training time is unknown")
        compile_s = lease["compile_s"].get(model, 0.0) * lease["compile_contention"]
        out[model] = lease["process_s"] + compile_s + 60.0 * budget
    return out


def plan(cfg: dict) -> dict:
    """The lease's planned seconds, phase by phase, and whether they fit."""
    lease = cfg["lease"]
    if lease["minutes"] is None:
        raise ValueError("this configuration has no lease (config key lease.minutes)")
    jobs = trainings(cfg)
    lanes, longest = lease["gpu_lanes"], max(jobs.values(), default=0.0)
    window = longest if lanes >= len(jobs) else \
        sum(jobs.values()) / lanes + (1 - 1 / lanes) * longest
    phases = {"machine start": lease["machine_start_s"], "transfers": lease["transfer_s"],
              "install": lease["install_s"], "data": lease["data_s"], "training": window,
              "generation, metrics and pages after the last training": lease["after_s"]}
    total = sum(phases.values())
    return {"phases": phases, "trainings": jobs, "total_s": total,
            "lease_s": 60.0 * lease["minutes"], "fits": total <= 60.0 * lease["minutes"]}


def plan_lines(p: dict, cfg: dict, rates: dict[str, float] | None = None) -> list[str]:
    """The plan as text; with ``rates`` (steps/s of an earlier run), the steps each budget
    would buy at that rate with the GPU to itself: a guide, not a promise."""
    lines = [f"{name}: {s:.0f} s" for name, s in p["phases"].items()]
    lines.append(f"total {p['total_s']:.0f} s of a {p['lease_s']:.0f} s lease: "
                 f"{'fits' if p['fits'] else 'DOES NOT FIT'}")
    for model, s in sorted(p["trainings"].items(), key=lambda kv: -kv[1]):
        budget = 60.0 * cfg[model]["max_minutes"]
        guess = ""
        if rates and rates.get(model):
            guess = f"; at {rates[model]:.1f} steps/s about {rates[model] * budget:,.0f} steps"
        lines.append(f"  {model}: {s:.0f} s in all, {budget:.0f} s of training{guess}")
    return lines


def rates_of(benchmark_csv) -> dict[str, float]:
    """{model: steady steps/s} from a run's benchmark.csv (blank rates left out)."""
    with open(benchmark_csv) as fh:
        return {r["model"]: float(r["steps_per_s"]) for r in csv.DictReader(fh)
                if r.get("steps_per_s")}


def gpu_samples(path) -> list[tuple[float, float]]:
    """[(unix time, GPU utilisation %)] from ``nvidia-smi --query-gpu=timestamp,
    utilization.gpu --format=csv,noheader,nounits -l N`` output; [] when there is none."""
    out = []
    path = Path(path)
    if not path.is_file():
        return out
    for line in path.read_text().splitlines():
        try:
            stamp, util = [x.strip() for x in line.split(",")[:2]]
            when = dt.datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S.%f")
            out.append((when.replace(tzinfo=dt.timezone.utc).timestamp(), float(util)))
        except ValueError:
            continue  # a header or a cut line
    return out


def measured(results_dir) -> dict:
    """Each phase's start and end (seconds after the run's first job started), its jobs, and
    the mean GPU utilisation while it ran, from the run's benchmark files (those written since
    ``run/started`` where tools/publish_run.sh left one: earlier runs' files are not this
    run's)."""
    results_dir = Path(results_dir)
    started = results_dir / "run" / "started"
    since = float(started.read_text()) if started.is_file() else 0.0
    jobs = [j for j in job_times(results_dir / "benchmarks") if j["end"] >= since]
    if not jobs:
        raise ValueError(f"{results_dir}/benchmarks: no benchmark files of this run")
    t0 = min(j["end"] - j["s"] for j in jobs)
    samples = gpu_samples(results_dir / "run" / "gpu.csv")
    phases = {}
    for phase, rules in STAGES.items():
        mine = [j for j in jobs if j["rule"] in rules]
        if not mine:
            continue
        start, end = min(j["end"] - j["s"] for j in mine), max(j["end"] for j in mine)
        busy = [u for t, u in samples if start <= t <= end]
        phases[phase] = {"start_s": round(start - t0, 1), "end_s": round(end - t0, 1),
                         "jobs": len(mine),
                         "gpu_util": round(sum(busy) / len(busy), 1) if busy else None}
    return {"phases": phases, "end_s": round(max(j["end"] for j in jobs) - t0, 1),
            "gpu_samples": len(samples)}


def measured_lines(m: dict) -> list[str]:
    out = []
    for phase, p in m["phases"].items():
        gpu = f", GPU {p['gpu_util']:.0f}% busy" if p["gpu_util"] is not None else ""
        out.append(f"{phase}: {p['start_s']:.0f}-{p['end_s']:.0f} s, {p['jobs']} jobs{gpu}")
    out.append(f"last job ended {m['end_s']:.0f} s after the first began"
               + ("" if m["gpu_samples"] else "; no GPU samples (no nvidia-smi)"))
    return out


def lease_config(preset: str, overlay: str | None) -> dict:
    """The resolved configuration of ``preset`` with config.yaml and an overlay on top."""
    root = Path(__file__).resolve().parents[2]
    cfg = yaml.safe_load((root / "config" / "config.yaml").read_text())
    if overlay:
        cfg = deep_merge(cfg, yaml.safe_load(Path(overlay).read_text()))
    return resolve(dict(cfg, preset=preset))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("plan", help="add the lease up; exit 1 if it does not fit")
    p.add_argument("--preset", default="gpu")
    p.add_argument("--configfile", default="config/overlays/h200_15min.yaml")
    p.add_argument("--rates", help="a benchmark.csv whose steps/s guide the step guesses")
    m = sub.add_parser("measure", help="a finished run's phases")
    m.add_argument("results")
    m.add_argument("--out", help="write the phases here as JSON")
    args = ap.parse_args(argv)
    try:
        if args.what == "plan":
            cfg = lease_config(args.preset, args.configfile)
            got = plan(cfg)
            print("\n".join(plan_lines(got, cfg, rates_of(args.rates) if args.rates else None)))
            sys.exit(0 if got["fits"] else 1)
        got = measured(args.results)
        if args.out:
            write_json(args.out, got)
        print("\n".join(measured_lines(got)))
    except (ValueError, FileNotFoundError) as err:
        sys.exit(f"timeline: {err}")


if __name__ == "__main__":
    main()
