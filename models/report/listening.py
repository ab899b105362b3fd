"""The site's listening page: every model's generated clips beside real held-out Bach, by ear.

The comparison page ranks models by numbers; this page lets a reader check the ranking with
their own ears. One row per model in ranking order: a held-out real clip, then the model's
first clips, each player with a small log-mel spectrogram under it (one colour scale for every
image, so a quiet clip looks quiet and a noisy one noisy beside the real one). Models whose
numbers are not distinguishable from noise come last, under their own heading, so nobody
mistakes what they hear there for what the study found. The rows are a raw HTML table
(Markdown tables cannot hold players), so every path in it is relative to the page's served
URL, ``listening/``.
"""
from __future__ import annotations

import html
import shutil
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from models import audio
from models.evaluate.embeddings import logmel_frames
from models.io import read_json
from models.report.links import asset_href, audio_tag
from models.report.score import LISTENED

PAGE = "listening.md"
IMG = "img/listening"
# The model pages' spectrogram scale (power_to_db, ref 1, -80 to 20 dB), so a clip looks the
# same here and there; logmel_frames is the natural log of power, hence the factor.
DB_PER_LOG = 10 / np.log(10)
VMIN, VMAX = -80.0, 20.0


def spectrogram_png(path: Path, clip: np.ndarray) -> None:
    """A 240 x 120 px log-mel image of ``clip``, no axes: a thumbnail under a player, not a
    figure to read values from."""
    db = DB_PER_LOG * logmel_frames(clip)
    fig = Figure(figsize=(2.4, 1.2), dpi=100)    # no pyplot: no global state between pages
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(db.T, origin="lower", aspect="auto", cmap="magma", vmin=VMIN, vmax=VMAX,
              interpolation="nearest")
    ax.set_axis_off()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def href(asset: str) -> str:
    """The page's relative link to a docs file: raw HTML is not rewritten by MkDocs."""
    return asset_href(PAGE, asset)


def score_lines(docs: Path, scores: Path | None, stem: str, label: str) -> str:
    """A clip's score (its first bars, linked to itself at full size), a MIDI link and whose
    notes they are, its files copied under docs/scores/; '' without a scores folder."""
    if scores is None or not (scores / f"{stem}.svg").is_file():
        return ""
    info = read_json(scores / "scores.json")[stem]
    dest = docs / "scores" / scores.name
    dest.mkdir(parents=True, exist_ok=True)
    for ext in (".svg", ".mid"):
        shutil.copy(scores / f"{stem}{ext}", dest / f"{stem}{ext}")
    svg, mid = (href(f"scores/{scores.name}/{stem}{ext}") for ext in (".svg", ".mid"))
    words = ("notes as the transcriber heard them" if info["source"] == "transcribed"
             else "the notes it played")
    caption = f"; {info['caption']}" if info["caption"] else ""
    return (f'<br><a href="{svg}"><img class="score" src="{svg}" style="width:100%;'
            f'background:#fff" alt="score of {html.escape(label)}"></a><br><small>'
            f'<a href="{mid}" download>MIDI</a>: {html.escape(words + caption)}</small>')


def cell(audio_asset: str, img_asset: str, label: str, score: str = "") -> str:
    """One table cell: a player and its spectrogram, both named for screen readers, and the
    clip's score (``score_lines``)."""
    label = html.escape(label)
    # Both fill the cell: five columns fit the content column beside Material's sidebars
    # only so (a browser's default player alone is 300 px); width and height keep the
    # image's aspect before it loads.
    return (f'<td><audio controls preload="metadata" style="width:100%" '
            f'src="{href(audio_asset)}" title="{label}"></audio><br>'
            f'<img src="{href(img_asset)}" width="240" height="120" '
            f'style="width:100%;height:auto" alt="log-mel spectrogram of {label}">{score}</td>')


def model_row(docs: Path, entry: dict, real: tuple, i: int, n: int) -> list[str]:
    """The HTML of one model's row, its files copied or written under ``docs``; ``real``: the
    row's held-out clip and its score's (scores folder, stem) or None."""
    model, samples = entry["model"], Path(entry["samples"])
    scores = Path(entry["scores"]) if entry.get("scores") else None
    clip, real_score = real
    audio.write_wav(docs / "audio" / "real" / f"listening_{i}.wav", clip)
    spectrogram_png(docs / IMG / f"real_{i}.png", clip)
    cells = [cell(f"audio/real/listening_{i}.wav", f"{IMG}/real_{i}.png",
                  "real Bach, held-out",
                  score_lines(docs, *real_score, "real Bach") if real_score else "")]
    names = read_json(samples / "clips.json")["clips"][:n]
    for name in names:
        dest = docs / "audio" / model / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(samples / name, dest)    # the model page copies the same file: harmless
        stem = Path(name).stem
        spectrogram_png(docs / IMG / f"{model}_{stem}.png", audio.read_wav(dest))
        cells.append(cell(f"audio/{model}/{name}", f"{IMG}/{model}_{stem}.png",
                          f"{model}: {name}", score_lines(docs, scores, stem,
                                                          f"{model}: {name}")))
    cells += ["<td></td>"] * (n - len(names))   # a short folder keeps the columns aligned
    first = (f'<td><strong>{html.escape(model)}</strong><br>{html.escape(entry["status"])}'
             f'<br><small>{html.escape(entry["note"])}</small></td>')
    return [f'<tr data-model="{html.escape(model)}">', first, *cells, "</tr>"]


def table(docs: Path, entries: list[dict], real_clips: np.ndarray, start: int,
          n: int, real_scores: Path | None = None) -> list[str]:
    """A raw HTML table of ``entries``' rows; row ``start + j`` gets real clip ``start + j``
    (modulo their number), so rows do not all repeat one clip; ``real_scores``: the scores
    folder of the real clips (real_heldout's), or None."""
    head = "".join(f"<th>generated {j + 1}</th>" for j in range(n))
    lines = ["<table>", f"<thead><tr><th>model</th><th>real Bach, held-out</th>{head}</tr>"
             "</thead>", "<tbody>"]
    for j, entry in enumerate(entries):
        i = start + j
        k = i % len(real_clips)
        scored = real_scores is not None and (real_scores / f"clip_{k:03d}.svg").is_file()
        lines += model_row(docs, entry, (real_clips[k], (real_scores, f"clip_{k:03d}")
                                         if scored else None), i, n)
    return lines + ["</tbody>", "</table>", ""]


def long_form(docs: Path, entries: list[dict]) -> list[str]:
    """Players for every model's long-form pieces (``long_*.wav``); none: no section."""
    lines = []
    for entry in entries:
        model, samples = entry["model"], Path(entry["samples"])
        for piece in sorted(samples.glob("long_*.wav")):
            dest = docs / "audio" / model / piece.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(piece, dest)
            lines.append(audio_tag(PAGE, f"audio/{model}/{piece.name}",
                                   html.escape(f"{model}: {piece.name}")))
            scores = Path(entry["scores"]) if entry.get("scores") else None
            score = score_lines(docs, scores, piece.stem, f"{model}: {piece.name}")
            if score:
                lines.append(f'<div style="max-width:720px">{score.removeprefix("<br>")}'
                             "</div>")
    if not lines:
        return []
    return ["## Long-form pieces", "",
            "Longer pieces, for models that make them (see each model's page for how), in the "
            "same order:", "", *lines, ""]


def write_listening(docs: Path, entries: list[dict], real_clips: np.ndarray, header: str,
                    n: int = LISTENED, real_scores=None) -> None:
    """Write docs/listening.md and its assets.
    entries: in display order, each {"model": str, "samples": Path (a generate output folder:
      clips.json listing clip file names under "clips", clip_000.wav ..., maybe long_000.wav ...),
      "status": str (e.g. "learned (better than noise)", "not distinguishable from noise",
      "copying"), "learned": bool, "note": str (one short line: steps, seconds, e.g. "650 steps,
      328 s")}.
    real_clips: (k, samples) float32 held-out real clips at 16 kHz; the row's real clip is
      real_clips[i % k] for row i, so rows do not all repeat one clip.
    header: a line put first (the "generated, do not edit" comment).
    Each entry may name its "scores" folder (rule scores: <stem>.svg, .mid, scores.json), and
    ``real_scores`` the real clips' (real_heldout's first k clips): each player then has its
    score and MIDI under it."""
    docs = Path(docs)
    real_scores = Path(real_scores) if real_scores else None
    learned = [e for e in entries if e["learned"]]
    rest = [e for e in entries if not e["learned"]]
    lines = [header.rstrip("\n"), "", "# Listen", "",
             "One row per model, in the ranking order of the [comparison](comparison.md) page: "
             "a real clip of held-out Bach (a different one from row to row), then the "
             f"model's first {n} generated clips. Under each player, its log-mel spectrogram "
             "(time across, 64 mel bands from low to high, one colour scale from "
             f"{VMIN:.0f} to {VMAX:.0f} dB for every image).", "",
             "## Models that learned", ""]
    if learned:
        lines += table(docs, learned, real_clips, 0, n, real_scores)
    else:
        lines += ["No model of this run learned: every one measured no better than noise.", ""]
    if rest:
        lines += ["## Not yet learned", "",
                  "These are listed last because their numbers are not distinguishable from "
                  "(or worse than) noise, or because they copy their training clips; each row "
                  "says which. Hear them as a check on those numbers, not as results.", "",
                  *table(docs, rest, real_clips, len(learned), n, real_scores)]
    lines += long_form(docs, entries)
    (docs / PAGE).write_text("\n".join(lines).rstrip("\n") + "\n")
