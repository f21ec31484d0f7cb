"""Lesson results cached by content, so unchanged lessons never run twice.

An entry is trusted only if the lesson's source, the environment (runner, Python, torch,
matplotlib, NumPy versions) and every file the run read from the lessons tree are unchanged.
Entries are written to a temporary name and renamed into place: a killed build leaves no
half-written entry behind. Every store reads and writes through load() and save(): a file
that is not a good entry, whatever is wrong with it, is a miss and is written again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import platform
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import __version__
from .model import Lesson, LessonResult

if TYPE_CHECKING:
    import jinja2
    import jinja2.bccache

CACHE_DIR = ".lessonpress-cache"
RUNNER_VERSION = "1"
CACHE_FORMAT = "3"  # bump when the header or an entry's shape (_Entry, _Page) changes
# The first bytes of every cache file: a file without them (garbage, a stray copy, an older
# format) is a miss before anything is unpickled.
_HEADER = f"lessonpress cache {CACHE_FORMAT}\n".encode()
_TEMP_NAME = re.compile(r"\.(\d+)\.tmp$")  # write_atomic's: the writer's pid
_STALE_TEMP_SECONDS = 600  # far longer than any write takes
_FOLDERS = ("lessons", "pages", "templates")  # the folders the stores keep their entries in
_GITIGNORE = b"# Written by lessonpress: this cache holds pickles and is never committed.\n*\n"
T = TypeVar("T")
V = TypeVar("V")
Types = type | tuple[type, ...]


def package_version(name: str) -> str | None:
    """The installed version of a distribution, read from its dist-info folder name.

    importlib.metadata would do, but importing it costs more than a whole no-change rebuild
    may spend; the folder name (PEP 376/427) carries the same version. Names compare as
    PEP 503 normalizes them: "PyYAML" finds pyyaml-6.0.4.dist-info.
    """
    found = _installed(tuple((entry, _mtime(entry or ".")) for entry in sys.path)).get(_normalized(name))
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=4)
def _installed(folders: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """Distribution versions by normalized name, first on sys.path first. Keyed by the
    folders' mtimes, which change when a package is installed or removed."""
    versions: dict[str, str] = {}
    for entry, _ in folders:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                distribution, _, version = folder.removesuffix(".dist-info").partition("-")
                versions.setdefault(_normalized(distribution), version)
    return versions


def _mtime(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1


def _normalized(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def environment_key() -> str:
    """What, besides the lesson's own files, decides what a lesson prints and plots."""
    # runner.py runs the lesson; execute.py decides how (threads, timeouts, output limit);
    # model.py is the shape of the cached results.
    code = b"".join(
        (Path(__file__).parent / name).read_bytes() for name in ("runner.py", "execute.py", "model.py")
    )
    parts = [RUNNER_VERSION, CACHE_FORMAT, _sha(code), __version__, sys.version, platform.machine()]
    for package in ("torch", "matplotlib", "numpy"):
        parts.append(f"{package}=={package_version(package)}")
    return _sha("\n".join(parts).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(*parts: object) -> str:
    """sha256 over parts: bytes and str as they are, anything else by its pickle."""
    h = hashlib.sha256()
    for part in parts:
        data = (
            part
            if isinstance(part, bytes)
            else part.encode()
            if isinstance(part, str)
            else pickle.dumps(part, protocol=4)
        )
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_key() -> str:
    """The lessonpress code itself: a change to the engine invalidates parsed and rendered pages."""
    folder = Path(__file__).parent
    return digest(__version__, *((p.name, p.read_bytes()) for p in sorted(folder.glob("*.py"))))


def load(path: Path | None, kind: type[T], values: Types = object) -> T | None:
    """The `kind` that save() pickled at `path` (if a dict, with all values `values`), or None.

    Anything else is a miss, never an error: a missing or unreadable file, a folder, a file
    without the header, a damaged pickle, an object of another type. The header keeps out
    what lessonpress did not write, not an attacker: unpickling runs code, so the cache
    folder is trusted like the lessons are (see README).
    """
    if path is None:
        return None
    try:
        data = path.read_bytes()
        found = pickle.loads(data[len(_HEADER) :]) if data.startswith(_HEADER) else None
    except Exception:  # a damaged pickle can raise nearly anything, and is only a miss
        return None
    if not isinstance(found, kind):
        return None
    if isinstance(found, dict) and not all(isinstance(value, values) for value in found.values()):
        return None
    return found


def save(path: Path | None, value: object) -> None:
    """Pickle `value` to `path` for load(), atomically, replacing whatever is there.

    A cache that cannot be written only costs time: open_cache() has said so, once.
    """
    if path is None:
        return
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # a damaged entry: a folder where the file belongs
        write_atomic(path, _HEADER + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def open_cache(root: Path) -> str | None:
    """Make `root`'s cache folder ready for a build: created, kept out of git, rid of what
    killed writes left. Return why it cannot be used (the build goes without it), or None."""
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        return _unusable(
            folder, "is a file, not a folder" if folder.exists() else f"cannot be made ({exc.strerror})"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        return _unusable(folder, "is not writable")
    with contextlib.suppress(OSError):
        if not os.path.lexists(folder / ".gitignore"):
            write_atomic(folder / ".gitignore", _GITIGNORE)
        for name in _FOLDERS:
            if (folder / name).is_file():  # damaged: a file where the entries' folder belongs
                (folder / name).unlink()
    _remove_stale_temp_files(folder)
    return None


def _unusable(folder: Path, why: str) -> str:
    return (
        f"{folder} {why}: building without the cache, so every lesson runs "
        "(remove it, or make it a writable folder, to cache results again)"
    )


def _remove_stale_temp_files(folder: Path) -> None:
    """Remove the temp files killed writes left: their writer is gone, or they are older
    than any write takes. Another live build of this project (another --out) may be
    writing the others."""
    oldest = time.time() - _STALE_TEMP_SECONDS
    for dirpath, _, names in os.walk(folder):
        for name in (n for n in names if n.endswith(".tmp")):
            writer = _TEMP_NAME.search(name)
            path = Path(dirpath, name)
            with contextlib.suppress(OSError):
                if (writer and not _alive(int(writer.group(1)))) or path.lstat().st_mtime < oldest:
                    path.unlink()


def _alive(pid: int) -> bool:
    if not 0 < pid < 2**31:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def template_cache(folder: Path) -> jinja2.BytecodeCache:
    """Jinja's compiled templates in `folder`, stored through load() and save() like every
    other entry (Jinja's own FileSystemBytecodeCache raises on some damaged files)."""
    import jinja2

    class TemplateCache(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = load(folder / f"{bucket.key}.pickle", bytes)
            try:  # Jinja checks its own and Python's versions, and raises on damaged data
                if data is not None:
                    bucket.bytecode_from_string(data)
            except Exception:
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            save(folder / f"{bucket.key}.pickle", bucket.bytecode_to_string())

    return TemplateCache()


@dataclass(frozen=True)
class _Page:
    key: str
    files: Any


class PageCache:
    """Rendered files per page, reused while the page's key (all its inputs) is unchanged."""

    def __init__(self, root: Path | None, enabled: bool = True) -> None:
        from .links import Links

        self.folder = root / CACHE_DIR / "pages" if root is not None and enabled else None
        self.code_key = code_key()
        folder = root / CACHE_DIR if root is not None and enabled else None
        self.highlights: TextMemo[str] = TextMemo(
            folder / "highlighted.pickle" if folder else None, f"pygments {package_version('pygments')}", str
        )
        self.formulas: TextMemo[str] = TextMemo(
            folder / "mathml.pickle" if folder else None,
            f"latex2mathml {package_version('latex2mathml')}, text escaped, checked, links checked, no style",
            str,
        )
        self.yaml: TextMemo[Any] = TextMemo(
            folder / "yaml.pickle" if folder else None, f"pyyaml {package_version('PyYAML')}"
        )
        self.link_scans: PageMemo[Any] = PageMemo(
            folder / "links.pickle" if folder else None, self.code_key, Links
        )
        self.search_pages: PageMemo[bytes | None] = PageMemo(
            folder / "search-pages.pickle" if folder else None, self.code_key, (bytes, type(None))
        )

    def save_memos(self) -> None:
        """Write the highlighting, MathML and YAML memos, if they learned anything."""
        self.highlights.save()
        self.formulas.save()
        self.yaml.save()

    def get_or_make(self, name: str, key: str, make):  # type: ignore[no-untyped-def]
        """The cached files for `name` if `key` matches, else `make()` (then cached)."""
        path = self.folder / f"{name}.pickle" if self.folder else None
        stored = load(path, _Page)
        if stored is not None and stored.key == key:
            return stored.files
        files = make()
        save(path, _Page(key, files))
        return files


class TextMemo(Generic[V]):
    """A persistent memo of a pure text function (LaTeX -> MathML, code -> HTML, YAML -> data).

    Loaded on first use only, so a build that renders nothing never reads it.
    """

    def __init__(self, path: Path | None, version: str, values: Types = object) -> None:
        self.path = path
        self.version = version
        self.values = values  # the type of every remembered result
        self._data: dict[str, V] | None = None
        self._dirty = False

    def _entries(self) -> dict[str, V]:
        if self._data is None:
            self._data = load(self.path, dict, self.values) or {}
        return self._data

    def get(self, text: str, make: Callable[[], V]) -> V:
        """`make()`, or its remembered result for the same `text` and library version."""
        key = digest(self.version, text)
        entries = self._entries()
        if key not in entries:
            entries[key] = make()
            self._dirty = True
        return entries[key]

    def save(self) -> None:
        if self._dirty and self._data is not None:
            save(self.path, self._data)
            self._dirty = False


class PageMemo(Generic[T]):
    """A persistent memo of a pure function of one page's bytes (the links and ids it holds).

    It keeps only the pages asked for by the last build that used it, so it never grows
    beyond one site's worth of entries however many edits are made.
    """

    def __init__(self, path: Path | None, version: str, values: Types = object) -> None:
        self.path = path
        self.version = version
        self.values = values  # the type of every remembered result
        self._old: dict[str, T] | None = None
        self._used: dict[str, T] = {}

    def get(self, data: bytes, make: Callable[[bytes], T]) -> T:
        """`make(data)`, or its remembered result for the same bytes and version."""
        if self._old is None:
            self._old = load(self.path, dict, self.values) or {}
        key = digest(self.version, data)
        if key not in self._used:
            self._used[key] = self._old[key] if key in self._old else make(data)
        return self._used[key]

    def save(self) -> None:
        if self._old is not None and self._used.keys() != self._old.keys():
            save(self.path, self._used)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name, then rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # open_cache() knows this name
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():  # the write or the rename failed: leave no temp file behind
            tmp.unlink()


@dataclass(frozen=True)
class _Entry:
    key: str
    result: LessonResult
    digest: str  # of the result, so pages can key on it without pickling it again


class LessonCache:
    """One entry per lesson: its last result, valid while its inputs are unchanged."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.folder = root / CACHE_DIR / "lessons"
        self.enabled = enabled
        self.env_key = environment_key()

    def key(self, lesson: Lesson) -> str:
        """The part of the key known before running: environment and source."""
        return _sha(f"{self.env_key}\n{lesson.src_path}\n{lesson.source}".encode())

    def _path(self, lesson_path: str) -> Path:
        return self.folder / (_sha(lesson_path.encode())[:24] + ".pickle")

    def _load(self, lesson_path: str) -> _Entry | None:
        return load(self._path(lesson_path), _Entry)

    def lookup(self, lesson: Lesson) -> tuple[LessonResult, str] | None:
        """The cached result and its digest, if the lesson and everything it read are unchanged."""
        if not self.enabled:
            return None
        entry = self._load(lesson.src_path)
        if entry is None or entry.key != self.key(lesson):
            return None
        if any(self.file_hash(path) != digest for path, digest in entry.result.reads):
            return None
        return entry.result, entry.digest

    def file_hash(self, src_path: str) -> str:
        """sha256 of a project file, or 'missing'."""
        try:
            return _sha((self.root / src_path).read_bytes())
        except OSError:
            return "missing"

    def last_seconds(self, lesson_path: str) -> float | None:
        """How long the lesson took last time (for scheduling the longest first)."""
        entry = self._load(lesson_path)
        return entry.result.seconds if entry else None

    def store(self, lesson: Lesson, result: LessonResult) -> str:
        """Save a run atomically, unless it failed (crashed, timed out, raised where it should
        not): a failure is run again next time, since what it tripped over may be outside
        what the key can see (a file restored after it was missing). Return its digest."""
        result_digest = digest(result)
        if self.enabled and not result.failed:
            save(self._path(lesson.src_path), _Entry(self.key(lesson), result, result_digest))
        return result_digest
