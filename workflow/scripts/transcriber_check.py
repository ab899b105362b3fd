"""Score basic-pitch's transcription of the held-out rendered pieces against their scores."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.evaluate.transcriber import check_transcriber, held_out_scores  # noqa: E402

total = check_transcriber(held_out_scores(snakemake.input.manifest),
                          snakemake.output.check)["total"]
print(f"{total['pieces']} pieces, {total['notes']} notes: note F1 {total['f1']:.3f} "
      f"(precision {total['precision']:.3f}, recall {total['recall']:.3f})", file=sys.stderr)
