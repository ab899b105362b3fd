"""Analytic FLOPs of the GAN networks and of one WGAN-GP training step.

Counted: multiply-adds of Dense and convolution layers, as 2 FLOPs each; activations, phase
shuffle and optimiser updates are left out (a few percent). A backward pass is taken as twice
its forward pass, the usual estimate.
"""
from __future__ import annotations

import math


def layer_flops(layer) -> int:
    """Forward FLOPs of one layer for one example."""
    name = type(layer).__name__
    if name not in ("Dense", "Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose"):
        return 0
    kernel = layer.kernel.shape  # Dense (in, out); ConvND (*k, in, out); ConvNDTranspose (*k, out, in)
    if name == "Dense":
        return 2 * kernel[0] * kernel[1]
    taps = math.prod(kernel[:-2])
    if name.endswith("Transpose"):  # every input position scatters taps * out values
        positions = math.prod(layer.input.shape[1:-1])
        return 2 * taps * kernel[-1] * kernel[-2] * positions
    positions = math.prod(layer.output.shape[1:-1])
    return 2 * taps * kernel[-2] * kernel[-1] * positions


def model_flops(model) -> int:
    """Forward FLOPs of a functional model for one example."""
    return sum(layer_flops(layer) for layer in model.layers)


def step_flops(generator, critic, batch: int, n_critic: int = 5) -> int:
    """FLOPs of one training step: ``n_critic`` critic updates and one generator update.

    Critic update: G forward (fakes), critic forward on real, fake and interpolates (3C), the
    penalty's input gradient (2C), backward through all of it (2 x 5C): G + 15C per example.
    Generator update: forward and backward through G and C: 3G + 3C per example.
    """
    g, c = model_flops(generator), model_flops(critic)
    return batch * (n_critic * (g + 15 * c) + 3 * g + 3 * c)
