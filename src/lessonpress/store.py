"""The cache's ground floor: pickled entries by key in a folder, content-addressed and safe.

Every stage that caches keeps its entries in a Store under `.lessonpress-cache/`. Entries
are written to a temporary name and renamed into place: a killed build leaves no
half-written entry behind. A file that is not a good entry, whatever is wrong with it, is a
miss and is written again. A store without a folder (`--no-cache`) holds nothing and
writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

CACHE_DIR = ".lessonpress-cache"
CACHE_FORMAT = "5"  # bump when the header or an entry's shape (execute.cache._Entry, memos._Page) changes
# The first bytes of every cache file, then the sha256 of the pickle after them and a newline:
# a file without them (garbage, a stray copy, an older format) or whose pickle is not the one
# lessonpress wrote (truncated, edited, a well-typed object with garbage inside) is a miss
# before anything is unpickled.
_HEADER = f"lessonpress cache {CACHE_FORMAT} sha256=".encode()
_CHECKED = len(_HEADER) + 64 + 1  # the header, the hex digest, the newline
_SUFFIX = ".pickle"
# The folders of the stores that keep one entry per key (Store.sub): open_cache() repairs them.
FOLDERS = ("lessons", "pages", "templates")
_TEMP_NAME = re.compile(r"\.(\d+)\.tmp$")  # write_atomic's: the writer's pid
_STALE_TEMP_SECONDS = 600  # far longer than any write takes
_GITIGNORE = b"# Written by lessonpress: this cache holds pickles and is never committed.\n*\n"
T = TypeVar("T")
V = TypeVar("V")
Types = type | tuple[type, ...]


def sha256(data: bytes) -> str:
    """The hex sha256 of `data`."""
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


class Store:
    """Entries by key in one folder of the cache; with no folder, a store that keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def open(cls, root: Path | None, enabled: bool = True) -> Store:
        """The store at the top of `root`'s cache folder (none for `--no-cache`)."""
        return cls(root / CACHE_DIR if root is not None and enabled else None)

    def sub(self, name: str) -> Store:
        """The store in the subfolder `name` (one of FOLDERS, which open_cache() repairs)."""
        if name not in FOLDERS:
            raise ValueError(f"{name!r} is not one of the cache's folders {FOLDERS}")
        return Store(self.folder / name if self.folder is not None else None)

    def path(self, key: str) -> Path | None:
        """Where the entry for `key` lives, or None in a store that keeps nothing."""
        return self.folder / f"{key}{_SUFFIX}" if self.folder is not None else None

    def get(self, key: str, kind: type[T], values: Types = object) -> T | None:
        """The `kind` put under `key` (if a dict, with all values `values`), or None: a miss."""
        return load(self.path(key), kind, values)

    def put(self, key: str, value: object) -> None:
        """Keep `value` under `key`, atomically, replacing whatever is there."""
        save(self.path(key), value)

    def memo(self, key: str, values: Types = object, keep_unused: bool = True) -> Memo[Any]:
        """The dict kept in the one entry `key` (see Memo)."""
        return Memo(self, key, values, keep_unused)


class Memo(Generic[V]):
    """A dict kept in one entry of a store: read on first use, written only when it changed.

    One entry for many small values keeps a no-change rebuild to a handful of reads. With
    `keep_unused` False it keeps only what the last build asked for, so it never grows
    beyond one site's worth of values however many edits are made.
    """

    def __init__(self, store: Store, key: str, values: Types = object, keep_unused: bool = True) -> None:
        self.store = store
        self.key = key
        self.values = values  # the type of every remembered value
        self.keep_unused = keep_unused
        self._old: dict[str, V] | None = None  # as read
        self._new: dict[str, V] = {}  # as it will be written (the same dict if keep_unused)
        self._dirty = False

    @classmethod
    def at(cls, path: Path | None, values: Types = object, keep_unused: bool = True) -> Memo[V]:
        """The memo kept in the file `path` (`<folder>/<key>.pickle`), or one never kept if None."""
        if path is None:
            return cls(Store(None), "", values, keep_unused)
        if path.suffix != _SUFFIX:
            raise ValueError(f"a memo's file is named <key>{_SUFFIX}, not {path.name}")
        return cls(Store(path.parent), path.stem, values, keep_unused)

    def get(self, key: str, make: Callable[[], V]) -> V:
        """The value remembered under `key`, or `make()` (then remembered)."""
        if self._old is None:
            self._old = self.store.get(self.key, dict, self.values) or {}
            if self.keep_unused:
                self._new = self._old
        if key not in self._new:
            if key in self._old:
                self._new[key] = self._old[key]
            else:
                self._new[key] = make()
                self._dirty = True
        return self._new[key]

    def save(self) -> None:
        """Write the memo if this build changed it: learned a value, or dropped an unused one."""
        if self._old is not None and (self._dirty or self._new.keys() != self._old.keys()):
            self.store.put(self.key, self._new)
            self._dirty = False


def load(path: Path | None, kind: type[T], values: Types = object) -> T | None:
    """The `kind` that save() pickled at `path` (if a dict, with all values `values`), or None.

    Anything else is a miss, never an error: a missing or unreadable file, a folder, a file
    without the header, a damaged pickle, an object of another type. The header keeps out
    what lessonpress did not write, not an attacker: unpickling runs code, so the cache
    folder is trusted like the lessons are (see README).
    """
    body = _checked_body(read_entry(path)) if path is not None else None
    if body is None:
        return None
    try:
        found = pickle.loads(body)
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
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(path, _HEADER + sha256(body).encode() + b"\n" + body)


def read_entry(path: Path) -> bytes | None:
    """The bytes of the regular file at `path`, or None: missing, unreadable, or anything but a
    file (a symlink, which may lead to /dev/zero, a FIFO, which would block, a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _checked_body(data: bytes | None) -> bytes | None:
    """The pickle after the header, if the header is there and the pickle's digest matches it."""
    if data is None or not data.startswith(_HEADER) or data[_CHECKED - 1 : _CHECKED] != b"\n":
        return None
    body = data[_CHECKED:]
    return body if data[len(_HEADER) : _CHECKED - 1] == sha256(body).encode() else None


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
        for name in FOLDERS:
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


class TextMemo(Generic[V]):
    """A persistent memo of a pure text function (LaTeX -> MathML, code -> HTML, YAML -> data),
    kept in the file `path` (none: a memo of this build only).

    Loaded on first use only, so a build that renders nothing never reads it.
    """

    def __init__(self, path: Path | None, version: str, values: Types = object) -> None:
        self.version = version
        self._memo: Memo[V] = Memo.at(path, values)

    def get(self, text: str, make: Callable[[], V]) -> V:
        """`make()`, or its remembered result for the same `text` and library version."""
        return self._memo.get(digest(self.version, text), make)

    def save(self) -> None:
        self._memo.save()


class PageMemo(Generic[T]):
    """A persistent memo of a pure function of one page's bytes (the links and ids it holds).

    It keeps only the pages asked for by the last build that used it, so it never grows
    beyond one site's worth of entries however many edits are made.
    """

    def __init__(self, path: Path | None, version: str, values: Types = object) -> None:
        self.version = version
        self._memo: Memo[T] = Memo.at(path, values, keep_unused=False)

    def get(self, data: bytes, make: Callable[[bytes], T]) -> T:
        """`make(data)`, or its remembered result for the same bytes and version."""
        return self._memo.get(digest(self.version, data), lambda: make(data))

    def save(self) -> None:
        self._memo.save()
