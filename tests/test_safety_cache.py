"""Issue 12, the cache: a damaged or unusable cache costs time, never the build.

Every file under `.lessonpress-cache/` is damaged in every way a killed build, a full disk,
an old version or a stray copy can leave it; the build must still succeed with the same
site, and repair the entry. A cache folder lessonpress cannot use is one warning, and
`--no-cache` leaves no trace.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import post
from .safety import CACHE, MINIMAL, Built, built, cli, copy_project, fails_safely, tree

# MINIMAL, with a formula, so the MathML memo is written too.
FILES = {**MINIMAL, "posts/p.md": post("P", body="Math: $x^2$.\n\n```{lesson} l.py\n```\n")}
_PICKLE_START = pickle.PROTO + bytes([pickle.HIGHEST_PROTOCOL])
WRONG = ("wrong", "type")  # a value no store ever holds


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The project built once from an empty cache: its site is what every case must publish."""
    return built(tmp_path_factory.mktemp("clean"), FILES)


def _header(data: bytes) -> bytes:
    """What a cache file holds before its pickle (lessonpress's header, if it writes one)."""
    start = data.find(_PICKLE_START)
    return data[: max(start, 0)]


def _payload(path: Path) -> object:
    data = path.read_bytes()
    return pickle.loads(data[len(_header(data)) :])


def _wrong_values(path: Path) -> None:
    """A dict under the real keys (if the entry is a dict), each value of the wrong type."""
    found = _payload(path)
    keys = list(found) if isinstance(found, dict) else ["key", "result", "files"]
    path.write_bytes(pickle.dumps(dict.fromkeys(keys, WRONG)))


def _folder(path: Path) -> None:
    path.unlink()
    (path / "inside").mkdir(parents=True)


def _garbled(found: object) -> object:
    """`found` with the right outer types and garbage inside: every dataclass field an int,
    every pickle held as bytes (the parsed posts) garbled in turn."""
    if isinstance(found, dict):
        return {key: _garbled(value) for key, value in found.items()}
    if isinstance(found, bytes):
        try:
            return pickle.dumps(_garbled(pickle.loads(found)))
        except Exception:
            return b"5"
    if dataclasses.is_dataclass(found) and not isinstance(found, type):
        garbled = copy.copy(found)
        for number, item in enumerate(dataclasses.fields(found)):
            inner = getattr(found, item.name)
            object.__setattr__(garbled, item.name, _garbled(inner) if number == 1 else number)
        return garbled
    return 5


def _garbage_inside(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(_header(data) + pickle.dumps(_garbled(pickle.loads(data[len(_header(data)) :]))))


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _symlink_to_endless(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


# A pickle of a class in a module that does not exist (a class lessonpress no longer has).
_GONE_CLASS = pickle.PROTO + bytes([4]) + b"\x8c\x0fno_such_module_\x94\x8c\x04Gone\x94\x93\x94)\x81\x94."


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage bytes": lambda path: path.write_bytes(b"\x80\xff"),
    "a pickle of the wrong type": lambda path: path.write_bytes(pickle.dumps(WRONG)),
    "the right header, the wrong type": lambda path: path.write_bytes(
        _header(path.read_bytes()) + pickle.dumps(WRONG)
    ),
    "a truncated file": lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "an empty file": lambda path: path.write_bytes(b""),
    "a dict with wrong value types": _wrong_values,
    "a folder": _folder,
    "the right outer types, garbage inside": _garbage_inside,
    "the right header, an empty body": lambda path: path.write_bytes(_header(path.read_bytes())),
    "the right header, a class that no longer exists": lambda path: path.write_bytes(
        _header(path.read_bytes()) + _GONE_CLASS
    ),
    "a FIFO": _fifo,
    "a symlink to an endless file": _symlink_to_endless,
}


def _store_files(cache: Path) -> list[Path]:
    """Every file lessonpress reads back; one of each kind where a folder holds many alike."""
    files = sorted(p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore")
    one_of = ("lessons", "templates")  # entries alike but for their key
    return [p for p in files if p.parent.name not in one_of] + [
        next(p for p in files if p.parent.name == name) for name in one_of
    ]


def _damaged_copy(clean: Built, world: Path, target: str, damage: Callable[[Path], None]) -> Path:
    """A copy of the project whose cache has `target` damaged and nothing else that could
    spare lessonpress from reading it (every other entry but the lesson's is removed)."""
    root = copy_project(clean, world / "project")
    cache = root / CACHE
    for path in sorted(cache.rglob("*"), reverse=True):
        keep = path.is_dir() or path.parent.name == "lessons" or str(path.relative_to(cache)) == target
        if not keep:
            path.unlink()
    damage(cache / target)
    return root


@pytest.mark.parametrize("way", DAMAGE)
def test_a_damaged_cache_file_is_a_miss_and_is_repaired(clean: Built, tmp_path: Path, way: str) -> None:
    site = tree(clean.out)
    targets = [str(p.relative_to(clean.root / CACHE)) for p in _store_files(clean.root / CACHE)]
    assert {"lessons", "pages", "templates", "parsed.pickle", "mathml.pickle", "links.pickle"} <= {
        t.split("/")[0] for t in targets
    }
    for number, target in enumerate(targets):
        world = tmp_path / str(number)
        root = _damaged_copy(clean, world, target, DAMAGE[way])
        result = cli("build", "--root", str(root), "--out", str(world / "site"))
        assert result.returncode == 0, f"{target}: {result.stderr}"
        assert tree(world / "site") == site, f"{target}: the site differs from a clean build's"
        repaired = root / CACHE / target
        assert repaired.is_file() and _payload(repaired) != WRONG, f"{target} was not repaired"
        if target.startswith("lessons/"):  # it ran again: the next build finds it cached
            result = cli("build", "--root", str(root), "--out", str(world / "site"))
        assert result.returncode == 0 and "(0 lessons run, 1 cached" in result.stderr, result.stderr


@pytest.mark.parametrize("folder", ["lessons", "pages", "templates"])
def test_a_file_where_a_cache_folder_belongs_is_replaced(clean: Built, tmp_path: Path, folder: str) -> None:
    root = copy_project(clean, tmp_path / "project")
    shutil.rmtree(root / CACHE / folder)
    (root / CACHE / folder).write_bytes(b"\x80\xff")
    for _ in range(2):
        result = cli("build", "--root", str(root), "--out", str(tmp_path / "site"))
        assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "site") == tree(clean.out)
    assert "(0 lessons run, 1 cached" in result.stderr, result.stderr
    assert not (root / CACHE / folder).is_file()  # made again when next needed


def test_a_temp_file_of_a_killed_write_is_removed_but_not_a_live_ones(clean: Built, tmp_path: Path) -> None:
    root = copy_project(clean, tmp_path / "project")
    dead = _dead_pid()
    left = root / CACHE / "pages" / f"site.pickle.{dead}.tmp"
    left.write_bytes(b"half a pick")
    # Another build of the same project (another --out) is writing this one right now.
    live = root / CACHE / f"parsed.pickle.{os.getpid()}.tmp"
    live.write_bytes(b"being written")
    result = cli("build", "--root", str(root), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert not left.exists()
    assert live.read_bytes() == b"being written"


def _dead_pid() -> int:
    """A process id no process has now."""
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def _cache_is_a_file(root: Path) -> None:
    shutil.rmtree(root / CACHE)
    (root / CACHE).write_bytes(b"not a folder")


def _cache_is_read_only(root: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder anyway; the file case covers root")
    os.chmod(root / CACHE, 0o500)


@pytest.mark.parametrize("fault", [_cache_is_a_file, _cache_is_read_only], ids=["a file", "read-only"])
def test_an_unusable_cache_folder_is_one_warning_and_a_build_without_it(
    clean: Built, tmp_path: Path, fault: Callable[[Path], None]
) -> None:
    world = tmp_path / "world"
    shutil.copytree(clean.world, world, symlinks=True)
    case = Built(world, world / clean.root.name, world / clean.out.name)
    cache = case.root / CACHE
    fault(case.root)
    before = tree(cache) if cache.is_dir() else cache.read_bytes()
    try:
        args = ("build", "--root", str(case.root), "--out", str(case.out))
        result = fails_safely(case, *args, code=0, message=str(cache))
    finally:
        if cache.is_dir():
            os.chmod(cache, 0o700)
    assert result.stderr.count("warning:") == 1, result.stderr
    assert "building without the cache" in result.stderr, result.stderr
    assert (tree(cache) if cache.is_dir() else cache.read_bytes()) == before


@pytest.mark.parametrize("command", ["build", "check"])
def test_no_cache_creates_no_cache_folder(clean: Built, tmp_path: Path, command: str) -> None:
    root = copy_project(clean, tmp_path / "project")
    shutil.rmtree(root / CACHE)
    out = ("--out", str(tmp_path / "site")) if command == "build" else ()
    result = cli(command, "--no-cache", "--root", str(root), *out)
    assert result.returncode == 0, result.stderr
    assert not (root / CACHE).exists()


@pytest.mark.parametrize("command", ["build", "check"])
def test_no_cache_leaves_an_existing_cache_untouched(clean: Built, tmp_path: Path, command: str) -> None:
    root = copy_project(clean, tmp_path / "project")
    before = tree(root / CACHE)
    mtimes = {p: p.stat().st_mtime_ns for p in (root / CACHE).rglob("*")}
    time.sleep(0.01)
    out = ("--out", str(tmp_path / "site")) if command == "build" else ()
    result = cli(command, "--no-cache", "--root", str(root), *out)
    assert result.returncode == 0, result.stderr
    assert tree(root / CACHE) == before
    assert {p: p.stat().st_mtime_ns for p in (root / CACHE).rglob("*")} == mtimes


def test_the_cache_folder_keeps_itself_out_of_git(clean: Built) -> None:
    """Pickles run code when loaded: a cache must never travel in a commit."""
    assert (clean.root / CACHE / ".gitignore").read_text().splitlines()[-1] == "*"
