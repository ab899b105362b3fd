"""SpecGAN's per-frequency normalisation moments from the training clips."""
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.gan.model import write_stft_moments  # noqa: E402

write_stft_moments(Path(snakemake.input.train).parent, snakemake.output.moments)
