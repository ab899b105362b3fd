"""Data stage: the configured source -> 16 kHz pieces, manifest.csv, report.json."""
import sys

from step import start  # noqa: E402

start(snakemake)

from models.data.prepare import prepare  # noqa: E402

report = prepare({"data": snakemake.params.data, "clips": snakemake.params.clips},
                 snakemake.output.audio,
                 snakemake.output.manifest, snakemake.output.report,
                 threads=snakemake.threads, download_dir=snakemake.params.download_dir)
print(f"{report['pieces']} pieces, {report['hours']:.2f} h, {len(report['skipped'])} skipped, "
      f"{report['wall_s']:.1f} s on {report['threads']} threads", file=sys.stderr)
