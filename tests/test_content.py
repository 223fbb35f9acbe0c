"""Loading and validating content: every error kind, with its exact message and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from scholarsite.content import load_paper, load_profile, load_site
from scholarsite.errors import SiteError

GOOD = """---
title: A Good Paper
authors: [Ada Exemplar]
date: 2022-11-02
category: LG
---
Abstract.
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def messages(path: Path) -> list[str]:
    paper, problems = load_paper(path)
    return [str(p) for p in problems]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)   # messages show paths relative to the working directory
    return tmp_path


def test_good_paper_loads_with_no_problem(folder):
    paper, problems = load_paper(write(folder, "good-paper.md", GOOD))
    assert problems == []
    assert (paper.slug, paper.title, paper.authors, paper.category) == (
        "good-paper", "A Good Paper", ("Ada Exemplar",), "LG")
    assert paper.date.isoformat() == "2022-11-02"
    assert paper.abstract_html == "<p>Abstract.</p>"


def test_bom_and_crlf_are_accepted(folder):
    path = write(folder, "bom.md", b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    paper, problems = load_paper(path)
    assert problems == [] and paper.title == "A Good Paper"


@pytest.mark.parametrize("old, new, name, message", [
    ("title: A Good Paper", "title: Attention: all you need", "colon.md",
     'colon.md:2: invalid YAML: the value of `title` contains ": ", which YAML reads as a '
     'nested field: quote it, e.g. title: "Attention: all you need"'),
    ("authors: [Ada Exemplar]", "authors:\n\t- Ada", "tabs.md",
     "tabs.md:4: invalid YAML: a tab indents this line; YAML allows only spaces for indentation"),
    ("title: A Good Paper", "title: A Good\x07 Paper", "bell.md",
     "bell.md:2: invalid YAML: the character U+0007 is not allowed (a control character, "
     "perhaps pasted from a PDF): remove it"),
    ("authors: [Ada Exemplar]", "authors: [Ada Exemplar]\n[venue]: NeurIPS", "listkey.md",
     "listkey.md:4: invalid YAML: a key must be a name, not a list or a mapping"),
], ids=["colon in a value", "tab indent", "control character", "list as a key"])
def test_broken_yaml_names_its_line_and_a_hint(folder, old, new, name, message):
    assert messages(write(folder, name, GOOD.replace(old, new))) == [message]


def test_file_without_frontmatter(folder):
    assert messages(write(folder, "plain.md", "Just text.\n")) == [
        "plain.md:1: no frontmatter: the file must start with a line `---`, then YAML fields, "
        "then a closing `---`"]


def test_unclosed_frontmatter(folder):
    assert messages(write(folder, "open.md", "---\ntitle: x\n")) == [
        "open.md:1: the frontmatter opened by `---` on line 1 is never closed: add a line `---` "
        "after the last field"]


def test_list_shaped_header(folder):
    assert messages(write(folder, "list.md", "---\n- a\n- b\n---\n")) == [
        "list.md:2: the frontmatter must be a mapping of `field: value` lines, found a list"]


def test_missing_and_empty_required_fields(folder):
    text = "---\ntitle:\nauthors: [A]\n---\n"
    assert messages(write(folder, "missing.md", text)) == [
        "missing.md:2: title: is empty",
        "missing.md:1: date: missing required field: Date of the first public version, YYYY-MM-DD.",
        "missing.md:1: category: missing required field: arXiv-style category code: LG, CV, CL, AI, QUANT-PH, ...",
    ]


def test_yaml_boolean_title_gets_quote_hint(folder):
    text = GOOD.replace("title: A Good Paper", "title: No")
    assert messages(write(folder, "no.md", text)) == [
        "no.md:2: title: expected text, found a boolean (false); YAML reads yes/no/on/off/true/false "
        "as booleans: quote the text"]


def test_yaml_number_title_gets_quote_hint(folder):
    text = GOOD.replace("title: A Good Paper", "title: 3.10")
    assert messages(write(folder, "num.md", text)) == [
        "num.md:2: title: expected text, found a number (3.1); YAML read it as a number "
        "(3.10 becomes 3.1): quote the text"]


def test_backslash_escape_in_double_quotes(folder):
    text = GOOD.replace("title: A Good Paper", 'title: "A $\\alpha$ model"')
    assert messages(write(folder, "esc.md", text)) == [
        "esc.md:2: title: contains a control character: in double-quoted YAML a backslash starts "
        "an escape (\\a, \\t, \\b): put LaTeX in single quotes, e.g. title: 'A $\\alpha$ model'"]


def test_key_named_content_is_an_unknown_field_warning_not_a_crash(folder):
    text = GOOD.replace("category: LG", "category: LG\ncontent: x")
    paper, problems = load_paper(write(folder, "content-key.md", text))
    assert paper is not None
    assert [str(p) for p in problems] == [
        "content-key.md:6: content: warning: unknown paper field; it is kept and passed to templates"]


def test_unknown_field_suggests_the_known_one(folder):
    text = GOOD.replace("authors:", "autors: [X]\nauthors:")
    paper, problems = load_paper(write(folder, "typo.md", text))
    assert [str(p) for p in problems] == [
        "typo.md:3: autors: warning: unknown paper field (did you mean `authors`?); it is kept and "
        "passed to templates"]
    assert paper.extra == {"autors": ["X"]}


def test_duplicate_key_is_an_error(folder):
    text = GOOD.replace("category: LG", "category: LG\ncategory: CV")
    assert messages(write(folder, "dup.md", text)) == [
        "dup.md:6: category: appears twice; the later value would silently win: keep one"]


def test_impossible_date(folder):
    text = GOOD.replace("2022-11-02", "2022-02-30")
    assert messages(write(folder, "feb.md", text)) == ["feb.md:4: date: impossible date '2022-02-30'"]


def test_date_in_wrong_format(folder):
    text = GOOD.replace("2022-11-02", "Nov 2, 2022")
    assert messages(write(folder, "fmt.md", text)) == [
        "fmt.md:4: date: expected a date YYYY-MM-DD, found text ('Nov 2, 2022')"]


def test_quoted_date_is_accepted(folder):
    paper, problems = load_paper(write(folder, "quoted.md", GOOD.replace("2022-11-02", '"2022-11-02"')))
    assert problems == [] and paper.date.isoformat() == "2022-11-02"


def test_wrong_types(folder):
    text = GOOD.replace("authors: [Ada Exemplar]", "authors: Ada Exemplar").replace(
        "category: LG", "category: LG\ncitations: -3\nselected: yes please")
    assert messages(write(folder, "types.md", text)) == [
        "types.md:3: authors: expected a list of text, found text ('Ada Exemplar')",
        "types.md:6: citations: expected a whole number >= 0, found -3",
        "types.md:7: selected: expected true or false, found text ('yes please')",
    ]


@pytest.mark.parametrize("url, message", [
    ("javascript:alert(1)", "URL scheme `javascript:` is not allowed; use http(s):// or a path under files/"),
    ("data:text/html,x", "URL scheme `data:` is not allowed; use http(s):// or a path under files/"),
    ("https://", "URL 'https://' has no valid host"),
    ("https://git hub.com/x", "URL 'https://git hub.com/x' contains white space"),
    ("../secret.pdf", "'../secret.pdf' is neither an http(s):// URL nor a path under files/ "
                      "(a file in content/files/ is linked as files/<name>)"),
])
def test_unsafe_or_malformed_urls(folder, url, message):
    text = GOOD.replace("category: LG", f"category: LG\ncode: '{url}'")
    assert messages(write(folder, "url.md", text)) == [f"url.md:6: code: {message}"]


def test_unsafe_url_in_links_names_the_label(folder):
    text = GOOD.replace("category: LG", "category: LG\nlinks:\n  pdf: javascript:x")
    assert messages(write(folder, "links.md", text)) == [
        "links.md:6: links: pdf: URL scheme `javascript:` is not allowed; use http(s):// or a path under files/"]


def test_files_path_and_http_are_valid_urls(folder):
    text = GOOD.replace("category: LG", "category: LG\nlinks:\n  pdf: files/a.pdf\n  web: http://x.org")
    assert messages(write(folder, "ok-links.md", text)) == []


def test_bad_slug(folder):
    assert messages(write(folder, "Bad_Slug.md", GOOD)) == [
        "Bad_Slug.md: slug: file name 'Bad_Slug.md' is not a valid slug: use lowercase ASCII "
        "letters, digits and single hyphens, at most 80 characters (e.g. prompt-distribution-learning.md)"]


def test_bad_category_code(folder):
    text = GOOD.replace("category: LG", "category: machine learning")
    assert messages(write(folder, "cat.md", text)) == [
        "cat.md:5: category: expected an arXiv-style code such as LG, CV or QUANT-PH, found 'machine learning'"]


def test_non_utf8_file(folder):
    path = write(folder, "latin.md", GOOD.replace("A Good Paper", "Caf\xe9").encode("latin-1"))
    assert messages(path) == [
        "latin.md:2: not UTF-8 text (byte 0xe9 at offset 14); save the file as UTF-8"]


def test_unconvertible_latex_is_a_warning_not_an_error(folder):
    text = GOOD.replace("Abstract.", r"We use $\foo{x}$ here.")
    paper, problems = load_paper(write(folder, "latex.md", text))
    assert [str(p) for p in problems] == [
        r"latex.md:7: abstract: warning: LaTeX $\foo{x}$ cannot be converted to MathML "
        r"(unknown command \foo); shown as source"]
    assert r'<code class="math-error">$\foo{x}$</code>' in paper.abstract_html


def test_every_error_of_every_file_is_reported_at_once(sample_root, monkeypatch):
    monkeypatch.chdir(sample_root)
    papers = Path("content/papers")
    write(papers, "deep-sets.md", GOOD.replace("date: 2022-11-02", "date: 2022-13-01"))
    write(papers, "quantum-walks.md", GOOD.replace("authors: [Ada Exemplar]", "authors: []"))
    with pytest.raises(SiteError) as exc:
        load_site(Path("content"))
    assert [str(p) for p in exc.value.problems] == [
        "content/papers/deep-sets.md:4: date: impossible date '2022-13-01'",
        "content/papers/quantum-walks.md:3: authors: is an empty list",
    ]


def test_profile_requires_name(folder):
    path = write(folder, "profile.md", "---\nheadline: x\n---\n")
    profile, problems = load_profile(path)
    assert profile is None
    assert [str(p) for p in problems] == [
        "profile.md:1: name: missing required field: Your name, as shown in the header."]


def test_site_yml_missing(folder):
    (folder / "content").mkdir()
    (folder / "content" / "profile.md").write_text("---\nname: A\n---\n")
    with pytest.raises(SiteError) as exc:
        load_site(folder / "content")
    assert [str(p) for p in exc.value.problems] == [
        "content/site.yml: missing: create it with at least `title: Your Name`"]
