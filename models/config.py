"""Configuration: preset overlays, schema defaults and validation with one-line errors.

Precedence, lowest first: schema defaults < ``config/presets/<preset>.yaml`` < what Snakemake
was given (``config/config.yaml``, ``--configfile``, ``--config``).
"""
from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"
PRESET_DIR = ROOT / "config" / "presets"


class ConfigError(ValueError):
    """A configuration problem, phrased as one line naming the key."""


def deep_merge(base: dict, over: dict) -> dict:
    """Return ``base`` updated recursively by ``over`` (neither is modified)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _deref(sub: dict, root: dict) -> dict:
    """``sub`` with a local ``$ref`` ('#/$defs/name') merged in; its own keys win."""
    if "$ref" not in sub:
        return sub
    target = root
    for part in sub["$ref"].lstrip("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in sub.items() if k != "$ref"}}


def schema_defaults(schema: dict, root: dict | None = None) -> dict:
    """The full tree of defaults that ``schema`` declares for its object properties."""
    root = root or schema
    out = {}
    for key, sub in schema.get("properties", {}).items():
        sub = _deref(sub, root)
        if sub.get("type") == "object" and "properties" in sub:
            out[key] = deep_merge(schema_defaults(sub, root), sub.get("default", {}))
        elif "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
    return out


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "<top level>"


def _one_line(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = _key_path(error)
        key = extra[0] if where == "<top level>" else f"{where}.{extra[0]}"
        return f"unknown config key '{key}' (allowed: {', '.join(allowed)})"
    return f"config key {_key_path(error)}: {error.message}"


def load_schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def validate(config: dict, schema: dict | None = None) -> None:
    """Raise ConfigError (one line, naming the key) if ``config`` breaks the schema."""
    schema = schema or load_schema()
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config),
                    key=lambda e: (len(e.absolute_path), _key_path(e)))
    if errors:
        raise ConfigError(_one_line(errors[0]))
    split = config["data"]["split"]
    total = split["train"] + split["valid"] + split["test"]
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(f"config key data.split: shares must add up to 1, they add up to {total:g}")
    if split["by"] == "time" and config["data"]["source"] == "bach_render":
        raise ConfigError("config key data.split.by: 'time' cuts recordings; the rendered "
                          "corpus has hundreds of pieces, split them by piece")
    if config["data"]["source"] == "folder" and not config["data"]["folder"]:
        raise ConfigError("config key data.folder: source 'folder' needs data.folder set to a directory")


def resolve(config: dict, preset_dir: Path = PRESET_DIR) -> dict:
    """Merge defaults, the preset named in ``config`` and ``config`` itself; validate the result."""
    schema = load_schema()
    preset = config.get("preset", schema["properties"]["preset"]["default"])
    preset_file = Path(preset_dir) / f"{preset}.yaml"
    if not preset_file.is_file():
        known = ", ".join(sorted(p.stem for p in Path(preset_dir).glob("*.yaml")))
        raise ConfigError(f"config key preset: no preset file {preset_file} (known: {known})")
    try:
        overlay = yaml.safe_load(preset_file.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{preset_file}: not valid YAML ({str(exc).splitlines()[0]})") from None
    merged = deep_merge(deep_merge(schema_defaults(schema), overlay), config)
    validate(merged, schema)
    merged["models"] = select_models(merged["models"], merged["data"]["source"])
    return add_seeds(merged)


def add_seeds(config: dict) -> dict:
    """Each extra seed of config key ``seeds`` as a run of its own (``models.registry.run_name``,
    after its model in ``models``) with the model's section at that seed, so that every seed is
    a target: trained, generated and measured alone; seeds of a model the run does not select
    are not run. A seed of a model that does not train with steps, or an unknown model, is a
    ConfigError."""
    from models.registry import MODELS, run_name, spec

    unknown = [m for m in config["seeds"] if m not in MODELS]
    if unknown:
        raise ConfigError(f"config key seeds: unknown model '{unknown[0]}' "
                          f"(registered: {', '.join(MODELS)})")

    for model in config["seeds"]:
        if not spec(model).steps:  # (a model the run does not select: its seeds are not run)
            raise ConfigError(f"config key seeds.{model}: {model} does not train with steps, "
                              f"so it has no seed to vary")
    runs = []
    for model in config["models"]:
        runs.append(model)
        for seed in config["seeds"].get(model, []):
            if seed == config[model]["seed"]:
                raise ConfigError(f"config key seeds.{model}: seed {seed} is the model's own "
                                  f"({model}.seed); list only the extra ones")
            config[run_name(model, seed)] = {**config[model], "seed": seed}
            runs.append(run_name(model, seed))
    config["models"] = runs
    return config


def run_config(config: dict, run: str, keys=("sample_rate", "clips")) -> dict:
    """What a run's train and generate steps see: the shared ``keys`` and its section, under its
    model's name (a seed's run reads the section of ``run``, at its seed, as its model's)."""
    from models.registry import base

    cfg = {k: config[k] for k in keys if k in config}
    if run in config:  # a model without settings (most baselines) has no section
        cfg[base(run)] = config[run]
    return cfg


def select_models(choice, source: str) -> list[str]:
    """The run's model names from config key ``models``: ``all`` (every registered model that
    ``source`` can feed, in the registry's order), a list of names (in its order), or
    ``{exclude: [names]}``. An unknown name, or a model that needs the scores of a corpus that
    has none, is a ConfigError."""
    from models.registry import MODELS  # late: the registry must not be needed to read YAML

    if isinstance(choice, list):
        names = choice
    else:  # "all" (the schema allows nothing else) or {exclude: [...]}
        names = choice.get("exclude", []) if isinstance(choice, dict) else []
    unknown = [m for m in names if m not in MODELS]  # names, not runs: seeds come from `seeds`
    if unknown:
        raise ConfigError(f"config key models: unknown model '{unknown[0]}' "
                          f"(registered: {', '.join(MODELS)})")
    scores = source == "bach_render"  # only a rendered corpus has the notes behind its audio
    if not isinstance(choice, list):
        return [m for m, spec in MODELS.items() if m not in names
                and (scores or not spec.needs_scores)]
    unfed = [m for m in choice if MODELS[m].needs_scores and not scores]
    if unfed:
        raise ConfigError(f"config key models: '{unfed[0]}' needs the corpus's scores, so it "
                          f"needs data.source bach_render (this run's is {source})")
    return list(choice)
