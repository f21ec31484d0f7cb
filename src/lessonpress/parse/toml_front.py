"""TOML front matter between `+++` lines, as in Hugo: its block rule, data and field lines.

tomllib is imported only when some TOML has to be read: like YAML, the data is remembered
by text, so a prose edit reads the front matter from the memo.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..load.yaml import YamlError, YamlMemo

if TYPE_CHECKING:  # markdown-it is imported only when some post is read again
    from markdown_it.rules_block import StateBlock

MARKER = "+++"
_LOADING_RULES = "toml 1"
_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def toml_front_matter(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A `+++` first line, TOML lines and a closing `+++`: one `front_matter` token (markup
    `+++`). A `+++` anywhere else is a MyST block break; one never closed is no front matter."""
    if start != 0 or _line(state, 0) != MARKER:
        return False
    close = next((n for n in range(1, end) if _line(state, n) == MARKER), None)
    if close is None:
        return False
    if not silent:
        token = state.push("front_matter", "", 0)
        token.hidden = True
        token.markup = MARKER
        token.block = True
        token.content = state.src[state.bMarks[1] : state.bMarks[close]].rstrip("\n") if close > 1 else ""
        token.map = [0, close + 1]
    state.line = close + 1
    return True


def _line(state: StateBlock, n: int) -> str:
    return state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]].rstrip()


def load_toml(text: str, memo: YamlMemo | None = None) -> Any:
    """tomllib.loads, remembered by text; raises YamlError (0-based line) as load_yaml does."""
    if memo is None:
        return _loads(text)
    return memo.get(f"{_LOADING_RULES}\n{text}", lambda: _loads(text))


def _loads(text: str) -> Any:
    import tomllib  # only when some front matter is read again

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _AT_LINE.search(message)
        line = int(at.group(1)) - 1 if at else None
        raise YamlError(line, _AT_LINE.sub("", message) or "invalid TOML") from None


def toml_key_line(text: str, key: str, first_line: int = 2) -> int:
    """The file line of the top-level `key = ...` in TOML `text`; line 1 if there is none."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("["):
            break  # a table: what follows is no top-level field
        if pattern.match(line):
            return number + first_line
    return 1


def toml_scalar_text(text: str, key: str) -> str | None:
    """The top-level `key`'s value as written, if it is a bare number (`series = 1.10`)."""
    match = re.search(rf"^\s*{re.escape(key)}\s*=\s*([0-9.]+)\s*(?:#.*)?$", text, re.MULTILINE)
    return match.group(1) if match else None
