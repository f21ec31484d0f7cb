"""Issue 12: `--out`, publishing and the environment never cost the author a file.

lessonpress replaces only a folder it wrote itself (it carries `.lessonpress-site`), an
empty one or a missing one; every check runs before the swap; a full disk or a read-only
folder is a plain error (exit 2) that leaves no temporary folder behind.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from .safety import Built, CACHE, build_args, built, cli, copy_built, fails_safely, tree

MARKER = ".lessonpress-site"

# Faults injected at the OS boundary of the lessonpress process (tests may run as root,
# where a read-only folder does not stop writes, and no tiny disk can be mounted).
FAULTS = """
import builtins, errno, io, os, pathlib, re, resource

_deny = os.environ.get("LESSONPRESS_TEST_DENY")  # "ERRNO:folder": no new entry in folder
if _deny:
    _code, _folder = _deny.split(":", 1)
    _mkdir, _open = os.mkdir, builtins.open

    def _check(path):
        path = os.path.abspath(os.fsdecode(path))
        if os.path.dirname(path) == _folder and not os.path.lexists(path):
            number = getattr(errno, _code)
            raise OSError(number, os.strerror(number), path)

    def mkdir(path, *args, **kwargs):
        _check(path)
        return _mkdir(path, *args, **kwargs)

    def open_(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+"):
            _check(file)
        return _open(file, mode, *args, **kwargs)

    os.mkdir, builtins.open = mkdir, open_

_fail = os.environ.get("LESSONPRESS_TEST_WRITE_ERROR")  # "ERRNO:regex": writing those paths fails
if _fail:
    _code, _pattern = _fail.split(":", 1)
    _write_bytes = pathlib.Path.write_bytes

    def write_bytes(self, data):
        if re.search(_pattern, str(self)):
            with io.open(self, "wb") as handle:  # half written, as a full disk leaves it
                handle.write(data[: len(data) // 2])
            number = getattr(errno, _code)
            raise OSError(number, os.strerror(number))  # a failed write() names no file
        return _write_bytes(self, data)

    pathlib.Path.write_bytes = write_bytes

if os.environ.get("LESSONPRESS_TEST_FSIZE"):  # a real limit: writes past it fail with EFBIG
    _size = int(os.environ["LESSONPRESS_TEST_FSIZE"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (_size, _size))
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return built(tmp_path_factory.mktemp("base"))


@pytest.fixture
def case(base: Built, tmp_path: Path) -> Built:
    """A fresh copy of the built minimal project, its cache and its site."""
    return copy_built(base, tmp_path / "world")


@pytest.fixture
def faults(tmp_path: Path) -> dict[str, str]:
    """The environment that loads FAULTS into lessonpress (set the LESSONPRESS_TEST_* too)."""
    folder = tmp_path / "faults"  # outside the world fails_safely watches
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(FAULTS)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def edit_post(case: Built, text: str) -> int:
    """Append `text` to the post; return the line it starts on."""
    path = case.root / "posts" / "p.md"
    before = path.read_text()
    path.write_text(before + "\n" + text + "\n")
    return before.count("\n") + 2


def refused_from(case: Built, cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run the CLI in `cwd` (for relative and `~` paths); assert exit 2 and that nothing changed."""
    skip = (case.root / CACHE,)
    site, world = tree(case.out), tree(case.world, skip)
    result = cli(*args, env=env, cwd=cwd, timeout=60)
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert tree(case.out) == site and tree(case.world, skip) == world, "something changed"
    return result.stderr


# 1. --out replaces only a folder lessonpress wrote, an empty one or a missing one


def test_a_folder_of_other_files_is_refused_and_kept(case: Built) -> None:
    folder = case.world / "v"
    (folder / "Documents").mkdir(parents=True)
    (folder / "Documents" / "t.txt").write_text("thesis\n")
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (folder / name).write_text(name)
    result = fails_safely(case, *build_args(case, folder), code=2, message=f"--out {folder} ")
    assert "Documents/, a.txt, b.txt and 2 more" in result.stderr, result.stderr
    assert "choose another folder" in result.stderr and "empty it yourself" in result.stderr


def test_files_added_to_a_published_site_are_refused_and_kept(case: Built) -> None:
    (case.out / "CNAME").write_text("example.com\n")
    (case.out / "posts" / "notes").mkdir()
    (case.out / "posts" / "notes" / "draft.txt").write_text("mine\n")
    result = fails_safely(
        case, *build_args(case), code=2, message=f"--out {case.out} is a site lessonpress built"
    )
    assert "CNAME" in result.stderr and "posts/notes/" in result.stderr, result.stderr
    for added in (case.out / "CNAME", case.out / "posts" / "notes"):
        shutil.rmtree(added) if added.is_dir() else added.unlink()
    edit_post(case, "A change.")
    result = cli(*build_args(case))
    assert result.returncode == 0, result.stderr  # what lessonpress wrote, search index included, is its own


def test_a_relative_out_and_a_tilde_follow_the_same_rule(case: Built) -> None:
    home = case.world / "home"
    (home / ".bashrc").parent.mkdir()
    (home / ".bashrc").write_text("alias ll='ls -l'\n")
    stderr = refused_from(case, case.world, *build_args(case, "~"), env={"HOME": str(home)})
    assert f"--out {home} " in stderr and ".bashrc" in stderr, stderr
    stderr = refused_from(
        case, case.world, "build", "--root", str(case.root), "--out=~/", env={"HOME": str(home)}
    )
    assert ".bashrc" in stderr, stderr
    (case.world / "notes").mkdir()
    (case.world / "notes" / "n.md").write_text("mine\n")
    stderr = refused_from(case, case.world, *build_args(case, "notes"))
    assert "n.md" in stderr, stderr


def test_a_link_to_a_folder_of_other_files_is_refused(case: Built) -> None:
    (case.world / "data").mkdir()
    (case.world / "data" / "keep.csv").write_text("1,2\n")
    (case.world / "link").symlink_to(case.world / "data")
    result = fails_safely(case, *build_args(case, case.world / "link"), code=2, message="keep.csv")
    assert str(case.world / "data") in result.stderr, "the message names the folder the link leads to"


@pytest.mark.parametrize("kind", ["file", "link to a file"])
def test_a_file_at_out_is_refused(case: Built, kind: str) -> None:
    target = case.world / "file.txt"
    target.write_text("mine\n")
    if kind == "link to a file":
        (case.world / "link").symlink_to(target)
        target = case.world / "link"
    fails_safely(case, *build_args(case, target), code=2, message=target.name)


def test_a_fifo_at_out_is_refused(case: Built, tmp_path: Path) -> None:
    fifo = tmp_path / "elsewhere" / "thing"  # outside the world: reading it would block
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    fails_safely(case, *build_args(case, fifo), code=2, message=f"--out {fifo} is not a folder", timeout=60)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and os.listdir(fifo.parent) == ["thing"]


def test_a_file_on_the_way_to_out_is_refused(case: Built) -> None:
    (case.world / "file.txt").write_text("mine\n")
    fails_safely(case, *build_args(case, case.world / "file.txt" / "site"), code=2, message="file.txt")


def test_sites_carry_the_marker_and_an_empty_folder_may_be_used(case: Built) -> None:
    assert (case.out / MARKER).is_file(), "every published site carries the marker"
    assert "lessonpress" in (case.out / MARKER).read_text()
    empty = case.world / "empty"
    empty.mkdir()
    result = cli(*build_args(case, empty))
    assert result.returncode == 0, result.stderr
    assert (empty / "index.html").is_file() and (empty / MARKER).is_file()
    again = cli(*build_args(case, empty))
    assert again.returncode == 0 and "0 files changed" in again.stderr, again.stderr


def test_a_site_of_an_earlier_version_without_marker_must_be_deleted_once(case: Built) -> None:
    (case.out / MARKER).unlink()
    fails_safely(case, *build_args(case), code=2, message="delete it once yourself")


def test_serve_follows_the_same_rule(case: Built) -> None:
    (case.world / "v").mkdir()
    (case.world / "v" / "t.txt").write_text("thesis\n")
    args = ("serve", "--root", str(case.root), "--out", str(case.world / "v"), "--port", "0")
    fails_safely(case, *args, code=2, message="t.txt", timeout=60)


def test_only_leftovers_lessonpress_made_are_removed(case: Built) -> None:
    foreign = case.world / ".site.new-mine"
    foreign.mkdir()
    (foreign / "draft.md").write_text("mine\n")
    killed = case.world / ".site.new-abc123"  # what a killed build leaves: a marked stage
    (killed / "posts").mkdir(parents=True)
    (killed / MARKER).write_text("a lessonpress site\n")
    (case.world / ".site.new-empty").mkdir()
    stale = case.world / ".site.search-stale"
    stale.write_text("my own notes\n")
    edit_post(case, "More words.")
    result = cli(*build_args(case))
    assert result.returncode == 0, result.stderr
    assert (foreign / "draft.md").read_text() == "mine\n"
    assert stale.read_text() == "my own notes\n"
    assert not killed.exists() and not (case.world / ".site.new-empty").exists()


# 2. every check runs before the swap


@pytest.mark.parametrize(
    "link",
    [
        '<a href="http://[fe80::1/docs">x</a>',
        '<img src="//[::1/x.png" alt="x">',
        '<a href="https://[abc]/">x</a>',
    ],
)
def test_an_invalid_url_fails_the_build_at_its_line(case: Built, link: str) -> None:
    line = edit_post(case, f"See {link} here.")
    message = f"posts/p.md:{line}: error: invalid URL"
    fails_safely(case, *build_args(case), code=1, message=message)
    fails_safely(case, *build_args(case), code=1, message=message)  # the cached check too
    fails_safely(case, "check", "--root", str(case.root), code=1, message=message)


@pytest.mark.parametrize(
    "text, shown",
    [
        (
            "![x](http://[fe80::1/x.png)",
            "http://[fe80::1/x.png",
        ),  # markdown would mangle it into another host
        ("[x]: http://[fe80::1/docs\n\nSee [x].", "http://[fe80::1/docs"),
        ("See <http://[fe80::1/>.", "http://[fe80::1/"),
        ("See [y](http://[::1]:99999/).", "Port out of range"),
        ('See <a href="http://example.com:port/">y</a>.', "a port is a number"),
        ('See <a href="http://exa\x01mple.com/">y</a>.', "control character"),
        ('<div><img src="http://[::1/' + "a" * 5000 + '.png"></div>', "(5016 characters)"),
    ],
    ids=[
        "markdown image",
        "reference definition",
        "autolink",
        "port",
        "port not a number",
        "control",
        "long",
    ],
)
def test_every_kind_of_invalid_url_fails_the_build_at_its_line(case: Built, text: str, shown: str) -> None:
    line = edit_post(case, text)
    result = fails_safely(case, *build_args(case), code=1, message=f"posts/p.md:{line}: error: invalid URL")
    assert shown in result.stderr and len(result.stderr) < 2000, result.stderr


def test_an_invalid_url_in_a_template_is_located_in_the_template(case: Built) -> None:
    theme = Path(__file__).resolve().parent.parent / "src/lessonpress/theme/base.html"
    text = theme.read_text().replace("</footer>", '<a href="http://[::1/x">x</a></footer>', 1)
    (case.root / "templates").mkdir()
    (case.root / "templates/base.html").write_text(text)
    line = text[: text.index("[::1/x")].count("\n") + 1
    result = fails_safely(
        case, *build_args(case), code=1, message=f"templates/base.html:{line}: error: invalid URL"
    )
    assert result.stderr.count("error: invalid URL") == 1, "one template line: one error, not one per page"


# 8. the environment: plain messages naming the path, exit 2, no temporary folder left


@pytest.mark.parametrize("code, text", [("EACCES", "Permission denied"), ("EROFS", "Read-only file system")])
@pytest.mark.parametrize("out_exists", [True, False])
def test_a_read_only_out_parent_is_an_environment_error(
    case: Built, faults: dict[str, str], code: str, text: str, out_exists: bool
) -> None:
    out = case.out if out_exists else case.world / "fresh" / "site"
    if not out_exists:
        out.parent.mkdir()
    env = {**faults, "LESSONPRESS_TEST_DENY": f"{code}:{out.parent}"}
    edit_post(case, "More words.")
    result = fails_safely(case, *build_args(case, out), code=2, message=text, env=env)
    assert str(out.parent) in result.stderr, result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders (simulated above)")
def test_a_really_read_only_out_parent_is_an_environment_error(case: Built) -> None:
    edit_post(case, "More words.")
    case.world.chmod(0o555)
    try:
        result = fails_safely(case, *build_args(case), code=2, message="Permission denied")
    finally:
        case.world.chmod(0o755)
    assert str(case.world) in result.stderr


@pytest.mark.parametrize(
    "where",
    [r"/\.site\.new-\w+-search-\w+/posts/", r"/\.site\.new-\w+/posts/p/index\.html$"],
    ids=["search documents", "staged site"],
)
@pytest.mark.parametrize("code", ["ENOSPC", "EDQUOT", "EFBIG"])
def test_a_full_disk_is_an_environment_error_and_leaves_no_temporary_folder(
    case: Built, faults: dict[str, str], where: str, code: str
) -> None:
    edit_post(case, "More words.")
    env = {**faults, "LESSONPRESS_TEST_WRITE_ERROR": f"{code}:{where}"}
    result = fails_safely(case, *build_args(case), code=2, env=env)
    assert re.search(rf"error: .*{re.escape(str(case.world))}/\.site\.new-", result.stderr), result.stderr
    assert "free some space" in result.stderr


def test_a_real_file_size_limit_is_an_environment_error(case: Built, faults: dict[str, str]) -> None:
    edit_post(case, "More words. " * 400)
    env = {**faults, "LESSONPRESS_TEST_FSIZE": "4000"}
    result = fails_safely(case, *build_args(case), code=2, message="File too large", env=env)
    assert "free some space" in result.stderr
    assert not list((case.root / CACHE).rglob("*.tmp")), "no half-written cache file is left"


def test_a_genuine_bug_is_still_an_internal_error(case: Built, faults: dict[str, str]) -> None:
    edit_post(case, "More words.")
    env = {**faults, "LESSONPRESS_TEST_WRITE_ERROR": r"EINVAL:/\.site\.new-\w+/posts/p/index\.html$"}
    result = fails_safely(case, *build_args(case), code=3, message="internal error", env=env)
    assert "lessonpress bug" in result.stderr


# GitHub annotations


def test_a_file_name_cannot_inject_a_workflow_command(case: Built) -> None:
    name = "a\n::warning file=x,line=1::injected.md"
    (case.root / "posts" / name).write_text("---\ntitle: [unclosed\n---\n")
    result = fails_safely(case, *build_args(case), code=1, env={"GITHUB_ACTIONS": "true"})
    commands = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("::")]
    assert len(commands) == 1, commands
    assert commands[0].startswith(
        "::error file=posts/a%0A%3A%3Awarning file=x%2Cline=1%3A%3Ainjected.md,line=1::"
    ), commands


# variants: what lies beside --out, and names the file system refuses


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_something_in_the_way_of_the_lock_file_is_an_environment_error(case: Built, kind: str) -> None:
    lock = case.world / ".site.lock"
    lock.unlink()
    if kind == "folder":
        (lock / "mine").mkdir(parents=True)
    else:
        lock.symlink_to(case.world / "nowhere" / "x")
    edit_post(case, "More words.")
    fails_safely(case, *build_args(case), code=2, message=f"{lock} is in the way")


@pytest.mark.parametrize("name", ["a" * 300, "/".join(["b" * 200] * 25)], ids=["long name", "long path"])
def test_an_out_too_long_for_the_file_system_is_an_environment_error(case: Built, name: str) -> None:
    fails_safely(case, *build_args(case, case.world / name), code=2, message="File name too long")


def test_leftovers_of_another_out_whose_name_a_pattern_would_match_are_kept(case: Built) -> None:
    other = case.world / ".site1.new-abc123"  # the stage of a build into site1, which may be running
    other.mkdir()
    (other / MARKER).write_text("a lessonpress site\n")
    result = cli(*build_args(case, case.world / "site[1]"))
    assert result.returncode == 0, result.stderr
    assert (other / MARKER).is_file(), "the pattern site[1] is no reason to remove .site1.new-*"
