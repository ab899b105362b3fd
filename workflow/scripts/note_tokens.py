"""Note tokens of every piece's score, by split, for the models that need them."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.data.scores import write_note_tokens  # noqa: E402

counts = write_note_tokens(snakemake.input.manifest, snakemake.output.tokens, snakemake.threads,
                           snakemake.params.needed_by)
print(f"tokens per split: {counts}", file=sys.stderr)
