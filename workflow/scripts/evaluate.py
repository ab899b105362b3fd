"""The metric row of one model."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.evaluation import evaluate_model  # noqa: E402

row = evaluate_model(snakemake.wildcards.model, snakemake.input.samples,
                     snakemake.input.reference, snakemake.output.metrics, snakemake.params.eval)
print(f"FD {row['fd']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]", file=sys.stderr)
