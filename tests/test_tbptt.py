"""SampleRNN trained as the paper trained it: truncated BPTT over long sequences, the frame
tier's state carried from chunk to chunk, in the training state that a resumed run loads."""
import numpy as np
import pytest
from conftest import ROOT, finish_process, kill_after_checkpoint, make_data_dir, train_process

from models.seq import samplernn

F, T, B = 4, 32, 3


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_carried_state_over_two_chunks_equals_one_pass(cell):
    import keras

    keras.utils.set_random_seed(0)
    carried = samplernn.build_model(F, 16, 8, 4, cell, T, carry_batch=B)
    whole = samplernn.build_model(F, 16, 8, 4, cell, 2 * T)
    whole.set_weights([w.numpy() for w in carried.trainable_weights])
    assert len(carried.non_trainable_weights) == (2 if cell == "lstm" else 1)
    ids = np.random.default_rng(1).integers(0, 256, (B, 2 * T + F))
    inputs, _ = samplernn.chunk_inputs(ids, F)
    expected = keras.ops.convert_to_numpy(whole(inputs))
    got = []
    for k in range(2):                   # the second chunk starts from the first one's state
        x, _ = samplernn.chunk_inputs(ids[:, k * T:(k + 1) * T + F], F)
        got.append(keras.ops.convert_to_numpy(carried({**x, "first": np.full((B, 1), 1.0 - k)})))
    np.testing.assert_allclose(np.concatenate(got, axis=1), expected, rtol=1e-5, atol=1e-6)
    # "first" = 1 zeroes the state: the first chunk again gives the first chunk's logits
    x, _ = samplernn.chunk_inputs(ids[:, :T + F], F)
    again = keras.ops.convert_to_numpy(carried({**x, "first": np.ones((B, 1))}))
    np.testing.assert_allclose(again, got[0], rtol=1e-6, atol=1e-7)


class Sampler:
    """A stand-in for SliceSampler: slices of one ramp, so positions can be read back."""

    def __init__(self, length):
        self.length = length

    def slices(self, rng, n):
        start = rng.integers(0, 10**6, n)
        return (start[:, None] + np.arange(self.length)[None, :]).astype(np.float64)


def test_rows_walk_their_sequences_chunk_by_chunk_and_redraw_together():
    from models.seq.tbptt import SequenceWalker

    n = 5
    walker = SequenceWalker(Sampler(n * T + F), seed=0, batch=B, chunk=T, frame=F, n_chunks=n)
    chunks = [walker.chunk_at(s) for s in range(2 * n + 1)]
    for s, (audio, first) in enumerate(chunks):
        assert audio.shape == (B, T + F) and first.shape == (B, 1)
        assert (first == (s % n == 0)).all()
        if s % n:                        # continues the previous chunk: frame of look-back
            np.testing.assert_array_equal(audio[:, :F], chunks[s - 1][0][:, T:])
        elif s:                          # a new draw, not a continuation
            assert not np.array_equal(audio[:, :F], chunks[s - 1][0][:, T:])
    again = SequenceWalker(Sampler(n * T + F), seed=0, batch=B, chunk=T, frame=F, n_chunks=n)
    np.testing.assert_array_equal(again.chunk_at(n + 2)[0], chunks[n + 2][0])  # by step alone


TRAIN = """
import sys, json
sys.path.insert(0, {root!r})
from models.config import resolve
from models import registry
cfg = resolve({{"preset": "smoke", "lstm": {{"frame": 4, "units": 16, "hidden": 16,
    "embedding": 4, "chunk": 64, "batch": 4, "steps": {steps}, "log_every": 1,
    "checkpoint_every": 1, "lr": 0.01, "sequence_seconds": 0.05}}}})
meta = registry.train("lstm", {data!r}, {ckpt!r}, cfg, {state!r})
print(json.dumps(meta))
"""


def run(tmp_path, name, steps, data, backend, wait=True):
    code = TRAIN.format(root=str(ROOT), steps=steps, data=str(data),
                        ckpt=str(tmp_path / name / "checkpoint"),
                        state=str(tmp_path / name / "state"))
    return train_process(code, backend, wait)


def next_chunk_logits(ckpt, data, step):
    """The trained network's logits for the chunk after ``step`` (its carried state loaded)."""
    from models import registry
    from models.seq import mulaw
    from models.seq.tbptt import SequenceWalker, chunks_per_sequence
    from models.train.slices import SliceSampler

    model, mcfg = registry.get("lstm")._model(ckpt)
    state = [w.numpy() for w in model.non_trainable_weights]
    n = chunks_per_sequence(mcfg["sequence_seconds"], mcfg["chunk"])
    walker = SequenceWalker(SliceSampler(data / "manifest.csv", n * 64 + 4), mcfg["seed"], 4,
                            64, 4, n)
    audio, first = walker.chunk_at(step)
    inputs, _ = samplernn.chunk_inputs(mulaw.encode(audio), 4)
    return np.asarray(model({**inputs, "first": first})), state, first


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_killed_and_resumed_run_continues_the_same_sequences(tmp_path, backend):
    data = make_data_dir(tmp_path / "data")
    proc = run(tmp_path, "killed", 10_000, data, backend, wait=False)
    step = kill_after_checkpoint(proc, tmp_path / "killed" / "state", 3)
    target = step + 3 + ((step + 3) % 12 == 0)   # 12 chunks of 64 a sequence: stop mid-way
    plain = run(tmp_path, "plain", target, data, backend, wait=False)  # beside the resumed one
    resumed = run(tmp_path, "killed", target, data, backend)
    assert (resumed["resumed_from"], resumed["steps"]) == (step, target)
    assert finish_process(plain)["resumed_from"] == 0
    a, state_a, first = next_chunk_logits(tmp_path / "killed" / "checkpoint", data, target)
    b, state_b, _ = next_chunk_logits(tmp_path / "plain" / "checkpoint", data, target)
    assert not first.any() and all(np.abs(s).max() > 1e-3 for s in state_b)  # state carried
    for x, y in zip(state_a, state_b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
