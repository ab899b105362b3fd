"""GAN training on JAX with the data on the device: the training audio is uploaded once (int16)
and each step draws its batch inside the compiled program, so a steady step moves nothing from
the host. On TensorFlow and PyTorch, and in Keras's fit(), batches are built on the host.

- ``DeviceSlices``: the SliceSampler's buffer on the device; a step's slices are a random piece
  (weighted by its length) at a random offset, drawn with ``jax.random`` from (seed, step) and
  cut with ``dynamic_slice``, as the host sampler draws them (with another generator).
- ``epoch_function``: ``log_every`` steps as one ``lax.scan`` (a step: draw, features on the
  device, the trainer's own JAX step), compiled once; the step number is the generator
  optimizer's iteration count, so a resumed run draws the batches an uninterrupted one would.
- Over several devices (models/train/distribute.py) the data is copied to each and every
  batch split along its examples, as the data-parallel fit() splits host batches.
- ``fit_on_device``: the loop around it, with fit()'s bookkeeping (curves, checkpoints,
  max_minutes, TensorBoard through the same callbacks); steady epochs run under
  ``jax.transfer_guard_host_to_device("disallow")``, so a host transfer would be an error.
"""
from __future__ import annotations

import sys
import time

import numpy as np


class DeviceSlices:
    """A SliceSampler's int16 buffer, piece starts, spans and weights on the device."""

    def __init__(self, sampler):
        import jax
        import keras

        self.length = sampler.length
        arrays = {"buffer": sampler.buffer, "starts": sampler.starts.astype(np.int32),
                  "spans": sampler.spans.astype(np.int32),
                  "logits": np.log(sampler.weights).astype(np.float32)}
        dist = keras.distribution.distribution()
        if dist is None:
            self.arrays = jax.device_put(arrays)
        else:  # a copy on every device of the data-parallel mesh
            self.arrays = {k: jax.device_put(v, keras.distribution.TensorLayout(
                [None] * v.ndim, dist.device_mesh).backend_layout) for k, v in arrays.items()}

    def draw(self, arrays, key, n: int):
        """(n, length) float32 slices; ``arrays`` is ``self.arrays`` as the compiled function
        sees them (an argument, not a constant folded into the program)."""
        import jax
        import jax.numpy as jnp

        k_piece, k_offset = jax.random.split(key)
        piece = jax.random.categorical(k_piece, arrays["logits"], shape=(n,))
        u = jax.random.uniform(k_offset, (n,))
        offset = arrays["starts"][piece] + jnp.floor(u * arrays["spans"][piece]).astype(jnp.int32)
        cut = lambda o: jax.lax.dynamic_slice(arrays["buffer"], (o,), (self.length,))  # noqa
        return jax.vmap(cut)(offset).astype(jnp.float32) / 32767.0


def _iterations_index(trainer) -> int:
    """Where the generator optimizer's step count sits among the trainer's optimizer values."""
    ids = [id(v) for v in trainer.optimizer.variables]
    return ids.index(id(trainer.g_optimizer.iterations))


def epoch_function(trainer, slices: DeviceSlices, to_critic, seed: int, batch: int,
                   log_every: int):
    """jit((state, arrays) -> (logs of the epoch's last step, state)); state as Keras's JAX
    trainer threads it (models/train/hlo.trainer_state). The metrics restart each epoch, as in
    fit(), so the logs are the epoch's means."""
    import jax
    import jax.numpy as jnp

    from models.gan import steps

    n_critic, it = trainer.n_critic, _iterations_index(trainer)
    base = jax.random.key(seed)

    def epoch(state, arrays):
        def one_step(state, _):
            key = jax.random.fold_in(base, state[2][it])
            audio = slices.draw(arrays, key, n_critic * batch)
            data = to_critic(jnp.reshape(audio, (n_critic, batch, slices.length)))
            data = steps.jax_split_batch(data, axis=1)  # over several devices: by example
            logs, state = steps.jax_train_step(trainer, state, data)
            return state, logs

        tv, ntv, ov, mv = state
        state = (tv, ntv, ov, [jnp.zeros_like(v) for v in mv])
        state, logs = jax.lax.scan(one_step, state, None, length=log_every)
        return {k: v[-1] for k, v in logs.items()}, state

    return jax.jit(epoch, donate_argnums=0)


def sync_state(trainer, state) -> None:
    """The compiled loop's state values into the trainer's variables (for checkpoints)."""
    tv, ntv, ov, mv = state
    for variables, values in ((trainer.trainable_variables, tv),
                              (trainer.non_trainable_variables, ntv),
                              (trainer.optimizer.variables, ov),
                              (trainer.metrics_variables, mv)):
        for v, value in zip(variables, values):
            v.assign(value)


def fit_on_device(trainer, slices: DeviceSlices, to_critic, name: str, mcfg: dict, state_dir,
                  fields: tuple, snapshot=None) -> tuple[int, int, float | None]:
    """``loop.fit_resumable`` for a WGANGP on JAX with ``slices`` on the device: resumes from
    ``state_dir``, trains to ``mcfg["steps"]`` (or ``max_minutes``), returns (start step,
    step reached, compile seconds)."""
    import jax
    import keras

    from models.train import checkpoint
    from models.train.hlo import trainer_state
    from models.train.loop import last_snapshot, resume, run_callbacks

    steps, log_every, ckpt_every, state_dir, sig, start = resume(trainer, name, mcfg, state_dir,
                                                                 {"data": "device"})
    if start >= steps:
        return start, start, None
    callbacks = run_callbacks(trainer, state_dir, start, log_every, ckpt_every, sig, fields,
                              mcfg.get("max_minutes"), snapshot)
    cbs = keras.callbacks.CallbackList(callbacks, model=trainer)
    state = trainer_state(trainer)
    began = time.perf_counter()
    run = epoch_function(trainer, slices, to_critic, mcfg["seed"], mcfg["batch"],
                         log_every).lower(state, slices.arrays).compile()
    compile_s = time.perf_counter() - began
    print(f"compiled {log_every} steps in {compile_s:.1f} s", file=sys.stderr, flush=True)
    cbs.on_train_begin()
    callbacks[0].on_train_batch_end(0)  # the budget clock starts now
    trainer.stop_training = False
    last = steps // log_every
    for epoch in range(start // log_every, last):
        cbs.on_epoch_begin(epoch)
        tick = time.perf_counter()
        with jax.transfer_guard_host_to_device("disallow"):
            logs, state = run(state, slices.arrays)
            logs = {k: float(v) for k, v in logs.items()}
        sync_state(trainer, state)
        print(f"Epoch {epoch + 1}/{last} - {time.perf_counter() - tick:.1f}s - "
              + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
        cbs.on_epoch_end(epoch, logs)
        if trainer.stop_training:
            break
    cbs.on_train_end()
    reached = callbacks[0].reached
    if reached % ckpt_every:
        checkpoint.save(trainer, state_dir, reached, sig)
    last_snapshot(state_dir, reached, snapshot)
    return start, reached, compile_s
