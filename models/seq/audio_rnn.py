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
from models.train.loop import compile_supervised, fit_resumable, load_weights, write_checkpoint


class AudioLSTM:
    """SampleRNN (Mehri et al. 2017), two tiers: an LSTM over frames of 16 samples conditions
    an MLP that predicts each next 8-bit mu-law sample; generates free-running, sample by
    sample."""

    name = "lstm"
    default_cell = "lstm"
    uses_gpu = True
    has_curves = True
    needs: tuple = ()

    def _build(self, mcfg):
        return samplernn.build_model(mcfg["frame"], mcfg["units"], mcfg["hidden"],
                                     mcfg["embedding"], mcfg["cell"] or self.default_cell,
                                     mcfg["chunk"])

    def fit(self, data_dir, ckpt_dir, cfg, state_dir) -> dict:
        import keras

        from models.train.slices import SliceSampler, step_dataset

        mcfg = cfg[self.name]
        frame = mcfg["frame"]
        keras.utils.set_random_seed(mcfg["seed"])
        model = self._build(mcfg)
        compile_supervised(model, mcfg,
                           keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        sampler = SliceSampler(Path(data_dir) / "manifest.csv", mcfg["chunk"] + frame)

        def batches(audio):  # (1, batch, chunk + frame) float -> (inputs, targets)
            return samplernn.chunk_inputs(mulaw.encode(audio[0]), frame)

        began = time.perf_counter()
        start, reached, compile_s = fit_resumable(
            model, lambda first: step_dataset(sampler, batches, mcfg["seed"], 1, mcfg["batch"],
                                              mcfg["log_every"], first),
            self.name, mcfg, state_dir, ("loss",))
        write_checkpoint(model, ckpt_dir, state_dir, mcfg, "weights.npz")
        return {"steps": reached, "resumed_from": start, "backend": keras.backend.backend(),
                "fit_s": time.perf_counter() - began, "compile_s": compile_s,
                "parameters": {"network": model.count_params()}, "batch": mcfg["batch"],
                "flops_per_step": flops.supervised_step_flops(model, mcfg["batch"])}

    def _model(self, ckpt_dir):
        mcfg = read_json(Path(ckpt_dir) / "network.json")
        model = self._build(mcfg)
        load_weights(model, Path(ckpt_dir) / "weights.npz")
        return model, mcfg

    def _generate(self, ckpt_dir, n, length, seed) -> np.ndarray:
        model, mcfg = self._model(ckpt_dir)
        return samplernn.generate(model, n, length, seed, mcfg["frame"], mcfg["temperature"])

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
