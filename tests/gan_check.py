"""Checks of the GAN trainer on one Keras backend, run as a script in its own process (the
backend is fixed when Keras is imported): ``KERAS_BACKEND=jax python tests/gan_check.py``.
Prints one JSON object for tests/test_gan.py to judge.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from models.gan import losses, specgan, steps, wavegan  # noqa: E402
from models.gan.trainer import WGANGP  # noqa: E402
from models.train.loop import use_jit  # noqa: E402


def fixed_batches(sample_shape, n_critic=5, batch=4, seed=0):
    """One batch of sine chords shaped for the critic, repeated: (n_critic, batch, *shape)."""
    rng = np.random.default_rng(seed)
    t = np.arange(16384) / 16000
    audio = np.stack([0.4 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(3 * np.pi * f * t)
                      for f in rng.uniform(200, 600, batch)]).astype("float32")
    return audio


class Repeat(keras.utils.PyDataset):
    def __init__(self, x, n):
        super().__init__()
        self.x, self.n = x, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.x


def critic_losses(build, x, steps_=10, lr=1e-3, betas=(0.5, 0.9), jit_compile="auto",
                  **trainer_args):
    """Per-step critic losses of ``steps_`` WGAN-GP steps, each with one critic update per
    batch of ``x`` (n_critic, batch, ...), the same real batches every step. ``build()``
    returns (generator, critic) and is called after seeding, so that a run repeats exactly on
    one machine. Networks built before the seed started from a new draw every run, and one
    such draw failed CI (2026-12-01). ``jit_compile`` as the workflow's setting: "auto" is XLA
    on JAX (un-jitted JAX runs WaveGAN's 10 steps in 130 s on two cores, jitted in 25 s), the
    traced graph on TensorFlow's CPU, eager PyTorch."""
    keras.utils.set_random_seed(0)
    generator, critic = build()
    trainer = WGANGP(generator, critic, seed=0, **trainer_args)
    trainer.compile(d_optimizer=keras.optimizers.Adam(lr, *betas),
                    g_optimizer=keras.optimizers.Adam(lr, *betas),
                    jit_compile=use_jit(jit_compile))
    history = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            history.append(float(logs["critic_loss"]))

    # fit logs running means; difference them back into per-step values
    trainer.fit(Repeat(x, steps_), epochs=1, verbose=0, callbacks=[Record()])
    means = np.array(history)
    return list(means * np.arange(1, len(means) + 1) - np.concatenate(
        [[0], means[:-1] * np.arange(1, len(means))]))


def critic_learned(losses, margin=5.0):
    """Whether the critic's loss fell and stayed down: the median of the second half of the
    steps lies ``margin`` below the first step's. The first loss is mostly the gradient
    penalty (4.6 to 8.5 over 42 draws of WaveGAN's, SpecGAN's and the note GAN's initial
    weights on the three backends), so a critic that learns nothing cannot pass. A median, not
    the last steps' mean, because a late spike, when the generator catches up with a critic
    that has learned, is the GAN game and not a fault."""
    return float(np.median(losses[len(losses) // 2:])) < losses[0] - margin


def penalty_vs_finite_differences():
    """GP from the backend's input gradient against central differences of a toy critic."""
    keras.utils.set_random_seed(1)
    x_in = keras.Input((6, 1))
    h = keras.layers.Conv1D(3, 3, padding="same", activation="tanh")(x_in)
    critic = keras.Model(x_in, keras.layers.Dense(1)(keras.layers.Flatten()(h)))
    x = np.random.default_rng(2).normal(size=(3, 6, 1)).astype("float64")
    grad = ops.convert_to_numpy(steps.input_gradient(critic, ops.convert_to_tensor(
        x.astype("float32"))))
    gp = float(ops.convert_to_numpy(losses.gradient_penalty(ops.convert_to_tensor(grad))))
    h_ = 1e-3
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h_
        down[idx] -= h_
        f = lambda v: critic.predict(v.astype("float32"), verbose=0).astype("float64")  # noqa
        fd[idx] = (f(up)[idx[0], 0] - f(down)[idx[0], 0]) / (2 * h_)
    norms = np.sqrt((fd ** 2).sum(axis=(1, 2)) + losses.GRAD_EPS)
    return gp, float(np.mean((norms - 1) ** 2)), float(np.abs(grad - fd).max())


if __name__ == "__main__":
    audio = fixed_batches(None)
    wave_x = np.repeat(audio[None, :, :, None], 5, axis=0)                 # (5, 4, 16384, 1)
    mom = specgan.moments([audio])
    spec_x = np.repeat(specgan.features(audio, mom)[None], 5, axis=0)       # (5, 4, 128, 128, 1)
    gp, gp_fd, grad_err = penalty_vs_finite_differences()
    result = {
        "backend": keras.backend.backend(),
        "wavegan": critic_losses(
            lambda: (wavegan.build_generator(4), wavegan.build_critic(4, seed=1)), wave_x),
        "specgan": critic_losses(
            lambda: (specgan.build_generator(4), specgan.build_critic(4)), spec_x),
        "gp": gp, "gp_finite_difference": gp_fd, "grad_max_error": grad_err,
    }
    print(json.dumps(result))
