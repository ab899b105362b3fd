"""Analytic FLOPs of the networks and of one training step, for the benchmark's utilisation.

Counted: multiply-adds of dense, convolution and recurrent layers, as 2 FLOPs each; activations,
normalisation, phase shuffle and optimiser updates are left out (a few percent). A backward
pass is taken as twice its forward pass, the usual estimate, so a supervised step is 3x the
forward pass.
"""
from __future__ import annotations

import math

DENSE = ("Dense", "EqualizedDense")
CONV = ("Conv1D", "Conv2D", "EqualizedConv2D")
CONV_T = ("Conv1DTranspose", "Conv2DTranspose")
GATES = {"LSTM": 4, "LSTMCell": 4, "GRU": 3, "GRUCell": 3, "SimpleRNN": 1, "SimpleRNNCell": 1}


def _positions(shape, timesteps: int | None) -> int:
    """Product of the spatial / time dimensions of a (batch, ..., channels) shape; a None
    (variable length) dimension counts as ``timesteps``."""
    dims = [timesteps if d is None else d for d in shape[1:-1]]
    if None in dims:
        raise ValueError("a variable-length dimension needs `timesteps`")
    return math.prod(dims)


def _recurrent(layer):
    """(gates, units, kernel) of a recurrent layer (LSTM, GRU, SimpleRNN or RNN(cell))."""
    cell = getattr(layer, "cell", None)
    name = type(cell).__name__ if cell is not None else type(layer).__name__
    if name not in GATES:
        return None
    return GATES[name], cell.units, cell.kernel


def layer_flops(layer, timesteps: int | None = None) -> int:
    """Forward FLOPs of one layer for one example (``timesteps`` for variable-length input)."""
    name = type(layer).__name__
    rec = _recurrent(layer) if name in GATES or name == "RNN" else None
    if rec:
        gates, units, kernel = rec
        steps = _positions(layer.input.shape, timesteps)
        return 2 * steps * gates * units * (kernel.shape[0] + units)
    if name not in DENSE + CONV + CONV_T:
        return 0
    kernel = layer.kernel.shape  # Dense (in, out); ConvND (*k, in, out); ConvNDTranspose (*k, out, in)
    if name in DENSE:
        return 2 * kernel[0] * kernel[1] * _positions(layer.output.shape, timesteps)
    taps = math.prod(kernel[:-2])
    if name in CONV_T:  # every input position scatters taps * out values
        return 2 * taps * kernel[-1] * kernel[-2] * _positions(layer.input.shape, timesteps)
    return 2 * taps * kernel[-2] * kernel[-1] * _positions(layer.output.shape, timesteps)


def model_flops(model, timesteps: int | None = None) -> int:
    """Forward FLOPs of a functional model for one example."""
    return sum(layer_flops(layer, timesteps) for layer in model.layers)


def supervised_step_flops(model, batch: int, timesteps: int | None = None) -> int:
    """One supervised training step: forward and backward (2x forward) over the batch."""
    return 3 * batch * model_flops(model, timesteps)


def gan_step_flops(generator, critic, batch: int, n_critic: int = 5) -> int:
    """FLOPs of one WGAN-GP training step: ``n_critic`` critic updates and one generator update.

    Critic update: G forward (fakes), critic forward on real, fake and interpolates (3C), the
    penalty's input gradient (2C), backward through all of it (2 x 5C): G + 15C per example.
    Generator update: forward and backward through G and C: 3G + 3C per example.
    """
    g, c = model_flops(generator), model_flops(critic)
    return batch * (n_critic * (g + 15 * c) + 3 * g + 3 * c)
