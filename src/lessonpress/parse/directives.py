"""`{lesson}` directives and `{value}` roles: what they name, checked against the lessons."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from ..document import LessonRef, ValueRef
from ..errors import ContentError
from ..model import Lesson, PostSource
from .labels import LABEL, XREF_ROLES, label_message
from .roles import TEXT_ROLES

SHOW_CHOICES = ("both", "code", "output", "folded")  # folded: both, the code collapsed
DIRECTIVE_OPTIONS = ("show", "caption", "alt", "name")
DIRECTIVE_INFO = re.compile(r"^\{([A-Za-z][\w-]*)\}\s*(.*)$")
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
# The widest width or precision a {value} format spec may ask for: `:>2000000000` would fill
# gigabytes with spaces, `.2000000000f` with digits.
MAX_FORMAT_WIDTH = 200
# The cross-reference roles (labels.py) and MyST's text roles (roles.py).
ROLES = ", ".join(f"{{{role}}}" for role in (*XREF_ROLES, *TEXT_ROLES))


def resolve_lesson_path(post: PostSource, target: str, line: int, lessons: dict[str, Lesson]) -> str:
    """Map a path relative to `lessons/<slug>/` to a known lesson, refusing escapes."""
    if not target:
        raise ContentError.at(post.src_path, line, "missing lesson file name")
    if target.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", target):
        raise ContentError.at(
            post.src_path,
            line,
            f"lesson path {target!r} must be relative to lessons/{post.slug}/, not absolute",
        )
    if "\\" in target:
        forward = target.replace("\\", "/")
        raise ContentError.at(
            post.src_path, line, f"lesson path '{target}' has a '\\': use '/' between folders ('{forward}')"
        )
    joined = posixpath.normpath(posixpath.join("lessons", post.slug, target))
    if not joined.startswith("lessons/"):
        raise ContentError.at(
            post.src_path, line, f"lesson path {target!r} points outside the lessons folder"
        )
    return _known_lesson(post, target, joined, line, lessons)


def _known_lesson(post: PostSource, target: str, joined: str, line: int, lessons: dict[str, Lesson]) -> str:
    """`joined` (lessons/...), if it is a lesson (a script or a notebook) that exists."""
    if joined not in lessons and not target.endswith((".py", ".ipynb")):
        raise ContentError.at(
            post.src_path,
            line,
            f"lesson file {target!r} is not a lesson: a lesson is a .py script or a notebook (.ipynb, "
            f"or a MyST/Jupytext Markdown notebook with a jupytext or kernelspec header) in lessons/{post.slug}/",
        )
    if joined not in lessons:
        known = sorted(p.rsplit("/", 1)[-1] for p in lessons if p.startswith(f"lessons/{post.slug}/"))
        hint = f"; lessons/{post.slug}/ has: {', '.join(known)}" if known else f"; create it as {joined}"
        raise ContentError.at(post.src_path, line, f"lesson file {target!r} not found{hint}")
    return joined


def parse_directive(post: PostSource, token: Any, line: int, lessons: dict[str, Lesson]) -> LessonRef:
    """Read a ```{lesson} file.py#cell``` fence and its option lines."""
    match = DIRECTIVE_INFO.match(token.info.strip())
    assert match is not None
    name, argument = match.group(1), match.group(2).strip()
    if name != "lesson":
        raise ContentError.at(
            post.src_path, line, f"unknown directive {{{name}}}; lessonpress knows {{lesson}}"
        )
    target, _, cell_name = argument.partition("#")
    lesson_path = resolve_lesson_path(post, target.strip(), line, lessons)
    if cell_name and lessons[lesson_path].cell(cell_name.strip()) is None:
        names = ", ".join(c.name for c in lessons[lesson_path].cells)
        raise ContentError.at(
            post.src_path,
            line,
            f"lesson {target.strip()} has no cell {cell_name.strip()!r}; its cells: {names}",
        )
    options = _directive_options(post.src_path, token.content, line)
    return LessonRef(
        post.src_path,
        line,
        lesson_path,
        cell_name.strip() or None,
        show=options.get("show", ["both"])[-1],
        captions=tuple(options.get("caption", ())),
        alts=tuple(options.get("alt", ())),
        label=options.get("name", [""])[-1],
    )


def _directive_options(src_path: str, body: str, line: int) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for offset, text in enumerate(body.splitlines(), start=1):
        if not text.strip():
            continue
        match = _OPTION.match(text.strip())
        if not match:
            raise ContentError.at(
                src_path,
                line + offset,
                f"unexpected line in {{lesson}} directive: "
                f"{text.strip()!r}; only ':option: value' "
                "lines are allowed",
            )
        key, value = match.group(1), match.group(2).strip()
        _check_option(src_path, line + offset, key, value, options)
        options.setdefault(key, []).append(value)
    return options


def _check_option(src_path: str, line: int, key: str, value: str, options: dict[str, list[str]]) -> None:
    """Refuse an option `key: value` of a {lesson} directive that has `options` so far."""
    if key not in DIRECTIVE_OPTIONS:
        raise ContentError.at(
            src_path, line, f"unknown option :{key}: for {{lesson}}; known: {', '.join(DIRECTIVE_OPTIONS)}"
        )
    if key == "show" and value not in SHOW_CHOICES:
        raise ContentError.at(
            src_path, line, f":show: must be one of {', '.join(SHOW_CHOICES)}, got {value!r}"
        )
    if key == "name" and not LABEL.match(value):
        raise ContentError.at(src_path, line, label_message(value))
    if key == "show" and key in options:
        raise ContentError.at(src_path, line, ":show: is given twice: keep one")
    if "{value}`" in value:
        raise ContentError.at(
            src_path,
            line,
            f":{key}: is plain text, so a {{value}} role in it would show as written: "
            "quote the number in the prose around the cell",
        )


def parse_value_role(post: PostSource, token: Any, line: int, lessons: dict[str, Lesson]) -> ValueRef:
    """Read {value}`file.py:name:spec`."""
    role = token.meta.get("name", "")
    if role != "value":
        raise ContentError.at(post.src_path, line, f"unknown role {{{role}}}; lessonpress knows {{value}}, {ROLES}")
    target, _, rest = token.content.partition(":")
    name, _, spec = rest.partition(":")
    if not name.strip().isidentifier():
        raise ContentError.at(
            post.src_path,
            line,
            f"{{value}}`{token.content}` must look like `lesson.py:variable` or `lesson.py:variable:.4f`",
        )
    widest = _widest(spec)
    if len(widest) > 3 or int(widest) > MAX_FORMAT_WIDTH:
        raise ContentError.at(
            post.src_path,
            line,
            f"{{value}}`{token.content}` asks for a width or precision of {widest}: "
            f"at most {MAX_FORMAT_WIDTH} is allowed",
        )
    lesson_path = resolve_lesson_path(post, target.strip(), line, lessons)
    return ValueRef(post.src_path, line, lesson_path, name.strip(), spec)


def _widest(spec: str) -> str:
    """The largest number in a format spec, without leading zeros: its width or precision (a
    digit used as the fill character, `0>5`, counts too, and is small). Compared as text:
    int() of thousands of digits is slow, and refused."""
    numbers = [digits.lstrip("0") or "0" for digits in re.findall(r"[0-9]+", spec)]
    return max(numbers, key=lambda number: (len(number), number), default="0")
