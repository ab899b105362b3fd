"""The data stage: sources of Bach audio, the split by piece, the manifest and the clips."""
