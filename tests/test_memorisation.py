"""Known answers of the memorisation and diversity measures."""
import numpy as np

from models.evaluate import memorisation


def sets(seed=0):
    rng = np.random.default_rng(seed)
    train = rng.normal(size=(600, 6))
    held = rng.normal(size=(200, 6))
    return rng, train, held


def test_held_out_data_against_itself_is_not_copying():
    _, train, held = sets()
    r = memorisation.copying_test(held, held, train, cells=4, min_cell=5)
    assert r["c_t"] == 0 and r["verdict"] == "no copying" and r["nn_ratio"] == 1.0


def test_training_clips_played_back_are_flagged():
    rng, train, held = sets(1)
    copies = train[rng.choice(len(train), 64, replace=False)]
    r = memorisation.copying_test(copies, held, train, cells=4, min_cell=5)
    assert r["verdict"] == "copying" and r["c_t"] < -3
    assert r["copy_rate"] == 1.0 and r["nn_ratio"] == 0.0


def test_fresh_samples_pass_and_distant_ones_are_far():
    rng, train, held = sets(2)
    fresh = memorisation.copying_test(rng.normal(size=(64, 6)), held, train, cells=4, min_cell=5)
    assert fresh["verdict"] == "no copying" and abs(fresh["c_t"]) < 3
    assert fresh["copy_rate"] < 0.1
    far = memorisation.copying_test(rng.normal(3, 1, size=(64, 6)), held, train, cells=4,
                                    min_cell=5)
    assert far["verdict"] == "far from the data" and far["c_t"] > 3


def test_too_few_clips_per_cell_gives_no_verdict():
    rng, train, held = sets(3)
    r = memorisation.copying_test(rng.normal(size=(4, 6)), held, train, cells=4, min_cell=5)
    assert r["verdict"] == "too few clips" and np.isnan(r["c_t"])


def test_diversity_is_one_for_the_same_distribution_and_low_for_collapse():
    rng, _, held = sets(4)
    same = memorisation.diversity(rng.normal(size=(64, 6)), held)
    assert 0.85 < same["diversity"] < 1.15 and 0.7 < same["self_nn"] < 1.3
    collapsed = memorisation.diversity(rng.normal(0, 0.05, size=(64, 6)), held)
    assert collapsed["diversity"] < 0.1 and collapsed["self_nn"] < 0.1
