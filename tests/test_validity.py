"""The validity panel: each degradation does what it says, at the strength it says; the held-out
clips are those real_heldout plays; rho and the page (rendered with the site's Markdown)."""
import io
import json
import math

import markdown
import numpy as np
import pytest
import yaml

from conftest import ROOT, SR, tone
from models.data import repitch
from models.evaluate import degrade
from models.report import validity


@pytest.fixture
def clips():
    """Two 1.024 s chords, (2, 16384) float32."""
    return np.stack([tone([220, 330], 16384 / SR), tone([262, 392, 523], 16384 / SR)])


@pytest.mark.parametrize("snr", [30, 10, 0])
def test_white_noise_sits_at_its_snr(clips, snr):
    noisy = degrade.white_noise(clips, snr, np.random.default_rng(0))
    noise = noisy - clips
    measured = 10 * np.log10(np.mean(clips ** 2, 1) / np.mean(noise ** 2, 1))
    np.testing.assert_allclose(measured, snr, atol=0.3)


def test_low_pass_removes_what_is_above_the_cutoff(clips):
    out = degrade.low_pass(clips, 300, SR)
    spec = np.abs(np.fft.rfft(out, axis=1))
    freqs = np.fft.rfftfreq(clips.shape[1], 1 / SR)
    assert spec[:, freqs > 300].max() < 1e-3 * spec.max()
    # the 220 Hz partial of the first chord is kept; the second chord (262 Hz up) keeps 262 only
    keep = np.abs(np.fft.rfft(clips, axis=1))[:, freqs <= 300]
    np.testing.assert_allclose(spec[:, freqs <= 300], keep, atol=1e-2 * keep.max())


def test_time_shuffle_permutes_whole_segments(clips):
    out = degrade.time_shuffle(clips, 64, np.random.default_rng(0), SR)
    size = 1024                                              # 64 ms at 16 kHz
    for a, b in zip(clips, out):
        seg_a, seg_b = a.reshape(-1, size), b.reshape(-1, size)
        assert not np.array_equal(a, b)
        assert sorted(map(bytes, seg_a)) == sorted(map(bytes, seg_b))


@pytest.mark.parametrize("share", [0.25, 0.75])
def test_silence_gaps_silence_that_share(clips, share):
    out = degrade.silence_gaps(clips, share, np.random.default_rng(0), SR)
    cells = out.reshape(2, -1, 1024)
    silent = np.all(cells == 0, axis=2).mean(axis=1)
    np.testing.assert_allclose(silent, round(share * 16) / 16)
    untouched = ~np.all(cells == 0, axis=2)
    np.testing.assert_array_equal(cells[untouched], clips.reshape(2, -1, 1024)[untouched])


def test_repitch_keeps_the_rhythm_and_moves_that_share_of_notes():
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(0)
    inst.notes = [pretty_midi.Note(80, 60 + i % 12, 0.25 * i, 0.25 * i + 0.2) for i in range(40)]
    pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    rng = np.random.default_rng(0)
    for share, lo, hi in ((0.0, 0, 0), (0.5, 12, 20), (1.0, 30, 40)):
        out = pretty_midi.PrettyMIDI(io.BytesIO(repitch.repitch_midi(buf.getvalue(), share, rng)))
        notes = out.instruments[0].notes
        assert [(round(n.start, 3), round(n.end, 3)) for n in notes] == \
            [(round(n.start, 3), round(n.end, 3)) for n in inst.notes]
        assert all(60 <= n.pitch <= 71 for n in notes)
        moved = sum(a.pitch != b.pitch for a, b in zip(notes, inst.notes))
        assert lo <= moved <= hi


def test_random_pitch_renders_the_score_at_the_clips_places():
    from models.data.render import bach_scores, render_midi, score_to_piano_midi

    clean = render_midi(score_to_piano_midi(bach_scores()["bwv846"]))
    places = [("bwv846", 16384 * 3), ("bwv846", 16384 * 5)]
    same = repitch.random_pitch(places, 0.0, np.random.default_rng(0), 16384)
    np.testing.assert_allclose(same, [clean[s:s + 16384] for _, s in places], atol=1e-4)
    moved = repitch.random_pitch(places, 1.0, np.random.default_rng(0), 16384)
    assert np.abs(moved - same).max() > 0.1
    with pytest.raises(ValueError, match="'nope' is not a score"):
        repitch.random_pitch([("nope", 0)], 0.5, np.random.default_rng(0), 16384)


def test_heldout_clips_are_those_real_heldout_plays(data_dir, tmp_path):
    from models.baselines import RealHeldout
    from models.io import write_json

    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    meta = RealHeldout().fit(data_dir, ckpt, {}, tmp_path)
    write_json(ckpt / "model.json", meta)
    clips, places = degrade.heldout_clips(data_dir / "clips", 5, seed=3)
    np.testing.assert_array_equal(clips, RealHeldout().sample(ckpt, 5, 3, {}))
    assert {p for p, _ in places} <= {"te_a", "te_b"}


def panel_part(name, scores):
    """A degradation whose rows have FD = ``scores`` and every other column constant."""
    rows = []
    for rung, s in enumerate(scores):
        row = {c.key: 1.0 for c in validity.COLUMNS}
        row.update({f"{c.key}_distance": 1.0 for c in validity.COLUMNS if c.better == "ref"})
        row.update(degradation=name, fd=s, rung=rung, strength=None if rung == 0 else rung,
                   n_windows=16, kd_musicnn=0.5, musicality=0.2, ndb_k=0.0,
                   verdict="no copying")
        rows.append(row)
    return {"degradation": name, "label": f"{name} strength", "rows": rows}


def test_rho_and_the_page_render_as_the_site_renders_them():
    panel = {"up": panel_part("up", [1, 2, 3, 4, 5]), "down": panel_part("down", [5, 4, 3, 2, 1])}
    fd = next(c for c in validity.COLUMNS if c.key == "fd")
    assert validity.rho(panel["up"]["rows"], fd) == pytest.approx(1.0)
    assert validity.rho(panel["down"]["rows"], fd) == pytest.approx(-1.0)
    kd = next(c for c in validity.COLUMNS if c.key == "kd_logmel")
    assert math.isnan(validity.rho(panel["up"]["rows"], kd))             # constant: no rho
    page = validity.validity_page(panel, "", "smoke", lambda d: f"img/validity/{d}.png")
    n = len(validity.COLUMNS)
    assert len({c.key for c in validity.COLUMNS}) == n                  # each metric once
    assert f"*up*: 2 of {n} metrics track it (audio realism: FD log-mel ↓, FD log-mel ↓)." \
        not in page                                                        # not twice
    assert f"*up*: 1 of {n} metrics track it (audio realism: FD log-mel ↓)." in page
    assert f"*down*: 0 of {n}" in page and "No metric tracks every degradation" in page
    assert "**audio realism: FD log-mel** does NOT track every degradation" in page
    assert "**musicality: note overlap** has no rho on some degradation" in page
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    html = markdown.markdown(page, extensions=[e if isinstance(e, str) else next(iter(e))
                                               for e in config["markdown_extensions"]])
    assert html.count("<li>") == 5          # the three headline numbers, one line per degradation
    tables = html.split("<table>")[1:]
    assert len(tables) == 3                                  # rho, and one per degradation
    body = tables[0].split("<tbody>")[1]
    assert body.count("<tr>") == len(validity.COLUMNS)
    assert all(row.count("<td") == 3 for row in body.split("<tr>")[1:])    # |D|self in one cell
    assert "<strong>+1.00</strong>" in body and '<img alt="up" src="img/validity/up.png"' in html


def test_the_panel_writes_its_csv_and_charts(tmp_path):
    from models.io import write_json

    paths = []
    for name, scores in (("up", [1, 2, 3, 4, 5]), ("down", [5, 4, 3, 2, 1])):
        paths.append(tmp_path / f"{name}.json")
        write_json(paths[-1], panel_part(name, scores))
    charts = {"up": tmp_path / "up.png", "down": tmp_path / "down.png"}
    validity.plot_panel(paths, tmp_path / "validity.csv", charts)
    assert all(p.stat().st_size > 5_000 for p in charts.values())
    lines = (tmp_path / "validity.csv").read_text().splitlines()
    assert len(lines) == 11 and "degradation" in lines[0]
    assert json.loads(paths[0].read_text())["rows"][4]["fd"] == 5


def test_the_page_says_whether_harmony_hears_wrong_notes_and_where_the_floors_land():
    def rung(i, h, half=0.03):
        return {"rung": i, "strength": None if i == 0 else i / 4, "harmony": h,
                "harmony_low": h - half, "harmony_high": h + half}

    heard = [rung(i, h) for i, h in enumerate((0.95, 0.7, 0.5, 0.4, 0.3))]
    w = validity.wrong_notes(heard)
    assert w["rho"] == -1.0 and w["half_widths"] == pytest.approx(0.65 / 0.03)
    text = " ".join(validity.wrong_notes_lines({"random_pitch": {"rows": heard}}))
    assert "harmony hears wrong notes" in text and "100% 0.300 [0.270, 0.330]" in text
    blurred = [rung(i, h, 0.1) for i, h in enumerate((0.95, 0.9, 0.85, 0.8, 0.75))]
    assert "does NOT clearly hear" in " ".join(
        validity.wrong_notes_lines({"random_pitch": {"rows": blurred}}))
    assert validity.wrong_notes_lines({"white_noise": {"rows": heard}}) == []
    noise = [{"model": "noise", "harmony": 0.1}]
    assert "scores 0.100: below every rung" in " ".join(
        validity.wrong_notes_lines({"random_pitch": {"rows": heard}}, noise))

    def base(m, fd):
        return {"model": m, "fd": fd, "fd_low": fd - 5, "fd_high": fd + 5, "harmony": 0.5,
                "harmony_low": 0.4, "harmony_high": 0.6}

    rows = [base("real_heldout", 12), base("envelope_noise", 150), base("noise", 270)]
    assert "lies between held-out Bach" in " ".join(validity.floor_lines(rows))
    rows[1] = base("envelope_noise", 300)
    assert "does NOT lie between" in " ".join(validity.floor_lines(rows))
