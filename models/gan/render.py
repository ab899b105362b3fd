"""A trained generator, loaded and compiled once per generate job, turning latents into audio.

One ``Renderer`` serves a model's samples, interpolation and long-form pieces (before, each
rebuilt and recompiled the generator). On JAX the generator is one jitted ``stateless_call``
at a fixed batch (the last batch padded, so one program serves every call), in the training
precision (bfloat16 where the model trained in it, on an accelerator), and post-processing
that has a jax.numpy form (SpecGAN's Griffin-Lim) runs on the device too. Elsewhere the
generator is called batch by batch in eager mode. The renderer times its parts: ``cold_s``
(build, load, compile, first batch), then ``forward_s`` and ``post_s`` over ``clips`` clips.
"""
from __future__ import annotations

import time

import numpy as np


class Renderer:
    def __init__(self, generator, to_audio, device_to_audio=None, batch: int = 64):
        """``to_audio``: numpy generator output -> (k, samples) audio; ``device_to_audio``: the
        same in jax.numpy, or None to post-process on the host."""
        import keras

        self.generator, self.batch = generator, batch
        self.to_audio, self.device_to_audio = to_audio, device_to_audio
        self.forward_s = self.post_s = 0.0
        self.clips = 0
        self.jax = keras.backend.backend() == "jax"
        if self.jax:
            import jax

            self._weights = ([v.value for v in generator.trainable_variables],
                             [v.value for v in generator.non_trainable_variables])
            self._forward = jax.jit(lambda weights, z: generator.stateless_call(
                *weights, z)[0].astype("float32"))  # weights an argument, not constants
            self._post = jax.jit(device_to_audio) if device_to_audio else None

    def forward(self, z: np.ndarray):
        """One batch (at most ``batch`` rows) through the generator: numpy, or on JAX a device
        array of the whole padded batch (one compiled shape for every call)."""
        if not self.jax:
            return np.asarray(self.generator(z, training=False), np.float32)
        padded = np.concatenate([z, np.zeros((self.batch - len(z),) + z.shape[1:], z.dtype)])
        return self._forward(self._weights, padded)

    def __call__(self, z) -> np.ndarray:
        """(k, latent) latents -> (k, samples) float32 audio."""
        z = np.asarray(z, np.float32)
        out = []
        for i in range(0, len(z), self.batch):
            k = len(z[i:i + self.batch])
            tick = time.perf_counter()
            generated = self.forward(z[i:i + self.batch])
            if self.jax:
                generated.block_until_ready()
            mid = time.perf_counter()
            if self._post_on_device():
                audio = np.asarray(self._post(generated))[:k]
            else:
                audio = self.to_audio(np.asarray(generated)[:k])
            out.append(audio)
            self.forward_s += mid - tick
            self.post_s += time.perf_counter() - mid
            self.clips += k
        return np.concatenate(out)

    def reset(self) -> None:
        """Forget the timings so far (the warm-up call's)."""
        self.forward_s = self.post_s = 0.0
        self.clips = 0

    def _post_on_device(self) -> bool:
        return self.jax and self._post is not None

    def timing(self) -> dict:
        return {"cold_s": getattr(self, "cold_s", None), "forward_s": self.forward_s,
                "post_s": self.post_s, "clips": self.clips, "batch": self.batch,
                "post_on_device": self._post_on_device()}
