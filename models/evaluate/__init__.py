"""Measuring a set of clips: embeddings (log-mel, chroma, musicnn), distribution metrics,
memorisation and diversity, musicality descriptors, note transcription and the MGEval-style
musicality number (``mgeval``); ``suite`` is what the rules call (and cuts every set into
windows of one length), ``degrade`` spoils real clips for the validity panel, ``transcriber`` checks
basic-pitch against the scores, ``note_level`` measures the note models on their own notes,
``learning`` measures every training snapshot (quality against compute).

Rules: `reference_features`, `train_features`, `model_features`, `evaluate`, `validity`,
`transcriber_check`, `note_level`, `snapshot_metrics`.
"""
