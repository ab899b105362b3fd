"""Waveplot and log-mel spectrogram of a model's clips beside a real held-out clip."""
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.report.plots import plot_model  # noqa: E402

plot_model(snakemake.wildcards.model, snakemake.input.samples, Path(snakemake.input.index).parent,
           snakemake.output.waveplot, snakemake.output.spectrogram, snakemake.params.n,
           snakemake.params.eval)
