"""Checks of the lowered JAX training steps, run as a script in its own process
(``KERAS_BACKEND=jax python tests/xla_check.py``); prints one JSON object for
tests/test_flops.py to judge:

- the analytic FLOPs of each trainer's step (models/train/flops.py) and XLA's cost analysis of
  the lowered step, at small sizes: WaveGAN and SpecGAN with Keras's strided layers (the
  arithmetic the count describes) and with the stride-1 rewrite (counted as executed), GANSynth,
  and the SampleRNN LSTM (its recurrence unrolled: XLA counts a loop's body once);
- the HLO counts of WaveGAN's and SpecGAN's step at paper size (d 64, batch 64), lowered only
  (JAX's HLO before XLA's passes: each shared computation once, the scanned critic update
  once), with Keras's strided layers and with the rewrite;
- the stride-1 layers against Keras's: critic input gradients, weight gradients of the penalty
  (a gradient of a gradient) and of the generator objective, on random weights.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from models.gan import gansynth, losses, specgan, wavegan  # noqa: E402
from models.gan.trainer import WGANGP  # noqa: E402
from models.seq import samplernn  # noqa: E402
from models.train import flops, hlo  # noqa: E402


def networks(name, d, keras_conv=False):
    keras.utils.set_random_seed(0)
    if name == "wavegan":
        return (wavegan.build_generator(d, keras_conv=keras_conv),
                wavegan.build_critic(d, keras_conv=keras_conv, seed=1), (16384, 1))
    if name == "specgan":
        return (specgan.build_generator(d, keras_conv=keras_conv),
                specgan.build_critic(d, keras_conv=keras_conv), (128, 128, 1))
    return gansynth.build_generator(d, 32), gansynth.build_critic(d), (256, 512, 2)


def gan_row(name, d, batch, n_critic, keras_conv=False, cost=True, unroll=True):
    g, c, shape = networks(name, d, keras_conv)
    trainer = WGANGP(g, c, latent_dim=g.input.shape[-1], n_critic=n_critic)
    trainer.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    trainer.unroll_critic = unroll  # XLA's cost analysis counts a loop's body once
    data = jnp.zeros((n_critic, batch) + shape)
    if not cost:
        return hlo.hlo_counts(hlo.lower_train_step(trainer, data).as_text(dialect="hlo"))
    row = hlo.step_report(trainer, data)
    row["model_flops"] = flops.gan_step_flops(g, c, batch, n_critic)
    row["executed_flops"] = flops.gan_step_flops(g, c, batch, n_critic, executed=True)
    return row


def samplernn_row(batch=4):
    keras.utils.set_random_seed(0)
    model = samplernn.build_model(frame=16, units=128, hidden=128, chunk=256, unroll=True)
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.optimizer.build(model.trainable_variables)
    ids = np.random.default_rng(0).integers(0, 256, (batch, 256 + 16))
    inputs, targets = samplernn.chunk_inputs(ids, 16)
    row = hlo.step_report(model, (inputs, jnp.asarray(targets)))
    row["model_flops"] = row["executed_flops"] = flops.supervised_step_flops(model, batch)
    return row


def gradients(name, d=4, batch=3):
    """Largest relative differences between the rewritten and Keras's layers."""
    g_new, c_new, shape = networks(name, d)
    g_old, c_old, _ = networks(name, d, keras_conv=True)
    rng = np.random.default_rng(0)
    for new, old in ((g_new, g_old), (c_new, c_old)):
        weights = [rng.normal(0, 0.2, w.shape).astype("float32") for w in old.get_weights()]
        old.set_weights(weights)
        new.set_weights(weights)
    x = jnp.asarray(rng.uniform(-1, 1, (batch,) + shape).astype("float32"))
    z = jnp.asarray(rng.uniform(-1, 1, (batch, 100)).astype("float32"))

    def critic_fns(critic):
        ntv = [v.value for v in critic.non_trainable_variables]
        score = lambda tv, x: jnp.sum(critic.stateless_call(tv, ntv, x)[0])  # noqa: E731
        penalty = lambda tv: losses.gradient_penalty(jax.grad(score, 1)(tv, x))  # noqa: E731
        return score, penalty

    def gen_loss(generator, critic):
        c_tv = [v.value for v in critic.trainable_variables]
        ntv = [v.value for v in critic.non_trainable_variables]
        return lambda tv: -jnp.mean(critic.stateless_call(
            c_tv, ntv, generator.stateless_call(tv, [], z)[0])[0])

    def rel(a, b):
        a, b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
        return max(float(jnp.max(jnp.abs(u - v)) / (jnp.max(jnp.abs(v)) + 1e-12))
                   for u, v in zip(a, b))

    out = {}
    tv = lambda m: [v.value for v in m.trainable_variables]  # noqa: E731
    (s_new, p_new), (s_old, p_old) = critic_fns(c_new), critic_fns(c_old)
    out["generator_output"] = rel(g_new(z), g_old(z))
    out["critic_output"] = rel(c_new(x), c_old(x))
    grad = lambda *args: jax.jit(jax.grad(*args))  # noqa: E731  (compiled: 12 s less than eager)
    out["critic_input_gradient"] = rel(grad(s_new, 1)(tv(c_new), x), grad(s_old, 1)(tv(c_old), x))
    out["penalty_weight_gradient"] = rel(grad(p_new)(tv(c_new)), grad(p_old)(tv(c_old)))
    out["generator_weight_gradient"] = rel(grad(gen_loss(g_new, c_new))(tv(g_new)),
                                           grad(gen_loss(g_old, c_old))(tv(g_old)))
    return out


if __name__ == "__main__":
    report = {
        "flops": {"wavegan_keras": gan_row("wavegan", 8, 4, 5, keras_conv=True),
                  "wavegan": gan_row("wavegan", 8, 4, 5),
                  "specgan_keras": gan_row("specgan", 8, 4, 5, keras_conv=True),
                  "specgan": gan_row("specgan", 8, 4, 5),
                  "gansynth": gan_row("gansynth", 16, 2, 1),
                  "samplernn": samplernn_row()},
        "paper_size_hlo": {name: gan_row(name, 64, 64, 5, cost=False, unroll=1)
                           for name in ("wavegan", "specgan")},
        "paper_size_hlo_keras": {name: gan_row(name, 64, 64, 5, True, cost=False, unroll=1)
                                 for name in ("wavegan", "specgan")},
        "gradients": {name: gradients(name) for name in ("wavegan", "specgan")},
    }
    print(json.dumps(report))
