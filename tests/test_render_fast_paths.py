"""The shortcuts that make a paper page cheap to render give the same text as the long way.

plain_text runs each of its regexes only when the text holds what the regex needs, BibTeX
escaping translates plain text in one call (none when it holds no special), capitals are
protected word by word in one expression when the title is plain words between single spaces,
and human_date reads month names from a table: each
is checked here against the straightforward computation it replaces, on many random strings.
"""
from __future__ import annotations

import datetime as dt
import html
import random
import re

import pytest

from scholarsite import bibtex, markup
from scholarsite.markup import plain_text
from scholarsite.metadata import scholar_tags
from scholarsite.models import Paper, SiteConfig
from scholarsite.theme import human_date

# Fragments that trigger every step of plain_text and BibTeX escaping, in random orders.
PIECES = list("ab cD\n\t$\\`*_[]()<>&#;!-+.1 2x{}~^%\u00a0\u2003é") + [
    "$$", "**", "__", "](", "\\textbf{", "&amp;", "<b>", "</b>", "<https://x.org>", "\n- ",
    "\n# ", "\n> ", "1. ", "\\emph{", "`code`", "$x^2$", "\\'e", "\\&", "\\{", " and ", "Jr."]


def random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25))) for _ in range(n)]


def plain_text_the_long_way(text: str) -> str:
    """plain_text as it was written first: every regex on every text."""
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    command = markup._TEXT_COMMAND
    text = markup._CODE_SPAN.sub(lambda m: keep(m.group(2).strip()), text)
    text = markup._DISPLAY_MATH.sub(lambda m: keep(command.sub(r"\1", m.group(1).strip())), text)
    text = markup.INLINE_MATH.sub(lambda m: keep(command.sub(r"\1", m.group(1))), text)
    text = markup._MARKDOWN_ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = command.sub(r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", "", text, flags=re.M)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)
    text = markup._RAW_TAG.sub("", text)
    text = re.sub(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)
    text = html.unescape(text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)
    return re.sub(r"\s+", " ", text).strip()


def outcome(function, text: str) -> object:
    try:
        return function(text)
    except Exception as exc:  # the same failure counts as the same result
        return type(exc)


def test_plain_text_gives_what_every_regex_on_every_text_gives() -> None:
    samples = random_texts(20000, seed=1) + [
        "Plain prose. Two sentences.\n\nA second paragraph.\n",
        "We **use** $\\textbf{mo}$ and [a link](https://x.org) <b>x</b>.",
        "  - a list\n  1. numbered\n### heading\n> quote",
        "Bounds for $x*y*z$ and *this* $$\\sum_i a_i$$ `a*b` snake_case_name _it_ R&amp;D",
    ]
    for text in samples:
        assert outcome(plain_text, text) == outcome(plain_text_the_long_way, text), repr(text)


def test_fast_inline_math_finds_the_same_formulas() -> None:
    for text in random_texts(20000, seed=2):
        fast = [m.span(1) for m in markup._FAST_INLINE_MATH.finditer(text)]
        assert fast == [m.span(1) for m in markup.INLINE_MATH.finditer(text)], repr(text)


def escape_text_the_long_way(text: str) -> str:
    """bibtex._escape_text by its character loop: a trailing backslash sends the text there
    (and comes out as \\textbackslash{}, cut off again)."""
    return bibtex._escape_text(text + "\\")[:-len("\\textbackslash{}")] if text else ""


def test_bibtex_escaping_of_plain_text_matches_the_character_loop() -> None:
    for text in random_texts(20000, seed=3):
        if "\\" not in text and "{" not in text and "}" not in text:
            assert bibtex._escape_text(text) == escape_text_the_long_way(text), repr(text)
    assert bibtex.escape("A & B_1 at 50% #1 ~ ^ $x_1$") == (
        r"A \& B\_1 at 50\% \#1 \textasciitilde{} \textasciicircum{} $x_1$")


def protect_capitals_the_long_way(title: str) -> str:
    """protect_capitals as it was written first: every piece split on white space, word by
    word."""
    out = []
    for is_math, piece in bibtex._split_math(title):
        if is_math:
            out.append("{" + piece + "}" if bibtex._CAPITAL.search(piece) else piece)
            continue
        for word in re.split(r"(\s+)", piece):
            if bibtex._CAPITALS.isdisjoint(word):
                pass
            elif "\\" not in word and "{" not in word and "}" not in word:
                word = "{" + word + "}"
            else:
                bare = bibtex._COMMAND.sub("", word)
                already = word.startswith("{") and word.endswith("}")
                if (bibtex._CAPITAL.search(bare) and not already
                        and not bibtex._unmatched_braces(word)):
                    word = "{" + word + "}"
            out.append(word)
    return "".join(out)


def test_protect_capitals_matches_the_word_loop() -> None:
    for text in random_texts(20000, seed=4) + ["", " ", "A", " A b ", "a  B", "Ab\u00a0Cd"]:
        assert bibtex.protect_capitals(text) == protect_capitals_the_long_way(text), repr(text)


def test_protect_capitals_braces_words_with_capitals_only() -> None:
    assert bibtex.protect_capitals("Prompt learning for CLIP-like  models in $O(N)$ and $x$") == (
        "{Prompt} learning for {CLIP-like}  models in {$O(N)$} and $x$")
    assert bibtex.protect_capitals(r"\'Etude of {BERT} and \textbf{x}") == (
        r"{\'Etude} of {BERT} and \textbf{x}")


def test_human_date_reads_like_strftime_in_the_c_locale() -> None:
    for month in range(1, 13):
        day = dt.date(2022, month, 2)
        assert human_date(day) == day.strftime("%b ") + f"{day.day}, {day.year}"


def test_scholar_publication_date_reads_like_strftime() -> None:
    paper = Paper(slug="x", source_path="x.md", title="T", authors=("A B",),
                  date=dt.date(2021, 3, 7), category="LG")
    tags = dict(scholar_tags(paper, SiteConfig(title="t")))
    assert tags["citation_publication_date"] == "2021/03/07"


@pytest.mark.parametrize("name, escaped", [("page.html", True), ("feed.xml", True),
                                           ("cite.bib", False), (None, True)])
def test_autoescape_is_decided_by_the_template_name(tmp_path, name, escaped) -> None:
    from scholarsite.theme import load_theme

    (tmp_path / "default" / "templates").mkdir(parents=True)
    env = load_theme(tmp_path, "default").env
    assert env.autoescape(name) is escaped
