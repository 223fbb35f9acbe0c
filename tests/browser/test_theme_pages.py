"""Every page of the real site in Chromium: no console error, no failed request, no horizontal
scroll on a 390 px phone, and axe-core finds no violation in the light or the dark theme."""
from __future__ import annotations

import json

import pytest

from browser_support import NODE_MODULES, NO_NODE_MODULES
from conftest import pages_of

pytestmark = pytest.mark.chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
         "has_touch": True}


def test_no_console_error_and_no_failed_request_on_any_page(server, site_dir, open_page):
    problems = []
    page, log = open_page(server.url)
    for path in pages_of(site_dir):
        log.errors.clear(), log.failed.clear()
        # networkidle: late requests (the favicon) finish before the next page aborts them.
        page.goto(server.url + path, wait_until="networkidle")
        problems += [f"{path}: {e}" for e in log.errors]
        # The favicon loads late and the next page may cancel it: that is the crawl, not the
        # site (a missing favicon would still show here as HTTP 404).
        problems += [f"{path}: {f}" for f in log.failed if f != f"{server.url}404.html: HTTP 404"
                     and not f.endswith("static/img/icon.svg: net::ERR_ABORTED")]
    assert problems == []


def test_no_horizontal_scroll_at_390_px_on_any_page(server, site_dir, open_page):
    too_wide = []
    page, _ = open_page(server.url, **PHONE)
    for path in pages_of(site_dir):
        page.goto(server.url + path, wait_until="load")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            too_wide.append(f"{path}: {widths[0]} px wide in a {widths[1]} px window")
    assert too_wide == []


def test_missing_page_gets_the_404_page_with_its_stylesheet(server, open_page):
    page, log = open_page(server.url + "no/such/page/")
    assert page.text_content("h1") == "Page not found"
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
    assert [f for f in log.failed if not f.endswith("/no/such/page/: HTTP 404")] == []


AXE = NODE_MODULES / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
                        for n in v["nodes"][:3])
            for v in result["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation(server, site_dir, a_paper, open_page, scheme):
    if not AXE.is_file():
        pytest.skip(NO_NODE_MODULES)
    paths = ["", "papers/", a_paper, "categories/", "404.html"]
    paths += [p for p in pages_of(site_dir) if p.startswith("categories/") and p != "categories/"][:1]
    found = []
    for path in paths:
        for options in ({}, PHONE):
            page, _ = open_page(server.url + path, color_scheme=scheme, **options)
            found += [f"{path or 'home'} ({scheme}, {page.viewport_size['width']} px): {v}"
                      for v in axe_violations(page)]
            page.close()
    assert found == []


def test_axe_finds_no_violation_with_the_filter_in_use(server, open_page):
    if not AXE.is_file():
        pytest.skip(NO_NODE_MODULES)
    page, _ = open_page(server.url + "papers/", color_scheme="dark")
    page.click(".chips button[data-category]")
    page.fill("#filter-text", "learning")
    assert axe_violations(page) == []
