"""`lessonpress export`: put the exported Markdown in place, in one step, as a site is.

The export folder follows the site's rules (folder.py): lessonpress replaces only a folder
it wrote (it holds the `.lessonpress-site` mark listing its files), an empty folder or a new
one, never the project or its sources; the new export is assembled beside it and swapped in
whole (publish.py), so a failed export leaves the previous one as it was. An export also
holds EXPORT_MARKER, naming its format, so that an export never replaces a site that
`build` published, nor an export of the other format.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UsageError
from ..model import OutputFile
from .folder import EXPORT_MARKER, SITE_MARKER, resolve_out
from .publish import publish


def check_export_folder(out: Path, flavour: str) -> None:
    """Refuse an --out that lessonpress wrote as something else than a `flavour` export: a
    site (`lessonpress build`'s) or an export of the other format."""
    target = resolve_out(out)
    if not (target / SITE_MARKER).is_file():
        return  # new, empty, or not lessonpress's: check_output_folder judges it
    marker = target / EXPORT_MARKER
    written = marker.read_text(encoding="utf-8", errors="replace") if marker.is_file() else ""
    if written == _marker_text(flavour) or not written and not (target / "index.html").exists():
        return  # this format's export (or one written before exports were marked, without a page)
    found = re.search(r"\((\w+)\)", written)
    what = f"a {found.group(1)} export" if found else "a site that `lessonpress build` published"
    raise UsageError(
        f"--out {out} holds {what}, which a {flavour} export would replace as a whole; "
        f"write it into a folder of its own, such as export-{flavour}/"
    )


def write_export(files: list[OutputFile], out: Path, flavour: str) -> int:
    """Make `files` (and the export's mark) the whole content of `out`; how many files changed.
    Call it while holding build_lock(out), after check_output_folder(root, out)."""
    check_export_folder(out, flavour)  # again, under the lock
    marked = [*files, OutputFile(EXPORT_MARKER, _marker_text(flavour).encode("utf-8"))]
    return publish(marked, out, search=False)


def _marker_text(flavour: str) -> str:
    return f"This folder is a lessonpress export ({flavour}).\n"
