"""``lstm`` and ``rnn``: the seed study's audio LSTM done right, as a SampleRNN over raw audio.

Judged like the GANs, by audio it generates on its own: free-running from silence, sample by
sample in a compiled loop (models/seq/samplernn.py). The two models are one class; the cell of
the frame tier is the ``cell`` config switch (default: the model's name).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.io import read_json
from models.seq import mulaw, samplernn
from models.train import flops
from models.train.loop import (compile_supervised, fit_resumable, load_weights,
                               weights_snapshot, write_checkpoint)


def trainable_count(model) -> int:
    """Parameters, without the carried recurrent state (non-trainable, one row per batch row)."""
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


class AudioLSTM:
    """SampleRNN (Mehri et al. 2017): an LSTM over frames of 16 samples (two tiers; or, with
    ``tiers: 3``, one over frames of 16 above one over frames of 4) conditions an MLP that
    predicts each next 8-bit mu-law sample; trained with truncated BPTT over long sequences;
    generates free-running, sample by sample."""

    name = "lstm"
    default_cell = "lstm"

    @staticmethod
    def _big_frame(mcfg) -> int | None:
        """The top tier's frame of a three-tier model, None for two tiers."""
        return mcfg["big_frame"] if mcfg.get("tiers", 2) == 3 else None

    def _build(self, mcfg):
        carry = mcfg["batch"] if mcfg.get("sequence_seconds") else None
        return samplernn.build_model(mcfg["frame"], mcfg["units"], mcfg["hidden"],
                                     mcfg["embedding"], mcfg["cell"] or self.default_cell,
                                     mcfg["chunk"], carry_batch=carry,
                                     big_frame=self._big_frame(mcfg))

    @staticmethod
    def _data(data_dir, mcfg):
        """make_data(first epoch) for fit_resumable: random chunks, each from a zero state, or
        (``sequence_seconds``) the chunks of long sequences in order, state carried."""
        from models.seq.tbptt import SequenceWalker, chunks_per_sequence
        from models.train.loop import step_batches
        from models.train.slices import SliceSampler, step_dataset

        frame, big, chunk = mcfg["frame"], AudioLSTM._big_frame(mcfg), mcfg["chunk"]
        back, manifest = big or frame, Path(data_dir) / "manifest.csv"   # look-back samples
        if not mcfg["sequence_seconds"]:
            sampler = SliceSampler(manifest, chunk + back)
            return lambda first: step_dataset(
                sampler, lambda audio: samplernn.chunk_inputs(mulaw.encode(audio[0]), frame, big),
                mcfg["seed"], 1, mcfg["batch"], mcfg["log_every"], first)
        n = chunks_per_sequence(mcfg["sequence_seconds"], chunk)
        walker = SequenceWalker(SliceSampler(manifest, n * chunk + back), mcfg["seed"],
                                mcfg["batch"], chunk, back, n)

        def batch_at(step):
            audio, first = walker.chunk_at(step)
            inputs, targets = samplernn.chunk_inputs(mulaw.encode(audio), frame, big)
            return {**inputs, "first": first}, targets

        return lambda first: step_batches(batch_at, mcfg["log_every"], first)

    def fit(self, data_dir, ckpt_dir, cfg, state_dir) -> dict:
        import keras

        mcfg = cfg[self.name]
        keras.utils.set_random_seed(mcfg["seed"])
        model = self._build(mcfg)
        compile_supervised(model, mcfg,
                           keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        began = time.perf_counter()
        start, reached, compile_s = fit_resumable(model, self._data(data_dir, mcfg), self.name,
                                                  mcfg, state_dir, ("loss",),
                                                  weights_snapshot(model, "weights.npz"))
        write_checkpoint(model, ckpt_dir, state_dir, mcfg, "weights.npz")
        return {"steps": reached, "resumed_from": start, "backend": keras.backend.backend(),
                "fit_s": time.perf_counter() - began, "compile_s": compile_s,
                "parameters": {"network": trainable_count(model)}, "batch": mcfg["batch"],
                "flops_per_step": flops.supervised_step_flops(model, mcfg["batch"])}

    def _model(self, ckpt_dir):
        mcfg = read_json(Path(ckpt_dir) / "network.json")
        model = self._build(mcfg)
        load_weights(model, Path(ckpt_dir) / "weights.npz")
        return model, mcfg

    def _generate(self, ckpt_dir, n, length, seed) -> np.ndarray:
        model, mcfg = self._model(ckpt_dir)
        return samplernn.generate(model, n, length, seed, mcfg["temperature"])

    def sample(self, ckpt_dir, n, seed, cfg) -> np.ndarray:
        return self._generate(ckpt_dir, n, read_json(Path(ckpt_dir) / "model.json")["clip_length"],
                              seed)

    def long_form(self, ckpt_dir, n, seed, seconds) -> np.ndarray:
        return self._generate(ckpt_dir, n, int(round(seconds * 16000)), seed)


class AudioRNN(AudioLSTM):
    """The same SampleRNN with a plain recurrent cell (SimpleRNN, tanh) in the frame tier: the
    seed's "RNN" next to its LSTM, as a config switch rather than a copy of the code."""

    name = "rnn"
    default_cell = "rnn"
