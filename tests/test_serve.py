"""`lessonpress serve`: serves, rebuilds on change, shows errors in the page, recovers."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from lessonpress.errors import Problem
from lessonpress.serve import ServerState, rebuild

from .conftest import post
from .test_search import fragments


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(check, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError("timed out waiting for the server")


def test_serve_rebuilds_shows_errors_and_recovers(project) -> None:  # type: ignore[no-untyped-def]
    root = project(
        {
            "site.yaml": "title: First title\n",
            "posts/a.md": post("Served", body="Value {value}`l.py:answer`."),
            "lessons/a/l.py": "answer = 41\n",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "lessonpress.cli", "serve", "--root", str(root), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "GITHUB_ACTIONS": ""},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    try:

        def port() -> str | None:
            while not lines.empty():
                match = re.search(r"at http://127\.0\.0\.1:(\d+)/", lines.get())
                if match:
                    return match.group(1)
            return None

        base = f"http://127.0.0.1:{wait_for(port)}"
        status, page = fetch(f"{base}/posts/a/")
        assert status == 200 and "41" in page and "EventSource" in page

        (root / "lessons" / "a" / "l.py").write_text("answer = 42\n")
        wait_for(lambda: "42" in fetch(f"{base}/posts/a/")[1])

        # site.yaml sits beside site/: a change to it is not one of the build's own writes
        (root / "site.yaml").write_text("title: Second title\n")
        wait_for(lambda: "Second title" in fetch(f"{base}/posts/a/")[1])

        (root / "posts" / "a.md").write_text(post("Served", body="Value {value}`l.py:missing`."))
        # (an editor's save can be seen half-written first: wait for the final error)
        status, page = wait_for(
            lambda: (r := fetch(f"{base}/posts/a/"))[0] == 500 and "missing" in r[1] and r
        )
        assert "posts/a.md:7" in page and "has no value &#x27;missing&#x27;" in page
        assert "EventSource" in page, "the error page reloads itself when the file is fixed"

        (root / "posts" / "a.md").write_text(post("Served", body="Fixed {value}`l.py:answer`."))
        status, page = wait_for(lambda: (r := fetch(f"{base}/posts/a/"))[0] == 200 and r)
        assert "Fixed" in page and "42" in page
        # search is brought up to date after the reload, not before it
        wait_for(lambda: any("Fixed" in r["content"] for r in fragments(root / "site").values()))
        assert process.poll() is None, "the server keeps running through errors"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_after_runs_only_when_the_build_succeeded_and_cannot_stop_the_server() -> None:
    said: list[str] = []
    state = ServerState()
    ran: list[str] = []

    def fail_search() -> None:
        ran.append("search")
        raise OSError("pagefind failed to index the site")

    rebuild(lambda: None, state, said.append, fail_search)
    assert ran == ["search"] and state.generation == 1 and state.problems == ()
    assert said[-1] == "search index not updated: OSError: pagefind failed to index the site"

    def broken() -> None:
        from lessonpress.errors import ContentError

        raise ContentError([Problem("posts/a.md", 3, "bad")])

    rebuild(broken, state, said.append, fail_search)
    assert ran == ["search"] and state.problems and state.generation == 2
