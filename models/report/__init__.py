"""Results into tables, figures and pages: the metric table, per-model and comparison plots, the
benchmark, quality against compute (``learning``), the home page's summary, the site's
generated pages and publishing a run (``python -m models.report.publish``).

Rules: `metric_table`, `plot_model`, `plot_curves`, `plot_comparison`, `plot_learning`,
`plot_validity`, `benchmark`, `site_pages`.
"""
