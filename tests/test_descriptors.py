"""Musicality descriptors: known keys and the noise extreme."""
import io

import numpy as np
import pretty_midi
import pytest

from models.data import render
from models.evaluate import descriptors, embeddings

SR = 16000
LENGTH = 16384


def melody_midi(pitches, step=0.25) -> bytes:
    pm = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    piano.notes += [pretty_midi.Note(90, p, i * step, (i + 1) * step) for i, p in enumerate(pitches)]
    pm.instruments.append(piano)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def describe(clips):
    clips = np.asarray(clips, np.float32)
    profiles = embeddings.pitch_class_profile([embeddings.chroma_frames(c) for c in clips])
    return descriptors.set_descriptors(clips, profiles), profiles


@pytest.fixture(scope="module")
def sets():
    scale = render.render_midi(melody_midi([60, 62, 64, 65, 67, 69, 71, 72] * 2))
    chorale = render.render_midi(render.score_to_piano_midi(render.bach_scores()["bwv250"]))
    rng = np.random.default_rng(0)
    return {"scale": [scale[:2 * LENGTH]],
            "chorale": [chorale[i * LENGTH:(i + 1) * LENGTH] for i in range(1, 9)],
            "noise": list(rng.normal(0, 0.1, size=(8, LENGTH)))}


def test_a_rendered_c_major_scale_is_in_c_major(sets):
    d, profiles = describe(sets["scale"])
    assert descriptors.key_name(int(d["key"][0])) == "C major"
    assert d["key_clarity"][0] > 0.8
    assert 3.5 < d["onset_rate"][0] < 4.5     # 8 notes in 2.048 s: 3.9 per second


def test_white_noise_has_the_lowest_key_clarity_and_the_highest_flatness(sets):
    got = {k: describe(v)[0] for k, v in sets.items()}
    clarity = {k: d["key_clarity"].mean() for k, d in got.items()}
    flatness = {k: d["flatness"].mean() for k, d in got.items()}
    entropy = {k: d["pc_entropy"].mean() for k, d in got.items()}
    assert min(clarity, key=clarity.get) == "noise", clarity
    assert max(flatness, key=flatness.get) == "noise" and flatness["noise"] > 0.4, flatness
    assert max(entropy, key=entropy.get) == "noise" and entropy["noise"] > 3.5, entropy
    assert got["noise"]["silence"].max() == 0


def test_silence_and_key_profiles():
    d, profiles = describe([np.zeros(LENGTH)])
    assert d["silence"][0] == 1.0 and d["key_clarity"][0] == 0.0 and d["onset_rate"][0] == 0
    stuck, _ = describe([np.full(LENGTH, -1.0, np.float32)])      # DC: silent to the ear
    assert stuck["silence"][0] == 1.0
    np.testing.assert_allclose(profiles[0], np.full(12, 1 / 12))
    # the C major key profile itself is C major with r = 1, and A minor is its relative
    key, r, _ = descriptors.key_of(descriptors.KK_MAJOR)
    assert key == 0 and r == pytest.approx(1.0)
    assert descriptors.key_name(descriptors.key_of(descriptors.KK_MINOR[np.arange(12) - 9])[0]) \
        == "A minor"


def test_comparing_a_set_with_itself_gives_zero_distances():
    rng = np.random.default_rng(1)
    vals = {n: rng.normal(size=50) for n in descriptors.DESCRIPTORS}
    out = descriptors.compare(vals, vals)
    assert out["mean_distance"] == 0
    shifted = descriptors.compare({n: v + 1.0 for n, v in vals.items()}, vals)
    for n in descriptors.DESCRIPTORS:
        assert shifted[n]["ci_low"] < shifted[n]["mean"] < shifted[n]["ci_high"]
        assert 0.3 < shifted[n]["distance"] < 0.6   # KS of N(0,1) vs N(1,1) is 0.38
    apart = descriptors.compare({n: v + 100.0 for n, v in vals.items()}, vals)
    assert apart["mean_distance"] == 1.0
    p = rng.dirichlet(np.ones(12), size=20)
    assert descriptors.pc_histogram_distance(p, p) == 0


def test_chroma_of_a_set_is_each_clips_own_chroma(sets):
    """Clips that share a tuning estimate are transformed together; each clip's chroma is still
    the one librosa makes for it alone, with its own tuning (float32 round-off apart), including
    a clip detuned by a third of a semitone and a silent one."""
    import librosa

    chorale = np.asarray(sets["chorale"], np.float32)
    detuned = librosa.effects.pitch_shift(chorale[0], sr=SR, n_steps=0.33)
    clips = np.stack([*chorale[:4], detuned, np.zeros(LENGTH, np.float32),
                      *np.asarray(sets["noise"][:2], np.float32)])
    tunings = {librosa.estimate_tuning(y=c, sr=SR, bins_per_octave=embeddings.CHROMA_BINS)
               for c in clips[:5]}
    assert len(tunings) > 1  # more than one group of clips
    together = embeddings.chroma_set(clips)
    for clip, got in zip(clips, together):
        with np.errstate(all="ignore"):
            alone = librosa.feature.chroma_cqt(y=clip, sr=SR, hop_length=256, norm=None,
                                               n_chroma=12)
        assert got.shape == (alone.shape[1], 12)
        np.testing.assert_allclose(got, embeddings._scaled(alone), atol=1e-5)
    assert not together[5].any()  # silence has no pitch
