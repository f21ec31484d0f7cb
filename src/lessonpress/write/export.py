"""`lessonpress export`: put the exported Markdown in place, in one step, as a site is.

The export folder follows the site's rules (folder.py): lessonpress replaces only a folder
it wrote (it holds the `.lessonpress-site` mark listing its files), an empty folder or a new
one, never the project or its sources; the new export is assembled beside it and swapped in
whole (publish.py), so a failed export leaves the previous one as it was.
"""

from __future__ import annotations

from pathlib import Path

from ..model import OutputFile
from .publish import publish


def write_export(files: list[OutputFile], out: Path) -> int:
    """Make `files` the whole content of `out`; how many files changed. Call it while holding
    build_lock(out), after check_output_folder(root, out)."""
    return publish(files, out, search=False)
