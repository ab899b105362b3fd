"""GANSynth-style GAN: the magnitude + instantaneous-frequency images invert back to a rendered
Bach clip, stay in [-1, 1]; the networks' shapes and parameter counts; the progressive-GAN
layers against hand computations; a few WGAN-GP steps on a fixed batch lower the critic loss,
in-process (default backend, TensorFlow) and on JAX in a subprocess.

Run as a script (``KERAS_BACKEND=jax python tests/test_gansynth.py BATCH.npy``) this file
trains on the saved batch and prints the per-step critic losses as JSON.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import conftest  # noqa: F401  (puts the repository and tests/ on sys.path)
from gan_check import critic_learned

CLIP = 65536
# spectral convergence bounds at frame 1024; measured on the test clip (on 8 clips)
LINEAR_SC_EXACT = 1e-3   # floor=EXACT_FLOOR: 5.8e-4 (5.6e-4)
LINEAR_SC = 1e-2         # default floor, last hop faded: 5.0e-3 (4.5e-3)
MEL_SC = 0.05            # IF-Mel, power onto mel as the paper's code: 0.031 on 8 clips


@pytest.fixture(scope="module")
def clips():
    """Four 4.1 s clips of rendered BWV 846 (16 kHz), (4, 65536) float32."""
    from models.data.render import bach_scores, render_midi, score_to_piano_midi

    y = render_midi(score_to_piano_midi(bach_scores()["bwv846"]))
    return np.stack([y[k * CLIP:(k + 1) * CLIP] for k in range(1, 5)])


# --- representation ---------------------------------------------------------------------------

def test_linear_images_invert_a_real_clip(clips):
    from models.gan import gansynth

    clip = clips[:1]
    images = gansynth.features(clip, 1024, mel=False)
    assert images.shape == (1, 256, 512, 2) and images.dtype == np.float32
    exact = gansynth.to_audio(images, 1024, mel=False, floor=gansynth.EXACT_FLOOR)
    assert exact.shape == clip.shape
    assert gansynth.spectral_convergence(clip, exact) < LINEAR_SC_EXACT
    back = gansynth.to_audio(images, 1024, mel=False)          # the default: tail faded
    assert gansynth.spectral_convergence(clip, back) < LINEAR_SC
    # sample-exact (float32 images) everywhere but the last hop, seen by one window's tail
    assert np.abs(back - clip)[:, :-256].max() < 1e-5


def test_mel_images_invert_approximately(clips):
    from models.gan import gansynth

    clip = clips[:1]
    images = gansynth.features(clip, 1024, mel=True)
    assert images.shape == (1, 256, 512, 2)
    back = gansynth.to_audio(images, 1024, mel=True)
    assert gansynth.spectral_convergence(clip, back) < MEL_SC


def test_mel_images_map_power_and_unwrapped_phase_as_the_papers_code(clips):
    """IF-Mel as GANSynth's code makes it: mel power = M @ |X|^2, and the IF of the mel bins
    is the wrapped time difference of M @ (unwrapped phase)."""
    from models.gan import gansynth as gs

    clip = clips[:1]
    lin, mel = gs.features(clip, 1024, mel=False), gs.features(clip, 1024, mel=True)
    m = gs.mel_matrix(1024)
    power = lambda c: (np.exp(gs.LOG_LO + (c.astype(np.float64) + 1) / 2  # noqa: E731
                              * (gs.LOG_HI - gs.LOG_LO)) - gs.LOG_EPS) ** 2
    np.testing.assert_allclose(power(mel[..., 0]), power(lin[..., 0]) @ m.T, rtol=1e-3,
                               atol=1e-12)
    mel_phase = np.pi * np.cumsum(lin[..., 1].astype(np.float64), axis=1) @ m.T
    step = np.diff(mel_phase, axis=1, prepend=0 * mel_phase[:, :1])
    np.testing.assert_allclose(mel[..., 1], (np.mod(step + np.pi, 2 * np.pi) - np.pi) / np.pi,
                               atol=1e-4)


def test_mel_matrix_averages_and_inverts_the_low_bins():
    from models.gan import gansynth

    m, p = gansynth.mel_matrix(1024), gansynth.mel_inverse(1024)
    assert m.shape == p.shape == (512, 512) and (m >= 0).all()
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    low = 150                                   # linear bins up to ~2.3 kHz come back exactly
    np.testing.assert_allclose((p @ m)[:low, :low], np.eye(low), atol=1e-8)


@pytest.mark.parametrize("mel", [False, True])
def test_features_lie_in_unit_range(clips, mel):
    from models.gan import gansynth

    rng = np.random.default_rng(0)
    t = np.arange(CLIP)
    extremes = np.stack([
        np.zeros(CLIP),                                   # silence
        rng.uniform(-1, 1, CLIP),                         # full-scale noise
        np.sign(np.sin(2 * np.pi * 440 * t / 16000)),     # full-scale square wave
        (-1.0) ** t,                                      # full-scale Nyquist tone
        clips[0],
    ])
    for frame, shape in ((1024, (256, 512)), (2048, (128, 1024))):
        images = gansynth.features(extremes, frame, mel=mel)
        assert images.shape == (5,) + shape + (2,)
        assert images.min() >= -1.0 and images.max() <= 1.0
        assert np.all(images[0, ..., 0] == -1.0)         # silence is the floor
    if not mel:
        assert np.all(images[3, 8:, -1, 0] > 0.999)      # Nyquist tone: |X| = 1


def test_a_batch_is_its_clips_one_by_one(clips, timed):
    """Training computes features of whole batches: each clip's images and audio are those it
    gets alone. The batch's time (8 clips there and back) is reported, not asserted."""
    from models.gan import gansynth

    batch = np.concatenate([clips, clips[::-1]])          # 8 clips
    alone = [gansynth.to_audio(gansynth.features(c[None])) for c in batch]   # warms the caches
    with timed("GANSynth features and inversion of 8 clips of 4.1 s"):
        together = gansynth.to_audio(gansynth.features(batch))
    np.testing.assert_allclose(together, np.concatenate(alone), atol=1e-6)


# --- networks ---------------------------------------------------------------------------------

def test_network_shapes_and_parameter_counts():
    from models.gan import gansynth

    g = gansynth.build_generator(2, 32, 256, 512)
    c = gansynth.build_critic(2, 256, 512)
    z = np.random.default_rng(0).uniform(-1, 1, (3, 32)).astype("float32")
    images = np.asarray(g.predict(z, verbose=0))
    assert images.shape == (3, 256, 512, 2) and np.abs(images).max() <= 1.0
    assert np.asarray(c.predict(images, verbose=0)).shape == (3, 1)
    assert (g.count_params(), c.count_params()) == gansynth.parameter_counts(2, 32, 256, 512)
    assert gansynth.widths(64, 6) == [256, 256, 256, 256, 128, 64, 32]
    for frames, bins in ((256, 512), (128, 1024)):       # frame 1024 and 2048
        g, c = gansynth.build_generator(64, 256, frames, bins), gansynth.build_critic(64, frames,
                                                                                       bins)
        assert g.output_shape == (None, frames, bins, 2) and c.output_shape == (None, 1)
        assert (g.count_params(), c.count_params()) == gansynth.parameter_counts(64, 256, frames,
                                                                                 bins)
        assert g.get_layer("project").output.shape[-1] == 256 * 32   # base grid 4x8 / 2x16


# --- layers -----------------------------------------------------------------------------------

def test_pixel_norm_gives_unit_mean_square():
    from keras import ops

    from models.gan.pg_layers import PixelNorm

    x = 5 * np.random.default_rng(0).normal(size=(2, 3, 4, 8)).astype("float32")
    y = ops.convert_to_numpy(PixelNorm()(x))
    np.testing.assert_allclose((y ** 2).mean(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(y / x, np.broadcast_to(y[..., :1] / x[..., :1], x.shape),
                               rtol=1e-5)                 # one scale per position


def test_equalized_layers_scale_unit_weights_by_he_constant():
    from keras import ops

    from models.gan.pg_layers import EqualizedConv2D, EqualizedDense

    rng = np.random.default_rng(0)
    conv = EqualizedConv2D(64, 3)
    x = rng.normal(size=(2, 5, 6, 16)).astype("float32")
    assert ops.convert_to_numpy(conv(x)).shape == (2, 5, 6, 64)
    stored = ops.convert_to_numpy(conv.kernel)
    effective = ops.convert_to_numpy(conv.effective_kernel())
    assert stored.std() == pytest.approx(1.0, rel=0.05)                  # N(0, 1) storage
    assert effective.std() == pytest.approx(np.sqrt(2 / (3 * 3 * 16)), rel=0.05)
    assert not ops.convert_to_numpy(conv.bias).any()
    one = EqualizedConv2D(4, 1)                        # a 1x1 conv is a scaled matmul
    y = ops.convert_to_numpy(one(x))
    w = ops.convert_to_numpy(one.kernel)[0, 0] * np.sqrt(2 / 16)
    np.testing.assert_allclose(y, x @ w, rtol=1e-4, atol=1e-5)
    dense = EqualizedDense(3, gain=1.0)
    v = rng.normal(size=(4, 10)).astype("float32")
    out = ops.convert_to_numpy(dense(v))
    w = ops.convert_to_numpy(dense.kernel)
    np.testing.assert_allclose(out, v @ w / np.sqrt(10), rtol=1e-4, atol=1e-5)
    for layer in (conv, dense):                        # config round trip
        again = type(layer).from_config(layer.get_config())
        assert again.get_config() == layer.get_config()


def test_minibatch_stddev_appends_the_batch_spread():
    from keras import ops

    from models.gan.pg_layers import MinibatchStdDev

    x = np.random.default_rng(0).normal(size=(4, 2, 3, 5)).astype("float32")
    y = ops.convert_to_numpy(MinibatchStdDev()(x))
    assert y.shape == (4, 2, 3, 6)
    np.testing.assert_array_equal(y[..., :5], x)
    expected = np.sqrt(x.var(axis=0) + 1e-8).mean()
    np.testing.assert_allclose(y[..., 5], expected, rtol=1e-5)
    y = ops.convert_to_numpy(MinibatchStdDev(group_size=2)(x))   # groups {0, 2} and {1, 3}
    for members in ((0, 2), (1, 3)):
        expected = np.sqrt(x[list(members)].var(axis=0) + 1e-8).mean()
        np.testing.assert_allclose(y[list(members), ..., 5], expected, rtol=1e-5)
    assert MinibatchStdDev(group_size=2).get_config()["group_size"] == 2


# --- training ---------------------------------------------------------------------------------

def critic_losses(batch, steps, lr=8e-4):
    """Per-step critic losses of ``steps`` WGAN-GP steps (5 critic updates each) on one fixed
    batch of images, d = 2, latent 32, Adam(lr, 0, 0.99) as the paper."""
    from gan_check import critic_losses as losses_of
    from models.gan import gansynth

    frames, bins = batch.shape[1:3]
    return losses_of(lambda: (gansynth.build_generator(2, 32, frames, bins),
                              gansynth.build_critic(2, frames, bins)),
                     np.repeat(batch[None], 5, axis=0), steps_=steps, lr=lr, betas=(0.0, 0.99),
                     latent_dim=32)


def test_training_lowers_critic_loss(clips):
    from models.gan import gansynth

    losses = critic_losses(gansynth.features(clips, 1024, mel=True), steps=10)
    assert critic_learned(losses), losses


@pytest.mark.slow
def test_training_lowers_critic_loss_on_jax(clips, tmp_path):
    """JAX in its own process. Un-jitted, 10 steps at 256 x 512 take ~40 s on two cores, so
    this trains 20 jitted steps on 64 x 128 images (0.26 s clips at frame 256)."""
    from models.gan import gansynth

    path = tmp_path / "batch.npy"
    np.save(path, gansynth.features(clips[:, :4096], 256, mel=True))
    proc = subprocess.run([sys.executable, __file__, str(path)], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == "jax"
    losses = result["losses"]
    assert critic_learned(losses), losses


if __name__ == "__main__":
    import keras

    images = np.load(sys.argv[1])
    losses = critic_losses(images, steps=20)
    print(json.dumps({"backend": keras.backend.backend(), "losses": losses}))
