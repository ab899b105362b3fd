"""Gather the per-model metric rows into one CSV and one Markdown table."""

from step import start  # noqa: E402

start(snakemake)

from models.report.table import write_table  # noqa: E402

write_table(snakemake.input.metrics, snakemake.output.csv, snakemake.output.md)
