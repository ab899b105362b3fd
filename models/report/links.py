"""Links in raw HTML: MkDocs rewrites Markdown links but not an ``<audio src>``, so a player's
path is computed relative to the page's final URL (``use_directory_urls``: ``models/noise.md``
is served at ``models/noise/``)."""
from __future__ import annotations

import os
from pathlib import PurePosixPath


def page_url_dir(page: str) -> PurePosixPath:
    """Folder a page is served from under use_directory_urls ('a/b.md' -> 'a/b',
    'a/index.md' -> 'a')."""
    p = PurePosixPath(page)
    return p.parent if p.stem == "index" else p.with_suffix("")


def asset_href(page: str, asset: str) -> str:
    """Relative link from the served page to a file in the docs folder."""
    return os.path.relpath(PurePosixPath(asset), page_url_dir(page)).replace(os.sep, "/")


def audio_tag(page: str, asset: str, label: str) -> str:
    return (f'<figure class="clip"><audio controls preload="metadata" '
            f'src="{asset_href(page, asset)}"></audio><figcaption>{label}</figcaption></figure>')
