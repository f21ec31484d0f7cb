"""The code blocks of a post written with inline Python: which run, which stay as they are, and why.

Blocks are found with markdown-it (lessonpress's own dialect), so their lines are the post's
lines, fences inside lists, quotes and admonitions included.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, replace
from typing import Any

from ..parse.blocks import fence_closed
from ..text import slug_of

PYTHON = {"python", "py", "python3", "py3", "ipython", "ipython3"}
SESSIONS = {"pycon", "python-repl", "ipython-console", "pytb"}
SHELLS = {"bash", "sh", "shell", "zsh", "console", "shell-session", "powershell", "ps1", "bat", "cmd", "fish"}
OUTPUTS = {"", "text", "txt", "output", "out", "plaintext", "plain", "stdout", "result"}
NO_RUN_FLAGS = {"no-run", "norun", "skip", "no-exec"}
RAISES_FLAGS = {"raises", "raises-exception"}
_MARKER = re.compile(r"^\s*#\s*lessonpress:\s*(skip|no-run|raises)\s*$")
_MAGIC = re.compile(r"^\s*(%%?[A-Za-z]|!\S)")
_CELL_LINE = re.compile(r"^# ?%%(?!%)", re.MULTILINE)
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")

RUN, RAISES, KEEP, DROP, HIDDEN = "run", "raises", "keep", "drop", "hidden"
PLAIN, MYST, CHUNK, SHOWN = "plain", "myst", "chunk", "shown"
CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}
CHUNK_LANGUAGES = {"r", "julia", "sql", "ojs", "mermaid", "dot", "rust", "js", "javascript", "stan", "sas", "rcpp"}
# Quarto's `#| key: value` cell options (R Markdown's `{python echo=FALSE}`), as MyST tags
_CHUNK_TAGS = {
    ("eval", "false"): "skip-execution",
    ("include", "false"): "remove-cell",
    ("echo", "false"): "remove-input",
    ("output", "false"): "remove-output",
    ("code-fold", "true"): "hide-input",
    ("code-fold", "show"): "hide-input",
}
_CHUNK_OPTION = re.compile(r"^#\|\s*([\w.-]+)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Block:
    """A code block of the source post and what import does with it.

    `start`/`end` are its 0-based lines [start, end) in the source; `action` is RUN or RAISES
    (a cell, shown by a {lesson} fence), HIDDEN (a cell nobody sees: MyST's remove-cell),
    KEEP (left in the post as it is) or DROP (an output block, removed); `reason` says why."""

    start: int
    end: int
    label: str
    code: str
    action: str
    reason: str = ""
    cell: str = ""
    show: str = ""
    heading: str = ""

    @property
    def line(self) -> int:
        return self.start + 1

    @property
    def runs(self) -> bool:
        return self.action in (RUN, RAISES, HIDDEN)


def find_blocks(tokens: list[Any]) -> list[Block]:
    """Every fenced and indented code block of the post, in order, each classified."""
    blocks: list[Block] = []
    heading, previous_ran = "", False
    for index, token in enumerate(tokens):
        if token.type == "inline" and index and tokens[index - 1].type == "heading_open":
            heading = token.content
        if token.type not in ("fence", "code_block") or token.map is None:
            previous_ran = previous_ran and token.type in ("fence", "code_block")
            continue
        follows = previous_ran and _adjacent(tokens, index)
        block = classify(token, follows, heading)
        if block is not None:
            if follows and block.action == DROP:
                block = replace(block, reason=block.reason.format(line=blocks[-1].line))
            blocks.append(block)
        previous_ran = block is not None and block.runs
    return blocks


def _adjacent(tokens: list[Any], index: int) -> bool:
    """Whether the block at `index` comes right after the previous code block (only blank lines between)."""
    before = tokens[index - 1] if index else None
    return before is not None and before.type in ("fence", "code_block") and before.level == tokens[index].level


def classify(token: Any, after_code: bool, heading: str) -> Block | None:
    """What import does with one code block; None for fences that are not code (MyST directives)."""
    start, end = token.map
    label = f"```{token.info.strip()}" if token.type == "fence" else "indented code block"
    if token.meta and token.meta.get("closed"):
        label = f"```{{code-block}} {token.info.strip()}"
    make = lambda action, reason="", code=token.content: Block(  # noqa: E731
        start, end, label, code, action, reason, heading=heading
    )
    if token.type == "fence" and not fence_closed(token):
        return make(KEEP, "never closed: close it with a ``` line (check reports it)")
    language, flags, kind = _language(token)
    if language is None:
        return None
    if after_code and (language in OUTPUTS or token.type == "code_block"):
        return make(DROP, "the output of the block at line {line}: the page now shows the real output")
    if token.type == "code_block":
        return make(KEEP, "an indented code block: left as it is (fence it as ```python to run it)")
    if kind == SHOWN:
        return make(KEEP, "a {code-block} directive, which shows code without running it: left as it is "
                    "(write ```python to run it)")
    if language in SESSIONS:
        return make(KEEP, "an interactive session: left as it is")
    if language not in PYTHON:
        return make(KEEP, _not_python(language))
    code, tags = token.content, list[str]()
    if kind == MYST:
        code, tags = _cell_options(token.content)
    elif kind == CHUNK:
        code, tags = _chunk_options(token.content, flags)
    return _python_block(make(RUN, code=code), flags, tags)


def _language(token: Any) -> tuple[str | None, list[str], str]:
    """The fence's language (lower case; '' for none), its other words, and its kind: PLAIN,
    MYST (a {code-cell}), CHUNK (Quarto's or R Markdown's executable ```{python}) or SHOWN
    (a {code-block} directive); None for any other `{directive}` fence."""
    if token.type == "code_block":
        return "", [], PLAIN
    if token.meta and token.meta.get("closed"):  # a {code-block} lessonpress's parser made a fence
        return token.info.strip().lower(), [], SHOWN
    info = token.info.strip()
    words = info.split()
    if not words:
        return "", [], PLAIN
    first = words[0].lower()
    if first == "{code-cell}":
        return (words[1].lower() if len(words) > 1 else "python"), words[2:], MYST
    if first.startswith("{."):
        return first.strip("{}.").lower(), [w.strip("{}.") for w in words[1:]], PLAIN
    if not first.startswith("{"):
        return first, words[1:], PLAIN
    inner = [w for w in re.split(r"[\s,]+", info[1:].replace("}", " ", 1)) if w]
    name = inner[0].lower() if inner else ""
    if name.startswith(".") or not name:  # Pandoc's {.python .numberLines}, { .python }
        attributes = re.findall(r"\.([\w+-]+)", info)
        return (attributes[0].lower(), [], PLAIN) if attributes else (None, [], PLAIN)
    if name in CODE_DIRECTIVES:
        return (inner[1].lower() if len(inner) > 1 else ""), [], SHOWN
    if name in PYTHON or name in SHELLS or name in CHUNK_LANGUAGES:
        return name, inner[1:], CHUNK
    return None, [], PLAIN


def _not_python(language: str) -> str:
    if language in SHELLS:
        return f"shell commands ({language}), not Python: left as it is"
    if language in OUTPUTS:
        return "no language: left as it is (write ```python to run it)"
    return f"{language}, not Python: left as it is"


def _cell_options(content: str) -> tuple[str, list[str]]:
    """A {code-cell}'s code without its option lines (`:tags: [...]` or a `---` YAML block), and its tags."""
    lines = content.splitlines(keepends=True)
    options: list[str] = []
    if lines and lines[0].strip() == "---":
        close = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), None)
        if close is not None:
            options, lines = lines[1:close], lines[close + 1 :]
    else:
        while lines and _OPTION.match(lines[0].strip()):
            options.append(lines.pop(0))
    if options and lines and not lines[0].strip():
        lines.pop(0)
    tags = [
        tag.strip(" '\"")
        for line in options
        if (match := re.match(r"^\s*:?tags:?\s*\[(.*)\]\s*$", line))
        for tag in match.group(1).split(",")
    ]
    return "".join(lines), [t for t in tags if t]


def _chunk_options(content: str, words: list[str]) -> tuple[str, list[str]]:
    """A Quarto chunk's code without its leading `#|` option lines, and those options (and R
    Markdown's `echo=FALSE` in the fence) as the MyST tags that mean the same."""
    lines = content.splitlines(keepends=True)
    options = [(word.split("=", 1)[0], word.split("=", 1)[1]) for word in words if "=" in word]
    while lines and (match := _CHUNK_OPTION.match(lines[0].strip())):
        options.append((match.group(1), match.group(2)))
        lines.pop(0)
    if len(lines) < len(content.splitlines(keepends=True)) and lines and not lines[0].strip():
        lines.pop(0)
    tags: list[str] = []
    for key, value in options:
        value = value.strip().strip("'\"").lower()
        if key == "tags":
            tags += [t.strip(" '\"") for t in value.strip("[]").split(",") if t.strip(" '\"")]
        elif (key.lower(), value) in _CHUNK_TAGS:
            tags.append(_CHUNK_TAGS[key.lower(), value])
    return "".join(lines), tags


def _python_block(block: Block, flags: list[str], tags: list[str]) -> Block:
    """A Python block: a cell that runs (or must raise), or kept as it is with the reason."""
    words = {f.lower() for f in flags} | set(tags)
    first = next((line for line in block.code.splitlines() if line.strip()), "")
    marker = _MARKER.match(first)
    if words & NO_RUN_FLAGS or "skip-execution" in words or (marker and marker.group(1) != "raises"):
        return replace(block, action=KEEP, reason="marked not to run: shown as it is")
    if not block.code.strip():
        return replace(block, action=KEEP, reason="empty: left as it is")
    problem = _does_not_parse(block.code)
    if problem:
        return replace(block, action=KEEP, reason=problem)
    if _CELL_LINE.search(block.code):
        return replace(block, action=KEEP, reason="has a `# %%` line, which would split the cell: left as it is")
    action = RAISES if words & RAISES_FLAGS or (marker and marker.group(1) == "raises") else RUN
    show = {"hide-input": "folded", "hide-cell": "folded", "remove-input": "output"}
    show.update({"hide-output": "code", "remove-output": "code"})
    if "remove-cell" in words:
        return replace(block, action=HIDDEN)
    return replace(block, action=action, show=next((show[t] for t in tags if t in show), ""))


def _does_not_parse(code: str) -> str:
    """Why the code cannot run as plain Python ('' when it parses)."""
    lines = code.splitlines()
    if next((line for line in lines if line.strip()), "").lstrip().startswith(">>>"):
        return "a >>> session (prompts and output): left as it is; remove the prompts and the output to run it"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as exc:
        magic = next((n for n, line in enumerate(lines, 1) if _MAGIC.match(line)), None)
        if magic is not None:
            return (
                f"IPython syntax on its line {magic} ({lines[magic - 1].strip()}), which plain Python does not "
                "run: left as it is; remove the line (figures are captured without %matplotlib; "
                "install packages with uv) to run the block"
            )
        return f"not valid Python (line {exc.lineno} of the block: {exc.msg}): left as it is"
    return ""


def cell_names(blocks: list[Block]) -> list[Block]:
    """Each running block named after the nearest heading before it (block1, block2, ... without
    one), made unique in the lesson."""
    used = {"setup"}
    named = []
    for number, block in enumerate(blocks, 1):
        if not block.runs:
            named.append(block)
            continue
        base = _name_of(block.heading) or f"block{number}"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        named.append(replace(block, cell=name))
    return named


def _name_of(heading: str, limit: int = 32) -> str:
    """A cell name from a heading: its ASCII words joined by '_', cut at a word boundary."""
    name = ""
    for word in slug_of(heading, ascii_only=True).split("-"):
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > limit and name:
            break
        name = candidate
    return name[:limit]
