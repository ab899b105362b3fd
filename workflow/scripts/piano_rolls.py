"""Piano rolls of every piece's score, by split, for the models that need them."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.data.scores import write_piano_rolls  # noqa: E402

counts = write_piano_rolls(snakemake.input.manifest, snakemake.output.rolls, snakemake.threads,
                           snakemake.params.needed_by)
print(f"rolls per split: {counts}", file=sys.stderr)
