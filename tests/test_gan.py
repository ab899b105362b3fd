"""WaveGAN and SpecGAN: exact sizes, the trainer on every backend, the penalty, resume after a
kill, and SpecGAN's features inverting back to audio."""
import json
import subprocess
import sys

import numpy as np
import pytest

import ahead
from conftest import (ROOT, check_env, finish_process, kill_after_checkpoint, make_data_dir,
                      train_process)
from gan_check import critic_learned

KERNEL_1D, KERNEL_2D = 25, 5 * 5


def conv_params(kernel, c_in, c_out):
    return kernel * c_in * c_out + c_out


def expected_wavegan(d, slice_len, latent=100):
    """(generator, critic) parameters from the layer list of the paper / reference repo."""
    if slice_len == 16384:
        widths = [16 * d, 8 * d, 4 * d, 2 * d, d, 1]
    else:
        widths = [32 * d, 16 * d, 8 * d, 4 * d, 2 * d, d, 1]
    dense = latent * 16 * widths[0] + 16 * widths[0]
    g = dense + sum(conv_params(KERNEL_1D, a, b) for a, b in zip(widths, widths[1:]))
    rev = widths[::-1]
    c = sum(conv_params(KERNEL_1D, a, b) for a, b in zip(rev, rev[1:])) + 16 * widths[0] + 1
    return g, c


def test_layer_list_matches_the_papers_totals():
    assert expected_wavegan(64, 16384) == (19_065_345, 17_427_969)
    g, c = expected_wavegan(64, 65536)
    assert round(g / 1e6, 1) == 73.1 and round(c / 1e6, 1) == 69.9


@pytest.mark.parametrize("slice_len", [16384, 65536])
def test_wavegan_parameter_counts_at_d64(slice_len):
    from models.gan import wavegan

    g = wavegan.build_generator(64, slice_len)
    c = wavegan.build_critic(64, slice_len)
    assert (g.count_params(), c.count_params()) == expected_wavegan(64, slice_len)
    assert g.output_shape == (None, slice_len, 1) and c.output_shape == (None, 1)


@pytest.mark.parametrize("slice_len", [16384, 65536])
def test_critic_shuffles_phase_after_convolutions_0_to_3_only(slice_len):
    """The reference's critic: phase shuffle after convs 0-3; the 5th (and the long slices'
    6th) convolution feeds the next layer unshuffled."""
    from models.gan import wavegan

    names = [layer.name for layer in wavegan.build_critic(2, slice_len).layers]
    after = [names[names.index(n) + 2] for n in names if n.startswith("conv_")]
    assert [a.startswith("phase_shuffle") for a in after] == \
        [True] * 4 + [False] * (len(after) - 4)
    assert len(after) == (5 if slice_len == 16384 else 6)


def test_gansynth_trains_on_gaussian_latents_with_one_critic_update():
    """The progressive GAN's recipe, as GANSynth: N(0, 1) latents, n_critic 1; WaveGAN keeps
    its uniform latents and five critic updates."""
    from models.config import resolve
    from models.gan import wavegan
    from models.gan.trainer import WGANGP

    cfg = resolve({"preset": "smoke"})
    assert (cfg["gansynth"]["latent"], cfg["gansynth"]["n_critic"]) == ("normal", 1)
    assert (cfg["wavegan"]["latent"], cfg["wavegan"]["n_critic"]) == ("uniform", 5)
    g, c = wavegan.build_generator(2, latent_dim=64), wavegan.build_critic(2)
    for latent in ("normal", "uniform"):
        z = np.asarray(WGANGP(g, c, latent_dim=64, latent=latent).sample_latent(256))
        assert z.shape == (256, 64)
        assert (np.abs(z).max() > 2.5) == (latent == "normal")
        assert np.std(z) == pytest.approx(1.0 if latent == "normal" else 3 ** -0.5, rel=0.05)


def test_generation_weights_are_the_moving_average_and_training_keeps_its_own():
    """With ``ema`` the generator checkpoint holds the optimizer's moving average of the
    generator's weights; the weights training continues from are restored."""
    import keras

    from gan_check import Repeat
    from models.gan import wavegan
    from models.gan.model import averaged_weights
    from models.gan.trainer import WGANGP

    keras.utils.set_random_seed(0)
    g, c = wavegan.build_generator(2, latent_dim=8), wavegan.build_critic(2)
    trainer = WGANGP(g, c, latent_dim=8, n_critic=1)
    trainer.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                    g_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5))
    start = [v.numpy() for v in g.trainable_variables]
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (1, 4, 16384, 1)).astype("float32")
    trainer.fit(Repeat(x, 3), epochs=1, verbose=0)
    trained = [v.numpy() for v in g.trainable_variables]
    with averaged_weights(g, trainer.g_optimizer):
        averaged = [v.numpy() for v in g.trainable_variables]
    moving = [v.numpy() for v in trainer.g_optimizer._model_variables_moving_average]
    for a, m in zip(averaged, moving, strict=True):
        np.testing.assert_array_equal(a, m)
    moved = [np.abs(t - s).max() > 1e-6 for t, s in zip(trained, start)]
    assert any(moved) and all(np.abs(a - t).max() > 1e-7 and np.abs(a - s).max() > 1e-7
                              for a, t, s, m in zip(averaged, trained, start, moved) if m)
    for t, v in zip(trained, g.trainable_variables):
        np.testing.assert_array_equal(v.numpy(), t)


def test_specgan_parameter_counts_at_d64():
    from models.gan import specgan

    widths = [16 * 64, 8 * 64, 4 * 64, 2 * 64, 64, 1]
    g_expected = 100 * 4 * 4 * widths[0] + 4 * 4 * widths[0] + sum(
        conv_params(KERNEL_2D, a, b) for a, b in zip(widths, widths[1:]))
    rev = widths[::-1]
    c_expected = sum(conv_params(KERNEL_2D, a, b) for a, b in zip(rev, rev[1:])) \
        + 4 * 4 * widths[0] + 1
    g, c = specgan.build_generator(64), specgan.build_critic(64)
    assert (g.count_params(), c.count_params()) == (g_expected, c_expected)
    assert (g_expected, c_expected) == expected_wavegan(64, 16384)  # as the paper says
    assert g.output_shape == (None, 128, 128, 1)


def test_phase_shuffle_shifts_with_reflection():
    from keras import ops

    from models.gan.layers import PhaseShuffle

    x = np.arange(2 * 10 * 3, dtype="float32").reshape(2, 10, 3)
    layer = PhaseShuffle(2, seed=0)
    assert np.array_equal(ops.convert_to_numpy(layer(x, training=False)), x)
    y = ops.convert_to_numpy(layer(x, training=True))
    for b in range(2):  # each example is its reflect-padded self, shifted by some k in [-2, 2]
        padded = np.pad(x[b], [(2, 2), (0, 0)], mode="reflect")
        assert any(np.array_equal(y[b], padded[2 - k:12 - k]) for k in range(-2, 3))


def test_phase_shuffle_by_slices_equals_indexing_for_fixed_shifts():
    from keras import ops

    from models.gan.layers import shift_reflect

    x = np.random.default_rng(0).normal(size=(5, 12, 3)).astype("float32")
    shift = np.array([-2, -1, 0, 1, 2])
    got = ops.convert_to_numpy(shift_reflect(x, ops.convert_to_tensor(shift), 2))
    padded = np.pad(x, [(0, 0), (2, 2), (0, 0)], mode="reflect")
    index = np.arange(12)[None, :] + 2 - shift[:, None]           # output[t] = padded[t + n - s]
    expected = np.take_along_axis(padded, index[:, :, None].repeat(3, 2), axis=1)
    np.testing.assert_array_equal(got, expected)


BACKENDS = ("tensorflow", "jax", "torch")


@ahead.work("gan_checks")
def run_gan_checks(_folder):
    """tests/gan_check.py on each backend, a process each, one after another: worked out
    ahead (tests/ahead.py) beside the unit tests."""
    return {backend: subprocess.run([sys.executable, str(ROOT / "tests" / "gan_check.py")],
                                    env=check_env(backend), capture_output=True, text=True,
                                    timeout=600) for backend in BACKENDS}


@pytest.fixture(scope="module")
def gan_checks():
    return ahead.result("gan_checks")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_training_lowers_critic_loss_and_penalty_matches_finite_differences(gan_checks, backend):
    proc = gan_checks[backend]
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend
    for model in ("wavegan", "specgan"):
        losses = result[model]
        assert critic_learned(losses), f"{model}: {losses}"
    assert result["gp"] == pytest.approx(result["gp_finite_difference"], rel=1e-3)
    assert result["grad_max_error"] < 1e-3


TRAIN = """
import sys, json
sys.path.insert(0, {root!r})
from models.config import resolve
from models import registry
cfg = resolve({{"preset": "smoke", "wavegan": {{"d": 4, "batch": 4, "steps": {steps},
                "log_every": 1, "checkpoint_every": 1}}}})
meta = registry.train("wavegan", {data!r}, {ckpt!r}, cfg, {state!r})
print(json.dumps(meta))
"""


def run_training(tmp_path, name, steps, data, wait=True, backend="tensorflow"):
    code = TRAIN.format(root=str(ROOT), steps=steps, data=str(data),
                        ckpt=str(tmp_path / name / "checkpoint"),
                        state=str(tmp_path / name / "state"))
    return train_process(code, backend, wait)


def generator_weights(tmp_path, name):
    with np.load(tmp_path / name / "checkpoint" / "generator.npz") as z:
        return [z[k] for k in sorted(z.files, key=lambda k: int(k.split("_")[1]))]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])  # JAX: data on the device
def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path, backend):
    data = make_data_dir(tmp_path / "data", seconds=3.2, length=16384)
    proc = run_training(tmp_path, "killed", 10_000, data, wait=False, backend=backend)
    state = tmp_path / "killed" / "state"
    step = kill_after_checkpoint(proc, state, 2)
    target = step + 3
    # the uninterrupted run beside the resumed one, in a process of its own
    plain = run_training(tmp_path, "plain", target, data, wait=False, backend=backend)
    resumed = run_training(tmp_path, "killed", target, data, backend=backend)
    plain = finish_process(plain)
    assert (resumed["resumed_from"], resumed["steps"]) == (step, target)
    assert resumed["compile_s"] > 0
    assert plain["resumed_from"] == 0
    for a, b in zip(generator_weights(tmp_path, "killed"), generator_weights(tmp_path, "plain")):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    rows = (state / "curves.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == list(range(1, target + 1))


def test_specgan_features_invert_with_low_spectral_convergence():
    from models.data import render
    from models.gan import specgan

    y = render.render_midi(render.score_to_piano_midi(render.bach_scores()["bwv846"]))
    clips = np.stack([y[i * 16384:(i + 1) * 16384] for i in range(4, 12)])
    mom = specgan.moments([clips])
    back = specgan.to_audio(specgan.features(clips, mom), mom)
    assert back.shape == clips.shape
    sc = specgan.spectral_convergence(clips, back)
    assert sc < 0.15, sc  # 16 Griffin-Lim iterations from zero phase; measured ~0.09


def test_generation_builds_and_compiles_the_generator_once(tmp_path, monkeypatch):
    """Samples, interpolation and long form share one renderer; clips.json times it."""
    from models import registry
    from models.config import resolve
    from models.gan.model import WaveGAN

    data = make_data_dir(tmp_path / "data", seconds=3.2, length=16384)
    meta = run_training(tmp_path, "g", 2, data)
    assert meta["steps"] == 2
    built = []
    original = WaveGAN.generator_only
    monkeypatch.setattr(WaveGAN, "generator_only",
                        lambda self, mcfg: built.append(1) or original(self, mcfg))
    cfg = resolve({"preset": "smoke"})
    registry.generate("wavegan", tmp_path / "g" / "checkpoint", tmp_path / "samples", 3, 0, cfg,
                      n_long=1, long_seconds=2.0)
    assert len(built) == 1
    listing = json.loads((tmp_path / "samples" / "clips.json").read_text())
    render = listing["render"]
    assert render["cold_s"] > 0 and render["clips"] >= 3 + 8  # samples, interpolation, long
    assert render["forward_s"] > 0 and not render["post_on_device"]  # TensorFlow: on the host
