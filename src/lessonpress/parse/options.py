"""MyST directive options (admonitions, `{admonition}`, `{dropdown}`, `{figure}`, `{image}`,
`{math}`, `{code-block}`): the `:key: value` lines right after the opening line.

They are lifted out of the text before markdown-it reads it: each becomes a `%` comment line
(which the page does not show), so every line keeps its number, and the options are kept by
the line of the directive that owns them. A {lesson} cell reads its own option lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import ADMONITIONS

# Directives whose options are lifted: those whose body is Markdown (the admonitions, MyST's
# generic one, sphinx-design's dropdown, a figure's caption), and those whose body is no
# Markdown (its lines are skipped: a code block may show a directive as text).
MARKDOWN_DIRECTIVES = (*ADMONITIONS, "admonition", "dropdown", "figure")
VERBATIM_DIRECTIVES = ("image", "math", "code-block", "code", "sourcecode")
ADMONITION_OPTIONS = ("class", "name", "open", "color", "icon")
# A line's indentation and blockquote markers (`> `), which a directive inside a list or a
# quote has on every line, come first.
_OPENING = re.compile(r"^([\s>]*)(`{3,}|~{3,}|:{3,})\s*\{([A-Za-z][\w-]*)\}")
_FENCE = re.compile(r"^[\s>]*(`{3,}|~{3,})")
_OPTION = re.compile(r"^([\s>]*):([A-Za-z][\w-]*):(?:\s+(.*?))?\s*$")
_YAML_OPTION = re.compile(r"^[\s>]*([A-Za-z][\w-]*):(?:\s+(.*?))?\s*$")


@dataclass(frozen=True)
class Option:
    """One `:key: value` line (value "" for a flag such as `:open:`)."""

    key: str
    value: str
    line: int


@dataclass(frozen=True)
class Lifted:
    """A directive's options, and how many lines after its opening line they took."""

    options: tuple[Option, ...]
    lines: int


def lift_options(text: str) -> tuple[str, dict[int, Lifted]]:
    """`text` with the option lines of Markdown-bodied directives turned into `%` comments,
    and those options by the line (1-based) of the directive that owns them."""
    lines = text.split("\n")
    found: dict[int, Lifted] = {}
    fences: list[tuple[str, bool]] = []  # the open backtick fences: marker, body not Markdown
    for index, line in enumerate(lines):
        fence = _FENCE.match(line)
        if fences and fence and _closes(line, fences[-1][0]):
            fences.pop()
            continue
        if fences and fences[-1][1]:  # inside a code block, a {lesson} cell, a {math} block
            continue
        opening = _OPENING.match(line)
        name = opening.group(3) if opening else ""
        if name in MARKDOWN_DIRECTIVES or name in VERBATIM_DIRECTIVES:
            found[index + 1] = _lift(lines, index + 1)
        if fence:
            fences.append((fence.group(1), name not in MARKDOWN_DIRECTIVES))
    return "\n".join(lines), {line: lifted for line, lifted in found.items() if lifted.lines}


def _closes(line: str, marker: str) -> bool:
    """Whether `line` closes a fence opened with `marker` (as many or more of its character)."""
    stripped = line.lstrip(" \t>").strip()
    return set(stripped) == {marker[0]} and len(stripped) >= len(marker)


def _lift(lines: list[str], start: int) -> Lifted:
    """The options after line `start`: `:key: value` lines, or a `---` block of `key: value`
    lines (MyST's YAML form); each line becomes a `%` comment."""
    if start < len(lines) and lines[start].lstrip(" \t>").strip() == "---":
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip(" \t>").strip() == "---"), None)
        if end is not None:
            block = [_yaml_option(lines, index) for index in range(start + 1, end)]
            for index in (start, end):
                lines[index] = _comment(lines[index])
            return Lifted(tuple(option for option in block if option is not None), end + 1 - start)
    options: list[Option] = []
    for index in range(start, len(lines)):
        match = _OPTION.match(lines[index])
        if match is None:
            break
        options.append(Option(match.group(2), (match.group(3) or "").strip(), index + 1))
        lines[index] = _comment(lines[index])
    return Lifted(tuple(options), len(options))


def _yaml_option(lines: list[str], index: int) -> Option | None:
    match = _YAML_OPTION.match(lines[index])
    lines[index] = _comment(lines[index])
    if match is None:
        text = lines[index].lstrip(" \t>").removeprefix("% ").strip()
        return Option(text, "", index + 1) if text else None
    value = (match.group(2) or "").strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return Option(match.group(1), value, index + 1)


def _comment(line: str) -> str:
    """`line` as a `%` comment after its indentation and quote markers (the page shows nothing of it)."""
    body = line.lstrip(" \t>")
    return line[: len(line) - len(body)] + "% " + body.strip()
