"""Charts of the comparison page from the gathered metric rows."""
from step import start  # noqa: E402

start(snakemake)

from models.report.comparison_plots import plot_all  # noqa: E402

plot_all(snakemake.input.metrics, snakemake.input.table, snakemake.output)
