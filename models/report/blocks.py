"""Collapsible blocks for long detail on a generated page (pymdownx.details, MkDocs Material's
``???`` admonitions): the answer stays on the first screen, the per-feature tables and every
snapshot one click away."""
from __future__ import annotations


def fold(title: str, lines: list[str], kind: str = "info", open_: bool = False) -> list[str]:
    """``lines`` (Markdown) in a collapsed block titled ``title`` (open with ``open_``); none
    without lines. Headings inside become bold lines: a heading cannot sit in a block."""
    body = [f"**{line.lstrip('#').strip()}**" if line.startswith("#") else line
            for line in lines]
    while body and not body[-1].strip():
        body.pop()
    if not body:
        return []
    title = title.replace('"', "'")
    return [f'???{"+" if open_ else ""} {kind} "{title}"', ""] + [
        f"    {line}" if line.strip() else "" for line in body] + [""]
