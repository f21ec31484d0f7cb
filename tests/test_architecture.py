"""The engine's shape stays as README's architecture section draws it: imports flow one way
through the stages, and no module or function grows past what a reader takes in at once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

SOURCE = REPO / "src" / "lessonpress"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40  # from `def` to the end, its docstring left out
# Functions allowed to be longer, each with the reason README's architecture section gives.
LONGER: dict[str, str] = {}


def test_imports_flow_one_way() -> None:
    """The import-linter contracts in pyproject.toml: stages import only earlier stages and
    the ground; nothing imports the command line; render imports neither parse nor execute."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def _modules() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def test_no_module_is_over_the_limit() -> None:
    long = {
        str(path.relative_to(SOURCE)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def _function_lengths(path: Path) -> dict[str, int]:
    """Each function's length in lines, from `def` to its last line, without its docstring."""
    tree = ast.parse(path.read_text())
    lengths = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            length -= (first.end_lineno or first.lineno) - first.lineno + 1
        lengths[f"{path.relative_to(SOURCE).as_posix()}:{node.name}"] = length
    return lengths


def test_no_function_is_over_the_limit() -> None:
    long = {
        name: n
        for path in _modules()
        for name, n in _function_lengths(path).items()
        if n > MAX_FUNCTION_LINES and name not in LONGER
    }
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_allowed_long_functions_still_exist_and_are_explained() -> None:
    found = {name for path in _modules() for name in _function_lengths(path)}
    readme = (REPO / "README.md").read_text()
    for name, _reason in LONGER.items():
        assert name in found, f"{name} is gone: remove it from LONGER"
        assert name.split(":")[1] in readme, f"README's architecture section should say why {name} is long"
