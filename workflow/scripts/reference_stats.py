"""Log-mel statistics of the held-out reference clips, shared by every model's evaluation."""
import sys
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.evaluation import write_reference_stats  # noqa: E402

n = write_reference_stats(Path(snakemake.input.index).parent, snakemake.output.stats,
                          snakemake.params.eval)
print(f"reference: {n} clips", file=sys.stderr)
