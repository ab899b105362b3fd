"""The data stage: sources of Bach audio, the split by piece, the manifest and the clips; the
note data of the scores (``scores``) for the note-level models: note tokens (``tokens``) and
piano rolls (``rolls``).

Rules: `download_wavegan_piano`, `prepare_data`, `make_clips`, `note_tokens`, `piano_rolls`.
"""
