"""Training curves of one model: critic loss, Wasserstein estimate, gradient penalty, generator loss."""
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.report.plots import plot_curves  # noqa: E402

plot_curves(snakemake.wildcards.model, Path(snakemake.input.checkpoint) / "curves.csv",
            snakemake.output.curves)
