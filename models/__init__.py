"""bachgen: neural music generation on J. S. Bach's keyboard music, GANs vs LSTMs.

The importable half of the project: audio I/O, data preparation, the model registry, metrics,
plots and site pages. The Snakemake workflow in ``workflow/`` calls these functions through thin
scripts; the tests import them directly.
"""
