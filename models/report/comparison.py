"""The comparison page: every model against held-out Bach on every metric, and a discussion
whose sentences are filled from the numbers (nothing on the page is typed in by hand)."""
from __future__ import annotations

import math

from models.registry import MODELS, base, ranked, select, spec, token
from models.report.summary import cpu_audio_sentence
from models.report.learning import duration
from models.report.blocks import fold
from models.report.table import (DISTRIBUTION, GROUPS, HEADLINE, best, held_out_means, learned,
                                 markdown_table, statuses, tied_best)

SEED_MODELS = ("wavegan", "specgan")  # the seed preferred WaveGAN by ear


def _fmt(row: dict, key: str, digits: int = 2) -> str:
    v = row[key]
    if f"{key}_low" in row:
        return f"{v:.{digits}f} [{row[f'{key}_low']:.{digits}f}, {row[f'{key}_high']:.{digits}f}]"
    return f"{v:.{digits}f}"


def _by_model(rows):
    return {r["model"]: r for r in rows}


def baseline_sentences(rows: list[dict]) -> list[str]:
    """Do the baselines bracket the scale as they should?"""
    m = _by_model(rows)
    if not {"real_heldout", "noise"} <= m.keys():
        return []
    out = []
    real, noise = m["real_heldout"], m["noise"]
    for col in HEADLINE + DISTRIBUTION:
        label = col.label.rstrip(" ↓↑")
        if not col.interval:
            ok = col.score(real) < col.score(noise)
            out.append(f"{label}: real_heldout {real[col.key]:.3f}, noise "
                       f"{noise[col.key]:.3f} ({'in order' if ok else 'OUT OF ORDER'}).")
            continue
        if col.better == "high":
            apart = real[f"{col.key}_low"] > noise[f"{col.key}_high"]
        else:
            apart = real[f"{col.key}_high"] < noise[f"{col.key}_low"]
        out.append(f"{label}: real_heldout {_fmt(real, col.key, col.digits)} "
                   f"against noise {_fmt(noise, col.key, col.digits)}: "
                   + ("the intervals are apart." if apart else "the intervals OVERLAP."))
    return out


def closest_sentences(rows: list[dict], groups=None) -> list[str]:
    """Which model that learned is closest to real Bach on which metric (of ``groups``, lists
    of columns; default every group of the table); ties named as ties."""
    out = []
    for cols in GROUPS.values() if groups is None else groups:
        for col in cols:
            name = best(rows, col)
            if name is None:
                continue
            row = _by_model(rows)[name]
            value = f"{col.value(row):.{col.digits}f}"
            ref, dist = row.get(f"{col.key}_reference"), row.get(f"{col.key}_distance")
            if col.better == "ref" and ref is not None and dist is not None:
                # the closest distribution, which need not have the closest mean
                value += (f" against held-out Bach's {ref:.{col.digits}f}; the KS distance of "
                          f"its windows' values to Bach's is the smallest, {dist:.2f}")
            tied = sorted(tied_best(rows, col) - {name})
            tie = f"; the intervals cannot tell it from {', '.join(tied)}" if tied else ""
            out.append(f"**{col.label.rstrip(' ↓↑')}**: {name} ({value}){tie}.")
    return out


def paper_steps(models) -> dict[str, int]:
    """Each model's step count in the `paper` preset: its paper's training budget."""
    from models.config import resolve

    paper = resolve({"preset": "paper"})
    return {m: paper[base(m)]["steps"] for m in models if "steps" in paper.get(base(m), {})}


def status_lines(rows: list[dict], budgets: dict, paper_steps: dict) -> list[str]:
    """Where each model stands: its status from its headline intervals against noise, beside
    its training budget and that budget's share of its paper's steps."""
    codes = statuses(rows)
    lines = ["| model | budget | status | steps | training time | share of its paper's steps |",
             "|---|---|---|---:|---:|---:|"]
    for r in rows:
        meta = budgets.get(r["model"], {})
        if "steps" not in meta:
            continue
        paper = paper_steps.get(r["model"])
        share = f"{100 * meta['steps'] / paper:.2g}% of {paper:,}" if paper else "—"
        kind = "token" if token(r["model"]) else "main" if ranked(r["model"]) else "—"
        lines.append(f"| {r['model']} | {kind} | {codes[r['model']][1]} | {meta['steps']:,} | "
                     f"{duration(meta['train_s'])} | {share} |")
    compared = sum(1 for r in rows if codes[r["model"]][0] != "baseline")
    tokens = [r["model"] for r in rows if token(r["model"])]
    return [f"A model **learned** when one of its headline numbers is better than the noise "
            "floor's with the 95% intervals apart; only those are ranked and bolded below. "
            f"{len(learned(rows))} of the {compared} models compared learned at this budget.",
            "", *lines, "", f"A *token* budget goes to the models that exist to make a point "
            f"({', '.join(tokens) or 'none in this run'}: see each one's line in "
            "models/registry.py); the *main* budget to the models the comparison is decided "
            "on. The budgets are the preset's (its file says why).", ""]


def counted_lines(rows: list[dict]) -> list[str]:
    """What the headline leaves out or counts apart, model by model: windows below FD's
    loudness floor, and windows without harmony (fewer than two notes sounding together)."""
    from models.evaluate.suite import QUIET_DB, QUIET_MAX

    quiet = [f"{r['model']} {r['fd_quiet']}" for r in rows if r.get("fd_quiet")]
    sparse = [f"{r['model']} {r['harmony_sparse']:.0%}" for r in rows
              if r.get("harmony_sparse", 0) > 0]
    ref = next((r.get("fd_quiet_reference") for r in rows), None)
    return ["", f"Left out of FD, as quieter than {QUIET_DB:g} dBFS (when at most "
            f"{QUIET_MAX:.0%} of a set): " + (", ".join(quiet) or "no window")
            + (f"; of the reference, {ref}" if ref else "") + ". Windows without harmony "
            "(fewer than two notes sounding together; a value of their own in the harmony "
            "score, never dropped): " + (", ".join(sparse) or "none") + ".", ""]


def copying_sentences(rows: list[dict]) -> list[str]:
    flagged = [r for r in rows if r["verdict"] == "copying"]
    clean = [r for r in rows if r["verdict"] == "no copying"]
    far = [r for r in rows if r["verdict"] == "far from the data"]

    def names(rs):
        return ", ".join(f"{r['model']} (C_T {r['c_t']:.1f}, copy rate {r['copy_rate']:.2f})"
                         for r in rs) or "none"

    out = [f"Flagged as copying the training data: {names(flagged)}.",
           f"As close to the training data as unseen real music: {names(clean)}.",
           f"Further from the training data than real music: {names(far)}."]
    m = _by_model(rows)
    if "real_heldout" in m and "train_copy" in m:
        ok = m["train_copy"]["verdict"] == "copying" and m["real_heldout"]["verdict"] != "copying"
        out.append("The test separates the two real baselines: train_copy is flagged and "
                   "real_heldout is not." if ok else
                   "The test does NOT separate the real baselines at this sample size.")
    return out


def seed_verdict(rows: list[dict], budgets: dict | None = None) -> list[str]:
    """Does the table agree with the seed's listening verdict that WaveGAN beats SpecGAN?
    Every ranked column counts, and the budgets behind both are named."""
    m = _by_model(rows)
    if not set(SEED_MODELS) <= m.keys():
        return []
    cols = [c for group in GROUPS.values() for c in group if c.better != "test"]
    w, s = (m[k] for k in SEED_MODELS)
    wins = [c for c in cols if c.score(w) < c.score(s)]
    losses = [c for c in cols if c.score(w) > c.score(s)]
    agree = len(wins) > len(losses)
    codes = statuses(rows)
    steps = {k: (budgets or {}).get(k, {}).get("steps") for k in SEED_MODELS}
    budget = (f" at {steps['wavegan']:,} and {steps['specgan']:,} generator steps "
              "(the seed trained for hours)" if all(steps.values()) else "")
    out = [f"WaveGAN is closer to real Bach than SpecGAN on {len(wins)} of {len(cols)} "
           f"metrics, SpecGAN on {len(losses)}{budget}: the numbers "
           + ("agree with" if agree else "do not agree with")
           + " the seed's listening verdict that WaveGAN sounds better."]
    if any(codes[k][0] != "learned" for k in SEED_MODELS):
        out.append("At this budget " + " and ".join(f"{k} is {codes[k][1]}" for k in SEED_MODELS)
                   + ", so the count compares models that have not yet learned: it does not "
                   "test the seed's verdict.")
    return out


def seed_lstm(rows: list[dict]) -> list[str]:
    m = _by_model(rows)
    if not {"lstm_seed", "lstm_seed_teacher"} <= m.keys():
        return []
    t, f = m["lstm_seed_teacher"], m["lstm_seed"]
    return [f"The seed's LSTM judged as the seed judged it (teacher-forced, lstm_seed_teacher) "
            f"scores FD {t['fd']:.1f} and copy rate {t['copy_rate']:.2f}; the same network "
            f"left to play on its own (lstm_seed) scores FD {f['fd']:.1f}: the teacher-forced "
            "score measures the held-out audio it is fed, not the model's own music."]


def ranking(rows: list[dict]) -> list[tuple[str, float]]:
    """The models that learned, by their mean rank over the distribution metrics (1 = best)."""
    gen = learned(rows)
    ranks = {r["model"]: [] for r in gen}
    for col in DISTRIBUTION:
        for i, r in enumerate(sorted(gen, key=col.score)):
            ranks[r["model"]].append(i + 1)
    return sorted(((k, sum(v) / len(v)) for k, v in ranks.items()), key=lambda kv: kv[1])


def long_form_lines(rows: list[dict], seams: dict) -> list[str]:
    """The long-form pieces: their windows' two headline numbers (every model that makes them)
    and the seam figures of the models that join clips (the GANs)."""
    long = [r for r in rows if not math.isnan(r.get("long_fd", math.nan))]  # CSV: NaN if none
    lines = []
    if long:
        lines += ["", "## Long-form pieces", "",
                  f"The long-form pieces, cut into the same {long[0]['window']:,}-sample windows "
                  "as every clip (all of them, or as many as the clips' windows if there are "
                  "more), measured by the two headline numbers against the same held-out "
                  "reference windows:", "",
                  "| model | windows | audio realism (FD log-mel) | musicality (note overlap) |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {r['model']} | {r['long_n_windows']} | {_fmt(r, 'long_fd')} | "
                  f"{_fmt(r, 'long_musicality', 3)} |" for r in long]
    joined = {m: i for m, i in seams.items() if "seam flux ratio" in i}
    if not joined:
        return lines
    lines += ["", "### Seams" if long else "## Long-form seams", "",
              "GANs make fixed-length clips; their long-form pieces join clips of a slow latent "
              "walk by crossfades. Spectral flux at the joins over the flux inside clips (1: the "
              "joins change no more than the music does), and the largest sample step at a join "
              "over the largest inside clips:", "",
              "| model | clips per piece | crossfade (s) | seam flux ratio | seam step ratio |",
              "|---|---:|---:|---:|---:|"]
    lines += [f"| {m} | {i['clips per piece']} | {i['crossfade (s)']:.3f} | "
              f"{i['seam flux ratio']:.2f} | {i['seam step ratio']:.2f} |"
              for m, i in joined.items()]
    return lines


def comparison_page(rows: list[dict], preset: str, header: str,
                    seams: dict | None = None, note_section: list[str] = (),
                    budgets: dict | None = None, paper_steps: dict | None = None,
                    learning: list[str] = ()) -> str:
    """``note_section``: the note-level section's lines (models/report/note_level.py);
    ``budgets``: each trained model's model.json; ``paper_steps``: its paper's step count;
    ``learning``: the quality-against-compute section (models/report/learning.py)."""
    rank = ranking(rows)
    lines = [header, "# Comparison", "",
             f"Preset **{preset}**: every model measured on {rows[0]['n_windows']} windows of "
             f"{rows[0]['window']:,} samples (a model that makes longer clips is cut into "
             f"windows of this length like every other) against {rows[0]['n_reference']} "
             f"held-out reference windows of real Bach (pieces no model trained on), and "
             f"{rows[0]['n_train']} training clips for the memorisation test. The answer "
             "first; the per-metric tables and charts are folded under *Every metric*, and "
             "longer detail elsewhere in blocks like them (click a block to open it).",
             "", "## The headline", "",
             "Three numbers lead: **audio realism**, a Fréchet distance between the model's "
             "and held-out Bach's audio (0 = the same); **musicality**, how much the notes "
             "basic-pitch transcribes from the model's audio overlap with held-out Bach's in "
             "seven note statistics (MGEval's overlap area, 1 = the same); and **harmony**, "
             "how much the pitches that sound together in those notes (dissonance, chords, "
             "key, scale) overlap with held-out Bach's (1 = the same). random_pitch, held-out "
             "Bach with every note at a random pitch, is the bar for harmony: a model above it "
             "learned more than rhythm and piano sound. Why these three is on "
             "[Does the metric work?](validity.md).", "",
             markdown_table(rows, HEADLINE), *counted_lines(rows),
             "![audio realism and musicality with 95% intervals](img/comparison/headline.png)",
             "", "## What the numbers say", "", "### Closest to real Bach, per metric", ""]
    others = [cols for cols in GROUPS.values() if cols is not HEADLINE]
    lines += [f"- {s}" for s in closest_sentences(rows, [HEADLINE])] + [""] + fold(
        "Closest to real Bach on every other metric",
        [f"- {s}" for s in closest_sentences(rows, others)])
    if rank:
        lines += ["", "Mean rank over the distribution metrics, of the models that learned: "
                  + ", ".join(f"{k} {v:.1f}" for k, v in rank) + "."]
    elif not learned(rows):
        lines += ["", "No model learned at this budget (none is better than noise on a "
                  "headline number), so none is named closest or ranked."]
    lines += ["", "### The scale: baselines", ""] + [f"- {s}" for s in baseline_sentences(rows)]
    lines += ["", "### Copying", ""] + [f"- {s}" for s in copying_sentences(rows)]
    extra = seed_verdict(rows, budgets) + seed_lstm(rows)
    if extra:
        lines += ["", "### The seed study's claims", ""] + [f"- {s}" for s in extra]
    cpu = cpu_audio_sentence(budgets or {})
    lines += ["", "## Where each model stands", "", *([cpu, ""] if cpu else []),
              *status_lines(rows, budgets or {}, paper_steps or {})]
    lines += list(note_section)
    lines += ["", *learning]
    lines += ["## Every metric", "",
              "Intervals are 95%: FD a bootstrap over windows, KD subsets of half the windows, "
              "descriptor means a bootstrap over windows, musicality a bootstrap over windows of "
              "both sets. The embedding behind each metric is named "
              "in its column and on the [method](method.md#metrics) page. Bold: the best "
              "model that learned in the column, and every model that learned whose interval "
              "cannot be told from its (baselines are the scale: "
              + "; ".join(f"{m} {spec(m).role}" for m in select([r["model"] for r in rows
                                                                  if base(r["model"]) in MODELS],
                                                                 baseline=True))
              + "; a diagnostic such as lstm_seed_teacher, fed real audio, is shown but not "
              "ranked). The copying test is a verdict, not a score: it is never bolded.", ""]
    ref = held_out_means(rows)
    for title, cols in GROUPS.items():
        if cols is not HEADLINE:   # the headline table leads the page
            lines += fold(title, markdown_table(rows, cols, ref).split("\n"))
    lines += fold("Charts: distribution metrics, memorisation, musicality descriptors", [
        "![distribution metrics with 95% intervals](img/comparison/distribution.png)", "",
        "![memorisation test](img/comparison/memorisation.png)", "",
        "![musicality descriptors](img/comparison/musicality.png)"])
    lines += long_form_lines(rows, seams or {})
    lines += ["", "What numbers cannot say (originality, culture, ethics) is on the "
              "[discussion](discussion.md) page.", "",
              "Download every number: [table.csv](results/table.csv)."]
    return "\n".join(lines) + "\n"
