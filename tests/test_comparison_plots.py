"""The comparison charts choose each axis's scale from the data: logarithmic where the models'
values span decades (symlog where some are at or below 0, as an unbiased KD can be), linear
where they are close."""
import math

import matplotlib.pyplot as plt
import pytest

from models.report import comparison_plots as cp
from models.report.table import DISTRIBUTION, HEADLINE

MODELS = ("real_heldout", "noise", "wavegan", "lstm")


def make_rows(values: dict) -> list[dict]:
    """Rows as the metric table has them: every distribution and headline column, each with a
    95% interval of ±10% around its value; ``values`` maps a column to one value per model
    (the others get 1, 2, 3, 4)."""
    rows = []
    for i, model in enumerate(MODELS):
        row = {"model": model}
        for col in (*DISTRIBUTION, *HEADLINE):
            v = values.get(col.key, (1.0, 2.0, 3.0, 4.0))[i]
            row.update({col.key: v, f"{col.key}_low": v - 0.1 * abs(v),
                        f"{col.key}_high": v + 0.1 * abs(v)})
        rows.append(row)
    return rows


def panels(fig) -> dict:
    return {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}


SPANNING = {"fd": (20.0, 300.0, 4000.0, 7500.0),             # 2.6 decades, all positive
            "kd_logmel": (0.5, 40.0, 1e5, 1e8),              # 8 decades
            "kd_musicnn": (0.4, -0.02, 650.0, 8000.0),       # an estimate below 0
            "ndb_js": (0.0, 0.04, 0.7, 1.0)}                 # 0 and 1.4 decades: linear
CLOSE = {"fd": (90.0, 110.0, 130.0, 250.0), "kd_logmel": (2.0, 3.0, 5.0, 9.0),
         "kd_musicnn": (0.4, -0.02, 0.3, 0.6), "ndb_js": (0.0, 0.04, 0.7, 1.0)}


def test_spanning_values_get_a_log_axis(tmp_path):
    rows = make_rows(SPANNING)
    axes = panels(cp.distribution_chart(rows, tmp_path / "distribution.png"))
    assert (tmp_path / "distribution.png").stat().st_size > 10_000
    fd = axes["FD log-mel ↓"]
    assert fd.get_yscale() == "log" and fd.get_ylabel() == "log scale"
    kd = axes["KD log-mel ↓"]   # positive estimates, but no interval end at or below 0
    assert kd.get_yscale() == "log"
    musicnn = axes["KD musicnn ↓"]   # -0.02: symlog, linear up to 0.1
    assert musicnn.get_yscale() == "symlog"
    assert musicnn.yaxis.get_transform().linthresh == pytest.approx(0.1)
    assert "linear within ±0.1" in musicnn.get_ylabel()
    assert axes["NDB JS ↓"].get_yscale() == "linear"     # from 0.04 to 1: not 1.5 decades
    assert axes["KD chroma ↓"].get_yscale() == "linear"  # 1 to 4
    head = cp.headline_chart(rows, tmp_path / "headline.png")
    assert head.axes[0].get_xscale() == "log" and "log scale" in head.axes[0].get_xlabel()


def test_close_values_stay_linear(tmp_path):
    rows = make_rows(CLOSE)
    axes = panels(cp.distribution_chart(rows, tmp_path / "distribution.png"))
    assert {title: ax.get_yscale() for title, ax in axes.items()} == \
        {col.label: "linear" for col in DISTRIBUTION}
    assert all(ax.get_ylabel() == "" for ax in axes.values())
    head = cp.headline_chart(rows, tmp_path / "headline.png")
    assert head.axes[0].get_xscale() == "linear"
    assert "scale" not in head.axes[0].get_xlabel()


@pytest.mark.parametrize("values, ends, scale, linthresh", [
    ((1.0, 30.0), (), "linear", None),                    # 1.48 decades
    ((1.0, 40.0), (), "log", None),                       # 1.6 decades
    ((1.0, 40.0), (-0.5, 45.0), "symlog", 1.0),           # an interval end below 0
    ((0.0, 0.0, 3.0, 5.0), (), "linear", None),           # exact zeros, 3 to 5
    ((0.0, 0.002, 5.0), (), "symlog", 0.001),             # exact zeros, 3.4 decades
    ((-0.3, 0.5, 2.0), (), "linear", None),               # within noise of 0
    ((-0.3, 0.5, 2000.0), (), "symlog", 1.0),
    ((math.nan, None, 5.0, 6.0), (), "linear", None),     # missing values are ignored
    ((7.0,), (), "linear", None),                         # one value: nothing to span
])
def test_the_scale_follows_the_span(values, ends, scale, linthresh):
    fig, ax = plt.subplots()
    note = cp._scale(ax, values, ends=ends)
    assert ax.get_yscale() == scale and ax.get_xscale() == "linear"
    assert (note == "") == (scale == "linear")
    if linthresh is not None:
        assert ax.yaxis.get_transform().linthresh == pytest.approx(linthresh)
    plt.close(fig)
    fig, ax = plt.subplots()
    cp._scale(ax, values, axis="x", ends=ends)
    assert ax.get_xscale() == scale and ax.get_yscale() == "linear"
    plt.close(fig)


def test_headline_labels_do_not_overlap_and_the_chart_fits_the_column(tmp_path):
    """Models on the same spot (lstm and rnn both at noise's values, say) get labels apart,
    each tied to its point; the chart is drawn for the site's column (at most 900 px)."""
    from PIL import Image

    from models.report.plots import DPI, WIDTH

    same = {c.key: (1.0, 50.0, 50.0, 50.0) for c in HEADLINE}   # three models on one spot
    rows = make_rows(same)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = cp.headline_chart(rows, tmp_path / "headline.png")
    FigureCanvasAgg(fig).draw()     # the chart was closed once saved: a canvas to measure on
    labels = [t for t in fig.axes[0].texts if t.get_text() in MODELS]
    assert len(labels) == len(MODELS)
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in labels]     # the text, not its line
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])
    assert Image.open(tmp_path / "headline.png").width <= WIDTH * DPI == 900
