"""Generate the MkDocs source of the site: hand-written pages plus pages built from results."""

from step import start  # noqa: E402

start(snakemake)

from models.report.site import build_pages  # noqa: E402

build_pages(snakemake.input, snakemake.output.src, snakemake.params.preset,
            snakemake.params.models, snakemake.params.n_players, snakemake.params.clip_length,
            snakemake.params.published, snakemake.params.benchmarks,
            snakemake.params.model_config, snakemake.params.threads)
