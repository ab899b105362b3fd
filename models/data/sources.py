"""Sources other than the offline render: a folder of recordings, and the WaveGAN piano set."""
from __future__ import annotations

import hashlib
import os
import re
import tarfile
import urllib.request
from pathlib import Path

from models import audio
from models.data import verdicts
from models.io import atomic_dir, atomic_path


class DataError(RuntimeError):
    """A data problem the user must fix; one line naming the file or key."""


def piece_id_for(relpath: Path) -> str:
    """'Book 1/Prelude 1.flac' -> 'Book_1__Prelude_1': a file-name-safe id from a relative path."""
    stem = "__".join(relpath.with_suffix("").parts)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_") or "piece"


def scan_folder(folder: str | os.PathLike) -> tuple[dict[str, Path], list[dict]]:
    """Every file below ``folder`` (recursive, sorted): ({piece id: path} of those that may be
    audio, [{file, reason}] of those that are not: empty, other extension, other content)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder does not exist or is not a directory")
    found: dict[str, Path] = {}
    skipped = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        reason = verdicts.before_decoding(path)
        if reason:
            skipped.append({"file": str(path), "reason": reason})
            continue
        pid = piece_id_for(path.relative_to(folder))
        while pid in found:  # 'a.wav' and 'a.flac' both present
            pid += "_"
        found[pid] = path
    if not found:
        others = f" ({len(skipped)} other files: {skipped[0]['reason']}, ...)" if skipped else ""
        raise DataError(f"{folder}: no wav/flac/ogg/mp3 files found{others}")
    return found, skipped


def import_file(job: tuple[str, str, str, float, int]) -> dict:
    """Decode one recording to ``out_dir/<id>.wav`` at 16 kHz mono; 'error' set, with its
    verdict, if it cannot be used (``verdicts.load_checked``). Any error skips this file only."""
    piece_id, src, out_dir, silence_db, clip_length = job
    try:
        y = verdicts.load_checked(src, clip_length, silence_db)
    except audio.AudioError as exc:
        return {"id": piece_id, "origin": src, "error": str(exc)}
    except Exception as exc:  # a decoder's own failure, whatever its kind
        return {"id": piece_id, "origin": src,
                "error": f"{src}: cannot decode audio ({type(exc).__name__}: {exc})"}
    path = Path(out_dir) / f"{piece_id}.wav"
    audio.write_wav(path, y)
    return {"id": piece_id, "origin": src, "path": str(path), "seconds": len(y) / audio.SAMPLE_RATE}


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, dest: str | os.PathLike, sha256: str, progress=None,
             timeout: float = 60.0) -> Path:
    """Fetch ``url`` to ``dest`` atomically and check its sha256; a file already there is reused.

    A partial or mismatching download never takes the place of ``dest``.
    """
    dest = Path(dest)
    if not sha256:
        raise DataError("config key data.wavegan_piano.sha256: empty; no checksum is published "
                        "for this archive, so set the sha256 of the copy you trust")
    if dest.is_file() and sha256_of(dest) == sha256:
        return dest
    with atomic_path(dest) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as out:
                total = int(resp.headers.get("Content-Length") or 0) or None
                bar = progress(total=total, unit="B", unit_scale=True, desc=dest.name) \
                    if progress else None
                while block := resp.read(1 << 20):
                    out.write(block)
                    if bar:
                        bar.update(len(block))
                if bar:
                    bar.close()
        except OSError as exc:
            raise DataError(f"{url}: download failed ({exc})") from None
        got = sha256_of(tmp)
        if got != sha256:
            raise DataError(f"{url}: sha256 mismatch (expected {sha256}, got {got}); "
                            f"nothing was kept")
    return dest


def extract(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Unpack a tar archive with tarfile's 'data' filter: no absolute paths, no '..', no links
    out of ``dest``, no device files. A member that breaks these rules is an error."""
    dest = Path(dest)
    try:
        with atomic_dir(dest) as tmp, tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise DataError(f"{archive}: cannot extract safely ({exc})") from None
    return dest
