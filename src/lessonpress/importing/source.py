"""The post to import, as text: read with the checks a bad input needs (each a clear error
naming the file and line), and its slug from its file name."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any

from ..errors import ContentError, UsageError
from ..text import slug_of

_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_BUNDLE = {"index", "_index", "readme"}
_NOT_MARKDOWN = {
    ".ipynb": "a Jupyter notebook: put it under lessons/<slug>/ as a lesson, and show its cells with {lesson} fences",
    ".py": "a Python script: put it under lessons/<slug>/ as a lesson, and show its cells with {lesson} fences",
    ".html": "an HTML page, not Markdown",
    ".htm": "an HTML page, not Markdown",
}
_LIQUID_OPEN = re.compile(r"^(?P<lead>[ \t]*)\{%-?\s*highlight\s+(?P<lang>[\w+#.-]+)(?P<rest>[^%]*)-?%\}\s*$")
_LIQUID_CLOSE = re.compile(r"^(?P<lead>[ \t]*)\{%-?\s*endhighlight\s*-?%\}\s*$")


def read_post(source: Path) -> str:
    """The post's text, without a byte-order mark. A missing file is a usage error; one
    that is no Markdown text (binary, not UTF-8, empty) a content error at its line."""
    shown = str(source)
    problem = _NOT_MARKDOWN.get(source.suffix.lower())
    if problem:
        raise UsageError(f"{shown} is {problem}: import gives a Markdown post (.md, .markdown, .qmd, ...)")
    data = _read_bytes(source)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError.at(
            shown, line, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column}; "
            "save the file as UTF-8 and import it again"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ContentError.at(shown, line, "a NUL byte: this is a binary file, not a Markdown post")
    if not text.strip():
        raise ContentError.at(shown, 1, "the file is empty: there is nothing to import")
    return text


def _read_bytes(source: Path) -> bytes:
    """The file's bytes; what is not a readable regular file is a usage error naming it."""
    shown = str(source)
    try:
        mode = os.stat(source).st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{shown} is a folder: give the Markdown post to import")
        if not stat.S_ISREG(mode):  # a FIFO would block, a device never end
            raise UsageError(f"{shown} is not a regular file: give the Markdown post to import")
        return source.read_bytes()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(f"{shown}: the path leads through a loop of symbolic links") from None
        if os.path.islink(source) and exc.errno == errno.ENOENT:
            raise UsageError(f"{shown} is a symbolic link to {os.readlink(source)}, which does not exist") from None
        if exc.errno == errno.ENOENT:
            raise UsageError(f"{shown}: no such file: give the Markdown post to import") from None
        raise UsageError(f"{shown}: cannot read it ({exc.strerror or exc})") from None


def slug_and_date(source: Path) -> tuple[str, str]:
    """The post's slug from its file name, without a Jekyll/Hugo date prefix (returned apart);
    a Hugo page bundle's `index.md` takes its folder's name."""
    stem = source.stem
    if stem.lower() in _BUNDLE and source.absolute().parent.name:
        stem = source.absolute().parent.name
    dated = _DATED.match(stem)
    date, stem = (dated.group(1), dated.group(2)) if dated else ("", stem)
    slug = slug_of(stem, ascii_only=True)[:80].strip("-")
    if not slug:
        raise UsageError(f"{source}: cannot make a post name (slug) from its file name: rename it with some ASCII letters")
    return slug, date


def liquid_as_fences(lines: list[str]) -> tuple[list[str], dict[int, str]]:
    """Jekyll's `{% highlight LANG %}` ... `{% endhighlight %}` as ``` fences, line for line
    (lessonpress runs no Liquid); and each such opening line's original text, by 0-based line."""
    out, opened, originals = list(lines), None, {}
    for number, line in enumerate(lines):
        opening, closing = _LIQUID_OPEN.match(line), _LIQUID_CLOSE.match(line)
        if opening and opened is None:
            opened = (number, opening)
        elif closing and opened is not None:
            start, match = opened
            ticks = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", "\n".join(lines[start + 1 : number]))), default=0))
            out[start] = f"{match.group('lead')}{ticks}{match.group('lang')}"
            out[number] = f"{closing.group('lead')}{ticks}"
            originals[start] = lines[start].strip()
            opened = None
    return out, originals


def text_lines(text: str) -> list[str]:
    """The lines of `text` as Markdown counts them: split at each newline (CRLF and CR too),
    not at the other breaks str.splitlines knows (form feed, U+2028), which stay in their line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def front_matter_problem(source: Path, lines: list[str], tokens: list[Any]) -> None:
    """A front matter that is never closed, does not parse, or is no table of fields: a
    content error at its line (import cannot tell the title or keep the fields)."""
    from ..load.yaml import YamlError, load_yaml
    from ..parse.front_matter import no_front_matter
    from ..parse.toml_front import load_toml

    given = tokens[0] if tokens and tokens[0].type == "front_matter" and tokens[0].map else None
    if given is None:
        if lines and re.fullmatch(r"(-{3}|\+{3})[ \t]*", lines[0]):
            raise ContentError.at(str(source), 1, no_front_matter("\n".join(lines)))
        return
    body = "\n".join(lines[1 : given.map[1] - 1])
    language = "TOML" if given.markup == "+++" else "YAML"
    try:
        data = load_toml(body) if given.markup == "+++" else load_yaml(body)
    except YamlError as exc:
        line = exc.line + 2 if exc.line is not None else 1
        raise ContentError.at(str(source), line, f"the {language} front matter does not parse: {exc.describe(2)}") from None
    if data is not None and not isinstance(data, dict):
        raise ContentError.at(str(source), 2, f"the {language} front matter is no table of fields (title: ..., date: ...)")
