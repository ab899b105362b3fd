"""The smoke preset end to end on a folder as real folders are: rendered Bach at 44.1 kHz stereo,
an mp3, and the files that break things (truncated, empty, text, too short, absurd rate); and
on one 3-minute recording split in time."""
import csv
import functools
import json
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import soundfile as sf

import ahead
from conftest import NOT_COPIED, ROOT, run_snakemake

CHORALES = ("bwv250", "bwv26.6", "bwv40.8", "bwv438", "bwv86.6")
# Few models and one degradation: what is under test is the data stage and the site.
SMALL = ["models=[real_heldout,train_copy,noise,wavegan]",
         "validity={degradations: [white_noise]}"]


@functools.cache
def rendered(pieces: tuple) -> dict[str, np.ndarray]:
    """Chorales as a recording would come: 44.1 kHz stereo. Rendered once for both builds, in a
    process of their own (this runs on the background thread, tests/ahead.py, beside tests
    that parse scores too)."""
    code = ("import sys, numpy as np, soxr; from models.data.render import bach_scores, "
            "render_midi, score_to_piano_midi\n"
            "for piece in sys.argv[2:]:\n"
            "    y = soxr.resample(render_midi(score_to_piano_midi(bach_scores()[piece])), "
            "16000, 44100)\n"
            "    np.save(f'{sys.argv[1]}/{piece}.npy', np.stack([y, 0.8 * y], 1)"
            ".astype(np.float32))")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-c", code, folder, *pieces], cwd=ROOT, check=True)
        return {piece: np.load(f"{folder}/{piece}.npy") for piece in pieces}


# The time split's test reads the data stage and the data page: no model trains for it.
BASELINES = ["models=[real_heldout,train_copy,noise]", "validity={degradations: []}"]


def build(root, folder, split_by="piece", small=SMALL):
    """The smoke preset on ``folder`` in a fresh copy of the workflow in ``root``; its results
    folder."""
    work = root / "bachgen"
    shutil.copytree(ROOT, work, ignore=NOT_COPIED)
    data = f"data={{source: folder, folder: {folder}, split: {{by: {split_by}}}}}"
    run_snakemake(work, "--cores", "2", "--config", "preset=smoke", data, *small)
    return work / "results" / "smoke", lambda *args: run_snakemake(
        work, *args, "--config", "preset=smoke", data, *small)


@ahead.work("folder_run")
def folder_build(root):
    src = root / "recordings"
    src.mkdir()
    y = rendered(("bwv846", *CHORALES))
    for piece in CHORALES:
        sf.write(src / f"{piece}.wav", y[piece], 44100)
    sf.write(src / "bwv846.wav", y["bwv846"][:44100 * 30], 44100)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(src / "bwv846.wav"),
                    str(src / "bwv846.mp3")], check=True)
    (src / "bwv846.wav").unlink()
    full = (src / "bwv250.wav").read_bytes()
    (src / "truncated.wav").write_bytes(full[:44 + 3000])
    (src / "empty.wav").write_bytes(b"")
    (src / "liner notes.txt").write_text("Recorded in one afternoon.")
    sf.write(src / "one second.wav", y["bwv250"][:44100], 44100)
    sf.write(src / "absurd.wav", y["bwv250"][:4000 * 3, 0], 4000)
    return (src, *build(root, src))


@pytest.fixture(scope="module")
def folder_run():
    return ahead.result("folder_run")


def test_every_file_of_a_real_folder_has_its_verdict_and_the_site_builds(folder_run):
    _, folder_run, _ = folder_run
    report = json.loads((folder_run / "data" / "report.json").read_text())
    verdicts = {f["file"].rsplit("/", 1)[-1]: f["verdict"] for f in report["files"]}
    assert verdicts == {**{f"{p}.wav": "used" for p in CHORALES}, "bwv846.mp3": "used",
                        "truncated.wav": "skipped", "empty.wav": "skipped",
                        "liner notes.txt": "skipped", "one second.wav": "skipped",
                        "absurd.wav": "skipped"}
    assert all(s["pieces"] >= 1 for s in report["splits"].values())
    page = (folder_run / "site" / "data" / "index.html").read_text()
    for text in ("truncated (its header declares", "empty file (0 bytes)",
                 "not audio (extension", "shorter than one clip", "implausible sample rate 4000",
                 "bwv846.mp3</code></td>\n<td>used"):
        assert text in page, text
    assert (folder_run / "site" / "validity" / "index.html").is_file()
    assert (folder_run / "site" / "models" / "wavegan" / "index.html").is_file()


@ahead.work("time_run")
def time_build(root):
    src = root / "suite"
    src.mkdir()
    pieces = rendered(("bwv846", *CHORALES))
    y = np.concatenate([pieces[p] for p in ("bwv846", *CHORALES)])[:44100 * 180]
    assert len(y) == 44100 * 180
    sf.write(src / "suite.flac", y, 44100, format="FLAC")
    return build(root, src, split_by="time", small=BASELINES)


@pytest.fixture(scope="module")
def time_run():
    return ahead.result("time_run")


def test_a_single_recording_split_in_time_keeps_test_away_from_train(time_run):
    time_run, _ = time_run
    report = json.loads((time_run / "data" / "report.json").read_text())
    assert report["split_by"] == "time" and report["pieces"] == 3
    stretch = {s["id"]: s for s in report["stretches"]}
    clips = list(csv.DictReader(open(time_run / "data" / "clips" / "index.csv")))
    length = 16384
    spans = {}      # split -> [(first, last sample of the recording)]
    for c in clips:
        start = round(stretch[c["piece"]]["start_s"] * 16000) + int(c["start"])
        spans.setdefault(c["split"], []).append((start, start + length - 1))
    assert set(spans) == {"train", "valid", "test"}
    gap = min(max(t0 - r1, r0 - t1) for t0, t1 in spans["test"] for r0, r1 in spans["train"])
    assert gap >= 2.0 * 16000          # samples between a test clip and a training clip
    assert "time-split pieces share a performance" in \
        (time_run / "site" / "data" / "index.html").read_text()


def test_a_new_recording_rebuilds_the_data(folder_run):
    src, _, snakemake = folder_run
    assert "Nothing to be done" in snakemake("-n").stdout
    shutil.copy(src / "bwv250.wav", src / "bwv250 again.wav")
    try:
        assert "rule prepare_data:" in snakemake("-n").stdout
    finally:
        (src / "bwv250 again.wav").unlink()
