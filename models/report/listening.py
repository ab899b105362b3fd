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
import soundfile as sf
from matplotlib.figure import Figure

from models import audio
from models.evaluate.embeddings import logmel_frames
from models.io import read_json
from models.report.links import asset_href, audio_tag
from models.report.real_excerpts import LONG
from models.report.score import LISTENED

SR = 16000  # the corpus's sample rate: every clip's length in seconds
PAGE = "listening.md"
IMG = "img/listening"
# The model pages' spectrogram scale (power_to_db, ref 1, -80 to 20 dB), so a clip looks the
# same here and there; logmel_frames is the natural log of power, hence the factor.
DB_PER_LOG = 10 / np.log(10)
VMIN, VMAX = -80.0, 20.0


HZ_TICKS = (250, 1000, 4000)  # the spectrograms' frequency ticks


def spectrogram_png(path: Path, clip: np.ndarray, sr: int = 16000) -> None:
    """A 240 x 140 px log-mel image of ``clip`` with its axes: seconds across (the clip's
    own length: a 1 s and an 8 s clip are drawn as wide, so the ticks say which is which) and
    Hz up (mel bands)."""
    import librosa

    db = DB_PER_LOG * logmel_frames(clip)
    seconds = len(clip) / sr
    fig = Figure(figsize=(2.4, 1.4), dpi=100)    # no pyplot: no global state between pages
    ax = fig.add_axes((0.25, 0.24, 0.73, 0.73))
    ax.imshow(db.T, origin="lower", aspect="auto", cmap="magma", vmin=VMIN, vmax=VMAX,
              interpolation="nearest", extent=(0, seconds, 0, db.shape[1]))
    bands = librosa.mel_frequencies(db.shape[1], fmin=0.0, fmax=sr / 2)
    ax.set_yticks([int(np.searchsorted(bands, hz)) for hz in HZ_TICKS],
                  [f"{hz // 1000}kHz" if hz >= 1000 else f"{hz}Hz" for hz in HZ_TICKS])
    ax.set_xticks([0, seconds], ["0", f"{seconds:.3g} s"])
    ax.tick_params(labelsize=11, length=3, pad=1)  # the image is shown at half its size
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def href(asset: str) -> str:
    """The page's relative link to a docs file: raw HTML is not rewritten by MkDocs."""
    return asset_href(PAGE, asset)


def score_lines(docs: Path, scores: Path | None, stem: str, label: str,
                dest_name: str | None = None) -> str:
    """A clip's score (its first bars, linked to itself at full size), a MIDI link and whose
    notes they are, its files copied under docs/scores/<dest_name> (default: the scores
    folder's name); '' without a scores folder."""
    if scores is None or not (scores / f"{stem}.svg").is_file():
        return ""
    info = read_json(scores / "scores.json")[stem]
    dest_name = dest_name or scores.name
    dest = docs / "scores" / dest_name
    dest.mkdir(parents=True, exist_ok=True)
    for ext in (".svg", ".mid"):
        shutil.copy(scores / f"{stem}{ext}", dest / f"{stem}{ext}")
    svg, mid = (href(f"scores/{dest_name}/{stem}{ext}") for ext in (".svg", ".mid"))
    words = ("notes as the transcriber heard them" if info["source"] == "transcribed"
             else "the notes it played")
    caption = f"; {info['caption']}" if info["caption"] else ""
    return (f'<br><a href="{svg}"><img class="score" src="{svg}" style="width:100%;'
            f'background:#fff" alt="score of {html.escape(label)}"></a><br><small>'
            f'<a href="{mid}" download>MIDI</a>: {html.escape(words + caption)}</small>')


def cell(audio_asset: str, img_asset: str, label: str, score: str = "",
         seconds: float | None = None) -> str:
    """One table cell: a player, its duration, its spectrogram (both named for screen
    readers) and the clip's score (``score_lines``)."""
    label = html.escape(label)
    length = f"<small>{seconds:.3g} s</small><br>" if seconds else ""
    # Both fill the cell: five columns fit the content column beside Material's sidebars
    # only so (a browser's default player alone is 300 px); width and height keep the
    # image's aspect before it loads.
    return (f'<td><audio controls preload="metadata" style="width:100%" '
            f'src="{href(audio_asset)}" title="{label}"></audio><br>{length}'
            f'<img src="{href(img_asset)}" width="240" height="140" '
            f'style="width:100%;height:auto" alt="log-mel spectrogram of {label}">{score}</td>')


def real_cell(docs: Path, real_dir: Path, length: int, i: int) -> str:
    """The row's held-out real clip, as long as the model's clips (``real_excerpts``: the
    folder of that length, excerpt ``i`` modulo their number), with its score."""
    folder = real_dir / str(length)
    names = read_json(folder / "clips.json")["clips"]
    name = names[i % len(names)]
    stem = f"{length}_{Path(name).stem}"
    dest = docs / "audio" / "real" / f"{stem}.wav"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / name, dest)
    clip = audio.read_wav(dest)
    spectrogram_png(docs / IMG / f"real_{stem}.png", clip)
    return cell(f"audio/real/{stem}.wav", f"{IMG}/real_{stem}.png", "real Bach, held-out",
                score_lines(docs, folder / "scores", Path(name).stem, "real Bach",
                            f"real_{length}"), len(clip) / SR)


def model_row(docs: Path, entry: dict, real_dir: Path, i: int, n: int) -> list[str]:
    """The HTML of one model's row, its files copied or written under ``docs``; its real
    clip from ``real_dir`` (``real_excerpts``), as long as the model's."""
    model, samples = entry["model"], Path(entry["samples"])
    scores = Path(entry["scores"]) if entry.get("scores") else None
    names = read_json(samples / "clips.json")["clips"][:n]
    cells = [real_cell(docs, real_dir, sf.info(str(samples / names[0])).frames, i)]
    for name in names:
        dest = docs / "audio" / model / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(samples / name, dest)    # the model page copies the same file: harmless
        stem = Path(name).stem
        clip = audio.read_wav(dest)
        spectrogram_png(docs / IMG / f"{model}_{stem}.png", clip)
        cells.append(cell(f"audio/{model}/{name}", f"{IMG}/{model}_{stem}.png",
                          f"{model}: {name}", score_lines(docs, scores, stem,
                                                          f"{model}: {name}"),
                          len(clip) / SR))
    cells += ["<td></td>"] * (n - len(names))   # a short folder keeps the columns aligned
    first = (f'<td><strong>{html.escape(model)}</strong><br>{html.escape(entry["status"])}'
             f'<br><small>{html.escape(entry["note"])}</small></td>')
    return [f'<tr data-model="{html.escape(model)}">', first, *cells, "</tr>"]


def table(docs: Path, entries: list[dict], real_dir: Path, start: int, n: int) -> list[str]:
    """A raw HTML table of ``entries``' rows; row ``start + j`` gets real excerpt ``start + j``
    (modulo their number) of its model's clip length, so rows do not all repeat one clip."""
    head = "".join(f"<th>generated {j + 1}</th>" for j in range(n))
    lines = ["<table>", f"<thead><tr><th>model</th><th>real Bach, held-out</th>{head}</tr>"
             "</thead>", "<tbody>"]
    for j, entry in enumerate(entries):
        i = start + j
        lines += model_row(docs, entry, real_dir, i, n)
    return lines + ["</tbody>", "</table>", ""]


def long_form(docs: Path, entries: list[dict], real_dir: Path) -> list[str]:
    """Players for every model's long-form pieces (``long_*.wav``), each with its score, after
    a real excerpt of the same kind of length; none: no section."""
    lines = []
    for entry in entries:
        model, samples = entry["model"], Path(entry["samples"])
        scores = Path(entry["scores"]) if entry.get("scores") else None
        for piece in sorted(samples.glob("long_*.wav")):
            dest = docs / "audio" / model / piece.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(piece, dest)
            lines += long_player(docs, f"audio/{model}/{piece.name}", f"{model}: {piece.name}",
                                 score_lines(docs, scores, piece.stem, f"{model}: {piece.name}"))
    if not lines:
        return []
    real = real_dir / LONG
    piece = next(iter(sorted(real.glob("long_*.wav"))), None)
    if piece is not None:
        shutil.copy(piece, docs / "audio" / "real" / piece.name)
        lines = long_player(docs, f"audio/real/{piece.name}", "real Bach, held-out",
                            score_lines(docs, real / "scores", piece.stem, "real Bach",
                                        "real_long")) + lines
    return ["## Long-form pieces", "",
            "Longer pieces, for models that make them (see each model's page for how), in the "
            "same order, after an excerpt of a held-out Bach piece of the same length:", "",
            *lines, ""]


def long_player(docs: Path, asset: str, label: str, score: str) -> list[str]:
    seconds = audio.read_wav(docs / asset).shape[0] / SR
    lines = [audio_tag(PAGE, asset, html.escape(f"{label} ({seconds:.0f} s)"))]
    if score:
        lines.append(f'<div style="max-width:720px">{score.removeprefix("<br>")}</div>')
    return lines


def write_listening(docs: Path, entries: list[dict], real_dir, header: str,
                    n: int = LISTENED) -> None:
    """Write docs/listening.md and its assets.
    entries: in display order, each {"model": str, "samples": Path (a generate output folder:
      clips.json listing clip file names under "clips", clip_000.wav ..., maybe long_000.wav ...),
      "status": str (e.g. "learned (better than noise)", "not distinguishable from noise",
      "copying"), "learned": bool, "note": str (one short line: steps, seconds, e.g. "650 steps,
      328 s"), and "scores": its rule scores folder (<stem>.svg, .mid, scores.json) or None}.
    real_dir: the real_excerpts folder (models/report/real_excerpts.py): held-out excerpts of
      every model's clip length, and a long one; row i plays excerpt i (modulo their number)
      of its model's length, so rows do not all repeat one clip.
    header: a line put first (the "generated, do not edit" comment)."""
    docs, real_dir = Path(docs), Path(real_dir)
    learned = [e for e in entries if e["learned"]]
    rest = [e for e in entries if not e["learned"]]
    lines = [header.rstrip("\n"), "", "# Listen", "",
             "One row per model, in the ranking order of the [comparison](comparison.md) page, "
             "the baselines among them: a real clip of held-out Bach as long as the model's "
             f"clips (a different one from row to row), then the model's first {n} generated "
             "clips. Under each player, its length, its log-mel spectrogram (seconds across, "
             "from 0 to the clip's length; Hz up, 64 mel bands; one colour scale from "
             f"{VMIN:.0f} to {VMAX:.0f} dB for every image), and the first bars of its score "
             "with a MIDI file: the notes a note model played, or the notes the transcriber "
             "heard in the audio (click a score to open it; how notes become a score is on "
             "the [method](method.md#scores-and-midi) page).", "",
             "## Models that learned", ""]
    if learned:
        lines += table(docs, learned, real_dir, 0, n)
    else:
        lines += ["No model of this run learned: every one measured no better than noise.", ""]
    if rest:
        lines += ["## Not yet learned, and the baselines", "",
                  "These are listed last because their numbers are not distinguishable from "
                  "(or worse than) noise, or because they copy their training clips, or because "
                  "they are the study's baselines (the scale, not results); each row says "
                  "which. Hear them as a check on those numbers, not as results.", "",
                  *table(docs, rest, real_dir, len(learned), n)]
    lines += long_form(docs, entries, real_dir)
    (docs / PAGE).write_text("\n".join(lines).rstrip("\n") + "\n")
