"""bachgen: neural music generation on J. S. Bach's music, GANs vs LSTMs.

The importable half of the project, one sub-package per stage of the workflow, in data-flow
order: ``data`` (audio and clips), ``train`` (what every trainer shares), ``gan`` and ``seq``
(the networks; ``baselines`` and ``registry`` beside them), ``evaluate`` (measuring clips) and
``report`` (tables, figures, pages). ``audio`` and ``io`` are shared by every stage; ``config``
reads a run's settings. The Snakemake workflow in ``workflow/`` calls these functions through
thin scripts; the tests import them directly.
"""
