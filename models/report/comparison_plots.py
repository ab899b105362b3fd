"""Charts of the comparison page: distribution metrics with error bars, the memorisation test,
and the musicality descriptors beside the held-out set's values."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from models.registry import NOT_RANKED  # noqa: E402
from models.report.plots import _save  # noqa: E402
from models.report.table import DISTRIBUTION, MUSICALITY, NOTES  # noqa: E402

BASE, MODEL = "#9e9e9e", "#3f6fb5"


def _colours(rows):
    return [BASE if r["model"] in NOT_RANKED else MODEL for r in rows]


def _bars(ax, rows, values, lows=None, highs=None, title="", log=False):
    x = np.arange(len(rows))
    values = np.asarray(values, float)
    err = None
    if lows is not None:
        err = np.abs(np.stack([values - np.asarray(lows, float),
                               np.asarray(highs, float) - values]))
    ax.bar(x, values, color=_colours(rows), yerr=err, capsize=2, error_kw={"lw": 0.8})
    ax.set_xticks(x, [r["model"] for r in rows], rotation=60, ha="right", fontsize=7)
    ax.set_title(title, fontsize=9)
    if log and np.all(values > 0):
        ax.set_yscale("log")
    ax.tick_params(axis="y", labelsize=7)


def distribution_chart(rows: list[dict], path) -> None:
    """One panel per distribution metric; error bars are the 95% intervals; baselines grey."""
    cols = DISTRIBUTION
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.5), constrained_layout=True)
    for ax, col in zip(axes.flat, cols):
        lows = [r[f"{col.key}_low"] for r in rows] if col.interval else None
        highs = [r[f"{col.key}_high"] for r in rows] if col.interval else None
        _bars(ax, rows, [r[col.key] for r in rows], lows, highs, col.label,
              log=col.key == "fd")
        ax.axhline(0, color="black", lw=0.5)
    fig.suptitle("Distance to held-out Bach (lower is closer; grey: baselines and the "
                 "teacher-forced diagnostic)", fontsize=10)
    _save(fig, path)


def memorisation_chart(rows: list[dict], metrics: list[dict], path,
                       threshold: float = 3.0) -> None:
    """C_T per model with the copying band, and the distances to the nearest training clip."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    ct = np.nan_to_num([r["c_t"] for r in rows])
    _bars(a, rows, ct, title="data-copying statistic C_T (below the red line: copying)")
    a.axhline(-threshold, color="#c0392b", lw=1, ls="--")
    a.axhline(threshold, color="#7f8c8d", lw=1, ls=":")
    a.axhline(0, color="black", lw=0.5)
    held = metrics[0]["arrays"]["held_nn"]
    data = [held] + [m["arrays"]["gen_nn"] for m in metrics]
    b.boxplot(data, vert=True, showfliers=False)
    b.set_xticks(np.arange(1, len(data) + 1), ["held-out"] + [m["model"] for m in metrics],
                 rotation=60, ha="right", fontsize=7)
    b.axhline(np.median(held), color="#3f6fb5", lw=0.8, ls="--")
    b.set_title("distance to the nearest training clip (0 = an exact copy)", fontsize=9)
    b.tick_params(axis="y", labelsize=7)
    _save(fig, path)


def musicality_chart(rows: list[dict], path) -> None:
    """Each descriptor's mean per model with its interval; the dashed line is held-out Bach."""
    cols = [c for c in MUSICALITY + NOTES if c.better == "ref"]
    ncol = 3
    nrow = int(np.ceil(len(cols) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(11, 3.2 * nrow), constrained_layout=True)
    for ax, col in zip(axes.flat, cols):
        means = [r[f"{col.key}_mean"] for r in rows]
        _bars(ax, rows, means, [r[f"{col.key}_ci_low"] for r in rows],
              [r[f"{col.key}_ci_high"] for r in rows], col.label)
        ax.axhline(rows[0][f"{col.key}_reference"], color="#c0392b", lw=1, ls="--")
    for ax in list(axes.flat)[len(cols):]:
        ax.set_visible(False)
    fig.suptitle("Musicality descriptors (dashed red: held-out Bach)", fontsize=10)
    _save(fig, path)


def plot_all(metric_paths, table_csv, out, threshold: float) -> None:
    """The three charts of the comparison page (``out`` has distribution, memorisation,
    musicality paths)."""
    from models.io import read_json
    from models.report.table import read_table

    rows = read_table(table_csv)
    distribution_chart(rows, out.distribution)
    memorisation_chart(rows, [read_json(p) for p in metric_paths], out.memorisation, threshold)
    musicality_chart(rows, out.musicality)
