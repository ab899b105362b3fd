"""Fetch the WaveGAN piano archive and check its sha256."""
import sys

from step import start  # noqa: E402

start(snakemake)

from tqdm import tqdm  # noqa: E402

from models.data.sources import download  # noqa: E402

download(snakemake.params.url, snakemake.output.archive, snakemake.params.sha256,
         progress=lambda **kw: tqdm(file=sys.stderr, **kw))
