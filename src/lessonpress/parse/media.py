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
from .blocks import container_end
from .labels import LABEL, label_message

FIGURE_OPTIONS = ("alt", "width", "name")
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
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
    """A ```{figure} file``` fence (or `:::{figure}` block): options, then the caption."""
    argument = token.info.strip().removeprefix("{figure}").strip()
    if not argument:
        raise ContentError.at(post.src_path, line, "{figure} needs a file name: {figure} diagram.svg")
    options: dict[str, str] = {}
    lines = token.content.splitlines()
    offset = 0
    while offset < len(lines) and (match := _OPTION.match(lines[offset].strip())):
        key, value = match.group(1), match.group(2).strip()
        _check_option(post.src_path, line + offset + 1, key, value)
        options[key] = value
        offset += 1
    if not options.get("alt"):
        raise ContentError.at(
            post.src_path, line, f"{{figure}} {argument} has no alt text: add ':alt: what it shows'"
        )
    if _remote(argument):
        raise ContentError.at(post.src_path, line, "{figure} shows a file beside the post, not a URL")
    path = media_path(post, unquote(argument), line)
    caption = " ".join(text.strip() for text in lines[offset:] if text.strip())
    width = _WIDTH.match(options.get("width", ""))
    size = (width.group(1) + ("%" if width.group(2) == "%" else "")) if width else ""
    return Image(path, options["alt"], line, True, size, caption, options.get("name", ""))


def _check_option(src_path: str, line: int, key: str, value: str) -> None:
    if key not in FIGURE_OPTIONS:
        raise ContentError.at(
            src_path, line, f"unknown option :{key}: for {{figure}}; known: {', '.join(FIGURE_OPTIONS)}"
        )
    if key == "width" and not _WIDTH.match(value):
        raise ContentError.at(
            src_path, line, f":width: must be pixels (300) or a percentage (50%), got {value!r}"
        )
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


def fold_figures(state: Any) -> None:
    """Each `:::{figure}` block as the ```{figure}``` fence it stands for: its lines, as
    written, are the fence's content (options, then the caption)."""
    from markdown_it.token import Token

    lines, out, index = state.src.splitlines(), [], 0
    tokens = state.tokens
    while index < len(tokens):
        token = tokens[index]
        if token.type != "container_figure_open":
            out.append(token)
            index += 1
            continue
        end = container_end(tokens, index, "figure")
        start, stop = token.map or (0, 0)
        content = "".join(text + "\n" for text in lines[start + 1 : stop])
        fence = Token("fence", "code", 0, info=token.info, content=content, markup=":::", block=True)
        fence.map = [start, stop + 1 if end < len(tokens) else stop]  # closed: its `:::` line too
        out.append(fence)
        index = end + 1
    state.tokens = out
