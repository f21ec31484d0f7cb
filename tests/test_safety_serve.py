"""Issue 12: `serve` checks its port before building, stops cleanly, and answers quietly."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .safety import Built, built, copy_built, fails_safely
from .test_serve import wait_for


@dataclass
class Server:
    """A running `lessonpress serve` and what it printed so far."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str]
    seen: list[str]

    def said(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def port(self) -> int:
        match = wait_for(lambda: re.search(r"at http://127\.0\.0\.1:(\d+)/", self.said()))
        return int(match.group(1))

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=30)
        self.process.stderr.close()  # type: ignore[union-attr]
        return code


def start(case: Built, *options: str, scratch: Path | None = None) -> Server:
    """Start `serve` on the case's site, on a free port, with lesson scratch folders in `scratch`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lessonpress.cli", "serve", "--root", str(case.root), "--out", str(case.out)]
        + ["--port", "0", *options],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "GITHUB_ACTIONS": "", **({"TMPDIR": str(scratch)} if scratch else {})},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()  # type: ignore[union-attr]
    return Server(process, lines, [])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return built(tmp_path_factory.mktemp("base"))


@pytest.fixture
def case(base: Built, tmp_path: Path) -> Built:
    return copy_built(base, tmp_path / "world")


@pytest.fixture(scope="module")
def served(base: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, int]]:
    """One server for the tests that only send requests."""
    server = start(copy_built(base, tmp_path_factory.mktemp("served") / "world"))
    try:
        yield server, server.port()
    finally:
        server.stop()


def request(port: int, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# 9. a busy port, SIGTERM


def test_a_busy_port_is_refused_before_building(case: Built, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = fails_safely(
            case,
            *("serve", "--root", str(case.root), "--out", str(case.out), "--port", str(port)),
            code=2,
            message=f"port {port} is in use, try --port",
            env={"TMPDIR": str(scratch)},
            timeout=60,
        )
    assert "lessons:" not in result.stderr, "nothing is built before the port is known to be free"
    assert list(scratch.iterdir()) == [], "no scratch folder is left behind"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_sigterm_stops_serve_as_ctrl_c_does(case: Built, tmp_path: Path, signum: int) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    server = start(case, scratch=scratch)
    server.port()
    assert list(scratch.glob("lessonpress-run-*")), "(the workers' scratch folder exists while serving)"
    code = server.stop(signum)
    assert code == 0, server.said()
    assert "stopped" in server.said() and "Traceback" not in server.said()
    assert list(scratch.glob("lessonpress-*")) == [], "the scratch folder is removed"


def test_sigterm_during_the_first_build_stops_the_lesson_and_cleans_up(case: Built, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    pid_file = tmp_path / "lesson.pid"
    lesson = f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    (case.root / "lessons" / "p" / "l.py").write_text(lesson)
    server = start(case, scratch=scratch)
    wait_for(lambda: pid_file.exists() and pid_file.read_text())
    code = server.stop(signal.SIGTERM)
    assert code == 0 and "stopped" in server.said() and "Traceback" not in server.said(), server.said()
    assert list(scratch.glob("lessonpress-*")) == [], "the scratch folder is removed"
    assert not list(case.world.glob(".site.new-*"))
    wait_for(lambda: not _alive(int(pid_file.read_text())), timeout=15)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# smaller defects


@pytest.mark.parametrize("path", ["/%00", "/posts/%00/", "/a%00.html", "/%ED%A0%80.html", "/%ED%A0%80"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_path_no_file_can_have_is_answered_quietly(
    served: tuple[Server, int], path: str, method: str
) -> None:
    server, port = served
    status, _, _ = request(port, method, path)
    assert status in (400, 404)
    assert request(port, "GET", "/")[0] == 200
    assert "Traceback" not in server.said() and "Exception" not in server.said(), server.said()


@pytest.mark.parametrize("path", ["/", "/index.html", "/posts/p/", "/feed.xml", "/missing.html", "/nowhere/"])
def test_head_and_get_agree(served: tuple[Server, int], path: str) -> None:
    _, port = served
    get_status, get_headers, body = request(port, "GET", path)
    head_status, head_headers, head_body = request(port, "HEAD", path)
    assert head_status == get_status and head_body == b""
    assert head_headers["content-length"] == get_headers["content-length"] == str(len(body))
    assert head_headers["content-type"] == get_headers["content-type"]


def test_serve_takes_the_run_options_build_takes(case: Built) -> None:
    (case.root / "lessons" / "p" / "l.py").write_text("import time\ntime.sleep(30)\n")
    server = start(case, "--timeout", "1", "--no-cache", "--jobs", "1", "--quiet")
    try:
        wait_for(lambda: "timed out after 1 s" in server.said())
        assert "posts/p.md:" in server.said()
    finally:
        server.stop()
