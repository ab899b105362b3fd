"""The metric table: which columns exist, which way is better, and its CSV and Markdown forms.

A column is better ``low`` (a distance), ``high`` (an overlap, 1 = like held-out Bach), ``one``
(ratios to the held-out set), ``ref`` (a descriptor whose held-out mean is the target; ranked
by the distance between distributions stored beside it) or ``test`` (the copying test: a
verdict, never ranked or bolded). Bold marks the best generative model per column; the three
baselines are the scale, and the teacher-forced seed LSTM a diagnostic (it is fed real audio),
so neither competes.

The two headline numbers lead every table (``HEADLINE``); why these two is on the site's "Does
the metric work?" page, from the validity panel.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from models.evaluate.suite import same_windows
from models.io import atomic_path, read_json, write_text
from models.registry import NOT_RANKED


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
        v = row[f"{self.key}_distance"] if self.better == "ref" else row[self.key]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return math.inf
        return {"low": v, "high": -v, "one": abs(v - 1), "ref": v}[self.better]

    def value(self, row: dict) -> float:
        return row[f"{self.key}_mean"] if self.better == "ref" else row[self.key]


REALISM = Column("fd", "audio realism: FD log-mel ↓", "low", True)
MUSICALITY_OA = Column("musicality", "musicality: note overlap ↑", "high", True, 3)
HEADLINE = (REALISM, MUSICALITY_OA)
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
    Column("self_nn", "|D|self (→1)", "one"),
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
GROUPS = {"Headline: audio realism and musicality": HEADLINE,
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


def best(rows: list[dict], col: Column) -> str | None:
    """The generative model that scores best on ``col`` (None if there is none)."""
    contenders = [r for r in rows if r["model"] not in NOT_RANKED]
    if not contenders or col.better == "test":
        return None
    top = min(contenders, key=col.score)
    return top["model"] if math.isfinite(col.score(top)) else None


def text_cell(text) -> str:
    """Free text as one Markdown table cell: a pipe would split it, a newline end the row."""
    return str(text).replace("|", "/").replace("\n", " ")


def cell(row: dict, col: Column, bold: bool) -> str:
    if col.better == "test":
        ct = row["c_t"]
        number = "" if math.isnan(ct) else f"C_T {ct:.1f}, "
        return f"{row['verdict']} ({number}{row['cells_used']}/{row['cells']} cells)"
    v = col.value(row)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    text = f"{v:.{col.digits}f}"
    text = f"**{text}**" if bold else text
    if col.interval:
        lo = row[f"{col.key}_ci_low" if col.better == "ref" else f"{col.key}_low"]
        hi = row[f"{col.key}_ci_high" if col.better == "ref" else f"{col.key}_high"]
        text += f" [{lo:.{col.digits}f}, {hi:.{col.digits}f}]"
    return text


def markdown_table(rows: list[dict], columns, reference: dict | None = None) -> str:
    """Rows models, columns metrics with intervals; best generative model bold. ``reference``
    (held-out means of the descriptor columns) adds a first row for those."""
    winners = {c.key: best(rows, c) for c in columns}
    lines = ["| model | " + " | ".join(c.label for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    if reference:
        lines.append("| *held-out Bach* | " + " | ".join(
            f"*{reference[c.key]:.{c.digits}f}*" if c.better == "ref" else ""
            for c in columns) + " |")
    for r in rows:
        lines.append(f"| {r['model']} | " + " | ".join(
            cell(r, c, winners[c.key] == r["model"]) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def held_out_means(rows: list[dict]) -> dict:
    """The held-out set's mean of each descriptor column (the same in every row)."""
    return {c.key: rows[0][f"{c.key}_reference"] for cols in GROUPS.values() for c in cols
            if c.better == "ref"}


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
