"""The validity panel's CSV and one chart per degradation."""

from step import start  # noqa: E402

start(snakemake)

from models.report.validity import plot_panel  # noqa: E402

plot_panel(snakemake.input.rows, snakemake.output.csv,
           dict(zip(snakemake.params.degradations, snakemake.output.charts)))
