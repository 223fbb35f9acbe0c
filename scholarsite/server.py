"""`scholarsite serve`: build, serve the output folder on loopback, rebuild on every save.

Built on livereload's `Server` (tornado underneath), with a workaround for each of its traps
(see library-facts.md, section 1):

- It drops a reload that comes within 3 s of the previous one. We send the reload ourselves
  (`LiveReloadHandler.reload_waiters`) right after each rebuild, so every save reaches the
  browser; that also stamps livereload's clock, so its own throttled reload stays silent.
- It calls a watch callback without arguments on a deletion (and always for a folder). The
  callback takes `paths=None` and never trusts them: it compares a snapshot of the watched
  files instead, which names modified, added and deleted files alike.
- It answers unknown paths with tornado's bare 404 page, which has no reload script.
  `PageHandler` serves the site's own 404.html with status 404.
- It injects its script only before the first lowercase `</head>` of the first chunk.
  `PageHandler` sends every HTML page in one chunk and injects the script itself when
  livereload would not.

A broken edit (bad YAML, an impossible date, a template syntax error) never stops the server:
the problems are drawn over every page served, with the last good build underneath, until a
save fixes them. Only files inside the output folder are served; tornado (>= 6.5.9) refuses
`..`, encoded `..`, absolute paths and symlinks that lead out of it.
"""
from __future__ import annotations

import errno
import html
import logging
import os
import re
import socket
import warnings
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from tornado import web

from .builder import Builder
from .errors import Problem, SiteError, UsageError
from .writer import check_output_dir

PORT_TRIES = 20            # when the port is taken, try this many after it
Snapshot = dict[str, tuple[int, int]]   # path -> (mtime_ns, size)


def run(args) -> int:
    """Build, serve and watch until Ctrl-C. Content errors keep the server up; an output
    folder that may not be built into, or no free port, ends it with exit status 1."""
    content, output = Path(args.content), Path(args.output)
    builder = Builder(content, output, args.themes, getattr(args, "base_url", None), args.strict)
    check_output_dir(output, [content, builder.themes_dir])   # SiteError -> exit 1
    port = free_port(args.host, args.port)
    if port is None:
        print(f"scholarsite serve: ports {args.port}-{args.port + PORT_TRIES - 1} on {args.host} "
              "are all in use; choose another with --port")
        return 1
    if port != args.port:
        print(f"Port {args.port} on {args.host} is in use; using port {port} instead.")
    live = LiveSite(builder)
    server = LiveServer(live)
    for folder in live.folders:
        server.watch(str(folder), live.on_change, ignore=is_ignored)
    live.start()
    url = f"http://{_url_host(args.host)}:{port}/"
    print(f"Serving {output}/ at {url} (Ctrl-C to stop)", flush=True)
    with warnings.catch_warnings():
        # livereload 2.7 calls IOLoop.instance(), deprecated in tornado 6.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            server.serve(port=port, host=args.host, root=str(output), live_css=True,
                         open_url_delay=0.5 if args.open else None)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            print(f"scholarsite serve: port {port} on {args.host} is in use; choose another "
                  "with --port")
            return 1
    print("Stopped.", flush=True)
    return 0


class LiveSite:
    """The builder, the files it watches, and the problems of the last rebuild, if any."""

    def __init__(self, builder: Builder):
        self.builder = builder
        # The whole themes folder: site.yml may switch to another theme at any save.
        self.folders = [builder.content_dir, builder.themes_dir]
        self.snapshot: Snapshot = {}
        self.problems: list[Problem] | None = None

    def start(self) -> None:
        """Take the first snapshot, then build everything (before any save is looked at)."""
        self.snapshot = take_snapshot(self.folders)
        try:
            report = self.builder.rebuild()
        except SiteError as exc:
            self._fail(exc.problems)
            return
        for w in report.warnings:
            print(w, flush=True)
        print(report.summary(), flush=True)
        self.builder.warm()

    def on_change(self, paths: list[str] | None = None) -> None:
        """livereload's callback. `paths` is ignored: it is None on deletions."""
        snapshot = take_snapshot(self.folders)
        changed = changed_paths(self.snapshot, snapshot)
        self.snapshot = snapshot
        if changed:
            self.rebuild(changed)

    def rebuild(self, changed: list[str]) -> None:
        names = ", ".join(_short(p) for p in changed[:3]) + (" ..." if len(changed) > 3 else "")
        was_broken = self.problems is not None
        try:
            report = self.builder.rebuild(changed)
        except SiteError as exc:
            self._fail(exc.problems)
            reload("*")
            return
        self.problems = None
        rendered = report.changed or []
        print(f"{names} changed: {report.rendered} rendered, {len(rendered)} written or removed "
              f"in {report.seconds * 1000:.0f} ms", flush=True)
        if was_broken:
            print("Fixed: serving the new build.", flush=True)
        stylesheets = [rel for rel in rendered if rel.endswith(".css")]
        if rendered and len(stylesheets) == len(rendered) and not was_broken:
            for rel in stylesheets:
                reload("/" + rel)            # livereload.js swaps the stylesheet in place
        elif rendered or was_broken:
            pages = [rel for rel in rendered if rel.endswith(".html")]
            reload("/" + pages[0] if pages else "*")
        self.builder.save_cache()   # after the reload is on its way

    def _fail(self, problems: list[Problem]) -> None:
        self.problems = problems
        print("The build failed; the last good build stays served:", flush=True)
        for p in problems:
            print(f"  {p}", flush=True)


def reload(path: str) -> None:
    """Tell every connected browser to reload now (livereload's own reload may be dropped)."""
    LiveReloadHandler.reload_waiters(path)


class LiveServer(Server):
    """livereload's Server, serving pages through PageHandler and logging quietly."""

    def __init__(self, live: LiveSite):
        super().__init__()
        self.live = live

    def get_web_handlers(self, script: bytes) -> list:
        return [(r"/(.*)", PageHandler, {"path": self.root, "default_filename": "index.html",
                                         "live": self.live, "script": script})]

    def _setup_logging(self) -> None:
        # Our own lines say what happened; livereload's and tornado's per-request logs would
        # bury them.
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.ERROR)
        logging.getLogger("tornado.general").setLevel(logging.ERROR)   # 403s of traversals


class PageHandler(StaticFileHandler):
    """Files of the output folder; HTML pages in one chunk, with the reload script and, after
    a broken edit, the problems on top; the site's 404.html for unknown paths."""

    def initialize(self, path: str, default_filename: str | None = None,
                   live: LiveSite | None = None, script: bytes = b"") -> None:
        super().initialize(path, default_filename)
        self.live = live
        self.script = script
        self.whole_page = False

    def compute_etag(self) -> str | None:
        # StaticFileHandler's etag hashes the file on disk; a page we send whole is not it.
        return None if self.whole_page else super().compute_etag()

    async def get(self, path: str, include_body: bool = True) -> None:
        self.path = self.parse_url_path(path)
        try:
            absolute = self.validate_absolute_path(
                self.root, self.get_absolute_path(self.root, self.path))
        except web.HTTPError as exc:
            if exc.status_code != 404:
                raise                             # 403: outside the output folder
            self._send_page(404, Path(self.root, "404.html"), include_body)
            return
        if absolute is None:
            return                                # redirected to the folder's URL with a slash
        if absolute.endswith((".html", ".htm")):
            self._send_page(200, Path(absolute), include_body)
            return
        await super().get(path, include_body)

    def _send_page(self, status: int, page: Path, include_body: bool) -> None:
        try:
            body = page.read_bytes()
        except OSError:
            body = FALLBACK_PAGE
        problems = self.live.problems if self.live else None
        if problems:
            body = with_problems(body, problems)
        if b"</head>" not in body:                # livereload's transform would miss it
            body = with_script(body, self.script)
        self.whole_page = True
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(body if include_body else None)


FALLBACK_PAGE = (b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found</title>"
                 b"</head><body><h1>Not found</h1><p>Nothing has been built here yet.</p>"
                 b"</body></html>")

_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(rb"</head\s*>", re.IGNORECASE)


def with_problems(body: bytes, problems: list[Problem]) -> bytes:
    """The page with a full-window panel on top naming each problem's file, line and message."""
    items = "\n".join(html.escape(str(p)) for p in problems)
    panel = (
        '<div id="scholarsite-build-error" role="alert" style="position:fixed;inset:0;'
        'z-index:2147483647;overflow:auto;margin:0;padding:2rem;background:#fff8f6;color:#1a1a1a;'
        'font:16px/1.5 system-ui,sans-serif">'
        '<h1 style="margin:0 0 .5rem;font-size:1.4rem;color:#b3261e">The build failed</h1>'
        '<p style="margin:0 0 1rem">Fix the file and save: this page reloads by itself. '
        'Underneath is the last good build.</p>'
        '<pre style="white-space:pre-wrap;margin:0;padding:1rem;background:#fff;'
        f'border:1px solid #e6c1bc;font:14px/1.5 ui-monospace,monospace">{items}</pre></div>'
    ).encode()
    m = _BODY_OPEN.search(body)
    return body[:m.end()] + panel + body[m.end():] if m else panel + body


def with_script(body: bytes, script: bytes) -> bytes:
    """Insert the reload script before `</head>` in any case, else at the start of the body."""
    m = _HEAD_CLOSE.search(body) or _BODY_OPEN.search(body)
    if m is None:
        return script + body
    at = m.start() if m.group(0)[:2] == b"</" else m.end()
    return body[:at] + script + body[at:]


# Watching: a snapshot of the watched files, compared after each save.

def is_ignored(path: str) -> bool:
    """Editor droppings and hidden files: never part of the site, never a reason to rebuild."""
    name = os.path.basename(path)
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")) \
        or name == "4913"


def take_snapshot(folders: list[Path]) -> Snapshot:
    """Every watched file's (mtime_ns, size), by path."""
    snapshot: Snapshot = {}
    stack = [str(f) for f in folders if f.is_dir()]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if is_ignored(entry.name):
                continue
            try:
                if entry.is_dir():
                    stack.append(entry.path)
                elif entry.is_file():
                    st = entry.stat()
                    snapshot[entry.path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue                          # vanished between listing and stat
    return snapshot


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    """Paths modified, added or deleted between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def free_port(host: str, port: int) -> int | None:
    """`port` if it can be bound on `host`, else the next one that can, else None."""
    for candidate in range(port, port + PORT_TRIES):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as tornado binds
            try:
                sock.bind((host, candidate))
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise UsageError(f"cannot listen on {host}: {exc.strerror or exc}") from None
            return candidate
    return None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path
