"""GAN against LSTM at the note level, decided over seeds: the home page's first answer.

A model trained with extra seeds (config key ``seeds``) has one run per seed (its own and
``<model>-seed<N>``, models.registry.run_name), each with its metric row and snapshot curve.
Here they are read together: per model the median over its seeds and their range on the three
headline numbers, how many seeds clear the bars (Bach's rhythm with random pitches on harmony,
the n-gram's counts), the two families set against each other seed by seed, whether each curve
flattened, and one figure of every seed's harmony curve against core-minutes. Every sentence is
built from those numbers; a pair whose 95% intervals overlap is a tie.
"""
from __future__ import annotations

import math
import statistics

from models.registry import family, seed_runs
from models.report.table import HARMONY, HEADLINE, versus

COLOURS = {"GAN": "#c62828", "LSTM": "#1565c0"}
BARS = (("random_pitch", "Bach's rhythm with random pitches", HARMONY),
        ("ngram", "the n-gram's counts", HARMONY))
FIGURE = "img/comparison/seeds.png"
SHORT = {"fd": "realism: FD ↓", "musicality": "musicality ↑", "harmony": "harmony ↑"}
WORDS = {"fd": "realism (FD ↓)", "musicality": "musicality ↑", "harmony": "harmony ↑"}


def flattened(pts: list[dict], key: str = "harmony") -> bool | None:
    """Whether a curve flattened on ``key``: the last third of its snapshots (at least two)
    lie within each other's 95% intervals. None: fewer than three snapshots."""
    pts = [p for p in pts if _finite(p.get(key))]
    if len(pts) < 3:
        return None
    tail = pts[-max(2, math.ceil(len(pts) / 3)):]
    return all(a[f"{key}_low"] <= b[key] <= a[f"{key}_high"] for a in tail for b in tail)


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _num(v: float, col) -> str:
    """At most four significant digits (an FD of 1280.67 reads 1281)."""
    if not _finite(v):
        return "–"
    return f"{v:.{col.digits}f}" if abs(v) < 10 else f"{v:.4g}" if abs(v) < 1e4 else f"{v:.3g}"


def _minutes(v: float) -> str:
    return f"{v:.1f}" if v >= 1 else f"{v:.2f}"


def spread(rows: list[dict], col) -> str:
    """The median of a column over a model's seeds, and under it lowest–highest (a table
    cell)."""
    vals = [r[col.key] for r in rows if _finite(r.get(col.key))]
    if not vals:
        return "–"
    med = statistics.median(vals)
    if len(vals) == 1:
        return _num(med, col)
    return f"{_num(med, col)}<br><small>{_num(min(vals), col)}–{_num(max(vals), col)}</small>"


def core_minutes(budget: dict, threads: int) -> float:
    """A run's training core-minutes: its training seconds on ``threads`` cores."""
    return budget.get("train_s", 0) * threads / 60


def table_lines(groups: dict, by: dict, budgets: dict, threads: int) -> list[str]:
    """Per model: seeds, steps and core-minutes (lowest–highest), and the median over seeds
    [lowest – highest] of each headline number."""
    head = ["| model | seeds | steps | core-min | "
            + " | ".join(SHORT[c.key] for c in HEADLINE) + " |",
            "|---|---:|---:|---:|" + "---:|" * len(HEADLINE)]
    for model, runs in groups.items():
        steps = sorted(budgets.get(r, {}).get("steps", 0) for r in runs)
        cores = [core_minutes(budgets.get(r, {}), threads) for r in runs]
        head.append(f"| {model}<br><small>{family(model)}</small> | {len(runs)} | "
                    f"{_span(steps, lambda v: f'{v:,}')} | {_span(cores, _minutes)} | "
                    + " | ".join(spread([by[r] for r in runs if r in by], c) for c in HEADLINE)
                    + " |")
    return head + ["", "Each number: the median over seeds, the lowest–highest seed under it; "
                   "steps and core-minutes, lowest–highest."]


def _span(values, fmt) -> str:
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def count_sentence(fam_runs: dict, col, by: dict) -> str:
    """The two families seed by seed on ``col`` (the i-th seed of one against the i-th of the
    other)."""
    (fa, ra), (fb, rb) = fam_runs.items()
    pairs = [(by[a], by[b]) for a, b in zip(ra, rb) if a in by and b in by]
    verdicts = [versus(x, y, col) for x, y in pairs]
    n = len(pairs)
    wins, losses = verdicts.count("better"), verdicts.count("worse")
    what = WORDS.get(col.key, col.key)
    if not wins and not losses:
        return f"On {what} the data cannot tell the {fa} from the {fb} in any of {n} seeds " \
               f"(their intervals overlap)."
    parts = [f"the {fa} beats the {fb} in {wins} of {n} seeds" if wins else "",
             f"the {fb} beats the {fa} in {losses} of {n} seeds" if losses else ""]
    ties = n - wins - losses
    return (f"On {what} " + " and ".join(p for p in parts if p) + " (95% intervals apart)"
            + (f"; {ties} of {n} are ties." if ties else "."))


def bar_sentence(groups: dict, by: dict, bar: str, words: str, col) -> str | None:
    if bar not in by:
        return None
    counts = []
    for model, runs in groups.items():
        got = [r for r in runs if r in by]
        beat = sum(versus(by[r], by[bar], col) == "better" for r in got)
        counts.append(f"{model} in {beat} of {len(got)} seeds")
    return (f"Against {words} (`{bar}`, {WORDS[col.key]} {_num(by[bar][col.key], col)}): "
            f"intervals above it for " + ", ".join(counts) + ".")


def rising(pts: list[dict], key: str = "harmony") -> bool:
    """Whether a curve ends above the start of its last third, intervals apart."""
    pts = [p for p in pts if _finite(p.get(key))]
    tail = pts[-max(2, math.ceil(len(pts) / 3)):]
    return len(tail) >= 2 and tail[-1][f"{key}_low"] > tail[0][f"{key}_high"]


def flat_sentence(groups: dict, curves: dict, budgets: dict, threads: int) -> str:
    parts = []
    for model, runs in groups.items():
        flat = [flattened(curves.get(r, [])) for r in runs]
        moving = [r for r, f in zip(runs, flat) if f is False]
        up = sum(rising(curves.get(r, [])) for r in moving)
        cm = max((core_minutes(budgets.get(r, {}), threads) for r in moving), default=0)
        how = (f"{up} still rising" if up == len(moving) else
               f"{len(moving)} still moving, {up} of them rising" if up else
               f"{len(moving)} still moving")
        parts.append(f"{model} in {flat.count(True)} of {len(runs)} seeds"
                     + (f" ({how} at {cm:.0f} core-minutes)" if moving else ""))
    return ("Curves flattened on harmony (the last third of the snapshots within each other's "
            "intervals): " + "; ".join(parts) + ".")


def seeds_lines(rows: list[dict], curves: dict, budgets: dict, models, threads: int,
                prefix: str = "") -> list[str]:
    """The home page's GAN-against-LSTM answer over seeds (Markdown), or [] when the run lacks
    a note-level model of either family."""
    groups = seed_runs(models)
    fams = {}
    for model, runs in groups.items():
        fams.setdefault(family(model), runs)  # the first model of each family
    if len(fams) < 2:
        return []
    by = {r["model"]: r for r in rows}
    n = min(len(v) for v in fams.values())
    cores = sorted(core_minutes(budgets.get(r, {}), threads)
                   for runs in groups.values() for r in runs)
    lines = ["**GAN against LSTM at the note level, over seeds.** "
             + " and ".join(f"{m} ({family(m)}, {len(r)} seeds)" for m, r in groups.items())
             + f", each seed trained for {_minutes(cores[0])}–{_minutes(cores[-1])} core-minutes"
             + f" on {threads} core{'s' if threads > 1 else ''} a run"
             + (" (matched compute: within 10% of each other)."
                if cores[-1] - cores[0] <= 0.1 * cores[-1] else "."), "",
             *table_lines(groups, by, budgets, threads), ""]
    lines += [f"- {count_sentence(fams, c, by)}" for c in (HARMONY, *HEADLINE[:2])]
    lines += [f"- {s}" for s in (bar_sentence(groups, by, b, w, c) for b, w, c in BARS) if s]
    lines += [f"- {flat_sentence(groups, curves, budgets, threads)}", ""]
    if n < 3:
        lines += [f"{n} seed{'s' if n > 1 else ''} per family: too few to call a family "
                  "better; the `cpu_hour` preset trains three.", ""]
    lines += [f"![Harmony against core-minutes, every seed]({prefix}{FIGURE})", ""]
    return lines


def seeds_chart(curves: dict, rows: list[dict], models, threads: int, path) -> None:
    """Harmony against training core-minutes for every seed of the note-level learners (thin
    lines, one colour per family), with held-out Bach and random pitches as bands."""
    import matplotlib.pyplot as plt  # the workflow reads this module to plan: plot lazily

    from models.report.plots import _save
    fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
    by = {r["model"]: r for r in rows}
    for bar, label, colour in (("real_heldout", "held-out Bach", "#2e7d32"),
                               ("random_pitch", "random pitches", "#9e9e9e"),
                               ("ngram", "n-gram", "#6d4c41")):
        row = by.get(bar, {})
        if _finite(row.get("harmony_low")):
            ax.axhspan(row["harmony_low"], row["harmony_high"], color=colour, alpha=0.15, lw=0)
            ax.axhline(row["harmony"], color=colour, lw=0.8, ls="--", label=label)
    for model, runs in seed_runs(models).items():
        colour = COLOURS.get(family(model), "#000000")
        for i, run in enumerate(runs):
            pts = [p for p in curves.get(run, []) if _finite(p.get("harmony"))
                   and _finite(p.get("seconds")) and p["seconds"] > 0]
            if not pts:
                continue
            ax.plot([p["seconds"] * threads / 60 for p in pts], [p["harmony"] for p in pts],
                    "o-", ms=2.5, lw=0.9, color=colour, alpha=0.8,
                    label=f"{model} ({family(model)})" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_xlabel("training core-minutes (log)", fontsize=8)
    ax.set_ylabel(HARMONY.label, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("Harmony against compute, one thin line per seed", fontsize=9)
    _save(fig, path)
