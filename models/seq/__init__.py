"""Sequence models: the SampleRNN-style LSTM and RNN on mu-law audio, the seed report's LSTM
(free-running and teacher-forced) and the note-level LSTM over tokens of the Bach scores.

Rules: `train` and `generate` (through the model registry).
"""
