"""The opening every step script shares: its stderr goes to the rule's log, and the project's
``models`` package is importable (Snakemake puts this folder, not the repository, on sys.path)."""
import os
import sys
import tempfile
from pathlib import Path


def start(snakemake) -> None:
    sys.stderr = open(snakemake.log[0], "w", buffering=1)
    # numba (librosa) caches compiled code beside the package; jobs starting at the same moment
    # on a many-core machine raced on that cache and died with SIGSEGV. One cache per job.
    os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="numba-"))
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
