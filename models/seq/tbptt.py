"""Truncated backpropagation through time, as SampleRNN was trained (Mehri et al. 2017).

Each row of a batch walks one long training sequence (``sequence_seconds``; 8 s, as SampleRNN's
public training recipes cut their audio) chunk by chunk, in step with the other rows: at step s every row is at chunk s mod n of
sequence s div n, and all rows draw new sequences together when theirs end. The recurrent state
is carried from one chunk to the next and gradients are cut at the chunk boundary.

The carried state lives in the model, as non-trainable variables (``CarriedState``) that the
training step reads before the recurrence and overwrites after it, so every backend's fit()
threads it through the compiled step (as it does batch normalisation's statistics) and the saved
training state holds it: a resumed run continues the same sequences from the same state. A "first" input
(batch, 1), 1 at the first chunk of a sequence, zeroes the state there; the batches are a
function of (seed, step) only, so a resumed run draws exactly the chunks an uninterrupted one
would.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops


class CarriedState(keras.layers.Layer):
    """The frame tier's state between chunks, as ``count`` non-trainable (batch, units) variables.
    Called twice in the network, a layer shared by two steps:

    - ``carried(first)``, first (batch, 1) -> the states the previous chunk left, zeroed in
      rows whose sequence starts here (the recurrent layer's initial state);
    - ``carried([sequence, *final states])`` -> sequence; the final states, without their
      gradient, become the state for the next chunk.
    """

    def __init__(self, units: int, count: int, batch: int, **kwargs):
        super().__init__(**kwargs)
        self.units, self.count, self.batch = units, count, batch
        self.states = [self.add_weight(shape=(batch, units), initializer="zeros",
                                       trainable=False, name=f"state_{i}")
                       for i in range(count)]

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            keep = 1.0 - ops.cast(inputs, self.states[0].dtype)
            return [state * keep for state in self.states]
        sequence, *finals = inputs
        for variable, final in zip(self.states, finals):
            variable.assign(ops.stop_gradient(ops.cast(final, variable.dtype)))
        return sequence

    def compute_output_spec(self, inputs):
        if isinstance(inputs, (list, tuple)):
            return keras.KerasTensor(inputs[0].shape, inputs[0].dtype)
        return [keras.KerasTensor((self.batch, self.units), self.states[0].dtype)
                for _ in range(self.count)]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "count": self.count,
                "batch": self.batch}


def chunks_per_sequence(sequence_seconds: float, chunk: int, sr: int = 16000) -> int:
    n = int(sequence_seconds * sr) // chunk
    if n < 1:
        raise ValueError(f"sequence_seconds {sequence_seconds} is shorter than one chunk "
                         f"({chunk} samples)")
    return n


class SequenceWalker:
    """Chunks of long sequences for ``batch`` rows in step: ``chunk(step)`` -> (audio
    (batch, chunk + frame), first (batch, 1)); the audio of chunk k starts k * chunk samples
    into its sequence and carries ``frame`` samples of look-back."""

    def __init__(self, sampler, seed: int, batch: int, chunk: int, frame: int, n_chunks: int):
        if sampler.length != n_chunks * chunk + frame:
            raise ValueError(f"sampler slices are {sampler.length} samples, sequences need "
                             f"{n_chunks * chunk + frame}")
        self.sampler, self.seed, self.batch = sampler, seed, batch
        self.chunk, self.frame, self.n_chunks = chunk, frame, n_chunks
        self._cached: tuple[int, np.ndarray] | None = None

    def sequences(self, index: int) -> np.ndarray:
        """(batch, n_chunks * chunk + frame) audio of the ``index``-th set of sequences."""
        if self._cached is None or self._cached[0] != index:
            rng = np.random.default_rng([self.seed, index])
            self._cached = index, self.sampler.slices(rng, self.batch)
        return self._cached[1]

    def chunk_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        index, k = divmod(step, self.n_chunks)
        audio = self.sequences(index)[:, k * self.chunk:(k + 1) * self.chunk + self.frame]
        first = np.full((self.batch, 1), float(k == 0), np.float32)
        return audio, first
