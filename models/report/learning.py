"""Quality against training compute: the learning-curve figure, the matched-compute table and
the sentences on the curves' trend, from the snapshots' headline numbers
(``models.evaluate.learning``) and the comparison table's baseline rows."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from models.io import read_json  # noqa: E402
from models.registry import base, family, spec, token  # noqa: E402
from models.report.benchmark import si  # noqa: E402
from models.report.blocks import fold  # noqa: E402
from models.report.plots import WIDTH, _save  # noqa: E402
from models.report.table import HEADLINE, status, versus  # noqa: E402

BANDS = {"real_heldout": ("held-out Bach", "#2e7d32"), "noise": ("noise", "#9e9e9e")}
AXES = (("seconds", "training seconds"), ("flops", "training FLOPs"))


def read_curves(paths) -> dict[str, list[dict]]:
    """{model: its snapshot rows, by step} from the snapshot_metrics outputs."""
    out = {}
    for p in paths:
        got = read_json(p)
        out[got["model"]] = got["rows"]
    return out


def _numbers(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x > 0


def learning_chart(curves: dict[str, list[dict]], rows: list[dict], path) -> None:
    """The headline numbers (rows) against training seconds and FLOPs (columns, log axes),
    one line per model with its 95% intervals as a shaded band; held-out Bach and noise as
    horizontal bands of their intervals."""
    base = {r["model"]: r for r in rows if r["model"] in BANDS}
    fig, axes = plt.subplots(len(HEADLINE), 2, figsize=(WIDTH, 3.4 * len(HEADLINE) + 1.2),
                             constrained_layout=True, squeeze=False)
    for i, col in enumerate(HEADLINE):
        for j, (x_key, x_label) in enumerate(AXES):
            ax = axes[i, j]
            for name, (label, colour) in BANDS.items():
                if _finite(base.get(name, {}).get(col.key)):
                    ax.axhspan(base[name][f"{col.key}_low"], base[name][f"{col.key}_high"],
                               color=colour, alpha=0.18, lw=0)
                    ax.axhline(base[name][col.key], color=colour, lw=0.8, ls="--",
                               label=label)
            for model, pts in curves.items():
                pts = [p for p in pts if _numbers(p.get(x_key)) and _finite(p.get(col.key))]
                if not pts:
                    continue
                x = [p[x_key] for p in pts]
                line, = ax.plot(x, [p[col.key] for p in pts], "o-", ms=3, lw=1.2,
                                ls="-" if family(model) == "GAN" else "--",
                                label=f"{model} ({family(model) or '?'})")
                ax.fill_between(x, [p[f"{col.key}_low"] for p in pts],
                                [p[f"{col.key}_high"] for p in pts], color=line.get_color(),
                                alpha=0.12, lw=0)
            ax.set_xscale("log")
            if col.better == "low":
                ax.set_yscale("log")
            ax.set_xlabel(x_label + (" (the first step's compilation included)"
                                     if x_key == "seconds" else ""), fontsize=8)
            ax.set_ylabel(col.label, fontsize=8)
            ax.tick_params(labelsize=8)
    handles, labels = axes[0, 1].get_legend_handles_labels()   # below the panels: their width
    fig.legend(handles, labels, fontsize=8, loc="outside lower center", ncol=4)
    fig.suptitle("Quality against training compute (solid: GANs, dashed: LSTMs and RNNs; "
                 "bands: 95% intervals)", fontsize=10)
    _save(fig, path)


def duration(seconds: float) -> str:
    """'42 s' under two minutes, '5.3 min' above."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def matched_compute(curves: dict[str, list[dict]]
                    ) -> tuple[str, float, dict[str, dict | None]]:
    """(measure, level, {model: its last snapshot at or below the level, None if its first
    one is already above}): the largest compute every model reached (token-budget
    models aside), in FLOPs where every snapshot counts them, else seconds."""
    key = "flops" if all(_numbers(p.get("flops")) for pts in curves.values() for p in pts) \
        else "seconds"
    reached = {m: max(p[key] for p in pts) for m, pts in curves.items()
               if pts and not token(m)}
    if not reached:  # only token models: they set the level themselves
        reached = {m: max(p[key] for p in pts) for m, pts in curves.items() if pts}
    if not reached:
        return key, 0.0, {}
    level = min(reached.values())
    at = {m: max((p for p in pts if p[key] <= level), key=lambda p: p[key], default=None)
          for m, pts in curves.items() if pts}
    return key, level, at


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _ci(p: dict, key: str, digits: int) -> str:
    if not _finite(p.get(key)):
        return "n/a"
    return (f"{p[key]:.{digits}f} <small>[{p[f'{key}_low']:.{digits}f}, "
            f"{p[f'{key}_high']:.{digits}f}]</small>")


LEVELS = {"notes": "note-level models (trained on the scores' notes)",
          "audio": "raw-audio models (trained on the clips)"}


def matched_table(curves: dict[str, list[dict]], rows: list[dict]) -> list[str]:
    """The matched-compute tables, one per level (note-level models first: the comparison is
    decided there), each at the largest compute every model of that level reached, with the
    sentence that says what is matched and where it is cut."""
    lines = []
    for level, words in LEVELS.items():
        group = {m: pts for m, pts in curves.items() if spec(base(m)).level == level}
        if group:
            lines += level_table(group, rows, words)
    return lines


def level_table(curves: dict[str, list[dict]], rows: list[dict], words: str) -> list[str]:
    """One level's matched-compute table (``matched_table``)."""
    key, level, at = matched_compute(curves)
    if not at:
        return []
    noise = next((r for r in rows if r["model"] == "noise"), None)
    amount = si(level, "FLOP") if key == "flops" else f"{level:.3g} s of training"
    tokens = [m for m in curves if token(m)]
    lines = [f"**The {words} at matched compute**: each at its last snapshot at or below "
             f"{amount}, the largest compute every one of them reached, measured like the "
             f"final models. Matched on {'FLOPs' if key == 'flops' else 'training seconds'}; "
             "steps and training seconds (the first step's compilation included) beside them."
             + (f" The token-budget models ({', '.join(tokens)}) do not set this level: their "
                "whole run may end below it." if tokens else ""), "",
             "| model | family | steps | training (s) | compute | audio realism (FD) ↓ | "
             "musicality ↑ | harmony ↑ | status at this compute |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for model, p in sorted(at.items(), key=lambda kv: kv[1]["fd"] if kv[1] else math.inf):
        if p is None:
            first = curves[model][0]
            lines.append(f"| {model} | {family(model) or '?'} | — | — | — | — | — | — | "
                         f"its first snapshot ({first['steps']:,} steps) is already above |")
            continue
        words_ = status({"model": model, **p}, noise)[1]
        flops = si(p["flops"], "FLOP") if _numbers(p.get("flops")) else "—"
        lines.append(f"| {model} | {family(model) or '?'} | {p['steps']:,} | "
                     f"{p['seconds']:.0f} | {flops} | {_ci(p, 'fd', 1)} | "
                     f"{_ci(p, 'musicality', 3)} | {_ci(p, 'harmony', 3)} | {words_} |")
    return lines + [""]


def trend(pts: list[dict]) -> str:
    """What a model's curve did, interval by interval: its first snapshot against its last, and
    for a curve that improved, its last two snapshots (is it still rising at the end?)."""
    if len(pts) < 2:
        return "one point only"
    first, last = pts[0], pts[-1]
    moves = {c.label.split(":")[0]: versus(last, first, c) for c in HEADLINE}
    better = [k for k, v in moves.items() if v == "better"]
    worse = [k for k, v in moves.items() if v == "worse"]
    if better and not worse:
        ends = [k for k in better if versus(last, pts[-2], _column(k)) == "better"]
        if ends or len(pts) == 2:
            return (f"still improving ({' and '.join(better)} better at the end than at the "
                    f"start{', and than at the snapshot before' if ends and len(pts) > 2 else ''})")
        return (f"improved, then levelled ({' and '.join(better)} better than at the start; "
                "the last two snapshots cannot be told apart)")
    if worse and not better:
        return f"got worse ({' and '.join(worse)})"
    if better:
        return f"mixed ({' and '.join(better)} better, {' and '.join(worse)} worse)"
    return "flat: the first and last snapshots cannot be told apart"


def _column(label: str):
    return next(c for c in HEADLINE if c.label.split(":")[0] == label)


def trend_sentences(curves: dict[str, list[dict]]) -> list[str]:
    return [f"{m} ({pts[-1]['steps']:,} steps, {duration(pts[-1]['seconds'])}): {trend(pts)}."
            for m, pts in curves.items() if pts]


def learning_section(curves: dict[str, list[dict]], rows: list[dict], img: str) -> list[str]:
    """The comparison page's section on quality against compute: the figure, the matched
    tables, the trends (folded)."""
    if not curves:
        return []
    n = sorted({len(p) for p in curves.values()})
    per = f"{n[0]}" if len(n) == 1 else f"{n[0]} to {n[-1]}"
    return ["## Quality against training compute", "",
            "How long must a model train before it sounds like anything? Each neural model kept "
            "snapshots of its generator at log-spaced steps (1, 2, 4, ... epochs of its "
            f"curve, and the last; {per} per model), and "
            "each snapshot made the same seeded set the final model made, measured by the two "
            "headline numbers.", "",
            f"![headline numbers against training seconds and FLOPs]({img})", "",
            *matched_table(curves, rows),
            *fold("Trend of each curve, first snapshot to last (95% intervals apart or not)",
                  [f"- {s}" for s in trend_sentences(curves)])]
