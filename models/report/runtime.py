"""How long a run took, stage by stage, on which machine, from its jobs' benchmark files; and
the README's figure for a preset, taken from that.

``run_timing`` counts the seconds in which at least one job ran (the union of the jobs'
intervals), overall and per stage (data, train, generate, metrics, pages: ``STAGES``), so two
jobs side by side count once. ``update_readme`` writes a preset's figure into the README's
preset table, with the date and the machine it was measured on:

    python -m models.report.runtime results/quick [--readme README.md]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path

from models.report.provenance import cpu_model, job_times

STAGES = {"data": ("download_wavegan_piano", "prepare_data", "make_clips", "stft_moments",
                   "note_tokens", "piano_rolls"),
          "train": ("train",),
          "generate": ("generate",),
          "metrics": ("features", "evaluate", "snapshot_metrics", "metric_table", "validity",
                      "transcriber_check", "note_level"),
          "pages": ("plot_model", "plot_curves", "plot_comparison", "plot_validity",
                    "plot_learning", "site_pages", "benchmark", "build_site")}


def stage_of(rule: str) -> str:
    return next((s for s, rules in STAGES.items() if rule in rules), "other")


def busy_seconds(spans) -> float:
    """Seconds covered by the union of ``[(start, end)]``."""
    spans = sorted(spans)
    if not spans:
        return 0.0
    busy, (start, end) = 0.0, spans[0]
    for a, b in spans[1:]:
        if a > end:
            busy, start = busy + end - start, a
        end = max(end, b)
    return busy + end - start


def run_timing(bench_dir) -> dict | None:
    """The run's time from its jobs' benchmark files (``job_times``): ``busy_s``, the seconds in
    which at least one job ran (a whole build's wall time less Snakemake's start-up and the
    site's own two rules; a later partial rebuild adds its jobs' time, not the idle time
    between), ``cpu_s`` the jobs' CPU seconds, ``jobs`` their number, ``end`` when the last
    ended, and ``stages``: the same per stage, with ``job_s`` the jobs' summed wall seconds.
    None when no job has a benchmark file."""
    jobs = job_times(bench_dir)
    if not jobs:
        return None
    stages = {}
    for stage in [*STAGES, "other"]:
        mine = [j for j in jobs if stage_of(j["rule"]) == stage]
        if mine:
            stages[stage] = {"jobs": len(mine),
                             "busy_s": busy_seconds((j["end"] - j["s"], j["end"]) for j in mine),
                             "job_s": sum(j["s"] for j in mine),
                             "cpu_s": sum(j["cpu_s"] for j in mine)}
    return {"jobs": len(jobs), "busy_s": busy_seconds((j["end"] - j["s"], j["end"]) for j in jobs),
            "cpu_s": sum(j["cpu_s"] for j in jobs), "end": max(j["end"] for j in jobs),
            "stages": stages}




def machine_load() -> dict:
    """The machine's cores, processor and load averages over the last 1, 5 and 15 minutes."""
    return {"cpus": os.cpu_count(), "cpu": cpu_model(), "load": list(os.getloadavg())}


def stage_lines(run: dict) -> list[str]:
    """The per-stage table of the benchmark page."""
    lines = ["", "| stage | jobs | wall (s, jobs side by side counted once) | job seconds | "
             "CPU seconds |", "|---|---:|---:|---:|---:|"]
    for stage, t in run["stages"].items():
        lines.append(f"| {stage} | {t['jobs']} | {t['busy_s']:.0f} | {t['job_s']:.0f} | "
                     f"{t['cpu_s']:.0f} |")
    lines.append(f"| **whole run** | {run['jobs']} | **{run['busy_s']:.0f}** | "
                 f"{sum(t['job_s'] for t in run['stages'].values()):.0f} | {run['cpu_s']:.0f} |")
    return lines


def readme_cell(run: dict, machine: dict) -> str:
    """The README preset table's time cell: the figure, its source, date and machine."""
    day = dt.datetime.fromtimestamp(run["end"], dt.timezone.utc).strftime("%Y-%m-%d")
    return (f"{run['busy_s'] / 60:.1f} min of jobs on {machine['cpus']} cores of "
            f"{machine['cpu']} (its benchmark page, {day})")


def update_readme(readme: str, preset: str, cell: str) -> str:
    """``readme`` with the time cell of ``preset``'s row of the preset table replaced."""
    row = re.compile(rf"^(\| `{re.escape(preset)}`[^|]*\|[^|]*\|[^|]*\| ).*( \|)$", re.M)
    if not row.search(readme):
        raise ValueError(f"README: no row for the preset '{preset}' in the preset table")
    return row.sub(lambda m: m[1] + cell + m[2], readme, count=1)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="a finished run, results/<preset>")
    ap.add_argument("--readme", default="README.md")
    args = ap.parse_args(argv)
    results = Path(args.results)
    run = run_timing(results / "benchmarks")
    if run is None:
        sys.exit(f"runtime: {results}/benchmarks: no benchmark files")
    try:
        text = update_readme(Path(args.readme).read_text(), results.name,
                             readme_cell(run, machine_load()))
    except ValueError as err:
        sys.exit(f"runtime: {err}")
    Path(args.readme).write_text(text)
    print("\n".join(stage_lines(run)))


if __name__ == "__main__":
    main()
