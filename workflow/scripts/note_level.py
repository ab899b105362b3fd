"""Musicality and harmony of the note models on their own notes, against the held-out scores."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.evaluate.note_level import write_note_level  # noqa: E402

out = write_note_level(dict(zip(snakemake.params.models, snakemake.input.samples)),
                       snakemake.input.rolls, snakemake.output.rows, snakemake.params.window,
                       snakemake.params.n_windows, snakemake.params.eval)
for model, row in out["rows"].items():
    print(f"{model}: musicality on notes {row['musicality']:.3f} "
          f"[{row['musicality_low']:.3f}, {row['musicality_high']:.3f}], harmony "
          f"{row['harmony']:.3f} [{row['harmony_low']:.3f}, {row['harmony_high']:.3f}], "
          f"{row['notes_per_window']:.1f} notes per window", file=sys.stderr)
