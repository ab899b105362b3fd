"""The metric table: which columns exist, which way is better, and its CSV and Markdown forms.

A column is better ``low`` (a distance), ``high`` (an overlap, 1 = like held-out Bach), ``one``
(ratios to the held-out set), ``ref`` (a descriptor whose held-out mean is the target; ranked
by the distance between distributions stored beside it) or ``test`` (the copying test: a
verdict, never ranked or bolded). Bold marks the best generative model per column; the three
baselines are the scale, and the teacher-forced seed LSTM a diagnostic (it is fed real audio),
so neither competes.

The headline numbers lead every table (``HEADLINE``): audio realism, musicality and harmony;
why these is on the site's "Does the metric work?" page, from the validity panel. A row that
lacks a column (a published run measured before it existed) shows n/a there and never wins.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from models.evaluate import harmony
from models.evaluate.suite import same_windows
from models.io import atomic_path, read_json, write_text
from models.registry import ranked, spec


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    better: str          # low | high | one | ref | test
    interval: bool = False
    digits: int = 2

    def score(self, row: dict) -> float:
        """Smaller is better, for ranking models on this column."""
        if self.better == "test":
            return math.inf
        v = row.get(f"{self.key}_distance" if self.better == "ref" else self.key)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return math.inf
        return {"low": v, "high": -v, "one": abs(v - 1), "ref": v}[self.better]

    def value(self, row: dict) -> float:
        return row.get(f"{self.key}_mean" if self.better == "ref" else self.key, math.nan)


REALISM = Column("fd", "audio realism: FD log-mel ↓", "low", True)
MUSICALITY_OA = Column("musicality", "musicality: note overlap ↑", "high", True, 3)
HARMONY = Column("harmony", "harmony: pitch overlap ↑", "high", True, 3)
HEADLINE = (REALISM, MUSICALITY_OA, HARMONY)
DISTRIBUTION = (
    Column("fd", "FD log-mel ↓", "low", True),
    Column("fd_musicnn", "FD musicnn ↓", "low", True),
    Column("kd_logmel", "KD log-mel ↓", "low", True, 3),
    Column("kd_chroma", "KD chroma ↓", "low", True, 3),
    Column("kd_musicnn", "KD musicnn ↓", "low", True, 3),
    Column("ndb_k", "NDB/K ↓", "low"),
    Column("ndb_js", "NDB JS ↓", "low", digits=3),
)
MEMORISATION = (
    Column("c_t", "copying test (C_T, cells used)", "test"),
    Column("copy_rate", "copy rate ↓", "low"),
    Column("nn_ratio", "NN ratio (→1)", "one"),
    Column("diversity", "diversity (→1)", "one"),
    Column("self_nn", "D_self (→1)", "one"),
)
MUSICALITY = (
    Column("descriptor_distance", "descriptor distance ↓", "low"),
    Column("pc_hist", "pitch-class hist. ↓", "low", digits=3),
    Column("key_clarity", "key clarity", "ref", True),
    Column("pc_entropy", "pc entropy (bits)", "ref", True),
    Column("onset_rate", "onsets/s", "ref", True, 1),
    Column("flatness", "flatness", "ref", True, 4),
    Column("silence", "silence", "ref", True),
)
NOTES = (
    Column("notes_polyphony", "polyphony", "ref", True),
    Column("notes_pitch_range", "pitch range", "ref", True, 1),
    Column("notes_in_scale", "in-scale ratio", "ref", True),
    Column("notes_note_rate", "notes/s", "ref", True, 1),
)
MGEVAL = tuple(Column(f"mg_{k}_oa", label, "high", digits=2) for k, label in (
    ("pc_hist", "pitch classes"), ("pc_transition", "pc transitions"),
    ("pitch_range", "pitch range"), ("interval_hist", "intervals"), ("ioi_hist", "onset gaps"),
    ("note_count", "note count"), ("note_length_hist", "note lengths")))
HARMONY_FEATURES = tuple(Column(f"harmony_{k}", harmony.LABELS[k].rstrip(" ↓↑"), "ref", True, 3)
                         for k in harmony.FEATURES)
GROUPS = {"Headline: audio realism, musicality and harmony": HEADLINE,
          "Harmony per feature (transcribed notes; mean over windows, 95% interval)":
              HARMONY_FEATURES,
          "Distribution (against held-out Bach)": DISTRIBUTION,
          "Memorisation and diversity (log-mel clip embedding)": MEMORISATION,
          "Musicality descriptors (audio)": MUSICALITY,
          "Note-level figures (basic-pitch transcription)": NOTES,
          "Musicality per note feature (overlap area, 1 = like held-out Bach)": MGEVAL}


def scalar_fields(rows: list[dict]) -> list[str]:
    fields = ["model"]
    for r in rows:
        fields += [k for k, v in r.items() if k not in fields and not isinstance(v, (dict, list))]
    return fields


def versus(row: dict, base: dict, col: Column) -> str:
    """'better', 'worse' or 'tied': ``row`` against ``base`` on an interval column, decided by
    whether the 95% intervals are apart."""
    lo, hi = row.get(f"{col.key}_low"), row.get(f"{col.key}_high")
    b_lo, b_hi = base.get(f"{col.key}_low"), base.get(f"{col.key}_high")
    if any(v is None or math.isnan(v) for v in (lo, hi, b_lo, b_hi)):
        return "tied"
    if col.better == "low":
        return "better" if hi < b_lo else "worse" if lo > b_hi else "tied"
    return "better" if lo > b_hi else "worse" if hi < b_lo else "tied"


def status(row: dict, noise: dict | None) -> tuple[str, str]:
    """(code, words) of a model from its headline intervals against the noise floor: learned
    (better than noise on a headline number), noise (not distinguishable from it), worse
    (worse than noise on every headline number both were measured on), copying (the copying test flags it), or baseline."""
    if not ranked(row["model"]):
        return "baseline", ("diagnostic: fed real audio" if spec(row["model"]).role ==
                            "diagnostic" else "baseline")
    if row.get("verdict") == "copying":
        return "copying", "copying the training data"
    if noise is None:
        return "learned", "learned (no noise floor in this run to test against)"
    against = {c: versus(row, noise, c) for c in HEADLINE  # those both rows were measured on
               if f"{c.key}_low" in row and f"{c.key}_low" in noise}
    better = [c.label.split(":")[0] for c, v in against.items() if v == "better"]
    if better:
        only = "" if len(better) == len(against) else f" on {' and '.join(better)} only"
        return "learned", f"learned: better than noise{only}"
    if all(v == "worse" for v in against.values()):
        return "worse", "worse than noise"
    return "noise", "not distinguishable from noise"


def statuses(rows: list[dict]) -> dict[str, tuple[str, str]]:
    noise = next((r for r in rows if r["model"] == "noise"), None)
    return {r["model"]: status(r, noise) for r in rows}


PLAYS = 0.5  # "plays notes": the transcriber hears a note in more than this share of windows
FLOORS = ("envelope_noise", "noise")  # the hardest floor present sets the spectrum's bar
CLAIMS = ("spectrum", "notes", "harmony")


def claims(row: dict, rows: list[dict]) -> dict[str, bool | None]:
    """What a model's output has learned, one bar each (None: the bar was not measured):
    ``spectrum`` closer to held-out Bach's than the hardest noise floor's (FD, 95% intervals
    apart), ``notes`` heard by the transcriber in more than PLAYS of its windows, ``harmony``
    better than random_pitch's (intervals apart). Its output is music when all three hold."""
    by = {r["model"]: r for r in rows}
    floor = next((by[f] for f in FLOORS if f in by), None)
    bar = by.get("random_pitch")
    heard = row.get("no_note_share")
    return {"spectrum": None if floor is None else versus(row, floor, REALISM) == "better",
            "notes": None if heard is None or math.isnan(heard) else 1 - heard > PLAYS,
            "harmony": None if bar is None or "harmony_low" not in row
            else versus(row, bar, HARMONY) == "better"}


def claim_floor(rows: list[dict]) -> str | None:
    """The floor the spectrum claim is judged against in these rows."""
    names = {r["model"] for r in rows}
    return next((f for f in FLOORS if f in names), None)


NOTE_KEYS = ("notes_", "mg_", "harmony_")  # columns measured on the transcribed notes
FEW_NOTES = 0.05  # below this share of held-out Bach's note rate, a note figure says nothing


def degenerate(row: dict, col: Column) -> str | None:
    """Why ``row``'s value on ``col`` has nothing behind it, or None: no value; a note figure
    of a model the transcriber hears (almost) no notes in (a note rate under ``FEW_NOTES`` of
    held-out Bach's); a figure the same in every window (an interval of one point, e.g. a
    pitch range of 0). Such a value is shown with its reason and never ranked."""
    v = col.value(row)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "no value"
    if col.key.startswith(NOTE_KEYS):
        rate, ref = row.get("notes_note_rate_mean"), row.get("notes_note_rate_reference")
        if rate is not None and ref and rate < FEW_NOTES * ref:
            return "no notes heard" if rate == 0 else "almost no notes heard"
    lo, hi = row.get(f"{col.key}_ci_low"), row.get(f"{col.key}_ci_high")
    if col.interval and col.better == "ref" and lo is not None and lo == hi:
        return "the same in every window"
    return None


def learned(rows: list[dict]) -> list[dict]:
    """The rows that compete: generative models better than noise on a headline number."""
    codes = statuses(rows)
    return [r for r in rows if codes[r["model"]][0] == "learned"]


def best(rows: list[dict], col: Column) -> str | None:
    """The learned model that scores best on ``col`` (None if there is none); a degenerate
    value (``degenerate``) does not compete."""
    contenders = [r for r in learned(rows) if degenerate(r, col) is None]
    if not contenders or col.better == "test":
        return None
    top = min(contenders, key=col.score)
    return top["model"] if math.isfinite(col.score(top)) else None


def tied_best(rows: list[dict], col: Column) -> set[str]:
    """The best learned model on ``col`` and every learned model the intervals cannot tell
    from it (distances and overlaps with intervals; otherwise the best alone)."""
    top = best(rows, col)
    if top is None:
        return set()
    if not (col.interval and col.better in ("low", "high")):
        return {top}
    row = {r["model"]: r for r in rows}[top]
    return {r["model"] for r in learned(rows) if r["model"] == top
            or (versus(r, row, col) == "tied" and degenerate(r, col) is None)}


def text_cell(text) -> str:
    """Free text as one Markdown table cell: a pipe would split it, a newline end the row."""
    return str(text).replace("|", "/").replace("\n", " ")


def cell(row: dict, col: Column, bold: bool) -> str:
    if col.better == "test":
        ct = row["c_t"]
        number = "" if math.isnan(ct) else f"C_T {ct:.1f}, "
        return f"{row['verdict']} ({number}{row['cells_used']}/{row['cells']} k-means cells)"
    v = col.value(row)
    why = degenerate(row, col)
    if why == "no value":
        return "n/a"
    if why and col.key.startswith(NOTE_KEYS) and "notes" in why:
        return f"n/a <small>({why})</small>"
    text = f"{v:.{col.digits}f}" + (f" <small>({why})</small>" if why else "")
    text = f"**{text}**" if bold else text
    if col.interval:
        lo = row[f"{col.key}_ci_low" if col.better == "ref" else f"{col.key}_low"]
        hi = row[f"{col.key}_ci_high" if col.better == "ref" else f"{col.key}_high"]
        text += f" <small>[{lo:.{col.digits}f}, {hi:.{col.digits}f}]</small>"
    return text


def markdown_table(rows: list[dict], columns, reference: dict | None = None) -> str:
    """Rows models, columns metrics with intervals; the best learned model bold, with every
    learned model tied with it. ``reference`` (held-out means of the descriptor columns) adds a
    first row for those."""
    winners = {c.key: tied_best(rows, c) for c in columns}
    lines = ["| model | " + " | ".join(c.label for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    if reference:
        lines.append("| *held-out Bach* | " + " | ".join(
            f"*{reference[c.key]:.{c.digits}f}*" if c.better == "ref"
            and math.isfinite(reference[c.key]) else "" for c in columns) + " |")
    for r in rows:
        lines.append(f"| {r['model']} | " + " | ".join(
            cell(r, c, r["model"] in winners[c.key]) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def held_out_means(rows: list[dict]) -> dict:
    """The held-out set's mean of each descriptor column (the same in every row)."""
    return {c.key: rows[0].get(f"{c.key}_reference", math.nan) for cols in GROUPS.values()
            for c in cols if c.better == "ref"}


def all_tables(rows: list[dict]) -> str:
    ref = held_out_means(rows)
    return "\n".join(f"### {title}\n\n" + markdown_table(rows, cols, ref)
                     for title, cols in GROUPS.items())


def write_table(metric_paths, csv_path, md_path) -> list[dict]:
    """One row per model (in the order given) as CSV (every scalar) and Markdown tables.
    Refuses rows measured on windows of different lengths or counts."""
    rows = [read_json(p) for p in metric_paths]
    same_windows({r["model"]: r for r in rows})
    with atomic_path(csv_path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, scalar_fields(rows), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    write_text(md_path, all_tables(rows))
    return rows


def read_table(csv_path) -> list[dict]:
    """Rows of table.csv with numbers as numbers (empty cells as NaN)."""
    def num(v: str):
        if v == "":
            return math.nan
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v

    with open(Path(csv_path), newline="") as fh:
        return [{k: (v if k in ("model", "verdict") else num(v)) for k, v in r.items()}
                for r in csv.DictReader(fh)]
