"""WaveGAN, SpecGAN and GANSynth as registry models: train (checkpointed, resumable), generate
clips, latent interpolations and long-form pieces (models/gan/long_form.py).

Each step of training draws ``n_critic`` real batches (models/train/slices.py), the trainer runs
``n_critic`` critic updates and one generator update (models/gan/steps.py). An "epoch" of fit()
is ``log_every`` steps: one row of the training curves. The full training state is saved every
``checkpoint_every`` steps into ``state_dir``; a rerun after a kill resumes from it.
"""
from __future__ import annotations

import contextlib
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from models.io import atomic_path, read_json
from models.train import flops
from models.train.loop import (fit_resumable, load_weights, save_weights, use_bf16, use_jit,
                               write_checkpoint)


@contextlib.contextmanager
def averaged_weights(network, optimizer):
    """Inside: ``network``'s trainable weights are the optimizer's moving average of them (the
    progressive GAN generates from an EMA of its generator), if it keeps one; restored after,
    so training (and its saved state) carries on from the weights it trained."""
    if not getattr(optimizer, "use_ema", False):
        yield
        return
    trained = [np.array(v.numpy() if hasattr(v, "numpy") else v.value)
               for v in network.trainable_variables]
    optimizer.finalize_variable_values(network.trainable_variables)
    try:
        yield
    finally:
        for v, value in zip(network.trainable_variables, trained):
            v.assign(value)


def draw_latents(rng: np.random.Generator, shape: tuple, mcfg: dict) -> np.ndarray:
    """Latents as the GAN was trained on: uniform in [-1, 1] or standard normal."""
    if mcfg.get("latent", "uniform") == "normal":
        return rng.standard_normal(shape)
    return rng.uniform(-1, 1, shape)


CURVE_FIELDS = ("critic_loss", "wasserstein", "gradient_penalty", "generator_loss")


class GanModel:
    """Shared by WaveGAN and SpecGAN; subclasses say how to build and what the critic sees."""

    slice_len = 16384

    # -- subclass hooks ------------------------------------------------------------------------
    def length(self, mcfg: dict) -> int:
        """Samples per clip: the config's ``slice_len`` where the model allows it."""
        return self.slice_len

    def networks(self, mcfg: dict):
        raise NotImplementedError

    def schedule(self, mcfg: dict):
        """step -> level of detail, for a progressively grown model; None: no growing."""
        return None

    def generator_only(self, mcfg: dict):
        raise NotImplementedError

    def prepare(self, data_dir: Path, ckpt_dir: Path) -> dict:
        """Anything the transforms need (SpecGAN's moments); copied into the checkpoint."""
        return {}

    def to_critic(self, audio: np.ndarray, aux: dict) -> np.ndarray:
        """(..., slice_len) audio -> the critic's input layout."""
        return audio[..., None]

    def device_to_critic(self, audio, aux: dict):
        """``to_critic`` in jax.numpy, inside the compiled step (models/gan/device.py)."""
        return audio[..., None]

    def to_audio(self, generated: np.ndarray, aux: dict) -> np.ndarray:
        """Generator output -> (batch, slice_len) audio."""
        return generated[..., 0]

    def load_aux(self, ckpt_dir: Path) -> dict:
        return {}

    def sampler(self, data_dir: Path, mcfg: dict):
        """Real training examples: ``batch(seed, step, n_critic, batch)`` and ``length``."""
        from models.train.slices import SliceSampler

        return SliceSampler(data_dir / "manifest.csv", self.length(mcfg))

    def device_sampler(self, sampler):
        """The sampler's data on the JAX device, drawn inside the compiled step."""
        from models.gan import device

        return device.DeviceSlices(sampler)

    # -- the registry contract -----------------------------------------------------------------
    def fit(self, data_dir, ckpt_dir, cfg, state_dir) -> dict:
        import keras

        from models.gan.trainer import WGANGP
        from models.train.slices import step_dataset

        mcfg = cfg[self.name]
        if use_bf16(mcfg["mixed_precision"]):
            keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
        aux = self.prepare(Path(data_dir), Path(ckpt_dir))
        keras.utils.set_random_seed(mcfg["seed"])  # initial weights: the same on every run
        generator, critic = self.networks(mcfg)
        trainer = WGANGP(generator, critic, latent_dim=mcfg["latent_dim"],
                         n_critic=mcfg["n_critic"], gp_weight=mcfg["gp_weight"], seed=mcfg["seed"],
                         latent=mcfg["latent"], schedule=self.schedule(mcfg),
                         drift=mcfg["drift"])
        adam = lambda **ema: keras.optimizers.Adam(  # noqa: E731
            mcfg["lr"], beta_1=mcfg["beta1"], beta_2=mcfg["beta2"], **ema)
        average = {"use_ema": True, "ema_momentum": mcfg["ema"]} if mcfg["ema"] else {}
        trainer.compile(d_optimizer=adam(), g_optimizer=adam(**average),
                        jit_compile=use_jit(mcfg["jit_compile"]))
        sampler = self.sampler(Path(data_dir), mcfg)
        def snapshot(folder):  # the weights generation uses, as the checkpoint's
            with averaged_weights(generator, trainer.g_optimizer):
                save_weights(generator, Path(folder) / "generator.npz")

        began = time.perf_counter()
        if keras.backend.backend() == "jax":  # batches drawn on the device, in the step
            from models.gan import device

            start, reached, compile_s = device.fit_on_device(
                trainer, self.device_sampler(sampler), lambda a: self.device_to_critic(a, aux),
                self.name, mcfg, state_dir, CURVE_FIELDS, snapshot)
        else:
            start, reached, compile_s = fit_resumable(
                trainer, lambda first: step_dataset(sampler, lambda a: self.to_critic(a, aux),
                                                    mcfg["seed"], mcfg["n_critic"],
                                                    mcfg["batch"], mcfg["log_every"], first),
                self.name, mcfg, state_dir, CURVE_FIELDS, snapshot)
        with averaged_weights(generator, trainer.g_optimizer):  # what generation uses
            write_checkpoint(generator, ckpt_dir, state_dir, mcfg, "generator.npz")
        return {"steps": reached, "resumed_from": start, "backend": keras.backend.backend(),
                "fit_s": time.perf_counter() - began, "compile_s": compile_s,
                "clip_length": self.length(mcfg),
                "parameters": {"generator": generator.count_params(),
                               "critic": critic.count_params()},
                "batch": mcfg["batch"], "flops_per_step": flops.gan_step_flops(
                    generator, critic, mcfg["batch"], mcfg["n_critic"])}

    def device_to_audio(self, aux: dict):
        """``to_audio`` as a jax.numpy function of the generator's output, or None where the
        post-processing runs on the host."""
        return lambda generated: generated[..., 0]

    def _generator(self, ckpt_dir):
        """The checkpoint's generator, in its training precision where that is bfloat16 and an
        accelerator runs it (bfloat16 on a CPU is slower than float32)."""
        import keras

        from models.train.loop import device_name

        mcfg = read_json(Path(ckpt_dir) / "network.json")
        if mcfg.get("mixed_precision") and not device_name().startswith("CPU"):
            keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
        generator = self.generator_only(mcfg)
        load_weights(generator, Path(ckpt_dir) / "generator.npz")
        return generator, mcfg

    def _renderer(self, ckpt_dir):
        """(render, network config): ``render`` maps (k, latent) latents to (k, samples) audio.
        One Renderer (models/gan/render.py) per checkpoint and model instance: the generator
        is built, loaded and compiled once for samples, interpolation and long form."""
        from models.gan.render import Renderer

        key = str(Path(ckpt_dir).resolve())
        cache = self.__dict__.setdefault("_renderers", {})
        if key not in cache:
            tick = time.perf_counter()
            generator, mcfg = self._generator(ckpt_dir)
            aux = self.load_aux(Path(ckpt_dir))
            renderer = Renderer(generator, lambda g: self.to_audio(g, aux),
                                self.device_to_audio(aux))
            renderer(np.zeros((1, mcfg["latent_dim"]), np.float32))  # compile, warm up
            renderer.reset()
            renderer.cold_s = time.perf_counter() - tick
            cache[key] = renderer, mcfg
        return cache[key]

    def render_timing(self) -> dict:
        """The latest renderer's timings (cold start, generator and post-processing seconds)."""
        renderers = list(self.__dict__.get("_renderers", {}).values())
        return renderers[-1][0].timing() if renderers else {}

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        render, mcfg = self._renderer(ckpt_dir)
        return render(draw_latents(np.random.default_rng(seed), (n, mcfg["latent_dim"]), mcfg))

    def interpolate(self, ckpt_dir, seed, points: int = 8) -> np.ndarray:
        """Audio of ``points`` clips on the great circle between two random latents, joined."""
        from models.gan.long_form import slerp

        render, mcfg = self._renderer(ckpt_dir)
        a, b = draw_latents(np.random.default_rng([seed, 1]), (2, mcfg["latent_dim"]), mcfg)
        return render(slerp(a, b, np.linspace(0, 1, points))).reshape(-1)

    long_form_note = ("A slow walk through latent space, rendered clip by clip and joined by "
                      "overlap-add crossfades (models/gan/long_form.py):")
    crossfade = 0.25        # share of a clip that overlaps the next one in long-form pieces
    clips_per_anchor = 4    # clips between two random anchors of the latent walk

    def long_form(self, ckpt_dir, n, seed, seconds) -> np.ndarray:
        """``n`` pieces of ``seconds`` by a latent walk; its seam figures go to sample_info."""
        from models.gan import long_form

        render, mcfg = self._renderer(ckpt_dir)
        pieces, info = long_form.long_form(render, mcfg["latent_dim"], self.length(mcfg), n,
                                           seed, seconds, self.crossfade, self.clips_per_anchor,
                                           latent=mcfg.get("latent", "uniform"))
        self.sample_info = {**getattr(self, "sample_info", {}), **info}
        return pieces


class WaveGAN(GanModel):
    """WaveGAN (Donahue et al. 2019): a DCGAN of 1-D transposed convolutions that generates
    16384 samples (1.024 s) of raw audio, with phase shuffle in the critic, trained by WGAN-GP."""

    name = "wavegan"
    slice_len = 16384

    def length(self, mcfg):
        return mcfg.get("slice_len") or self.slice_len

    def generator_only(self, mcfg):
        from models.gan import wavegan

        return wavegan.build_generator(mcfg["d"], self.length(mcfg), mcfg["latent_dim"],
                                       mcfg["upsample"])

    def networks(self, mcfg):
        from models.gan import wavegan

        critic = wavegan.build_critic(mcfg["d"], self.length(mcfg), mcfg["phase_shuffle"],
                                      seed=mcfg["seed"] + 1)
        return self.generator_only(mcfg), critic


class WaveGANLong(WaveGAN):
    """WaveGAN's 65536-sample (4.1 s) variant from the reference repository: one more layer in
    each network, widths from 32d."""

    name = "wavegan_long"
    slice_len = 65536


class SpecGAN(GanModel):
    """SpecGAN (Donahue et al. 2019): a 2-D DCGAN on normalised 128x128 log-magnitude
    spectrograms of 16384-sample clips, turned back into audio by Griffin-Lim."""

    name = "specgan"
    slice_len = 16384

    def prepare(self, data_dir, ckpt_dir):
        shutil.copy(data_dir / "stft_moments.npz", ckpt_dir / "stft_moments.npz")
        return self.load_aux(ckpt_dir)

    def load_aux(self, ckpt_dir):
        with np.load(Path(ckpt_dir) / "stft_moments.npz") as m:
            return {"mean": m["mean"], "std": m["std"]}

    def length(self, mcfg):
        if mcfg.get("slice_len") not in (None, self.slice_len):
            raise ValueError(f"config key specgan.slice_len: SpecGAN's spectrogram is fixed at "
                             f"{self.slice_len} samples, got {mcfg['slice_len']}")
        return self.slice_len

    def generator_only(self, mcfg):
        from models.gan import specgan

        return specgan.build_generator(mcfg["d"], mcfg["latent_dim"])

    def networks(self, mcfg):
        from models.gan import specgan

        return self.generator_only(mcfg), specgan.build_critic(mcfg["d"])

    def to_critic(self, audio, aux):
        from models.gan import specgan

        shape = audio.shape[:-1]
        feats = specgan.features(audio.reshape(-1, self.slice_len), aux)
        return feats.reshape(shape + feats.shape[1:])

    def device_to_critic(self, audio, aux):
        import jax.numpy as jnp

        from models.gan import specgan

        shape = audio.shape[:-1]
        feats = specgan.features(jnp.reshape(audio, (-1, self.slice_len)), aux, jnp)
        return jnp.reshape(feats, shape + feats.shape[1:])

    def to_audio(self, generated, aux):
        from models.gan import specgan

        return specgan.to_audio(generated, aux)

    def device_to_audio(self, aux):
        import jax.numpy as jnp

        from models.gan import specgan

        return lambda generated: specgan.to_audio(generated, aux, xp=jnp)


class GANSynth(GanModel):
    """GANSynth-style GAN (Engel et al. 2019), unconditional: a 2-D convolutional generator and
    critic with pixel norm, equalised learning rate and minibatch standard deviation, on
    log-magnitude and instantaneous-frequency images of 65536-sample clips (4.1 s); audio comes
    back by integrating the frequency into phase, no Griffin-Lim. Trained by the shared WGAN-GP
    trainer with the paper's progressive growing (``progressive``, on by default)."""

    name = "gansynth"
    slice_len = 65536
    rep = {"frame": 1024, "mel": True}  # set from the model's config in generator_only

    def length(self, mcfg):
        if mcfg.get("slice_len") not in (None, self.slice_len):
            raise ValueError(f"config key gansynth.slice_len: GANSynth's images are fixed at "
                             f"{self.slice_len} samples, got {mcfg['slice_len']}")
        return self.slice_len

    def grid(self, mcfg) -> tuple[int, int]:
        """(time frames, frequency bins) of the images: hop = frame / 4, DC bin dropped."""
        return self.slice_len // (mcfg["frame"] // 4), mcfg["frame"] // 2

    def generator_only(self, mcfg):
        from models.gan import gansynth

        self.rep = {"frame": mcfg["frame"], "mel": mcfg["mel"]}
        return gansynth.build_generator(mcfg["d"], mcfg["latent_dim"], *self.grid(mcfg),
                                        progressive=mcfg.get("progressive", False))

    def networks(self, mcfg):
        from models.gan import gansynth

        return self.generator_only(mcfg), gansynth.build_critic(
            mcfg["d"], *self.grid(mcfg), progressive=mcfg["progressive"])

    def schedule(self, mcfg):
        from models.gan import gansynth
        from models.gan.progressive import Schedule

        if not mcfg["progressive"]:
            return None
        return Schedule(mcfg["progressive_steps"] or mcfg["steps"],
                        gansynth.default_levels(*self.grid(mcfg)))

    def to_critic(self, audio, aux):
        from models.gan import gansynth

        shape = audio.shape[:-1]
        feats = gansynth.features(audio.reshape(-1, self.slice_len), **self.rep)
        return feats.reshape(shape + feats.shape[1:])

    def device_to_critic(self, audio, aux):
        import jax.numpy as jnp

        from models.gan import gansynth

        shape = audio.shape[:-1]
        feats = gansynth.features(jnp.reshape(audio, (-1, self.slice_len)), xp=jnp, **self.rep)
        return jnp.reshape(feats, shape + feats.shape[1:])

    def device_to_audio(self, aux):
        return None  # the inverse STFT's DC solve runs in numpy, on the host

    def to_audio(self, generated, aux):
        from models.gan import gansynth

        return gansynth.to_audio(generated, length=self.slice_len, **self.rep)


def write_stft_moments(clips_dir, out_path, max_clips: int = 4096, seed: int = 0) -> int:
    """SpecGAN's normalisation moments from the training clips (a target of its own)."""
    from models.data import clips as clipdata
    from models.gan import specgan

    train = clipdata.load(clips_dir, "train")
    rows = np.sort(np.random.default_rng(seed).choice(len(train), min(len(train), max_clips),
                                                      replace=False))
    batches = (clipdata.as_float(train[rows[i:i + 256]]) for i in range(0, len(rows), 256))
    mom = specgan.moments(batches)
    with atomic_path(out_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, mean=mom["mean"], std=mom["std"], frames=mom["frames"])
    print(f"STFT moments from {len(rows)} clips ({mom['frames']} frames)", file=sys.stderr)
    return len(rows)
