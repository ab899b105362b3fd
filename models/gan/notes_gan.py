"""notes_gan: a GAN over piano rolls of the chorales, the note-level GAN beside notes_lstm.

The references are MuseGAN (Dong et al. 2018: convolutional generator and critic over time and
pitch, WGAN-GP, rolls binarised by a threshold at generation) and MidiNet (Yang et al. 2017: a
DCGAN over one-bar rolls on a sixteenth-note grid). What fits four-voice chorales, one
instrument: a window of ``bars`` 4/4 bars (16 sixteenths each) over 48 pitches (C2..B5), with
a sounding and an onset channel (models/data/rolls.py), cut from the training scores at their
bar lines.

Generator: z -> Dense -> (bars, 6, 8d) -> transposed convolutions 4x4, stride 2 over time and
pitch three times (-> (8 bars, 48, d)), then stride 2 over time only -> (16 bars, 48, 2),
sigmoid. Critic: the mirror image, LeakyReLU(0.2), Dense -> 1. No batch norm (the critic's
gradient penalty is per example; the generator follows SpecGAN's). Trained by the shared WGAN-GP
trainer (models/gan/trainer.py) on every backend; on JAX the training rolls live on the device
as the audio GANs' slices do (``DeviceRolls``).

Samples: rolls thresholded at 0.5, turned into notes (``rolls.from_roll``) and rendered with the
data stage's SoundFont at the corpus tempo (a sixteenth = 0.125 s). Long form: the audio GANs'
slow latent walk (models/gan/long_form.walk), one window per latent, windows joined end to end,
so every join is a bar line, then rendered as one piece.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from models.gan.model import GanModel, draw_latents
from models.io import read_json
from models.data import rolls


def build_generator(d: int = 64, latent_dim: int = 128, bars: int = 4):
    """z (batch, latent_dim) -> roll (batch, 16 bars, 48, 2) in (0, 1)."""
    import keras
    from keras import layers

    from models.gan.conv import PolyphaseConv2DTranspose

    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(bars * 6 * 8 * d, name="project")(z)
    x = layers.Reshape((bars, 6, 8 * d))(x)
    x = layers.ReLU()(x)
    for i, channels in enumerate([4 * d, 2 * d, d]):  # time x2, pitch x2: 6 -> 12 -> 24 -> 48
        x = PolyphaseConv2DTranspose(channels, 4, strides=2, padding="same",
                                     name=f"upconv_{i}")(x)
        x = layers.ReLU()(x)
    x = PolyphaseConv2DTranspose(2, (4, 1), strides=(2, 1), padding="same", name="upconv_3")(x)
    x = layers.Activation("sigmoid", dtype="float32")(x)
    return keras.Model(z, x, name="notes_gan_generator")


def build_critic(d: int = 64, bars: int = 4):
    """(batch, 16 bars, 48, 2) -> score (batch, 1), float32."""
    import keras
    from keras import layers

    from models.gan.conv import SpaceToDepthConv2D

    x_in = keras.Input((16 * bars, rolls.PITCHES, 2), name="roll")
    x = SpaceToDepthConv2D(d, (4, 1), strides=(2, 1), padding="same", name="conv_0")(x_in)
    x = layers.LeakyReLU(0.2)(x)
    for i, channels in enumerate([2 * d, 4 * d, 8 * d]):
        x = SpaceToDepthConv2D(channels, 4, strides=2, padding="same", name=f"conv_{i + 1}")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, dtype="float32", name="score")(x)
    return keras.Model(x_in, out, name="notes_gan_critic")


class RollSampler:
    """Training windows of ``steps`` sixteenths that start at a bar line of the ``split``'s
    pieces; ``batch(seed, step, n_critic, batch)`` -> (n_critic, batch, steps * 48 * 2), a
    function of (seed, step) so a resumed run draws what an uninterrupted one would."""

    def __init__(self, rolls_path, steps: int, split: str = "train"):
        with np.load(rolls_path) as z:
            self.buffer = z[f"{split}_roll"]
            bars, ends = z[f"{split}_bars"], z[f"{split}_ends"]
        self.starts = bars[bars + steps <= ends]
        if not len(self.starts):
            raise ValueError(f"{rolls_path}: no {split} piece is {steps} sixteenths long")
        self.steps = steps
        self.length = steps * rolls.PITCHES * 2   # a window, flattened (as DeviceSlices cuts)

    def windows(self, rng: np.random.Generator, n: int) -> np.ndarray:
        start = self.starts[rng.integers(0, len(self.starts), n)]
        return self.buffer[start[:, None] + np.arange(self.steps)[None, :]].astype(np.float32)

    def batch(self, seed: int, step: int, n_critic: int, batch: int) -> np.ndarray:
        rng = np.random.default_rng([seed, step])
        return self.windows(rng, n_critic * batch).reshape(n_critic, batch, self.length)


class DeviceRolls:
    """A RollSampler's rolls and bar-line starts on the device, drawn inside the compiled step
    (the interface of models/gan/device.DeviceSlices)."""

    def __init__(self, sampler: RollSampler):
        import jax

        self.length, self.steps = sampler.length, sampler.steps
        flat = sampler.buffer.reshape(-1)
        self.arrays = jax.device_put({"buffer": flat,
                                      "starts": sampler.starts.astype(np.int32)})

    def draw(self, arrays, key, n: int):
        import jax
        import jax.numpy as jnp

        pick = jax.random.randint(key, (n,), 0, arrays["starts"].shape[0])
        offset = arrays["starts"][pick] * (rolls.PITCHES * 2)
        cut = lambda o: jax.lax.dynamic_slice(arrays["buffer"], (o,), (self.length,))  # noqa
        return jax.vmap(cut)(offset).astype(jnp.float32)


class NotesGAN(GanModel):
    """A piano-roll GAN (MuseGAN / MidiNet style) over windows of the chorales' scores."""

    name = "notes_gan"
    threshold = 0.5  # a pitch sounds (or starts) where the generator's output passes this

    def steps_of(self, mcfg) -> int:
        return 16 * mcfg["bars"]

    def length(self, mcfg) -> int:
        """Samples of a rendered window: its sixteenths at the corpus tempo."""
        return int(round(self.steps_of(mcfg) * rolls.SIXTEENTH_S * 16000))

    def generator_only(self, mcfg):
        return build_generator(mcfg["d"], mcfg["latent_dim"], mcfg["bars"])

    def networks(self, mcfg):
        return self.generator_only(mcfg), build_critic(mcfg["d"], mcfg["bars"])

    def sampler(self, data_dir, mcfg):
        return RollSampler(Path(data_dir) / "piano_rolls.npz", self.steps_of(mcfg))

    def device_sampler(self, sampler):
        return DeviceRolls(sampler)

    def to_critic(self, flat, aux):
        return flat.reshape(flat.shape[:-1] + (-1, rolls.PITCHES, 2))

    def device_to_critic(self, flat, aux):
        import jax.numpy as jnp

        return jnp.reshape(flat, flat.shape[:-1] + (-1, rolls.PITCHES, 2))

    # -- generation: rolls -> notes -> audio -----------------------------------------------
    def to_audio(self, generated, aux):
        """The generator's output -> (k, steps, 48, 2) 0/1 rolls (notes come from them, and
        audio from the notes, on the host)."""
        return (np.asarray(generated) > self.threshold).astype(np.uint8)

    def device_to_audio(self, aux):
        return None

    def _rolls(self, ckpt_dir, z) -> np.ndarray:
        """(k, latent) -> (k, steps, 48, 2) 0/1 rolls, by the checkpoint's one renderer."""
        render, _ = self._renderer(ckpt_dir)
        return render(np.asarray(z, np.float32))

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        mcfg = read_json(Path(ckpt_dir) / "network.json")
        clip = read_json(Path(ckpt_dir) / "model.json")["clip_length"]
        z = draw_latents(np.random.default_rng(seed), (n, mcfg["latent_dim"]), mcfg)
        grid = [rolls.from_roll(r) for r in self._rolls(ckpt_dir, z)]
        self.notes = [rolls.to_seconds(g, clip / 16000).tolist() for g in grid]
        self.sample_info = {f"notes per {mcfg['bars']}-bar window":
                            float(np.mean([len(g) for g in grid])),
                            "silent windows": int(sum(len(g) == 0 for g in grid))}
        return np.stack([rolls.render(g, clip / 16000) for g in grid])

    def interpolate(self, ckpt_dir, seed, points: int = 8) -> np.ndarray:
        from models.gan.long_form import slerp

        mcfg = read_json(Path(ckpt_dir) / "network.json")
        a, b = draw_latents(np.random.default_rng([seed, 1]), (2, mcfg["latent_dim"]), mcfg)
        joined = np.concatenate(list(self._rolls(ckpt_dir, slerp(a, b, np.linspace(0, 1,
                                                                                  points)))))
        return rolls.render(rolls.from_roll(joined), len(joined) * rolls.SIXTEENTH_S)

    long_form_note = ("A slow walk through latent space (the audio GANs' walk), one window of "
                      "bars per latent, the windows' rolls joined at their bar lines and "
                      "rendered as one piece:")

    def long_roll(self, ckpt_dir, seed, seconds) -> tuple[np.ndarray, list[int]]:
        """One long piece's roll, windows of a latent walk end to end, and where they join
        (in sixteenths: every join is a bar line of the generated 4/4 bars)."""
        from models.gan.long_form import walk

        mcfg = read_json(Path(ckpt_dir) / "network.json")
        per = self.steps_of(mcfg)
        count = int(np.ceil(seconds / (per * rolls.SIXTEENTH_S)))
        z = walk(count, mcfg["latent_dim"], seed, self.clips_per_anchor,
                 mcfg.get("latent", "uniform"))
        return np.concatenate(list(self._rolls(ckpt_dir, z))), [per * i for i in range(1, count)]

    def long_form(self, ckpt_dir, n, seed, seconds) -> np.ndarray:
        pieces = []
        for p in range(n):
            roll, joins = self.long_roll(ckpt_dir, seed + p, seconds)
            pieces.append(rolls.render(rolls.from_roll(roll), seconds))
        self.sample_info = {**getattr(self, "sample_info", {}), "windows per piece":
                            len(joins) + 1, "seconds between joins (bar lines)":
                            joins[0] * rolls.SIXTEENTH_S if joins else seconds}
        return np.stack(pieces)
