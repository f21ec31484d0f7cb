"""A post's YAML (or TOML, between `+++` lines) front matter: checked field by field, each problem at its line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ..store import TextMemo
from ..errors import ContentError, Problem
from ..load.yaml import YamlError, key_line, load_yaml, scalar_text, value_kind
from ..model import PostMeta, PostSource
from .toml_front import load_toml, toml_key_line, toml_scalar_text

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
_FENCE = re.compile(r"(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(\n|$)", re.DOTALL)


@dataclass(frozen=True)
class _Source:
    """Front matter as written: its text (file line 2 on), in YAML or in TOML."""

    text: str
    toml: bool = False


def no_front_matter(text: str) -> str:
    """Why a post has no front matter: none at all, or a first `---` line never closed."""
    opening = re.match(r"-{3,}|\+{3}[ \t]*$", text, re.MULTILINE)
    if opening is None:
        return "missing front matter: start the post with a '---' line, YAML fields (title, date, ...), and '---'"
    marker = opening.group(0).rstrip()
    return (
        f"the front matter opened on line 1 is never closed: "
        f"end it with a '{marker}' line after its {'TOML' if marker == '+++' else 'YAML'} fields (title, date, ...)"
    )


def parse_front_matter(
    src_path: str, front_matter: str, memo: TextMemo[Any] | None = None, toml: bool = False
) -> PostMeta:
    """Validate the YAML (or, `toml`, TOML) front matter of a post (its first line is file line 2)."""
    text = _Source(front_matter, toml)
    data = _load(src_path, text, memo)
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


def _load(src_path: str, text: _Source, memo: TextMemo[Any] | None) -> Any:
    """The front matter's data; a syntax error is a problem at its line."""
    language = "TOML" if text.toml else "YAML"
    try:
        return load_toml(text.text, memo) if text.toml else load_yaml(text.text, memo)
    except YamlError as exc:
        line = exc.line + 2 if exc.line is not None else 1
        raise ContentError.at(src_path, line, f"invalid {language} front matter: {exc.describe(2)}") from None


def unknown_field_problems(post: PostSource, memo: TextMemo[Any] | None = None) -> list[Problem]:
    """Front matter fields lessonpress does not know, usually typos (`summery:`); for `check`."""
    match = _FENCE.match(post.text)
    if match is None:
        return []
    text = _Source(match.group(2), match.group(1) == "+++")
    try:
        data = load_toml(text.text, memo) if text.toml else load_yaml(text.text, memo)
    except YamlError:
        return []  # reported by parse_front_matter
    if not isinstance(data, dict):
        return []
    known = ", ".join(sorted(KNOWN_FIELDS))
    return [
        Problem(
            post.src_path,
            _field_line(text, str(key)),
            f"unknown front matter field {key!r}; known: {known}",
        )
        for key in data
        if key not in KNOWN_FIELDS
    ]


def _field_line(text: _Source, key: str) -> int:
    """The file line of the field `key` of front matter `text` (its first line is file line 2)."""
    if text.toml:
        return toml_key_line(text.text, key, first_line=2)
    return key_line(text.text, key, first_line=2)


def _series(src_path: str, text: _Source, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):  # never str() a list: an alias can make it huge
        raise ContentError.at(
            src_path,
            _field_line(text, "series"),
            f"'series' must look like \"1.2\" (module.post), got {value_kind(value)}",
        )
    # Unquoted, `1.10` is the float 1.1 to YAML: read the number as written.
    scalar = toml_scalar_text if text.toml else scalar_text
    written = scalar(text.text, "series") if isinstance(value, float) else None
    series = (written or str(value)).strip()
    match = _SERIES.match(series)
    if not match or int(match.group(2)) == 0:
        raise ContentError.at(
            src_path,
            _field_line(text, "series"),
            f"'series' must look like \"1.2\" (module.post), got {series!r}",
        )
    return f"{int(match.group(1))}.{int(match.group(2))}"


def _date(src_path: str, text: _Source, value: Any) -> dt.date | None:
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


def _plain(src_path: str, text: _Source, data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise ContentError.at(src_path, _field_line(text, key), f"{key!r} must be text")
    return " ".join(str(value).split())


def _draft(src_path: str, text: _Source, value: Any) -> bool:
    """`draft: true` keeps a post out of `build` (serve shows it); only true or false will do."""
    if value is None or isinstance(value, bool):
        return bool(value)
    shown = repr(value) if isinstance(value, (str, int, float)) else value_kind(value)
    raise ContentError.at(
        src_path, _field_line(text, "draft"), f"'draft' must be true or false, got {shown}"
    )


def _tags(src_path: str, text: _Source, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, (str, int, float)) for t in value):
        raise ContentError.at(src_path, _field_line(text, "tags"), "'tags' must be a list of words")
    return tuple(str(t) for t in value)
