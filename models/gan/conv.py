"""Strided convolutions that run as stride-1 convolutions, with Keras's layers' weights.

XLA lowers a transposed convolution (and the input gradient of a strided one, which the
gradient penalty differentiates again) to a convolution with input ("lhs") dilation: the input
is zero-stuffed and convolved. On a GPU, XLA does not map those to cuDNN for weight gradients
and runs them tens of times slower (jax#31662, openxla/xla#34273). The same arithmetic can be
written with stride-1 convolutions only, as in sub-pixel convolution (Shi et al. 2016):

- ``conv_transpose``: output position s*q + r (phase r) is a stride-1 correlation of the input
  with the taps W[r + pad - s*m] at offsets m; all s phases are one convolution with s times
  the output channels, whose output is reshaped so the phases interleave.
- ``conv_strided``: the input is folded into blocks of s positions (space to depth, s times
  the channels) and convolved at stride 1 with the taps W[s*n + r + pad] at block offsets n.

Both rearrange the layer's own kernel by padding, reshaping and flipping (no gather), so the
layers below keep Keras's parameter shapes, counts and checkpoints, and give Keras's outputs
("same" padding as TensorFlow and JAX pad: the extra one at the end). The kernels gain zero
taps where k is not a multiple of s (25 -> 28 for WaveGAN, 5 x 5 -> 6 x 6 for SpecGAN); the
FLOP count in models/train/flops.py counts the layer's own taps, ``executed_flops`` these as
well. Channels last.
"""
from __future__ import annotations

import math

from keras import layers, ops


def _pad_lo(size: int, kernel: int, stride: int, padding: str) -> int:
    """Leading padding of a "same" (or "valid") strided convolution of ``size`` positions."""
    if padding == "valid":
        return 0
    out = -(-size // stride)
    return max((out - 1) * stride + kernel - size, 0) // 2


def transpose_geometry(size: int, k: int, s: int, padding: str) -> tuple:
    """(kernel offset a, taps n, input padding lo, hi) of one axis of ``conv_transpose``: the
    layer's taps, padded by a in front to n*s, fold into n taps of s phases."""
    pad = _pad_lo(size * s, k, s, padding)
    m_max, m_min = (s - 1 + pad) // s, -((k - 1 - pad) // s)
    return s * m_max - pad, m_max - m_min + 1, -m_min, m_max


def strided_geometry(size: int, k: int, s: int, padding: str) -> tuple:
    """(kernel offset a, taps n, block padding lo, hi, blocks) of one axis of ``conv_strided``:
    the input folds into ceil(size / s) blocks, the taps into n block offsets."""
    pad = _pad_lo(size, k, s, padding)
    n_min, n_max = -((pad + s - 1) // s), (k - 1 - pad) // s
    out = -(-size // s) if padding == "same" else (size - k) // s + 1
    blocks = -(-size // s)
    lo = -n_min if padding == "same" else 0
    return -(s * n_min + pad), n_max - n_min + 1, lo, max(out + n_max - blocks, 0), blocks


def _same(pads: list, taps: list) -> bool:
    return all(lo == hi == (n - 1) // 2 and n % 2 for (lo, hi), n in zip(pads, taps))


def _conv(x, kernel, pads: list):
    """Stride-1 convolution of x with explicit zero padding ``pads`` [[lo, hi], ...]; as the
    convolution's own "same" padding where that is what they are, so that XLA neither
    materialises the padding nor counts its taps as work."""
    if _same(pads, kernel.shape):
        return ops.conv(x, kernel, padding="same")
    return ops.conv(ops.pad(x, [[0, 0]] + pads + [[0, 0]]), kernel, padding="valid")


def _spread(kernel, dims: int, offsets: list, strides: tuple):
    """Pad each spatial axis d of ``kernel`` (k_d, ...) by offsets[d] in front and up to
    ``stride * n_d`` taps, then split that axis into (n_d, stride): (n_0, s_0, n_1, s_1, ...)."""
    pads, shape = [], []
    for d in range(dims):
        k, s, a = kernel.shape[d], strides[d], offsets[d][0]
        n = offsets[d][1]
        pads.append([a, s * n - a - k])
        shape += [n, s]
    kernel = ops.pad(kernel, pads + [[0, 0], [0, 0]])
    return ops.reshape(kernel, shape + list(kernel.shape[dims:]))


def _layout(x, kernel, strides: tuple, padding: str, geometry_of):
    """(dims, the kernel's two channel counts, per-axis geometry, stride-1 input padding)."""
    dims = len(strides)
    geometry = [geometry_of(x.shape[1 + d], kernel.shape[d], strides[d], padding)
                for d in range(dims)]
    channels = kernel.shape[dims], kernel.shape[dims + 1]
    return dims, channels, geometry, [[g[2], g[3]] for g in geometry]


def conv_transpose(x, kernel, strides: tuple, padding: str):
    """Keras's ConvNDTranspose(x) without input dilation. x (b, *space, c_in); kernel
    (*k, c_out, c_in); output (b, *space * strides, c_out)."""
    dims, (c_out, c_in), geometry, in_pads = _layout(x, kernel, strides, padding,
                                                     transpose_geometry)
    k = _spread(kernel, dims, geometry, strides)              # (n_0, s_0, ..., c_out, c_in)
    k = ops.flip(k, axis=tuple(2 * d for d in range(dims)))   # offsets m ascending
    order = [2 * d for d in range(dims)] + [2 * dims + 1] + [2 * d + 1 for d in range(dims)]
    k = ops.transpose(k, order + [2 * dims])                  # (n.., c_in, s.., c_out)
    n_taps = [g[1] for g in geometry]
    k = ops.reshape(k, n_taps + [c_in, math.prod(strides) * c_out])
    y = _conv(x, k, in_pads)
    space = list(y.shape[1:1 + dims])
    y = ops.reshape(y, [-1] + space + list(strides) + [c_out])  # (b, q.., r.., c_out)
    order = [0] + [x for d in range(dims) for x in (1 + d, 1 + dims + d)] + [1 + 2 * dims]
    y = ops.transpose(y, order)                               # (b, q_0, r_0, q_1, r_1, c)
    return ops.reshape(y, [-1] + [q * s for q, s in zip(space, strides)] + [c_out])


def conv_strided(x, kernel, strides: tuple, padding: str):
    """Keras's ConvND(x) at ``strides`` by space to depth and a stride-1 convolution. x
    (b, *space, c_in); kernel (*k, c_in, c_out); output (b, *ceil(space / strides), c_out)."""
    dims, (c_in, c_out), geometry, in_pads = _layout(x, kernel, strides, padding,
                                                     strided_geometry)
    blocks = [g[4] for g in geometry]
    # the input, zero-padded to whole blocks and folded: (b, p_0, r_0, ...) -> (b, p.., r.. c)
    x = ops.pad(x, [[0, 0]] + [[0, b * s - x.shape[1 + d]] for d, (b, s)
                               in enumerate(zip(blocks, strides))] + [[0, 0]])
    x = ops.reshape(x, [-1] + [v for b, s in zip(blocks, strides) for v in (b, s)] + [c_in])
    order = [0] + [1 + 2 * d for d in range(dims)] + [2 + 2 * d for d in range(dims)]
    x = ops.transpose(x, order + [1 + 2 * dims])
    x = ops.reshape(x, [-1] + blocks + [math.prod(strides) * c_in])
    k = _spread(kernel, dims, geometry, strides)              # (n_0, s_0, ..., c_in, c_out)
    order = [2 * d for d in range(dims)] + [2 * d + 1 for d in range(dims)]
    k = ops.transpose(k, order + [2 * dims, 2 * dims + 1])    # (n.., s.., c_in, c_out)
    k = ops.reshape(k, [g[1] for g in geometry] + [math.prod(strides) * c_in, c_out])
    return _conv(x, k, in_pads)


def executed_flops(layer) -> int:
    """Multiply-adds x 2 that a rewritten layer runs for one example, zero taps included (XLA
    counts them; it does not count the taps in a convolution's own "same" padding)."""
    from models.train.flops import valid_taps

    dims = len(layer.strides)
    ks, ss = layer.kernel.shape[:dims], tuple(layer.strides)
    transpose = isinstance(layer, (PolyphaseConv1DTranspose, PolyphaseConv2DTranspose))
    sizes = layer.input.shape[1:1 + dims]
    geo = [(transpose_geometry if transpose else strided_geometry)(n, k, s, layer.padding)
           for n, k, s in zip(sizes, ks, ss)]
    grid = sizes if transpose else [g[4] for g in geo]
    taps, pads = [g[1] for g in geo], [[g[2], g[3]] for g in geo]
    same = _same(pads, taps)
    pairs = math.prod(valid_taps(n, n, t, 1, "same") if same else (n + lo + hi - t + 1) * t
                      for n, t, (lo, hi) in zip(grid, taps, pads))
    return 2 * pairs * math.prod(ss) * layer.kernel.shape[-1] * layer.kernel.shape[-2]


class _Rewritten:
    """Shared ``call`` of the layers below: Keras's own bias and activation after ``_conv``."""

    def call(self, inputs):
        y = self._conv(inputs, self.kernel, tuple(self.strides), self.padding)
        if self.use_bias:
            y = y + self.bias
        return y if self.activation is None else self.activation(y)

    def executed_flops(self) -> int:
        return executed_flops(self)


class PolyphaseConv1DTranspose(_Rewritten, layers.Conv1DTranspose):
    """Conv1DTranspose computed by ``conv_transpose``; same weights and outputs."""
    _conv = staticmethod(conv_transpose)


class PolyphaseConv2DTranspose(_Rewritten, layers.Conv2DTranspose):
    """Conv2DTranspose computed by ``conv_transpose``; same weights and outputs."""
    _conv = staticmethod(conv_transpose)


class SpaceToDepthConv1D(_Rewritten, layers.Conv1D):
    """Strided Conv1D computed by ``conv_strided``; same weights and outputs."""
    _conv = staticmethod(conv_strided)


class SpaceToDepthConv2D(_Rewritten, layers.Conv2D):
    """Strided Conv2D computed by ``conv_strided``; same weights and outputs."""
    _conv = staticmethod(conv_strided)
