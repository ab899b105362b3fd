"""Held-out real Bach at every clip length of the run, for the listening page."""
from step import start  # noqa: E402

start(snakemake)

from models.report.real_excerpts import write_real_excerpts  # noqa: E402

write_real_excerpts(snakemake.input.manifest, snakemake.input.samples,
                    snakemake.output.excerpts, snakemake.params.long_seconds,
                    snakemake.params.sample_rate)
