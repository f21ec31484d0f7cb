"""Shared helpers: write a small project into a temp folder from a dict of files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def write_project(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `root` with the given files (text is dedented)."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    (root / "posts").mkdir(exist_ok=True)
    return root


def post(title: str = "A post", series: str | None = None, body: str = "Hello.", extra: str = "") -> str:
    """A post with front matter."""
    lines = ["---", f"title: {json.dumps(title)}"]
    if series:
        lines.append(f'series: "{series}"')
    lines += ["date: 2026-01-02", "summary: A test post.", *filter(None, [extra]), "---", "", body]
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A factory: project({"posts/a.md": ...}) -> root folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_project(tmp_path / "project", files)

    return make


@pytest.fixture(scope="session")
def series_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real series, built once per test session (shared with the browser tests)."""
    from .browser.support import built_site

    return built_site(tmp_path_factory)
