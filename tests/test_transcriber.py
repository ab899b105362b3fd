"""The transcriber check: mir_eval's note F1 on known answers, the score's notes, a rendered
chorale scored against its own score, and the method page's sentence."""
import numpy as np
import pytest

from models.evaluate import transcriber
from models.report.site import transcriber_line

NOTES = np.array([[0.0, 0.5, 60], [0.5, 1.0, 64], [1.0, 2.0, 67]])


@pytest.mark.parametrize("shift, pitch, f1", [(0.0, 0, 1.0), (0.04, 0, 1.0), (0.06, 0, 0.0),
                                             (0.0, 1, 0.0)])
def test_note_f1_needs_the_onset_within_50_ms_and_the_pitch(shift, pitch, f1):
    est = NOTES + [shift, shift, pitch]
    assert transcriber.note_f1(NOTES, est)["f1"] == pytest.approx(f1)


def test_note_f1_of_missing_and_extra_notes():
    assert transcriber.note_f1(NOTES, np.zeros((0, 3)))["f1"] == 0.0
    half = transcriber.note_f1(NOTES, np.concatenate([NOTES, NOTES + [3, 3, 0]]))
    assert half == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3})
    assert transcriber.note_f1(NOTES, NOTES + [0, 1.0, 0], offsets=True)["f1"] < 1.0


def test_score_notes_count_a_doubled_pitch_once():
    notes = transcriber.score_notes("bwv846")
    assert notes.shape[1] == 3 and len(notes) > 500
    keys = {(round(on, 3), p) for on, _, p in notes}
    assert len(keys) == len(notes)
    with pytest.raises(ValueError, match="'nope' is not a score"):
        transcriber.score_notes("nope")


def test_a_rendered_chorale_is_transcribed_well(tmp_path):
    from models.audio import write_wav
    from models.data.render import bach_scores, render_midi, score_to_piano_midi
    from models.io import read_json

    write_wav(tmp_path / "bwv419.wav", render_midi(score_to_piano_midi(bach_scores()["bwv419"])))
    check = transcriber.check_transcriber([{"id": "bwv419", "path": tmp_path / "bwv419.wav"}],
                                          tmp_path / "check.json")
    assert check == read_json(tmp_path / "check.json")
    total = check["total"]
    assert total["pieces"] == 1 and total["notes"] == check["pieces"][0]["notes"] > 200
    assert 0.7 < total["f1"] <= 1.0 and total["with_offsets"]["f1"] < total["f1"]
    line = transcriber_line(check)
    assert f"note F1 is **{total['f1']:.2f}**" in line and "onsets within 50 ms" in line
    assert "no scores" in transcriber_line(None)


def test_only_held_out_rendered_scores_are_checked(tmp_path):
    from models.data.prepare import write_manifest

    rows = [{"id": i, "source": s, "path": f"{i}.wav", "seconds": 30.0, "split": sp,
             "sha256": ""} for i, s, sp in (("a", "bach_render", "test"),
                                            ("b", "bach_render", "train"),
                                            ("c", "folder", "test"))]
    write_manifest(tmp_path / "manifest.csv", rows)
    assert [r["id"] for r in transcriber.held_out_scores(tmp_path / "manifest.csv")] == ["a"]
