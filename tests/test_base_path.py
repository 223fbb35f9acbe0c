"""One build works at a domain's root and under a sub-path, as GitHub Pages serves it.

The site is built once with base_url https://example.github.io/repo/, then served from a
loopback HTTP server that behaves like GitHub Pages (a folder under a path prefix; 404.html
with status 404 for anything missing) and crawled from its home page.
"""
from __future__ import annotations

import http.client
import threading
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from scholarsite.builder import build

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://example.github.io/repo/"

SMALL_SITE = {
    "site.yml": "title: Ada Example\n",
    "profile.md": "---\nname: Ada Example\nlinks:\n  GitHub: https://github.com/ada\n---\n"
                  "I study small things.\n",
    "papers/first-paper.md": "---\ntitle: The First Paper\nauthors: [Ada Example, Bo Other]\n"
                             "date: 2023-04-05\ncategory: LG\nlinks:\n  pdf: files/first.pdf\n"
                             "---\nWe learn a thing.\n",
    "papers/second-paper.md": "---\ntitle: A Second Paper on $x^2$\nauthors: [Ada Example]\n"
                              "date: 2024-06-07\ncategory: CV\nselected: true\n---\n"
                              "We see a thing.\n",
    "files/first.pdf": "%PDF-1.4\n",
}


def content_dir(tmp: Path) -> Path:
    """The site this repository ships; a small one of our own until content/ is imported."""
    if (ROOT / "content" / "site.yml").exists():
        return ROOT / "content"
    folder = tmp / "content"
    for name, text in SMALL_SITE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("base_path")
    output = tmp / "site"
    build(content_dir(tmp), output, themes_dir=ROOT / "themes", base_url=BASE_URL)
    return output


class PagesHandler(SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix` like GitHub Pages: 404.html, status 404, when missing."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        url_path = urlsplit(path).path
        if not url_path.startswith(self.prefix):
            return str(Path(self.directory) / ".missing" / "nothing")
        return super().translate_path("/" + url_path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def serve():
    """serve(folder, prefix) -> the base URL; servers stop at the end of the test."""
    servers = []

    def start(folder: Path, prefix: str) -> str:
        handler = type("Handler", (PagesHandler,), {"prefix": prefix})
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class Links(HTMLParser):
    """The URLs a page makes a browser load or offer: a/link href, script/img src."""

    ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.canonical: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        value = attrs.get(self.ATTRS.get(tag, ""))
        if value:
            self.urls.append(value)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs.get("href")


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET without following redirects: (status, content type, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path or "/")
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def parse(body: bytes) -> Links:
    links = Links()
    links.feed(body.decode("utf-8"))
    return links


def crawl(start: str) -> tuple[dict[str, int], dict[str, str]]:
    """Every internal URL reachable from `start`: {url: status}, and who linked each one."""
    origin = urlsplit(start).netloc
    status: dict[str, int] = {}
    found_on: dict[str, str] = {start: "(start)"}
    queue = [start]
    while queue:
        url = queue.pop()
        if url in status:
            continue
        code, ctype, body = fetch(url)
        status[url] = code
        if code != 200 or not ctype.startswith("text/html"):
            continue
        for link in parse(body).urls:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != origin:
                continue  # mailto:, external sites, the canonical https://example.github.io/
            target = parts._replace(query="", fragment="").geturl()
            if target not in found_on:
                found_on[target] = url
                queue.append(target)
    return status, found_on


def html_pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")} - {"404.html"}


@pytest.mark.parametrize("prefix", ["/repo/", "/"])
def test_every_internal_link_answers_200(built, serve, prefix):
    status, found_on = crawl(serve(built, prefix))
    broken = {url: (code, found_on[url]) for url, code in status.items() if code != 200}
    assert broken == {}


@pytest.mark.parametrize("prefix", ["/repo/", "/"])
def test_crawl_from_the_home_page_reaches_every_page(built, serve, prefix):
    start = serve(built, prefix)
    status, _ = crawl(start)
    reached = {url[len(start):] for url in status if url.startswith(start)}
    reached = {path + "index.html" if path.endswith("/") or path == "" else path
               for path in reached}
    assert html_pages(built) - reached == set()


def test_crawl_loads_the_stylesheet(built, serve):
    start = serve(built, "/repo/")
    status, _ = crawl(start)
    stylesheets = [url for url in status if url.endswith(".css")]
    assert stylesheets and all(status[url] == 200 for url in stylesheets)


def test_canonical_links_name_the_served_paths(built, serve):
    start = serve(built, "/repo/")
    status, _ = crawl(start)
    for url, code in status.items():
        code, ctype, body = fetch(url)
        if not ctype.startswith("text/html"):
            continue
        canonical = parse(body).canonical
        assert canonical is not None, url
        served = urlsplit(url).path
        assert urlsplit(canonical).path in (served, served.removesuffix("index.html")), url


def test_missing_deep_path_gets_the_404_page(built, serve):
    start = serve(built, "/repo/")
    code, ctype, body = fetch(urljoin(start, "a/b/c/missing"))
    assert code == 404
    assert body == (built / "404.html").read_bytes()
    assert b"Page not found" in body


def test_404_page_at_any_depth_loads_its_stylesheet_and_links(built, serve):
    start = serve(built, "/repo/")
    missing = urljoin(start, "a/b/c/missing")
    links = parse(fetch(missing)[2]).urls
    targets = [urljoin(missing, link) for link in links if not link.startswith("#")]
    internal = [t for t in targets if urlsplit(t).netloc == urlsplit(start).netloc]
    stylesheets = [t for t in internal if urlsplit(t).path.endswith(".css")]
    assert stylesheets
    assert {t: fetch(t)[0] for t in internal} == {t: 200 for t in internal}


def test_404_page_of_a_root_site_loads_its_stylesheet(tmp_path, serve):
    output = tmp_path / "site"
    build(content_dir(tmp_path), output, themes_dir=ROOT / "themes",
          base_url="https://example.github.io/")
    start = serve(output, "/")
    missing = urljoin(start, "a/b/c/missing")
    code, _, body = fetch(missing)
    stylesheets = [urljoin(missing, link) for link in parse(body).urls if link.endswith(".css")]
    assert code == 404 and stylesheets
    assert [fetch(url)[0] for url in stylesheets] == [200] * len(stylesheets)
