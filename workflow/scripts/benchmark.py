"""Write the benchmark CSV: training and generation speed of every trained model."""

from step import start  # noqa: E402

start(snakemake)

from models.report.benchmark import write_benchmark  # noqa: E402

write_benchmark(snakemake.params.models, snakemake.input.checkpoints, snakemake.input.samples,
                snakemake.params.log_every, snakemake.output.csv, snakemake.params.threads)
