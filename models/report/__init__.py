"""Results into tables, figures and pages: the metric table, per-model and comparison plots, the
benchmark, the site's generated pages and publishing a run (``python -m models.report.publish``).

Rules: `metric_table`, `plot_model`, `plot_curves`, `plot_comparison`, `plot_validity`,
`benchmark`, `site_pages`.
"""
