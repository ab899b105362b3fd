"""Every page of the smoke build's site as a reader meets it: Chromium at 1280 x 900, every
folded block opened. Nothing is wider than the content column (every table's scroll container
and the content area itself: scrollWidth within clientWidth), and every image is drawn at its
intended size: this build's figures at their own pixel width (they are drawn for the column:
models/report/plots.py), an image the page sizes (a listening cell's spectrogram and score,
a long piece's score: style width 100%) filling its box, and a published run's figure that
this build could not redraw from the run's numbers (an older run's learning curves or
charts) at no less than 90% of its width. The measurements of the home, comparison and listening pages go to the test run's
summary."""
from conftest import LAYOUT
from site_crawl import VIEWPORT

OLDER = 0.9   # a published run's figure drawn by older code: shown at 90% of its width or more


def image_problems(images: list[dict], page: str) -> list[str]:
    """Images not drawn at their intended size (see the module's docstring)."""
    bad = []
    for im in images:
        src, natural, shown = im["src"], im["natural"], im["shown"]
        if natural == 0:
            bad.append(f"{page}: {src} did not load")
        elif im["room"] is not None:
            if abs(shown - im["room"]) > 2:
                bad.append(f"{page}: {src} is {shown:.0f} px in a cell of {im['room']:.0f}")
        elif "runs/" in src or page.startswith("runs/"):
            if not OLDER * natural <= shown <= natural + 1:
                bad.append(f"{page}: published {src} at {shown:.0f} px of {natural}")
        elif abs(shown - natural) > 1:
            bad.append(f"{page}: {src} at {shown:.0f} px, drawn {natural} px wide")
    return bad


def test_every_page_fits_the_column_at_1280_px(site_crawl):
    _, seen = site_crawl  # measured with every folded block open (tests/site_crawl.py)
    measured = {path: got["layout"] for path, got in seen.items() if "layout" in got}
    pages = sorted(measured)
    problems = []
    for path, m in measured.items():
        if m["areaScroll"] > m["area"] + 1 or m["page"] > VIEWPORT["width"]:
            problems.append(f"{path}: the content scrolls sideways ({m['areaScroll']} px "
                            f"in {m['area']}; the page {m['page']} px)")
        problems += [f"{path}: table '{t['head']}' is {t['scroll']} px in {t['client']}"
                     for t in m["tables"] if t["scroll"] > t["client"] + 1]
        problems += image_problems(m["images"], path)
    assert len(pages) > 20 and {".", "comparison", "listening", "benchmark"} <= set(pages)
    assert problems == [], "\n".join(problems)
    for path in (".", "comparison", "listening"):
        m = measured[path]
        LAYOUT.append(
            f"{path if path != '.' else 'home'}: column {m['column']} px; page {m['folded']} px "
            f"tall ({m['height']} with every block open); {len(m['tables'])} tables, widest "
            f"{max((t['width'] for t in m['tables']), default=0)} px, none scrolls; "
            f"{len(m['images'])} images: {sum(i['room'] is None for i in m['images'])} at "
            f"their own width, {sum(i['room'] is not None for i in m['images'])} filling "
            "their cell or box as the page sets them")
