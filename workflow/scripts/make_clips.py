"""Cut the pieces into fixed-length clips per split."""
import sys
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.data.clips import make_clips  # noqa: E402
from models.data.prepare import read_manifest  # noqa: E402

counts = make_clips(read_manifest(snakemake.input.manifest), Path(snakemake.output.index).parent,
                    length=snakemake.params.clips["length"],
                    silence_db=snakemake.params.silence_db,
                    max_per_piece=snakemake.params.clips["max_per_piece"])
print(f"clips per split: {counts}", file=sys.stderr)
