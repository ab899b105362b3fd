"""bachgen: neural music generation on J. S. Bach's music, GANs vs LSTMs.

The importable half of the project, one sub-package per stage of the workflow, in data-flow
order: ``data`` (audio and clips), ``train`` (what every trainer shares), ``gan`` and ``seq``
(the networks; ``baselines`` and ``registry`` beside them), ``evaluate`` (measuring clips) and
``report`` (tables, figures, pages). ``audio`` and ``io`` are shared by every stage; ``config``
reads a run's settings. The Snakemake workflow in ``workflow/`` calls these functions through
thin scripts; the tests import them directly.
"""
from models import numba_cache as _numba_cache

# Before anything imports numba: this process's own numba cache (parallel jobs writing one
# cache crash later runs; see models/numba_cache.py).
_numba_cache.use_private()
