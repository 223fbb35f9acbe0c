"""`import FILE.bib`: real homepage files field by field, one fixture per rule, safe re-runs."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from scholarsite.content import load_paper, load_site
from scholarsite.errors import display_path
from scholarsite.frontmatter_yaml import read_document

from import_support import paper, run_import

DATA = Path(__file__).parent / "data" / "bibtex"
SAMPLE = Path(__file__).parent / "data" / "sample"
AL_FOLIO = DATA / "al-folio-style-1.bib"
ARXIV_EXPORT = DATA / "arxiv-export-entries.bib"


@pytest.fixture
def rejected(import_rejected):
    """Import a fixture from tmp_path; assert exit 1 and nothing written; give stderr."""
    return import_rejected(DATA)


# ---- Real files: al-folio's papers.bib ---------------------------------------------------

def test_al_folio_frontmatter_skipped_and_every_entry_read(tmp_path: Path) -> None:
    assert run_import(tmp_path, AL_FOLIO, "--category", "SE") == 0
    names = sorted(p.name for p in (tmp_path / "content" / "papers").glob("*.md"))
    assert names == [
        "a-first-look-at-conventional-commits-classification.md",
        "colare-commit-classification-via-fine-grained-context-aware-representation-of.md",
        "evaluating-generated-commit-messages-with-large-language-models.md",
        "octobench-benchmarking-scaffold-aware-instruction-following-in-repository.md",
        "skillsbench-benchmarking-how-well-agent-skills-work-across-diverse-tasks.md",
        "tooltrain-tool-integrated-reinforcement-learning-for-repo-deep-search.md",
    ]


def test_al_folio_arxiv_preprint_journal_gives_the_id_not_a_venue(tmp_path: Path) -> None:
    assert run_import(tmp_path, AL_FOLIO, "--category", "SE") == 0
    meta, body = paper(tmp_path, "skillsbench-benchmarking-how-well-agent-skills-work-across-diverse-tasks")
    assert "venue" not in meta
    assert meta["links"] == {"pdf": "https://arxiv.org/pdf/2602.12670",
                             "arxiv": "https://arxiv.org/abs/2602.12670"}
    assert meta["code"] == "https://github.com/benchflow-ai/skillsbench"
    assert meta["selected"] is True
    assert meta["date"] == dt.date(2026, 1, 1)
    assert meta["category"] == "SE"
    assert len(meta["authors"]) == 40
    assert meta["authors"][15] == "Roey Ben Chaim"          # `Ben Chaim, Roey`
    assert meta["authors"][-1] == "Han-chung Lee"
    assert body == ""


def test_al_folio_name_without_comma_and_booktitle_venue(tmp_path: Path) -> None:
    assert run_import(tmp_path, AL_FOLIO, "--category", "SE") == 0
    meta, _ = paper(tmp_path, "evaluating-generated-commit-messages-with-large-language-models")
    assert meta["authors"] == ["Qunhong Zeng", "Yuxia Zhang", "Zexiong Ma", "Bo Jiang",
                               "Ningyuan Sun", "Klaas-Jan Stol", "Xingyu Mou", "Hui Liu"]
    assert meta["venue"] == ("Proceedings of the IEEE/ACM 48th International Conference on "
                             "Software Engineering (ICSE)")


def test_al_folio_local_pdf_becomes_files_path_and_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, AL_FOLIO, "--category", "SE") == 0
    meta, _ = paper(tmp_path, "a-first-look-at-conventional-commits-classification")
    assert meta["links"] == {
        "pdf": "files/conventional_commit.pdf",
        "html": "https://www.computer.org/csdl/proceedings-article/icse/2025/056900a127/215aWxIcs3m"}
    assert meta["code"] == "https://github.com/0x404/conventional-commit-classification"
    files = tmp_path / "content" / "files"
    out = capsys.readouterr().out
    assert (f"{display_path(AL_FOLIO)}:44: links: warning: files/conventional_commit.pdf is not in {files}: "
            "copy conventional_commit.pdf there, or the link will be broken\n") in out
    assert f"{display_path(AL_FOLIO)}:55: links: warning: files/colare.pdf is not in {files}: " in out


def test_local_pdf_present_under_content_files_is_not_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "content" / "files").mkdir(parents=True)
    (tmp_path / "content" / "files" / "colare.pdf").write_bytes(b"%PDF-1.4\n")
    assert run_import(tmp_path, AL_FOLIO, "--category", "SE") == 0
    out = capsys.readouterr().out
    assert "files/colare.pdf is not in" not in out
    assert "files/conventional_commit.pdf is not in" in out


def test_al_folio_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, AL_FOLIO, "--category", "SE") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == [
        f"{display_path(AL_FOLIO)}: 6 papers (BibTeX): 6 new, 0 unchanged, 0 skipped",
        "code links found: 6 in 6 of 6 papers",
        "dates completed to the 1st: 6 of 6 papers had no day (6 had only a year: January 1st); "
        "edit `date:` where you know it",
    ]


def test_al_folio_without_category_reports_every_paper(rejected) -> None:
    err = rejected("al-folio-style-1.bib")
    lines = err.splitlines()
    assert lines[0] == ("al-folio-style-1.bib:4: no category: the entry has no `primaryClass` and "
                        "no arXiv id that names one; add primaryClass = {cs.LG} or pass --category "
                        "CODE (entry `li2026skillsbench`)")
    assert [line.split(":")[1] for line in lines[:-1]] == ["4", "14", "24", "34", "44", "55"]
    assert lines[-1] == "6 errors; nothing was written."


# ---- Real files: arXiv's "Export BibTeX citation" ---------------------------------------

def test_arxiv_export_primary_class_eprint_and_math_title(tmp_path: Path) -> None:
    assert run_import(tmp_path, ARXIV_EXPORT) == 0
    meta, _ = paper(tmp_path, "pixart-fast-training-of-diffusion-transformer-for-photorealistic-text-to-image")
    assert meta == {
        "title": "PixArt-$\\alpha$: Fast Training of Diffusion Transformer for Photorealistic "
                 "Text-to-Image Synthesis",
        "authors": ["Junsong Chen", "Jincheng Yu", "Chongjian Ge", "Lewei Yao", "Enze Xie1",
                    "Yue Wu", "Zhongdao Wang", "James Kwok", "Ping Luo", "Huchuan Lu",
                    "Zhenguo Li"],
        "date": dt.date(2023, 1, 1),
        "category": "CV",
        "links": {"arxiv": "https://arxiv.org/abs/2310.00426"},
    }


def test_arxiv_export_corporate_author_and_arxiv_url(tmp_path: Path) -> None:
    assert run_import(tmp_path, ARXIV_EXPORT) == 0
    meta, _ = paper(tmp_path, "longcat-video-technical-report")
    assert meta["authors"][:2] == ["Meituan LongCat Team", "Xunliang Cai"]
    assert meta["links"] == {"arxiv": "https://arxiv.org/abs/2510.22200"}


def test_arxiv_export_non_ascii_key_and_name(tmp_path: Path) -> None:
    assert run_import(tmp_path, ARXIV_EXPORT) == 0
    meta, _ = paper(tmp_path, "diva-daf-a-deep-learning-framework-for-historical-document-image-analysis")
    assert meta["authors"] == ["Lars Vögtlin", "Paul Maergner", "Rolf Ingold"]
    assert meta["date"] == dt.date(2022, 1, 1)


@pytest.mark.parametrize("source", [AL_FOLIO, ARXIV_EXPORT], ids=lambda p: p.name)
def test_real_file_loads_through_the_content_loader(tmp_path: Path, source: Path) -> None:
    assert run_import(tmp_path, source, "--category", "SE") == 0
    content = tmp_path / "content"
    for path in sorted((content / "papers").glob("*.md")):
        loaded, problems = load_paper(path)
        assert loaded is not None and problems == [], path
    shutil.copy(SAMPLE / "site.yml", content / "site.yml")
    shutil.copy(SAMPLE / "profile.md", content / "profile.md")
    site, warnings = load_site(content)
    assert len(site.papers) == len(list((content / "papers").glob("*.md")))
    assert warnings == []


@pytest.mark.parametrize("source", [AL_FOLIO, ARXIV_EXPORT], ids=lambda p: p.name)
def test_import_again_changes_no_file_nor_mtime(tmp_path: Path, source: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, source, "--category", "SE") == 0
    files = sorted((tmp_path / "content").rglob("*.md"))
    for p in files:
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    before = {p: p.read_bytes() for p in files}
    capsys.readouterr()
    assert run_import(tmp_path, source, "--category", "SE") == 0
    out = capsys.readouterr().out
    assert sorted((tmp_path / "content").rglob("*.md")) == files
    assert {p: p.read_bytes() for p in files} == before
    assert all(p.stat().st_mtime_ns == 1_000_000_000 for p in files)
    assert f"0 new, {len(files)} unchanged, 0 skipped" in out
    assert out.endswith("nothing changed: every file already matches the import\n")


# ---- Names, titles, LaTeX ---------------------------------------------------------------

def test_names_accents_corporate_von_and_others(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "names.bib") == 0
    meta, _ = paper(tmp_path, "a-bayesian-view-of-o-n-2-attention-uber-beyond")
    assert meta["authors"] == ["Jörg Müller", "José Gómez", "Google Research and Friends",
                               "Jean de la Fontaine"]
    assert meta["et_al"] is True


def test_title_braces_removed_escapes_decoded_math_kept(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "names.bib") == 0
    meta, _ = paper(tmp_path, "a-bayesian-view-of-o-n-2-attention-uber-beyond")
    assert meta["title"] == "A Bayesian View of $\\mathcal{O}(n^2)$ Attention: Über & Beyond"
    assert meta["venue"] == ("Proceedings of the 38th International Conference on Machine "
                             "Learning (ICML)")


# ---- Macros, concatenation, comments, dates ---------------------------------------------

def test_string_macros_concatenation_and_quotes(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "macros.bib") == 0
    meta, _ = paper(tmp_path, "concatenated-venues-and-quoted-titles")
    assert meta == {"title": "Concatenated Venues and Quoted Titles",
                    "authors": ["Ada Exemplar", "Bo Lin"], "date": dt.date(2022, 3, 1),
                    "category": "CL",
                    "venue": "Advances in Neural Information Processing Systems 35"}


def test_comment_blocks_and_percent_lines_are_not_entries(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "macros.bib") == 0
    names = sorted(p.stem for p in (tmp_path / "content" / "papers").glob("*.md"))
    assert names == ["a-full-date-field", "concatenated-venues-and-quoted-titles",
                     "numeric-months", "only-a-year"]


def test_dates_from_month_macro_name_number_date_field_and_year(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "macros.bib") == 0
    assert run_import(tmp_path, DATA / "names.bib") == 0
    dates = {slug: paper(tmp_path, slug)[0]["date"] for slug in (
        "a-bayesian-view-of-o-n-2-attention-uber-beyond", "concatenated-venues-and-quoted-titles",
        "numeric-months", "a-full-date-field", "only-a-year")}
    assert dates == {"a-bayesian-view-of-o-n-2-attention-uber-beyond": dt.date(2021, 7, 1),
                     "concatenated-venues-and-quoted-titles": dt.date(2022, 3, 1),
                     "numeric-months": dt.date(2020, 11, 1),
                     "a-full-date-field": dt.date(2019, 4, 23),
                     "only-a-year": dt.date(2018, 1, 1)}


def test_summary_counts_completed_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, DATA / "macros.bib") == 0
    assert ("dates completed to the 1st: 3 of 4 papers had no day (1 had only a year: January "
            "1st); edit `date:` where you know it\n") in capsys.readouterr().out


# ---- Categories -------------------------------------------------------------------------

def test_category_from_primary_class_quant_ph(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "categories.bib", "--category", "CV") == 0
    meta, _ = paper(tmp_path, "a-quantum-walk")
    assert meta["category"] == "QUANT-PH"
    assert meta["links"] == {"arxiv": "https://arxiv.org/abs/quant-ph/0201082"}


def test_category_from_an_old_style_arxiv_id(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "categories.bib", "--category", "CV") == 0
    assert paper(tmp_path, "old-style-ids-name-their-archive")[0]["category"] == "HEP-TH"


def test_category_default_for_a_new_style_id(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "categories.bib", "--category", "cs.CV") == 0
    assert paper(tmp_path, "new-style-ids-name-none")[0]["category"] == "CV"


def test_category_missing_is_reported_with_the_entry_line(rejected) -> None:
    assert rejected("categories.bib") == (
        "categories.bib:18: no category: the entry has no `primaryClass` and no arXiv id that "
        "names one; add primaryClass = {cs.LG} or pass --category CODE (entry `newstyle2024`)\n"
        "1 error; nothing was written.\n")


def test_category_option_that_is_no_code_is_usage(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, DATA / "categories.bib", "--category", "machine learning") == 2
    assert "--category expects an arXiv-style code such as LG, CV, QUANT-PH or cs.LG, found " \
           "'machine learning'" in capsys.readouterr().err
    assert not (tmp_path / "content").exists()


# ---- Links ------------------------------------------------------------------------------

def test_every_link_field_abstract_and_selected(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "links.bib") == 0
    meta, body = paper(tmp_path, "every-kind-of-link")
    assert meta == {
        "title": "Every Kind of Link", "authors": ["Ada Exemplar"], "date": dt.date(2023, 6, 1),
        "category": "CV", "code": "https://github.com/example/links",
        "links": {
            "pdf": "files/links2023.pdf",
            "html": "https://openaccess.thecvf.com/content/CVPR2023/html/links.html",
            "doi": "https://doi.org/10.1109/CVPR52729.2023.00042",
            "arxiv": "https://arxiv.org/abs/2303.01234",
            "website": "https://example.github.io/links/",
            "slides": "https://example.org/links-slides.pdf",
            "video": "https://www.youtube.com/watch?v=abc123",
            "poster": "files/links-poster.pdf",
            "blog": "https://example.org/blog/links",
        },
        "venue": "CVPR", "selected": True,
    }
    assert body == "We link everything: 95% of papers.\n\nA second paragraph with $x_i^2$ math."


def test_code_hosts_in_url_note_howpublished_and_github_field(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "links.bib") == 0
    meta, _ = paper(tmp_path, "code-found-in-url-note-and-howpublished")
    assert meta["code"] == ["https://github.com/example/codehosts-gh",
                            "https://gitlab.com/example/codehosts",
                            "https://github.com/example/codehosts-note",
                            "https://bitbucket.org/example/codehosts-hp"]
    assert meta["links"] == {"arxiv": "https://arxiv.org/abs/2201.00001"}
    assert "venue" not in meta


def test_dblp_corr_volume_gives_the_arxiv_id(tmp_path: Path) -> None:
    assert run_import(tmp_path, DATA / "links.bib") == 0
    meta, _ = paper(tmp_path, "a-dblp-export")
    assert meta["links"] == {"doi": "https://doi.org/10.48550/arXiv.2103.09382",
                             "arxiv": "https://arxiv.org/abs/2103.09382"}
    assert "venue" not in meta


def test_unsafe_link_scheme_is_rejected(rejected) -> None:
    err = rejected("evil.bib", text="@misc{evil,\n  title = {Evil},\n  author = {A, B},\n"
                                    "  year = 2020,\n  primaryClass = {cs.CR},\n"
                                    "  website = {javascript:alert(1)}\n}\n")
    assert err == ("evil.bib:1: website: URL scheme `javascript:` is not allowed; use http(s):// "
                   "or a path under files/ (entry `evil`)\n1 error; nothing was written.\n")


# ---- Duplicates ------------------------------------------------------------------------

def test_duplicate_key_is_reported_and_both_papers_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, DATA / "duplicates.bib") == 0
    out = capsys.readouterr().out
    source = display_path(DATA / "duplicates.bib")
    assert (f"{source}:8: warning: duplicate entry key `same2020` (first on line 1); both "
            "entries are read\n") in out
    assert sorted(p.stem for p in (tmp_path / "content" / "papers").glob("*.md")) == [
        "a-different-paper-under-the-same-key", "the-first-paper"]


def test_same_paper_twice_in_one_file_is_imported_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, DATA / "duplicates.bib") == 0
    assert (f"{display_path(DATA / 'duplicates.bib')}:15: warning: the same paper (same title) as the entry "
            "on line 1: importing only that one\n") in capsys.readouterr().out


# ---- Rejected input: every defect, with its entry's line; nothing written ---------------

def test_every_defect_reported_with_its_entry_line(rejected) -> None:
    assert rejected("broken.bib") == (
        "broken.bib:1: title: no title (entry `notitle`)\n"
        "broken.bib:7: month: expected a month such as jan, March or 3, found 'Smarch' "
        "(entry `badmonth`)\n"
        "broken.bib:15: journal: `jmlr` is not defined by any @string (quote or brace the value "
        "if it is text) (entry `undefined`)\n"
        "broken.bib:23: year: no date: give `year` (and `month`), or `date` (entry `nodate`)\n"
        "broken.bib:29: no category: the entry has no `primaryClass` and no arXiv id that names "
        "one; add primaryClass = {cs.LG} or pass --category CODE (entry `nocategory`)\n"
        "broken.bib:35: cannot read this entry: unexpectedly reached end of file (check its "
        "braces, quotes and commas)\n"
        "6 errors; nothing was written.\n")


def test_bib_without_entries_is_rejected(rejected) -> None:
    assert rejected("empty.bib", text="% only a comment\n@comment{nothing here}\n") == (
        "empty.bib:1: no BibTeX entries (such as @article{key, ...}) found: nothing to import\n"
        "1 error; nothing was written.\n")


def test_duplicate_field_in_an_entry_is_rejected(rejected) -> None:
    err = rejected("twice.bib", text="\n@article{twice,\n  title = {A},\n  title = {B},\n"
                                     "  author = {A, B},\n  year = 2020,\n"
                                     "  primaryClass = {cs.LG}\n}\n")
    assert err == ("twice.bib:2: entry `twice` gives `title` twice: keep one\n"
                   "1 error; nothing was written.\n")


def test_bib_detected_by_content_without_the_suffix(tmp_path: Path) -> None:
    source = tmp_path / "refs.txt"
    shutil.copy(ARXIV_EXPORT, source)
    assert run_import(tmp_path, source) == 0
    assert len(list((tmp_path / "content" / "papers").glob("*.md"))) == 6


# ---- Matching existing papers ------------------------------------------------------------

EXISTING = """---
title: "PixArt-$\\\\alpha$: fast training of diffusion transformer for photorealistic text-to-image synthesis"
authors:
  - Junsong Chen
date: 2023-09-30
category: CV
code: https://github.com/PixArt-alpha/PixArt-alpha
links:
  project: https://pixart-alpha.github.io/
tags:
  - diffusion
---

My own summary, written by hand.
"""


def _existing(tmp_path: Path) -> Path:
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    path = papers / "pixart.md"
    path.write_text(EXISTING, encoding="utf-8")
    return path


def test_matching_paper_by_title_is_kept_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _existing(tmp_path)
    assert run_import(tmp_path, ARXIV_EXPORT) == 0
    out = capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == EXISTING
    assert f"skipped {path}: it exists and differs (--force overwrites it)\n" in out
    assert "5 new, 0 unchanged, 1 skipped" in out
    assert not (tmp_path / "content" / "papers" /
                "pixart-fast-training-of-diffusion-transformer-for-photorealistic-text-to-image.md").exists()


def test_force_updates_in_place_keeping_code_body_links_and_precise_date(tmp_path: Path) -> None:
    path = _existing(tmp_path)
    assert run_import(tmp_path, ARXIV_EXPORT, "--force") == 0
    doc, problems = read_document(path)
    assert problems == []
    assert doc.meta == {
        "title": "PixArt-$\\alpha$: Fast Training of Diffusion Transformer for Photorealistic "
                 "Text-to-Image Synthesis",
        "authors": ["Junsong Chen", "Jincheng Yu", "Chongjian Ge", "Lewei Yao", "Enze Xie1",
                    "Yue Wu", "Zhongdao Wang", "James Kwok", "Ping Luo", "Huchuan Lu",
                    "Zhenguo Li"],
        "date": dt.date(2023, 9, 30),            # the entry gives only the year 2023
        "category": "CV",
        "code": "https://github.com/PixArt-alpha/PixArt-alpha",
        "links": {"project": "https://pixart-alpha.github.io/",
                  "arxiv": "https://arxiv.org/abs/2310.00426"},
        "tags": ["diffusion"],
    }
    assert doc.body == "My own summary, written by hand."


def test_force_update_then_import_again_is_unchanged(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _existing(tmp_path)
    assert run_import(tmp_path, ARXIV_EXPORT, "--force") == 0
    updated = path.read_bytes()
    capsys.readouterr()
    assert run_import(tmp_path, ARXIV_EXPORT) == 0
    assert path.read_bytes() == updated
    assert "0 new, 6 unchanged, 0 skipped" in capsys.readouterr().out


def test_matching_by_arxiv_id_despite_another_title(tmp_path: Path) -> None:
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    renamed = papers / "spice.md"
    renamed.write_text("---\ntitle: My Clustering Paper\nauthors: [Chuang Niu]\n"
                       "date: 2021-03-17\ncategory: CV\n"
                       "links:\n  arxiv: https://arxiv.org/abs/2103.09382v4\n---\n",
                       encoding="utf-8")
    assert run_import(tmp_path, ARXIV_EXPORT, "--force") == 0
    doc, _ = read_document(renamed)
    assert doc.meta["title"] == "SPICE: Semantic Pseudo-labeling for Image Clustering"
    assert doc.meta["date"] == dt.date(2021, 3, 17)
    assert not (papers / "spice-semantic-pseudo-labeling-for-image-clustering.md").exists()


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, ARXIV_EXPORT, "--dry-run") == 0
    out = capsys.readouterr().out.splitlines()
    assert not (tmp_path / "content").exists()
    assert len([x for x in out if x.startswith("would create ")]) == 6
    assert out[-1] == "dry run: nothing was written"
