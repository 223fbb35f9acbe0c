"""The default theme's JavaScript in Chromium: the papers filter, chips, copy BibTeX, the theme
toggle (remembered, applied before the first paint), and the pages without JavaScript."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.chromium


def visible_titles(page) -> list[str]:
    """Titles shown once the filter has written every year (it writes far ones in later frames)."""
    page.wait_for_selector("#paper-groups:not([aria-busy])", state="attached")
    return page.eval_on_selector_all(
        ".paper-item:not([hidden]) .paper-title", "els => els.map(e => e.textContent.trim())")


def all_items(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".paper-item", "els => els.map(e => ({text: e.textContent.toLowerCase(), "
                       "category: e.dataset.category}))")


def a_word_in_some_titles(page) -> str:
    """A word that occurs in some papers' text but not in all of them."""
    items = all_items(page)
    for title in visible_titles(page):
        for word in sorted(re.findall(r"[a-z]{6,}", title.lower()), key=len, reverse=True):
            n = sum(word in item["text"] for item in items)
            if 1 < n < len(items):
                return word
    raise AssertionError("no word that narrows the list")


def test_filter_narrows_the_list_as_you_type_and_clear_restores_it(server, open_page):
    page, log = open_page(server.url + "papers/")
    total = len(all_items(page))
    word = a_word_in_some_titles(page)
    expected = [i for i in all_items(page) if word in i["text"]]

    page.fill("#filter-text", word)
    shown = visible_titles(page)
    assert len(shown) == len(expected) < total
    assert page.text_content(".filter-status") == f"{len(expected)} of {total} papers"
    # Year headings of years with no match disappear with their papers.
    for section in page.query_selector_all(".year-group"):
        has_visible = section.query_selector(".paper-item:not([hidden])") is not None
        assert section.is_visible() == has_visible

    page.fill("#filter-text", "")
    assert len(visible_titles(page)) == total
    assert page.text_content(".filter-status") == f"{total} papers"
    assert log.errors == [] and log.failed == []


def test_filter_words_must_all_match_in_any_order_and_case(server, open_page):
    page, _ = open_page(server.url + "papers/")
    first = visible_titles(page)[0]
    words = [w for w in re.findall(r"[A-Za-z]{4,}", first)][:2]
    page.fill("#filter-text", " ".join(reversed(words)).upper())
    assert first in visible_titles(page)
    shown = page.eval_on_selector_all(".paper-item:not([hidden])",
                                      "els => els.map(e => e.textContent.toLowerCase())")
    expected = [i for i in all_items(page) if all(w.lower() in i["text"] for w in words)]
    assert len(shown) == len(expected)
    assert all(all(w.lower() in text for w in words) for text in shown)
    page.fill("#filter-text", "zzqx-no-paper-has-this")
    assert visible_titles(page) == []
    assert page.text_content(".filter-status") == f"0 of {len(all_items(page))} papers"


def test_chips_narrow_by_category_and_combine_with_the_text(server, open_page):
    page, log = open_page(server.url + "papers/")
    items = all_items(page)
    chips = page.query_selector_all(".chips button[data-category]")
    assert len(chips) >= 2, "the site needs two categories for this test"
    first, second = (c.get_attribute("data-category") for c in chips[:2])

    page.click(f'.chips button[data-category="{first}"]')
    assert page.get_attribute(f'.chips button[data-category="{first}"]', "aria-pressed") == "true"
    assert len(visible_titles(page)) == sum(i["category"] == first for i in items)

    page.click(f'.chips button[data-category="{second}"]')     # a second chip widens: either one
    assert len(visible_titles(page)) == sum(i["category"] in (first, second) for i in items)

    word = a_word_in_some_titles(page)
    page.fill("#filter-text", word)                            # text narrows within the chips
    expected = [i for i in items if i["category"] in (first, second) and word in i["text"]]
    assert len(visible_titles(page)) == len(expected)

    page.click(f'.chips button[data-category="{first}"]')
    page.click(f'.chips button[data-category="{second}"]')     # no chip: every category again
    assert len(visible_titles(page)) == sum(word in i["text"] for i in items)
    assert log.errors == [] and log.failed == []


def test_without_javascript_every_paper_is_listed_and_no_control_shows(server, open_page):
    page, _ = open_page(server.url + "papers/", java_script_enabled=False)
    lead = page.text_content(".lead")
    total = int(lead.split()[0])
    assert len(page.query_selector_all(".paper-item")) == total
    assert len(visible_titles(page)) == total
    assert not page.is_visible("form.filter")
    assert not page.is_visible(".theme-toggle")


def test_copy_button_puts_the_bibtex_on_the_clipboard_and_says_so(server, open_page, a_paper):
    page, log = open_page(server.url + a_paper, permissions=["clipboard-read", "clipboard-write"])
    bibtex = page.text_content("#bibtex")
    assert bibtex.startswith("@")
    page.click("button.copy")
    page.wait_for_function("document.querySelector('.copy-status').textContent !== ''")
    assert page.text_content(".copy-status") == "BibTeX copied to the clipboard."
    assert page.text_content("button.copy .copy-label") == "Copied"
    assert page.evaluate("navigator.clipboard.readText()") == bibtex
    assert log.errors == [] and log.failed == []


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


LIGHT_BG, DARK_BG = "rgb(255, 255, 255)", "rgb(15, 20, 25)"


def test_page_follows_the_system_theme_without_a_choice(server, open_page):
    page, _ = open_page(server.url, color_scheme="dark")
    assert background(page) == DARK_BG
    assert page.get_attribute(".theme-toggle", "aria-pressed") == "true"
    page.emulate_media(color_scheme="light")
    assert background(page) == LIGHT_BG
    # The toggle's state follows in a matchMedia "change" listener, after the CSS switched.
    page.wait_for_function(
        "document.querySelector('.theme-toggle').getAttribute('aria-pressed') === 'false'",
        timeout=5000)


def test_theme_toggle_choice_persists_across_reloads_and_pages(server, open_page):
    page, log = open_page(server.url, color_scheme="light")
    assert background(page) == LIGHT_BG
    page.click(".theme-toggle")
    assert background(page) == DARK_BG
    assert page.get_attribute(".theme-toggle", "aria-pressed") == "true"
    page.reload()
    assert background(page) == DARK_BG
    assert page.get_attribute(".theme-toggle", "aria-pressed") == "true"
    page.goto(server.url + "papers/")
    assert background(page) == DARK_BG
    page.click(".theme-toggle")
    page.reload()
    assert background(page) == LIGHT_BG
    assert log.errors == [] and log.failed == []


# Runs before any script of the page: records the theme at the moment <body> is parsed,
# which is before the first paint.
AT_BODY = """
new MutationObserver(function (changes, observer) {
  if (document.body) {
    window.themeAtBody = document.documentElement.getAttribute("data-theme");
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_remembered_theme_is_set_before_the_body_even_without_site_js(server, browser):
    context = browser.new_context(color_scheme="light")
    try:
        page = context.new_page()
        page.goto(server.url)
        page.evaluate("localStorage.setItem('scholarsite-theme', 'dark')")
        page.add_init_script(AT_BODY)
        page.route("**/site.js", lambda route: route.abort())   # only the inline script may act
        page.reload()
        assert page.evaluate("window.themeAtBody") == "dark"
        assert background(page) == DARK_BG
    finally:
        context.close()


def test_skip_link_is_first_and_moves_focus_to_main(server, open_page):
    page, _ = open_page(server.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.is_visible(".skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_focus_is_visible_on_links_and_buttons(server, open_page):
    page, _ = open_page(server.url)
    for _ in range(3):
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid", page.evaluate("document.activeElement.outerHTML")
