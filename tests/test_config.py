"""Config: defaults from the schema, preset overlays, one-line errors naming the key."""
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from models.config import ConfigError, _deref, load_schema, resolve, schema_defaults


def test_every_schema_key_has_description_and_default():
    schema = load_schema()

    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            sub = _deref(sub, schema)
            assert "description" in sub, f"{path}{key} has no description"
            assert "default" in sub, f"{path}{key} has no default"
            walk(sub, f"{path}{key}.")
    walk(schema, "")


def test_preset_overlays_defaults_and_config_beats_preset():
    cfg = resolve({"preset": "smoke"})
    smoke = yaml.safe_load((ROOT / "config/presets/smoke.yaml").read_text())
    assert cfg["data"]["max_pieces"] == smoke["data"]["max_pieces"]
    assert cfg["clips"]["length"] == schema_defaults(load_schema())["clips"]["length"] == 16384
    pinned = resolve({"preset": "smoke", "generate": {"n_clips": 5}})
    assert pinned["generate"]["n_clips"] == 5
    assert pinned["eval"] == cfg["eval"]


@pytest.mark.parametrize("preset", ["smoke", "quick", "gpu", "paper"])
def test_every_preset_validates(preset):
    assert resolve({"preset": preset})["preset"] == preset


@pytest.mark.parametrize("bad, words", [
    ({"colour": 1}, "unknown config key 'colour'"),
    ({"data": {"sorce": "folder"}}, "unknown config key 'data.sorce' (allowed: folder, max_pieces"),
    ({"clips": {"length": "long"}}, "config key clips.length: 'long' is not of type 'integer'"),
    ({"data": {"source": "cd"}}, "config key data.source"),
    ({"models": ["wavenet"]}, "unknown model 'wavenet'"),
    ({"models": {"exclude": ["wavenet"]}}, "unknown model 'wavenet'"),
    ({"models": "some"}, "config key models"),
    ({"models": ["noise", "notes_gan"], "data": {"source": "folder", "folder": "/tmp"}},
     "'notes_gan' needs the corpus's scores, so it needs data.source bach_render"),
    ({"preset": "huge"}, "config key preset: no preset file"),
    ({"data": {"split": {"train": 0.5}}}, "data.split: shares must add up to 1"),
    ({"data": {"source": "folder"}}, "data.folder"),
])
def test_bad_config_is_one_line_naming_the_key(bad, words):
    with pytest.raises(ConfigError) as err:
        resolve({"preset": "smoke", **bad})
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_snakemake_reports_a_wrong_key_in_one_line():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--config", "colour=red"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if "colour" in line]
    assert len(lines) == 1
    assert lines[0].startswith("bachgen: unknown config key 'colour' (allowed: clips, compute, data, ")


def test_models_are_selected_by_name_from_the_registry():
    from models.registry import MODELS, select

    no_seeds = {"preset": "smoke", "seeds": {"notes_lstm": [], "notes_gan": []}}  # (smoke: 1 each)
    assert resolve(no_seeds)["models"] == list(MODELS)       # all: the registry
    assert resolve({**no_seeds, "models": {"exclude": ["gansynth", "noise"]}}
                   )["models"] == [m for m in MODELS if m not in ("gansynth", "noise")]
    assert resolve({"preset": "smoke", "models": ["noise", "wavegan"]})["models"] == \
        ["noise", "wavegan"]
    folder = resolve({"preset": "smoke", "data": {"source": "folder", "folder": "/tmp"}})
    assert folder["models"] == [m for m in MODELS if m not in select(needs_scores=True)]
    assert "notes_gan" not in folder["models"] and "random_pitch" not in folder["models"]
