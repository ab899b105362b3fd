"""Where published runs live: ``published/<kind>/<date>/`` (an older kind, published before
dated folders, as ``published/<kind>/``). Read when the workflow is planned, so it imports
nothing heavy; ``models.report.publish`` writes the folders."""
from __future__ import annotations

import re
from pathlib import Path

DATED = r"\d{4}-\d{2}-\d{2}"  # published/<kind>/<date>/


def newest_runs(root="published") -> list[str]:
    """The newest published run of each kind: ``<root>/<kind>/<date>/`` (the latest date) or,
    for a kind published before dated folders, ``<root>/<kind>/`` itself."""
    out = []
    for kind in sorted(p for p in Path(root).glob("*") if p.is_dir()):
        dated = sorted(p.parent for p in kind.glob("*/provenance.json")
                       if re.fullmatch(DATED, p.parent.name))
        if dated:
            out.append(str(dated[-1]))
        elif (kind / "provenance.json").is_file():
            out.append(str(kind))
    return out


def run_kind(run_dir) -> str:
    """A published run's kind, its name on the site: the folder above a dated one."""
    run_dir = Path(run_dir)
    return run_dir.parent.name if re.fullmatch(DATED, run_dir.name) else run_dir.name
