"""The data stage: each source, each bad input, the split and the manifest."""
import hashlib
import io
import tarfile

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import serve, tone
from models.data import render, sources
from models.data.prepare import prepare, read_manifest
from models.data.split import select_pieces, split_of

SHARES = {"train": 0.8, "valid": 0.1, "test": 0.1}


def cfg_for(source, split=None, **data):
    return {"data": {"source": source, "max_pieces": None, "folder": None,
                     "wavegan_piano": {"url": "", "sha256": ""},
                     "split": {**SHARES, "by": "piece", "guard_s": 2.0, **(split or {})},
                     "silence_db": -60.0, **data},
            "clips": {"length": 16384}}


# --- split -----------------------------------------------------------------------------------

def test_split_is_by_piece_deterministic_and_near_the_shares():
    ids = [f"bwv{i}" for i in range(2000)]
    first = {i: split_of(i, SHARES) for i in ids}
    assert first == {i: split_of(i, SHARES) for i in reversed(ids)}
    share = {s: sum(v == s for v in first.values()) / len(ids) for s in SHARES}
    assert all(abs(share[s] - SHARES[s]) < 0.03 for s in SHARES)


def test_cap_keeps_every_split_and_each_piece_keeps_its_split():
    ids = [f"piece{i}" for i in range(400)]
    chosen = select_pieces(ids, SHARES, 20)
    assert len(chosen) == 20
    splits = [split_of(p, SHARES) for p in chosen]
    assert splits.count("test") == 2 and splits.count("valid") == 2
    assert select_pieces(ids, SHARES, 20) == chosen
    assert select_pieces(ids, SHARES, None) == sorted(ids)


# --- folder ----------------------------------------------------------------------------------

def make_folder(root):
    (root / "book1").mkdir(parents=True)
    sf.write(root / "book1" / "prelude.wav", np.stack([tone([262, 330], 3.0, 44100)] * 2, 1),
             44100)
    sf.write(root / "fugue.flac", tone([392], 2.0, 22050), 22050, format="FLAC")
    sf.write(root / "gigue.ogg", tone([440], 2.0, 48000), 48000, format="OGG")
    sf.write(root / "silent.wav", np.zeros(16000), 16000)
    (root / "broken.mp3").write_bytes(b"\xff\xfb\x90junk" * 10)
    (root / "notes.txt").write_text("not audio, ignored")


def test_folder_source_decodes_skips_bad_files_and_writes_manifest(tmp_path):
    make_folder(tmp_path / "in")
    out = tmp_path / "data"
    report = prepare(cfg_for("folder", folder=str(tmp_path / "in")), out / "audio",
                     out / "manifest.csv", out / "report.json", threads=2)
    rows = read_manifest(out / "manifest.csv")
    assert [r["id"] for r in rows] == ["book1__prelude", "fugue", "gigue"]
    assert report["pieces"] == 3 and len(report["skipped"]) == 3
    reasons = {s["file"].split("/")[-1]: s["reason"] for s in report["skipped"]}
    assert "silent" in reasons["silent.wav"] and "cannot decode" in reasons["broken.mp3"]
    assert "not audio (extension '.txt'" in reasons["notes.txt"]
    assert {f["file"].split("/")[-1]: f["verdict"] for f in report["files"]} == {
        "prelude.wav": "used", "fugue.flac": "used", "gigue.ogg": "used",
        "silent.wav": "skipped", "broken.mp3": "skipped", "notes.txt": "skipped"}
    assert report["split_by"] == "hash rank"        # three pieces: one per split
    assert sorted(r["split"] for r in rows) == ["test", "train", "valid"]
    for r in rows:
        info = sf.info(r["path"])
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert r["source"] == "folder"
        assert hashlib.sha256(open(r["path"], "rb").read()).hexdigest() == r["sha256"]
    assert abs(rows[0]["seconds"] - 3.0) < 0.01


def test_folder_errors_are_clear(tmp_path):
    with pytest.raises(sources.DataError, match="does not exist"):
        sources.scan_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(sources.DataError, match="no wav/flac/ogg/mp3 files"):
        sources.scan_folder(tmp_path / "empty")
    (tmp_path / "empty" / "readme.md").write_text("hi")
    with pytest.raises(sources.DataError, match=r"found \(1 other files: .*readme.md: not audio"):
        sources.scan_folder(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    sf.write(bad / "silence.wav", np.zeros(8000), 16000)
    out = tmp_path / "out"
    (out / "audio").mkdir(parents=True)
    (out / "audio" / "kept.wav").write_bytes(b"built earlier")
    with pytest.raises(sources.DataError, match=r"no usable audio \(1 files skipped\)"):
        prepare(cfg_for("folder", folder=str(bad)), out / "audio", out / "m.csv", out / "r.json")
    assert (out / "audio" / "kept.wav").read_bytes() == b"built earlier"  # nothing lost


# --- wavegan_piano: the real download code against a local server ------------------------------

@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    with serve(root) as url:
        yield root, url


def tar_with(members: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def wav_bytes(freq, seconds=2.0, rate=44100):
    buf = io.BytesIO()
    sf.write(buf, tone([freq], seconds, rate), rate, format="WAV")
    return buf.getvalue()


def test_wavegan_download_checksum_extract_and_import(tmp_path, http_server):
    root, url = http_server
    archive = tar_with({"piano/train/a.wav": wav_bytes(262), "piano/test/b.wav": wav_bytes(330),
                        "piano/valid/c.wav": wav_bytes(392)})
    (root / "piano.tar.gz").write_bytes(archive)
    sha = hashlib.sha256(archive).hexdigest()
    dl = tmp_path / "data" / "download"
    got = sources.download(f"{url}/piano.tar.gz", dl / "archive", sha)
    assert got.read_bytes() == archive
    out = tmp_path / "data"
    report = prepare(cfg_for("wavegan_piano"), out / "audio", out / "manifest.csv",
                     out / "report.json", download_dir=dl)
    rows = read_manifest(out / "manifest.csv")
    assert [r["id"] for r in rows] == ["piano__test__b", "piano__train__a", "piano__valid__c"]
    assert report["source"] == "wavegan_piano" and report["skipped"] == []
    assert report["split_by"] == "folders"          # the archive's own split
    assert [r["split"] for r in rows] == ["test", "train", "valid"]


def test_wavegan_bad_checksum_keeps_nothing(tmp_path, http_server):
    root, url = http_server
    (root / "piano.tar.gz").write_bytes(tar_with({"a.wav": wav_bytes(262)}))
    dest = tmp_path / "dl" / "archive"
    with pytest.raises(sources.DataError, match="sha256 mismatch"):
        sources.download(f"{url}/piano.tar.gz", dest, "0" * 64)
    assert list(dest.parent.iterdir()) == []  # neither the archive nor a partial file
    with pytest.raises(sources.DataError, match="sha256: empty"):
        sources.download(f"{url}/piano.tar.gz", dest, "")
    with pytest.raises(sources.DataError, match="download failed"):
        sources.download(f"{url}/missing.tar.gz", dest, "0" * 64)


def test_extract_refuses_path_traversal(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(tar_with({"ok.wav": wav_bytes(262), "../escape.wav": b"x"}))
    with pytest.raises(sources.DataError, match="cannot extract safely"):
        sources.extract(archive, tmp_path / "out" / "extracted")
    assert not (tmp_path / "out" / "escape.wav").exists()
    assert not (tmp_path / "out" / "extracted").exists()


def test_extract_keeps_absolute_names_inside(tmp_path):
    archive = tmp_path / "abs.tar.gz"
    archive.write_bytes(tar_with({"/abs/inside.wav": wav_bytes(262)}))
    out = sources.extract(archive, tmp_path / "extracted")
    assert (out / "abs" / "inside.wav").is_file() and not __import__("os").path.exists("/abs")


# --- bach_render -----------------------------------------------------------------------------

def test_bach_corpus_lists_chorales_and_bwv846():
    scores = render.bach_scores()
    assert "bwv846" in scores and "bwv1.6" in scores and len(scores) > 350
    assert all(p.endswith((".mxl", ".xml")) for p in scores.values())


def test_render_a_chorale_to_16k_piano(tmp_path):
    rows = render.render_corpus({"bwv250": render.bach_scores()["bwv250"]}, tmp_path, threads=1)
    assert "error" not in rows[0], rows[0]
    y, rate = sf.read(rows[0]["path"])
    assert rate == 16000 and y.ndim == 1 and sf.info(rows[0]["path"]).subtype == "PCM_16"
    assert np.max(np.abs(y)) == pytest.approx(0.99, abs=1e-3)
    assert 20 < rows[0]["seconds"] < 40  # 28 s of music at the score's tempo


def test_render_cache_is_shared_by_content(tmp_path, monkeypatch):
    """A second build links the cached rendering (same bytes, no render); a new renderer
    version renders afresh; a silent threshold still applies to a cached piece."""
    score = {"bwv250": render.bach_scores()["bwv250"]}
    cache = tmp_path / "cache"
    for name in "abcd":
        (tmp_path / name).mkdir()
    first = render.render_corpus(score, tmp_path / "a", cache_dir=cache)[0]
    second = render.render_corpus(score, tmp_path / "b", cache_dir=cache)[0]
    assert first["cached"] is False and second["cached"] is True
    assert Path(second["path"]).read_bytes() == Path(first["path"]).read_bytes()
    assert second["seconds"] == first["seconds"] and second["render_s"] < first["render_s"] / 5
    assert len(list(cache.glob("*.wav"))) == len(list(cache.glob("*.json"))) == 1
    loud = render.render_corpus(score, tmp_path / "c", silence_db=-1.0, cache_dir=cache)[0]
    assert "silent" in loud["error"]
    monkeypatch.setattr(render, "RENDER_VERSION", "test")
    monkeypatch.setattr(render, "_RENDERER_KEY", None)
    assert render.render_corpus(score, tmp_path / "d", cache_dir=cache)[0]["cached"] is False
    assert len(list(cache.glob("*.wav"))) == 2


def test_unrenderable_score_is_skipped_with_its_reason(tmp_path):
    bad = tmp_path / "bad.mxl"
    bad.write_bytes(b"not a score")
    row = render.render_piece(("bad", str(bad), str(tmp_path), -60.0, None))
    assert row["error"].startswith(str(bad)) and "\n" not in row["error"]
