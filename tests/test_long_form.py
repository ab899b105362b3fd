"""Long-form GAN audio: the latent walk, crossfaded joins of exact length, and seam figures."""
import numpy as np
import pytest

from models.gan import long_form

SR = 16000


def test_slerp_keeps_the_endpoints_and_the_norm_of_equal_norm_latents():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 16))
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    path = long_form.slerp(a, b, np.linspace(0, 1, 9))
    np.testing.assert_allclose(path[0], a, atol=1e-12)
    np.testing.assert_allclose(path[-1], b, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(a), rtol=1e-12)


def test_walk_is_seeded_and_slow():
    z = long_form.walk(12, 8, seed=3)
    assert z.shape == (12, 8) and np.abs(z).max() <= 1
    np.testing.assert_array_equal(z, long_form.walk(12, 8, seed=3))
    assert not np.array_equal(z, long_form.walk(12, 8, seed=4))
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    far = np.linalg.norm(z[:, None] - z[None], axis=2).max()
    assert steps.max() < far / 1.5   # neighbours are nearer than the walk's extent


def test_walk_draws_gaussian_latents_for_a_gaussian_gan():
    """GANSynth trains on N(0, 1) latents: its walk keeps their norm (about sqrt(dim)) and is
    not clipped to the uniform latents' cube."""
    z = long_form.walk(64, 256, seed=0, latent="normal")
    assert np.abs(z).max() > 1.5
    np.testing.assert_allclose(np.linalg.norm(z, axis=1).mean(), 16, rtol=0.15)


@pytest.mark.parametrize("seconds", [0.5, 1.0, 4.0, 7.3, 30.0])
def test_crossfades_sum_to_one_and_the_length_is_exact(seconds):
    total = int(round(seconds * SR))
    n, overlap, hop = long_form.plan(total, 16384, 0.25)
    assert overlap == 4096 and hop == 12288
    y = long_form.overlap_add(np.ones((n, 16384)), overlap, total)
    assert y.shape == (total,)
    np.testing.assert_allclose(y, 1.0, atol=1e-6)  # a steady sound passes the joins unchanged


def tone(freq, n, start=0):
    """A tone with a 3 Hz tremolo (so its spectrum changes inside a clip too), |y| <= 0.5."""
    t = (start + np.arange(n)) / SR
    return 0.5 * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) * np.sin(2 * np.pi * freq * t)


def sine_render(freq=440.0, clip=16384):
    """Every latent renders the same tone, each clip starting at phase 0."""
    return lambda z: np.tile(tone(freq, clip), (len(z), 1))


def test_long_form_joins_have_no_discontinuity_beyond_the_bound():
    pieces, info = long_form.long_form(sine_render(), 8, 16384, n=2, seed=0, seconds=10.0)
    assert pieces.shape == (2, 160000) and info["clips per piece"] == 13
    total, overlap = 160000, 4096
    joins = long_form.join_regions(13, 16384, overlap, total)
    # Bound: inside a crossfade y = a w + b (1 - w), so |dy| <= max|da|, |db| + |a - b| max|dw|;
    # with |a|, |b| <= 0.5 and max|dw| = pi / (2 overlap), the extra step is at most pi / overlap.
    inside_step = np.abs(np.diff(sine_render()([0])[0])).max()
    bound = inside_step + np.pi / overlap
    for a, b in joins:
        assert np.abs(np.diff(pieces[0][a - 1:b + 1])).max() <= bound + 1e-6
    assert info["seam flux ratio"] < 2 and info["seam step ratio"] <= bound / inside_step


def test_hard_cuts_show_up_in_the_seam_figures():
    clip, total = 16384, 5 * 16384
    rng = np.random.default_rng(1)
    joins = [(i * clip, i * clip + 1) for i in range(1, 5)]
    steady = long_form.seam_figures(tone(440.0, total), joins)   # one tone: joins are not there
    cut = np.concatenate([tone(f, clip) for f in rng.uniform(200, 800, 5)])
    hard = long_form.seam_figures(cut, joins)
    assert 0.5 < steady["seam flux ratio"] < 1.5 and steady["seam step ratio"] < 1.01
    assert hard["seam step ratio"] > 1.5
    assert hard["seam flux ratio"] > 3 and hard["seam flux ratio"] > 3 * steady["seam flux ratio"]
