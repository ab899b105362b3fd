"""One WGAN-GP training step per backend, behind one interface: ``train_step(model, data)``.

There is no ``keras.ops.grad``, so gradients are the backend's own: TensorFlow GradientTape,
PyTorch autograd (``create_graph=True`` for the penalty), JAX ``jax.grad`` over the networks'
``stateless_call``. Each step does ``model.n_critic`` critic updates, each on its own real batch
(data: (n_critic, batch, *sample_shape)), then one generator update, as the reference does.
The objectives are shared (models/gan/losses.py); randomness comes from the model's
SeedGenerator (latents, interpolation factors) and the critic's own (phase shuffle).
"""
from __future__ import annotations

import keras
from keras import ops

from models.gan import losses


def _reals(data):
    return data[0] if isinstance(data, (tuple, list)) else data


def _log(model, values: dict) -> dict:
    for tracker in model.metrics:
        tracker.update_state(values[tracker.name])
    return {m.name: m.result() for m in model.metrics}


# --- TensorFlow ------------------------------------------------------------------------------

def tf_input_gradient(critic, x):
    """d sum(critic(x)) / dx; inside an outer tape it stays differentiable (for the penalty)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        score = ops.sum(critic(x, training=True))
    return tape.gradient(score, x)


def tf_train_step(model, data):
    import tensorflow as tf

    model.set_levels()
    reals = _reals(data)
    for i in range(model.n_critic):
        real = reals[i]
        batch = ops.shape(real)[0]
        fake = ops.stop_gradient(model.generator(model.sample_latent(batch), training=True))
        eps = model.sample_eps(batch)
        with tf.GradientTape() as tape:
            d_real = model.critic(real, training=True)
            d_fake = model.critic(fake, training=True)
            grad_x = tf_input_gradient(model.critic, losses.interpolate(real, fake, eps))
            d_loss, wd, gp = losses.critic_objective(d_real, d_fake, grad_x, model.gp_weight,
                                                 model.drift)
        grads = tape.gradient(d_loss, model.critic.trainable_variables)
        model.d_optimizer.apply(grads, model.critic.trainable_variables)
    z = model.sample_latent(batch)
    with tf.GradientTape() as tape:
        g_loss = losses.generator_objective(model.critic(model.generator(z, training=True),
                                                         training=True))
    grads = tape.gradient(g_loss, model.generator.trainable_variables)
    model.g_optimizer.apply(grads, model.generator.trainable_variables)
    return _log(model, {"critic_loss": d_loss, "wasserstein": wd, "gradient_penalty": gp,
                        "generator_loss": g_loss})


# --- PyTorch ---------------------------------------------------------------------------------

def torch_input_gradient(critic, x):
    """d sum(critic(x)) / dx with create_graph=True, so the penalty can be differentiated."""
    import torch

    x = x.detach().requires_grad_(True)
    grad, = torch.autograd.grad(ops.sum(critic(x, training=True)), x, create_graph=True)
    return grad


def torch_train_step(model, data):
    import torch

    model.set_levels()
    reals = _reals(data)
    for i in range(model.n_critic):
        real = reals[i]
        batch = real.shape[0]
        with torch.no_grad():
            fake = model.generator(model.sample_latent(batch), training=True)
        eps = model.sample_eps(batch)
        d_real = model.critic(real, training=True)
        d_fake = model.critic(fake, training=True)
        grad_x = torch_input_gradient(model.critic, losses.interpolate(real, fake, eps))
        d_loss, wd, gp = losses.critic_objective(d_real, d_fake, grad_x, model.gp_weight,
                                                 model.drift)
        params = [v.value for v in model.critic.trainable_variables]
        grads = torch.autograd.grad(d_loss, params)
        model.d_optimizer.apply(list(grads), model.critic.trainable_variables)
    z = model.sample_latent(batch)
    g_loss = losses.generator_objective(model.critic(model.generator(z, training=True),
                                                     training=True))
    params = [v.value for v in model.generator.trainable_variables]
    grads = torch.autograd.grad(g_loss, params)
    model.g_optimizer.apply(list(grads), model.generator.trainable_variables)
    return _log(model, {"critic_loss": d_loss.detach(), "wasserstein": wd.detach(),
                        "gradient_penalty": gp.detach(), "generator_loss": g_loss.detach()})


# --- JAX -------------------------------------------------------------------------------------

def jax_input_gradient(critic, d_tv, d_ntv, x):
    """(d sum(critic(x)) / dx, updated critic non-trainables) through ``stateless_call``."""
    import jax

    def score(x, d_ntv):
        out, d_ntv = critic.stateless_call(d_tv, d_ntv, x, training=True)
        return ops.sum(out), d_ntv

    return jax.grad(score, has_aux=True)(x, d_ntv)


def jax_split_batch(x, axis: int = 0):
    """``x`` pinned to be split along its batch axis (``axis``) over the devices of the keras
    DataParallel distribution (models/train/distribute.py); ``x`` itself when there is none. The
    real batches arrive split already; pinning the latents and interpolation factors as well keeps
    XLA from running the generator's whole batch on every device (measured: it did, for the
    generator update)."""
    import jax

    distribution = keras.distribution.distribution()
    if distribution is None:
        return x
    spec = [None] * len(x.shape)
    spec[axis] = distribution.batch_dim_name
    layout = keras.distribution.TensorLayout(spec, distribution.device_mesh)
    return jax.lax.with_sharding_constraint(x, layout.backend_layout)


def jax_train_step(model, state, data):
    """Stateless: state = (trainable, non_trainable, optimizer, metrics) variable values.

    The critic updates are one ``lax.scan`` over the real batches (``model.unroll_critic``
    unrolls it, for XLA's cost analysis, which counts a loop's body once)."""
    import jax

    tv, ntv, ov, mv = state
    ix = model.state_index
    g_tv, d_tv = [tv[i] for i in ix["g_tv"]], [tv[i] for i in ix["d_tv"]]
    g_ntv, d_ntv = [ntv[i] for i in ix["g_ntv"]], [ntv[i] for i in ix["d_ntv"]]
    seed = ntv[ix["seed"]]
    n_d = ix["n_d_opt"]
    d_ov, g_ov = list(ov[:n_d]), list(ov[n_d:])
    critic, generator = model.critic, model.generator
    if model.schedule is not None:  # progressive growing: the level at this step
        level = model.schedule(g_ov[ix["g_iter"]])
        g_ntv = [level if i in ix["g_level"] else v for i, v in enumerate(g_ntv)]
        d_ntv = [level if i in ix["d_level"] else v for i, v in enumerate(d_ntv)]

    def draw(seed, fn):
        with keras.StatelessScope(state_mapping=[(model.seed_generator.state, seed)]) as scope:
            out = fn()
            return out, scope.get_current_value(model.seed_generator.state)

    reals = _reals(data)
    batch = reals.shape[1]

    def critic_update(carry, real):
        d_tv, d_ntv, d_ov, g_ntv, seed = carry
        (z, eps), seed = draw(seed, lambda: (model.sample_latent(batch), model.sample_eps(batch)))
        z, eps = jax_split_batch(z), jax_split_batch(eps)
        fake, g_ntv = generator.stateless_call(g_tv, g_ntv, z, training=True)
        fake = jax.lax.stop_gradient(fake)

        def d_loss_fn(d_tv, d_ntv):
            d_real, d_ntv = critic.stateless_call(d_tv, d_ntv, real, training=True)
            d_fake, d_ntv = critic.stateless_call(d_tv, d_ntv, fake, training=True)
            x_hat = losses.interpolate(real, fake, eps)
            grad_x, d_ntv = jax_input_gradient(critic, d_tv, d_ntv, x_hat)
            loss, wd, gp = losses.critic_objective(d_real, d_fake, grad_x, model.gp_weight,
                                                   model.drift)
            return loss, (d_ntv, wd, gp)

        (d_loss, (d_ntv, wd, gp)), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(d_tv,
                                                                                       d_ntv)
        d_tv, d_ov = model.d_optimizer.stateless_apply(d_ov, grads, d_tv)
        return (d_tv, d_ntv, d_ov, g_ntv, seed), (d_loss, wd, gp)

    # One traced critic update, run n_critic times: XLA compiles its convolutions once.
    (d_tv, d_ntv, d_ov, g_ntv, seed), history = jax.lax.scan(
        critic_update, (d_tv, d_ntv, d_ov, g_ntv, seed), reals[:model.n_critic],
        unroll=model.unroll_critic)
    d_loss, wd, gp = (h[-1] for h in history)

    z, seed = draw(seed, lambda: model.sample_latent(batch))
    z = jax_split_batch(z)

    def g_loss_fn(g_tv, g_ntv, d_ntv):
        fake, g_ntv = generator.stateless_call(g_tv, g_ntv, z, training=True)
        d_fake, d_ntv = critic.stateless_call(d_tv, d_ntv, fake, training=True)
        return losses.generator_objective(d_fake), (g_ntv, d_ntv)

    (g_loss, (g_ntv, d_ntv)), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
        g_tv, g_ntv, d_ntv)
    g_tv, g_ov = model.g_optimizer.stateless_apply(g_ov, grads, g_tv)

    values = {"critic_loss": d_loss, "wasserstein": wd, "gradient_penalty": gp,
              "generator_loss": g_loss}
    logs, new_mv, start = {}, [], 0
    for tracker in model.metrics:
        this = mv[start:start + len(tracker.variables)]
        start += len(tracker.variables)
        this = tracker.stateless_update_state(this, values[tracker.name])
        logs[tracker.name] = tracker.stateless_result(this)
        new_mv += list(this)
    tv, ntv = list(tv), list(ntv)
    for i, v in zip(ix["g_tv"], g_tv):
        tv[i] = v
    for i, v in zip(ix["d_tv"], d_tv):
        tv[i] = v
    for i, v in zip(ix["g_ntv"], g_ntv):
        ntv[i] = v
    for i, v in zip(ix["d_ntv"], d_ntv):
        ntv[i] = v
    ntv[ix["seed"]] = seed
    return logs, (tv, ntv, d_ov + g_ov, new_mv)


TRAIN_STEPS = {"tensorflow": tf_train_step, "torch": torch_train_step, "jax": jax_train_step}


def input_gradient(critic, x):
    """d sum(critic(x)) / dx on the current backend, outside training (for checks and tests)."""
    backend = keras.backend.backend()
    if backend == "jax":
        tv = [v.value for v in critic.trainable_variables]
        ntv = [v.value for v in critic.non_trainable_variables]
        return jax_input_gradient(critic, tv, ntv, x)[0]
    return {"tensorflow": tf_input_gradient, "torch": torch_input_gradient}[backend](critic, x)
