"""The built site in headless Chromium (one crawl: tests/site_crawl.py): every page loads
without console errors, every audio player loads metadata with a positive duration, every
image has a non-zero natural size; the listening page's rows, players, scores and MIDI links."""
from models.report.links import asset_href, page_url_dir


def test_asset_paths_follow_directory_urls():
    assert str(page_url_dir("models/noise.md")) == "models/noise"
    assert str(page_url_dir("index.md")) == "."
    assert asset_href("models/noise.md", "audio/noise/clip_000.wav") == \
        "../../audio/noise/clip_000.wav"
    assert asset_href("index.md", "audio/real/reference.wav") == "audio/real/reference.wav"
    assert asset_href("data.md", "audio/x.wav") == "../audio/x.wav"


def test_every_page_in_chromium(site_crawl):
    _, seen = site_crawl
    pages = sorted(seen)
    assert {"models/noise", "models/real_heldout", "models/train_copy", "data", "comparison",
            "discussion", "benchmark", "runs/gpu/provenance", "runs/gpu/benchmark",
            "runs/gpu/models/gansynth", "runs/gpu/comparison"} <= set(pages)
    n_audio = 0
    for path in pages:
        got = seen[path]
        url = got["url"]
        assert got["ok"], f"{url}: HTTP {got['status']}"
        durations = got["durations"]
        assert all(d > 0 for d in durations), f"{url}: audio durations {durations}"
        n_audio += len(durations)
        sizes = got["images"]
        assert all(w > 0 and h > 0 for _, w, h in sizes), f"{url}: {sizes}"
        assert got["errors"] == [], f"{url}: {got['errors']}"
    assert n_audio >= 3 * 4  # 3 players and the reference on each model page


def test_listening_page_in_chromium(site_crawl, smoke_build):
    """The listening page: a row per model of the run (held-out Bach is the column every row
    has), each with a real clip and three generated ones that play, every spectrogram and
    score under them loads, and every MIDI link resolves."""
    import csv

    _, seen = site_crawl
    table = smoke_build[0] / "results" / "smoke" / "metrics" / "table.csv"
    models = [r["model"] for r in csv.DictReader(open(table))
              if r["model"] != "real_heldout"]  # every row's real clip: its own column
    assert models
    got = seen["listening"]
    assert got["ok"], f"listening/: HTTP {got['status']}"
    rows, sizes, midi = (got["listening"][k] for k in ("rows", "sizes", "midi"))
    assert sorted(m for m, _, _ in rows) == sorted(models), rows
    # a spectrogram and a score under each of the 4 players
    assert all(players == 4 and images == 8 for _, players, images in rows), rows
    durations = got["durations"]
    assert len(durations) >= 4 * len(models)
    assert all(d > 0 for d in durations), durations
    assert len(sizes) == 8 * len(models)
    assert all(w > 0 and h > 0 and shown > 0 for _, w, h, shown in sizes), sizes
    scores = [src for src, *_ in sizes if src.endswith(".svg")]
    assert len(scores) == 4 * len(models)
    assert len(midi) == 4 * len(models)
    for href, (ok, head) in got["listening"]["fetched"].items():  # every MIDI link resolves
        assert ok and head == b"MThd", href
    assert got["errors"] == [], got["errors"]
