"""The built site in headless Chromium: every page loads without console errors, every audio
player loads metadata with a positive duration, every image has a non-zero natural size."""
import shutil

import pytest

from conftest import serve
from models.report.links import asset_href, page_url_dir

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Keep Chromium off the network: no background services, no component updates, no QUIC.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
         "--autoplay-policy=no-user-gesture-required"]

AUDIO_DURATIONS = """async () => Promise.all([...document.querySelectorAll('audio')].map(a =>
  new Promise(done => {
    if (a.readyState >= 1) return done(a.duration);
    a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});
    a.addEventListener('error', () => done(-1), {once: true});
    setTimeout(() => done(-2), 10000);
    a.load();
  })))"""


def collect_errors(page) -> list:
    """What goes wrong on a page as it loads: console errors, script errors, failed requests
    (a media element that has its metadata may abort the rest of its download: fine) and HTTP
    errors, appended to the list returned."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: None if (
        r.resource_type == "media" and "ERR_ABORTED" in (r.failure or ""))
        else errors.append(f"failed {r.url}: {r.failure}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 else None)
    return errors


def test_asset_paths_follow_directory_urls():
    assert str(page_url_dir("models/noise.md")) == "models/noise"
    assert str(page_url_dir("index.md")) == "."
    assert asset_href("models/noise.md", "audio/noise/clip_000.wav") == \
        "../../audio/noise/clip_000.wav"
    assert asset_href("index.md", "audio/real/reference.wav") == "audio/real/reference.wav"
    assert asset_href("data.md", "audio/x.wav") == "../audio/x.wav"


@pytest.fixture(scope="module")
def served_site(smoke_build):
    site = smoke_build[0] / "results" / "smoke" / "site"
    with serve(site) as url:
        yield site, url


def test_every_page_in_chromium(served_site):
    from playwright.sync_api import sync_playwright

    site, base = served_site
    pages = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))
    assert {"models/noise", "models/real_heldout", "models/train_copy", "data", "comparison",
            "discussion", "benchmark", "runs/gpu/provenance", "runs/gpu/benchmark",
            "runs/gpu/models/gansynth", "runs/gpu/comparison"} <= set(pages)
    n_audio = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for path in pages:
            page = browser.new_page()
            errors = collect_errors(page)
            url = f"{base}/{'' if path == '.' else path + '/'}"
            response = page.goto(url, wait_until="load")
            assert response.ok, f"{url}: HTTP {response.status}"
            durations = page.evaluate(AUDIO_DURATIONS)
            assert all(d > 0 for d in durations), f"{url}: audio durations {durations}"
            n_audio += len(durations)
            sizes = page.evaluate("[...document.images].map(i => [i.src, i.naturalWidth, "
                                  "i.naturalHeight])")
            assert all(w > 0 and h > 0 for _, w, h in sizes), f"{url}: {sizes}"
            page.wait_for_load_state("networkidle")
            assert errors == [], f"{url}: {errors}"
            page.close()
        browser.close()
    assert n_audio >= 3 * 4  # 3 players and the reference on each model page


def test_listening_page_in_chromium(served_site, smoke_build):
    """The listening page: a row per model of the run (held-out Bach is the column every row
    has), each with a real clip and three generated ones that play, every spectrogram and
    score under them loads, and every MIDI link resolves."""
    import csv

    from playwright.sync_api import sync_playwright

    _, base = served_site
    table = smoke_build[0] / "results" / "smoke" / "metrics" / "table.csv"
    models = [r["model"] for r in csv.DictReader(open(table))
              if r["model"] != "real_heldout"]  # every row's real clip: its own column
    assert models
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        errors = collect_errors(page)
        response = page.goto(f"{base}/listening/", wait_until="load")
        assert response.ok, f"listening/: HTTP {response.status}"
        rows = page.evaluate("[...document.querySelectorAll('tr[data-model]')].map(r => "
                             "[r.dataset.model, r.querySelectorAll('audio').length, "
                             "r.querySelectorAll('img').length])")
        assert sorted(m for m, _, _ in rows) == sorted(models), rows
        # a spectrogram and a score under each of the 4 players
        assert all(players == 4 and images == 8 for _, players, images in rows), rows
        durations = page.evaluate(AUDIO_DURATIONS)
        assert len(durations) >= 4 * len(models)
        assert all(d > 0 for d in durations), durations
        sizes = page.evaluate("[...document.querySelectorAll('tr[data-model] img')].map(i => "
                              "[i.src, i.naturalWidth, i.naturalHeight, "
                              "i.getBoundingClientRect().width])")
        assert len(sizes) == 8 * len(models)
        assert all(w > 0 and h > 0 and shown > 0 for _, w, h, shown in sizes), sizes
        scores = [src for src, *_ in sizes if src.endswith(".svg")]
        assert len(scores) == 4 * len(models)
        midi = page.evaluate("[...document.querySelectorAll('tr[data-model] a[download]')]"
                             ".map(a => a.href)")
        assert len(midi) == 4 * len(models)
        for href in set(midi):  # every MIDI link resolves to a MIDI file
            got = page.request.get(href)
            assert got.ok and got.body()[:4] == b"MThd", href
        page.wait_for_load_state("networkidle")
        assert errors == [], errors
        browser.close()
