"""The opening every step script shares: its stderr goes to the rule's log, and the project's
``models`` package is importable (Snakemake puts this folder, not the repository, on sys.path)."""
import sys
from pathlib import Path


def start(snakemake) -> None:
    sys.stderr = open(snakemake.log[0], "w", buffering=1)
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
