"""Every page renders as MkDocs renders it: with the site's Markdown extensions and their
settings (mkdocs.yml, loaded the way `mkdocs build` loads it), no Markdown table is left behind
as raw text, and the glossary's terms explain themselves on hover on every page."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "includes" / "glossary.md"
# terms the site uses; each must be defined (whole words, so none may hold a "|")
TERMS = ("FD", "KD", "NDB/K", "NDB JS", "C_T", "copy rate", "NN ratio", "D_self", "MGEval", "OA",
         "IOI", "pc", "log-mel", "musicnn", "basic-pitch", "WGAN-GP", "TBPTT", "EMA", "FLOPs",
         "SampleRNN", "GANSynth", "IF", "MFU")


def site_config(config_file=ROOT / "mkdocs.yml"):
    """The MkDocs config as `mkdocs build --config-file` loads it: INHERIT merged, defaults and
    built-in extensions added, each extension's settings in ``mdx_configs``."""
    from mkdocs.config import load_config

    return load_config(str(config_file))


def render_page(md_text: str, config) -> str:
    """HTML of one page, rendered by Python-Markdown with the site's extensions and settings
    (``config``: a loaded MkDocs config, or a dict with ``markdown_extensions`` and
    ``mdx_configs``)."""
    md = markdown.Markdown(extensions=config["markdown_extensions"],
                           extension_configs=config.get("mdx_configs") or {})
    return md.convert(md_text)


class _Text(HTMLParser):
    """The text content of HTML, outside code, with a line break at every block's edge."""
    SKIP = {"code", "pre", "script", "style"}
    BLOCKS = {"p", "div", "li", "ul", "ol", "table", "thead", "tbody", "tr", "td", "th", "br",
              "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption", "dd",
              "dt", "details", "summary", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def _is_row(line: str) -> bool:
    """Markdown table syntax: starts with '|', holds another, and the first '|' opens a cell
    ('| a', '|---', '|:--') or the line ends with '|' ('|a|b|'), so prose such as '|D|_self
    (the mean ...)' that happens to start a line is not taken for a row."""
    s = line.strip()
    return (s.startswith("|") and "|" in s[1:]
            and (s[1:2] in (" ", "\t", "-", ":") or s.endswith("|")))


def raw_table_rows(html: str) -> list[str]:
    """Lines of the page's text (outside code) that are Markdown table syntax left unrendered:
    a table Python-Markdown did not recognise (a cell with a '|' in it, no blank line before
    it, a header and separator of different widths) stays a paragraph of '| ... |' lines."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [line.strip() for line in "".join(parser.parts).splitlines() if _is_row(line)]


@pytest.fixture
def root_config(monkeypatch):
    """The shared mkdocs.yml; its glossary path is relative to the working directory, the repo
    root, as in the workflow."""
    monkeypatch.chdir(ROOT)
    return site_config()


GOOD = """# Memorisation

Text before the table.

| model | D_self (→1) | FD log-mel ↓ |
|---|---:|---:|
| noise | 0.91 | 212 <small>[180, 250]</small> |
| `a|b` | 1.00 | 3.5 |
"""


@pytest.mark.parametrize("broken", [
    GOOD.replace("D_self", "|D|self"),                              # a '|' inside a header
    GOOD.replace("table.\n\n|", "table.\n|"),                        # no blank line before it
    GOOD.replace("|---|---:|---:|", "|---|---:|"),                   # separator too narrow
])
def test_the_check_finds_a_table_left_unrendered(root_config, broken):
    html = render_page(GOOD, root_config)
    assert html.count("<tr>") == 3 and raw_table_rows(html) == []
    rows = raw_table_rows(render_page(broken, root_config))
    assert rows and all(r.startswith("|") for r in rows)


def test_prose_and_code_are_not_table_rows(root_config):
    text = ("WaveGAN's\n|D|_self (the mean distance to the nearest other clip) as a ratio.\n\n"
            "```\n| in | code |\n|---|---|\n```\n\nInline `| a | b |` code.\n")
    assert raw_table_rows(render_page(text, root_config)) == []
    assert raw_table_rows("<p>text\n|a|b|</p>") == ["|a|b|"]


def test_the_glossary_defines_every_term_in_one_line():
    lines = [ln for ln in GLOSSARY.read_text().splitlines() if ln.startswith("*[")]
    defined = {ln[2:ln.index("]")]: ln.split("]: ", 1)[1] for ln in lines}
    assert set(TERMS) <= set(defined)
    assert all("|" not in term and "\\" not in term for term in defined)
    assert all(len(ln) < 100 and defined[ln[2:ln.index("]")]] for ln in lines)


def test_every_page_gets_the_glossary_on_hover(root_config):
    text = ("| model | D_self (→1) | copy rate ↓ | NDB/K ↓ |\n|---|---|---|---|\n"
            "| noise | 1 | 0.05 | 0 |\n\nFD and KD of log-mel frames; `FD` in code stays.\n")
    html = render_page(text, root_config)
    for term in ("D_self", "copy rate", "NDB/K", "FD", "KD", "log-mel"):
        assert f">{term}</abbr>" in html, term
    assert "<code>FD</code>" in html and "*[" not in html       # definitions never show,
    assert "auto_append" not in html                            # nor the file's own notes
    assert raw_table_rows(html) == []
    excluded = root_config["exclude_docs"]                        # not a page of its own
    assert excluded.match_file("includes/glossary.md")
    assert excluded.match_file("runs/gpu/includes/glossary.md")
    assert not excluded.match_file("method.md")


def test_a_generated_config_finds_the_glossary_from_anywhere(tmp_path, monkeypatch):
    """The generated mkdocs.yml INHERITs the shared one and points the glossary at its own
    docs/includes by an absolute path, so a build from any directory finds it; every other
    extension and setting is inherited unchanged."""
    from models.report.site import mkdocs_config

    src = tmp_path / "site_src"
    (src / "docs" / "includes").mkdir(parents=True)
    shutil.copy(GLOSSARY, src / "docs" / "includes" / "glossary.md")
    (src / "mkdocs.yml").write_text(yaml.safe_dump(mkdocs_config(src, [], "test"),
                                                   sort_keys=False))
    monkeypatch.chdir(ROOT)
    shared = site_config()
    monkeypatch.chdir(tmp_path)                                  # no docs/includes here
    config = site_config(src / "mkdocs.yml")
    assert config["markdown_extensions"] == shared["markdown_extensions"]
    assert {"abbr", "pymdownx.snippets", "tables", "toc"} <= set(config["markdown_extensions"])
    snippets = config["mdx_configs"]["pymdownx.snippets"]
    assert snippets["base_path"] == [str((src / "docs" / "includes").resolve())]
    assert snippets == {**shared["mdx_configs"]["pymdownx.snippets"],
                        "base_path": snippets["base_path"]}
    assert "<abbr" in render_page("The FD of the clips.\n", config)


def test_the_data_page_says_what_the_corpus_is(root_config):
    from models.report.site import data_page

    bach = "/corpus/bach/"
    files = [{"file": f"{bach}bwv{n}.mxl", "verdict": "used", "reason": ""}
             for n in ("250", "1.6", "846")]
    report = {"source": "bach_render", "pieces": 3, "hours": 0.05, "wall_s": 2.0, "threads": 1,
              "origin": "music21 corpus (410 Bach scores), SoundFont TimGM6mb.sf2",
              "split_by": "hash", "stretches": [], "skipped": [], "files": files,
              "splits": {s: {"pieces": 1, "hours": 0.01} for s in ("train", "valid", "test")}}
    page = data_page(report, {"train": 5, "valid": 2, "test": 2}, 16384)
    assert ("The pieces are **3** of the 410 Bach scores in music21's corpus: 2 chorales "
            "(four-part harmonisations; some scores add instrumental parts) and the C major "
            "prelude BWV 846") in page
    assert "General MIDI SoundFont TimGM6mb.sf2, every part on program 0 (Acoustic Grand " \
           "Piano)" in page
    assert "keyboard music" not in page
    html = render_page(page, root_config)
    assert html.count("<table>") == 1 and raw_table_rows(html) == []
    alone = data_page({**report, "files": files[2:]}, {"train": 5, "valid": 2, "test": 2}, 16384)
    assert "corpus: the C major prelude BWV 846" in alone and "chorale" not in alone


def test_every_generated_page_renders(smoke_build):
    """Every page of the smoke site's source, generated and copied ones alike (a published
    run's under runs/<name>/ too), rendered with the generated mkdocs.yml: no Markdown table
    left as raw text."""
    src = smoke_build[0] / "results" / "smoke" / "site_src"
    docs = src / "docs"
    config = site_config(src / "mkdocs.yml")
    pages = sorted(p for p in docs.rglob("*.md")
                   if "includes" not in p.relative_to(docs).parts)    # the glossary
    names = {p.relative_to(docs).as_posix() for p in pages}
    assert {"index.md", "method.md", "data.md", "comparison.md", "validity.md",
            "benchmark.md", "listening.md", "models/noise.md"} <= names
    assert any(name.startswith("runs/") for name in names)
    broken, tables = {}, 0
    for page in pages:
        html = render_page(page.read_text(), config)
        tables += html.count("<table>")
        rows = raw_table_rows(html)
        if rows:
            broken[page.relative_to(docs).as_posix()] = rows[:3]
    assert broken == {}, f"Markdown tables left unrendered: {broken}"
    assert tables >= len(names) // 2           # the check saw tables rendered, not none at all
