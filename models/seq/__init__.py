"""Sequence models: the note-level LSTM over tokens of the Bach scores (and, later, audio LSTMs)."""
