"""One crawl of the smoke build's site in headless Chromium, whose measurements every browser test
asserts on (tests/test_site.py, tests/test_site_fit.py): each page is opened once, at 1280 x 900,
one after another in one tab, and what it shows is recorded (errors, players, images, the
listening table, and the layout with every folded block open). The crawl asserts nothing
itself: a problem is a test's failure, named by the test that reads it."""
import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Keep Chromium off the network: no background services, no component updates, no QUIC.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
         "--autoplay-policy=no-user-gesture-required"]
VIEWPORT = {"width": 1280, "height": 900}

AUDIO_DURATIONS = """async () => Promise.all([...document.querySelectorAll('audio')].map(a =>
  new Promise(done => {
    if (a.readyState >= 1) return done(a.duration);
    a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});
    a.addEventListener('error', () => done(-1), {once: true});
    setTimeout(() => done(-2), 10000);
    a.load();
  })))"""

IMAGES_LOADED = """() => Promise.all([...document.images].map(i => i.complete ||
    new Promise(done => { i.onload = i.onerror = done; })))"""

# The layout with every folded block open (tests/test_site_fit.py says what is asserted)
MEASURE = """() => {
  const folded = document.documentElement.scrollHeight;
  document.querySelectorAll('details').forEach(d => d.open = true);
  const column = document.querySelector('.md-content__inner');
  const tables = [...column.querySelectorAll('table')].map(t => {
    const box = t.closest('.md-typeset__scrollwrap') || t.parentElement;
    return {scroll: box.scrollWidth, client: box.clientWidth,
            width: Math.round(t.getBoundingClientRect().width),
            head: (t.rows[0] ? t.rows[0].innerText : '').replace(/\\s+/g, ' ').slice(0, 60)};
  });
  const images = [...column.querySelectorAll('img')].map(i => {
    let room = null;   // the width the page asks for: its containing block's content box
    if (i.style.width === '100%') {
      let box = i.parentElement;
      while (getComputedStyle(box).display === 'inline') box = box.parentElement;
      const cs = getComputedStyle(box);
      room = box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    }
    return {src: i.getAttribute('src'), natural: i.naturalWidth,
            shown: i.getBoundingClientRect().width, room: room};
  });
  // Material lets a table's scroll box reach into the column's margins: the page's
  // content area (column and margins) is the edge nothing may cross
  const content = document.querySelector('.md-content');
  return {column: column.clientWidth, area: content.clientWidth, areaScroll: content.scrollWidth,
          page: document.documentElement.scrollWidth, tables, images,
          folded: folded, height: document.documentElement.scrollHeight};
}"""


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


def _listening(page) -> dict:
    """The listening table: its rows, players, images (with their drawn width) and MIDI links,
    each link fetched."""
    rows = page.evaluate("[...document.querySelectorAll('tr[data-model]')].map(r => "
                         "[r.dataset.model, r.querySelectorAll('audio').length, "
                         "r.querySelectorAll('img').length])")
    sizes = page.evaluate("[...document.querySelectorAll('tr[data-model] img')].map(i => "
                          "[i.src, i.naturalWidth, i.naturalHeight, "
                          "i.getBoundingClientRect().width])")
    midi = page.evaluate("[...document.querySelectorAll('tr[data-model] a[download]')]"
                         ".map(a => a.href)")
    fetched = {}
    for href in set(midi):
        got = page.request.get(href)
        fetched[href] = (got.ok, got.body()[:4])
    return {"rows": rows, "sizes": sizes, "midi": midi, "fetched": fetched}


def crawl(site, base: str) -> dict:
    """{page path: what it showed} for every page of ``site`` served at ``base``."""
    from playwright.sync_api import sync_playwright

    pages = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))
    seen = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        # One tab for every page: a new one per page (a context and a renderer each) cost 151
        # busy core-seconds for the smoke site's 72 pages, one tab 66 (2026-12-08). What a page
        # records is its own: it is left only once loaded and idle, and its errors start empty.
        page = browser.new_page(viewport=VIEWPORT)
        errors = collect_errors(page)
        for path in pages:
            errors.clear()
            url = f"{base}/{'' if path == '.' else path + '/'}"
            response = page.goto(url, wait_until="load")
            got = {"url": url, "ok": response.ok, "status": response.status,
                   "durations": page.evaluate(AUDIO_DURATIONS),
                   "images": page.evaluate("[...document.images].map(i => [i.src, "
                                           "i.naturalWidth, i.naturalHeight])")}
            if path == "listening":
                got["listening"] = _listening(page)
            page.wait_for_load_state("networkidle")
            got["errors"] = list(errors)
            if path.split("/")[-1] != "search":
                page.evaluate(IMAGES_LOADED)
                got["layout"] = page.evaluate(MEASURE)
            seen[path] = got
        browser.close()
    return seen
