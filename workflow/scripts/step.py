"""The opening every step script shares: its stderr goes to the rule's log (a crash from a signal
too: the signal and the Python frames it hit, by faulthandler), and the project's ``models``
package is importable (Snakemake puts this folder, not the repository, on sys.path); importing
it gives the job a numba cache of its own (models/numba_cache.py)."""
import faulthandler
import os
import sys
from pathlib import Path


def start(snakemake) -> None:
    sys.stderr = open(snakemake.log[0], "w", buffering=1)
    faulthandler.enable(file=sys.stderr, all_threads=True)
    # The job's threads for TensorFlow's own pools too (Snakemake sets OMP_NUM_THREADS and the
    # BLAS variables, which TensorFlow does not read): two one-thread jobs, two cores.
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(name, str(snakemake.threads))
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
