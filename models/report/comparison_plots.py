"""Charts of the comparison page: the two headline numbers as a scatter, distribution metrics
with error bars, the memorisation test, and the musicality descriptors beside the held-out
set's values."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from models.registry import ranked  # noqa: E402
from models.report.plots import WIDTH, _save  # noqa: E402
from models.report.table import DISTRIBUTION, HEADLINE, MUSICALITY, NOTES  # noqa: E402

BASE, MODEL = "#9e9e9e", "#3f6fb5"
SPAN = 1.5   # decades across models above which an axis goes logarithmic (``_scale``)


def _colours(rows):
    return [MODEL if ranked(r["model"]) else BASE for r in rows]


def _scale(ax, values, axis: str = "y", ends=()) -> str:
    """Put ``axis`` on a log scale when the finite ``values`` (one estimate per model) span more
    than ``SPAN`` decades, else leave it linear, so a run whose values are all close reads
    linearly. The span runs from the largest magnitude down to the largest magnitude of a value
    at or below 0 (KD is an unbiased estimate and dips below 0 for equal distributions: values
    that close to 0 cannot be told from it), or else to the smallest positive value. Where a
    value or an interval end (``ends``) is at or below 0, the scale is symlog, linear within
    that magnitude rounded up to a power of ten (or below the smallest positive value, rounded
    down). Returns a note for the axis label ('' when linear)."""
    def finite(xs):
        a = np.asarray([x for x in xs if x is not None], float)
        return a[np.isfinite(a)]

    v, e = finite(values), finite(ends)
    top = np.abs(v).max() if v.size else 0.0
    if v.size < 2 or top == 0:
        return ""
    low = np.abs(v[v <= 0]).max() if (v <= 0).any() else 0.0
    ref = low if low > 0 else v[v > 0].min()    # the smallest magnitude told apart from 0
    if np.log10(top / ref) <= SPAN:
        return ""
    set_scale = ax.set_xscale if axis == "x" else ax.set_yscale
    if v.min() > 0 and (e.size == 0 or e.min() > 0):
        set_scale("log")
        return "log scale"
    linthresh = 10.0 ** (np.ceil(np.log10(low)) if low > 0 else np.floor(np.log10(ref)))
    set_scale("symlog", linthresh=linthresh)
    return f"symmetric log scale, linear within ±{linthresh:g}"


def _bars(ax, rows, values, lows=None, highs=None, title="", scale=False):
    """Bars per model with their intervals; ``scale``: choose the y scale from the data
    (``_scale``), else linear."""
    x = np.arange(len(rows))
    values = np.asarray(values, float)
    err = None
    if lows is not None:
        err = np.abs(np.stack([values - np.asarray(lows, float),
                               np.asarray(highs, float) - values]))
    ax.bar(x, values, color=_colours(rows), yerr=err, capsize=2, error_kw={"lw": 0.8})
    ax.set_xticks(x, [r["model"] for r in rows], rotation=60, ha="right", fontsize=8)
    ax.set_title(title, fontsize=9)
    if scale:
        note = _scale(ax, values, ends=[*lows, *highs] if lows is not None else ())
        if note:
            ax.set_ylabel(note, fontsize=8)
    ax.tick_params(axis="y", labelsize=8)


def _grid(n_panels: int, n_models: int):
    """(figure, the panels in order) for a chart of ``n_panels`` bar panels, three to a row
    (two when there are more than 12 models: a model's name needs room under its bar), the
    column's width across; the grid's unused panels hidden."""
    ncol = 3 if n_models <= 12 else 2
    nrow = -(-n_panels // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(WIDTH, 3.3 * nrow), constrained_layout=True)
    for ax in list(axes.flat)[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat)[:n_panels]


def unoverlap(fig, texts, tries: int = 8) -> None:
    """Place annotations (offset in points) one by one, top to bottom, each at the nearest of
    its own height's steps up or down (up to ``tries`` each way) where its box overlaps no
    label placed before it; a thin line ties a moved label to its point."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_points = 72 / fig.dpi
    # the text's own box: an annotation's extent also holds its line to the point
    boxes = [Text.get_window_extent(t, renderer) for t in texts]
    placed = []
    for i in sorted(range(len(texts)), key=lambda i: -boxes[i].y0):
        box, step = boxes[i], boxes[i].height + 1
        for k in [0] + [k * sign for k in range(1, tries + 1) for sign in (-1, 1)]:
            moved = box.translated(0, k * step)
            if not any(moved.overlaps(other) for other in placed):
                break
        x, y = texts[i].get_position()
        texts[i].set_position((x, y + k * step * to_points))
        placed.append(moved)


def headline_chart(rows: list[dict], path):
    """Audio realism (x; log when it spans decades) against musicality (y), 95% interval bars
    both ways; the baselines are grey reference points, models blue; held-out Bach sits top
    left. Returns the (closed) figure."""
    real, mus = HEADLINE[:2]
    fig, ax = plt.subplots(figsize=(WIDTH, 6.5), constrained_layout=True)
    labels = []
    for r, colour in zip(rows, _colours(rows)):
        x, y = r[real.key], r[mus.key]
        xerr = [[x - r[f"{real.key}_low"]], [r[f"{real.key}_high"] - x]]
        yerr = [[y - r[f"{mus.key}_low"]], [r[f"{mus.key}_high"] - y]]
        ax.errorbar(x, y, xerr=np.abs(xerr), yerr=np.abs(yerr), fmt="o", ms=4, color=colour,
                    ecolor=colour, elinewidth=0.8, capsize=2)
        labels.append(ax.annotate(
            r["model"], (x, y), xytext=(4, 3), textcoords="offset points", fontsize=8,
            color="#555555" if colour == BASE else "black",
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#aaaaaa", "shrinkA": 0}))
    note = _scale(ax, [r[real.key] for r in rows], axis="x",
                  ends=[r[f"{real.key}_{end}"] for r in rows for end in ("low", "high")])
    ax.set_xlabel(f"{real.label.split(': ')[1]} (audio realism; left is closer to held-out "
                  f"Bach{'; ' + note if note else ''})", fontsize=8)
    ax.set_ylabel(f"{mus.label.split(': ')[1]} (musicality; 1 = like held-out Bach)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title("The two headline numbers, 95% intervals (grey: baselines and the "
                 "teacher-forced diagnostic)", fontsize=9)
    ax.margins(x=0.08)    # room for the rightmost label
    unoverlap(fig, labels)
    _save(fig, path)
    return fig


def distribution_chart(rows: list[dict], path):
    """One panel per distribution metric; error bars are the 95% intervals; baselines grey.
    Each panel's y axis is linear or logarithmic by its own values (``_scale``). Returns the
    (closed) figure."""
    cols = DISTRIBUTION
    fig, axes = _grid(len(cols), len(rows))
    for ax, col in zip(axes, cols):
        lows = [r[f"{col.key}_low"] for r in rows] if col.interval else None
        highs = [r[f"{col.key}_high"] for r in rows] if col.interval else None
        _bars(ax, rows, [r[col.key] for r in rows], lows, highs, col.label, scale=True)
        if ax.get_yscale() != "log":
            ax.axhline(0, color="black", lw=0.5)
    fig.suptitle("Distance to held-out Bach (lower is closer; grey: baselines and the "
                 "teacher-forced diagnostic)", fontsize=10)
    _save(fig, path)
    return fig


def memorisation_chart(rows: list[dict], metrics: list[dict], path) -> None:
    """Copy rate per model under its copying-test verdict (a test, so no C_T bars to rank), and
    the distances to the nearest training clip."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(WIDTH, 4.8), constrained_layout=True)
    _bars(a, rows, [r["copy_rate"] for r in rows],
          title="copy rate (share nearer a training clip than 95% of unseen real clips)")
    a.set_xticks(np.arange(len(rows)), [f"{r['model']} ({r['verdict']})" for r in rows],
                 rotation=60, ha="right", fontsize=8)
    a.axhline(0.05, color="#3f6fb5", lw=0.8, ls="--")
    held = metrics[0]["arrays"]["held_nn"]
    data = [held] + [m["arrays"]["gen_nn"] for m in metrics]
    b.boxplot(data, vert=True, showfliers=False)
    b.set_xticks(np.arange(1, len(data) + 1), ["held-out"] + [m["model"] for m in metrics],
                 rotation=60, ha="right", fontsize=8)
    b.axhline(np.median(held), color="#3f6fb5", lw=0.8, ls="--")
    b.set_title("distance to the nearest training clip (0 = an exact copy)", fontsize=9)
    b.tick_params(axis="y", labelsize=8)
    _save(fig, path)


def musicality_chart(rows: list[dict], path) -> None:
    """Each descriptor's mean per model with its interval; the dashed line is held-out Bach."""
    cols = [c for c in MUSICALITY + NOTES if c.better == "ref"]
    fig, axes = _grid(len(cols), len(rows))
    for ax, col in zip(axes, cols):
        means = [r[f"{col.key}_mean"] for r in rows]
        _bars(ax, rows, means, [r[f"{col.key}_ci_low"] for r in rows],
              [r[f"{col.key}_ci_high"] for r in rows], col.label)
        ax.axhline(rows[0][f"{col.key}_reference"], color="#c0392b", lw=1, ls="--")
    fig.suptitle("Musicality descriptors (dashed red: held-out Bach)", fontsize=10)
    _save(fig, path)


def plot_all(metric_paths, table_csv, out) -> None:
    """The charts of the comparison page (``out`` has headline, distribution, memorisation,
    musicality paths)."""
    from models.io import read_json
    from models.report.table import read_table

    rows = read_table(table_csv)
    headline_chart(rows, out.headline)
    distribution_chart(rows, out.distribution)
    memorisation_chart(rows, [read_json(p) for p in metric_paths], out.memorisation)
    musicality_chart(rows, out.musicality)
