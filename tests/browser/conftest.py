"""Fixtures for the browser tests: the built site, its server, and Debian's Chromium.

Every test here is skipped, with the reason, only when chromium is missing; .ci/run installs
it, so in CI they run. Pages are opened through `open_page`, which records console errors
and failed requests so each test can assert there were none.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from browser_support import (CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, PagesServer, build_site, has_chromium,
                     real_content)

BROWSER_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if Path(item.fspath).parent == BROWSER_TESTS and "chromium" in item.keywords \
                and not has_chromium():
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "chromium: drives Debian's Chromium (skipped when it is missing)")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The real site (content/, or the imported seed dump), built once."""
    tmp = tmp_path_factory.mktemp("browser_site")
    return build_site(real_content(tmp), tmp / "site")


# Per module, not per session: their threads (the server's, Playwright's) would outlive the
# browser tests, and a process running threads does not fork, so the parallel build tests
# after them would run in one process (see scholarsite.parallel.can_fork).
@pytest.fixture(scope="module")
def server(site_dir):
    with PagesServer(site_dir) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageLog:
    """What went wrong while a page was open: console errors, uncaught errors, failed requests."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser):
    """open_page(url, **context_options) -> (page, log); contexts close after the test."""
    contexts = []

    def _open(url: str, **options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        log = PageLog()
        page.on("console", lambda m: m.type == "error" and log.errors.append(m.text))
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        page.on("requestfailed", lambda r: log.failed.append(f"{r.url}: {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and log.failed.append(f"{r.url}: HTTP {r.status}"))
        page.goto(url, wait_until="load")
        return page, log

    yield _open
    for context in contexts:
        context.close()


def pages_of(site: Path) -> list[str]:
    """Every HTML page of a built site, as URL paths ("", "papers/", "papers/x/", "404.html")."""
    paths = []
    for html in sorted(site.rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        paths.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return paths


@pytest.fixture(scope="session")
def a_paper(site_dir) -> str:
    """The URL path of a paper page with code links, previous/next and, if any, math."""
    papers = sorted((site_dir / "papers").glob("*/index.html"))
    def score(p: Path) -> tuple:
        html = p.read_text()
        return ("<math" in html, 'class="button code"' in html, 'rel="next"' in html, 'rel="prev"' in html)
    best = max(papers, key=score)
    return best.parent.relative_to(site_dir).as_posix() + "/"
