"""Worker process: musicnn's pretrained MTT_musicnn tagger as a per-clip audio embedding.

Run as ``python -m models.evaluate.musicnn_worker IN.npy OUT.npy``: IN holds float32 clips
(n, samples) at 16 kHz in [-1, 1]; OUT receives float32 (n, 200) embeddings.
``models.evaluate.pretrained.musicnn_embed`` starts it; nothing else should import this module.

Why a separate process: musicnn (0.1.0, 2019) builds a TF1-style graph with
``tf.compat.v1.layers``, which needs TensorFlow's legacy Keras (the ``tf-keras`` package with
``TF_USE_LEGACY_KERAS=1``), and it disables eager execution process-wide. Neither may leak into
a process that uses Keras 3. musicnn's own ``extractor`` is not used: it reads audio files, runs
one patch per ``Session.run`` call and hides a failed checkpoint restore behind a bare
``except``. Instead this module calls musicnn's graph builder (``musicnn.models.define_model``)
and restores the checkpoint that ships in the wheel itself, strictly, then feeds all clips in
fixed-size batches.

Choices, fixed for every clip:
- Embedding: the 200-d penultimate layer (the batch-normalised dense layer after temporal
  max+mean pooling, before the 50 tag logits), in inference mode (batch norm uses its moving
  statistics, dropout off), so a clip's embedding does not depend on the other clips (up to
  float32 round-off, ~1e-6, that varies with its position in a batch). The same input gives
  bitwise the same output.
- Short clips: the model is convolutional with global temporal pooling, so a clip is fed at its
  own length (16384 samples -> 65 mel frames), not padded to the 3 s (187 frames) it was trained
  on. On 27 rendered Bach segments, the 1.024 s embedding had mean cosine 0.942 with the
  embedding of the 3 s segment it starts, against 0.930 when the 1.024 s was repeat-padded to
  3 s; the top tags stayed piano, solo, classical.
- Input: musicnn's log-mel, log10(1 + 10000 * mel power), 512-point FFT, hop 256, 96 bands, as
  in its ``batch_data``, but computed in float32: musicnn casts the mel power to float16 first,
  which overflows to inf on loud frames (power above 65504 / 10000) under numpy's casting rules.
"""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np

MODEL = "MTT_musicnn"  # trained on MagnaTagATune: 50 tags incl. piano, classical, harpsichord
N_TAGS = 50
EMBED_DIM = 200
BATCH = 32  # clips per Session.run; the last batch is zero-padded so every run has this shape


def log_mel(clips: np.ndarray) -> np.ndarray:
    """(n, samples) float32 16 kHz audio -> (n, frames, 96) float32 log-mel as musicnn expects."""
    import librosa
    from musicnn import configuration as cfg

    # one clip at a time: librosa's batched matrix products round differently by batch size
    mel = np.stack([librosa.feature.melspectrogram(y=y, sr=cfg.SR, n_fft=cfg.FFT_SIZE,
                                                   hop_length=cfg.FFT_HOP, n_mels=cfg.N_MELS)
                    for y in np.asarray(clips, dtype=np.float32)])  # (n, 96, frames)
    return np.log10(1.0 + 10000.0 * mel.astype(np.float32)).transpose(0, 2, 1)


def _load_model():
    """Build MTT_musicnn's graph with a free time axis and restore its weights.

    Returns (session, input placeholder, is_training placeholder, penultimate tensor)."""
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    import musicnn
    from musicnn import configuration as cfg
    from musicnn import models

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, None, cfg.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        with tf.name_scope("model"):
            outputs = models.define_model(x, is_training, MODEL, N_TAGS)
        penultimate = outputs[-1]
        session = tf.compat.v1.Session(graph=graph)
        checkpoint = os.path.join(os.path.dirname(musicnn.__file__), MODEL, "")
        tf.compat.v1.train.Saver().restore(session, checkpoint)  # raises if anything is missing
    return session, x, is_training, penultimate


def embed(clips: np.ndarray) -> np.ndarray:
    """(n, samples) float32 16 kHz clips -> (n, 200) float32 penultimate embeddings."""
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2 or not np.isfinite(clips).all():
        raise ValueError(f"clips must be finite (n, samples), got shape {clips.shape}")
    session, x, is_training, penultimate = _load_model()
    out = np.empty((len(clips), EMBED_DIM), dtype=np.float32)
    for start in range(0, len(clips), BATCH):
        spec = log_mel(clips[start:start + BATCH])
        n = len(spec)
        if n < BATCH:  # one batch shape for every run, whatever the number of clips
            spec = np.concatenate([spec, np.zeros((BATCH - n, *spec.shape[1:]), spec.dtype)])
        feats = session.run(penultimate, feed_dict={x: spec, is_training: False})
        out[start:start + n] = feats[:n]
    session.close()
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m models.evaluate.musicnn_worker IN.npy OUT.npy", file=sys.stderr)
        return 2
    if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        print("musicnn_worker needs TF_USE_LEGACY_KERAS=1 (tf-keras)", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")  # tf.compat.v1.layers deprecation notices, one per layer
    emb = embed(np.load(argv[0]))
    tmp = argv[1] + ".part.npy"
    np.save(tmp, emb)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
