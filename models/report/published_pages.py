"""A published run's pages in this build's site, below ``docs/runs/<kind>/``.

The pages are the run's own, as its build wrote them: its numbers were measured by the metric
code of its commit and are not re-measured (a run publishes a few clips per model, not the
sets its metrics read). What this build adds, so that a reader knows what they read and the
pages fit the site: a note under every page's title naming the commit, preset, date and
machine that measured it (and how many commits have touched the metric code since, where git
can tell), the benchmark page redrawn from the run's benchmark.csv in this build's layout,
its training curves redrawn from its curves/ by this build's plotting code, and every table's
numbers printed at four significant digits (models/report/numbers.py).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

from models.config import ROOT
from models.io import read_json
from models.report.benchmark import benchmark_page, read_benchmark
from models.report.comparison_plots import plot_all
from models.report.numbers import tidy_tables
from models.report.plots import plot_curves
from models.report.provenance import provenance_page
from models.report.published import run_kind
from models.report.table import read_table

METRIC_CODE = "models/evaluate"   # what measures every number of a run


def changed_since(commit: str, path: str = METRIC_CODE) -> int | None:
    """How many commits between ``commit`` and this checkout's HEAD touched ``path``; None
    where git cannot tell (no checkout, a commit it does not know)."""
    try:
        out = subprocess.run(["git", "rev-list", "--count", f"{commit}..HEAD", "--", path],
                             cwd=ROOT, capture_output=True, text=True, timeout=20)
    except OSError:
        return None
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def measured_by(prov: dict, name: str, changes: int | None) -> str:
    """The note under a published page's title: which run, preset, machine and code."""
    commit = prov.get("commit", "unknown")[:7]
    one = changes == 1
    since = ("" if changes is None else
             " No commit since has touched the metric code." if changes == 0 else
             f" {changes} commit{'' if one else 's'} since {'has' if one else 'have'} touched "
             f"the metric code ({METRIC_CODE}/): where {'it' if one else 'they'} changed what "
             "is measured, this build's numbers for the same model differ; set numbers "
             "against each other only within one run.")
    return (f'!!! note "Published `{name}` run: measured by the code of commit `{commit}`"\n'
            f"    The `{prov.get('preset', name)}` preset on {prov.get('device') or 'a CPU'}, "
            f"{prov.get('date', 'date unknown')}. Every number on this page is as that "
            f"run's metric code measured it.{since} See its "
            "[provenance](provenance.md).\n")


def add_note(text: str, note: str) -> str:
    """``note`` after a page's first heading (or at its top)."""
    lines = text.split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    return "\n".join(lines[:at] + ["", note] + lines[at:])


def relative(note: str, page: Path, dest: Path) -> str:
    """``note``'s link to provenance.md, relative to ``page`` below the run's folder."""
    depth = len(page.relative_to(dest).parts) - 1
    return note.replace("(provenance.md)", f"({'../' * depth}provenance.md)")


def redrawn_benchmark(run_dir: Path, old: str, generated: str, preset: str) -> str:
    """The run's benchmark page from its benchmark.csv in this build's layout, with the
    whole-run section its own page had."""
    page = benchmark_page(read_benchmark(run_dir / "benchmark.csv"), generated, preset)
    section = old.find("\n## The whole run")
    return page + (old[section:] if section >= 0 else "")


def redraw_comparison(run_dir: Path, img: Path) -> bool:
    """The run's comparison charts redrawn by this build's plotting code from its table.csv
    and metrics/, where its table has every column this code draws (a run of older metric
    code may lack some: its own charts stay); whether they were."""
    charts = ("headline", "distribution", "memorisation", "musicality")
    if not all((img / f"{c}.png").is_file() for c in charts):
        return False
    rows = read_table(run_dir / "table.csv")
    metrics = [run_dir / "metrics" / f"{r['model']}.json" for r in rows]
    if not all(m.is_file() for m in metrics):
        return False
    with tempfile.TemporaryDirectory() as tmp:   # all of them or none
        try:
            plot_all(metrics, run_dir / "table.csv",
                     SimpleNamespace(**{c: Path(tmp) / f"{c}.png" for c in charts}))
        except KeyError:   # a column this code draws that the run's table does not have
            return False
        for c in charts:
            shutil.copy(Path(tmp) / f"{c}.png", img / f"{c}.png")
    return True


def add_published(docs: Path, run_dir: Path, generated: str) -> list[str]:
    """Copy a published run's pages (``run_dir/docs``, a whole site source of its own, so its
    relative links hold) below ``docs/runs/<name>/`` with a provenance page; its models."""
    name = run_kind(run_dir)
    dest = docs / "runs" / name
    # its home page is not in the menu (this site's home page states its answer), and may link
    # to the runs that site showed, which are not below it here
    shutil.copytree(run_dir / "docs", dest, ignore=lambda d, names:
                    ["index.md"] if Path(d) == run_dir / "docs" else [])
    prov = read_json(run_dir / "provenance.json")
    bench = dest / "benchmark.md"
    if bench.is_file() and (run_dir / "benchmark.csv").is_file():
        bench.write_text(redrawn_benchmark(run_dir, bench.read_text(), generated,
                                           prov.get("preset", name)))
    redraw_comparison(run_dir, dest / "img" / "comparison")
    for curves in sorted((run_dir / "curves").glob("*.csv")):
        png = dest / "img" / curves.stem / "curves.png"
        if png.is_file():
            plot_curves(curves.stem, curves, png)
    note = measured_by(prov, name, changed_since(prov.get("commit", "")))
    for page in dest.rglob("*.md"):
        if "includes" in page.relative_to(dest).parts:   # snippets, not pages
            continue
        page.write_text(add_note(tidy_tables(page.read_text()), relative(note, page, dest)))
    (dest / "provenance.md").write_text(tidy_tables(provenance_page(prov, generated)))
    return list(prov["models"])
