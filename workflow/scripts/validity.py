"""Measure one degradation of the validity panel: every rung of held-out Bach, whole suite."""
import sys
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.evaluate.degrade import write_validity  # noqa: E402

rows = write_validity(snakemake.wildcards.degradation, Path(snakemake.input.index).parent,
                      snakemake.input.clean[0], snakemake.input.reference, snakemake.input.train,
                      snakemake.output.rows, snakemake.params.eval, snakemake.params.sample_rate,
                      snakemake.params.n_clips, snakemake.params.seed)
for row in rows:
    print(f"rung {row['rung']} ({row['strength']}): FD {row['fd']:.2f}, FD musicnn "
          f"{row['fd_musicnn']:.2f}, musicality {row['musicality']:.3f}", file=sys.stderr)
