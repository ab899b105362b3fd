"""Results into tables, figures and pages: the metric table, per-model and comparison plots, the
benchmark, quality against compute (``learning``), the seeds' answer (``seeds``), scores and
MIDI of the listened clips (``score``, ``real_excerpts``), the home page's summary, the site's
generated pages and publishing a run (``python -m models.report.publish``).

Rules: `metric_table`, `plot_model`, `plot_curves`, `plot_comparison`, `plot_learning`,
`plot_seeds`, `plot_validity`, `scores`, `real_excerpts`, `benchmark`, `site_pages`.
"""
