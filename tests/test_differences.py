"""The method page's "differences from the papers" table: built from models/report/recipes.py
and the config, it lists a setting exactly when the config differs from the paper, and
renders."""
import markdown
import pytest
import yaml
from conftest import ROOT

from models.config import resolve
from models.report.recipes import RECIPES, differences, shown
from models.registry import MODELS
from models.report.differences import HEADERS, differences_table

PRESETS = ["smoke", "quick", "gpu", "paper"]


def test_every_model_with_a_paper_has_a_recipe():
    """The registry says which models follow a paper; recipes.py holds each one's settings."""
    assert set(RECIPES) == {m for m, spec in MODELS.items() if spec.paper}


@pytest.mark.parametrize("preset", PRESETS)
def test_a_keyed_row_is_listed_exactly_when_the_config_differs(preset):
    cfg = resolve({"preset": preset})
    rows = differences(cfg, cfg["models"])
    listed = {(r["model"], r["what"]) for r in rows}
    for model in cfg["models"]:
        for s in RECIPES.get(model, ()):
            differs = any(cfg[model][k] != v for k, v in zip(s.keys, s.paper))
            assert ((model, s.what) in listed) == (differs or not s.keys), (model, s.what)
    for r in (r for r in rows if r["key"]):   # each key shows the config's own value
        for part in filter(None, r["ours"].split(", ")):
            key, value = part.split(" ", 1)
            assert shown(cfg[r["model"]][key]) == value


@pytest.mark.parametrize("model", sorted(RECIPES))
def test_the_listed_keys_restore_the_papers_choice(model):
    """Setting every key a row names to the paper's value validates and removes the row."""
    keyed = [s for s in RECIPES[model] if s.keys]
    paper = {k: v for s in keyed for k, v in zip(s.keys, s.paper)}
    cfg = resolve({"preset": "smoke", model: paper})
    assert [r["what"] for r in differences(cfg, [model])] == \
        [s.what for s in RECIPES[model] if not s.keys]


def test_the_table_renders_with_the_sites_markdown():
    cfg = resolve({"preset": "quick"})
    page = differences_table(cfg, cfg["models"], "quick")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    html = markdown.markdown(page, extensions=[e if isinstance(e, str) else next(iter(e))
                                               for e in config["markdown_extensions"]])
    body = html.split("<tbody>")[1]
    rows = body.split("<tr>")[1:]
    assert len(rows) == len(differences(cfg, cfg["models"])) > 0
    assert all(row.count("<td") == len(HEADERS) for row in rows)
    assert "<code>gansynth.steps: 1,400,000</code>" in body
    assert "every model follows" in differences_table(cfg, ["noise"], "quick")
