"""Generate N seeded clips from one model's checkpoint."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.registry import generate  # noqa: E402

names = generate(snakemake.wildcards.model, snakemake.input.checkpoint, snakemake.output.samples,
                 snakemake.params.n, snakemake.params.seed, snakemake.params.cfg,
                 snakemake.params.n_long, snakemake.params.long_seconds)
print(f"wrote {len(names)} clips", file=sys.stderr)
