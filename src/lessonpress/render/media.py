"""Static images beside a post's page: `![alt](file)` and `{figure}`, read from the post's
folder (`posts/<slug>/`), drawn, and copied beside the page under the same relative path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import escape

from ..document import Image
from ..errors import ContentError, Problem
from ..model import ParsedPost


@dataclass(frozen=True)
class MediaFile:
    """A file beside the post, as the page's inputs hold it (its bytes are in the key)."""

    path: str  # relative to posts/<slug>/
    data: bytes


def read_media(root: Path, post: ParsedPost) -> tuple[MediaFile, ...]:
    """The files the post's images show, read from `posts/<slug>/`; a missing one is an error."""
    folder = root / "posts" / post.source.slug
    files: dict[str, MediaFile] = {}
    problems = []
    for image in post.images:
        path = folder / image.path
        try:
            files.setdefault(image.path, MediaFile(image.path, path.read_bytes()))
        except OSError:
            problems.append(
                Problem(
                    post.source.src_path,
                    image.line,
                    f"image file posts/{post.source.slug}/{image.path} not found",
                )
            )
    if problems:
        raise ContentError(problems)
    return tuple(files.values())


def clash_problems(post: ParsedPost, written: list[str]) -> list[Problem]:
    """Images named like a file lessonpress writes beside the page itself: the page, the
    `written` figures and scripts, and each script's notebook."""
    written += ["index.html", *(Path(name).stem + ".ipynb" for name in written if name.endswith(".py"))]
    return [
        Problem(
            post.source.src_path,
            image.line,
            f"image {image.path!r} has the name of a file lessonpress writes beside the page "
            "(a lesson download or a captured figure): rename it",
        )
        for image in post.images
        if image.path in written
    ]


def image_html(image: Image) -> str:
    """An inline `![alt](file)`."""
    return f'<img src="{escape(quote(image.path))}" alt="{escape(image.alt)}">'


def figure_html(image: Image) -> str:
    """A `{figure}`'s opening and image (its caption follows, drawn as Markdown), or an `{image}`."""
    label = f' id="{escape(image.label)}"' if image.label else ""
    width = ""
    if image.width.endswith("%"):
        width = f' style="width: {image.width}"'
    elif image.width:
        width = f' width="{image.width}"'
    img = f'<img src="{escape(quote(image.path))}" alt="{escape(image.alt)}"{width}>'
    align = f" align-{image.align}" if image.align else ""
    if not image.figure:
        return f'<p class="post-image{align}"{label}>{img}</p>\n'
    return f'<figure class="post-figure{align}"{label}>{img}\n'


def figcaption_html(number: str) -> str:
    """The opening of a figure's caption, with the figure's number."""
    return f'<figcaption><span class="caption-number">Figure {escape(number)}.</span> '
