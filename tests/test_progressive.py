"""GANSynth's progressive growing: the schedule's levels and fade-in weights at given steps, the
grown networks equal to the plain ones at full detail, and the trainer setting the level from
the step on every backend."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from models.gan import progressive as pg

FRAMES, BINS = 16, 32          # 4 growth levels from a 1 x 2 base grid


def test_schedule_alternates_stable_and_fade_in_stages():
    # 3 levels over 700 steps: 7 stages of 100, stable at 0, 1, 2, 3 with fades between
    steps = [0, 99, 100, 125, 200, 299, 350, 500, 550, 600, 700, 5000]
    expected = [0, 0, 0, 0.25, 1, 1, 1.5, 2, 2.5, 3, 3, 3]
    np.testing.assert_allclose([pg.level_at(s, 700, 3) for s in steps], expected, atol=1e-6)
    # fade-in weight of each block at level 1.5: blocks 1 in, 2 half-way, 3 not yet
    np.testing.assert_allclose([pg.block_weight(1.5, b) for b in (1, 2, 3)], [1, 0.5, 0])
    # the keras.ops schedule is the numpy one (it runs on a traced step count in training)
    from keras import ops

    ops_levels = [float(ops.convert_to_numpy(pg.Schedule(700, 3)(ops.convert_to_tensor(s))))
                  for s in steps]
    np.testing.assert_allclose(ops_levels, expected, atol=1e-6)


def grown_and_plain(seed=0):
    import keras

    from models.gan import gansynth

    keras.utils.set_random_seed(seed)
    nets = {(kind, grown): build(2, FRAMES, BINS, progressive=grown) if kind == "critic"
            else build(2, 16, FRAMES, BINS, progressive=grown)
            for kind, build in (("generator", gansynth.build_generator),
                                ("critic", gansynth.build_critic)) for grown in (False, True)}
    for kind in ("generator", "critic"):
        for layer in nets[kind, False].layers:      # the shared layers take the same weights
            if layer.weights:
                nets[kind, True].get_layer(layer.name).set_weights(layer.get_weights())
    return nets


def test_at_full_detail_the_grown_networks_are_the_plain_ones():
    nets = grown_and_plain()
    z = np.random.default_rng(0).normal(size=(3, 16)).astype("float32")
    image = np.random.default_rng(1).uniform(-1, 1, (3, FRAMES, BINS, 2)).astype("float32")
    for kind, x in (("generator", z), ("critic", image)):
        np.testing.assert_allclose(np.asarray(nets[kind, True](x)),
                                   np.asarray(nets[kind, False](x)), rtol=1e-5, atol=1e-6)


def test_at_level_zero_the_generator_paints_its_base_grid_and_the_critic_sees_it():
    nets = grown_and_plain()
    for kind in ("generator", "critic"):
        for v in pg.level_variables(nets[kind, True]):
            v.assign(0.0)
    out = np.asarray(nets["generator", True](np.ones((2, 16), "float32")))
    blocks = out.reshape(2, 1, FRAMES, 2, BINS // 2, 2)           # 1 x 2 base grid cells
    assert np.ptp(blocks, axis=(2, 4)).max() < 1e-6
    image = np.random.default_rng(2).uniform(-1, 1, (2, FRAMES, BINS, 2)).astype("float32")
    mean = image.reshape(2, 1, FRAMES, 2, BINS // 2, 2).mean(axis=(2, 4), keepdims=True)
    flat = np.broadcast_to(mean, (2, 1, FRAMES, 2, BINS // 2, 2)).reshape(image.shape)
    critic = nets["critic", True]                # only the base grid's average reaches it
    np.testing.assert_allclose(np.asarray(critic(image)), np.asarray(critic(flat)), rtol=1e-4,
                               atol=1e-5)


TRAIN = """
import json, sys
import numpy as np
sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
import keras
from gan_check import Repeat
from models.gan import gansynth, progressive as pg
from models.gan.trainer import WGANGP
keras.utils.set_random_seed(0)
n = gansynth.default_levels({frames}, {bins})
g = gansynth.build_generator(2, 16, {frames}, {bins}, progressive=True)
c = gansynth.build_critic(2, {frames}, {bins}, progressive=True)
trainer = WGANGP(g, c, latent_dim=16, n_critic=1, latent="normal", schedule=pg.Schedule(18, n))
adam = lambda: keras.optimizers.Adam(8e-4, beta_1=0.0, beta_2=0.99)
trainer.compile(d_optimizer=adam(), g_optimizer=adam())
x = np.random.default_rng(0).uniform(-1, 1, (1, 4, {frames}, {bins}, 2)).astype("float32")
levels = []
for epoch in range(3):
    trainer.fit(Repeat(x, 3), epochs=1, verbose=0)
    levels.append([float(np.asarray(v.numpy() if hasattr(v, "numpy") else v.value))
                   for v in pg.level_variables(g) + pg.level_variables(c)])
print(json.dumps({{"backend": keras.backend.backend(), "levels": levels, "n": n}}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_the_trainer_sets_the_level_from_the_step(backend):
    code = TRAIN.format(root=str(ROOT), tests=str(ROOT / "tests"), frames=FRAMES, bins=BINS)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": backend}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend and result["n"] == 4
    for epoch, levels in enumerate(result["levels"]):
        last = 3 * epoch + 2                          # the step count the last step started at
        expected = pg.level_at(last, 18, 4)           # 9 stages of 2 steps
        assert len(levels) == 2 * 4 + 1               # 4 fades in each network + the input's
        np.testing.assert_allclose(levels, expected, atol=1e-6)
