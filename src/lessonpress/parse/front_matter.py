"""A post's YAML front matter: checked field by field, each problem at its line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..store import TextMemo
from ..errors import ContentError, Problem
from ..load.yaml import YamlError, key_line, load_yaml, scalar_text, value_kind
from ..model import PostMeta, PostSource

KNOWN_FIELDS = {
    "title",
    "series",
    "date",
    "summary",
    "tags",
    "draft",
    "author",
    "description",
    "image",
    "updated",
}
_SERIES = re.compile(r"^(\d+)\.(\d+)$")


def no_front_matter(text: str) -> str:
    """Why a post has no front matter: none at all, or a first `---` line never closed."""
    opening = re.match(r"-{3,}", text)
    if opening is None:
        return "missing front matter: start the post with a '---' line, YAML fields (title, date, ...), and '---'"
    marker = opening.group(0)
    return (
        f"the front matter opened on line 1 is never closed: "
        f"end it with a '{marker}' line after its YAML fields (title, date, ...)"
    )


def parse_front_matter(src_path: str, text: str, memo: TextMemo[Any] | None = None) -> PostMeta:
    """Validate the YAML front matter of a post (the first line of YAML is file line 2)."""
    try:
        data = load_yaml(text, memo)
    except YamlError as exc:
        line = exc.line + 2 if exc.line is not None else 1
        raise ContentError.at(src_path, line, f"invalid YAML front matter: {exc.describe(2)}") from None
    if not isinstance(data, dict):
        raise ContentError.at(src_path, 2, "front matter must be YAML fields like 'title: ...'")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ContentError.at(
            src_path, _field_line(text, "title"), "front matter needs a 'title' (a non-empty string)"
        )
    return PostMeta(
        title=title.strip(),
        series=_series(src_path, text, data.get("series")),
        date=_date(src_path, text, data.get("date")),
        summary=_plain(src_path, text, data, "summary"),
        tags=_tags(src_path, text, data.get("tags")),
        draft=_draft(src_path, text, data.get("draft")),
    )


def unknown_field_problems(post: PostSource, memo: TextMemo[Any] | None = None) -> list[Problem]:
    """Front matter fields lessonpress does not know, usually typos (`summery:`); for `check`."""
    match = re.match(r"---[ \t]*\n(.*?)\n---[ \t]*(\n|$)", post.text, re.DOTALL)
    if match is None:
        return []
    try:
        data = load_yaml(match.group(1), memo)
    except YamlError:
        return []  # reported by parse_front_matter
    if not isinstance(data, dict):
        return []
    known = ", ".join(sorted(KNOWN_FIELDS))
    return [
        Problem(
            post.src_path,
            _field_line(match.group(1), str(key)),
            f"unknown front matter field {key!r}; known: {known}",
        )
        for key in data
        if key not in KNOWN_FIELDS
    ]


def _field_line(text: str, key: str) -> int:
    """The file line of the field `key` of front matter `text` (its YAML starts on line 2)."""
    return key_line(text, key, first_line=2)


def _series(src_path: str, text: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):  # never str() a list: an alias can make it huge
        raise ContentError.at(
            src_path,
            _field_line(text, "series"),
            f"'series' must look like \"1.2\" (module.post), got {value_kind(value)}",
        )
    # Unquoted, `1.10` is the float 1.1 to YAML: read the number as written.
    written = scalar_text(text, "series") if isinstance(value, float) else None
    series = (written or str(value)).strip()
    match = _SERIES.match(series)
    if not match or int(match.group(2)) == 0:
        raise ContentError.at(
            src_path,
            _field_line(text, "series"),
            f"'series' must look like \"1.2\" (module.post), got {series!r}",
        )
    return f"{int(match.group(1))}.{int(match.group(2))}"


def _date(src_path: str, text: str, value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(value, (str, int, float)):  # never str() a list: an alias can make it huge
        raise ContentError.at(
            src_path,
            _field_line(text, "date"),
            f"'date' must be a date like 2026-10-29, got {value_kind(value)}",
        )
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"  # 2026-02-30
        raise ContentError.at(
            src_path,
            _field_line(text, "date"),
            f"'date' must be a date like 2026-10-29, got {value!r}{reason}",
        ) from None


def _plain(src_path: str, text: str, data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise ContentError.at(src_path, _field_line(text, key), f"{key!r} must be text")
    return " ".join(str(value).split())


def _draft(src_path: str, text: str, value: Any) -> bool:
    """`draft: true` keeps a post out of `build` (serve shows it); only true or false will do."""
    if value is None or isinstance(value, bool):
        return bool(value)
    shown = repr(value) if isinstance(value, (str, int, float)) else value_kind(value)
    raise ContentError.at(
        src_path, _field_line(text, "draft"), f"'draft' must be true or false, got {shown}"
    )


def _tags(src_path: str, text: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, (str, int, float)) for t in value):
        raise ContentError.at(src_path, _field_line(text, "tags"), "'tags' must be a list of words")
    return tuple(str(t) for t in value)
