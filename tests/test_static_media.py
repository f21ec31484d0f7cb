"""Issue 14: TOML front matter (`+++`, as in Hugo), through the CLI as an author uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import post
from .safety import built, cli, fails_safely

TOML_POST = """+++
title = "A post"
series = "1.2"
date = 2026-01-02
summary = "A test post."
tags = ["optim", "sgd"]
+++

Hello.

+++

After a MyST block break.
"""
YAML_POST = post(
    "A post", series="1.2", extra="tags: [optim, sgd]", body="Hello.\n\n+++\n\nAfter a MyST block break."
)


def test_toml_front_matter_builds_the_page_yaml_builds(tmp_path: Path) -> None:
    toml = built(tmp_path / "toml", {"posts/a.md": TOML_POST})
    yaml = built(tmp_path / "yaml", {"posts/a.md": YAML_POST})
    page = (toml.out / "posts/a/index.html").read_bytes()
    assert page == (yaml.out / "posts/a/index.html").read_bytes()
    assert b"+++" not in page and b"After a MyST block break." in page
    assert (toml.out / "index.html").read_bytes() == (yaml.out / "index.html").read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '+++\ntitle = "A post"\ndate = 2026-01-02\nsummary = A test\n+++\n\nHello.\n',
            "posts/a.md:4: error: invalid TOML front matter: Invalid value",
        ),
        (
            '+++\ntitle = "A post"\ndraft = "no"\n+++\n\nHello.\n',
            "posts/a.md:3: error: 'draft' must be true or false, got 'no'",
        ),
        (
            '+++\ntitle = "A post"\nseries = 1.0\n+++\n\nHello.\n',
            "posts/a.md:3: error: 'series' must look like \"1.2\" (module.post), got '1.0'",
        ),
        (
            '+++\ntitle = "A post"\n\nHello.\n',
            "posts/a.md:1: error: the front matter opened on line 1 is never closed: end it with a '+++' line",
        ),
    ],
)
def test_toml_errors_are_located(tmp_path: Path, text: str, message: str) -> None:
    case = built(tmp_path, {"posts/a.md": TOML_POST})
    (case.root / "posts/a.md").write_text(text, encoding="utf-8")
    fails_safely(
        case,
        "build",
        "--root",
        str(case.root),
        "--out",
        str(case.out),
        code=1,
        message=message,
        allowed=(case.root / "posts/a.md",),
    )


def test_unknown_toml_field_is_located_by_check(tmp_path: Path) -> None:
    case = built(tmp_path, {"posts/a.md": TOML_POST.replace("summary =", "sumary =")})
    result = cli("check", "--root", str(case.root))
    assert result.returncode == 1
    assert "posts/a.md:5: error: unknown front matter field 'sumary'" in result.stderr


def test_a_prose_edit_reads_toml_from_the_memo(tmp_path: Path) -> None:
    case = built(tmp_path, {"posts/a.md": TOML_POST})
    (case.root / "posts/a.md").write_text(TOML_POST.replace("Hello.", "Hello again."), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "lessonpress.cli",
            "build",
            "-q",
            "--root",
            str(case.root),
            "--out",
            str(case.out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Hello again." in (case.out / "posts/a/index.html").read_text(encoding="utf-8")
    assert " tomllib" not in result.stderr and " yaml" not in result.stderr
