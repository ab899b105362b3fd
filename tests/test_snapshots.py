"""Generator snapshots for quality against compute: the schedule, and that a resumed run keeps
the snapshots it had and adds the rest."""
import numpy as np

from models.train import snapshots


def test_schedule_is_log_spaced_and_ends_at_the_last_step():
    assert snapshots.schedule(8, 1) == [1, 2, 4, 8]
    assert snapshots.schedule(650, 50) == [50, 100, 200, 400, 650]
    assert snapshots.schedule(50000, 100)[-2:] == [25600, 50000]
    assert len(snapshots.schedule(50000, 100)) == 10
    assert not snapshots.due(300, 50) and not snapshots.due(0, 50) and snapshots.due(800, 50)


def cfg(steps):
    from models.config import resolve

    return resolve({"preset": "smoke", "clips": {"length": 8192},
                    "lstm_seed": {"batch": 32, "steps": steps, "log_every": 1,
                                  "checkpoint_every": 2, "lr": 0.01}})


def test_snapshots_survive_a_resume_and_generate(tmp_path, data_dir):
    from models import registry

    ckpt, state = tmp_path / "checkpoint", tmp_path / "state"
    registry.train("lstm_seed", data_dir, ckpt, cfg(4), state)
    assert snapshots.steps_in(ckpt) == [1, 2, 4]
    first = {s: (snapshots.folder(state, s) / "weights.npz").read_bytes() for s in (1, 2, 4)}
    # a killed run that got past the saved state left a snapshot the resumed run must redo
    (snapshots.folder(state, 5)).mkdir(parents=True)
    meta = registry.train("lstm_seed", data_dir, ckpt, cfg(8), state)
    assert meta["resumed_from"] == 4 and meta["steps"] == 8
    assert snapshots.steps_in(ckpt) == [1, 2, 4, 8] == snapshots.steps_in(state)
    for s, data in first.items():  # kept as they were, not retrained
        assert (snapshots.folder(ckpt, s) / "weights.npz").read_bytes() == data
    listed = snapshots.listed(ckpt)
    assert [m["steps"] for m in listed] == [1, 2, 4, 8]
    seconds = [m["train_s"] for m in listed]
    assert all(a < b for a, b in zip(seconds, seconds[1:]))
    assert listed[-1]["flops"] == 8 * meta["flops_per_step"]
    # a snapshot is a checkpoint: the registry samples it, and the last one is the final model
    last = registry.sample("lstm_seed", listed[-1]["folder"], 2, 0, cfg(8))
    np.testing.assert_array_equal(last, registry.sample("lstm_seed", ckpt, 2, 0, cfg(8)))
    early = registry.sample("lstm_seed", listed[0]["folder"], 2, 0, cfg(8))
    assert not np.array_equal(early, last)
