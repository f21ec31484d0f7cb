"""The imported post's front matter: the author's own (YAML or TOML) kept, with a title, and
without the fields lessonpress would refuse (commented out, so nothing is lost)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ContentError
from ..parse.front_matter import KNOWN_FIELDS, parse_front_matter

_YAML_KEY = re.compile(r"""^(?P<key>"[^"]+"|'[^']+'|[A-Za-z_][\w .-]*?)\s*:(?:\s|$)""")
_TOML_KEY = re.compile(r"""^\s*(?P<key>"[^"]+"|'[^']+'|[A-Za-z0-9_-]+)\s*(?:\.|=)""")
_TOML_TABLE = re.compile(r"^\s*\[")


@dataclass
class Front:
    """The new front matter (its lines, markers included), how many source lines it replaces,
    the source lines of the heading it took the title from (to remove), and what it did."""

    lines: list[str]
    replaces: int
    heading: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)


def new_front_matter(lines: list[str], tokens: list[Any], fallback_title: str, date: str) -> Front:
    """Keep the post's front matter, with a title (from its first `# ` heading, or `fallback_title`)
    and `date` (from the file name) when it has none; fields lessonpress does not know, or
    would refuse, are commented out."""
    given = tokens[0] if tokens and tokens[0].type == "front_matter" and tokens[0].map else None
    toml = given is not None and given.markup == "+++"
    replaces = given.map[1] if given is not None else 0
    original = lines[1 : replaces - 1] if given is not None else []
    body, notes = list(original), []
    heading = _first_h1(tokens)
    unknown = [key for key, start, end in _fields(body, toml) if key not in KNOWN_FIELDS]
    for key in unknown:
        _comment_out(body, key, toml)
    if unknown:
        notes.append(f"front matter: commented out {', '.join(unknown)} (not lessonpress fields)")
    if date and not _has(body, "date", toml):
        body.insert(0, _field_line("date", date, toml, raw=True))
        notes.append(f"front matter: date {date} from the file name")
    title_from = _ensure_title(body, toml, heading, fallback_title, notes)
    if not _settle(body, toml, notes):
        body = list(original)
        notes[:] = ["front matter: lessonpress would refuse it as it is; left as written (lessonpress check reports it)"]
        title_from = None
    marker = "+++" if toml else "---"
    removed = (title_from.map[0], title_from.map[1]) if title_from is not None else None
    return Front([marker, *body, marker], replaces, removed, notes)


def _first_h1(tokens: list[Any]) -> Any:
    """The first level-1 heading of the post's top level, with its text as `.content`."""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0 and token.map:
            token.content = tokens[index + 1].content.strip()
            return token
    return None


def _ensure_title(body: list[str], toml: bool, heading: Any, fallback: str, notes: list[str]) -> Any:
    """Add a title when the front matter has none: the heading (returned) or the fallback."""
    if _has(body, "title", toml):
        return None
    if heading is not None and heading.content:
        body.insert(0, _field_line("title", heading.content, toml))
        notes.append(f"front matter: title from the heading on line {heading.map[0] + 1}, which is blanked (the page shows the title)")
        return heading
    body.insert(0, _field_line("title", fallback, toml))
    notes.append(f"front matter: no title and no `# ` heading; titled {fallback!r} after the file name")
    return None


def _settle(body: list[str], toml: bool, notes: list[str]) -> bool:
    """Comment out each field lessonpress refuses (a `series` that is no number, a `date`
    that is no day) until the front matter passes; False if it cannot."""
    for _ in range(len(body) + 1):
        try:
            parse_front_matter("front matter", "\n".join(body), toml=toml)
            return True
        except ContentError as exc:
            problem = exc.problems[0]
        at = problem.line - 2  # the body's first line is the file's line 2
        key = next((k for k, start, end in _fields(body, toml) if start <= at < end), None)
        if key is None or key == "title":
            return False
        _comment_out(body, key, toml)
        notes.append(f"front matter: commented out {key} ({problem.message})")
    return False


def _fields(body: list[str], toml: bool) -> list[tuple[str, int, int]]:
    """Each active top-level field: its key and its lines [start, end) in `body`; in TOML,
    everything from the first table on is one field named after that table."""
    starts: list[tuple[str, int]] = []
    for number, line in enumerate(body):
        if toml and _TOML_TABLE.match(line):
            starts.append((line.strip(), number))
            break
        match = (_TOML_KEY if toml else _YAML_KEY).match(line)
        if match:
            starts.append((match.group("key").strip("\"'"), number))
    ends = [start for _, start in starts[1:]] + [len(body)] if starts else []
    return [(key, start, end) for (key, start), end in zip(starts, ends, strict=True)]


def _has(body: list[str], key: str, toml: bool) -> bool:
    return any(k == key for k, _, _ in _fields(body, toml))


def _comment_out(body: list[str], key: str, toml: bool) -> None:
    for name, start, end in _fields(body, toml):
        if name == key:
            for number in range(start, end):
                if body[number].strip() and not body[number].lstrip().startswith("#"):
                    body[number] = "# " + body[number]
            return


def _field_line(key: str, value: str, toml: bool, raw: bool = False) -> str:
    """`key: value` (YAML) or `key = value` (TOML); a string is quoted, JSON's quoting being
    valid in both."""
    shown = value if raw else json.dumps(value, ensure_ascii=False)
    return f"{key} = {shown}" if toml else f"{key}: {shown}"
