"""A published run in this build's site: every page says which code measured it, the
benchmark page and the figures this build can redraw are redrawn from the run's own numbers,
and the rest is the run's, untouched."""
import shutil
import subprocess

from PIL import Image

from conftest import ROOT
from models.io import read_json
from models.report import published_pages as pp
from models.report.plots import DPI, WIDTH

GPU = ROOT / "published" / "gpu"                    # older metric code: table lacks columns
CPU_HOUR = ROOT / "published" / "cpu_hour" / "2026-12-03"


def test_the_note_names_commit_preset_machine_and_the_changes_since():
    prov = {"commit": "38d657e6fefe", "preset": "gpu", "device": "NVIDIA H100", "date": "d"}
    note = pp.measured_by(prov, "gpu", 21)
    assert note.startswith('!!! note "Published `gpu` run: measured by the code of commit '
                           '`38d657e`"')
    assert "The `gpu` preset on NVIDIA H100, d." in note
    assert "21 commits since have touched the metric code (models/evaluate/)" in note
    assert "1 commit since has touched" in pp.measured_by(prov, "gpu", 1)
    assert "No commit since has touched" in pp.measured_by(prov, "gpu", 0)
    assert "touched" not in pp.measured_by(prov, "gpu", None)    # git cannot tell: no claim
    page = pp.add_note("<!-- x -->\n# Title\n\ntext\n", "NOTE\n")
    assert page.split("\n")[:5] == ["<!-- x -->", "# Title", "", "NOTE", ""]


def test_changes_since_are_counted_by_git():
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    assert pp.changed_since(head) == 0
    first = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=ROOT,
                           capture_output=True, text=True).stdout.split()[0]
    assert pp.changed_since(first) > 0
    assert pp.changed_since("0" * 40) is None


def test_published_runs_are_noted_redrawn_where_possible_and_kept_where_not(tmp_path):
    docs = tmp_path / "docs"
    gpu_models = pp.add_published(docs, GPU, "<!-- generated -->\n")
    assert gpu_models == read_json(GPU / "provenance.json")["models"]
    cpu_models = pp.add_published(docs, CPU_HOUR, "<!-- generated -->\n")
    assert "notes_gan-seed2" in cpu_models
    for name, run in (("gpu", GPU), ("cpu_hour", CPU_HOUR)):
        dest = docs / "runs" / name
        commit = read_json(run / "provenance.json")["commit"][:7]
        pages = [p for p in dest.rglob("*.md") if "includes" not in p.parts]
        assert pages and not (dest / "index.md").exists()
        for page in pages:
            if page.name != "provenance.md":
                text = page.read_text()
                assert f"measured by the code of commit `{commit}`" in text, page
        # the note's link reaches the run's provenance from a model page, one folder down
        assert "(../provenance.md)" in next((dest / "models").glob("*.md")).read_text()
        bench = (dest / "benchmark.md").read_text()
        assert bench.count("| model |") == 3               # this build's three tables
        # every training curve redrawn by this build's code, for the column
        for png in dest.glob("img/*/curves.png"):
            assert Image.open(png).width <= WIDTH * DPI, png
    # the cpu_hour run's table has every column this code draws: its charts are redrawn
    assert Image.open(docs / "runs/cpu_hour/img/comparison/distribution.png").width <= 900
    # the gpu run's older table does not: its own charts stay, byte for byte
    for chart in (GPU / "docs/img/comparison").glob("*.png"):
        assert (docs / "runs/gpu/img/comparison" / chart.name).read_bytes() == \
            chart.read_bytes()
    # its glossary snippet, if it has one, is left as it was (a note there would break it)
    for snippet in (GPU / "docs").rglob("includes/*.md"):
        copied = docs / "runs/gpu" / snippet.relative_to(GPU / "docs")
        assert copied.read_text() == snippet.read_text()
    shutil.rmtree(docs)
