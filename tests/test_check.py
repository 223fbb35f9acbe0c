"""`check`: the build's problems without writing, the checks only `check` makes, and the
built site's links, reachability and freshness. Each test plants one defect in a clean copy
of tests/data/sample."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from scholarsite.builder import build
from scholarsite.schema import schema_text, schemas

CLEAN = "No problems (checked 5 papers and 12 built pages).\n"


@pytest.fixture
def root(sample_root: Path) -> Path:
    """The sample site with its declared h-index corrected, so it checks clean."""
    profile = sample_root / "content" / "profile.md"
    profile.write_text(profile.read_text().replace("h-index: 2", "h-index: 3"))
    return sample_root


@pytest.fixture
def built(root: Path) -> Path:
    """The clean sample, built into site/ a second ago (so edits now are newer)."""
    build(root / "content", root / "site", root / "themes")
    past = time.time() - 10
    for path in (root / "content").rglob("*"):
        os.utime(path, (past, past))
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def paper(root: Path, slug: str) -> Path:
    return root / "content" / "papers" / f"{slug}.md"


# Clean runs and exit status -------------------------------------------------------------------

def test_check_passes_a_clean_built_site(built, run_cli):
    assert run_cli(["check"], built) == (0, CLEAN, "")


def test_check_says_when_there_is_no_built_site(root, run_cli):
    assert run_cli(["check"], root) == (
        0, "No problems (checked 5 papers; site/ not found, so no built pages).\n", "")


def test_check_writes_nothing(root, run_cli):
    edit(paper(root, "deep-sets"), "title: Deep Sets Revisited\n", "")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    run_cli(["check"], root)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_check_reports_every_build_error_and_warning_and_exits_1(root, run_cli):
    edit(paper(root, "deep-sets"), "title: Deep Sets Revisited\n", "")
    edit(paper(root, "quantum-walks"), "citations: 0\n", "citations: 0\nautors: [A]\n")
    edit(root / "content" / "profile.md", "name: Ada Exemplar\n", "name:\n")
    code, out, err = run_cli(["check"], root)
    assert (code, err) == (1, "")
    assert out == (
        "content/papers/deep-sets.md:1: title: missing required field: The title; may contain "
        "inline LaTeX between $...$.\n"
        "\n"
        "content/papers/quantum-walks.md:7: autors: warning: unknown paper field "
        "(did you mean `authors`?); it is kept and passed to templates\n"
        "\n"
        "content/profile.md:2: name: is empty\n"
        "\n"
        "2 errors, 1 warning in 3 files (checked 5 papers; site/ not found, so no built pages).\n")


def test_check_exits_0_on_warnings_without_strict(root, run_cli):
    edit(paper(root, "deep-sets"), "date: 2020-01-01", "date: 2099-01-01")
    assert run_cli(["check"], root)[0] == 0


def test_check_exits_1_on_warnings_with_strict(root, run_cli):
    edit(paper(root, "deep-sets"), "date: 2020-01-01", "date: 2099-01-01")
    assert run_cli(["check", "--strict"], root)[0] == 1


def test_check_reports_a_missing_theme(root, run_cli):
    (root / "content" / "site.yml").write_text(
        "title: Ada\nbase_url: https://ada.example.org/\ntheme: nope\n")
    code, out, _ = run_cli(["check"], root)
    assert code == 1
    assert out.splitlines()[0] == (
        f"themes/nope: theme: theme 'nope' not found (no {root.resolve()}/themes/nope/"
        "templates/); available: default")


# What only check looks for --------------------------------------------------------------------

def test_check_reports_declared_paper_count_that_disagrees(root, run_cli):
    edit(root / "content" / "profile.md", "h-index: 3\n", "h-index: 3\n  papers: 54\n")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/profile.md:12: metrics: warning: papers: declared 54, but papers/ holds 5 "
        "paper files; the page shows the declared figure: correct it, or remove it to show "
        "the computed one")


def test_check_reports_declared_citations_that_disagree(root, run_cli):
    edit(root / "content" / "profile.md", "h-index: 3\n", "h-index: 3\n  citations: 100\n")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/profile.md:12: metrics: warning: citations: declared 100, but the papers' "
        "citation counts give 48; the page shows the declared figure: correct it, or remove "
        "it to show the computed one")


def test_check_reports_papers_that_share_a_title(root, run_cli):
    edit(paper(root, "quantum-walks"), "title: Quantum Walks on Graphs",
         "title: deep sets  revisited.")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/papers/quantum-walks.md:2: title: warning: same title as "
        "content/papers/deep-sets.md: is it the same paper twice?")


def test_check_reports_papers_that_share_a_code_url(root, run_cli):
    edit(paper(root, "quantum-walks"), "citations: 0\n",
         "citations: 0\ncode: https://github.com/example/scool.git\n")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/papers/quantum-walks.md:7: code: warning: "
        "https://github.com/example/scool.git is also the code of content/papers/graph-priors.md")


def test_check_reports_a_files_link_that_does_not_exist(root, run_cli):
    edit(paper(root, "graph-priors"), "pdf: files/graph-priors.pdf", "pdf: files/graph-prior.pdf")
    code, out, _ = run_cli(["check"], root)
    assert code == 1
    assert out.splitlines()[0] == (
        "content/papers/graph-priors.md:8: links: pdf: files/graph-prior.pdf does not exist: "
        "put the file at content/files/graph-prior.pdf")


def test_check_reports_a_files_code_path_that_does_not_exist(root, run_cli):
    edit(paper(root, "quantum-walks"), "citations: 0\n", "citations: 0\ncode: files/walks.zip\n")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/papers/quantum-walks.md:7: code: files/walks.zip does not exist: "
        "put the file at content/files/walks.zip")


def test_check_reports_a_profile_photo_that_does_not_exist(root, run_cli):
    edit(root / "content" / "profile.md", "email: ada@example.org\n",
         "email: ada@example.org\nphoto: files/me.jpg\n")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/profile.md:6: photo: files/me.jpg does not exist: "
        "put the file at content/files/me.jpg")


def test_check_reports_a_profile_link_that_does_not_exist(root, run_cli):
    (root / "content" / "files" / "cv.pdf").unlink()
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/profile.md:6: links: CV: files/cv.pdf does not exist: "
        "put the file at content/files/cv.pdf")


def test_check_reports_a_date_in_the_future(root, run_cli):
    edit(paper(root, "deep-sets"), "date: 2020-01-01", "date: 2099-01-01")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/papers/deep-sets.md:4: date: warning: 2099-01-01 is in the future; "
        "the date is the paper's first public version")


def test_check_reports_a_lone_category_that_looks_like_a_typo(root, run_cli):
    edit(paper(root, "unicode-names"), "category: CV", "category: CVV")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/papers/unicode-names.md:5: category: warning: `CVV` is used by this paper "
        "only and is not a known arXiv code; did you mean `CV` (used by 1 paper)?")


def test_check_accepts_a_lone_category_that_is_a_known_code(root, run_cli):
    # QUANT-PH has one paper in the sample and is a real arXiv archive.
    assert "QUANT-PH" not in run_cli(["check"], root)[1]


def test_check_reports_schemas_older_than_this_version(root, run_cli):
    folder = root / "content" / ".schemas"
    folder.mkdir()
    (folder / "paper.schema.json").write_text("{}\n")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/.schemas/paper.schema.json: schema: warning: out of date for this version of "
        "scholarsite: run `scholarsite check --write-schemas`")


def test_check_write_schemas_writes_them_under_content(root, run_cli):
    code, out, _ = run_cli(["check", "--write-schemas"], root)
    assert out.splitlines()[:3] == ["wrote content/.schemas/paper.schema.json",
                                    "wrote content/.schemas/profile.schema.json",
                                    "wrote content/.schemas/site.schema.json"]
    for name, schema in schemas().items():
        assert (root / "content" / ".schemas" / name).read_text() == schema_text(schema)
    assert json.loads((root / "content" / ".schemas" / "site.schema.json").read_text())[
        "required"] == ["title"]


def test_check_write_schemas_says_when_they_are_up_to_date(root, run_cli):
    run_cli(["check", "--write-schemas"], root)
    assert run_cli(["check", "--write-schemas"], root)[1].splitlines()[0] == (
        "content/.schemas/ is up to date")


# The built site -------------------------------------------------------------------------------

@pytest.mark.parametrize("tag, attr, url", [
    ("a", "href", "papers/nope/index.html"),
    ("link", "href", "static/css/missing.css"),
    ("script", "src", "static/js/missing.js"),
    ("img", "src", "files/missing.png"),
])
def test_check_reports_an_internal_reference_that_does_not_resolve(built, run_cli, tag, attr, url):
    page = built / "site" / "papers" / "index.html"
    lines = page.read_text().split("\n")
    lines.insert(3, f'<{tag} {attr}="../{url}">')
    page.write_text("\n".join(lines))
    code, out, _ = run_cli(["check"], built)
    assert code == 1
    assert out.splitlines()[0] == (
        f"site/papers/index.html:4: {attr}: ../{url}: site/{url} does not exist")


def test_check_reports_a_deleted_stylesheet_on_every_page(built, run_cli):
    (built / "site" / "static" / "css" / "site.css").unlink()
    code, out, _ = run_cli(["check"], built)
    assert code == 1
    assert "site/papers/deep-sets/index.html:11: href: ../../static/css/site.css: " \
        "site/static/css/site.css does not exist" in out.splitlines()
    assert out.splitlines()[-1] == (
        "12 errors, 0 warnings in 12 files (checked 5 papers and 12 built pages).")


def test_check_reports_a_link_that_leaves_the_site(built, run_cli):
    page = built / "site" / "index.html"
    page.write_text(page.read_text().replace("</body>", '<a href="../../etc/passwd">x</a></body>'))
    code, out, _ = run_cli(["check"], built)
    assert code == 1
    assert out.splitlines()[0].endswith(": href: ../../etc/passwd points outside the site")


def test_check_follows_the_404_pages_links_from_the_base_path(built, run_cli):
    # base_url is https://ada.example.org/lab/, so 404.html links to /lab/index.html.
    page = built / "site" / "404.html"
    assert 'href="/lab/index.html"' in page.read_text()
    page.write_text(page.read_text().replace("/lab/index.html", "/lab/nowhere.html"))
    assert run_cli(["check"], built)[1].splitlines()[0].endswith(
        ": href: /lab/nowhere.html: site/nowhere.html does not exist")


def test_check_reports_a_page_no_link_leads_to(built, run_cli):
    (built / "site" / "orphan.html").write_text("<p>alone</p>")
    assert run_cli(["check"], built)[1].splitlines()[0] == (
        "site/orphan.html: warning: no link leads here from index.html")


def test_check_reports_a_page_older_than_its_source(built, run_cli):
    source = paper(built, "deep-sets")
    source.write_text(source.read_text())        # saved now, after the build
    assert run_cli(["check"], built)[1].splitlines()[0] == (
        "site/papers/deep-sets/index.html: stale: warning: older than its source "
        "content/papers/deep-sets.md: run `scholarsite build`")


def test_check_reports_a_paper_that_was_never_built(built, run_cli):
    new = paper(built, "fresh")
    new.write_text(paper(built, "deep-sets").read_text().replace("Deep Sets", "Fresh Sets"))
    assert run_cli(["check"], built)[1].splitlines()[0] == (
        "content/papers/fresh.md: stale: warning: not built yet: "
        "site/papers/fresh/index.html does not exist: run `scholarsite build`")


def test_check_reports_a_page_whose_source_was_deleted(built, run_cli):
    paper(built, "quantum-walks").unlink()
    assert run_cli(["check"], built)[1].splitlines()[0] == (
        "site/papers/quantum-walks/index.html: stale: warning: its source "
        "content/papers/quantum-walks.md no longer exists: run `scholarsite build`")


def test_check_groups_problems_by_file_with_counts_at_the_end(built, run_cli):
    edit(paper(built, "deep-sets"), "date: 2020-01-01", "date: 2099-01-01")
    edit(paper(built, "graph-priors"), "pdf: files/graph-priors.pdf", "pdf: files/gp.pdf")
    edit(paper(built, "graph-priors"), "venue: ICML 2023\n", "venue: ICML 2023\nvenu: x\n")
    (built / "site" / "orphan.html").write_text("<p>alone</p>")
    past = time.time() - 20
    for slug in ("deep-sets", "graph-priors"):
        os.utime(paper(built, slug), (past, past))
    code, out, _ = run_cli(["check", "--output", "site"], built)
    assert code == 1
    assert out == (
        "content/papers/deep-sets.md:4: date: warning: 2099-01-01 is in the future; "
        "the date is the paper's first public version\n"
        "\n"
        "content/papers/graph-priors.md:8: links: pdf: files/gp.pdf does not exist: "
        "put the file at content/files/gp.pdf\n"
        "content/papers/graph-priors.md:12: venu: warning: unknown paper field (did you mean "
        "`venue`?); it is kept and passed to templates\n"
        "\n"
        "site/orphan.html: warning: no link leads here from index.html\n"
        "\n"
        "1 error, 3 warnings in 3 files (checked 5 papers and 13 built pages).\n")


def test_check_gives_the_builds_warning_when_base_url_is_unset(root, run_cli):
    edit(root / "content" / "site.yml", "base_url: https://ada.example.org/lab/\n", "")
    assert run_cli(["check"], root)[1].splitlines()[0] == (
        "content/site.yml: base_url: warning: not set, so sitemap.xml and robots.txt were "
        "skipped (sitemaps need absolute URLs) and pages have no canonical link or og:url; "
        "set it in site.yml or pass --base-url")


def test_check_takes_base_url_from_the_command_line_like_build(root, run_cli):
    edit(root / "content" / "site.yml", "base_url: https://ada.example.org/lab/\n", "")
    assert run_cli(["check", "--base-url", "https://ada.example.org/lab/"], root) == (
        0, "No problems (checked 5 papers; site/ not found, so no built pages).\n", "")


def test_check_counts_a_page_as_fresh_when_the_last_build_ran_after_the_edit(built, run_cli):
    # A rebuild that renders the same bytes leaves the page alone; the mark file says when
    # the build ran (the writer is asked to touch it on every write).
    source = paper(built, "deep-sets")
    source.write_text(source.read_text())
    later = time.time() + 5
    os.utime(built / "site" / ".scholarsite", (later, later))
    assert run_cli(["check"], built) == (0, CLEAN, "")
