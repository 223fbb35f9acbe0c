"""End to end: build the sample and the real content/ and look at what a visitor sees."""
from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from scholarsite.builder import Builder, build
from scholarsite.errors import SiteError

REPO = Path(__file__).resolve().parent.parent


class Links(HTMLParser):
    """Collects href/src of a, link, script and img, and the text of chosen elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("href", "src"):
            if tag in ("a", "link", "script", "img") and a.get(name):
                self.urls.append(a[name])


def internal_targets(page: Path, site: Path) -> list[tuple[str, Path]]:
    parser = Links()
    parser.feed(page.read_text("utf-8"))
    out = []
    for url in parser.urls:
        parts = urlsplit(url)
        if parts.scheme or url.startswith(("mailto:", "#", "//")):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if parts.path.endswith("/") or target.is_dir():
            target = target / "index.html"
        out.append((url, target))
    return out


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real") / "site"
    build(REPO / "content", out, REPO / "themes")
    return out


@pytest.fixture
def sample_site(sample_root) -> Path:
    build(sample_root / "content", sample_root / "site")
    return sample_root / "site"


def test_sample_builds_every_page_of_the_design(sample_site):
    files = sorted(p.relative_to(sample_site).as_posix() for p in sample_site.rglob("*") if p.is_file())
    for expected in ["index.html", "papers/index.html", "categories/index.html",
                     "categories/lg/index.html", "categories/cv/index.html",
                     "categories/quant-ph/index.html", "papers/graph-priors/index.html",
                     "papers/graph-priors/cite.bib", "feed.xml", "sitemap.xml", "robots.txt",
                     "404.html", ".nojekyll", "static/css/site.css", "files/cv.pdf",
                     "files/graph-priors.pdf"]:
        assert expected in files


def test_closing_line_and_exit_status(sample_root, run_cli):
    code, out, err = run_cli(["build"], cwd=sample_root)
    assert code == 0
    assert re.fullmatch(r"Built 21 pages \(5 papers, 3 categories\) in \d+\.\d\d s -> site/\n", out)


def test_bad_usage_exits_2(sample_root, run_cli):
    code, out, err = run_cli(["build", "--no-such-flag"], cwd=sample_root)
    assert code == 2 and "unrecognized arguments: --no-such-flag" in err


def test_content_error_exits_1_and_leaves_previous_site_untouched(sample_root, run_cli):
    assert run_cli(["build"], cwd=sample_root)[0] == 0
    site = sample_root / "site"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    paper = sample_root / "content" / "papers" / "deep-sets.md"
    paper.write_text(paper.read_text().replace("date: 2020-01-01", "date: 2020-02-31")
                     .replace("Sets are", "Changed sets are"))
    code, out, err = run_cli(["build"], cwd=sample_root)
    assert code == 1
    assert err == ("content/papers/deep-sets.md:4: date: impossible date '2020-02-31'\n"
                   "1 error; nothing was written.\n")
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    assert after == before


def test_template_error_leaves_previous_site_untouched(sample_root):
    build(sample_root / "content", sample_root / "site")
    before = {p: p.read_bytes() for p in (sample_root / "site").rglob("*") if p.is_file()}
    (sample_root / "themes/default/templates/paper.html").write_text("{% block content %}{% if %}")
    with pytest.raises(SiteError) as exc:
        build(sample_root / "content", sample_root / "site")
    assert str(exc.value.problems[0]).startswith(
        f"{sample_root / 'themes/default/templates/paper.html'}:1: template syntax error:")
    assert {p: p.read_bytes() for p in (sample_root / "site").rglob("*") if p.is_file()} == before


def break_while_rendering(root: Path) -> None:
    """Every page changes (base.html), and cite.bib fails while rendering, after other pages
    have been staged."""
    base = root / "themes/default/templates/base.html"
    base.write_text(base.read_text(encoding="utf-8") + "<!-- changed -->\n", encoding="utf-8")
    (root / "themes/default/templates/cite.bib").write_text("{{ no_such_value }}\n", encoding="utf-8")


def test_error_while_rendering_leaves_previous_site_untouched_and_no_temporary_file(sample_root):
    build(sample_root / "content", sample_root / "site")
    before = {p: p.read_bytes() if p.is_file() else None for p in (sample_root / "site").rglob("*")}
    break_while_rendering(sample_root)
    with pytest.raises(SiteError) as exc:
        build(sample_root / "content", sample_root / "site")
    assert "'no_such_value' is undefined" in str(exc.value)
    assert {p: p.read_bytes() if p.is_file() else None for p in (sample_root / "site").rglob("*")} == before


def test_error_while_rendering_into_a_new_folder_leaves_no_folder(sample_root):
    break_while_rendering(sample_root)
    with pytest.raises(SiteError):
        build(sample_root / "content", sample_root / "site")
    assert not (sample_root / "site").exists()


def test_error_while_rendering_into_an_empty_folder_leaves_it_empty(sample_root):
    (sample_root / "site").mkdir()
    break_while_rendering(sample_root)
    with pytest.raises(SiteError):
        build(sample_root / "content", sample_root / "site")
    assert list((sample_root / "site").iterdir()) == []


def test_a_build_stopped_halfway_into_a_new_folder_is_taken_over(sample_root):
    """A new folder is marked before its pages are written, so a build killed halfway leaves a
    folder the next build accepts (and cleans)."""
    site = sample_root / "site"
    site.mkdir()
    (site / ".scholarsite").write_bytes(b"")
    (site / "papers/half").mkdir(parents=True)
    (site / "papers/half/index.html").write_text("<p>half")
    build(sample_root / "content", site)
    assert not (site / "papers/half").exists()
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("output", [".", "content", "themes", "content/out", ".."])
def test_unsafe_output_folders_are_refused(sample_root, output, monkeypatch):
    monkeypatch.chdir(sample_root)
    (sample_root / ".git").mkdir()
    with pytest.raises(SiteError) as exc:
        build(Path("content"), Path(output))
    assert exc.value.problems[0].field == "output"
    assert str(exc.value.problems[0]).startswith(f"{output}: output: refusing to build into {output}")


def test_non_empty_folder_not_made_by_scholarsite_is_refused(sample_root):
    other = sample_root / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(SiteError) as exc:
        build(sample_root / "content", other)
    assert "it is not empty and was not made by scholarsite" in str(exc.value)
    assert (other / "notes.txt").read_text() == "keep me"


def test_rebuild_writes_only_changed_files_and_removes_deleted_papers(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site")
    first = builder.rebuild()
    files = [p for p in (sample_root / "site").rglob("*") if p.is_file()]
    assert (first.write.written, first.write.unchanged) == (len(files), 0)
    again = builder.rebuild()
    assert (again.write.written, again.write.removed, again.rendered) == (0, 0, 0)
    (sample_root / "content/papers/deep-sets.md").unlink()
    third = builder.rebuild()
    assert not (sample_root / "site/papers/deep-sets").exists()
    assert third.write.removed == 2   # the page and its cite.bib


def test_every_internal_link_resolves_in_the_sample(sample_site):
    for page in sample_site.rglob("*.html"):
        if page.name == "404.html":
            continue  # its links are absolute from the base path, tested under a server
        for url, target in internal_targets(page, sample_site):
            assert target.is_file(), f"{page.relative_to(sample_site)}: {url} -> missing {target}"


def test_author_highlight_matches_aliases(sample_site):
    page = (sample_site / "papers/prompt-learning/index.html").read_text()
    assert '<strong class="me">Exemplar, Ada</strong>' in page
    page = (sample_site / "papers/graph-priors/index.html").read_text()
    assert '<strong class="me">A. Exemplar</strong> <span class="et-al">et al.</span>' in page


def test_rendered_text_is_escaped_and_abstract_sanitized(sample_site):
    page = (sample_site / "papers/unicode-names/index.html").read_text()
    assert "Müller–Ñandú Networks &amp; &lt;Friends&gt;" in page
    assert "<script>alert" not in page


def test_math_in_title_and_abstract_is_mathml(sample_site):
    page = (sample_site / "papers/graph-priors/index.html").read_text()
    assert "<h1>Structured Learning with <math" in page
    assert 'display="block"' in page and "<em>" not in page.split("abstract-heading")[1].split("</section>")[0]


# The real homepage: content/ imported from seeds/xinmei-tian.txt.

def test_real_header_shows_metrics_in_declared_order(real_site):
    home = (real_site / "index.html").read_text()
    metrics = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", home)
    assert metrics == [("h-index", "34"), ("papers", "54"), ("citations", "4,246"),
                       ("Novelty", "55%"), ("AI Score", "64")]


def test_real_category_counts(real_site):
    page = (real_site / "categories/index.html").read_text()
    counts = re.findall(r'<a href="#([a-z-]+)">[^<]+</a> <span class="count">(\d+)</span>', page)
    assert dict(counts) == {"cv": "26", "lg": "18", "cl": "3", "ai": "2", "quant-ph": "1"}
    for code, n in counts:
        listing = (real_site / f"categories/{code}/index.html").read_text()
        assert listing.count('<li class="paper-item"') == int(n)


def test_real_paper_page_has_code_link_and_bibtex(real_site):
    page = (real_site / "papers/adversarial-auto-augment-with-label-preservation-a-representation-learning/index.html").read_text()
    assert '<a class="button code" href="https://github.com/kai-wen-yang/LPA3">' in page
    assert "kai-wen-yang/LPA3" in page
    bib = (real_site / "papers/adversarial-auto-augment-with-label-preservation-a-representation-learning/cite.bib").read_text()
    assert bib.startswith("@article{yang2022adversarial,")
    assert bib in page.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def test_real_site_every_internal_link_resolves(real_site):
    pages = list(real_site.rglob("*.html"))
    assert len(pages) >= 50
    for page in pages:
        if page.name == "404.html":
            continue
        for url, target in internal_targets(page, real_site):
            assert target.is_file(), f"{page.relative_to(real_site)}: {url} -> missing {target}"


def test_real_site_makes_no_external_request(real_site):
    """Self-contained: no stylesheet, script, image or font from another host."""
    for page in real_site.rglob("*.html"):
        html = page.read_text()
        for tag in re.findall(r"<(?:link|script|img|iframe|source)\b[^>]*>", html):
            if "rel=\"canonical\"" in tag or "rel=\"alternate\"" in tag:
                continue
            assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), f"{page}: {tag}"
    css = (real_site / "static/css/site.css").read_text()
    assert "@import" not in css and "url(http" not in css


def test_strict_turns_warnings_into_a_failure(sample_root, run_cli):
    paper = sample_root / "content/papers/deep-sets.md"
    paper.write_text(paper.read_text().replace("citations: 30", "citations: 30\nautors: [X]"))
    code, out, err = run_cli(["build"], cwd=sample_root)
    assert code == 0
    assert "content/papers/deep-sets.md:9: autors: warning: unknown paper field (did you mean `authors`?)" in err
    before = {p: p.read_bytes() for p in (sample_root / "site").rglob("*") if p.is_file()}
    paper.write_text(paper.read_text().replace("Sets are", "Sets, edited, are"))
    code, out, err = run_cli(["build", "--strict"], cwd=sample_root)
    assert code == 1
    assert err.endswith("1 warning treated as errors (--strict); nothing was written.\n")
    assert {p: p.read_bytes() for p in (sample_root / "site").rglob("*") if p.is_file()} == before


def test_every_successful_build_stamps_the_mark_even_when_no_page_changed(sample_root):
    """`check` compares sources with the last build's time, not with pages left untouched."""
    build(sample_root / "content", sample_root / "site")
    mark = sample_root / "site/.scholarsite"
    os.utime(mark, (1_000_000_000, 1_000_000_000))
    report = build(sample_root / "content", sample_root / "site")
    assert report.write.written == 0
    assert mark.stat().st_mtime > 1_000_000_000


def test_a_one_shot_build_freezes_what_it_read_and_planned(sample_root):
    """The command line's build (one_shot) freezes the objects it made while the collector
    was paused, so that no collection walks them again; other builds (tests, serve) do not."""
    import gc
    frozen = gc.get_freeze_count()
    try:
        build(sample_root / "content", sample_root / "site")
        assert gc.get_freeze_count() == frozen
        build(sample_root / "content", sample_root / "site", one_shot=True)
        assert gc.get_freeze_count() > frozen + 1000
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_garbage_collector_is_on_again_after_a_build_and_a_failed_one(sample_root):
    """The build pauses it while it reads and plans the site (builder._collector_paused)."""
    import gc
    assert gc.isenabled()
    build(sample_root / "content", sample_root / "site")
    assert gc.isenabled()
    paper = next((sample_root / "content" / "papers").glob("*.md"))
    paper.write_text(paper.read_text(encoding="utf-8").replace("title:", "titel:", 1),
                     encoding="utf-8")
    with pytest.raises(SiteError):
        build(sample_root / "content", sample_root / "site")
    assert gc.isenabled()
    gc.disable()
    try:       # a caller that has turned it off keeps it off
        with pytest.raises(SiteError):
            build(sample_root / "content", sample_root / "site")
        assert not gc.isenabled()
    finally:
        gc.enable()
