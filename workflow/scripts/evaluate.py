"""The metric row of one model: its features against the reference and training features."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.evaluate.suite import evaluate_model  # noqa: E402

row = evaluate_model(snakemake.wildcards.model, snakemake.input.features,
                     snakemake.input.reference, snakemake.input.train, snakemake.output.metrics,
                     snakemake.params.eval)
print(f"FD {row['fd']:.3f} [{row['fd_low']:.3f}, {row['fd_high']:.3f}]; KD log-mel "
      f"{row['kd_logmel']:.4f}; NDB/K {row['ndb_k']:.2f}; C_T {row['c_t']:.2f} "
      f"({row['verdict']})", file=sys.stderr)
