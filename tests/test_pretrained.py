"""The offline pretrained tools: musicnn embeddings (numpy port, no TensorFlow) tell a
rendered piano from white noise and are deterministic; basic-pitch (ONNX, no TensorFlow) finds a
rendered C-major scale; note_figures gives known answers on hand-made notes."""
import io
import subprocess
import sys

import numpy as np
import pytest

from models.evaluate import pretrained

SR = 16000
LENGTH = 16384  # the project's clip length: 1.024 s at 16 kHz
SCALE = [60, 62, 64, 65, 67, 69, 71, 72]  # C4 D4 E4 F4 G4 A4 B4 C5


@pytest.fixture(scope="module")
def scale_audio():
    """C4..C5 on Acoustic Grand Piano, 0.25 s a note, rendered by the project's renderer."""
    import pretty_midi

    from models.data.render import render_midi

    pm = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    for i, pitch in enumerate(SCALE):
        piano.notes.append(pretty_midi.Note(velocity=100, pitch=pitch, start=0.25 * i,
                                            end=0.25 * (i + 1)))
    pm.instruments.append(piano)
    buf = io.BytesIO()
    pm.write(buf)
    return render_midi(buf.getvalue())


@pytest.fixture(scope="module")
def clips(scale_audio):
    """Two project-sized clips: the first 1.024 s of the scale, and white noise."""
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, LENGTH).astype(np.float32)
    return np.stack([scale_audio[:LENGTH], noise])


@pytest.fixture(scope="module")
def both_orders(clips):
    """Embeddings of [piano, noise, noise, piano], from one call."""
    return pretrained.musicnn_embed(np.concatenate([clips, clips[::-1]]))


@pytest.fixture(scope="module")
def embeddings(both_orders):
    return both_orders[:2]


def test_musicnn_embedding_shape_and_values(embeddings):
    assert embeddings.shape == (2, pretrained.MUSICNN_DIM) == (2, 200)
    assert embeddings.dtype == np.float32 and np.isfinite(embeddings).all()
    assert embeddings.std() > 0.1  # not a constant vector


def test_musicnn_is_deterministic_and_per_clip(clips, both_orders):
    again = pretrained.musicnn_embed(np.concatenate([clips, clips[::-1]]))
    np.testing.assert_array_equal(again, both_orders)  # a second call: bitwise the same
    # each clip gets its own vector wherever it sits, up to float32 round-off (~1e-7 seen)
    np.testing.assert_allclose(both_orders[2:][::-1], both_orders[:2], rtol=1e-4, atol=1e-5)


def test_musicnn_tells_piano_from_noise(embeddings):
    piano, noise = embeddings
    cosine = piano @ noise / (np.linalg.norm(piano) * np.linalg.norm(noise))
    # cosine distance 0.83 measured here; rendered Bach clips were 0.05 apart, 0.16 from the scale
    assert 1 - cosine > 0.4


def test_musicnn_rejects_non_finite_clips():
    bad = np.full((1, LENGTH), np.nan, dtype=np.float32)
    with pytest.raises(ValueError, match="finite"):
        pretrained.musicnn_embed(bad)


def test_transcribe_finds_the_c_major_scale(scale_audio):
    (notes,) = pretrained.transcribe(scale_audio[None, :])
    assert notes.ndim == 2 and notes.shape[1] == 3
    assert np.all(notes[:, 1] > notes[:, 0]) and notes[:, 0].min() >= 0
    found = set(np.round(notes[:, 2]).astype(int))
    assert len(found & set(SCALE)) >= 7  # 8 of 8 when measured; plus some harmonics (C5, E5)
    # each scale note starts within 60 ms of its time, at the found pitch
    on_time = [any(abs(on - 0.25 * i) < 0.06 for on, _, p in notes if round(p) == pitch)
               for i, pitch in enumerate(SCALE)]
    assert sum(on_time) >= 6
    assert pretrained.note_figures(notes, len(scale_audio) / SR)["in_scale"] >= 0.9


def test_transcribe_batches_clips_and_resamples(scale_audio):
    two = np.stack([scale_audio[:LENGTH], scale_audio[-LENGTH:]])
    batch = pretrained.transcribe(two)
    assert len(batch) == 2
    np.testing.assert_array_equal(batch[1], pretrained.transcribe(two[1:])[0])
    # the same audio given at 22.05 kHz gives about the same notes
    import soxr

    at_22k = soxr.resample(scale_audio[:LENGTH], SR, 22050)[None, :]
    (other,) = pretrained.transcribe(at_22k, sr=22050)
    assert set(np.round(other[:, 2])) == set(np.round(batch[0][:, 2]))
    assert pretrained.transcribe(np.zeros((0, LENGTH), np.float32)) == []
    (silent,) = pretrained.transcribe(np.zeros((1, LENGTH), np.float32))
    assert silent.shape == (0, 3)


def test_pretrained_tools_load_no_tensorflow():
    """The workflow's evaluation runs where TensorFlow is absent (the GPU machine)."""
    code = ("import sys, numpy as np; "
            "from models.evaluate.pretrained import musicnn_embed, transcribe; "
            "x = np.zeros((2, 16384), np.float32); transcribe(x); "
            "assert musicnn_embed(x).shape == (2, 200); "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=pretrained.ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


def test_note_figures_of_a_held_chord():
    chord = np.array([[0.0, 1.0, 60], [0.0, 1.0, 64], [0.0, 1.0, 67]])  # C-E-G held 1 s
    got = pretrained.note_figures(chord, duration=2.0)
    assert got["polyphony"] == pytest.approx(3.0)
    assert got["pitch_range"] == 7.0
    assert got["in_scale"] == 1.0
    assert got["note_rate"] == pytest.approx(1.5)


def test_note_figures_polyphony_counts_only_sounding_time():
    # one note 0-2 s, a second 1-2 s, silence 2-4 s: 1 voice for 1 s, 2 voices for 1 s -> 1.5
    notes = np.array([[0.0, 2.0, 60], [1.0, 2.0, 72]])
    assert pretrained.note_figures(notes, duration=4.0)["polyphony"] == pytest.approx(1.5)
    assert pretrained.note_figures(notes[:1], duration=4.0)["pitch_range"] == 0.0


def test_note_figures_chromatic_cluster_is_less_in_scale():
    cluster = np.array([[0.0, 0.5, p] for p in range(60, 72)])  # all 12 pitch classes
    got = pretrained.note_figures(cluster, duration=1.0)
    assert got["in_scale"] == pytest.approx(7 / 12)
    assert got["pitch_range"] == 11.0 and got["polyphony"] == pytest.approx(12.0)
    # a C-major melody transposed to F# major is still fully in (F#) major
    fsharp = np.array([[i * 0.1, i * 0.1 + 0.1, p + 6] for i, p in enumerate(SCALE)])
    assert pretrained.note_figures(fsharp, duration=1.0)["in_scale"] == 1.0


def test_note_figures_of_no_notes():
    got = pretrained.note_figures(np.zeros((0, 3)), duration=1.024)
    assert got["polyphony"] == 0.0 and got["note_rate"] == 0.0 and got["pitch_range"] == 0.0
    assert got["in_scale"] == 0.0
    with pytest.raises(ValueError):
        pretrained.note_figures(np.zeros((0, 3)), duration=0.0)
