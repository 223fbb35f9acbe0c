"""`new`: a paper file from the theme's archetype, filled, commented, never overwriting, and
clean to build."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scholarsite import content as C
from scholarsite.builder import build
from scholarsite.fields import PAPER_FIELDS
from scholarsite.frontmatter_yaml import read_document

EXPECTED = """\
---
# The title; may contain inline LaTeX between $...$.
title: Sparse Graph Priors
# Authors in order, as published.
authors:
  - Ada Exemplar
# The author list above is truncated; show "et al.".
# et_al: true
# Date of the first public version, YYYY-MM-DD.
date: 2024-03-05
# arXiv-style category code: LG, CV, CL, AI, QUANT-PH, ...
category: LG
# Source code repositories: a URL or a list of URLs.
# code: https://github.com/user/repo
# Other links, label -> URL: arxiv, pdf, project, slides, video, doi, ... A URL is http(s):// or a path under content/files/.
# links:
#   arxiv: https://arxiv.org/abs/2205.03340
# Where it was published, e.g. "NeurIPS 2022".
# venue: CVPR 2022
# Citation count (an integer >= 0); feeds the metrics.
# citations: 12
# A short tag shown beside the authors.
# affiliation: uw
# Feature this paper on the home page.
# selected: true
# Free keywords.
# tags:
#   - prompt learning
---

Replace this line with the abstract, in Markdown (math between dollar signs).
"""


def new(run_cli, root: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(["new", *args], root)


def meta(path: Path) -> dict:
    doc, problems = read_document(path)
    assert problems == []
    return doc.meta


def test_new_prints_the_path_of_the_file_it_creates(sample_root, run_cli):
    assert new(run_cli, sample_root, "Sparse Graph Priors") == (
        0, "content/papers/sparse-graph-priors.md\n", "")
    assert (sample_root / "content" / "papers" / "sparse-graph-priors.md").is_file()


def test_new_writes_every_field_required_filled_optional_commented(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors", "--category", "LG", "--date", "2024-03-05")
    text = (sample_root / "content" / "papers" / "sparse-graph-priors.md").read_text()
    assert text == EXPECTED


def test_new_lists_every_field_of_the_field_table(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors")
    lines = (sample_root / "content" / "papers" / "sparse-graph-priors.md").read_text().split("\n")
    for field in PAPER_FIELDS:
        assert f"# {field.doc}" in lines
        assert any(line.startswith((f"{field.name}:", f"# {field.name}:")) for line in lines)


def test_new_makes_the_profile_name_the_first_author(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors")
    assert meta(sample_root / "content" / "papers" / "sparse-graph-priors.md")["authors"] == [
        "Ada Exemplar"]


def test_new_dates_the_paper_today_by_default(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors")
    assert meta(sample_root / "content" / "papers" / "sparse-graph-priors.md")["date"] == \
        dt.date.today()


def test_new_takes_the_category_most_papers_use(sample_root, run_cli):
    # The sample has two LG papers, two CV papers and one QUANT-PH paper; add a third CV.
    papers = sample_root / "content" / "papers"
    (papers / "third.md").write_text((papers / "deep-sets.md").read_text()
                                     .replace("category: LG", "category: CV")
                                     .replace("Deep Sets", "Third"))
    new(run_cli, sample_root, "Sparse Graph Priors")
    assert meta(papers / "sparse-graph-priors.md")["category"] == "CV"


def test_new_breaks_a_category_tie_alphabetically(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors")     # LG 2, CV 2: CV comes first
    assert meta(sample_root / "content" / "papers" / "sparse-graph-priors.md")["category"] == "CV"


def test_new_upper_cases_the_category_given(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors", "--category", "quant-ph")
    assert meta(sample_root / "content" / "papers" / "sparse-graph-priors.md")["category"] == \
        "QUANT-PH"


def test_new_fills_the_code_url_given(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors", "--code", "https://github.com/ada/sgp")
    text = (sample_root / "content" / "papers" / "sparse-graph-priors.md").read_text()
    assert "\ncode: https://github.com/ada/sgp\n" in text
    assert "# code:" not in text


def test_new_keeps_a_title_with_colons_quotes_and_latex_exactly(sample_root, run_cli):
    title = 'Attention: all you need for $\\alpha$-"nets" # 2'
    code, out, _ = new(run_cli, sample_root, title)
    assert out == "content/papers/attention-all-you-need-for-nets-2.md\n"
    assert meta(sample_root / out.strip())["title"] == title


def test_new_slugs_the_title_like_the_import(sample_root, run_cli):
    assert new(run_cli, sample_root, "Müller and Ñandú: $\\mathcal{G}$ Priors")[1] == \
        "content/papers/muller-and-nandu-g-priors.md\n"


def test_new_refuses_a_title_whose_slug_exists(sample_root, run_cli):
    path = sample_root / "content" / "papers" / "deep-sets-revisited.md"
    path.write_text("keep me")
    assert new(run_cli, sample_root, "Deep Sets Revisited") == (
        1, "",
        "content/papers/deep-sets-revisited.md: slug: exists already; nothing was overwritten: "
        "edit that file, or choose another slug, e.g. --slug deep-sets-revisited-2\n"
        "1 error; nothing was written.\n")
    assert path.read_text() == "keep me"


def test_new_uses_the_slug_given(sample_root, run_cli):
    assert new(run_cli, sample_root, "Deep Sets Revisited", "--slug", "deep-sets-2024") == (
        0, "content/papers/deep-sets-2024.md\n", "")


def test_new_refuses_an_invalid_slug(sample_root, run_cli):
    assert new(run_cli, sample_root, "Deep Sets", "--slug", "Deep_Sets") == (
        2, "", "scholarsite new: --slug: 'Deep_Sets' is not a valid slug: use lowercase ASCII "
        "letters, digits and single hyphens, at most 80 characters\n")


@pytest.mark.parametrize("args, message", [
    (["--date", "2024-02-30"], "--date: impossible date '2024-02-30'"),
    (["--date", "March 2024"], "--date: expected a date YYYY-MM-DD, found text ('March 2024')"),
    (["--code", "javascript:alert(1)"],
     "--code: URL scheme `javascript:` is not allowed; use http(s):// or a path under files/"),
    (["--category", "cs cv"],
     "--category: expected an arXiv-style code such as LG, CV or QUANT-PH, found 'CS CV'"),
])
def test_new_refuses_a_bad_argument(sample_root, run_cli, args, message):
    assert new(run_cli, sample_root, "Zeta", *args) == (2, "", f"scholarsite new: {message}\n")
    assert not (sample_root / "content" / "papers" / "zeta.md").exists()


def test_new_refuses_an_empty_title(sample_root, run_cli):
    assert new(run_cli, sample_root, "  ") == (2, "", "scholarsite new: title: is empty\n")


def test_new_asks_for_a_category_when_there_are_no_papers(sample_root, run_cli):
    for path in (sample_root / "content" / "papers").glob("*.md"):
        path.unlink()
    assert new(run_cli, sample_root, "First Paper") == (
        2, "", "scholarsite new: there are no papers to take the most common category from: "
        "pass --category, e.g. --category LG\n")


def test_new_paper_builds_without_error_or_warning(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse $\\mathcal{G}$ Priors: a note", "--code",
        "https://github.com/ada/sgp")
    report = build(sample_root / "content", sample_root / "site", sample_root / "themes",
                   strict=True)
    assert report.warnings == []
    assert report.papers == 6
    assert (sample_root / "site" / "papers" / "sparse-g-priors-a-note" / "index.html").is_file()


def test_new_paper_loads_without_any_problem(sample_root, run_cli):
    new(run_cli, sample_root, "Sparse Graph Priors")
    paper, problems = C.load_paper(sample_root / "content" / "papers" / "sparse-graph-priors.md")
    assert problems == []
    assert paper.abstract_md == ("Replace this line with the abstract, in Markdown "
                                 "(math between dollar signs).")


def test_new_uses_a_child_themes_archetype(sample_root, run_cli):
    mine = sample_root / "themes" / "mine"
    (mine / "templates").mkdir(parents=True)
    (mine / "archetypes").mkdir()
    (mine / "theme.yml").write_text("extends: default\n")
    (mine / "archetypes" / "paper.md").write_text(
        "---\n{{ entry('title', title) }}{{ entry('authors', authors) }}"
        "{{ entry('date', date) }}{{ entry('category', category) }}venue: Lab Report\n---\n\nTBD.\n")
    site_yml = sample_root / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text() + "theme: mine\n")
    new(run_cli, sample_root, "Sparse Graph Priors", "--date", "2024-03-05", "--category", "LG")
    assert (sample_root / "content" / "papers" / "sparse-graph-priors.md").read_text() == (
        "---\ntitle: Sparse Graph Priors\nauthors:\n  - Ada Exemplar\ndate: 2024-03-05\n"
        "category: LG\nvenue: Lab Report\n---\n\nTBD.\n")


def test_new_reports_what_is_wrong_with_a_broken_child_archetype(sample_root, run_cli):
    mine = sample_root / "themes" / "mine"
    (mine / "templates").mkdir(parents=True)
    (mine / "archetypes").mkdir()
    (mine / "theme.yml").write_text("extends: default\n")
    (mine / "archetypes" / "paper.md").write_text("---\n{{ entry('title', title) }}---\n")
    site_yml = sample_root / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text() + "theme: mine\n")
    code, out, err = new(run_cli, sample_root, "Sparse Graph Priors")
    assert (code, out) == (1, "content/papers/sparse-graph-priors.md\n")
    assert err.splitlines()[0] == (
        "content/papers/sparse-graph-priors.md:1: authors: missing required field: "
        "Authors in order, as published.")
