"""A folder of real recordings: a verdict for every file, each with its one-line reason; splits
that work for three pieces or one; a decoder that crashes skips only its file."""
import os

import numpy as np
import pytest
import soundfile as sf

from conftest import tone
from models import audio
from models.data import prepare as prep
from models.data import sources, split, verdicts

CLIP = 16384


def wav(path, y, rate=44100, **kw):
    sf.write(path, y, rate, **kw)
    return path


def verdict(path):
    """The reason a file is skipped, without its path; '' if it is used."""
    reason = verdicts.before_decoding(path)
    if reason is None:
        try:
            verdicts.load_checked(path, CLIP)
            return ""
        except audio.AudioError as exc:
            reason = str(exc)
    assert reason.startswith(f"{path}: ") and "\n" not in reason
    return reason.removeprefix(f"{path}: ")


def test_a_good_stereo_recording_is_used(tmp_path):
    y = np.stack([tone([262, 330], 3.0, 44100)] * 2, 1)
    assert verdict(wav(tmp_path / "ok.wav", y)) == ""


def test_empty_and_not_audio_by_extension_or_content(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("a text file")
    (tmp_path / "fake.wav").write_text("plain text with a .wav name")
    (tmp_path / "noext").write_bytes(b"RIFF")
    assert verdict(tmp_path / "empty.wav") == "empty file (0 bytes)"
    assert verdict(tmp_path / "notes.txt").startswith("not audio (extension '.txt'")
    assert verdict(tmp_path / "fake.wav") == \
        "not audio (its content is no wav, flac, ogg or mp3 stream)"
    assert verdict(tmp_path / "noext").startswith("not audio (no extension")


def test_undecodable_audio_is_skipped_not_raised(tmp_path):
    (tmp_path / "broken.mp3").write_bytes(b"\xff\xfb\x90junk" * 10)
    assert verdict(tmp_path / "broken.mp3").startswith("cannot decode audio")
    row = sources.import_file(("broken", str(tmp_path / "broken.mp3"), str(tmp_path), -60.0,
                               CLIP))
    assert row["error"].startswith(f"{tmp_path / 'broken.mp3'}: cannot decode")


def test_truncated_wav_says_what_its_header_declares(tmp_path):
    path = wav(tmp_path / "full.wav", np.stack([tone([262], 3.0, 44100)] * 2, 1),
               subtype="PCM_16")
    (tmp_path / "cut.wav").write_bytes(path.read_bytes()[:44 + 3000])
    assert verdicts.declared_wav_frames(path) == 132300
    assert verdict(tmp_path / "cut.wav") == ("truncated (its header declares 132300 frames, "
                                             "3.00 s; the file holds 750, 0.017 s)")


def test_silent_and_cancelling_channels(tmp_path):
    y = tone([262], 3.0, 44100)
    assert verdict(wav(tmp_path / "zero.wav", np.zeros((44100, 2)))).startswith(
        "silent (RMS -inf dBFS")
    reason = verdict(wav(tmp_path / "flip.wav", np.stack([y, -y], 1)))
    assert reason.startswith("silent when mixed to mono: its channels cancel (loudest channel")


def test_shorter_than_a_clip_and_implausible_rates(tmp_path):
    assert verdict(wav(tmp_path / "short.wav", tone([262], 0.5, 44100))) == \
        "shorter than one clip (0.50 s < 1.024 s)"
    assert verdict(wav(tmp_path / "low.wav", tone([100], 3.0, 4000), 4000)) == \
        "implausible sample rate 4000 Hz (a recording has 8 kHz to 384 kHz)"
    assert verdict(wav(tmp_path / "high.wav", tone([100], 0.5, 768000), 768000)).startswith(
        "implausible sample rate 768000 Hz")


def test_three_pieces_fill_every_split_and_sub_folders_are_honoured():
    shares = {"train": 0.8, "valid": 0.1, "test": 0.1}
    for ids in (["a", "b", "c"], ["x", "y", "z", "w"], [f"p{i}" for i in range(5)]):
        splits, how = split.piece_splits(ids, shares)
        assert sorted(set(splits.values())) == ["test", "train", "valid"], (ids, how)
        assert splits == split.piece_splits(list(reversed(ids)), shares)[0]  # deterministic
    big = [f"bwv{i}" for i in range(200)]
    assert split.piece_splits(big, shares) == ({p: split.split_of(p, shares) for p in big},
                                               "hash")
    named = ["set__train__a", "set__Validation__b", "set__test__c", "set__train__d"]
    assert split.piece_splits(named, shares) == ({"set__train__a": "train",
                                                  "set__Validation__b": "valid",
                                                  "set__test__c": "test",
                                                  "set__train__d": "train"}, "folders")


def test_time_stretches_keep_the_guard_between_splits():
    shares = {"train": 0.8, "valid": 0.1, "test": 0.1}
    parts = split.time_stretches(180.0, shares, 2.0)
    assert [p[0] for p in parts] == ["train", "valid", "test"]
    assert parts[0][1] == 0 and parts[-1][2] == pytest.approx(180.0)
    for (_, _, end), (_, start, _) in zip(parts, parts[1:]):
        assert start - end == pytest.approx(2.0)
    assert parts[0][2] == pytest.approx(0.8 * 176)
    with pytest.raises(ValueError, match="too short"):
        split.time_stretches(3.0, shares, 2.0)


def test_one_recording_is_cut_in_time(tmp_path):
    (tmp_path / "in").mkdir()
    wav(tmp_path / "in" / "suite.flac", tone([262, 330], 30.0, 44100), format="FLAC")
    cfg = {"data": {"source": "folder", "folder": str(tmp_path / "in"), "max_pieces": None,
                    "split": {"train": 0.8, "valid": 0.1, "test": 0.1, "by": "piece",
                              "guard_s": 2.0}, "silence_db": -60.0},
           "clips": {"length": CLIP}}
    out = tmp_path / "data"
    report = prep.prepare(cfg, out / "audio", out / "manifest.csv", out / "report.json")
    assert report["split_by"] == "time" and report["pieces"] == 3
    stretches = {s["split"]: s for s in report["stretches"]}
    assert stretches["valid"]["start_s"] - stretches["train"]["end_s"] == pytest.approx(2.0)
    assert stretches["test"]["start_s"] - stretches["valid"]["end_s"] == pytest.approx(2.0)
    assert sorted(p.name for p in (out / "audio").iterdir()) == [
        "suite--test.wav", "suite--train.wav", "suite--valid.wav"]


def crash_on_bad(job):
    """An import whose decoder kills the process for one file, as a segfault would."""
    if job[0] == "bad":
        os._exit(1)
    return {"id": job[0], "origin": job[1], "path": job[1], "seconds": 1.0}


def test_a_crashing_decoder_skips_only_its_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "import_file", crash_on_bad)   # forked workers see it
    files = {"a": tmp_path / "a.wav", "bad": tmp_path / "bad.wav", "c": tmp_path / "c.wav"}
    rows = prep._import_folder(files, tmp_path, threads=2, silence_db=-60.0, clip_length=CLIP)
    assert [r["id"] for r in rows] == ["a", "bad", "c"]
    assert "error" not in rows[0] and "error" not in rows[2]
    assert rows[1]["error"] == f"{files['bad']}: cannot decode audio (the decoder crashed)"


def test_data_page_lists_every_file_and_a_time_split(tmp_path):
    import markdown

    from models.report.site import data_page

    files = [{"file": "/in/a|b.wav", "verdict": "used", "reason": ""},
             {"file": "/in/notes.txt", "verdict": "skipped",
              "reason": "/in/notes.txt: not audio (extension '.txt'; wav, flac, ogg and mp3 "
                        "are read)"}]
    stretches = [{"id": f"a--{s}", "performance": "a", "split": s, "start_s": a, "end_s": b}
                 for s, a, b in (("train", 0, 140.8), ("valid", 142.8, 160.4),
                                 ("test", 162.4, 180))]
    report = {"source": "folder", "origin": "/in", "pieces": 3, "hours": 0.05, "wall_s": 1.0,
              "threads": 2, "split_by": "time", "files": files, "skipped": files[1:],
              "stretches": stretches,
              "splits": {s: {"pieces": 1, "hours": 0.01} for s in ("train", "valid", "test")}}
    page = data_page(report, {"train": 24, "valid": 17, "test": 17}, CLIP)
    html = markdown.markdown(page, extensions=["tables"])
    assert "time-split pieces share a performance" in html
    assert "<td><code>a/b.wav</code></td>\n<td>used</td>" in html
    assert "<td>skipped: not audio (extension '.txt'; wav, flac, ogg and mp3 are read)</td>" \
        in html
    right = '<td style="text-align: right;">'
    assert f"<td>a--test</td>\n<td>a</td>\n<td>test</td>\n{right}162.4</td>" in html
