"""`lessonpress serve`: build, serve on 127.0.0.1, rebuild on change, reload the open page."""

from __future__ import annotations

import contextlib
import errno
import functools
import html
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import ContentError, Problem, UsageError, environment_message

EVENTS_PATH = "/__lessonpress/events"
RELOAD_SCRIPT = f"""<script>
(function () {{
  var source = new EventSource("{EVENTS_PATH}");
  source.onmessage = function () {{ location.reload(); }};
}})();
</script>"""
WATCHED = ("posts", "lessons", "templates", "site.yaml")


@dataclass
class ServerState:
    """The outcome of the latest build, shared by the watcher and the request handlers."""

    generation: int = 0
    problems: tuple[Problem, ...] = ()
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, problems: tuple[Problem, ...]) -> None:
        with self.changed:
            self.problems = problems
            self.generation += 1
            self.changed.notify_all()


def error_page(problems: tuple[Problem, ...]) -> bytes:
    """The build's errors as a page: file, line, message and the lesson's traceback."""
    items = "\n".join(
        f"<li><p><code>{html.escape(p.path)}:{p.line}</code>: {html.escape(p.message)}</p>"
        + (f"<pre>{html.escape(p.detail)}</pre>" if p.detail else "")
        + "</li>"
        for p in problems
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed · lessonpress</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
h1{{color:#b42318}}pre{{background:#fff5f5;padding:1rem;overflow-x:auto}}li{{margin-bottom:1.5rem}}</style>
</head><body><h1>The build failed</h1>
<p>{len(problems)} problem(s). Fix the file and save: this page reloads by itself.</p>
<ol>{items}</ol>{RELOAD_SCRIPT}</body></html>""".encode()


class _Handler(SimpleHTTPRequestHandler):
    state: ServerState

    def log_message(self, format: str, *args: object) -> None:  # quiet: the terminal shows builds
        pass

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        """GET and HEAD alike, so that HEAD reports the length GET sends."""
        if self.path == EVENTS_PATH:
            return self._events(with_body)
        if self.state.problems and self._wants_page():
            return self._send(error_page(self.state.problems), HTTPStatus.INTERNAL_SERVER_ERROR, with_body)
        translated = self.translate_path(self.path)
        if not _nameable(translated):  # a NUL byte or a lone surrogate: no file has that name
            return self.send_error(HTTPStatus.BAD_REQUEST, "no file can have that path")
        path = Path(translated)
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            page = path.read_bytes().replace(b"</body>", RELOAD_SCRIPT.encode() + b"</body>", 1)
            return self._send(page, HTTPStatus.OK, with_body)
        return super().do_GET() if with_body else super().do_HEAD()

    def _wants_page(self) -> bool:
        return self.path.split("?")[0].endswith(("/", ".html"))

    def _send(self, body: bytes, status: HTTPStatus, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _events(self, with_body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not with_body:
            return
        seen = self.state.generation
        try:
            while True:
                with self.state.changed:
                    self.state.changed.wait(timeout=15)
                    generation = self.state.generation
                if generation != seen:
                    self.wfile.write(b"data: reload\n\n")
                    seen = generation
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def _nameable(path: str) -> bool:
    """Whether a file could have this path (os calls raise ValueError on the others)."""
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        return False
    return "\0" not in path


def bind(out: Path, port: int, state: ServerState) -> ThreadingHTTPServer:
    """make_server, with a busy or privileged port as a message for the author."""
    try:
        return make_server(out, port, state)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} is in use, try --port {port + 1} (or --port 0 for any free port)"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise UsageError(
                f"port {port} needs privileges lessonpress does not have; try --port 8000"
            ) from None
        raise


def serve_until_stopped(
    server: ThreadingHTTPServer,
    state: ServerState,
    root: Path,
    out: Path,
    build: Callable[[], object],
    after: Callable[[], object],
    say: Callable[[str], None],
    first: Callable[[], object] | None = None,
) -> None:
    """Build, serve, and rebuild on every change, until Ctrl+C (or SIGTERM raised as one);
    `first` runs once the first build is out (its error page too): `--open`."""
    stop = threading.Event()
    try:
        rebuild(build, state, say, after)
        if first is not None:
            first()
        on_change = functools.partial(rebuild, build, state, say, after)
        threading.Thread(target=watch, args=(root, out, stop, on_change), daemon=True).start()
        say(f"serving {out} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)")
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        stop.set()
        server.server_close()


def opening_browser(server: ThreadingHTTPServer, say: Callable[[str], None]) -> Callable[[], None]:
    """What `serve --open` does once the site is built: open it in the web browser."""

    def open_site() -> None:
        import webbrowser

        url = f"http://127.0.0.1:{server.server_address[1]}/"
        if not webbrowser.open(url):
            say(f"could not open a web browser; the site is at {url}")

    return open_site


@contextlib.contextmanager
def stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM (what CI sends on cancel) stops like Ctrl+C: a KeyboardInterrupt, cleaned up after."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def make_server(out: Path, port: int, state: ServerState) -> ThreadingHTTPServer:
    """An HTTP server for `out` on 127.0.0.1 that injects live reload into pages."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(out)))
    server.daemon_threads = True
    return server


def rebuild(
    build: Callable[[], object],
    state: ServerState,
    say: Callable[[str], None],
    after: Callable[[], object] | None = None,
) -> None:
    """Build once; publish success or the problems to the browser and the terminal.

    `after` runs once the browser has been told to reload (the search index is updated
    there, so that an edit shows without waiting for it).
    Nothing a build raises stops the server: content errors are shown with their location,
    anything else as an internal error (with `--debug`, `lessonpress` prints its traceback).
    """
    try:
        build()
    except ContentError as exc:
        _failed(exc.problems, state, say)
        return
    except Exception as exc:  # keep serving; the author sees what happened in the page
        plain = str(exc) if isinstance(exc, UsageError) else environment_message(exc)
        message = plain or f"internal error: {type(exc).__name__}: {exc}"
        _failed((Problem("lessonpress", 1, message),), state, say)
        return
    say("rebuilt; reloading the browser")
    state.publish(())
    if after is not None:
        try:
            after()
        except Exception as exc:  # the pages are fine; only search lags, and the next build retries
            say(f"search index not updated: {type(exc).__name__}: {exc}")


def _failed(problems: tuple[Problem, ...], state: ServerState, say: Callable[[str], None]) -> None:
    for problem in problems:
        say(problem.format())
    say(f"{len(problems)} error(s); still serving the last good site, showing the errors")
    state.publish(problems)


def watch(root: Path, out: Path, stop: threading.Event, on_change: Callable[[], None]) -> None:
    """Call `on_change` after each batch of edits to posts, lessons, templates or site.yaml."""
    import watchfiles

    paths = [root / name for name in WATCHED if (root / name).exists()]
    # folders, so with a separator: `site/` must not swallow `site.yaml` beside it
    ignored = tuple(str(folder.resolve()) + os.sep for folder in (out, root / ".lessonpress-cache"))

    def relevant(change: watchfiles.Change, path: str) -> bool:
        return not path.startswith(ignored) and "__pycache__" not in path and not path.endswith(".tmp")

    for _changes in watchfiles.watch(*paths, watch_filter=relevant, stop_event=stop, debounce=200):
        on_change()
