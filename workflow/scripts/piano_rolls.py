"""Piano rolls of every piece's score, by split, for the note-level GAN."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.gan.notes_gan import write_piano_rolls  # noqa: E402

counts = write_piano_rolls(snakemake.input.manifest, snakemake.output.rolls, snakemake.threads)
print(f"rolls per split: {counts}", file=sys.stderr)
