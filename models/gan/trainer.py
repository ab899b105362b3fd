"""The WGAN-GP trainer: one keras.Model holding a generator and a critic, trained by fit().

``compile(d_optimizer=..., g_optimizer=...)`` takes both optimizers; ``metrics`` lists the loss
trackers; ``train_step`` is the backend's own (models/gan/steps.py). Keras's JAX trainer threads
the state of ``self.optimizer`` through its compiled step, so both optimizers are presented to
it as one (``OptimizerPair``): the critic's variables first, then the generator's.
"""
from __future__ import annotations

import keras

from models.gan import steps
from models.gan.progressive import level_variables


class OptimizerPair:
    """The critic's and the generator's optimizers, seen by Keras's trainers as one."""

    def __init__(self, critic_opt, generator_opt, critic, generator):
        self.critic_opt, self.generator_opt = critic_opt, generator_opt
        self.critic, self.generator = critic, generator

    @property
    def built(self) -> bool:
        return self.critic_opt.built and self.generator_opt.built

    def build(self, _variables=None) -> None:
        if not self.critic_opt.built:
            self.critic_opt.build(self.critic.trainable_variables)
        if not self.generator_opt.built:
            self.generator_opt.build(self.generator.trainable_variables)

    @property
    def variables(self) -> list:
        return list(self.critic_opt.variables) + list(self.generator_opt.variables)

    @property
    def iterations(self):
        return self.generator_opt.iterations

    def scale_loss(self, loss):
        return loss


LATENTS = ("uniform", "normal")  # the latent's distribution: U[-1, 1] or N(0, 1)


class WGANGP(keras.Model):
    """Wasserstein GAN with gradient penalty, as WaveGAN and SpecGAN train.

    latent: uniform in [-1, 1] (WaveGAN) or standard normal (``latent="normal"``, the
    progressive GAN's and GANSynth's); interpolation factor: uniform per example; ``n_critic``
    critic updates per generator update; penalty weight ``gp_weight``; ``drift``, the progressive
    GAN's drift penalty; ``schedule``, progressive growing's level of detail by step.
    """

    unroll_critic = 1  # JAX: the critic updates' scan unrolled by this factor (True: fully)

    def __init__(self, generator, critic, latent_dim=100, n_critic=5, gp_weight=10.0, seed=0,
                 latent="uniform", schedule=None, drift=0.0, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.critic = generator, critic
        self.latent_dim, self.n_critic, self.gp_weight = latent_dim, n_critic, gp_weight
        if latent not in LATENTS:
            raise ValueError(f"latent must be one of {LATENTS}, got {latent!r}")
        self.latent = latent
        self.schedule = schedule  # step -> level of detail (progressive growing), or None
        self.drift = drift        # weight of the critic's drift penalty on real scores
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = [keras.metrics.Mean(name=n) for n in
                         ("critic_loss", "wasserstein", "gradient_penalty", "generator_loss")]
        self.built = True  # both networks are functional models, built on construction

    @property
    def metrics(self):
        return self.trackers

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.optimizer = OptimizerPair(d_optimizer, g_optimizer, self.critic, self.generator)
        self.optimizer.build()
        self._index_state()

    def _index_state(self) -> None:
        """Where the generator's and critic's variables sit in the model's variable lists."""
        def positions(whole, part):
            ids = {id(v): i for i, v in enumerate(whole)}
            return [ids[id(v)] for v in part]

        ntv = self.non_trainable_variables
        self.state_index = {
            "g_tv": positions(self.trainable_variables, self.generator.trainable_variables),
            "d_tv": positions(self.trainable_variables, self.critic.trainable_variables),
            "g_ntv": positions(ntv, self.generator.non_trainable_variables),
            "d_ntv": positions(ntv, self.critic.non_trainable_variables),
            "seed": positions(ntv, [self.seed_generator.state])[0],
            "n_d_opt": len(self.d_optimizer.variables),
            "g_level": positions(self.generator.non_trainable_variables,
                                 level_variables(self.generator)),
            "d_level": positions(self.critic.non_trainable_variables,
                                 level_variables(self.critic)),
            "g_iter": positions(self.g_optimizer.variables, [self.g_optimizer.iterations])[0],
        }

    def set_levels(self) -> None:
        """Progressive growing: every level-of-detail variable to the schedule's level at the
        generator's step count (TensorFlow and PyTorch; the JAX step sets its own copies)."""
        if self.schedule is not None:
            level = self.schedule(self.g_optimizer.iterations)
            for v in level_variables(self.generator) + level_variables(self.critic):
                v.assign(level)

    def sample_latent(self, batch):
        if self.latent == "normal":
            return keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        return keras.random.uniform((batch, self.latent_dim), -1.0, 1.0, seed=self.seed_generator)

    def sample_eps(self, batch):
        return keras.random.uniform((batch,), 0.0, 1.0, seed=self.seed_generator)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def train_step(self, *args):
        return steps.TRAIN_STEPS[keras.backend.backend()](self, *args)
