"""A two-tier SampleRNN (Mehri et al., ICLR 2017) over 8-bit mu-law audio, LSTM or plain RNN.

Frame tier: every frame of F samples (dequantised) -> Dense(units) -> recurrent cell (LSTM or
SimpleRNN, the ``cell`` switch) -> Dense(F * hidden): one conditioning vector for each sample of
the *next* frame. Sample tier: the embeddings of the previous F samples (a kernel-F convolution,
i.e. one matrix over the flattened window) + the conditioning -> ReLU -> Dense(hidden) -> ReLU ->
Dense(256) logits of the next sample.

Training (teacher forcing) sees chunks of T samples plus the F before them:
  frames  (batch, T/F, F) float    samples 0..T-1 as frames, input of the frame tier
  history (batch, T+F-1) int       samples 0..T+F-2, the sample tier's windows
  target  (batch, T) int           samples F..T+F-1
Gradients are truncated at the chunk. With ``carry_batch`` (truncated BPTT, the paper's
training; models/seq/tbptt.py) the frame tier starts each chunk from the state the previous
chunk of the same long sequence left; without, from zero.

Generation runs free, sample by sample, inside one compiled loop (keras.ops.fori_loop under
jax.jit / tf.function; a plain loop on PyTorch), from F samples of silence: an outer loop over
frames runs the frame tier, an inner loop over the frame's samples runs the sample tier.
"""
from __future__ import annotations

import numpy as np

from models.seq import mulaw


def build_model(frame: int = 16, units: int = 256, hidden: int = 128, embedding: int = 16,
                cell: str = "lstm", chunk: int = 1024, unroll: bool = False,
                carry_batch: int | None = None):
    """The teacher-forced network; ``unroll`` unrolls the frame tier's recurrence (the same
    weights; XLA's cost analysis counts a loop's body once, so the FLOP test unrolls it).
    ``carry_batch``: the frame tier's state is carried from chunk to chunk for a batch of that
    many rows (truncated BPTT, models/seq/tbptt.py), with an input "first" (batch, 1) that
    zeroes it where a sequence starts; None: every chunk starts from a zero state."""
    import keras
    from keras import layers

    if chunk % frame:
        raise ValueError(f"chunk ({chunk}) must be a multiple of frame ({frame})")
    frames = keras.Input((chunk // frame, frame), name="frames")
    history = keras.Input((chunk + frame - 1,), dtype="int32", name="history")
    inputs = {"frames": frames, "history": history}
    h = layers.Dense(units, name="frame_in")(frames)
    cells = {"lstm": layers.LSTMCell, "rnn": layers.SimpleRNNCell}
    if cell not in cells:
        raise ValueError(f"cell must be one of {sorted(cells)}, got {cell!r}")
    rnn = layers.RNN(cells[cell](units), return_sequences=True, return_state=carry_batch is not None,
                     unroll=unroll, name="frame_rnn")
    if carry_batch is None:
        h = rnn(h)
    else:
        from models.seq.tbptt import CarriedState

        inputs["first"] = keras.Input((1,), name="first")
        carried = CarriedState(units, 2 if cell == "lstm" else 1, carry_batch, name="carried")
        h, *finals = rnn(h, initial_state=carried(inputs["first"]))
        h = carried([h, *finals])
    cond = layers.Dense(frame * hidden, name="frame_out")(h)               # (b, T/F, F*S)
    cond = layers.Reshape((chunk, hidden))(cond)                           # (b, T, S)
    e = layers.Embedding(mulaw.LEVELS, embedding, name="embed")(history)   # (b, T+F-1, E)
    s = layers.Conv1D(hidden, frame, use_bias=False, name="window")(e)     # (b, T, S)
    z = layers.ReLU()(layers.Add()([s, cond]))
    z = layers.Dense(hidden, activation="relu", name="sample_mlp")(z)
    logits = layers.Dense(mulaw.LEVELS, dtype="float32", name="logits")(z)  # (b, T, 256)
    return keras.Model(inputs, logits, name=f"samplernn_{cell}")


def chunk_inputs(ids: np.ndarray, frame: int) -> tuple[dict, np.ndarray]:
    """(batch, T+F) mu-law ids -> the model's inputs and targets (see the module doc)."""
    chunk = ids.shape[1] - frame
    frames = mulaw.decode(ids[:, :chunk]).reshape(len(ids), chunk // frame, frame)
    return {"frames": frames, "history": ids[:, :-1].astype(np.int32)}, ids[:, frame:]


class Weights:
    """The trained model's weights by role, as arrays of one backend's tensors or numpy."""

    def __init__(self, model, convert=lambda a: a):
        get = lambda name: [np.asarray(w) for w in model.get_layer(name).get_weights()]  # noqa
        window, = get("window")                                            # (F, E, S)
        arrays = {
            "frame_in": get("frame_in"), "cell": get("frame_rnn"), "frame_out": get("frame_out"),
            "embed": get("embed"), "window": [window.reshape(-1, window.shape[-1])],  # (F*E, S)
            "mlp": get("sample_mlp"), "out": get("logits")}
        a = {k: [convert(x) for x in v] for k, v in arrays.items()}
        self.frame_in_w, self.frame_in_b = a["frame_in"]
        self.cell_kernel, self.cell_recurrent, self.cell_bias = a["cell"]
        self.frame_out_w, self.frame_out_b = a["frame_out"]
        self.embed, = a["embed"]
        self.window, = a["window"]
        self.mlp_w, self.mlp_b = a["mlp"]
        self.out_w, self.out_b = a["out"]
        self.lstm = arrays["cell"][0].shape[1] == 4 * arrays["cell"][1].shape[0]


def _cell(ops, w: Weights, x, state):
    """One step of the frame tier's cell; state (h, c) (c unused by the plain RNN)."""
    h, c = state
    z = ops.matmul(x, w.cell_kernel) + ops.matmul(h, w.cell_recurrent) + w.cell_bias
    if not w.lstm:
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


def generate_loop(w: Weights, noise, frame: int, temperature: float = 1.0):
    """Free-running generation in keras.ops: noise (L, b) uniforms -> ids (b, L), L a multiple
    of ``frame``. An outer fori_loop steps the frame tier once per frame; an inner one draws
    that frame's samples one by one."""
    from keras import ops

    length, batch = noise.shape
    units = w.cell_recurrent.shape[0]
    hidden = w.mlp_w.shape[0]

    def frame_body(j, carry):
        window, h, c, out = carry
        x = ops.matmul(mulaw_decode(ops, window), w.frame_in_w) + w.frame_in_b
        h_new, (h, c) = _cell(ops, w, x, (h, c))
        block = ops.reshape(ops.matmul(h_new, w.frame_out_w) + w.frame_out_b,
                            (batch, frame, hidden))                       # (b, F, S)

        def sample_body(k, inner):
            window, out = inner
            p = j * frame + k
            logits = _sample_logits(ops, w, window, ops.take(block, k, axis=1))
            level = _pick(ops, logits, ops.take(noise, p, axis=0), temperature)
            window = ops.concatenate([window[:, 1:], level[:, None]], axis=1)
            return window, ops.slice_update(out, (0, p), level[:, None])

        window, out = ops.fori_loop(0, frame, sample_body, (window, out))
        return window, h, c, out

    carry = (ops.full((batch, frame), mulaw.SILENCE, "int32"),
             ops.zeros((batch, units)), ops.zeros((batch, units)),
             ops.zeros((batch, length), "int32"))
    return ops.fori_loop(0, length // frame, frame_body, carry)[-1]


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


def generate(model, n: int, length: int, seed: int, frame: int, temperature: float = 1.0):
    """n clips of ``length`` samples, float32 in [-1, 1], from a compiled loop."""
    from keras import ops

    w = Weights(model, convert=lambda a: ops.convert_to_tensor(a))
    padded = -(-length // frame) * frame                                   # whole frames
    noise = np.random.default_rng(seed).random((padded, n)).astype(np.float32)
    run = compiled(lambda u: generate_loop(w, u, frame, temperature))
    ids = ops.convert_to_numpy(run(ops.convert_to_tensor(noise)))
    return mulaw.decode(ids[:, :length])


def reference_generate(model, noise: np.ndarray, frame: int, temperature: float = 1.0,
                       logits_out: list | None = None):
    """The same draw, step by step in numpy: the check on the compiled loop. -> ids (b, L).
    ``logits_out``, if given, receives each step's logits (b, 256) before the temperature."""
    w = Weights(model, convert=lambda a: a.astype(np.float64))
    length, batch = noise.shape
    window = np.full((batch, frame), mulaw.SILENCE)
    h = c = np.zeros((batch, w.cell_recurrent.shape[0]))
    out = np.zeros((batch, length), np.int64)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for p in range(length):
        if p % frame == 0:
            x = mulaw.decode(window).astype(np.float64) @ w.frame_in_w + w.frame_in_b
            z = x @ w.cell_kernel + h @ w.cell_recurrent + w.cell_bias
            if w.lstm:
                i, f, g, o = np.split(z, 4, axis=1)
                c = sig(f) * c + sig(i) * np.tanh(g)
                h = sig(o) * np.tanh(c)
            else:
                h = np.tanh(z)
            block = (h @ w.frame_out_w + w.frame_out_b).reshape(batch, frame, -1)
        e = w.embed[window].reshape(batch, -1)
        z = np.maximum(e @ w.window + block[:, p % frame], 0)
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
