"""Embeddings and descriptors of one set of clips: a model's samples, the held-out reference
clips or the training clips (which one follows from the rule's inputs)."""
import sys
from pathlib import Path

from step import start  # noqa: E402

start(snakemake)

from models.evaluate import suite  # noqa: E402

ev, sr, out = snakemake.params.eval, snakemake.params.sample_rate, snakemake.output.features
if "samples" in snakemake.input.keys():
    n = suite.write_model_features(snakemake.input.samples, out, ev, sr,
                                   snakemake.params.window, snakemake.params.n_windows)
elif "train" in snakemake.input.keys():
    n = suite.write_train_features(Path(snakemake.input.index).parent, out, ev, sr)
else:
    n = suite.write_reference_features(Path(snakemake.input.index).parent, out, ev, sr)
print(f"{out}: features of {n} windows", file=sys.stderr)
