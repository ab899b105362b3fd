"""The numpy musicnn port (models.evaluate.musicnn_numpy): its checkpoint reader finds every
variable of musicnn's graph with the right shape and refuses damaged files; its log-mel is the
worker's; its embedding equals the TensorFlow reference worker's on rendered piano, noise and
silence; and models.evaluate.pretrained.musicnn_embed runs it without loading TensorFlow."""
import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.evaluate import musicnn_numpy as mn
from models.evaluate import pretrained

SR = 16000
LENGTH = 16384  # the project's clip length: 65 log-mel frames
N_CHECKPOINT_VARIABLES = 150  # 64 in the graph (62 up to the penultimate layer), Adam slots
# The graph's variables, listed by hand from musicnn/models.py build_musicnn (MTT_musicnn):
# frontend 7x38 and 7x67 timbral filters (204 each), 128/64/32x1 temporal filters (51 each),
# three 7-frame midend convolutions to 64, batch norm over 2 x 753 pooled features, dense 200,
# the 50 tag logits. Each batch_normalization_k has gamma, beta, moving_mean, moving_variance.
CONV_SHAPES = {"conv2d": (7, 38, 1, 204), "conv2d_1": (7, 67, 1, 204),
               "conv2d_2": (128, 1, 1, 51), "conv2d_3": (64, 1, 1, 51),
               "conv2d_4": (32, 1, 1, 51), "conv2d_5": (7, 561, 1, 64),
               "conv2d_6": (7, 64, 1, 64), "conv2d_7": (7, 64, 1, 64),
               "dense": (1506, 200), "dense_1": (200, 50)}
BN_SIZES = [1, 204, 204, 51, 51, 51, 64, 64, 64, 1506, 200]  # batch_normalization, _1, .. _10
TF_FOUND = importlib.util.find_spec("tensorflow") is not None


def graph_shapes() -> dict[str, tuple]:
    shapes = {}
    for name, shape in CONV_SHAPES.items():
        shapes[f"{name}/kernel"], shapes[f"{name}/bias"] = shape, shape[-1:]
    for k, size in enumerate(BN_SIZES):
        layer = "batch_normalization" + (f"_{k}" if k else "")
        for v in ("gamma", "beta", "moving_mean", "moving_variance"):
            shapes[f"{layer}/{v}"] = (size,)
    return shapes


@pytest.fixture(scope="module")
def clips():
    """Two piano clips (a rendered C-major scale), two white noises, silence: (5, 16384)."""
    import pretty_midi

    from models.data.render import render_midi

    pm = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    for i, pitch in enumerate([60, 62, 64, 65, 67, 69, 71, 72]):
        piano.notes.append(pretty_midi.Note(velocity=100, pitch=pitch, start=0.25 * i,
                                            end=0.25 * (i + 1)))
    pm.instruments.append(piano)
    buf = io.BytesIO()
    pm.write(buf)
    audio = render_midi(buf.getvalue())
    rng = np.random.default_rng(0)
    noise = rng.uniform(-0.5, 0.5, (2, LENGTH)).astype(np.float32)
    return np.concatenate([np.stack([audio[:LENGTH], audio[-LENGTH:]]), noise,
                           np.zeros((1, LENGTH), np.float32)])


def test_checkpoint_reader_finds_the_graph_variables():
    found = mn.read_checkpoint(mn.checkpoint_prefix())
    assert len(found) == N_CHECKPOINT_VARIABLES
    for name, shape in graph_shapes().items():
        assert found[name].shape == shape and found[name].dtype == np.float32, name
        assert np.isfinite(found[name]).all(), name
    assert found["dense/kernel"].shape[1] == pretrained.MUSICNN_DIM == 200
    assert (found["batch_normalization_10/moving_variance"] > 0).all()
    assert set(mn.graph_variables()) <= set(graph_shapes()) and len(mn.graph_variables()) == 62
    assert mn.weights() is mn.weights()  # read once per process


def test_checkpoint_reader_refuses_damaged_files(tmp_path):
    source = Path(mn.checkpoint_prefix())
    index_path, data_path = tmp_path / ".index", tmp_path / ".data-00000-of-00001"
    shutil.copy(str(source) + "/.data-00000-of-00001", data_path)
    index = (source / ".index").read_bytes()
    # the index block's trailer: its handle is the second in the 48-byte footer
    footer = index[-48:]
    offset, pos = mn._varint(footer, mn._varint(footer, mn._varint(footer, 0)[1])[1])
    size, _ = mn._varint(footer, pos)
    prefix = str(tmp_path) + "/"
    for damage, message in [(len(index) - 1, "bad magic"), (offset + size, "compressed"),
                            (offset + 2, "CRC-32C")]:
        bad = bytearray(index)
        bad[damage] ^= 0x01
        index_path.write_bytes(bytes(bad))
        with pytest.raises(ValueError, match=message):
            mn.read_checkpoint(prefix)
    index_path.write_bytes(index)
    data = bytearray(data_path.read_bytes())
    data[100] ^= 0x01  # tensors lie in name order: batch_normalization_1/beta is at 32..847
    data_path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="batch_normalization_1/beta: .* corrupt"):
        mn.read_checkpoint(prefix)
    assert len(mn.read_checkpoint(prefix, verify=False)) == N_CHECKPOINT_VARIABLES
    with pytest.raises(KeyError):
        mn.read_checkpoint(prefix, ["no/such/variable"])


def test_log_mel_is_the_workers(clips):
    from models.evaluate import musicnn_worker  # librosa's log-mel; no TensorFlow at import

    ref = musicnn_worker.log_mel(clips)
    got = mn.log_mel(clips)
    assert got.shape == ref.shape == (len(clips), 65, 96) and got.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)  # bitwise equal when measured


@pytest.mark.skipif(not TF_FOUND, reason="the TensorFlow reference worker needs TensorFlow")
def test_embedding_equals_the_tensorflow_worker(clips, tmp_path):
    src, dst = tmp_path / "clips.npy", tmp_path / "embeddings.npy"
    np.save(src, clips)
    worker = "models.evaluate.musicnn_worker"
    proc = subprocess.run([sys.executable, "-m", worker, str(src), str(dst)],
                          cwd=pretrained.ROOT, env=pretrained.musicnn_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ref = np.load(dst)
    got = pretrained.musicnn_embed(clips)
    assert got.shape == ref.shape == (len(clips), 200) and got.dtype == np.float32
    # float32 round-off in another order of additions: max abs difference 1.0e-5 measured
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


def test_embedding_is_per_clip_and_any_length(clips):
    many = np.concatenate([clips] * 4)  # 20 clips: more than one forward chunk
    batch = mn.embed(many)
    alone = np.concatenate([mn.embed(c[None]) for c in clips])
    np.testing.assert_allclose(batch[:len(clips)], alone, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(batch[-len(clips):], alone, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mn.embed(many), batch)  # deterministic
    longer = np.tile(clips[:1], 3)  # 3.072 s: 193 frames, fed at its own length
    assert mn.embed(longer).shape == (1, 200)
    assert mn.embed(np.zeros((0, LENGTH), np.float32)).shape == (0, 200)
    with pytest.raises(ValueError, match="finite"):
        mn.embed(np.full((1, LENGTH), np.inf, np.float32))
