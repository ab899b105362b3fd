"""Layers of the progressive GAN (Karras et al. 2018) that GANSynth builds on, in keras.ops only
so that TensorFlow, JAX and PyTorch all run them.

- ``PixelNorm``: each position's feature vector scaled to unit root mean square, used after every
  convolution of the generator in place of batch normalisation (keeps the magnitudes of the
  generator's and critic's signals from escalating).
- ``EqualizedDense`` / ``EqualizedConv2D``: the "equalised learning rate". Weights are stored as
  draws of N(0, 1) and multiplied at run time by the He constant gain / sqrt(fan_in) (gain
  sqrt(2) by default, 1 for the layers that feed a linear output). Adam's updates are invariant
  to a weight's scale, so storing every weight at unit scale gives every layer the same
  effective learning rate. Biases start at zero and are not scaled.
- ``MinibatchStdDev``: one extra feature map holding the average over features and positions of
  each feature's standard deviation across the batch (or across groups of ``group_size``
  examples), so the critic can see a lack of variety in a batch of fakes.

All take and give channels-last tensors.
"""
from __future__ import annotations

import math

import keras
from keras import ops

EPSILON = 1e-8
HE_GAIN = math.sqrt(2.0)


class PixelNorm(keras.layers.Layer):
    """x / sqrt(mean(x^2 over the last axis) + 1e-8)."""

    def __init__(self, epsilon: float = EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, x):
        return x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


class _Equalized(keras.layers.Layer):
    """Shared by the equalised layers: N(0, 1) kernel, zero bias, run-time scale."""

    def __init__(self, gain: float = HE_GAIN, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.gain, self.use_bias = gain, use_bias

    def _make_weights(self, kernel_shape, fan_in, units):
        self.scale = self.gain / math.sqrt(fan_in)
        self.kernel = self.add_weight(shape=kernel_shape, name="kernel",
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = self.add_weight(shape=(units,), name="bias", initializer="zeros") \
            if self.use_bias else None

    def effective_kernel(self):
        """The kernel as the layer applies it: stored weights times gain / sqrt(fan_in)."""
        return self.kernel * self.scale

    def _add_bias(self, y):
        return y if self.bias is None else y + self.bias

    def get_config(self):
        return {**super().get_config(), "gain": self.gain, "use_bias": self.use_bias}


class EqualizedDense(_Equalized):
    """Dense layer with the equalised learning rate; fan_in = input features."""

    def __init__(self, units: int, gain: float = HE_GAIN, use_bias: bool = True, **kwargs):
        super().__init__(gain, use_bias, **kwargs)
        self.units = units

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self._make_weights((fan_in, self.units), fan_in, self.units)

    def call(self, x):
        return self._add_bias(ops.matmul(x, self.effective_kernel()))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class EqualizedConv2D(_Equalized):
    """Stride-1 2-D convolution with the equalised learning rate; fan_in = kh * kw * c_in."""

    def __init__(self, filters: int, kernel_size: int = 3, padding: str = "same",
                 gain: float = HE_GAIN, use_bias: bool = True, **kwargs):
        super().__init__(gain, use_bias, **kwargs)
        self.filters, self.kernel_size, self.padding = filters, int(kernel_size), padding

    def build(self, input_shape):
        c_in, k = int(input_shape[-1]), self.kernel_size
        self._make_weights((k, k, c_in, self.filters), k * k * c_in, self.filters)

    def call(self, x):
        y = ops.conv(x, self.effective_kernel(), strides=1, padding=self.padding,
                     data_format="channels_last")
        return self._add_bias(y)

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        if self.padding == "valid":
            h = None if h is None else h - self.kernel_size + 1
            w = None if w is None else w - self.kernel_size + 1
        return (b, h, w, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "padding": self.padding}


class MinibatchStdDev(keras.layers.Layer):
    """Append one feature map: for each group of examples, the standard deviation of every
    feature (position x channel) across the group, averaged over features and positions.

    ``group_size=None`` makes the whole batch one group (one value for all examples); otherwise
    the batch must divide into groups of ``group_size`` (the progressive GAN uses 4), example
    b belonging to group b mod (batch / group_size) as in the reference implementation.
    Input (batch, h, w, c) -> (batch, h, w, c + 1).
    """

    def __init__(self, group_size: int | None = None, epsilon: float = EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.group_size, self.epsilon = group_size, epsilon

    def call(self, x):
        shape = ops.shape(x)
        if self.group_size is None:
            centred = x - ops.mean(x, axis=0, keepdims=True)
            std = ops.sqrt(ops.mean(ops.square(centred), axis=0) + self.epsilon)   # (h, w, c)
            stat = ops.broadcast_to(ops.mean(std), (shape[0], 1, 1, 1))
        else:
            grouped = ops.reshape(x, (self.group_size, -1) + tuple(shape[1:]))    # (g, m, ...)
            centred = grouped - ops.mean(grouped, axis=0, keepdims=True)
            std = ops.sqrt(ops.mean(ops.square(centred), axis=0) + self.epsilon)  # (m, h, w, c)
            stat = ops.tile(ops.mean(std, axis=(1, 2, 3), keepdims=True),
                            (self.group_size, 1, 1, 1))                           # (batch, ...)
        stat = ops.cast(stat, x.dtype) * ops.ones_like(x[..., :1])
        return ops.concatenate([x, stat], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return tuple(input_shape[:-1]) + (None if channels is None else channels + 1,)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size,
                "epsilon": self.epsilon}


CUSTOM_OBJECTS = {cls.__name__: cls for cls in
                  (PixelNorm, EqualizedDense, EqualizedConv2D, MinibatchStdDev)}
