"""Verdicts the numbers support: each model's status from its intervals against noise, ranking
and bold only among models that learned, ties as ties, the matched-compute table and the home
page's summary built from constructed rows."""
from models.report import comparison, learning, summary, table


def row(model, fd, musicality, spread=(5.0, 0.03), verdict="far from the data"):
    r = {"model": model, "fd": fd, "fd_low": fd - spread[0], "fd_high": fd + spread[0],
         "musicality": musicality, "musicality_low": musicality - spread[1],
         "musicality_high": musicality + spread[1], "verdict": verdict}
    r.update({f"harmony{end}": r[f"musicality{end}"] for end in ("", "_low", "_high")})
    for col in (c for cols in table.GROUPS.values() for c in cols):  # the rest follow FD
        if col.better == "ref":
            r.update({f"{col.key}_distance": fd, f"{col.key}_mean": fd})
            continue
        r.setdefault(col.key, fd)
        if col.interval:
            r.setdefault(f"{col.key}_low", fd - spread[0])
            r.setdefault(f"{col.key}_high", fd + spread[0])
    return r


ROWS = [row("real_heldout", 10, 0.96, verdict="no copying"), row("noise", 270, 0.68),
        row("wavegan", 268, 0.70),                 # overlaps noise on both: not learned
        row("specgan", 150, 0.69),                 # better on FD only: learned
        row("notes_lstm", 265, 0.86),              # better on musicality only: learned
        row("notes_gan", 40, 0.90),                # better on both
        row("rnn", 400, 0.40),                     # worse on both
        row("lstm", 100, 0.80, verdict="copying")]


def test_status_follows_the_intervals_against_noise():
    codes = table.statuses(ROWS)
    assert codes["wavegan"] == ("noise", "not distinguishable from noise")
    assert codes["specgan"] == ("learned", "learned: better than noise on audio realism only")
    assert codes["notes_lstm"] == ("learned", "learned: better than noise on musicality and "
                                   "harmony only")                   # harmony follows musicality
    assert codes["notes_gan"] == ("learned", "learned: better than noise")
    assert codes["rnn"][0] == "worse" and codes["lstm"][0] == "copying"
    assert codes["noise"][0] == codes["real_heldout"][0] == "baseline"


def test_ranking_and_bold_ignore_models_that_did_not_learn():
    ranked = [m for m, _ in comparison.ranking(ROWS)]
    assert set(ranked) == {"specgan", "notes_lstm", "notes_gan"}
    fd = table.DISTRIBUTION[0]
    weird = ROWS + [row("gansynth", 5, 0.2)]     # the best FD of all, but worse than noise
    weird[-1]["musicality_high"] = 0.3
    weird[-1]["fd_low"], weird[-1]["fd_high"] = 0, 600   # FD interval overlaps noise's
    assert table.best(weird, fd) == "notes_gan"
    md = table.markdown_table(weird, table.HEADLINE)
    assert "**5.00**" not in md and "**40.00**" in md
    assert "<small>[35.00, 45.00]</small>" in md


def test_ties_are_shown_as_ties():
    rows = ROWS + [row("gansynth", 42, 0.9)]
    fd = table.HEADLINE[0]
    assert table.tied_best(rows, fd) == {"notes_gan", "gansynth"}
    md = table.markdown_table(rows, table.HEADLINE)
    assert "**40.00**" in md and "**42.00**" in md
    said = " ".join(comparison.closest_sentences(rows))
    assert "cannot tell it from gansynth" in said


def test_seed_verdict_counts_every_metric_and_names_the_budget():
    rows = [r for r in ROWS if r["model"] != "specgan"] + [row("specgan", 150, 0.69)]
    got = comparison.seed_verdict(rows, {"wavegan": {"steps": 200}, "specgan": {"steps": 140}})
    assert "at 200 and 140 generator steps" in got[0]
    assert "wavegan is not distinguishable from noise" in got[1]


def curve(model, points, fd0, fd1, mus=0.7):
    return model, [{"steps": s, "seconds": 10.0 * s, "flops": 1e9 * s,
                    **{k: v for k, v in row(model, fd0 + (fd1 - fd0) * i / (points - 1), mus,
                                            spread=(2.0, 0.02)).items()
                       if k.startswith(("fd", "musicality"))}}
                   for i, s in enumerate(2 ** k for k in range(points))]


def test_matched_compute_cuts_every_model_at_the_smallest_budget():
    curves = dict([curve("notes_gan", 5, 200, 40), curve("wavegan", 3, 270, 268)])
    key, level, at = learning.matched_compute(curves)
    assert key == "flops" and level == 4e9
    assert at["notes_gan"]["steps"] == 4 and at["wavegan"]["steps"] == 4
    token = dict(curves, lstm_seed=curve("lstm_seed", 2, 270, 268)[1])   # ends at 2e9
    assert learning.matched_compute(token)[1] == 4e9 and \
        learning.matched_compute(token)[2]["lstm_seed"]["steps"] == 2
    lines = learning.matched_table(curves, ROWS)
    assert len([ln for ln in lines if ln.startswith("| notes_gan")]) == 1
    # one table a level, each at the most its own models reached: notes_gan's 5 snapshots
    # end at 16e9 FLOPs, wavegan's 3 at 4e9; the note level is not cut at wavegan's budget
    assert "at or below 16 GFLOP" in lines[0] and "at or below 4 GFLOP" in " ".join(lines)
    notes_row = next(ln for ln in lines if ln.startswith("| notes_gan"))
    assert "| 16 | " in notes_row and "16 GFLOP" in notes_row
    assert learning.trend(curves["notes_gan"]).startswith("still improving")
    assert learning.trend(curves["wavegan"]).startswith("flat")
    levelled = curves["notes_gan"][:4] + [dict(curves["notes_gan"][3], steps=16)]
    assert learning.trend(levelled).startswith("improved, then levelled")
    text = " ".join(summary.trend_sentences({"notes_gan": levelled, "wavegan": curves["wavegan"]}))
    assert "1 improved, then levelled (notes_gan); 1 was flat (wavegan)" in text


def test_summary_names_the_families_the_budget_and_the_trend():
    curves = dict([curve("notes_gan", 5, 200, 40), curve("wavegan", 3, 270, 268)])
    budgets = {m: {"steps": 100, "train_s": 300.0, "device": "CPU x"}
               for m in ("wavegan", "specgan", "notes_lstm", "notes_gan", "rnn", "lstm")}
    text = "\n".join(summary.summary_lines(ROWS, curves, budgets, "quick", "the chorales"))
    assert "3 of 6 models are better than noise" in text
    assert "At audio level (FD of log-mel frames): the GANs are closer" in text
    assert "best LSTM, notes_lstm" in text
    assert "of 2 models: 1 was still improving" in text and "(notes_gan)" in text
    page = summary.home_page("# t\n\n<!-- summary -->\n\nrest\n", "", {
        "preset": "quick", "lines": ["x"]}, "runs/gpu/", "the published run")
    assert "![" in page and "runs/gpu/img/comparison/learning.png" in page
    assert "runs/gpu/img/comparison/headline.png" in page and page.endswith("rest\n")


def test_music_needs_all_three_claims_each_on_its_own_bar():
    """Spectrum against the hardest floor present, notes heard in most windows, harmony
    against random pitches; a bar that was not measured is said so, never passed."""
    def claim_row(model, fd, harm, silent):
        return {**row(model, fd, 0.5), "harmony": harm, "harmony_low": harm - 0.05,
                "harmony_high": harm + 0.05, "no_note_share": silent}

    rows = [claim_row("real_heldout", 10, 0.95, 0.0), claim_row("noise", 270, 0.05, 0.9),
            claim_row("envelope_noise", 120, 0.05, 0.8), claim_row("random_pitch", 15, 0.3, 0),
            claim_row("notes_gan", 40, 0.6, 0.0),       # all three
            claim_row("specgan", 118, 0.05, 0.95),      # beats noise, not the envelope floor
            claim_row("notes_lstm", 60, 0.32, 0.1)]     # harmony tied with random pitches
    got = {r["model"]: table.claims(r, rows) for r in rows}
    assert got["notes_gan"] == {"spectrum": True, "notes": True, "harmony": True}
    assert got["specgan"] == {"spectrum": False, "notes": False, "harmony": False}
    assert got["notes_lstm"] == {"spectrum": True, "notes": True, "harmony": False}
    text = summary.music_sentence(rows)
    assert "than envelope_noise's" in text and "Music: notes_gan." in text
    assert "notes_lstm (spectrum, notes; not harmony)" in text and "None: specgan." in text
    bare = [r for r in rows if r["model"] not in ("random_pitch", "envelope_noise")]
    assert table.claims(bare[-1], bare)["harmony"] is None
    assert "than noise's" in summary.music_sentence(bare)
    assert "Not measured in this run: the harmony bar." in summary.music_sentence(bare)


def with_notes(r, **figures):
    """``r`` with note figures: {key: (mean, ci_low, ci_high, distance)}; notes heard at
    Bach's rate unless ``notes_note_rate`` says otherwise."""
    r = dict(r, notes_note_rate_mean=11.0, notes_note_rate_reference=11.0)
    for key, (mean, lo, hi, dist) in figures.items():
        r.update({f"{key}_mean": mean, f"{key}_ci_low": lo, f"{key}_ci_high": hi,
                  f"{key}_distance": dist, f"{key}_reference": REFERENCE[key]})
    return r


REFERENCE = {"notes_polyphony": 3.61, "notes_in_scale": 0.95, "notes_pitch_range": 28.0}


def test_picks_name_the_closest_distribution_and_skip_degenerate_values():
    rows = ROWS + [
        with_notes(row("notes_gan", 40, 0.90), notes_polyphony=(3.21, 3.0, 3.4, 0.20),
                   notes_pitch_range=(30.0, 27.0, 33.0, 0.30)),
        with_notes(row("notes_lstm", 265, 0.86), notes_polyphony=(2.96, 2.8, 3.1, 0.10),
                   notes_pitch_range=(48.0, 48.0, 48.0, 0.05)),      # one value in every window
        with_notes(row("specgan", 150, 0.69), notes_in_scale=(1.00, 1.0, 1.0, 0.01),
                   notes_polyphony=(1.0, 1.0, 1.0, 0.01)) | {"notes_note_rate_mean": 0.0},
    ]
    rows = [r for r in rows if r["model"] not in ("notes_gan", "notes_lstm", "specgan")] + \
        rows[-3:]
    cols = {c.key: c for c in table.NOTES}
    # polyphony: notes_lstm's windows are closest to Bach's though its mean is further off;
    # specgan, which hears no notes, is not a contender however small its distance
    assert table.best(rows, cols["notes_polyphony"]) == "notes_lstm"
    said = " ".join(comparison.closest_sentences(rows))
    assert "**polyphony**: notes_lstm (2.96 against held-out Bach's 3.61; the KS distance of " \
           "its windows' values to Bach's is the smallest, 0.10)" in said
    # a pitch range of 48 in every window is no range: notes_gan's 30 is the pick
    assert table.best(rows, cols["notes_pitch_range"]) == "notes_gan"
    assert table.degenerate(rows[-2], cols["notes_pitch_range"]) == "the same in every window"
    # specgan's in-scale ratio of 1.00 (KS distance 0.01, the smallest) has no notes behind it
    assert table.best(rows, cols["notes_in_scale"]) == "notes_gan"
    md = table.markdown_table(rows[-3:], [cols["notes_polyphony"], cols["notes_pitch_range"]])
    assert "n/a <small>(no notes heard)</small>" in md
    assert "48.0 <small>(the same in every window)</small>" in md
    # ties: a model the intervals cannot tell from the best is named, not a degenerate one
    fd = table.HEADLINE[0]
    tied = rows + [row("gansynth", 42, 0.9)]
    assert table.tied_best(tied, fd) == {"notes_gan", "gansynth"}
