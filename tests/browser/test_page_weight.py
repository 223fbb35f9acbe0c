"""The home page stays light: HTML+CSS+JS under 60 KB gzip-compressed for 50 papers, and no
render-blocking request besides the one stylesheet. Reads the built files; no browser needed."""
from __future__ import annotations

import gzip
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser_support import REPO, build_site

LIMIT = 60 * 1024


@pytest.fixture(scope="module")
def site_of_50(tmp_path_factory) -> Path:
    """50 generated papers (tests/perf/gen_corpus.py: full metadata, math, a few selected)."""
    sys.path.insert(0, str(REPO / "tests" / "perf"))
    try:
        from gen_corpus import generate
    finally:
        sys.path.pop(0)
    tmp = tmp_path_factory.mktemp("weight")
    return build_site(generate(50, tmp / "content"), tmp / "site")


class Head(HTMLParser):
    """The requests a page's <head> makes, and whether each blocks rendering."""

    def __init__(self):
        super().__init__()
        self.in_head = True
        self.stylesheets: list[str] = []
        self.blocking_scripts: list[str] = []
        self.inline_script_bytes = 0
        self._in_script = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split():
            self.stylesheets.append(a["href"])
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
                if self.in_head and "defer" not in a and "async" not in a:
                    self.blocking_scripts.append(a["src"])
            elif a.get("type") in (None, "", "text/javascript", "module"):   # not JSON-LD data
                self._in_script = True
        if tag == "body":
            self.in_head = False

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline_script_bytes += len(data.encode())


def weight(site: Path, page: str) -> tuple[int, Head]:
    html = (site / page).read_bytes()
    head = Head()
    head.feed(html.decode())
    files = [html] + [(site / page).parent.joinpath(url).resolve().read_bytes()
                      for url in head.stylesheets + head.scripts]
    return sum(len(gzip.compress(f, 9)) for f in files), head


def test_home_page_html_css_js_under_60_kb_compressed_for_50_papers(site_of_50):
    assert len(list((site_of_50 / "papers").glob("*/index.html"))) == 50
    total, _ = weight(site_of_50, "index.html")
    assert total < LIMIT, f"home page: {total} bytes gzip-compressed (limit {LIMIT})"


def test_papers_page_of_50_papers_is_light_too(site_of_50):
    total, _ = weight(site_of_50, "papers/index.html")
    assert total < LIMIT, f"papers page: {total} bytes gzip-compressed (limit {LIMIT})"


@pytest.mark.parametrize("page", ["index.html", "papers/index.html", "404.html"])
def test_one_stylesheet_is_the_only_render_blocking_request(site_of_50, page):
    head = Head()
    head.feed((site_of_50 / page).read_text())
    assert len(head.stylesheets) == 1
    assert head.blocking_scripts == []
    assert head.inline_script_bytes < 300, "the inline theme script must stay tiny"
    css = (site_of_50 / "static" / "css" / "site.css").read_text()
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?https?:", css)


class Requests(HTMLParser):
    """Every URL a page loads by itself (not links): stylesheets, icons, scripts, images."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        rel = (a.get("rel") or "").split()
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload"} & set(rel):
            self.urls.append(a["href"])
        elif tag in ("script", "img", "source", "iframe") and a.get("src"):
            self.urls.append(a["src"])


def test_no_request_leaves_the_site(site_of_50):
    outside = []
    for html in sorted(site_of_50.rglob("*.html")):
        parser = Requests()
        parser.feed(html.read_text())
        outside += [f"{html.relative_to(site_of_50)}: {u}" for u in parser.urls if "//" in u]
    assert outside == []
