"""FLOPs of the networks and of one training step, for the benchmark's utilisation.

Counted: multiply-adds of dense, convolution and recurrent layers, as 2 FLOPs each, over the
kernel taps that land inside the input: a "same" convolution's taps in its zero padding, and a
transposed convolution's taps that fall off its output, are not work, and XLA's cost analysis
does not count them either (at SpecGAN's 4 x 4 and 8 x 8 maps they are a tenth of the taps).
Activations, normalisation, phase shuffle and optimiser updates are left out (about 2%).

A backward pass is an input gradient and a weight gradient, each as costly as the forward
pass; the input gradient of a layer that reads the network's input is skipped when nothing
asks for it. ``tests/test_flops.py`` checks these counts against XLA's own cost analysis of
the lowered JAX step, within 5%.
"""
from __future__ import annotations

import math

import numpy as np

DENSE = ("Dense", "EqualizedDense")
CONV = ("Conv1D", "Conv2D", "EqualizedConv2D")
CONV_T = ("Conv1DTranspose", "Conv2DTranspose")
SECOND_ORDER = ("MinibatchStdDev",)  # couples examples nonlinearly: see gan_step_flops
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


def valid_taps(size: int, out: int, kernel: int, stride: int, padding: str) -> int:
    """(output position, kernel tap) pairs of a 1-D convolution from ``size`` to ``out``
    positions whose tap reads an input position, not padding. "same" pads as TensorFlow and
    JAX do (the extra one at the end)."""
    pad = max((out - 1) * stride + kernel - size, 0) // 2 if padding == "same" else 0
    read = np.arange(out)[:, None] * stride - pad + np.arange(kernel)[None, :]
    return int(np.count_nonzero((read >= 0) & (read < size)))


def _conv_pairs(layer, inputs, outputs, transpose: bool) -> int:
    """Input-output pairs of a convolution's spatial dimensions (a product over dimensions,
    since a convolution's taps are separable). A transposed convolution is the adjoint of the
    strided convolution from its output back to its input, so it has that one's pairs."""
    ks = getattr(layer, "kernel_size", 1)
    ks = (ks,) * len(inputs) if isinstance(ks, int) else ks
    ss = getattr(layer, "strides", 1)
    ss = (ss,) * len(inputs) if isinstance(ss, int) else ss
    pairs = 1
    for i, o, k, s in zip(inputs, outputs, ks, ss):
        pairs *= valid_taps(o, i, k, s, layer.padding) if transpose else \
            valid_taps(i, o, k, s, layer.padding)
    return pairs


def _kind(layer) -> str:
    """The Keras class a layer is, or derives from, among those counted (models/gan/conv.py's
    rewritten convolutions count as the Keras layers they compute)."""
    for cls in type(layer).__mro__:
        if cls.__name__ in DENSE + CONV + CONV_T + tuple(GATES) + ("RNN",):
            return cls.__name__
    return type(layer).__name__


def layer_flops(layer, timesteps: int | None = None, executed: bool = False) -> int:
    """Forward FLOPs of one layer for one example (``timesteps`` for variable-length input).
    ``executed``: what a layer rewritten at stride 1 (models/gan/conv.py) runs, zero taps
    included, rather than the arithmetic of the layer it computes."""
    if executed and hasattr(layer, "executed_flops"):
        return layer.executed_flops()
    name = _kind(layer)
    rec = _recurrent(layer) if name in GATES or name == "RNN" else None
    if rec:
        gates, units, kernel = rec
        sequence = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
        steps = _positions(sequence.shape, timesteps)   # (an initial state may follow)
        return 2 * steps * gates * units * (kernel.shape[0] + units)
    if name not in DENSE + CONV + CONV_T:
        return 0
    kernel = layer.kernel.shape  # Dense (in, out); ConvND (*k, in, out); ConvNDTranspose (*k, out, in)
    if name in DENSE:
        return 2 * kernel[0] * kernel[1] * _positions(layer.output.shape, timesteps)
    spatial = lambda shape: [timesteps if d is None else d for d in shape[1:-1]]  # noqa: E731
    pairs = _conv_pairs(layer, spatial(layer.input.shape), spatial(layer.output.shape),
                        name in CONV_T)
    return 2 * pairs * kernel[-2] * kernel[-1]


def model_flops(model, timesteps: int | None = None, executed: bool = False) -> int:
    """Forward FLOPs of a functional model for one example."""
    return sum(layer_flops(layer, timesteps, executed) for layer in model.layers)


def _reads_inputs(layer) -> bool:
    """Whether every input of ``layer`` is one of its model's inputs (an InputLayer's)."""
    tensors = layer._inbound_nodes[0].input_tensors if layer._inbound_nodes else []
    return bool(tensors) and all(type(t._keras_history.operation).__name__ == "InputLayer"
                                 for t in tensors)


def input_flops(model, timesteps: int | None = None, executed: bool = False) -> int:
    """Forward FLOPs of the layers that read the model's inputs: their input gradient is only
    computed when the input's gradient is asked for."""
    return sum(layer_flops(layer, timesteps, executed) for layer in model.layers
               if _reads_inputs(layer))


def supervised_step_flops(model, batch: int, timesteps: int | None = None) -> int:
    """One supervised training step over the batch: forward, weight gradient and the input
    gradient of every layer but those that read the data."""
    f = model_flops(model, timesteps)
    return batch * (3 * f - input_flops(model, timesteps))


def second_order_flops(model, executed: bool = False) -> int:
    """Forward FLOPs of the layers below the last layer whose second derivative is not zero
    (``SECOND_ORDER``; LeakyReLU, pooling and convolutions are piecewise linear)."""
    names = [type(layer).__name__ for layer in model.layers]
    last = max((i for i, n in enumerate(names) if n in SECOND_ORDER), default=0)
    return sum(layer_flops(layer, None, executed) for layer in model.layers[:last])


def gan_step_flops(generator, critic, batch: int, n_critic: int = 5,
                   executed: bool = False) -> int:
    """FLOPs of one WGAN-GP training step: ``n_critic`` critic updates and one generator update,
    per example (G, C: forward passes; G1, C1: their layers that read the networks' inputs).

    Critic update, G + 10C - 2 C1 + 2 C2: the fakes (G, no gradient); real and fake scores,
    each a forward pass, a weight gradient and an input gradient down to the second layer
    (3C - C1); the penalty: the interpolates' forward pass and input gradient (2C), and the
    gradient of that with respect to the weights, through both (2C). Where the critic has a
    layer with a second derivative (GANSynth's minibatch standard deviation), the penalty's
    gradient also flows back down the forward pass below it: input and weight gradients of
    those layers again (2 C2, ``second_order_flops``).
    Generator update, 3G - G1 + 2C: forward through G and C, the input gradient through C, the
    input and weight gradients of G (no input gradient for its first layer).
    ``executed``: counted as the rewritten layers run, not as the arithmetic they compute.
    """
    g, c = model_flops(generator, None, executed), model_flops(critic, None, executed)
    g1, c1 = input_flops(generator, None, executed), input_flops(critic, None, executed)
    c2 = second_order_flops(critic, executed)
    return batch * (n_critic * (g + 10 * c - 2 * c1 + 2 * c2) + 3 * g - g1 + 2 * c)
