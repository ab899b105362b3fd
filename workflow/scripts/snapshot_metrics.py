"""The headline numbers of every training snapshot of one model: quality against compute."""
from step import start  # noqa: E402

start(snakemake)

from models.evaluate.learning import measure  # noqa: E402

p = snakemake.params
measure(snakemake.wildcards.model, snakemake.input.checkpoint, snakemake.input.reference,
        snakemake.input.final, snakemake.output.rows, p.cfg, p.eval, p.n, p.seed, p.window)
