"""The home page's figure: every seed's harmony against training core-minutes."""
from step import start  # noqa: E402

start(snakemake)

from models.report.learning import read_curves  # noqa: E402
from models.report.seeds import seeds_chart  # noqa: E402
from models.report.table import read_table  # noqa: E402

seeds_chart(read_curves(snakemake.input.snapshots), read_table(snakemake.input.table),
            snakemake.params.models, snakemake.params.threads, snakemake.output.chart)
