"""The data stage: sources of Bach audio, the split by piece, the manifest and the clips.

Rules: `download_wavegan_piano`, `prepare_data`, `make_clips`.
"""
