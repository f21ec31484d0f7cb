"""Command-line conventions: ROOT as an argument (as mkdocs and quarto take it), `clean`, and
`serve --open`."""

from __future__ import annotations

from pathlib import Path

from .conftest import post
from .safety import Built, built, cli, tree

FILES: dict[str, str | bytes] = {"posts/p.md": post("P", body="Hello {value}`l.py:x`."), "lessons/p/l.py": "x = 2\n"}


def test_build_and_check_take_the_project_folder_as_an_argument(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    result = cli("build", str(case.root), "--out", str(tmp_path / "by-argument"))
    assert result.returncode == 0, result.stderr
    assert "Hello <span class=\"lesson-value\">2</span>" in (tmp_path / "by-argument/posts/p/index.html").read_text()
    assert cli("check", str(case.root)).returncode == 0
    same = cli("check", str(case.root), "--root", str(case.root / "." ))
    assert same.returncode == 0, same.stderr


def test_two_different_project_folders_are_refused(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    result = cli("build", str(case.root), "--root", str(tmp_path))
    assert result.returncode == 2
    assert "name different folders: give one" in result.stderr


def test_clean_removes_the_site_and_the_cache_and_nothing_else(tmp_path: Path) -> None:
    case = built(tmp_path, FILES)
    assert (case.root / ".lessonpress-cache").is_dir()
    before = tree(case.root, (case.root / ".lessonpress-cache",))
    result = cli("clean", str(case.root), "--out", str(case.out))
    assert result.returncode == 0, result.stderr
    assert not case.out.exists() and not (case.root / ".lessonpress-cache").exists()
    assert tree(case.root) == before  # the posts and lessons are untouched
    again = cli("clean", str(case.root), "--out", str(case.out))
    assert again.returncode == 0 and "nothing to remove" in again.stderr


def test_clean_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    case: Built = built(tmp_path, FILES)
    (case.out / "CNAME").write_text("example.com\n")  # added to the site by hand
    before = tree(tmp_path)
    result = cli("clean", str(case.root), "--out", str(case.out))
    assert result.returncode == 2 and "CNAME" in result.stderr
    assert tree(tmp_path) == before  # neither the site nor the cache was touched
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    refused = cli("clean", str(case.root), "--out", str(foreign))
    assert refused.returncode == 2 and (foreign / "notes.txt").read_text() == "mine"


def test_serve_open_opens_the_built_site_in_the_browser(tmp_path: Path) -> None:
    """`serve ROOT --open` hands the site's URL to the browser (here a stand-in that writes it
    down, through Python's BROWSER variable) once the first build is done."""
    import os
    import signal
    import subprocess
    import sys
    import time

    case = built(tmp_path, FILES)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "lessonpress.cli", "serve", str(case.root), "--out", str(case.out), "--port", "0", "--open"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "BROWSER": str(browser), "GITHUB_ACTIONS": ""},
    )
    try:
        deadline = time.monotonic() + 90
        while not (opened.exists() and opened.read_text().strip()) and time.monotonic() < deadline:
            assert process.poll() is None, "serve stopped"
            time.sleep(0.2)
        url = opened.read_text().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        assert (case.out / "posts/p/index.html").is_file()  # built before the browser was asked
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
