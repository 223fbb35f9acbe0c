"""The scholarly web (issue 6): what indexers, feed readers and citation managers read.

A small site is built once with base_url and once without, then read the way its readers read
it: meta tags and JSON-LD with html.parser and json, the feed with feedparser, the sitemap as
XML, every BibTeX file with bibtexparser (a real BibTeX parser, decoding LaTeX back to text).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import feedparser
import pytest
from bibtexparser import middlewares

from scholarsite.bibtex import assign_keys, entry
from scholarsite.builder import build
from scholarsite.content import parse_paper
from scholarsite.categories import ARXIV_CATEGORIES, arxiv_class, code_from_arxiv
from scholarsite.markup import first_sentence, plain_text
from scholarsite.metadata import venue_kind
from scholarsite.models import Paper

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://ada.example.org/lab/"
TRICKY_TITLE = 'Q&A <Bounds>: "Fast" $x*y*z$ and $\\mathcal{O}(N^2)$ for R&D'
NO_BASE_URL_WARNING = (
    "content/site.yml: base_url: warning: not set, so sitemap.xml and robots.txt were skipped "
    "(sitemaps need absolute URLs) and pages have no canonical link or og:url; set it in "
    "site.yml or pass --base-url")

PROFILE = """---
name: Ada Lovelace
headline: Researcher in machine learning & "analytical engines"
affiliation: University of London
email: ada@example.org
links:
  ORCID: https://orcid.org/0000-0002-1825-0097
  GitHub: https://github.com/ada
  CV: files/engine.pdf
---
I study **engines**.
"""

PAPERS = {
    # Venue (conference), arXiv link, a PDF in files/, math and specials in the title, et al.
    "bounds-math": """---
title: 'Q&A <Bounds>: "Fast" $x*y*z$ and $\\mathcal{O}(N^2)$ for R&D'
authors: [Ada Lovelace, Charles Babbage]
et_al: true
date: 2023-04-07
category: LG
venue: NeurIPS 2023
links:
  arxiv: https://arxiv.org/abs/2304.01234v2
  pdf: files/engine.pdf
code: https://github.com/ada/bounds
tags: [bounds, engines]
---
We prove *tight* bounds for $x*y*z$ when $a<b$ & c, e.g. on engines. Then we test them.
""",
    # A journal venue and a DOI.
    "engine-notes": """---
title: Notes on the Analytical Engine
authors: [Ada Lovelace]
date: 2021-09-01
category: QUANT-PH
venue: Journal of Machine Learning Research
links:
  doi: https://doi.org/10.1000/jmlr.123
---
The engine weaves algebraic patterns.
""",
    # No venue, no arXiv id.
    "difference-engine": """---
title: Notes on the Difference Engine
authors: [Ada Lovelace, Mary Somerville]
date: 2022-01-15
category: CV
---
A preprint without a venue.
""",
    # Same surname, year and first word as engine-notes: its key gets a suffix. PDF on arXiv.
    "engines-again": """---
title: Notes on Engines, Again
authors: [Ada Lovelace]
date: 2021-12-01
category: CV
links:
  pdf: https://arxiv.org/pdf/2112.00001v1
---
Another one. It has `</script><script>alert(1)</script>` in code.
""",
}
SLUGS = list(PAPERS)
NEWEST_FIRST = ["bounds-math", "difference-engine", "engines-again", "engine-notes"]


def write_content(folder: Path, base_url: str | None = BASE, papers: dict[str, str] = PAPERS) -> Path:
    content = folder / "content"
    (content / "papers").mkdir(parents=True)
    (content / "files").mkdir()
    (content / "files" / "engine.pdf").write_bytes(b"%PDF-1.4\n")
    site = 'title: "Ada & Co <Lab>"\n' + (f"base_url: {base_url}\n" if base_url else "")
    (content / "site.yml").write_text(site, encoding="utf-8")
    (content / "profile.md").write_text(PROFILE, encoding="utf-8")
    for slug, text in papers.items():
        (content / "papers" / f"{slug}.md").write_text(text, encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scholarly")
    report = build(write_content(root), root / "site", themes_dir=ROOT / "themes")
    assert report.warnings == []
    return root / "site"


@pytest.fixture(scope="module")
def built_without_base_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("scholarly-no-base")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        report = build(write_content(root, None), Path("site"), themes_dir=ROOT / "themes")
    return root / "site", [str(w) for w in report.warnings]


class Head(HTMLParser):
    """The <head>'s meta tags (name or property -> contents in order), links and JSON-LD."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.jsonld: list[str] = []
        self._in_jsonld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("name") or a.get("property")):
            self.meta.setdefault(a.get("name") or a["property"], []).append(a.get("content"))
        elif tag == "link" and a.get("rel"):
            self.links.setdefault(a["rel"], []).append(a.get("href"))
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld[-1] += data


def head(site: Path, page: str) -> Head:
    return Head((site / page).read_text(encoding="utf-8"))


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.name != "404.html")


def page_url(relpath: str) -> str:
    return relpath.removesuffix("index.html")


def parse_bib(text: str) -> bibtexparser.Library:
    """Parse as a citation manager would: authors split, then LaTeX decoded to text."""
    library = bibtexparser.parse_string(text, append_middleware=[
        middlewares.SeparateCoAuthors(), middlewares.LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    return library


def fields(e) -> dict[str, object]:
    return {f.key: f.value for f in e.fields}


# --- Google Scholar --------------------------------------------------------------------------

def test_scholar_tags_of_a_conference_paper_with_arxiv_and_local_pdf(built: Path) -> None:
    tags = head(built, "papers/bounds-math/index.html").meta
    citation = {k: v for k, v in tags.items() if k.startswith("citation_")}
    assert citation == {
        "citation_title": ['Q&A <Bounds>: "Fast" x*y*z and O(N^2) for R&D'],
        "citation_author": ["Ada Lovelace", "Charles Babbage"],
        "citation_publication_date": ["2023/04/07"],
        "citation_conference_title": ["NeurIPS 2023"],
        "citation_pdf_url": [BASE + "files/engine.pdf"],
        "citation_arxiv_id": ["2304.01234"],
        "citation_abstract_html_url": [BASE + "papers/bounds-math/"],
    }


def test_scholar_tags_of_a_journal_paper_name_the_journal_and_doi(built: Path) -> None:
    tags = head(built, "papers/engine-notes/index.html").meta
    assert tags["citation_journal_title"] == ["Journal of Machine Learning Research"]
    assert tags["citation_doi"] == ["10.1000/jmlr.123"]
    assert "citation_conference_title" not in tags


def test_scholar_tags_of_a_preprint_have_no_venue_pdf_or_arxiv_id(built: Path) -> None:
    tags = head(built, "papers/difference-engine/index.html").meta
    assert sorted(k for k in tags if k.startswith("citation_")) == [
        "citation_abstract_html_url", "citation_author", "citation_publication_date",
        "citation_title"]


def test_scholar_pdf_url_from_arxiv_pdf_link_and_arxiv_id_from_it(built: Path) -> None:
    tags = head(built, "papers/engines-again/index.html").meta
    assert tags["citation_pdf_url"] == ["https://arxiv.org/pdf/2112.00001v1"]
    assert tags["citation_arxiv_id"] == ["2112.00001"]


def test_venue_kind_heuristics() -> None:
    assert [venue_kind(v) for v in (
        "NeurIPS 2022", "ICML", "CVPR 2024 Workshops", "ACM MM '23", "WWW 2021",
        "Proceedings of the VLDB Endowment", "International Conference on Robotics",
        "Nature Communications", "IEEE Transactions on Pattern Analysis", "TMLR", "", None,
    )] == ["conference"] * 7 + ["journal"] * 3 + [None, None]


# --- schema.org JSON-LD ----------------------------------------------------------------------

def test_paper_jsonld_is_a_scholarly_article(built: Path) -> None:
    (text,) = head(built, "papers/bounds-math/index.html").jsonld
    data = json.loads(text)
    assert data == {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": 'Q&A <Bounds>: "Fast" x*y*z and O(N^2) for R&D',
        "name": 'Q&A <Bounds>: "Fast" x*y*z and O(N^2) for R&D',
        "author": [
            {"@type": "Person", "name": "Ada Lovelace", "url": BASE,
             "sameAs": ["https://orcid.org/0000-0002-1825-0097", "https://github.com/ada"]},
            {"@type": "Person", "name": "Charles Babbage"},
        ],
        "datePublished": "2023-04-07",
        "about": {"@type": "Thing", "name": "Machine Learning"},
        "genre": "Machine Learning",
        "inLanguage": "en",
        "abstract": "We prove tight bounds for x*y*z when a<b & c, e.g. on engines. Then we test them.",
        "url": BASE + "papers/bounds-math/",
        "mainEntityOfPage": BASE + "papers/bounds-math/",
        "keywords": "bounds, engines",
        "publication": {"@type": "PublicationEvent", "name": "NeurIPS 2023"},
        "isBasedOn": [{"@type": "SoftwareSourceCode", "codeRepository": "https://github.com/ada/bounds"}],
        "sameAs": ["https://arxiv.org/abs/2304.01234"],
        "identifier": [{"@type": "PropertyValue", "propertyID": "arXiv", "value": "2304.01234"}],
    }


def test_journal_paper_jsonld_is_part_of_a_periodical(built: Path) -> None:
    data = json.loads(head(built, "papers/engine-notes/index.html").jsonld[0])
    assert data["isPartOf"] == {"@type": "Periodical", "name": "Journal of Machine Learning Research"}
    assert data["sameAs"] == ["https://doi.org/10.1000/jmlr.123"]
    assert data["about"] == {"@type": "Thing", "name": "Quantum Physics"}


def test_home_jsonld_is_the_person(built: Path) -> None:
    (text,) = head(built, "index.html").jsonld
    assert json.loads(text) == {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": "Ada Lovelace",
        "description": 'Researcher in machine learning & "analytical engines"',
        "affiliation": {"@type": "Organization", "name": "University of London"},
        "email": "mailto:ada@example.org",
        "url": BASE,
        "sameAs": ["https://orcid.org/0000-0002-1825-0097", "https://github.com/ada"],
    }


def test_jsonld_cannot_close_its_script_element(built: Path) -> None:
    html = (built / "papers/engines-again/index.html").read_text(encoding="utf-8")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script
    assert json.loads(script)["abstract"] == (
        "Another one. It has </script><script>alert(1)</script> in code.")


def test_listing_pages_have_no_jsonld(built: Path) -> None:
    assert head(built, "papers/index.html").jsonld == []


# --- OpenGraph, Twitter, canonical, description ---------------------------------------------

def test_every_page_has_canonical_og_and_twitter_tags(built: Path) -> None:
    for page in html_pages(built):
        h = head(built, page)
        url = BASE + page_url(page)
        assert h.links["canonical"] == [url], page
        assert h.meta["og:url"] == [url], page
        assert h.meta["og:site_name"] == ["Ada & Co <Lab>"], page
        assert h.meta["og:title"][0], page
        assert h.meta["og:description"] == h.meta["description"], page
        assert h.meta["twitter:card"] == ["summary"], page


def test_og_type_is_article_on_paper_pages_and_profile_at_home(built: Path) -> None:
    paper = head(built, "papers/bounds-math/index.html").meta
    assert (paper["og:type"], paper["article:published_time"]) == (["article"], ["2023-04-07"])
    assert head(built, "index.html").meta["og:type"] == ["profile"]
    assert head(built, "papers/index.html").meta["og:type"] == ["website"]


def test_paper_description_is_the_abstracts_first_sentence_as_plain_text(built: Path) -> None:
    assert head(built, "papers/bounds-math/index.html").meta["description"] == [
        "We prove tight bounds for x*y*z when a<b & c, e.g. on engines."]


def test_home_description_is_the_headline(built: Path) -> None:
    assert head(built, "index.html").meta["description"] == [
        'Researcher in machine learning & "analytical engines"']


def test_every_page_head_links_the_feed(built: Path) -> None:
    for page in html_pages(built):
        assert head(built, page).links["alternate"] == [
            "../" * page.count("/") + "feed.xml"], page


def test_nothing_is_escaped_twice(built: Path) -> None:
    double = re.compile(r"&amp;(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);", re.I)
    for path in sorted(built.rglob("*")):
        if path.suffix in {".html", ".xml", ".bib", ".txt"}:
            text = path.read_text(encoding="utf-8")
            assert not double.search(text), path
            assert "\\u0026amp;" not in text, path


def test_tricky_title_is_plain_and_escaped_once_in_every_reader(built: Path) -> None:
    plain = 'Q&A <Bounds>: "Fast" x*y*z and O(N^2) for R&D'
    assert head(built, "papers/bounds-math/index.html").meta["citation_title"] == [plain]
    raw = (built / "papers/bounds-math/index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_title" content="Q&amp;A &lt;Bounds&gt;: &#34;Fast&#34; x*y*z ' \
           'and O(N^2) for R&amp;D">' in raw
    feed = feedparser.parse((built / "feed.xml").read_bytes())
    assert feed.entries[0].title == plain


# --- Atom feed -------------------------------------------------------------------------------

def test_feed_is_valid_atom_with_papers_newest_first(built: Path) -> None:
    feed = feedparser.parse((built / "feed.xml").read_bytes())
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Ada & Co <Lab>"
    assert feed.feed.links[0].href == BASE + "feed.xml"
    assert [e.link for e in feed.entries] == [BASE + f"papers/{s}/" for s in NEWEST_FIRST]


def test_feed_entry_has_title_authors_date_category_summary_and_link(built: Path) -> None:
    first = feedparser.parse((built / "feed.xml").read_bytes()).entries[0]
    assert [a.name for a in first.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert first.published == "2023-04-07T00:00:00Z"
    assert [(t.term, t.label) for t in first.tags] == [("LG", "Machine Learning")]
    assert first.summary == (
        "We prove tight bounds for x*y*z when a<b & c, e.g. on engines. Then we test them.")
    assert first.id == BASE + "papers/bounds-math/"


def test_feed_holds_the_newest_50_of_more_papers(tmp_path: Path) -> None:
    start = dt.date(2020, 1, 1)
    papers = {f"p{i:02d}": (f"---\ntitle: Paper {i}\nauthors: [Ada Lovelace]\n"
                            f"date: {start + dt.timedelta(days=i)}\ncategory: LG\n---\nText {i}.\n")
              for i in range(53)}
    build(write_content(tmp_path, papers=papers), tmp_path / "site", themes_dir=ROOT / "themes")
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert feed.bozo is False
    assert [e.title for e in feed.entries] == [f"Paper {i}" for i in range(52, 2, -1)]


# --- sitemap and robots ----------------------------------------------------------------------

def test_sitemap_lists_every_page_with_absolute_url_and_lastmod(built: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = ET.parse(built / "sitemap.xml").getroot().findall("s:url", ns)
    listed = {u.find("s:loc", ns).text: u.find("s:lastmod", ns).text for u in urls}
    assert sorted(listed) == sorted(BASE + page_url(p) for p in html_pages(built))
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", m) for m in listed.values())
    assert listed[BASE + "papers/engine-notes/"] == "2021-09-01"
    assert listed[BASE] == "2023-04-07"
    assert listed[BASE + "categories/cv/"] == "2022-01-15"


def test_robots_txt_points_to_the_sitemap(built: Path) -> None:
    assert (built / "robots.txt").read_text(encoding="utf-8") == (
        "User-agent: *\nAllow: /\n\nSitemap: https://ada.example.org/lab/sitemap.xml\n")


# --- BibTeX ----------------------------------------------------------------------------------

def test_every_cite_bib_parses_and_round_trips(built: Path) -> None:
    got = {}
    for slug in SLUGS:
        (e,) = parse_bib((built / f"papers/{slug}/cite.bib").read_text(encoding="utf-8")).entries
        got[slug] = (e.entry_type, e.key, fields(e))
    assert got["bounds-math"] == ("inproceedings", "lovelace2023q", {
        "title": TRICKY_TITLE, "author": ["Ada Lovelace", "Charles Babbage", "others"],
        "booktitle": "NeurIPS 2023", "year": "2023", "month": "apr",
        "url": BASE + "papers/bounds-math/", "eprint": "2304.01234", "archivePrefix": "arXiv",
        "primaryClass": "cs.LG"})
    assert got["engine-notes"] == ("article", "lovelace2021notes", {
        "title": "Notes on the Analytical Engine", "author": ["Ada Lovelace"],
        "journal": "Journal of Machine Learning Research", "year": "2021", "month": "sep",
        "url": BASE + "papers/engine-notes/", "doi": "10.1000/jmlr.123"})
    assert got["difference-engine"] == ("article", "lovelace2022notes", {
        "title": "Notes on the Difference Engine", "author": ["Ada Lovelace", "Mary Somerville"],
        "journal": "arXiv preprint", "year": "2022", "month": "jan",
        "url": BASE + "papers/difference-engine/"})
    assert got["engines-again"] == ("article", "lovelace2021notesb", {
        "title": "Notes on Engines, Again", "author": ["Ada Lovelace"],
        "journal": "arXiv preprint arXiv:2112.00001", "year": "2021", "month": "dec",
        "url": BASE + "papers/engines-again/", "eprint": "2112.00001", "archivePrefix": "arXiv",
        "primaryClass": "cs.CV"})


def test_cite_bib_protects_capitals_and_math_with_braces(built: Path) -> None:
    text = (built / "papers/bounds-math/cite.bib").read_text(encoding="utf-8")
    assert ("  title         = {{Q\\&A} {<Bounds>:} {\"Fast\"} $x*y*z$ "
            "and {$\\mathcal{O}(N^2)$} for {R\\&D}},\n") in text


def test_papers_bib_holds_every_entry_newest_first_with_unique_keys(built: Path) -> None:
    library = parse_bib((built / "papers.bib").read_text(encoding="utf-8"))
    keys = [e.key for e in library.entries]
    assert keys == ["lovelace2023q", "lovelace2022notes", "lovelace2021notesb", "lovelace2021notes"]
    for slug, e in zip(NEWEST_FIRST, library.entries):
        (single,) = parse_bib((built / f"papers/{slug}/cite.bib").read_text(encoding="utf-8")).entries
        assert (e.key, fields(e)) == (single.key, fields(single))


def test_paper_page_shows_the_bibtex_with_a_copy_button(built: Path) -> None:
    html = (built / "papers/engine-notes/index.html").read_text(encoding="utf-8")
    assert "@article{lovelace2021notes," in html
    assert 'data-copy="bibtex"' in html


def paper(**overrides: object) -> Paper:
    values = dict(slug="x", source_path="x.md", title="T", authors=("Ada Lovelace",),
                  date=dt.date(2022, 5, 6), category="LG")
    return Paper(**{**values, **overrides})


def test_bibtex_escapes_specials_so_they_round_trip() -> None:
    title = r"50% of #1_best ~approx costs \$5 and L\'{e}vy flights, \{a\}"
    (e,) = parse_bib(entry(paper(title=title), "k", None)).entries
    assert e["title"] == "50% of #1_best ~approx costs $5 and Lévy flights, {a}"


def test_bibtex_writes_unpaired_braces_as_commands_so_the_entry_still_parses() -> None:
    text = entry(paper(title="Sets {a and b} c}"), "k", None)
    assert "  title   = {{Sets} {a and b} c\\textbraceright{}},\n" in text
    assert parse_bib(text).entries[0].key == "k"


def test_bibtex_authors_suffixes_and_names_holding_and() -> None:
    text = entry(paper(authors=("Martin Luther King Jr.", "Ben and Jerry", "Kurt Gödel"),
                       et_al=True), "k", None)
    assert "  author  = {King, Jr., Martin Luther and {Ben and Jerry} and Kurt Gödel and others},\n" in text
    assert parse_bib(text).entries[0]["author"] == [
        "King, Jr., Martin Luther", "{Ben and Jerry}", "Kurt Gödel", "others"]


def test_bibtex_keys_are_unique_and_older_papers_keep_theirs() -> None:
    papers = [paper(slug=f"s{i}", date=dt.date(2022, 1, 1 + i), title="The Prompt",
                    authors=("Yuning Lu",)) for i in range(3)]
    papers.append(paper(slug="other", title="A $k$-means of Everything", authors=("Lu, Yuning",)))
    assert assign_keys(papers) == {"s0": "lu2022prompt", "s1": "lu2022promptb",
                                   "s2": "lu2022promptc", "other": "lu2022means"}
    assert assign_keys(papers[:1]) == {"s0": "lu2022prompt"}


def test_parsing_a_paper_works_out_its_bibtex_base_key(tmp_path: Path) -> None:
    """parse_paper stores bibtex.key_base on the paper (made by the parse workers of a large
    build, and cached), and the keys are those of a paper made without it."""
    papers_dir = tmp_path / "papers"
    papers_dir.mkdir()
    source = papers_dir / "k-means.md"
    source.write_text('---\ntitle: "A $k$-means of \\\\emph{Everything}"\nauthors: ["Lu, Yuning", '
                      'B. Other]\ndate: 2022-03-01\ncategory: LG\n---\nText.\n', encoding="utf-8")
    parsed, problems = parse_paper(source)
    assert problems == [] and parsed is not None
    assert parsed.bib_base == "lu2022means"
    unmade = replace(parsed, bib_base="")
    assert assign_keys([parsed]) == assign_keys([unmade]) == {"k-means": "lu2022means"}


def test_arxiv_class_inverts_code_from_arxiv() -> None:
    assert [arxiv_class(c) for c in ("LG", "ML", "IV", "QUANT-PH", "GN-QBIO", "XYZ")] == [
        "cs.LG", "stat.ML", "eess.IV", "quant-ph", "q-bio.GN", None]
    assert all(code_from_arxiv(arxiv_class(c)) == c for c in ARXIV_CATEGORIES if c != "GN-QBIO")


# --- plain text ------------------------------------------------------------------------------

def test_plain_text_reads_math_as_its_source() -> None:
    assert plain_text("Bounds for $x*y*z$ and *this* $$\\sum_i a_i$$") == (
        "Bounds for x*y*z and this \\sum_i a_i")


def test_plain_text_keeps_code_escapes_and_intraword_underscores() -> None:
    assert plain_text("Use `a*b*c`, \\*stars\\*, snake_case_name and _it_") == (
        "Use a*b*c, *stars*, snake_case_name and it")


def test_plain_text_unescapes_entities_once_and_keeps_angle_text() -> None:
    assert plain_text('R&amp;D <b>bold</b> for x < y, "q" & <Bounds>') == (
        'R&D bold for x < y, "q" & <Bounds>')


def test_first_sentence_skips_abbreviations() -> None:
    assert first_sentence("We test e.g. cats and Smith et al. Results follow. Next.") == (
        "We test e.g. cats and Smith et al. Results follow.")


def test_first_sentence_is_cut_at_a_word_under_the_limit() -> None:
    assert first_sentence("word " * 60, limit=20) == "word word word word…"


# --- without base_url ------------------------------------------------------------------------

def test_without_base_url_sitemap_and_robots_are_skipped_with_one_warning(
        built_without_base_url: tuple[Path, list[str]]) -> None:
    site, warnings = built_without_base_url
    assert warnings == [NO_BASE_URL_WARNING]
    assert not (site / "sitemap.xml").exists()
    assert not (site / "robots.txt").exists()


def test_without_base_url_no_page_has_canonical_or_og_url(
        built_without_base_url: tuple[Path, list[str]]) -> None:
    site, _ = built_without_base_url
    for page in html_pages(site):
        h = head(site, page)
        assert "canonical" not in h.links and "og:url" not in h.meta, page
        assert h.meta["twitter:card"] == ["summary"], page


def test_without_base_url_local_pdf_and_page_urls_are_left_out(
        built_without_base_url: tuple[Path, list[str]]) -> None:
    site, _ = built_without_base_url
    tags = head(site, "papers/bounds-math/index.html").meta
    assert "citation_pdf_url" not in tags and "citation_abstract_html_url" not in tags
    data = json.loads(head(site, "papers/bounds-math/index.html").jsonld[0])
    assert "url" not in data and "url" not in data["author"][0]
    (e,) = parse_bib((site / "papers/bounds-math/cite.bib").read_text(encoding="utf-8")).entries
    assert e["url"] == "https://arxiv.org/abs/2304.01234"


def test_without_base_url_the_feed_is_still_valid(
        built_without_base_url: tuple[Path, list[str]]) -> None:
    site, _ = built_without_base_url
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.bozo is False, feed.get("bozo_exception")
    assert [e.id for e in feed.entries] == [f"urn:scholarsite:paper:{s}" for s in NEWEST_FIRST]


# --- the real content/ -----------------------------------------------------------------------

REAL_PAPERS = sorted((ROOT / "content" / "papers").glob("*.md"))


@pytest.mark.skipif(not REAL_PAPERS, reason="content/papers/ is empty")
def test_real_content_bibtex_feed_and_metadata(tmp_path: Path) -> None:
    build(ROOT / "content", tmp_path / "site", themes_dir=ROOT / "themes", base_url=BASE)
    site = tmp_path / "site"
    keys = []
    for path in REAL_PAPERS:
        (e,) = parse_bib((site / "papers" / path.stem / "cite.bib").read_text(encoding="utf-8")).entries
        assert e["title"] and e["author"] and e["year"], path
        keys.append(e.key)
        h = head(site, f"papers/{path.stem}/index.html")
        assert h.meta["citation_title"] and h.meta["citation_author"], path
        json.loads(h.jsonld[0])
    assert len(set(keys)) == len(keys)
    assert len(parse_bib((site / "papers.bib").read_text(encoding="utf-8")).entries) == len(keys)
    assert feedparser.parse((site / "feed.xml").read_bytes()).bozo is False
