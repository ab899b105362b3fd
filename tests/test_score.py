"""Scores and MIDI of what a model played or what the transcriber heard: MIDI round trips,
engraved staves and notes, and the clips with no notes or far too many."""
import json
import re

import numpy as np
import pretty_midi
import pytest

from conftest import SR, tone
from models.audio import write_wav
from models.data.midi import notes_midi
from models.report import score

TICK_S = 0.5 / 220  # pretty_midi's default resolution, 220 ticks a quarter, at 120 a minute


def read_back(path) -> list[tuple[float, float, int]]:
    midi = pretty_midi.PrettyMIDI(str(path))
    return sorted((n.start, n.end, n.pitch) for i in midi.instruments for n in i.notes)


def assert_round_trip(notes, path):
    got = read_back(path)
    want = sorted((float(a), float(b), int(round(p))) for a, b, p in notes)
    assert len(got) == len(want)
    for (a, b, p), (x, y, q) in zip(got, want):
        assert p == q and abs(a - x) <= TICK_S and abs(b - y) <= TICK_S


def engraved(svg: str) -> tuple[int, int]:
    """(staves a bar, notes) in a Verovio SVG (it draws each bar's staves apart)."""
    bars = len(re.findall(r'class="measure"', svg))
    return len(re.findall(r'class="staff"', svg)) // bars, len(re.findall(r'class="note"', svg))


def test_a_note_models_clip_round_trips_through_midi(tmp_path):
    notes = [[0.0, 0.5, 60], [0.0, 0.5, 64], [0.5, 1.25, 67], [1.0, 2.0, 43]]
    score.write_clip_score(notes, 2.0, tmp_path / "c.svg", tmp_path / "c.mid")
    assert_round_trip(notes, tmp_path / "c.mid")


def test_a_transcription_round_trips_through_midi(tmp_path):
    from models.evaluate.pretrained import transcribe

    heard = transcribe(tone([262, 330, 392], seconds=2.0)[None], SR)[0]
    assert len(heard) >= 2  # basic-pitch hears the chord's notes
    notes_midi([heard.tolist()], 2.0).write(str(tmp_path / "t.mid"))
    assert_round_trip(heard, tmp_path / "t.mid")


def test_a_four_note_chord_is_four_notes_on_a_grand_staff():
    svg, caption = score.score_svg([[0, 1, 60], [0, 1, 64], [0, 1, 67], [0, 1, 48]], 2.0)
    assert engraved(svg) == (2, 4) and caption == ""


def test_a_clip_with_no_notes_gets_an_empty_staff():
    svg, caption = score.score_svg([], 4.0)
    assert engraved(svg) == (2, 0) and caption == "no notes heard"


def test_a_clip_with_thousands_of_notes_is_capped_and_says_so():
    rng = np.random.default_rng(0)
    onsets = rng.uniform(0, 8, 3000)
    many = np.stack([onsets, onsets + 0.3, rng.integers(30, 90, 3000)], axis=1)
    svg, caption = score.score_svg(many, 8.0)
    kept, _ = score.shown(score.quantise(many))
    assert 0 < len(kept) <= score.MAX_NOTES and engraved(svg)[0] == 2
    # the notes that start in the first 4 bars (8 s: an onset from 7.94 s rounds to bar 5)
    assert caption == f"{np.sum(onsets < 7.9375):,} notes in these bars, the first " \
        f"{len(kept)} engraved (at most {score.MAX_NOTES})"


def test_quantise_keeps_the_first_bars_on_sixteenths():
    grid = score.quantise([[0.01, 0.12, 60], [0.13, 0.2, 62], [7.9, 9.0, 64], [8.0, 8.5, 65]])
    # 0.125 s a sixteenth; the last note starts after 4 bars (8 s) and is left out, the one
    # before it is cut at the end of bar 4
    assert grid.tolist() == [[0, 60, 1], [1, 62, 1], [63, 64, 1]]


@pytest.mark.parametrize("played", [True, False])
def test_write_scores_names_whose_notes_they_are(tmp_path, played):
    samples = tmp_path / "samples"
    names = [f"clip_{i:03d}.wav" for i in range(4)]
    for i, name in enumerate(names):
        write_wav(samples / name, tone([262 + 40 * i, 392], seconds=2.0))
    write_wav(samples / "long_000.wav", tone([196, 294], seconds=3.0))
    (samples / "clips.json").write_text(json.dumps({"clips": names}))
    if played:
        (samples / "notes.json").write_text(json.dumps(
            {"clip_seconds": 2.0, "notes": [[[0.0, 1.0, 60 + i]] for i in range(4)]}))
    listing = score.write_scores(samples, tmp_path / "scores", 3, SR)
    assert sorted(listing) == ["clip_000", "clip_001", "clip_002", "long_000"]
    assert {k: v["source"] for k, v in listing.items()} == {
        "clip_000": "played" if played else "transcribed",
        "clip_001": "played" if played else "transcribed",
        "clip_002": "played" if played else "transcribed",
        "long_000": "transcribed"}  # long pieces keep no notes: the transcriber's
    for stem in listing:
        assert (tmp_path / "scores" / f"{stem}.svg").read_text().startswith("<svg")
        assert (tmp_path / "scores" / f"{stem}.mid").read_bytes()[:4] == b"MThd"
    if played:
        assert read_back(tmp_path / "scores" / "clip_001.mid") == [(0.0, 1.0, 61)]
