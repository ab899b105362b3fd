"""SampleRNN (Mehri et al., ICLR 2017) over 8-bit mu-law audio, two or three tiers, LSTM or
plain RNN.

Frame tiers, top to bottom, with frames of ``sizes`` samples (two tiers: one frame tier of F;
three tiers: a top tier of B = ``big_frame`` samples over a frame tier of F, e.g. 16 and 4):
every frame (dequantised) -> Dense(units) [+ the conditioning from the tier above for this
frame] -> recurrent cell (LSTM or SimpleRNN, the ``cell`` switch) -> Dense: one conditioning
vector for each frame of the tier below (or each sample) of the *next* frame. Sample tier: the
embeddings of the previous F samples (a kernel-F convolution, i.e. one matrix over the
flattened window) + the conditioning -> ReLU -> Dense(hidden) -> ReLU -> Dense(256) logits of
the next sample.

Training (teacher forcing) sees chunks of T samples plus the top tier's frame before them (K = B
with three tiers, F with two), as ``chunk_inputs`` lays them out:
  big_frames (batch, T/B, B) float    samples 0..T-1 (three tiers only)
  frames     (batch, T/F, F) float    samples K-F..K-F+T-1, input of the frame tier
  history    (batch, T+F-1) int       samples K-F..K+T-2, the sample tier's windows
  target     (batch, T) int           samples K..K+T-1
Gradients are truncated at the chunk. With ``carry_batch`` (truncated BPTT, the paper's
training; models/seq/tbptt.py) every tier starts each chunk from the state the previous chunk
of the same long sequence left; without, from zero.

Generation runs free, sample by sample, inside one compiled loop (keras.ops.fori_loop under
jax.jit / tf.function; a plain loop on PyTorch), from K samples of silence: a loop over the top
tier's frames runs that tier, a loop inside it over its frames of the tier below, and so on down
to the samples.
"""
from __future__ import annotations

import numpy as np

from models.seq import mulaw

CELLS = ("lstm", "rnn")


def build_model(frame: int = 16, units: int = 256, hidden: int = 128, embedding: int = 16,
                cell: str = "lstm", chunk: int = 1024, unroll: bool = False,
                carry_batch: int | None = None, big_frame: int | None = None):
    """The teacher-forced network; ``big_frame``: a third tier over frames of that many
    samples (a multiple of ``frame``), None for two tiers. ``unroll`` unrolls the recurrences
    (the same weights; XLA's cost analysis counts a loop's body once, so the FLOP test unrolls
    them). ``carry_batch``: the tiers' states are carried from chunk to chunk for a batch of that
    many rows (truncated BPTT, models/seq/tbptt.py), with an input "first" (batch, 1) that
    zeroes them where a sequence starts; None: every chunk starts from a zero state."""
    import keras
    from keras import layers

    sizes = tier_sizes(frame, big_frame)
    if chunk % sizes[0]:
        raise ValueError(f"chunk ({chunk}) must be a multiple of the top frame ({sizes[0]})")
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {list(CELLS)}, got {cell!r}")
    names = ["big", "frame"][-len(sizes):]
    keys = ["big_frames", "frames"][-len(sizes):]
    inputs = {key: keras.Input((chunk // f, f), name=key) for key, f in zip(keys, sizes)}
    inputs["history"] = keras.Input((chunk + frame - 1,), dtype="int32", name="history")
    if carry_batch is not None:
        inputs["first"] = keras.Input((1,), name="first")
    cond = None
    for k, (name, size) in enumerate(zip(names, sizes)):
        below, width = (sizes[k + 1], units) if k + 1 < len(sizes) else (1, hidden)
        x = inputs[keys[k]]
        h = layers.Dense(units, name=f"{name}_in")(x)                      # (b, T/f, units)
        if cond is not None:
            h = layers.Add()([h, cond])
        h = _recurrence(h, name, cell, units, unroll, carry_batch, inputs.get("first"))
        cond = layers.Dense(size // below * width, name=f"{name}_out")(h)  # (b, T/f, f/g * w)
        cond = layers.Reshape((chunk // below, width))(cond)               # (b, T/g, w)
    e = layers.Embedding(mulaw.LEVELS, embedding, name="embed")(inputs["history"])
    s = layers.Conv1D(hidden, frame, use_bias=False, name="window")(e)     # (b, T, S)
    z = layers.ReLU()(layers.Add()([s, cond]))
    z = layers.Dense(hidden, activation="relu", name="sample_mlp")(z)
    logits = layers.Dense(mulaw.LEVELS, dtype="float32", name="logits")(z)  # (b, T, 256)
    return keras.Model(inputs, logits, name=f"samplernn{len(sizes) + 1}_{cell}")


def _recurrence(h, name, cell, units, unroll, carry_batch, first):
    """One tier's recurrent layer, its state carried between chunks when ``carry_batch``."""
    from keras import layers

    cls = {"lstm": layers.LSTMCell, "rnn": layers.SimpleRNNCell}[cell]
    rnn = layers.RNN(cls(units), return_sequences=True, return_state=carry_batch is not None,
                     unroll=unroll, name=f"{name}_rnn")
    if carry_batch is None:
        return rnn(h)
    from models.seq.tbptt import CarriedState

    carried = CarriedState(units, 2 if cell == "lstm" else 1, carry_batch,
                           name=f"{name}_carried")
    h, *finals = rnn(h, initial_state=carried(first))
    return carried([h, *finals])


def tier_sizes(frame: int, big_frame: int | None = None) -> list[int]:
    """Frame sizes of the frame tiers, top first."""
    if big_frame is None:
        return [frame]
    if big_frame <= frame or big_frame % frame:
        raise ValueError(f"big_frame ({big_frame}) must be a multiple of frame ({frame}) "
                         "larger than it")
    return [big_frame, frame]


def chunk_inputs(ids: np.ndarray, frame: int, big_frame: int | None = None
                 ) -> tuple[dict, np.ndarray]:
    """(batch, T + K) mu-law ids, K the top tier's frame -> the model's inputs and targets
    (see the module doc)."""
    top = big_frame or frame
    chunk = ids.shape[1] - top
    audio = mulaw.decode(ids)
    inputs = {"frames": audio[:, top - frame:top - frame + chunk].reshape(
                  len(ids), chunk // frame, frame),
              "history": ids[:, top - frame:-1].astype(np.int32)}
    if big_frame:
        inputs["big_frames"] = audio[:, :chunk].reshape(len(ids), chunk // big_frame, big_frame)
    return inputs, ids[:, top:]


class Tier:
    """One frame tier's weights: ``size`` samples a frame, input, cell and output matrices."""

    def __init__(self, model, name: str, convert):
        get = lambda layer: [convert(np.asarray(w)) for w in  # noqa: E731
                             model.get_layer(layer).get_weights()]
        self.in_w, self.in_b = get(f"{name}_in")
        self.kernel, self.recurrent, self.bias = get(f"{name}_rnn")
        self.out_w, self.out_b = get(f"{name}_out")
        self.size, self.units = self.in_w.shape[0], self.recurrent.shape[0]
        self.lstm = self.kernel.shape[1] == 4 * self.units


class Weights:
    """The trained model's weights by role, as arrays of one backend's tensors or numpy."""

    def __init__(self, model, convert=lambda a: a):
        names = [n for n in ("big", "frame") if any(layer.name == f"{n}_in"
                                                     for layer in model.layers)]
        self.tiers = [Tier(model, n, convert) for n in names]
        get = lambda name: [np.asarray(w) for w in model.get_layer(name).get_weights()]  # noqa
        window, = get("window")                                            # (F, E, S)
        self.frame = window.shape[0]
        self.embed, = [convert(a) for a in get("embed")]
        self.window = convert(window.reshape(-1, window.shape[-1]))        # (F*E, S)
        self.mlp_w, self.mlp_b = [convert(a) for a in get("sample_mlp")]
        self.out_w, self.out_b = [convert(a) for a in get("logits")]
        self.hidden = window.shape[-1]

    def below(self, k: int) -> tuple[int, int]:
        """(frame size, conditioning width) of what tier ``k`` conditions: the next tier or
        the samples."""
        if k + 1 < len(self.tiers):
            return self.tiers[k + 1].size, self.tiers[k + 1].units
        return 1, self.hidden


def _cell(ops, t: Tier, x, state):
    """One step of a tier's cell; state (h, c) (c unused by the plain RNN)."""
    h, c = state
    z = ops.matmul(x, t.kernel) + ops.matmul(h, t.recurrent) + t.bias
    if not t.lstm:
        h = ops.tanh(z)
        return h, (h, c)
    i, f, g, o = ops.split(z, 4, axis=-1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    h = ops.sigmoid(o) * ops.tanh(c)
    return h, (h, c)


def _sample_logits(ops, w: Weights, window_ids, cond):
    """window_ids (b, F) int, cond (b, S) -> logits (b, 256)."""
    e = ops.take(w.embed, window_ids, axis=0)                              # (b, F, E)
    e = ops.reshape(e, (ops.shape(e)[0], -1))                              # (b, F*E)
    z = ops.relu(ops.matmul(e, w.window) + cond)
    z = ops.relu(ops.matmul(z, w.mlp_w) + w.mlp_b)
    return ops.matmul(z, w.out_w) + w.out_b


def _pick(ops, logits, u, temperature):
    """Inverse-CDF draw of one level per row from softmax(logits / T) with uniforms u (b,)."""
    p = ops.softmax(logits / temperature, axis=-1)
    below = ops.cast(ops.cumsum(p, axis=-1) < u[:, None], "int32")
    return ops.minimum(ops.sum(below, axis=-1), mulaw.LEVELS - 1)


def generate_loop(w: Weights, noise, temperature: float = 1.0):
    """Free-running generation in keras.ops: noise (L, b) uniforms -> ids (b, L), L a multiple
    of the top tier's frame. One fori_loop per tier: the top one steps over its frames, each
    tier's body over its frames of the tier below, the lowest over its samples, drawn one by
    one. The carry: the last K ids (the window every tier reads), the output and each tier's
    state."""
    from keras import ops

    length, batch = noise.shape
    top, frame = w.tiers[0].size, w.frame

    def tier_step(k, cond, carry, base):
        window, out, states = carry
        t = w.tiers[k]
        x = ops.matmul(mulaw_decode(ops, window[:, top - t.size:]), t.in_w) + t.in_b
        if cond is not None:
            x = x + cond
        h, state = _cell(ops, t, x, states[k])
        states = states[:k] + (state,) + states[k + 1:]
        step, width = w.below(k)
        block = ops.reshape(ops.matmul(h, t.out_w) + t.out_b, (batch, t.size // step, width))

        def body(m, inner):
            position = base + m * step
            if k + 1 < len(w.tiers):
                return tier_step(k + 1, ops.take(block, m, axis=1), inner, position)
            window, out, states = inner
            logits = _sample_logits(ops, w, window[:, top - frame:], ops.take(block, m, axis=1))
            level = _pick(ops, logits, ops.take(noise, position, axis=0), temperature)
            window = ops.concatenate([window[:, 1:], level[:, None]], axis=1)
            return window, ops.slice_update(out, (0, position), level[:, None]), states

        return ops.fori_loop(0, t.size // step, body, (window, out, states))

    zeros = lambda t: (ops.zeros((batch, t.units)), ops.zeros((batch, t.units)))  # noqa: E731
    carry = (ops.full((batch, top), mulaw.SILENCE, "int32"), ops.zeros((batch, length), "int32"),
             tuple(zeros(t) for t in w.tiers))
    return ops.fori_loop(0, length // top, lambda j, c: tier_step(0, None, c, j * top),
                         carry)[1]


def mulaw_decode(ops, q):
    """keras.ops twin of mulaw.decode."""
    f = (ops.cast(q, "float32") + 0.5) / mulaw.LEVELS * 2 - 1
    return ops.sign(f) * (ops.exp(ops.abs(f) * np.log1p(mulaw.MU)) - 1) / mulaw.MU


def compiled(fn):
    """The backend's compiler around a pure function of tensors."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.jit(fn)
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True, reduce_retracing=True)
    return fn


def generate(model, n: int, length: int, seed: int, temperature: float = 1.0):
    """n clips of ``length`` samples, float32 in [-1, 1], from a compiled loop."""
    from keras import ops

    w = Weights(model, convert=lambda a: ops.convert_to_tensor(a))
    top = w.tiers[0].size
    padded = -(-length // top) * top                                       # whole top frames
    noise = np.random.default_rng(seed).random((padded, n)).astype(np.float32)
    run = compiled(lambda u: generate_loop(w, u, temperature))
    ids = ops.convert_to_numpy(run(ops.convert_to_tensor(noise)))
    return mulaw.decode(ids[:, :length])


def reference_generate(model, noise: np.ndarray, temperature: float = 1.0,
                       logits_out: list | None = None):
    """The same draw, step by step in numpy: the check on the compiled loop. -> ids (b, L).
    ``logits_out``, if given, receives each step's logits (b, 256) before the temperature."""
    w = Weights(model, convert=lambda a: a.astype(np.float64))
    length, batch = noise.shape
    top = w.tiers[0].size
    window = np.full((batch, top), mulaw.SILENCE)
    states = [(np.zeros((batch, t.units)),) * 2 for t in w.tiers]
    blocks = [None] * len(w.tiers)
    out = np.zeros((batch, length), np.int64)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for p in range(length):
        for k, t in enumerate(w.tiers):
            if p % t.size:
                continue
            x = mulaw.decode(window[:, top - t.size:]).astype(np.float64) @ t.in_w + t.in_b
            if k:
                x = x + blocks[k - 1][:, p % w.tiers[k - 1].size // t.size]
            h, c = states[k]
            z = x @ t.kernel + h @ t.recurrent + t.bias
            if t.lstm:
                i, f, g, o = np.split(z, 4, axis=1)
                c = sig(f) * c + sig(i) * np.tanh(g)
                h = sig(o) * np.tanh(c)
            else:
                h = np.tanh(z)
            states[k] = h, c
            blocks[k] = (h @ t.out_w + t.out_b).reshape(batch, t.size // w.below(k)[0], -1)
        e = w.embed[window[:, top - w.frame:]].reshape(batch, -1)
        z = np.maximum(e @ w.window + blocks[-1][:, p % w.frame], 0)
        z = np.maximum(z @ w.mlp_w + w.mlp_b, 0)
        logits = z @ w.out_w + w.out_b
        if logits_out is not None:
            logits_out.append(logits)
        logits = logits / temperature
        prob = np.exp(logits - logits.max(1, keepdims=True))
        prob /= prob.sum(1, keepdims=True)
        level = np.minimum((np.cumsum(prob, 1) < noise[p][:, None]).sum(1), mulaw.MU)
        window = np.concatenate([window[:, 1:], level[:, None]], axis=1)
        out[:, p] = level
    return out
