"""The comparison page's first figure: headline numbers against training compute."""
from step import start  # noqa: E402

start(snakemake)

from models.report.learning import learning_chart, read_curves  # noqa: E402
from models.report.table import read_table  # noqa: E402

learning_chart(read_curves(snakemake.input.snapshots), read_table(snakemake.input.table),
               snakemake.output.chart)
