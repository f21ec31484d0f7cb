"""Static images kept beside a post (`posts/<slug>/`): `![alt](file)` and the `{figure}`
directive. Parse records each reference (its path, alt text and line); render reads and
copies the file."""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ..document import Image
from ..errors import ContentError
from ..model import PostSource
from .labels import LABEL, label_message

# MyST's options; those that only style the figure in Sphinx (its class, its own width, a
# scale, a link target) are accepted, and the figure drawn as lessonpress draws figures.
FIGURE_OPTIONS = ("alt", "width", "name", "align", "height", "scale", "class", "figclass", "figwidth", "target")
ALIGNMENTS = ("left", "center", "right")
_WIDTH = re.compile(r"^([0-9]{1,5})(px|%)?$")


def parse_image(post: PostSource, token: Any, line: int) -> Image | None:
    """An inline `![alt](file)` beside the post; None for a remote image (left as written)."""
    src = str(token.attrs.get("src", ""))
    if _remote(src):
        return None
    path = media_path(post, unquote(src), line)
    alt = token.content.strip()
    if not alt:
        raise ContentError.at(
            post.src_path, line, f"image {src!r} has no alt text: write ![what it shows]({src})"
        )
    return Image(path, alt, line)


def parse_figure(post: PostSource, token: Any, line: int) -> Image:
    """A `{figure}` (figure_open, its options and caption read by fences.py) or an `{image}`."""
    figure = token.type == "figure_open"
    directive = "{figure}" if figure else "{image}"
    argument = token.info.strip()
    if not argument:
        raise ContentError.at(post.src_path, line, f"{directive} needs a file name: {directive} diagram.svg")
    options = {key: option.value for key, option in token.meta["options"].items()}
    for option in token.meta["options"].values():
        _check_option(post.src_path, option.line, directive, option.key, option.value)
    if not options.get("alt"):
        raise ContentError.at(
            post.src_path, line, f"{directive} {argument} has no alt text: add ':alt: what it shows'"
        )
    if _remote(argument):
        raise ContentError.at(post.src_path, line, f"{directive} shows a file beside the post, not a URL")
    path = media_path(post, unquote(argument), line)
    width = _WIDTH.match(options.get("width", ""))
    size = (width.group(1) + ("%" if width.group(2) == "%" else "")) if width else ""
    caption = token.meta.get("caption", "") if figure else ""
    align = options.get("align", "")
    return Image(path, options["alt"], line, figure, size, caption, options.get("name", ""), align=align)


def _check_option(src_path: str, line: int, directive: str, key: str, value: str) -> None:
    if key not in FIGURE_OPTIONS:
        known = ", ".join(f":{option}:" for option in FIGURE_OPTIONS)
        raise ContentError.at(src_path, line, f"unknown option :{key}: for {directive}; known: {known}")
    if key == "width" and not _WIDTH.match(value):
        raise ContentError.at(
            src_path, line, f":width: must be pixels (300) or a percentage (50%), got {value!r}"
        )
    if key == "align" and value not in ALIGNMENTS:
        raise ContentError.at(src_path, line, f":align: is one of {', '.join(ALIGNMENTS)}, got {value!r}")
    if key == "name" and not LABEL.match(value):
        raise ContentError.at(src_path, line, label_message(value))


def _remote(src: str) -> bool:
    """Whether `src` is a URL (not a file beside the post): one that does not even parse
    (`http://[fe80::1/x.png`) is left to the link check, which reports it at its line."""
    try:
        parts = urlsplit(src)
    except ValueError:
        return bool(_URL_START.match(src))
    return bool(parts.scheme or parts.netloc)


_URL_START = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def media_path(post: PostSource, target: str, line: int) -> str:
    """`target`, a file in `posts/<slug>/`, normalized; refusing one that leaves that folder."""
    folder = f"posts/{post.slug}/"
    if not target:
        raise ContentError.at(post.src_path, line, "an image needs a file name")
    if target.startswith(("/", "\\")) or "\\" in target or re.match(r"^[A-Za-z]:", target):
        raise ContentError.at(
            post.src_path,
            line,
            f"image path {target!r} must be relative to {folder}, with '/' between folders",
        )
    joined = posixpath.normpath(posixpath.join(folder, target))
    if not joined.startswith(folder):
        raise ContentError.at(post.src_path, line, f"image path {target!r} leaves the post's folder {folder}")
    return joined.removeprefix(folder)


def is_figure(params: str, *args: Any) -> bool:
    """Whether a `:::` line opens a figure (`:::{figure} diagram.svg`)."""
    return params.strip().startswith("{figure}")
