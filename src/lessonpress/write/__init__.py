"""Stage 5, write: put the rendered files in place as the published site, in one step.

folder.py says which folder `--out` may name; publish.py assembles the new site beside it
and swaps it in; search.py builds Pagefind's index meanwhile; lock.py keeps builds of one
folder in turn; links.py checks the links of the pages before anything is published;
clean.py removes a site it wrote and the cache; kept.py reads the pages `build --post` keeps.
"""

from __future__ import annotations

from .clean import clean
from .folder import SITE_MARKER, check_output_folder, resolve_out
from .kept import published_pages
from .lock import build_lock
from .publish import publish, update_search_index
from .search import SEARCH_DIR, lean_page, search_documents

__all__ = [
    "SEARCH_DIR",
    "SITE_MARKER",
    "build_lock",
    "clean",
    "check_output_folder",
    "lean_page",
    "publish",
    "published_pages",
    "resolve_out",
    "search_documents",
    "update_search_index",
]
