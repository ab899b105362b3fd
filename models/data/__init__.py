"""The data stage: sources of Bach audio, the split by piece, the manifest and the clips; piano
rolls of the scores (``rolls``) for the note-level GAN.

Rules: `download_wavegan_piano`, `prepare_data`, `make_clips`.
"""
