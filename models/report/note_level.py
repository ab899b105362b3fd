"""The comparison page's "Note level: GAN vs LSTM" section, every sentence from the numbers.

At the note level both families learn on a CPU, so this is where the study's question can be
answered at the compute a preset has: the registry's note-level models (level "notes"; today
notes_lstm over note tokens and notes_gan over piano rolls), trained on the same scores for a
matched wall-clock budget, each LSTM set against each GAN (``registry.pairings``), measured by
the headline numbers on their rendered audio and by musicality on their own notes
(models/evaluate/note_level.py), beside the baselines that bracket the scale.
"""
from __future__ import annotations

import math

from models.registry import MODELS, base, family, pairings, ranked, select, spec
from models.report.benchmark import si
from models.report.blocks import fold
# (key in the row, what it is called, better: "high" or "low", digits)
MEASURES = (("harmony_notes", "harmony on the notes themselves", "high", 3),
            ("harmony", "harmony of the transcribed audio", "high", 3),
            ("musicality_notes", "musicality on the notes themselves", "high", 3),
            ("musicality", "musicality of the transcribed audio", "high", 3),
            ("fd", "audio realism (FD log-mel)", "low", 1))
MATCHED = 0.2  # training times within 20% of each other count as matched compute


def interval(row: dict, key: str, digits: int) -> str:
    return (f"{row[key]:.{digits}f} [{row[f'{key}_low']:.{digits}f}, "
            f"{row[f'{key}_high']:.{digits}f}]")


def closer(a: dict, b: dict, key: str, better: str) -> int:
    """1 if ``a`` is closer to held-out Bach than ``b`` on ``key`` with disjoint 95% intervals,
    -1 if ``b`` is, 0 if the intervals overlap (the data cannot tell them apart)."""
    if better == "high":
        return 1 if a[f"{key}_low"] > b[f"{key}_high"] else \
            -1 if b[f"{key}_low"] > a[f"{key}_high"] else 0
    return 1 if a[f"{key}_high"] < b[f"{key}_low"] else \
        -1 if b[f"{key}_high"] < a[f"{key}_low"] else 0


def rows_of(table: list[dict], note_level: dict, random_pitch: dict | None) -> dict:
    """{name: row} for the section: the two note models and the baselines, each with the
    audio numbers of the metric table and ``musicality_notes*`` from the note-level measure."""
    audio = {r["model"]: r for r in table}
    notes = note_level["rows"]
    out = {}
    for name in (*note_models(notes), "real_heldout", "random_pitch", "noise"):
        row = dict(audio.get(name, random_pitch if name == "random_pitch" else None) or {})
        if name in notes:
            n = notes[name]
            row.update({f"{k}_notes{end}": n[f"{k}{end}"] for k in ("musicality", "harmony")
                        for end in ("", "_low", "_high") if f"{k}{end}" in n},
                       notes_per_window=n["notes_per_window"])
        if row:
            out[name] = row
    return out


def note_models(names) -> list[str]:
    """The note-level models among ``names`` (rows of the note-level measure), the registry's
    order (a model's seeds after it)."""
    order = list(MODELS)
    return sorted((m for m in names if base(m) in MODELS and spec(m).level == "notes"),
                  key=lambda m: (order.index(base(m)), m))


def counters(models) -> list[str]:
    """The counting baselines among the note-level ``models``: the bar a neural one must beat."""
    return select(models, role="counting")


def _cell(row: dict, key: str, digits: int) -> str:
    if f"{key}_low" not in row or not math.isfinite(row.get(key, math.nan)):
        return "—"
    return interval(row, key, digits)


def _budget(meta: dict | None) -> str:
    if not meta or "steps" not in meta:
        return "—"
    flops = meta.get("flops_per_step")
    total = f", {si(meta['steps'] * flops, 'FLOP')}" if flops else ""
    return f"{meta['steps']:,} steps, {meta['train_s']:.0f} s{total}"


LABELS = {"real_heldout": "held-out Bach (ceiling)", "ngram": "n-gram counts (ngram)",
          "random_pitch": "random pitches, the corpus's rhythm",
          "noise": "noise (floor)"}


def table_lines(rows: dict, budgets: dict) -> list[str]:
    head = "| model | family | training | " + " | ".join(
        f"{label} {'↑' if better == 'high' else '↓'}" for _, label, better, _ in MEASURES)
    lines = [head + " | notes per window |", "|---|---|---|" + "---:|" * (len(MEASURES) + 1)]
    for name, row in rows.items():
        per = row.get("notes_per_window")
        lines.append(f"| {LABELS.get(name, name)} | {family(name) or 'baseline'} | "
                     f"{_budget(budgets.get(name))} | "
                     + " | ".join(_cell(row, k, d) for k, _, _, d in MEASURES)
                     + f" | {'—' if per is None else f'{per:.1f}'} |")
    return lines


def feature_lines(notes: dict) -> list[str]:
    """What the harmony score is made of, on the notes themselves: each feature's mean over the
    windows with its 95% interval, held-out Bach's reference windows first."""
    from models.evaluate.harmony import FEATURES, LABELS as NAMES

    first = next((r for r in notes.values() if "harmony_dissonance_reference" in r), None)
    if first is None:
        return []
    lines = ["| notes of | " + " | ".join(NAMES[f] for f in FEATURES)
             + " | windows without harmony |", "|---|" + "---:|" * (len(FEATURES) + 1),
             "| *held-out scores (reference)* | " + " | ".join(
                 f"*{first[f'harmony_{f}_reference']:.3f}*" for f in FEATURES)
             + f" | *{first['harmony_sparse_reference']:.0%}* |"]
    for name in (*note_models(notes), "real_heldout", "random_pitch"):
        r = notes.get(name)
        if r is None or "harmony_dissonance_mean" not in r:
            continue
        cells = [("n/a" if not math.isfinite(r[f"harmony_{f}_mean"]) else
                  f"{r[f'harmony_{f}_mean']:.3f} [{r[f'harmony_{f}_ci_low']:.3f}, "
                  f"{r[f'harmony_{f}_ci_high']:.3f}]") for f in FEATURES]
        lines.append(f"| {LABELS.get(name, name)} | " + " | ".join(cells)
                     + f" | {r['harmony_sparse']:.0%} |")
    return ["", "What the harmony on the notes is made of (a window without harmony has fewer "
            "than two notes sounding together; it counts as a value of its own, not dropped):",
            ""] + lines + [""]


def budget_sentence(budgets: dict, a: str, b: str) -> str:
    """How ``a``'s and ``b``'s training budgets compare, in every measure the run has: seconds
    (what a preset's max_minutes caps), FLOPs counted from the layers, steps, and the
    precision each trained in; matched only where seconds are within MATCHED."""
    ma, mb = budgets[a], budgets[b]
    flops = {m: meta["steps"] * meta["flops_per_step"] for m, meta in ((a, ma), (b, mb))
             if meta.get("flops_per_step") and meta.get("steps")}

    def ratio(x, y):
        return f"{max(x, y) / min(x, y):.2g}×" if min(x, y) > 0 else "—"

    measures = [f"training seconds {ratio(ma['train_s'], mb['train_s'])}"]
    if len(flops) == 2:
        measures.append(f"FLOPs {ratio(flops[a], flops[b])}")
    measures.append(f"steps {ratio(ma['steps'], mb['steps'])}")
    precisions = {ma.get("precision", "float32"), mb.get("precision", "float32")}
    spread = abs(ma["train_s"] - mb["train_s"]) / (max(ma["train_s"], mb["train_s"]) or 1)
    return (f"Training budgets: {a} {_budget(ma)}, {ma.get('precision', 'float32')}; "
            f"{b} {_budget(mb)}, {mb.get('precision', 'float32')}. Apart by "
            + ", ".join(measures) + ". "
            + ("Matched in training seconds (within 20%)" if spread <= MATCHED else
               "NOT matched in training seconds (more than 20% apart)")
            + ("; FLOPs are not matched" if len(flops) == 2 and
               max(flops.values()) / min(flops.values()) > 1 + MATCHED else "")
            + ("; they trained in different precisions" if len(precisions) > 1 else "") + ".")


def pair_sentences(rows: dict, budgets: dict, a: str, b: str) -> list[str]:
    """LSTM ``a`` against GAN ``b``: their budgets, then which is closer to held-out Bach,
    measure by measure."""
    lstm, gan = rows[a], rows[b]
    out = []
    if all("train_s" in budgets.get(m, {}) for m in (a, b)):
        out.append(budget_sentence(budgets, a, b))
    for key, label, better, digits in MEASURES:
        if f"{key}_low" not in lstm or f"{key}_low" not in gan:
            continue
        side = closer(lstm, gan, key, better)
        pair = (f"LSTM {a} {interval(lstm, key, digits)} against GAN {b} "
                f"{interval(gan, key, digits)}")
        if side == 0:
            out.append(f"On {label} the intervals overlap ({pair}): the data cannot tell "
                       "the two families apart.")
        else:
            out.append(f"On {label} the {'LSTM' if side > 0 else 'GAN'} is closer to held-out "
                       f"Bach ({pair}; the 95% intervals do not overlap).")
    return out


def pair_lines(rows: dict, budgets: dict) -> list[str]:
    """Each LSTM against each GAN of the note level (the registry's families), measure by
    measure."""
    return [s for a, b in pairings(note_models(rows), "notes")
            for s in pair_sentences(rows, budgets, a, b)]


def verdict_sentences(rows: dict, budgets: dict) -> list[str]:
    """Every note-level model against the baselines, and every neural one against the counting
    baseline (n-gram counts of the same tokens)."""
    models = note_models(rows)
    out = []
    on_notes = (("harmony_notes", "harmony on notes", "high", 3),
                ("harmony", "harmony (transcribed)", "high", 3))
    for name in models:
        row = rows[name]
        against = [("random_pitch", *m) for m in on_notes] + [
            ("random_pitch", "musicality", "musicality (transcribed)", "high", 3),
            ("random_pitch", "musicality_notes", "musicality on notes", "high", 3),
            ("noise", "fd", "audio realism", "low", 1)]
        if ranked(name):
            against += [(m, *c) for m in counters(models) for c in on_notes]
        for bar, key, label, better, digits in against:
            ref = rows.get(bar, {})
            if f"{key}_low" not in ref or f"{key}_low" not in row:
                continue
            side = closer(row, ref, key, better)
            word = {1: "better than", 0: "not distinguishable from", -1: "worse than"}[side]
            out.append(f"{name} is {word} {LABELS.get(bar, bar)} on {label}: "
                       f"{interval(row, key, digits)} against {interval(ref, key, digits)}.")
    for name in models:
        row = rows[name]
        if "musicality_notes" in row and math.isfinite(row.get("musicality", math.nan)):
            out.append(f"The transcriber moves {name}'s musicality from "
                       f"{row['musicality_notes']:.3f} on its notes to "
                       f"{row['musicality']:.3f} on its audio.")
    return out


def note_level_lines(table: list[dict], note_level: dict | None, budgets: dict,
                     random_pitch: dict | None = None) -> list[str]:
    """The section's Markdown lines (none without the note-level measure)."""
    if not note_level:
        return []
    rows = rows_of(table, note_level, random_pitch)
    models = "; ".join(f"{m} ({family(m) or 'no family'}): {spec(m).about}"
                       for m in note_models(rows))
    return (["", "## Note level: GAN vs LSTM", "",
             f"The note-level models learn from the same training scores ({models}). Each is "
             "rendered with the data stage's SoundFont "
             "and measured like every model, and also on its own notes against "
             f"{note_level['n_reference']} windows of the held-out scores "
             f"({note_level['n_windows']} windows of {note_level['window_s']:.3f} s each; "
             "95% intervals). The random-pitch row keeps the held-out scores' rhythm and draws "
             "every pitch at random: a model must beat it to show it learned more than rhythm.",
             ""] + table_lines(rows, budgets) + [""]
            + fold("What the harmony on the notes is made of, feature by feature",
                   feature_lines(note_level["rows"]))
            + [f"- {s}" for s in pair_lines(rows, budgets)] + [""]
            + fold("Every note-level model against every bar (random pitches, noise, n-gram)",
                   [f"- {s}" for s in verdict_sentences(rows, budgets)]))
