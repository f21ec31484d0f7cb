"""One cell: compiled under the lesson's real path and lines, run with its output captured,
its final expression shown as a notebook would, its figures snapshotted."""

from __future__ import annotations

import __future__

import ast
import io
import linecache
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..model import Cell, CellError, CellResult, Display
from .capture import CapturedOutput
from .figures import FigureCapture
from .job import Job
from .rich import Displays, rich_form
from .tracebacks import cell_error, figure_error

_DEFAULT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_ADDRESS = re.compile(r"(?<= at 0x)[0-9a-fA-F]+(?=>)")  # in `<function f at 0x7f3a...>`
_FUTURE_MASK = 0
for _name in __future__.all_feature_names:
    _FUTURE_MASK |= getattr(__future__, _name).compiler_flag


def run_cell(
    job: Job,
    cell: Cell,
    namespace: dict[str, Any],
    figures: FigureCapture,
    future_flags: int,
    displays: Displays | None = None,
) -> tuple[CellResult, int, bool]:
    """Execute one cell with its output captured; return its result, the `from __future__`
    flags in force after it, and whether the lesson stops here."""
    figures.start_cell((str(code_file(job, cell)), cell.line))
    with CapturedOutput(job.output_limit) as captured:
        value, future_flags, error, stop = _run_code(job, cell, namespace, future_flags)
        display, rich = _value_shown(value if error is None else None, displays)  # may print
        try:
            figures.snapshot_open(close=True)
        except Exception as exc:  # a figure that cannot be drawn: the lesson's error
            if error is None:
                error, stop = figure_error(exc, job, cell, figures.failed_at), not cell.expect_error
    text = shown(captured.text, job)
    truncated = captured.truncated
    if display is not None:
        display = shown(display, job)
        if len(display) > job.output_limit:
            display, truncated = display[: job.output_limit], True
    forms = tuple(replace(form, text=shown(form.text, job)) for form in rich)
    result = CellResult(cell.name, text, display, tuple(figures.taken), error, truncated, cell.expect_error, forms)
    return result, future_flags, stop


def _value_shown(value: Any, displays: Displays | None) -> tuple[str | None, list[Display]]:
    """The value's repr as a notebook shows it (None if not worth showing), and the cell's rich
    displays: its display() calls, then the value if it has a rich form (then shown only so)."""
    display = _display(value)
    rich = [*(displays.take() if displays is not None else ())]
    if value is not None and not _from_matplotlib(value):
        form = rich_form(value, display or repr(value))  # (a default repr has one too)
        if form is not None:
            return None, [*rich, form]
    return display, rich


def _run_code(
    job: Job, cell: Cell, namespace: dict[str, Any], flags: int
) -> tuple[Any, int, CellError | None, bool]:
    """Run the cell's code: the value it ends on, the future flags, its error, whether to stop."""
    try:
        value, flags = _execute(cell, code_file(job, cell), namespace, flags)
    except SystemExit as exc:
        return None, flags, (cell_error(exc, job, cell) if failed_exit(exc) else None), True
    except BaseException as exc:  # the lesson's own errors, reported to the author
        return None, flags, cell_error(exc, job, cell), not cell.expect_error
    return value, flags, None, False


def failed_exit(exc: SystemExit) -> bool:
    """Whether a sys.exit() reports a failure, as its status would to a shell."""
    return exc.code not in (None, 0)


def shown(text: str, job: Job) -> str:
    """Output as the page shows it: no folders of this machine, no addresses (see _display)."""
    return _ADDRESS.sub("…", _short_paths(text, _path_roots(job.lesson_file, job.root)))


def _path_roots(path: Path, root: Path) -> list[str]:
    """Folders whose absolute paths a page should not show, longest first, each ending in '/'."""
    folders = {str(path.parent), str(path.parent.resolve()), str(root), str(root.resolve())}
    folders.update(entry for entry in sys.path if os.path.isabs(entry))
    prefixes = {folder.rstrip(os.sep) + os.sep for folder in folders}
    return sorted((p for p in prefixes if len(p) > 1), key=len, reverse=True)


def _short_paths(text: str, roots: list[str]) -> str:
    """Absolute paths written relative to the lesson's folder, the project or an import root.

    A warning names its source by absolute path ('/home/me/blog/lessons/fit/train.py:12:
    UserWarning', or a file in site-packages); the page shows 'train.py:12' and
    'torch/nn/functional.py:5', so it does not depend on where the project or Python lives.
    """
    for prefix in roots:
        text = text.replace(prefix, "")
    return text


def code_file(job: Job, cell: Cell) -> Path:
    """The name the cell's code is compiled under: the lesson file, or for a notebook cell
    without lines of its own in it, `nb.ipynb#cell` beside it (see Cell.file)."""
    return job.lesson_file.parent / cell.file if cell.file else job.lesson_file


def _execute(cell: Cell, path: Path, namespace: dict[str, Any], flags: int) -> tuple[Any, int]:
    """Compile the cell under the lesson's real path and line numbers; the value of its final
    expression (None without one)."""
    if cell.file:  # no file holds these lines: tracebacks read them from linecache, as in IPython
        linecache.cache[str(path)] = (len(cell.source), None, cell.source.splitlines(True), str(path))
    padded = "\n" * (cell.line - 1) + cell.source
    tree = ast.parse(padded, filename=str(path), feature_version=None)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not _ends_with_semicolon(cell.source):
        final = tree.body.pop()
        assert isinstance(final, ast.Expr)
        last = ast.Expression(final.value)
    code = compile(tree, str(path), "exec", flags=flags, dont_inherit=True)
    flags |= code.co_flags & _FUTURE_MASK
    exec(code, namespace)
    if last is None:
        return None, flags
    return eval(compile(last, str(path), "eval", flags=flags, dont_inherit=True), namespace), flags


def _ends_with_semicolon(source: str) -> bool:
    """Whether the cell's last statement ends in ';', which hides its value in a notebook."""
    import tokenize

    last = None
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER, tokenize.DEDENT}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in skip:
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"


def _from_matplotlib(value: Any) -> bool:
    """Whether a value is matplotlib's (or a list of them): its figure is what shows."""
    items = value if isinstance(value, (list, tuple)) and value else [value]
    return all(type(item).__module__.startswith("matplotlib") for item in items)


def _display(value: Any) -> str | None:
    """The repr a notebook would show, or None for values not worth showing.

    Matplotlib's return values are left out (the figure is shown), and so is a default
    repr such as `<torch._C.Generator object at 0x7f...>` (what `torch.manual_seed(0)`
    returns): it tells a reader nothing, and its address differs from run to run. Addresses
    inside other reprs (`<function f at 0x7f...>`) are shown as `0x…` by the caller.
    """
    if value is None or _from_matplotlib(value):
        return None
    text = repr(value)
    return None if _DEFAULT_REPR.fullmatch(text) else text
