"""The output folder: which folder `--out` may name, and lessonpress's mark on what it wrote.

Publishing replaces the whole folder, so lessonpress replaces only a folder it wrote itself
(it holds SITE_MARKER), an empty one, or nothing yet; its scratch folders carry the same
mark, so that only they are ever removed as leftovers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import UsageError

# In every site lessonpress publishes, and in its scratch folders beside it: what it may replace.
SITE_MARKER = ".lessonpress-site"
EXPORT_MARKER = ".lessonpress-export"  # also in a Markdown export, naming its format (write/export.py)

MARKER_TEXT = (
    b"This folder is a site published by lessonpress. Every build replaces it as a whole:\n"
    b"keep no other files here. lessonpress replaces only folders that hold this file.\n"
)

# Where the marker's list of what lessonpress wrote starts, and the folders of a site it
# owns whole (Pagefind's index changes its file names with every update, also under serve).
_LISTING = b"\nFiles it wrote (besides pagefind/):\n"
_OWN_FOLDERS = ("pagefind/",)

# The author's work (and lessonpress's cache): never a place to publish into.
_SOURCE_FOLDERS = ("posts", "lessons", "templates", ".lessonpress-cache", ".git")


def check_output_folder(root: Path, out: Path, export: bool = False) -> None:
    """Refuse an --out whose replacement would destroy the author's work.

    Publishing replaces the whole folder, so it must never be the project itself, a folder
    above it, or anything that looks like a project or a repository; and it must be a site
    lessonpress published (it holds SITE_MARKER), an empty folder, or nothing yet. Unless
    `export` (write/export.py judges exports), a Markdown export is refused too: a site
    never replaces one.
    """
    project, target = root.resolve(), resolve_out(out)
    own = "choose a folder of its own" + ("" if export else ", such as site/")  # (exports: export-gfm/...)
    if not export and (target / EXPORT_MARKER).is_file() and is_site(target):
        raise UsageError(
            f"--out {out} holds a Markdown export (`lessonpress export` wrote it), which publishing "
            f"a site would replace as a whole; {own}"
        )
    if target == project or target in project.parents:
        raise UsageError(
            f"--out {out} would replace the project folder {root}; {own}"
        )
    for source in _SOURCE_FOLDERS:
        folder = project / source
        if target == folder or folder in target.parents:
            raise UsageError(
                f"--out {out} is inside the project's {source}/ folder, and publishing replaces "
                f"the whole folder; {own}"
            )
    for marker in ("lessons", ".git", "site.yaml", "pyproject.toml"):  # (a site has posts/ too)
        if (target / marker).exists():
            raise UsageError(
                f"--out {out} holds {marker}: it looks like a project, and publishing "
                f"replaces the whole folder; {own}"
            )
    check_replaceable(target)


def resolve_out(out: Path) -> Path:
    """The real path `--out` names: `~` expanded, relative to here, symlinks followed."""
    try:
        return out.expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
        raise UsageError(f"--out {out} cannot be followed to a folder: {exc}") from None


def check_replaceable(target: Path) -> None:
    """Publishing replaces `target` whole: allow only a site lessonpress wrote, an empty folder or nothing."""
    for folder in (target, *target.parents):
        if os.path.lexists(folder) and not folder.is_dir():
            raise UsageError(
                f"--out {target} is not a folder"
                + ("" if folder == target else f": {folder} is a file")
                + "; choose a folder for the site, such as site/"
            )
    if not target.is_dir():
        return
    if is_site(target):
        foreign = foreign_files(target)
        if foreign:
            raise UsageError(_added(target, foreign))
        return
    entries = sorted(os.listdir(target))
    if entries:
        raise UsageError(_not_ours(target, entries))


def marker_text(dest_paths: list[str]) -> bytes:
    """The marker of a site holding `dest_paths` (besides its search index): the list of
    what lessonpress wrote, so that a file someone added later is never replaced unseen."""
    listed = sorted(path for path in dest_paths if not path.startswith(_OWN_FOLDERS))
    return MARKER_TEXT + _LISTING + "".join(f"{path}\n" for path in listed).encode()


def foreign_files(site: Path) -> list[str]:
    """What is in a marked site that lessonpress did not write there (a CNAME added by hand):
    files and folders its marker does not list, outside the search index lessonpress owns."""
    listing = (site / SITE_MARKER).read_bytes().partition(_LISTING)[2]
    if not listing:
        return []  # a scratch folder's mark lists nothing
    wrote = set(listing.decode(errors="replace").splitlines())
    folders = {path.rsplit("/", 1)[0] for path in wrote if "/" in path}
    folders |= {f.rsplit("/", i)[0] for f in folders for i in range(1, f.count("/") + 1)}
    foreign = []
    for dirpath, dirnames, filenames in os.walk(site):
        here = Path(dirpath).relative_to(site).as_posix()
        prefix = "" if here == "." else here + "/"
        for name in sorted(dirnames):
            if (prefix + name) not in folders and (prefix or name + "/" not in _OWN_FOLDERS):
                foreign.append(prefix + name + "/")
        dirnames[:] = [d for d in dirnames if prefix + d in folders]
        foreign += [
            prefix + f for f in sorted(filenames) if prefix + f not in wrote and prefix + f != SITE_MARKER
        ]
    return foreign


def _added(target: Path, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    return (
        f"--out {target} is a site lessonpress built, but someone added {shown} to it, and "
        "publishing replaces the whole folder: move what you added elsewhere (lessonpress "
        "publishes only what it builds), or choose another folder for --out"
    )


def _not_ours(target: Path, entries: list[str]) -> str:
    """Why lessonpress will not replace `target`, and what the author can do."""
    names = [name + ("/" if (target / name).is_dir() else "") for name in entries[:3]]
    shown = ", ".join(names) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")
    if (target / "index.html").is_file() and (target / "feed.xml").is_file():
        how = (
            "if it is a site built by an earlier lessonpress (which did not mark its sites "
            f"with {SITE_MARKER}), delete it once yourself and build again; otherwise "
        )
    else:
        how = ""
    return (
        f"--out {target} is not empty ({shown}) and was not written by lessonpress, which "
        f"replaces the whole folder: {how}choose another folder for --out, or empty it yourself"
    )


def is_site(folder: Path) -> bool:
    """Whether `folder` is lessonpress's to replace: a site (or a scratch folder) it wrote."""
    marker = folder / SITE_MARKER
    return not folder.is_symlink() and marker.is_file() and not marker.is_symlink()


def remove_ours(folder: Path) -> None:
    """Delete a folder lessonpress made (it holds the marker) or an empty one; leave anything else."""
    if is_site(folder):
        shutil.rmtree(folder, ignore_errors=True)
    elif folder.is_dir() and not folder.is_symlink():
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty


def scratch(parent: Path, prefix: str, previous: Path | None = None, marker: bytes = MARKER_TEXT) -> Path:
    """A new temporary folder in `parent`, marked at once (with `marker`), so that only
    lessonpress's own folders are ever removed as leftovers. The marker is linked from
    `previous` (a site) where it is the same, so that it keeps its mtime like every
    unchanged file."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as exc:  # name the folder that refused, not the random name it refused
        raise OSError(exc.errno, exc.strerror, str(parent)) from None
    try:
        if previous is not None and is_site(previous) and same_content(previous / SITE_MARKER, marker):
            os.link(previous / SITE_MARKER, folder / SITE_MARKER)
        else:
            write_file(folder / SITE_MARKER, marker)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # just made: certainly ours
        raise
    return folder


def write_file(path: Path, data: bytes) -> None:
    """Write a file; an error names it (a failed write() names no file by itself)."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


def same_content(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
