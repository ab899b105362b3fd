"""Note tokens of every piece's score, by split, for the note-level LSTM."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.seq.notes_lstm import write_note_tokens  # noqa: E402

counts = write_note_tokens(snakemake.input.manifest, snakemake.output.tokens, snakemake.threads)
print(f"tokens per split: {counts}", file=sys.stderr)
