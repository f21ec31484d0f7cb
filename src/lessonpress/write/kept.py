"""`build --post`: the other posts' pages as the previous site has them, to publish again."""

from __future__ import annotations

from pathlib import Path

from ..model import OutputFile
from .folder import is_site, resolve_out


def published_pages(out: Path, slugs: frozenset[str]) -> tuple[list[OutputFile], frozenset[str]]:
    """The files under `posts/<slug>/` of the site in `out` for each of `slugs` whose page it
    has, and those slugs. Only from a site lessonpress wrote; links are not followed."""
    out = resolve_out(out)
    if not is_site(out):
        return [], frozenset()
    files: list[OutputFile] = []
    found = set()
    for slug in sorted(slugs):
        folder = out / "posts" / slug
        if folder.is_symlink() or not (folder / "index.html").is_file():
            continue
        found.add(slug)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files.append(OutputFile(path.relative_to(out).as_posix(), path.read_bytes()))
    return files, frozenset(found)
