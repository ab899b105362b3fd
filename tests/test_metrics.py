"""The metric: known answers for Frechet distance and a sane bootstrap interval."""
import numpy as np
import pytest

from conftest import tone
from models.evaluate import metrics


def stats_of(frames_per_clip):
    """Clip statistics from ready-made frames (clips, frames, dims)."""
    f = np.asarray(frames_per_clip, float)
    return {"count": np.full(len(f), f.shape[1], float), "sum": f.sum(1),
            "outer": np.einsum("cfi,cfj->cij", f, f)}


def test_identical_sets_give_zero():
    rng = np.random.default_rng(0)
    s = stats_of(rng.normal(size=(20, 50, 8)))
    assert metrics.fd_from_stats(s, s) == pytest.approx(0, abs=1e-6)


def test_shifted_gaussians_give_the_closed_form():
    rng = np.random.default_rng(1)
    cov1, cov2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 1.0])
    mu1, mu2 = np.zeros(3), np.array([3.0, 0.0, 4.0])
    # closed form for diagonal covariances: |mu1-mu2|^2 + sum (sqrt a - sqrt b)^2
    expected = 25.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert metrics.frechet(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-9)
    a = rng.multivariate_normal(mu1, cov1, size=(100, 400))
    b = rng.multivariate_normal(mu2, cov2, size=(100, 400))
    assert metrics.fd_from_stats(stats_of(a), stats_of(b)) == pytest.approx(expected, rel=0.03)
    shift = rng.normal(size=(50, 200, 4))
    assert metrics.fd_from_stats(stats_of(shift), stats_of(shift + 2.0)) == pytest.approx(16.0)


def test_interval_brackets_the_estimate_and_widens_with_fewer_clips():
    rng = np.random.default_rng(2)
    big = metrics.fd_with_interval(stats_of(rng.normal(size=(80, 30, 4))),
                                   stats_of(rng.normal(0.5, 1, size=(80, 30, 4))), rounds=100)
    small = metrics.fd_with_interval(stats_of(rng.normal(size=(10, 30, 4))),
                                     stats_of(rng.normal(0.5, 1, size=(10, 30, 4))), rounds=100)
    for r in (big, small):
        assert r["ci_low"] <= r["fd"] <= r["ci_high"]
    assert (big["ci_high"] - big["ci_low"]) < (small["ci_high"] - small["ci_low"])
    assert big["fd"] == pytest.approx(4 * 0.25, abs=0.2)


def test_logmel_frames_shape_and_music_vs_noise():
    music = [tone([262, 330, 392], 1.024) for _ in range(6)]
    rng = np.random.default_rng(3)
    noise = [rng.uniform(-0.5, 0.5, 16384).astype(np.float32) for _ in range(6)]
    assert metrics.logmel_frames(music[0]).shape == (61, 64)
    ref = metrics.clip_stats(music)
    assert metrics.fd_from_stats(metrics.clip_stats(music), ref) < 1e-6
    assert metrics.fd_from_stats(metrics.clip_stats(noise), ref) > 100


# --- kernel distance and NDB ------------------------------------------------------------------

def test_kernel_distance_is_unbiased_and_grows_with_a_shift():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    k = metrics.poly_kernel(x, x)
    assert abs(metrics.mmd2_unbiased(x, x)) < 2 * k.diagonal().mean() / len(x)  # 0 up to 1/n
    same = metrics.kd_with_interval(x, y, rounds=100)
    assert same["ci_low"] <= 0 <= same["ci_high"] and abs(same["kd"]) < 0.05
    near = metrics.kd_with_interval(x + 0.5, y, rounds=100)
    far = metrics.kd_with_interval(x + 2.0, y, rounds=100)
    assert near["ci_low"] > same["ci_high"] and far["ci_low"] > near["ci_high"]
    # the mean shift alone: MMD^2 of a mean shift of 2 in all 8 dims (as x.y/d + 1 cubed) is
    # E[(x.x'/d + 1)^3] terms; its leading term 3 |delta|^2 / d = 12 dominates
    assert far["kd"] > 10


def test_ndb_zero_for_identical_sets_and_high_for_one_bin():
    rng = np.random.default_rng(4)
    train = np.concatenate([rng.normal(c, 0.3, size=(100, 2)) for c in (-4, 0, 4)])
    ref = np.concatenate([rng.normal(c, 0.3, size=(40, 2)) for c in (-4, 0, 4)])
    centres = metrics.fit_bins(train, 3)
    same = metrics.ndb(ref, ref, centres)
    assert same["ndb"] == 0 and same["js"] == pytest.approx(0, abs=1e-12)
    collapsed = metrics.ndb(rng.normal(4, 0.3, size=(30, 2)), ref, centres)
    assert collapsed["ndb"] == 3 and collapsed["ndb_k"] == 1.0
    # JS([0, 0, 1], [1/3, 1/3, 1/3]) = H([1/6, 1/6, 2/3]) - H(uniform) / 2, in bits
    m = np.array([1 / 6, 1 / 6, 2 / 3])
    assert collapsed["js"] == pytest.approx(-(m * np.log2(m)).sum() - np.log2(3) / 2, abs=1e-9)
