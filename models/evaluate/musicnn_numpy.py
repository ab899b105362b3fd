"""musicnn's MTT_musicnn penultimate embedding in plain numpy: no TensorFlow, in this process.

``models.evaluate.musicnn_worker`` is the reference: it builds musicnn's TF1 graph under
TensorFlow's legacy Keras in a child process, which costs a TensorFlow import (~5 s) per call and
needs TensorFlow where the embedding runs. This module gives the same numbers without it:

- ``read_checkpoint`` reads the TensorFlow checkpoint that ships in the musicnn wheel
  (``musicnn/MTT_musicnn/.index`` + ``.data-00000-of-00001``) by hand. The ``.index`` file is a
  LevelDB-format table: a 48-byte footer (block handles as varints, then a magic number) points
  to an index block, whose entries point to data blocks; each block holds prefix-compressed
  key/value entries, restart offsets and a 5-byte trailer (compression byte, masked CRC-32C).
  Each key is a variable name and each value a ``BundleEntryProto`` (dtype, shape, shard,
  offset, size, CRC-32C of the bytes); the tensor bytes are little-endian in the data file.
- ``log_mel`` is the worker's network input: librosa's mel power spectrogram (512-point
  periodic-Hann STFT, hop 256, centred with zero padding, 96 Slaney mel bands) followed by
  log10(1 + 10000 * mel) in float32, computed here with numpy alone (librosa's import pulls
  numba, ~2 s).
- ``embed`` is the forward pass of musicnn/models.py ``build_musicnn`` up to ``bn_dense``,
  in inference mode: batch norm on moving statistics (epsilon 1e-3, the
  ``tf.compat.v1.layers.batch_normalization`` default), dropout off. Convolutions are im2col
  (strided window views) + float32 matrix products, as TensorFlow's CPU kernels compute in
  float32; only the order of additions differs, so outputs agree to float32 round-off.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import struct

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SR, FFT_SIZE, FFT_HOP, N_MELS = 16000, 512, 256, 96  # musicnn/configuration.py
EMBED_DIM = 200
BN_EPSILON = 1e-3
FRAME_BUDGET = 1040  # clips x frames per forward chunk (16 clips of 65 frames): ~120 MB peak

# layer names in musicnn's graph, in creation order (conv2d, batch_normalization_k, ...)
INPUT_BN = "batch_normalization"
TIMBRAL = (("conv2d", "batch_normalization_1"), ("conv2d_1", "batch_normalization_2"))
TEMPORAL = (("conv2d_2", "batch_normalization_3"), ("conv2d_3", "batch_normalization_4"),
            ("conv2d_4", "batch_normalization_5"))
MIDEND = (("conv2d_5", "batch_normalization_6"), ("conv2d_6", "batch_normalization_7"),
          ("conv2d_7", "batch_normalization_8"))
BACKEND = ("batch_normalization_9", "dense", "batch_normalization_10")

# ---- checkpoint reader ----------------------------------------------------------------------

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48  # two block handles (varints, zero-padded to 40 bytes) + 8-byte magic
DTYPES = {1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 5: "<i2", 6: "i1", 9: "<i8", 10: "?",
          19: "<f2"}  # TensorFlow DataType enum -> numpy


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        c = byte
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # CRC-32C (Castagnoli), reflected
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` (pure Python: ~70 ns a byte)."""
    c, table = 0xFFFFFFFF, CRC_TABLE
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _masked(crc: int) -> int:
    """LevelDB/TensorFlow's masked form of a stored CRC."""
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode a base-128 varint at ``pos``; returns (value, next position)."""
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _proto_fields(buf: bytes):
    """Yield (field number, value) of a protobuf message: int for varint/fixed, bytes for
    length-delimited fields."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            value, pos = int.from_bytes(buf[pos:pos + n], "little"), pos + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, value


def _block(table: bytes, handle: bytes) -> bytes:
    """Contents of the block a (offset, size) varint handle points to, trailer checked."""
    offset, pos = _varint(handle, 0)
    size, _ = _varint(handle, pos)
    contents, kind = table[offset:offset + size], table[offset + size]
    if kind != 0:
        raise ValueError(f"checkpoint index block at {offset} is compressed (type {kind}); "
                         "only uncompressed tables, as TensorFlow writes them, are read")
    (stored,) = struct.unpack_from("<I", table, offset + size + 1)
    if _masked(crc32c(contents + b"\x00")) != stored:
        raise ValueError(f"checkpoint index block at {offset} fails its CRC-32C check")
    return contents


def _block_entries(block: bytes):
    """Yield (key, value) of a table block: prefix-compressed keys, then restart offsets."""
    (n_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end, pos, key = len(block) - 4 - 4 * n_restarts, 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        size, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + size]
        pos += size


def _bundle_entry(value: bytes) -> dict:
    """The fields of a BundleEntryProto this reader needs."""
    entry = {"dtype": 0, "shape": [], "shard_id": 0, "offset": 0, "size": 0, "crc32c": None}
    names = {1: "dtype", 3: "shard_id", 4: "offset", 5: "size", 6: "crc32c"}
    for field, v in _proto_fields(value):
        if field == 2:  # TensorShapeProto: repeated Dim (field 2) with size (field 1)
            dims = [dict(_proto_fields(d)) for f, d in _proto_fields(v) if f == 2]
            entry["shape"] = [d.get(1, 0) for d in dims]
        elif field == 7:
            raise ValueError("partitioned (sliced) checkpoint variables are not supported")
        elif field in names:
            entry[names[field]] = v
    return entry


def _read_index(prefix: str) -> tuple[int, dict[bytes, bytes]]:
    """(number of data shards, {variable name: BundleEntryProto bytes}) of ``prefix``.index."""
    with open(prefix + ".index", "rb") as f:
        table = f.read()
    footer = table[-FOOTER_SIZE:]
    if len(table) < FOOTER_SIZE or int.from_bytes(footer[-8:], "little") != TABLE_MAGIC:
        raise ValueError(f"{prefix}.index is not a TensorFlow checkpoint index (bad magic)")
    pos = _varint(footer, _varint(footer, 0)[1])[1]  # skip the metaindex handle (no filters)
    entries = {}
    for _, handle in _block_entries(_block(table, footer[pos:])):  # index block -> data blocks
        entries.update(_block_entries(_block(table, handle)))
    header = dict(_proto_fields(entries.pop(b"", b"")))  # BundleHeaderProto under key ""
    if header.get(2, 0) != 0:
        raise ValueError("big-endian checkpoints are not supported")
    return header.get(1, 1), entries


def read_checkpoint(prefix: str, names=None, verify: bool = True) -> dict[str, np.ndarray]:
    """{variable name: array} from the TensorFlow checkpoint ``prefix`` (+ .index, .data-*).

    ``names``: only these variables (default all). ``verify``: check each tensor's CRC-32C."""
    n_shards, entries = _read_index(prefix)
    shards, out = {}, {}
    for name in [k.decode() for k in entries] if names is None else names:
        if name.encode() not in entries:
            raise KeyError(f"{name!r} is not in checkpoint {prefix}")
        e = _bundle_entry(entries[name.encode()])
        if e["dtype"] not in DTYPES:
            raise ValueError(f"{name}: unsupported dtype enum {e['dtype']}")
        path = f"{prefix}.data-{e['shard_id']:05d}-of-{n_shards:05d}"
        if path not in shards:
            with open(path, "rb") as f:
                shards[path] = f.read()
        data = shards[path][e["offset"]:e["offset"] + e["size"]]
        if len(data) != e["size"] or (verify and e["crc32c"] is not None
                                      and _masked(crc32c(data)) != e["crc32c"]):
            raise ValueError(f"{name}: tensor bytes in {path} are short or corrupt")
        out[name] = np.frombuffer(data, DTYPES[e["dtype"]]).reshape(e["shape"]).copy()
    return out


def checkpoint_prefix(model: str = "MTT_musicnn") -> str:
    """Path prefix of the checkpoint in the installed musicnn wheel (musicnn is not imported)."""
    spec = importlib.util.find_spec("musicnn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("musicnn is not installed (requirements-nodeps.txt)")
    return os.path.join(next(iter(spec.submodule_search_locations)), model, "")


def graph_variables() -> list[str]:
    """Names of the checkpoint variables the penultimate layer depends on (62)."""
    convs = [c for c, _ in TIMBRAL + TEMPORAL + MIDEND] + [BACKEND[1]]
    bns = [INPUT_BN] + [b for _, b in TIMBRAL + TEMPORAL + MIDEND] + [BACKEND[0], BACKEND[2]]
    return ([f"{c}/{v}" for c in convs for v in ("kernel", "bias")]
            + [f"{b}/{v}" for b in bns for v in ("gamma", "beta", "moving_mean",
                                                  "moving_variance")])


# ---- input: musicnn's log-mel, as the worker computes it ----------------------------------

@functools.lru_cache(maxsize=1)
def mel_basis() -> np.ndarray:
    """(96, 257) float32 = librosa.filters.mel(sr=16000, n_fft=512, n_mels=96): Slaney mel
    scale (linear below 1 kHz, logarithmic above), triangles scaled to constant area."""
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    top = min_log_mel + np.log(SR / 2 / min_log_hz) / logstep  # Nyquist in mels
    mels = np.linspace(0.0, top, N_MELS + 2)
    hz = f_sp * mels
    log = mels >= min_log_mel
    hz[log] = min_log_hz * np.exp(logstep * (mels[log] - min_log_mel))
    ramps = hz[:, None] - np.fft.rfftfreq(FFT_SIZE, 1.0 / SR)[None, :]
    fdiff = np.diff(hz)[:, None]
    tri = np.maximum(0, np.minimum(-ramps[:-2] / fdiff[:-1], ramps[2:] / fdiff[1:]))
    area = 2.0 / (hz[2:] - hz[:-2])
    return (tri.astype(np.float32) * area[:, None]).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    """Periodic 512-point Hann window, float64, as scipy.signal.get_window('hann', 512)."""
    return (0.5 + 0.5 * np.cos(np.linspace(-np.pi, np.pi, FFT_SIZE + 1)))[:FFT_SIZE]


def log_mel(clips: np.ndarray) -> np.ndarray:
    """(n, samples) float32 16 kHz audio -> (n, 1 + samples // 256, 96) float32 log-mel:
    log10(1 + 10000 * mel power), musicnn's compression, kept in float32 (see the worker)."""
    clips = np.asarray(clips, dtype=np.float32)
    padded = np.pad(clips, ((0, 0), (FFT_SIZE // 2, FFT_SIZE // 2)))  # centred frames
    frames = sliding_window_view(padded, FFT_SIZE, axis=1)[:, ::FFT_HOP]
    spec = np.fft.rfft(frames * _hann(), axis=-1).astype(np.complex64)  # float64 FFT
    power = np.abs(spec) ** 2  # float32, as librosa
    mel = np.matmul(mel_basis(), power.transpose(0, 2, 1))  # librosa's product order
    return np.log10(1.0 + 10000.0 * mel).transpose(0, 2, 1)


# ---- the network ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def weights() -> dict:
    """The layers, read once per process: batch norms as (scale, shift); convolutions and the
    dense layer as (kernel matrix, bias, kernel height, kernel width) in im2col order."""
    raw = read_checkpoint(checkpoint_prefix(), graph_variables())
    layers = {}
    for name in {n.split("/")[0] for n in raw}:
        if name.startswith("batch_normalization"):
            scale = raw[name + "/gamma"] / np.sqrt(raw[name + "/moving_variance"]
                                                  + np.float32(BN_EPSILON))
            layers[name] = (scale, raw[name + "/beta"] - raw[name + "/moving_mean"] * scale)
        elif name == BACKEND[1]:
            layers[name] = (raw[name + "/kernel"], raw[name + "/bias"])
        else:
            k = raw[name + "/kernel"][:, :, 0, :]  # (height=time, width=frequency, filters)
            if any(name == c for c, _ in MIDEND):  # windows come as (width, time): see _forward
                k = k.transpose(1, 0, 2)
            layers[name] = (np.ascontiguousarray(k.reshape(-1, k.shape[2])),
                            raw[name + "/bias"], *raw[name + "/kernel"].shape[:2])
    return layers


def _conv_bn(cols: np.ndarray, layers: dict, conv: str, bn: str) -> np.ndarray:
    """relu(im2col rows @ kernel + bias), then inference batch norm -> (rows, filters).

    ``cols`` is a window view whose trailing axes hold one output position's inputs."""
    kernel, bias = layers[conv][:2]
    out = cols.reshape(-1, kernel.shape[0]) @ kernel
    out += bias
    np.maximum(out, 0, out=out)
    scale, shift = layers[bn]
    out *= scale
    out += shift
    return out


def _forward(spec: np.ndarray, layers: dict) -> np.ndarray:
    """musicnn's build_musicnn on (n, frames, 96) log-mel -> (n, 200) bn_dense."""
    n, t, _ = spec.shape
    scale, shift = layers[INPUT_BN]
    x = spec * scale + shift
    padded = np.pad(x, ((0, 0), (3, 3), (0, 0)))  # time-only padding, 'valid' conv
    front = []
    for conv, bn in TIMBRAL:  # (7, 38) and (7, 67) filters, max over frequency
        height, width = layers[conv][2:]
        cols = sliding_window_view(padded, (height, width), axis=(1, 2))  # (n, t, f, 7, w)
        front.append(_conv_bn(cols, layers, conv, bn).reshape(*cols.shape[:3], -1).max(axis=2))
    for conv, bn in TEMPORAL:  # (128|64|32, 1) filters, 'same' padding as TensorFlow's
        height = layers[conv][2]
        xp = np.pad(x, ((0, 0), ((height - 1) // 2, height // 2), (0, 0)))
        cols = sliding_window_view(xp, height, axis=1)  # (n, t, 96, height)
        front.append(_conv_bn(cols, layers, conv, bn).reshape(*cols.shape[:3], -1).max(axis=2))
    h = np.concatenate(front, axis=2)  # (n, t, 561)
    dense_in = [h]
    for i, (conv, bn) in enumerate(MIDEND):  # full-width (7, features) filters, residual
        cols = sliding_window_view(np.pad(h, ((0, 0), (3, 3), (0, 0))), 7, axis=1)
        out = _conv_bn(cols.reshape(n, t, -1), layers, conv, bn).reshape(n, t, -1)
        h = out if i == 0 else out + h
        dense_in.append(h)
    feats = np.concatenate(dense_in, axis=2)  # (n, t, 753)
    # flatten of concat([max, mean], axis 2) interleaves them: max_0, mean_0, max_1, ...
    pooled = np.stack([feats.max(axis=1), feats.mean(axis=1)], axis=2).reshape(n, -1)
    bn_in, dense, bn_out = BACKEND
    pooled = pooled * layers[bn_in][0] + layers[bn_in][1]
    kernel, bias = layers[dense]
    return np.maximum(pooled @ kernel + bias, 0) * layers[bn_out][0] + layers[bn_out][1]


def embed(clips: np.ndarray) -> np.ndarray:
    """(n, samples) float32 16 kHz clips in [-1, 1] -> (n, 200) float32 embeddings."""
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2 or not np.isfinite(clips).all():
        raise ValueError(f"clips must be finite (n, samples), got shape {clips.shape}")
    if len(clips) == 0:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    layers = weights()
    step = max(1, FRAME_BUDGET // (1 + clips.shape[1] // FFT_HOP))  # clips per chunk
    return np.concatenate([_forward(log_mel(clips[i:i + step]), layers)
                           for i in range(0, len(clips), step)]).astype(np.float32, copy=False)
