"""The metric row of one model: its features against the reference and training features."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.evaluate.suite import evaluate_model  # noqa: E402

row = evaluate_model(snakemake.wildcards.model, snakemake.input.features,
                     snakemake.input.reference, snakemake.input.train, snakemake.output.metrics,
                     snakemake.params.eval)
print(f"{row['n_windows']} windows of {row['window']} samples: FD {row['fd']:.3f} "
      f"[{row['fd_low']:.3f}, {row['fd_high']:.3f}]; musicality {row['musicality']:.3f} "
      f"[{row['musicality_low']:.3f}, {row['musicality_high']:.3f}]; copying test "
      f"{row['verdict']} (C_T {row['c_t']:.2f}, {row['cells_used']} cells)", file=sys.stderr)
