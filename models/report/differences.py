"""The method page's "Differences from the papers" section, generated from the models' paper
recipes (models/report/recipes.py) and the run's configuration: one row per model and setting
where the run differs from the paper, with the config keys that restore the paper's choice."""
from __future__ import annotations

from models.report.recipes import differences
from models.report.table import text_cell

MARKER = "<!-- differences from the papers -->"   # in docs/method.md: the table goes there
COLUMNS = ("model", "what", "paper", "ours", "why", "key")
HEADERS = ("model", "setting", "the paper", "this run", "why", "config that restores it")


def differences_table(cfg: dict, models, preset: str) -> str:
    rows = differences(cfg, models)
    if not rows:
        return f"In preset **{preset}** every model follows its paper's recipe.\n"
    lines = [f"Generated for preset **{preset}** from `models/report/recipes.py` and this run's "
             f"configuration: {len(rows)} settings where a model differs from its paper. Rows "
             "without a config key are differences in the code itself.", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(text_cell(r[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines) + "\n"
