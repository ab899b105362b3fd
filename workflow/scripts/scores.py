"""Scores (SVG, first bars) and MIDI of a model's listening clips and long-form pieces."""
from step import start  # noqa: E402

start(snakemake)

from models.report.score import write_scores  # noqa: E402

write_scores(snakemake.input.samples, snakemake.output.scores, snakemake.params.n,
             snakemake.params.sample_rate)
