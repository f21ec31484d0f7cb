"""Lesson code is typed, as the series' author writes it: mypy passes over every lesson folder.

Each folder is checked on its own (as its reader runs it, from inside the folder), since
folders share module names such as `exercises.py`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

FOLDERS = sorted(p.name for p in (REPO / "lessons").iterdir() if p.is_dir() and any(p.glob("*.py")))

# Every function annotated (`--disallow-untyped-defs`), and their bodies checked; an ignore
# that no longer silences anything is an error too, so none outlives its reason.
MYPY_FLAGS = [
    "--python-version=3.11",
    "--ignore-missing-imports",
    "--disallow-untyped-defs",
    "--disallow-incomplete-defs",
    "--check-untyped-defs",
    "--warn-unused-ignores",
    "--no-error-summary",
]


def mypy(folder: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY_FLAGS, f"--cache-dir={cache}", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("folder", FOLDERS)
def test_lesson_folder_passes_mypy(folder: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    # One cache for all folders: torch is analysed once. A module name that two folders
    # share is re-checked by its source's hash, so the folders cannot mix.
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    result = mypy(REPO / "lessons" / folder, cache)
    assert result.returncode == 0, f"lessons/{folder}:\n{result.stdout}{result.stderr}"


def test_mypy_catches_an_untyped_lesson(tmp_path: Path) -> None:
    """The check is not vacuous: an unannotated function and a wrong-typed call fail it."""
    (tmp_path / "lesson.py").write_text(
        "import torch\n\ndef step(w, lr):\n    return w - lr\n\nx: torch.Tensor = torch.zeros(3)\n"
        "y: int = x.sum()\n"
    )
    result = mypy(tmp_path, tmp_path / "cache")
    assert result.returncode == 1
    assert "lesson.py:3: error: Function is missing a type annotation" in result.stdout
    assert 'lesson.py:7: error: Incompatible types in assignment (expression has type "Tensor"' in result.stdout
