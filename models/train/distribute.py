"""Data-parallel training over the local accelerators (config key ``compute.data_parallel``).

Keras's ``DataParallel`` on the JAX backend: every variable replicated on every device, each
batch split along its batch axis, the gradients summed across devices by XLA inside the
compiled step. A model's ``batch`` stays the GLOBAL batch, so per-device batch = batch / devices
and a run gives one device's results with the same batch up to the order of float reductions:
learning rates need no change. (Raising the global batch k-fold to use more devices is another
experiment: scale Adam's lr by about sqrt(k), SGD's by k, and re-tune.)

The batch axis of an input is the first axis as long as the global batch: axis 0 of the
supervised models' (batch, ...) arrays, axis 1 of the GAN trainer's (n_critic, batch, ...)
real batches (Keras's own rule, axis 0, would split the GAN's critic updates instead, and fail
for n_critic = 5 on 2 devices).
"""
from __future__ import annotations

import sys


def data_parallel(devices, batch: int | None = None):
    """``keras.distribution.DataParallel`` over ``devices`` that splits each input along its
    first axis of length ``batch`` (Keras's axis 0 where none has that length or batch is None)."""
    import keras

    class DataParallel(keras.distribution.DataParallel):
        def get_data_layout(self, data_shape):
            shape = list(data_shape)
            spec = [None] * len(shape)
            spec[shape.index(batch) if batch in shape else 0] = self.batch_dim_name
            return keras.distribution.TensorLayout(spec, self.device_mesh)

    return DataParallel(devices=devices)


def setup(enabled: bool, batch: int | None) -> int:
    """Split training over every local accelerator when ``enabled``; returns the device count
    (1, and nothing done, when not enabled). Call before any Keras variable is created.

    ``batch`` is the model's global batch (None for models without one); it must divide by
    the device count."""
    if not enabled:
        return 1
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise ValueError(f"config key compute.data_parallel: data-parallel training needs the "
                         f"jax backend (KERAS_BACKEND=jax), not {backend}")
    devices = keras.distribution.list_devices()
    n = len(devices)
    if batch is not None and batch % n:
        raise ValueError(f"config key compute.data_parallel: batch {batch} does not split "
                         f"evenly over {n} devices; make it a multiple of {n}")
    keras.distribution.set_distribution(data_parallel(devices, batch))
    per_device = f"{batch // n} = {batch}/{n}" if batch is not None else f"batch/{n}"
    print(f"data parallel over {n} devices: per-device batch {per_device}", file=sys.stderr,
          flush=True)
    return n
