"""What a page is rendered from, as one frozen object, and the cache key derived from it.

A page is rendered only from its inputs object, and its key is a digest of every field of
that object, so a new input cannot be forgotten in the key: pages never go stale silently.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import platform
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..store import digest
from ..versions import package_version
from ..model import Lesson, LessonResult, ParsedPost, PostMeta, SiteConfig
from .media import MediaFile
from .refs import Resolved, resolve_refs, site_labels


@dataclass(frozen=True)
class SiteInfo(SiteConfig):
    """Site-wide template values: site.yaml's settings (`site.title`), and where and with what
    the pages were made: each a field of its own, none forwarded to the config unseen."""

    base_path: str = "/"  # the path part of base_url, for pages served at any URL (404)
    versions: str = ""  # of Python, torch, matplotlib and lessonpress, behind the outputs


def site_info(config: SiteConfig) -> SiteInfo:
    """Template values shared by every page."""
    parts = [f"Python {platform.python_version()}"]
    for package in ("torch", "matplotlib"):
        version = package_version(package)
        if version:
            parts.append(f"{package} {version.split('+')[0]}")
    parts.append(f"lessonpress {__version__}")
    settings = {f.name: getattr(config, f.name) for f in fields(config)}
    return SiteInfo(**settings, base_path=urlsplit(config.base_url).path or "/", versions=", ".join(parts))


@dataclass(frozen=True)
class Templates:
    """The template folders, the project's first, and a digest of every file in them."""

    dirs: tuple[Path, ...]
    files: str


def read_templates(dirs: tuple[Path, ...]) -> Templates:
    """The templates in `dirs`, read once a build."""
    return Templates(
        dirs, digest(*((str(p), p.read_bytes()) for d in dirs for p in sorted(d.rglob("*")) if p.is_file()))
    )


@dataclass(frozen=True)
class NavLink:
    """A link to another post: its title and URL relative to the current page."""

    title: str
    url: str
    series: str | None


@dataclass(frozen=True)
class Run:
    """A lesson a post shows and its result, which `digest` (the execution's) stands for in keys."""

    lesson: Lesson
    digest: str
    result: LessonResult = field(compare=False)


@dataclass(frozen=True)
class PageInputs:
    """Everything the page of one post is rendered from."""

    post: ParsedPost
    site: SiteInfo
    templates: Templates
    prev: NavLink | None
    next: NavLink | None
    runs: tuple[Run, ...]  # of the post's lessons, in ParsedPost.lesson_paths order
    refs: tuple[Resolved, ...] = ()  # its cross-references, with what they show of other posts
    media: tuple[MediaFile, ...] = ()  # the files its images show (render.media.read_media)


@dataclass(frozen=True)
class Listing:
    """A post as the site-wide pages list it."""

    slug: str
    meta: PostMeta


@dataclass(frozen=True)
class SiteInputs:
    """Everything the index, the feed, the sitemap, the 404 page and the assets are made from."""

    site: SiteInfo
    templates: Templates
    posts: tuple[Listing, ...]  # in series order


def series_key(post: ParsedPost) -> tuple[int, int, str]:
    """Sort key: series posts in outline order, then the rest by date and slug."""
    if post.meta.series:
        module, number = post.meta.series.split(".")
        return (int(module), int(number), post.source.slug)
    date = post.meta.date.isoformat() if post.meta.date else "9999"
    return (10**6, 0, date + post.source.slug)


def page_inputs(
    ordered: list[ParsedPost],
    results: dict[str, LessonResult],
    lessons: dict[str, Lesson],
    digests: dict[str, str],
    site: SiteInfo,
    templates: Templates,
    skip: frozenset[str] = frozenset(),
) -> list[PageInputs]:
    """The inputs of every post's page (`ordered` by series_key, for previous and next), but
    those of the posts whose slugs are in `skip` (they count as neighbours and targets)."""
    pages = []
    labels = site_labels(ordered)
    for index, post in enumerate(ordered):
        if post.source.slug in skip:
            continue
        runs = tuple(
            Run(lessons[p], digests.get(p) or digest(results[p]), results[p]) for p in post.lesson_paths
        )
        prev = _nav(ordered[index - 1]) if index > 0 else None
        next_ = _nav(ordered[index + 1]) if index + 1 < len(ordered) else None
        pages.append(PageInputs(post, site, templates, prev, next_, runs, resolve_refs(post, labels, results)))
    return pages


def _nav(post: ParsedPost) -> NavLink:
    return NavLink(post.meta.title, f"../{post.source.slug}/", post.meta.series)


def input_key(code_key: str, inputs: object) -> str:
    """The cache key of what `inputs` renders: a digest of the render code and of every
    field of `inputs`, recursively."""
    parts = [code_key.encode()]
    _add(parts, inputs)
    return hashlib.sha256(b"".join(parts)).hexdigest()


def _add(parts: list[bytes], value: Any) -> None:
    """Append `value` to `parts`, each piece tagged with its type and length (1 and '1' differ)."""
    kind: Any = type(value)
    if kind is tuple or kind is list:
        parts.append(b"\nsequence %d" % len(value))
        for element in value:
            _add(parts, element)
    elif kind is dict:
        _add(parts, list(value.items()))
    elif (names := _compared(kind)) is not None:
        parts.append(b"\ndataclass %s" % kind.__qualname__.encode())
        for name in names:
            _add(parts, getattr(value, name))
    elif kind in (str, bytes) or value is None or isinstance(value, (bool, int, float, dt.date, PurePath)):
        data = value if isinstance(value, bytes) else str(value).encode()
        parts += (b"\n%s %d\n" % (kind.__name__.encode(), len(data)), data)
    else:
        raise TypeError(f"a page input cannot be a {kind.__name__}: give it a case in _add")


@functools.cache
def _compared(kind: type) -> tuple[str, ...] | None:
    """The fields of the dataclass `kind` that make its key, or None if it is no dataclass.

    A field left out of equality (`compare=False`) is made from the fields that stay
    (ParsedPost.document from its source) or stood for by one (Run.result by its digest),
    so it is left out of the key too.
    """
    return tuple(f.name for f in fields(kind) if f.compare) if is_dataclass(kind) else None
