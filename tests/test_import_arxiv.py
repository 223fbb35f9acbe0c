"""`import FEED.xml`: arXiv API (Atom) responses, offline, field by field."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from scholarsite.content import load_paper, load_site
from scholarsite.errors import display_path

from import_support import paper, run_import

DATA = Path(__file__).parent / "data" / "arxiv"
SAMPLE = Path(__file__).parent / "data" / "sample"
FEED = DATA / "query-au-tian.xml"
FEED_2025 = DATA / "query-2025-format.xml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    assert run_import(tmp_path, FEED) == 0
    return tmp_path / "content"


@pytest.fixture
def rejected(import_rejected):
    """Import a fixture from tmp_path; assert exit 1 and nothing written; give stderr."""
    return import_rejected(DATA)


def test_entry_fields_id_without_version_pdf_and_primary_category(content: Path) -> None:
    meta, body = paper(content.parent, "prompt-distribution-learning")
    assert meta == {
        "title": "Prompt Distribution Learning",
        "authors": ["Yuning Lu", "Jianzhuang Liu", "Yonggang Zhang", "Yajing Liu", "Xinmei Tian"],
        "date": dt.date(2022, 5, 6),                 # <published>, not <updated>
        "category": "CV",                            # primary cs.CV, also listed in cs.LG
        "links": {"arxiv": "https://arxiv.org/abs/2205.03340",
                  "pdf": "http://arxiv.org/pdf/2205.03340v2"},
    }
    assert body == ("We present prompt distribution learning for effectively adapting a "
                    "pre-trained vision-language model to address downstream recognition tasks. "
                    "Our method not only learns low-bias prompts from a few samples but also "
                    "captures the distribution of diverse prompts to handle the varying visual "
                    "representations.")


def test_comment_code_url_journal_ref_venue_doi_and_wrapped_title(content: Path) -> None:
    meta, body = paper(content.parent,
                       "adversarial-auto-augment-with-label-preservation-a-representation-learning")
    assert meta == {
        "title": "Adversarial Auto-Augment with Label Preservation: A Representation Learning "
                 "Principle Guided Approach",
        "authors": ["Kaiwen Yang", "Yanchao Sun", "Jiahao Su", "Fengxiang He", "Xinmei Tian"],
        "date": dt.date(2022, 11, 2),
        "category": "LG",
        "code": "https://github.com/kai-wen-yang/LPA3",
        "links": {"arxiv": "https://arxiv.org/abs/2211.01285",
                  "pdf": "http://arxiv.org/pdf/2211.01285v3",
                  "doi": "https://doi.org/10.5555/3600270.3601847"},
        "venue": "Advances in Neural Information Processing Systems 35 (NeurIPS 2022)",
    }
    assert "$\\mathcal{O}(n \\log n)$" in body


def test_old_style_id_quant_ph_tex_accents_and_paragraphs(content: Path) -> None:
    meta, body = paper(content.parent, "quantum-walks-on-graphs-with-sparse-priors")
    assert meta["category"] == "QUANT-PH"
    assert meta["links"]["arxiv"] == "https://arxiv.org/abs/quant-ph/0201082"
    assert meta["authors"] == ["Jörg Müller", "Zoë Çelik"]
    assert body == ("We study continuous-time quantum walks on sparse graphs.\n\n"
                    "A second paragraph shows that paragraph breaks survive the import.")


def test_code_url_in_abstract_and_project_page_is_not_code(content: Path) -> None:
    meta, _ = paper(content.parent, "deep-sets-for-calibrated-uncertainty")
    assert meta["code"] == "https://gitlab.com/example/deep-sets"
    assert meta["category"] == "ML"


def test_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, FEED) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [f"{display_path(FEED)}: 4 papers (arXiv Atom): 4 new, 0 unchanged, "
                          "0 skipped",
                          "code links found: 2 in 2 of 4 papers"]


def test_2025_format_https_ids_and_root_namespaces(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, FEED_2025) == 0
    meta, _ = paper(tmp_path, "prompt-distribution-learning")
    assert meta["links"] == {"arxiv": "https://arxiv.org/abs/2205.03340",
                             "pdf": "https://arxiv.org/pdf/2205.03340v2"}
    assert meta["category"] == "CV"
    assert (f"{display_path(FEED_2025)}:2: warning: the query matched 25 papers but this "
            "response holds 1; fetch the rest with start= and max_results=\n"
            ) in capsys.readouterr().out


def test_same_paper_from_bibtex_then_arxiv_is_one_file(tmp_path: Path) -> None:
    """The arXiv id matches the paper a .bib import wrote under another slug."""
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "pdl.md").write_text(
        "---\ntitle: Prompt distribution learning\nauthors: [Yuning Lu]\ndate: 2022-01-01\n"
        "category: CV\nlinks:\n  arxiv: https://arxiv.org/abs/2205.03340\n---\n",
        encoding="utf-8")
    assert run_import(tmp_path, FEED, "--force") == 0
    assert paper(tmp_path, "pdl")[0]["date"] == dt.date(2022, 5, 6)
    assert not (papers / "prompt-distribution-learning.md").exists()


def test_loads_through_the_content_loader(content: Path) -> None:
    for path in sorted((content / "papers").glob("*.md")):
        loaded, problems = load_paper(path)
        assert loaded is not None and problems == [], path
    shutil.copy(SAMPLE / "site.yml", content / "site.yml")
    shutil.copy(SAMPLE / "profile.md", content / "profile.md")
    site, warnings = load_site(content)
    assert sorted(p.slug for p in site.papers) == [
        "adversarial-auto-augment-with-label-preservation-a-representation-learning",
        "deep-sets-for-calibrated-uncertainty", "prompt-distribution-learning",
        "quantum-walks-on-graphs-with-sparse-priors"]
    assert warnings == []


def test_import_again_changes_nothing(content: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(content.rglob("*.md"))
    for p in files:
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    before = {p: p.read_bytes() for p in files}
    capsys.readouterr()
    assert run_import(tmp_path, FEED) == 0
    assert {p: p.read_bytes() for p in files} == before
    assert all(p.stat().st_mtime_ns == 1_000_000_000 for p in files)
    assert capsys.readouterr().out.endswith(
        "nothing changed: every file already matches the import\n")


# ---- Rejected responses ------------------------------------------------------------------

def test_api_error_response_is_reported(rejected) -> None:
    assert rejected("error-response.xml") == (
        "error-response.xml:11: the arXiv API answered with an error: incorrect id format for "
        "1234.12345\n1 error; nothing was written.\n")


def test_malformed_xml_is_reported_with_its_line(rejected) -> None:
    text = FEED.read_text(encoding="utf-8").replace("</summary>\n    <author>\n      <name>Yuning",
                                                    "\n    <author>\n      <name>Yuning", 1)
    assert rejected("cut.xml", text=text) == (
        "cut.xml:42: not well-formed XML: mismatched tag (column 5)\n"
        "1 error; nothing was written.\n")


def test_entry_without_primary_category_needs_the_option(rejected) -> None:
    text = FEED_2025.read_text(encoding="utf-8").replace(
        '    <arxiv:primary_category term="cs.CV"/>\n', "")
    assert rejected("nocat.xml", text=text) == (
        "nocat.xml:10: no category: the entry has no <arxiv:primary_category>; pass "
        "--category CODE\n1 error; nothing was written.\n")


def test_entry_without_primary_category_takes_the_option(tmp_path: Path) -> None:
    source = tmp_path / "nocat.xml"
    source.write_text(FEED_2025.read_text(encoding="utf-8").replace(
        '    <arxiv:primary_category term="cs.CV"/>\n', ""), encoding="utf-8")
    assert run_import(tmp_path, source, "--category", "cs.LG") == 0
    assert paper(tmp_path, "prompt-distribution-learning")[0]["category"] == "LG"


def test_feed_without_entries_is_rejected(rejected) -> None:
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">\n'
            '  <title>arXiv Query: search_query=au:Nobody</title>\n</feed>\n')
    assert rejected("none.xml", text=text) == (
        "none.xml:2: the feed holds no <entry>: nothing to import\n"
        "1 error; nothing was written.\n")
