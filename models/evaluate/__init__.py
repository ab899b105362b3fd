"""Measuring a set of clips: embeddings (log-mel, chroma, musicnn), distribution metrics,
memorisation and diversity, musicality descriptors and note transcription; ``suite`` is what the
rules call, ``degrade`` spoils real clips for the validity panel, ``transcriber`` checks
basic-pitch against the scores.

Rules: `reference_features`, `train_features`, `model_features`, `evaluate`, `validity`,
`transcriber_check`.
"""
