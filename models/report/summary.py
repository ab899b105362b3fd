"""The home page's answer, generated from one run's numbers: what was compared at what compute,
which family is closer to held-out Bach (by ear's proxies: the audio and its transcribed notes),
how far from real, what the learning curves' trend says, and what more compute would likely
change. Every sentence comes from the table, the budgets and the snapshot curves."""
from __future__ import annotations

import datetime as dt

from models.registry import family, own, ranked, spec
from models.report.learning import duration, trend
from models.report.seeds import FIGURE as FIGURE_OF_SEEDS
from models.report.table import (CLAIMS, HARMONY, HEADLINE, MUSICALITY_OA, PLAYS, REALISM,
                                 claim_floor, claims, statuses, versus)

FIGURES = (("the two headline numbers, every model, 95% intervals", "img/comparison/headline.png"),
           ("headline numbers against training seconds and FLOPs", "img/comparison/learning.png"))


def _names(models) -> str:
    return ", ".join(models) or "none"


def _count(n: int, kind: str) -> str:
    """'1 was flat', '3 were still improving', '2 improved, then levelled'."""
    if kind in ("still improving", "flat"):
        return f"{n} {'was' if n == 1 else 'were'} {kind}"
    return f"{n} {kind}"


def _ci(row: dict, col) -> str:
    d = col.digits
    return f"{row[col.key]:.{d}f} [{row[f'{col.key}_low']:.{d}f}, {row[f'{col.key}_high']:.{d}f}]"


def family_sentence(rows: list[dict], col, what: str) -> str:
    """Which family's best model that learned is closer on ``col``, or that the data cannot
    tell them apart, or that a family has no model that learned."""
    codes = statuses(rows)
    what = what[0].upper() + what[1:]
    best = {}
    for fam in ("GAN", "LSTM"):
        mine = [r for r in rows if family(r["model"]) == fam
                and codes[r["model"]][0] == "learned"]
        if mine:
            best[fam] = min(mine, key=col.score)
    missing = [f for f in ("GAN", "LSTM") if f not in best]
    if missing:
        return (f"{what}: no {' and no '.join(missing)} model learned at this "
                "budget, so the families cannot be compared there.")
    g, s = best["GAN"], best["LSTM"]
    verdict = versus(g, s, col)
    pair = (f"the best GAN, {g['model']}, {_ci(g, col)}, against the best LSTM, "
            f"{s['model']}, {_ci(s, col)}")
    if verdict == "tied":
        return f"{what}: the data cannot tell the families apart ({pair})."
    closer = "GANs" if verdict == "better" else "LSTMs"
    return f"{what}: the {closer} are closer to held-out Bach ({pair})."


def distance_sentence(rows: list[dict]) -> str:
    """How far the closest model that learned is from held-out Bach."""
    m = {r["model"]: r for r in rows}
    codes = statuses(rows)
    ok = [r for r in rows if codes[r["model"]][0] == "learned"]
    if not ok or "real_heldout" not in m:
        return ""
    real = m["real_heldout"]
    top = min(ok, key=REALISM.score)
    mus = max(ok, key=lambda r: r[MUSICALITY_OA.key])
    return (f"How far from real: the most realistic model, {top['model']}, has an FD of "
            f"{top['fd']:.1f} against held-out Bach's own {real['fd']:.1f} (a second held-out "
            f"draw); the most musical, {mus['model']}, has a musicality of "
            f"{mus['musicality']:.3f} against held-out Bach's {real['musicality']:.3f}.")


def music_sentence(rows: list[dict]) -> str:
    """Which models' output is music (all three claims hold), which hold some, which none."""
    compared = [r for r in rows if ranked(r["model"])]
    if not compared:
        return ""
    floor = claim_floor(rows)
    held = {r["model"]: claims(r, rows) for r in compared}
    music = [m for m, c in held.items() if all(c.values())]
    some = [f"{m} ({', '.join(k for k in CLAIMS if c[k])}; not "
            f"{', '.join(k for k in CLAIMS if c[k] is False)})"
            for m, c in held.items() if any(c.values()) and not all(c.values())]
    none = [m for m, c in held.items() if not any(c.values())]
    unmeasured = [k for k in CLAIMS if any(c[k] is None for c in held.values())]
    return (f"**Which make music.** A model's output is called music here when three claims "
            f"hold, each on its own bar: its *spectrum* is closer to held-out Bach's than "
            f"{floor or 'a noise floor'}'s (audio realism, 95% intervals apart), the "
            f"transcriber hears *notes* in more than {PLAYS:.0%} of its windows, and its "
            "*harmony* is better than random_pitch's, held-out Bach with every pitch random "
            f"(intervals apart). Music: {_names(music)}. Some of the three: {_names(some)}. "
            f"None: {_names(none)}."
            + (f" Not measured in this run: the {' and '.join(unmeasured)} bar." if unmeasured
               else ""))


def trend_sentences(curves: dict[str, list[dict]]) -> list[str]:
    """What the curves' ends say, and what more compute would likely change."""
    if not curves:
        return ["This run kept no training snapshots, so it cannot say how quality moves with "
                "compute."]
    ends = {m: trend(pts) for m, pts in curves.items() if pts}
    kinds = {k: [m for m, t in ends.items() if t.startswith(k)]
             for k in ("still improving", "improved, then levelled", "flat", "got worse",
                       "mixed")}
    parts = [f"{_count(len(v), k)} ({_names(v)})" for k, v in kinds.items() if v]
    out = [f"Learning curves, first snapshot against last and last against the one before, "
           f"of {len(ends)} models: {'; '.join(parts) or 'none had two snapshots'}."]
    if kinds["still improving"]:
        out.append("More compute would likely move the still-improving ones further; how far "
                   "cannot be read off curves this short.")
    if kinds["improved, then levelled"]:
        out.append("The levelled ones gained early and not between their last two snapshots; "
                   "more of the same may buy little.")
    if kinds["flat"]:
        out.append("The flat ones show no gain over the budget they had; more of the same "
                   "steps is not evidence they would start to learn.")
    return out


def summary_lines(rows: list[dict], curves: dict, budgets: dict, preset: str,
                  data: str) -> list[str]:
    """The summary's sentences (Markdown list items and paragraphs, no heading), on each model's
    own run: its extra seeds answer in the seeds' section (models/report/seeds.py), so no
    sentence here picks a model's best seed."""
    runs = set(own([r["model"] for r in rows]) + own(curves))
    rows = [r for r in rows if r["model"] in runs]
    curves = {m: c for m, c in curves.items() if m in runs}
    codes = statuses(rows)
    compared = [r["model"] for r in rows if ranked(r["model"])]  # baselines are the scale
    stepped = [m for m in compared if "steps" in budgets.get(m, {})]  # trained with steps
    seconds = [budgets[m]["train_s"] for m in stepped]
    gans = [m for m in compared if family(m) == "GAN"]
    lstms = [m for m in compared if family(m) in ("LSTM", "RNN")]
    others = [m for m in compared if m not in gans + lstms]
    device = next((budgets[m].get("device") for m in stepped if budgets[m].get("device")), "")
    by = {c: [m for m in compared if codes[m][0] == c] for c in ("learned", "noise", "worse",
                                                                 "copying")}
    lines = [f"**What was compared.** {len(gans)} GANs ({_names(gans)}) and {len(lstms)} "
             f"LSTMs and RNNs ({_names(lstms)})"
             + (f", and {len(others)} other ({_names(others)})" if others else "")
             + f", trained on the same data ({data}) at the `{preset}` preset's budget"
             + (f": {duration(min(seconds))} to {duration(max(seconds))} each" if seconds
                else "") + (f" on {device}" if device else "") + ".", "",
             f"**Which learned.** {len(by['learned'])} of {len(compared)} models are better than "
             f"noise on at least one headline number: {_names(by['learned'])}. Not "
             f"distinguishable from noise: {_names(by['noise'])}."
             + (f" Worse than noise: {_names(by['worse'])}." if by["worse"] else "")
             + (f" Copying: {_names(by['copying'])}." if by["copying"] else ""), "",
             "**Which family is closer to held-out Bach** (95% intervals):", "",
             f"- {family_sentence(rows, HEADLINE[0], 'at audio level (FD of log-mel frames)')}",
             f"- {family_sentence(rows, HEADLINE[1], 'at note level (transcribed notes)')}",
             f"- {family_sentence(rows, HARMONY, 'on harmony (transcribed notes)')}", ""]
    music = music_sentence(rows)
    if music:
        lines += [music, ""]
    far = distance_sentence(rows)
    if far:
        lines += [far, ""]
    lines += [" ".join(trend_sentences(curves)), ""]
    cpu = cpu_audio_sentence({m: budgets.get(m, {}) for m in compared})
    return lines + ([cpu, ""] if cpu else [])


def on_cpu(meta: dict) -> bool:
    return str(meta.get("device", "")).startswith("CPU")


def cpu_audio_sentence(budgets: dict) -> str | None:
    """The raw-audio models that trained on a CPU, said to be too short to judge, or None."""
    audio = [m for m, meta in budgets.items() if "steps" in meta and on_cpu(meta)
             and spec(m).level == "audio"]
    if not audio:
        return None
    return (f"**The raw-audio models ({_names(audio)}) are not trained enough on a CPU to "
            "judge**: this run gave them a token budget, enough to run their code path; see "
            "the gpu preset.")


def runs_table(published: list[tuple[str, dict]], preset: str, commit: str,
               machine: str) -> list[str]:
    """The runs a site shows, one line each: which, when, on what, at which commit (a
    published run's numbers are as its commit's metric code measured them), and its budget."""
    lines = ["The site shows these runs, each with its own pages in the menu:", "",
             "| run | preset | date | machine | commit | training |", "|---|---|---|---|---|---|"]
    for kind, prov in published:
        trained = prov.get("trained", {})
        minutes = sum(t.get("train_s") or 0 for t in trained.values()) / 60
        lines.append(f"| published `{kind}` | {prov['preset']} | {prov['date'][:10]} | "
                     f"{prov.get('device') or 'CPU'} | `{prov['commit'][:7]}` | "
                     f"{len(trained)} trainings, {minutes:.0f} min in all |")
    today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    lines += [f"| this build | {preset} | {today} | {machine} | `{commit[:7]}` | "
              f"see its benchmark page |", "",
              "A published run's numbers are as the metric code of its commit measured them; "
              "where the code has changed since, this build's numbers for the same model may "
              "differ, and only numbers of one run are set against each other.", ""]
    return lines


MARKER = "<!-- summary -->"  # in docs/index.md: the generated answer goes there


def home_page(template: str, header: str, summary: dict, prefix: str, source: str,
              runs: list[str] = ()) -> str:
    """docs/index.md with the answer of one run (its ``summary.json``: preset and lines) where
    MARKER stands, and that run's two figures under it; ``prefix`` is the run's folder on the
    site ('' or 'runs/<name>/'), ``source`` names the run; ``runs``: the lines of the table of
    the runs the site shows (``runs_table``)."""
    figures = [f"![{alt}]({prefix}{path})" for alt, path in FIGURES]
    block = ["## The answer so far", "",
             f"Generated from {source}; every number below is on "
             f"its [comparison]({prefix}comparison.md) page with its interval"
             + ("; every run the site shows is listed under "
                "[the runs on this site](#the-runs-on-this-site)." if runs else "."), "",
             *[line.replace(f"]({FIGURE_OF_SEEDS})", f"]({prefix}{FIGURE_OF_SEEDS})")
               for line in summary.get("seeds", [])],
             *summary["lines"], *[f for fig in figures for f in (fig, "")],
             *(["## The runs on this site", "", *runs] if runs else [])]
    return header + template.replace(MARKER, "\n".join(block))
