"""What the browser tests share: Debian's Chromium, the site they judge, and a loopback server.

The site is the repository's own content/ when it has been imported, otherwise the seed
profile dump imported into a temporary folder (the same 50 papers). The server behaves like
GitHub Pages where it matters to Lighthouse: gzip for text, a cache lifetime, 404.html.
Run as a script (`python tests/browser/browser_support.py SITE_DIR`) it serves a folder for a look.
"""
from __future__ import annotations

import gzip
import os
import shutil
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SCHOLARSITE_CHROMIUM", "/usr/bin/chromium"))
NODE_MODULES = REPO / "node_modules"
# Debian's chromium as root, on a machine with no outside network: no sandbox (root), no GPU,
# and none of the background requests that would fail and slow every start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
NO_CHROMIUM = f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it: apt-get install chromium)"
NO_NODE_MODULES = "npm packages missing: run `npm ci --ignore-scripts` at the repository root (.ci/run does)"


def has_chromium() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def real_content(tmp: Path) -> Path:
    """content/ when it holds a site, else the seed dump imported into `tmp`."""
    if (REPO / "content" / "site.yml").is_file() and (REPO / "content" / "profile.md").is_file():
        return REPO / "content"
    from scholarsite.cli import main
    folder = tmp / "content"
    folder.mkdir(parents=True, exist_ok=True)
    rc = main(["import", str(REPO / "seeds" / "xinmei-tian.txt"), "--content", str(folder),
               "--as-of", "2024-01-01"])
    assert rc == 0, "importing the seed profile dump failed"
    return folder


def build_site(content: Path, output: Path, base_url: str | None = None) -> Path:
    from scholarsite.builder import build
    if output.exists():
        shutil.rmtree(output)
    build(content, output, themes_dir=REPO / "themes", base_url=base_url)
    return output


COMPRESSIBLE = {".html", ".css", ".js", ".svg", ".xml", ".bib", ".txt", ".json"}


class PagesHandler(SimpleHTTPRequestHandler):
    """A static folder served like GitHub Pages: gzip, max-age=600, 404.html with status 404."""

    def log_message(self, format, *args):   # quiet: tests read results, not logs
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().do_GET()           # the standard redirect to "dir/"
            path = path / "index.html"
        if not path.is_file():
            return self._send(404, Path(self.directory) / "404.html")
        return self._send(200, path)

    def _send(self, status: int, path: Path):
        if not path.is_file():
            return self.send_error(status)
        body = path.read_bytes()
        gzipped = path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            body = gzip.compress(body, 6, mtime=0)
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PagesServer:
    """`with PagesServer(folder) as server:` serves it on 127.0.0.1, on a free port."""

    def __init__(self, folder: Path):
        handler = partial(PagesHandler, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "PagesServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


if __name__ == "__main__":
    with PagesServer(Path(sys.argv[1])) as server:
        print(server.url, flush=True)
        threading.Event().wait()
