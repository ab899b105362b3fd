# Configuration and the few names every rule file shares.
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)  # the project's `models` package; scripts use step.start

from models.config import ConfigError, resolve, run_config
from models.registry import seed_runs, select, spec
from models.report.published import newest_runs
from models.report.score import LISTENED

try:
    _resolved = resolve(config)
except ConfigError as err:
    sys.exit(f"bachgen: {err}")
config.clear()
config.update(_resolved)

R = f"results/{config['preset']}"  # every output of this preset lives below here
MODELS = config["models"]  # the registry's names this run selects (models.config.resolve)
NOTE_MODELS = select(MODELS, notes=True)  # their samples come with notes.json
# The validity panel's degradations; re-pitching notes needs the scores of bach_render
DEGRADATIONS = [d for d in config["validity"]["degradations"]
                if d != "random_pitch" or config["data"]["source"] == "bach_render"]


onstart:
    # librosa's numba functions, compiled once into a snapshot every job copies into a cache
    # of its own, before any job starts: parallel jobs never write one cache
    # (models/numba_cache.py). About 30 s on a cold machine, nothing afterwards.
    from models import numba_cache

    if not numba_cache.snapshot_dir().is_dir():
        print(f"bachgen: compiling librosa's numba functions once, into "
              f"{numba_cache.snapshot_dir()}", file=sys.stderr)
    numba_cache.fill("models.evaluate.warm")


wildcard_constraints:
    model="|".join(MODELS),
    degradation="|".join(DEGRADATIONS) or "none",


def model_gpus(wildcards):
    """1 for models that train on a GPU, so `--resources gpu=1` serialises them (unless the
    preset says no GPU is claimed: compute.claim_gpu)."""
    return int(spec(wildcards.model).steps and config["compute"]["claim_gpu"])


# Cores a training runs on: core-minutes on the benchmark page and the seeds' figure
TRAIN_THREADS = config["compute"]["train_threads"] or workflow.cores
# The note-level learners of the two families, with every seed's run (the seeds' answer)
SEED_RUNS = seed_runs(MODELS)
SEEDS_ANSWER = len({spec(m).family for m in SEED_RUNS}) == 2


# Job order on few cores (Snakemake starts the highest priority that is ready). Trainings
# first, longest budget first (train_priority, 3 and up for every timed one); then the short
# jobs that other jobs wait on (generation, features, metric rows: UNBLOCKS); then the long
# metric jobs at the ends of the graph (snapshot curves, validity rungs, the transcriber
# check: LONG); the short plots and pages (0) fill in last. Measured on 2 cores: with every
# metric job at 0, a model's features could wait 460 s behind plots and one 53 s job ran
# alone at the end (2026-12-01).
UNBLOCKS, LONG = 2, 1


def train_priority(wildcards):
    """Longest training budget first (max_minutes, in tenths); untimed trainings (the
    baselines, seconds each) with the jobs that wait on them."""
    minutes = config.get(wildcards.model, {}).get("max_minutes")
    return 3 + int(10 * minutes) if minutes else UNBLOCKS


def model_config(wildcards):
    """The config a model's train and generate steps see: shared sizes plus its own section (a
    seed's run: its model's section at that seed), so that changing a plot or page setting
    never retrains anything."""
    cfg = run_config(config, wildcards.model)
    if config["compute"]["data_parallel"] and spec(wildcards.model).steps:
        cfg["compute"] = {"data_parallel": True}  # only then: runs without it keep their params
    return cfg


def prepare_inputs(wildcards):
    """The downloaded archive, for the source that needs it; for a folder, every file in it, so
    that adding, removing or changing a recording rebuilds the data."""
    if config["data"]["source"] == "wavegan_piano":
        return {"archive": rules.download_wavegan_piano.output.archive}
    if config["data"]["source"] == "folder" and Path(config["data"]["folder"]).is_dir():
        files = Path(config["data"]["folder"]).rglob("*")
        return {"recordings": sorted(str(f) for f in files if f.is_file())}
    return {}


def model_needs(wildcards):
    """Data targets a model trains on beyond the clips (see `needs` in models/registry.py)."""
    targets = {"stft_moments": rules.stft_moments.output.moments,
               "note_tokens": rules.note_tokens.output.tokens,
               "piano_rolls": rules.piano_rolls.output.rolls}
    return {need: targets[need] for need in spec(wildcards.model).needs}


def needed_by(target):
    """The run's models that train on a data target (their ``needs``)."""
    return [m for m in MODELS if target in spec(m).needs]


def with_curves(models):
    """The models that train with steps, so their training writes curves (not the baselines)."""
    return select(models, steps=True)


def learners(models):
    """The models whose quality is followed against compute: every one that trains with steps
    and is ranked (not the teacher-forced seed LSTM, fed real audio)."""
    return select(models, steps=True, ranked=True)


def eval_params(*keys):
    """The log-mel settings plus ``keys`` of the eval config: a rule sees only what changes its
    output, so changing a test's threshold does not re-embed every clip."""
    return {k: config["eval"][k] for k in ("n_mels", "n_fft", "hop", *keys)}


def published_runs():
    """The newest published run of each kind (published/<kind>/<date>/), when the site shows
    them."""
    return newest_runs("published") if config["site"]["published"] else []
