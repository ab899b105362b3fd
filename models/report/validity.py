"""The "Does the metric work?" page: how each metric of the suite moves as real Bach is degraded.

Reads the validity panel's rows (``models/evaluate/degrade.py``: one JSON per degradation, one
row per rung, rung 0 the clean held-out clips). For every metric column of the comparison table
and every degradation, Spearman's rho between the rung and the metric's "smaller is better"
score (``Column.score``): +1 means the metric gets worse at every step, as it should.
"""
from __future__ import annotations

import csv
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from models.io import atomic_path, read_json  # noqa: E402
from models.report.blocks import fold  # noqa: E402
from models.report.plots import _save  # noqa: E402
from models.report.table import (DISTRIBUTION, GROUPS, HARMONY, HEADLINE,  # noqa: E402
                                 MUSICALITY, REALISM)

COLUMNS = []   # each metric once, under its first (headline) label; a verdict has no rho
for _col in (c for cols in GROUPS.values() for c in cols if c.better != "test"):
    if _col.key not in {c.key for c in COLUMNS}:
        COLUMNS.append(_col)
CHARTED = (*HEADLINE, *DISTRIBUTION[1:5], MUSICALITY[0])  # the chart's lines
REALISM_CANDIDATES = DISTRIBUTION[:5]  # audio-only distances the realism headline is chosen from
TRACKS = 0.9   # rho from which a metric is said to track a degradation
APART = 4.0    # half-widths between clean and all-random pitches for harmony to hear them


def read_panel(paths) -> dict[str, dict]:
    """{degradation: {'label', 'rows'}} in the order given."""
    return {d["degradation"]: d for d in map(read_json, paths)}


def rho(rows: list[dict], col) -> float:
    """Spearman's rho between rung and ``col``'s score; NaN when either is constant or a score
    is missing."""
    scores = [col.score(r) for r in rows]
    if not all(math.isfinite(s) for s in scores) or len(set(scores)) < 2:
        return math.nan
    # rounded: with five rungs rho is a multiple of 0.05 or so, and 0.9 must not read 0.8999...
    return round(float(spearmanr([r["rung"] for r in rows], scores).statistic), 9)


def rho_table(panel: dict) -> dict[str, dict[str, float]]:
    """{column key: {degradation: rho}}."""
    return {c.key: {d: rho(p["rows"], c) for d, p in panel.items()} for c in COLUMNS}


def write_rows(panel: dict, out_csv) -> None:
    """Every rung's scalar metrics, one CSV row each."""
    rows = [r for p in panel.values() for r in p["rows"]]
    fields = list(dict.fromkeys(k for r in rows for k, v in r.items()
                                if not isinstance(v, (dict, list))))
    with atomic_path(out_csv) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)


def plot_degradation(name: str, part: dict, path) -> None:
    """One small chart: each charted metric's score against the rung, scaled to its own range
    over the rungs (0 its best rung, 1 its worst), so a metric that tracks rises left to right."""
    rows = part["rows"]
    x = [r["rung"] for r in rows]
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    for col in CHARTED:
        s = np.array([col.score(r) for r in rows], float)
        span = np.nanmax(s) - np.nanmin(s) if np.isfinite(s).any() else 0
        y = (s - np.nanmin(s)) / span if span > 0 else np.zeros_like(s)
        ax.plot(x, y, marker="o", ms=3, lw=1, label=col.label.rstrip(" ↓↑"))
    ax.set_xticks(x, ["clean"] + [f"{r['strength']:g}" for r in rows[1:]], fontsize=8)
    ax.set_xlabel(part["label"], fontsize=8)
    ax.set_ylabel("score, scaled (1 = worst rung)", fontsize=8)
    ax.set_title(name.replace("_", " "), fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    _save(fig, path)


def plot_panel(paths, out_csv, charts: dict) -> None:
    """The panel's CSV and one chart per degradation (``charts``: {degradation: png path})."""
    panel = read_panel(paths)
    write_rows(panel, out_csv)
    for name, path in charts.items():
        plot_degradation(name, panel[name], path)


def _label(col) -> str:
    return col.label.replace("|", "\\|")     # |D|self: a pipe would split the table's cell


def _fmt(v: float) -> str:
    return "n/a" if math.isnan(v) else (f"**{v:+.2f}**" if v >= TRACKS else f"{v:+.2f}")


def headline_lines(table: dict, names: list[str]) -> list[str]:
    """Why the headline numbers: their rho on every degradation, and how the realism
    headline compares with the other audio distances (the smallest rho over degradations)."""
    def worst(col):
        values = [table[col.key][d] for d in names]
        return min(values) if all(math.isfinite(v) for v in values) else math.nan

    lines = ["## The headline numbers", ""]
    for col in HEADLINE:
        w = worst(col)
        verdict = (f"tracks every degradation (smallest rho {w:+.2f})" if w >= TRACKS else
                   f"does NOT track every degradation (smallest rho {w:+.2f}, below {TRACKS})"
                   if math.isfinite(w) else "has no rho on some degradation")
        lines.append(f"- **{col.label.rstrip(' ↓↑')}** {verdict}: " + ", ".join(
            f"{d.replace('_', ' ')} {table[col.key][d]:+.2f}" for d in names) + ".")
    ranked = sorted(REALISM_CANDIDATES, key=lambda c: -np.nan_to_num(worst(c), nan=-2))
    lines += ["", "Audio realism candidates, by their smallest rho over the degradations: "
              + ", ".join(f"{c.label.rstrip(' ↓')} {worst(c):+.2f}" for c in ranked) + ". "
              + (f"The headline uses {REALISM.label.split(': ')[1].rstrip(' ↓')}, which the "
                 "panel puts first." if ranked[0].key == REALISM.key else
                 f"The headline uses {REALISM.label.split(': ')[1].rstrip(' ↓')}, chosen on "
                 "the quick preset's panel; on this run the panel puts "
                 f"{ranked[0].label.rstrip(' ↓')} first."), ""]
    return lines


def wrong_notes(rows: list[dict]) -> dict:
    """How harmony hears the random-pitch rungs: Spearman's rho between the share of
    re-pitched notes and harmony itself (-1: lower at every step), and how far the all-random
    rung lies below the clean one, in half-widths of the wider of their two 95% intervals."""
    clean, worst = rows[0], rows[-1]
    half = max((r["harmony_high"] - r["harmony_low"]) / 2 for r in (clean, worst))
    gap = clean["harmony"] - worst["harmony"]
    return {"rho": -rho(rows, HARMONY), "gap": gap,  # rho() reads the score, -harmony
            "half_widths": gap / half if half > 0 else math.inf}


def wrong_notes_lines(panel: dict, table: list[dict] = ()) -> list[str]:
    """The sentence on whether harmony hears wrong notes (none without the random-pitch
    degradation or harmony in its rows), and whether the noise baseline of ``table`` (the run's
    metric rows) scores below every rung."""
    rows = panel.get("random_pitch", {}).get("rows", [])
    if not rows or not all(math.isfinite(r.get("harmony", math.nan)) for r in rows):
        return []
    w = wrong_notes(rows)
    ok = w["rho"] <= -TRACKS and w["half_widths"] >= APART
    shares = ", ".join(f"{0 if r['strength'] is None else r['strength']:.0%} "
                       f"{r['harmony']:.3f} [{r['harmony_low']:.3f}, {r['harmony_high']:.3f}]"
                       for r in rows)
    noise = next((r for r in table if r["model"] == "noise"), {})
    floor = ""
    if math.isfinite(noise.get("harmony", math.nan)):
        worst = noise["harmony"] < min(r["harmony"] for r in rows)
        floor = (f" The noise baseline scores {noise['harmony']:.3f}: "
                 + ("below every rung." if worst else "NOT below every rung."))
    return ["## Does harmony hear wrong notes?", "",
            "The random-pitch rungs keep the held-out scores' rhythm and move a growing share of "
            f"their notes to random pitches. Harmony by share re-pitched: {shares}. Spearman's "
            f"rho between the share and harmony is {w['rho']:+.2f}, and all-random "
            f"pitches lie {w['half_widths']:.1f} half-widths (of the wider 95% interval) below "
            f"the clean clips: harmony {'hears' if ok else 'does NOT clearly hear'} wrong notes "
            f"(the bar: rho ≤ -{TRACKS} and {APART:g} half-widths).{floor}", ""]


def floor_lines(rows: list[dict]) -> list[str]:
    """Where the baselines land on audio realism and harmony: held-out Bach, Bach's rhythm with
    random pitches, and the two noise floors (the envelope floor should lie between real and
    noise on FD), from the run's metric table."""
    by = {r["model"]: r for r in rows}
    order = [m for m in ("real_heldout", "random_pitch", "envelope_noise", "noise") if m in by]
    if len(order) < 2:
        return []

    def ci(r, key, d):
        v = r.get(key, math.nan)
        return "n/a" if not math.isfinite(v) else \
            f"{v:.{d}f} [{r[f'{key}_low']:.{d}f}, {r[f'{key}_high']:.{d}f}]"

    lines = ["## The baselines on the scale", "",
             "The run's baselines on audio realism (FD log-mel, 0 = held-out Bach) and harmony "
             "(1 = held-out Bach), 95% intervals:", "",
             "| baseline | FD log-mel ↓ | harmony ↑ |", "|---|---:|---:|"]
    lines += [f"| {m} | {ci(by[m], 'fd', 1)} | {ci(by[m], 'harmony', 3)} |" for m in order]
    if {"real_heldout", "envelope_noise", "noise"} <= by.keys():
        real, env, noise = (by[m] for m in ("real_heldout", "envelope_noise", "noise"))
        between = real["fd_high"] < env["fd_low"] and env["fd_high"] < noise["fd_low"]
        lines += ["", "The envelope floor (noise with held-out Bach's loudness and broad "
                  "spectrum over time, no harmonic lines) "
                  + ("lies between held-out Bach and the average-spectrum noise on FD, "
                     "intervals apart: the harder floor." if between else
                     "does NOT lie between held-out Bach and the average-spectrum noise on FD "
                     "with the intervals apart.")]
    return lines + [""]


def validity_page(panel: dict, generated: str, preset: str, chart_href,
                  rows: list[dict] = ()) -> str:
    """The page; ``chart_href(degradation)`` is the chart's link from the page; ``rows``: the
    run's metric table, for where the baselines land."""
    if not panel:
        return (generated + "# Does the metric work?\n\nThe validity panel is off in this run "
                "(`validity.degradations` is empty).\n")
    table = rho_table(panel)
    n = panel[next(iter(panel))]["rows"][0]["n_windows"]
    names = list(panel)
    everywhere = [c.label for c in COLUMNS if all(table[c.key][d] >= TRACKS for d in names)]
    lines = [generated, "# Does the metric work?", "",
             f"A metric that hears music gets worse, step by step, as real music is spoiled. "
             f"Here {n} held-out windows of real Bach (those `real_heldout` plays) are degraded "
             f"{len(names)} ways at graded strengths, and every rung is measured by the whole "
             "suite against the same reference and training clips as the models "
             f"(**{preset}** preset). The table gives Spearman's rho between the rung (0 = "
             "clean) and each metric's score (for a descriptor, its distance to held-out "
             f"Bach): +1 means worse at every step; bold marks rho ≥ {TRACKS}.", ""]
    lines += (headline_lines(table, names) + wrong_notes_lines(panel, list(rows))
              + floor_lines(list(rows))
              + ["## Every metric", ""])
    if everywhere:
        lines.append(f"Metrics that track every degradation (rho ≥ {TRACKS}): "
                     f"{', '.join(everywhere)}.")
    else:
        lines.append(f"No metric tracks every degradation (rho ≥ {TRACKS} on all {len(names)}).")
    lines.append("")                                   # a list needs a blank line before it
    for d in names:
        good = [c.label for c in COLUMNS if table[c.key][d] >= TRACKS]
        lines.append(f"- *{d.replace('_', ' ')}*: {len(good)} of {len(COLUMNS)} metrics track "
                     "it" + (f" ({', '.join(good)})." if good else "."))
    lines += ["", "| metric | " + " | ".join(d.replace("_", " ") for d in names) + " |",
              "|---|" + "---:|" * len(names)]
    for c in COLUMNS:
        lines.append(f"| {_label(c)} | " + " | ".join(_fmt(table[c.key][d]) for d in names)
                     + " |")
    lines += ["", "With five rungs, rho moves in steps of 0.1 (other values come from tied "
              "scores); a metric whose score is constant (or missing) over the rungs has none "
              "(n/a). Each chart scales every metric to its own range over the rungs: a line "
              "that rises from 0 to 1, left to right, tracks the degradation.", ""]
    for d in names:
        rungs = ["| rung | strength | FD log-mel | musicality | harmony | FD musicnn | "
                 "descriptor distance | copying test |", "|---:|---|---:|---:|---:|---:|---:|---|"]
        for r in panel[d]["rows"]:
            strength = "clean" if r["strength"] is None else f"{r['strength']:g}"
            harm = r.get("harmony", math.nan)
            rungs.append(f"| {r['rung']} | {strength} | {r['fd']:.2f} | {r['musicality']:.3f} "
                         f"| {'n/a' if math.isnan(harm) else f'{harm:.3f}'} "
                         f"| {r['fd_musicnn']:.2f} | {r['descriptor_distance']:.3f} | "
                         f"{r['verdict']} |")
        lines += [f"## {d.replace('_', ' ').capitalize()}", "",
                  f"Strength: {panel[d]['label']}.", "",
                  f"![{d}]({chart_href(d)})", "",
                  *fold(f"Every rung's numbers: {d.replace('_', ' ')}", rungs)]
    return "\n".join(lines)
