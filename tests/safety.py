"""The bad-input harness: a build that fails must change nothing but its own cache.

Every case starts from a project that built, with its site published. `fails_safely` runs
the CLI on it and checks, besides the exit code and the message, that the published site
is byte-identical and that nothing else in the test's folder changed, apart from the
project's `.lessonpress-cache/` (the only other folder lessonpress owns).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .conftest import post, write_project

# One post showing one lesson, as the reproductions use.
MINIMAL = {
    "posts/p.md": post("P", body="```{lesson} l.py\n```\n"),
    "lessons/p/l.py": "x = 1; print(x)\n",
}

CACHE = ".lessonpress-cache"


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `lessonpress ARGS` in a fresh interpreter, as an author would."""
    return subprocess.run(
        [sys.executable, "-m", "lessonpress.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_ACTIONS": "", **(env or {})},
        timeout=timeout,
        cwd=cwd,
    )


def tree(folder: Path, skip: tuple[Path, ...] = ()) -> dict[str, str | bytes]:
    """Every entry under `folder`: file contents, link targets, and folders, by relative path."""
    entries: dict[str, str | bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in dirnames + filenames:
            path = here / name
            if path in skip:
                continue
            key = str(path.relative_to(folder))
            if path.is_symlink():
                entries[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                entries[key] = "dir"
            else:
                try:
                    entries[key] = path.read_bytes()
                except OSError as exc:  # unreadable on purpose in some cases
                    entries[key] = f"unreadable: {exc.errno}"
    return entries


@dataclass(frozen=True)
class Built:
    """A project that built, its published site, and the folder that holds both."""

    world: Path
    root: Path
    out: Path


def built(world: Path, files: dict[str, str | bytes] | None = None, out_name: str = "site") -> Built:
    """Write a project under `world` and build it into `world/out_name`."""
    root = write_project(world / "project", files or MINIMAL)
    out = world / out_name
    result = cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return Built(world, root, out)


def fails_safely(
    case: Built,
    *args: str,
    code: int,
    message: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    allowed: tuple[Path, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run the CLI on a built case; assert the exit code, the message and that nothing was lost.

    `args` come after the command (for example `"build", "--root", ...`). `allowed` names
    further paths a case may change itself (the fault it planted, say).
    """
    skip = (case.root / CACHE, *allowed)
    site_before = tree(case.out)
    world_before = tree(case.world, skip)
    result = cli(*args, env=env, timeout=timeout)
    assert result.returncode == code, f"exit {result.returncode}\n{result.stderr}"
    if message is not None:
        assert message in result.stderr, result.stderr
    if code != 3:
        # A lesson's own (trimmed) traceback may be part of the message; lessonpress's never is.
        assert "lessonpress/" not in result.stderr, result.stderr
        assert "internal error" not in result.stderr, result.stderr
    assert tree(case.out) == site_before, "the published site changed"
    assert tree(case.world, skip) == world_before, "something outside the cache changed"
    return result


def copy_project(case: Built, dest: Path) -> Path:
    """A copy of the case's project (without its site), for cases that edit sources."""
    shutil.copytree(case.root, dest, symlinks=True)
    return dest


def copy_built(case: Built, dest: Path) -> Built:
    """A copy of a whole built case (project, cache and site) at `dest`, for a test to spoil."""
    shutil.copytree(case.world, dest, symlinks=True)
    return Built(dest, dest / case.root.relative_to(case.world), dest / case.out.relative_to(case.world))


def build_args(case: Built, out: Path | str | None = None) -> tuple[str, ...]:
    """`build` of the case's project into its site (or into `out`)."""
    return ("build", "--root", str(case.root), "--out", str(case.out if out is None else out))


def misuse_fails(case: Built, dest: Path, path: str, text: str) -> str:
    """Copy the built case to `dest`, write `text` into its `path` (a post), and check that the
    build fails with exit 1 and loses nothing; its error output."""
    copy = copy_built(case, dest)
    (copy.root / path).write_text(text, encoding="utf-8")
    return fails_safely(copy, *build_args(copy), code=1).stderr

