"""Train one model of the registry into its checkpoint folder."""
import sys
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.registry import spec, train  # noqa: E402
from models.train.loop import enable_compile_cache  # noqa: E402

if spec(snakemake.wildcards.model).steps:  # a network (a baseline never imports Keras: 5 s)
    enable_compile_cache(snakemake.params.cache_dir)

meta = train(snakemake.wildcards.model, Path(snakemake.input.manifest).parent,
             snakemake.output.checkpoint, snakemake.params.cfg, snakemake.params.state_dir)
print(f"trained {meta['model']} in {meta['train_s']:.2f} s", file=sys.stderr)
