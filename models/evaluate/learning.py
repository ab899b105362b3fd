"""Quality against training compute: the two headline numbers of every snapshot of a run.

Each snapshot (``models.train.snapshots``) generates the same seeded set as the final model
(``generate.n_clips`` clips, the same seed) and is cut into the same windows, so its numbers are
on the scale of the comparison table and of its baselines' rows. The last snapshot is the final
model: its row is the model's own metric row, not measured twice.
"""
from __future__ import annotations

from models import registry
from models.evaluate import suite
from models.io import read_json, write_json
from models.train import snapshots

KEYS = suite.HEADLINE_KEYS


def snapshot_row(model: str, meta: dict, ref: dict, cfg: dict, ev: dict, n: int, seed: int,
                 window: int) -> dict:
    """The headline numbers of one snapshot's seeded set (``cfg``: what generation sees,
    ``ev``: the eval settings)."""
    clips = registry.sample(model, meta["folder"], n, seed, cfg)
    cut = suite.windows(clips, window, n, ev["seed"])
    feats = suite.headline_features(cut, ev, cfg["sample_rate"])
    return suite.headline(feats, ref, ev["bootstrap"], ev["seed"])


def measure(model: str, ckpt_dir, reference_path, final_metrics, out_path, cfg: dict,
            ev: dict, n: int, seed: int, window: int) -> list[dict]:
    """Write ``out_path``: {"model", "rows": one per snapshot, by step, with its steps,
    training seconds and FLOPs and the headline numbers with their intervals}."""
    final = read_json(final_metrics)
    last = registry.load_meta(model, ckpt_dir)["steps"]
    ref = suite.load_features(reference_path)
    rows = []
    for meta in snapshots.listed(ckpt_dir):
        if meta["steps"] == last:
            numbers = {k: final[k] for k in KEYS}
        else:
            numbers = snapshot_row(model, meta, ref, cfg, ev, n, seed, window)
        rows.append({"steps": meta["steps"], "seconds": meta["train_s"],
                     "flops": meta.get("flops"), **{k: float(numbers[k]) for k in KEYS}})
        print(f"{model} step {meta['steps']}: FD {rows[-1]['fd']:.2f}, musicality "
              f"{rows[-1]['musicality']:.3f}", flush=True)
    write_json(out_path, {"model": model, "n_windows": n, "window": window, "rows": rows})
    return rows
