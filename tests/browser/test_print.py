"""The print stylesheet: the home page prints as a one-column CV (header, metrics, papers),
without navigation, buttons, charts or scripts' controls."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.chromium

VISIBLE = "el => !!el && getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().height > 0"


def test_home_prints_the_cv_header_and_papers_without_the_site_chrome(server, open_page):
    page, log = open_page(server.url)
    page.emulate_media(media="print")
    shown = lambda selector: page.eval_on_selector(selector, VISIBLE)   # noqa: E731
    assert shown(".cv-header h1") and shown(".metrics") and shown(".paper-list .paper-item")
    for chrome in (".site-header", ".site-footer", ".skip-link"):
        assert not shown(chrome), chrome
    lefts = page.eval_on_selector_all(".paper-item", "els => [...new Set(els.map(e => Math.round(e.getBoundingClientRect().left)))]")
    assert len(lefts) == 1                                   # one column
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert log.errors == []


def test_print_ignores_a_stored_dark_theme(server, open_page):
    page, _ = open_page(server.url)
    page.evaluate("localStorage.setItem('scholarsite-theme', 'dark')")
    page.reload()
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "light"
