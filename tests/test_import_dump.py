"""`import` of the profile dump: the real seed field by field, the counts, safe re-runs, rejections."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from scholarsite.cli import main
from scholarsite.content import load_site
from scholarsite.errors import SiteError, display_path
from scholarsite.fields import PAPER_FIELDS, PROFILE_FIELDS, check_value, field_table
from scholarsite.frontmatter_yaml import parse_yaml, read_document
from scholarsite.importers import ImportOptions, read_file
from scholarsite.importers.records import PaperRecord
from scholarsite.importers.writer import scalar, write_papers

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "xinmei-tian.txt"
DATA = Path(__file__).parent / "data" / "seeds"
AS_OF = "2026-11-28"
SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")


def run_import(tmp_path: Path, *extra: str, source: Path = SEED, as_of: str = AS_OF) -> int:
    return main(["import", str(source), "--content", str(tmp_path / "content"),
                 "--as-of", as_of, *extra])


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder holding the real seed, imported as of 2026-11-28."""
    assert run_import(tmp_path) == 0
    return tmp_path / "content"


def paper(content: Path, slug: str) -> tuple[dict, str]:
    doc, problems = read_document(content / "papers" / f"{slug}.md")
    assert problems == []
    return doc.meta, doc.body


def source_abstract(header_line: int) -> str:
    """The abstract of the seed block whose header is on `header_line` (1-based)."""
    return SEED_LINES[header_line + 4]


# ---- The real seed, field by field ------------------------------------------------------

def test_import_seed_et_al_affiliation_and_cleaned_href_residue(content: Path) -> None:
    meta, body = paper(content, "adversarial-auto-augment-with-label-preservation-a-representation-learning")
    assert meta == {
        "title": "Adversarial Auto-Augment with Label Preservation: A Representation Learning "
                 "Principle Guided Approach",
        "authors": ["Kaiwen Yang", "Yanchao Sun", "Jiahao Su"],
        "et_al": True,
        "date": dt.date(2022, 11, 2),
        "category": "LG",
        "code": "https://github.com/kai-wen-yang/LPA3",
        "affiliation": "uw",
    }
    assert body.endswith("Code is available at: <https://github.com/kai-wen-yang/LPA3>.")
    assert body == source_abstract(12).replace(
        "https://github.com/kai-wen-yang/LPA3}{https://github.com/kai-wen-yang/LPA3.",
        "<https://github.com/kai-wen-yang/LPA3>.")


def test_import_seed_latex_url_command_becomes_autolink(content: Path) -> None:
    meta, body = paper(content, "bi-calibration-networks-for-weakly-supervised-video-representation-learning")
    assert meta["code"] == "https://github.com/FuchenUSTC/BCN"
    assert meta["authors"] == ["Fuchen Long", "Ting Yao", "Zhaofan Qiu"]
    assert "affiliation" not in meta
    assert body == source_abstract(19).replace(
        "\\url{https://github.com/FuchenUSTC/BCN}.", "<https://github.com/FuchenUSTC/BCN>.")


def test_import_seed_doubled_slash_is_collapsed(content: Path) -> None:
    meta, body = paper(content, "patch-reordering-a-novel-way-to-achieve-rotation-and-translation-invariance-in")
    assert meta["code"] == "https://github.com/jasonustc/caffe-multigpu/tree/TICNN"
    assert "<https://github.com/jasonustc/caffe-multigpu/tree/TICNN> ." in body
    assert "github.com//" not in body


def test_import_seed_tree_branch_url_kept_without_trailing_dot(content: Path) -> None:
    meta, body = paper(content, "transform-invariant-convolutional-neural-networks-for-image-classification-and")
    assert meta["code"] == "https://github.com/jasonustc/caffe-multigpu/tree/TICNN"
    meta, _ = paper(content, "continuous-dropout")
    assert meta["code"] == "https://github.com/jasonustc/caffe-multigpu/tree/dropout"


def test_import_seed_url_without_trailing_dot_and_math_kept(content: Path) -> None:
    meta, body = paper(content, "toward-real-world-single-image-deraining-a-new-benchmark-and-beyond")
    assert meta["code"] == "https://github.com/hiker-lw/RealRain-1k"
    assert "consisting of $1,120$ high-resolution" in body
    assert body == source_abstract(33).replace("https://github.com/hiker-lw/RealRain-1k",
                                               "<https://github.com/hiker-lw/RealRain-1k>")


def test_import_seed_latex_in_abstracts_is_byte_for_byte(content: Path) -> None:
    _, body = paper(content, "moderately-distributional-exploration-for-domain-generalization")
    assert body == source_abstract(96)
    assert "perform a $\\textbf{mo}$derately $\\textbf{d}$istributional" in body
    _, body = paper(content, "hrp-high-rank-preheating-for-superior-lora-initialization")
    assert body == source_abstract(299)
    assert "the derived $BA^\\top$ as initia" in body
    _, body = paper(content, "fedfed-feature-distillation-against-data-heterogeneity-in-federated-learning")
    assert body == source_abstract(103)


def test_import_seed_every_formula_survives(content: Path) -> None:
    source_math = Counter(re.findall(r"\$[^$]*\$", "\n".join(SEED_LINES)))
    bodies = "\n".join(read_document(p)[0].body for p in (content / "papers").glob("*.md"))
    assert Counter(re.findall(r"\$[^$]*\$", bodies)) == source_math
    assert sum(source_math.values()) == 10


def test_import_seed_year_less_dates_end_on_the_as_of_date(content: Path) -> None:
    assert paper(content, "interpreting-and-enhancing-emotional-circuits-in-large-vision-language-models")[0]["date"] == dt.date(2026, 5, 21)
    assert paper(content, "moss-self-evolution-through-source-level-rewriting-in-autonomous-agent-systems")[0]["date"] == dt.date(2026, 5, 21)
    assert paper(content, "prefill-time-intervention-for-mitigating-hallucination-in-large-vision-language")[0]["date"] == dt.date(2026, 4, 28)
    assert paper(content, "weight-patching-toward-source-level-mechanistic-localization-in-llms")[0]["date"] == dt.date(2026, 4, 15)


def test_import_year_less_date_after_as_of_is_last_year(tmp_path: Path) -> None:
    assert run_import(tmp_path, as_of="2026-05-20") == 0
    meta, _ = paper(tmp_path / "content", "moss-self-evolution-through-source-level-rewriting-in-autonomous-agent-systems")
    assert meta["date"] == dt.date(2025, 5, 21)
    meta, _ = paper(tmp_path / "content", "prefill-time-intervention-for-mitigating-hallucination-in-large-vision-language")
    assert meta["date"] == dt.date(2026, 4, 28)


def test_import_seed_quant_ph_category(content: Path) -> None:
    meta, _ = paper(content, "optical-quantum-sensing-for-agnostic-environments-via-deep-learning")
    assert meta == {
        "title": "Optical Quantum Sensing for Agnostic Environments via Deep Learning",
        "authors": ["Zeqiao Zhou", "Yuxuan Du", "Xu-Fei Yin"],
        "et_al": True,
        "date": dt.date(2023, 11, 13),
        "category": "QUANT-PH",
    }


def test_import_seed_full_author_list_has_no_et_al(content: Path) -> None:
    meta, _ = paper(content, "semantic-aware-mixup-for-domain-generalization")
    assert meta == {"title": "Semantic-Aware Mixup for Domain Generalization",
                    "authors": ["Chengchao Xu", "Xinmei Tian"],
                    "date": dt.date(2023, 4, 12), "category": "CV"}


def test_import_seed_code_flag_without_url_leaves_a_comment(content: Path) -> None:
    path = content / "papers" / "on-efficient-training-of-large-scale-deep-learning-models-a-literature-review.md"
    text = path.read_text(encoding="utf-8")
    assert ("category: LG\n"
            "# code: flagged \"Code\" in the source, but no URL was found in the text\n"
            "---\n") in text
    assert "code" not in read_document(path)[0].meta


def test_import_seed_profile_metrics_in_dump_order(content: Path) -> None:
    doc, problems = read_document(content / "profile.md")
    assert problems == []
    assert doc.meta == {
        "name": "Xinmei Tian",
        "highlight": ["Xinmei Tian", "X. Tian", "Tian, Xinmei"],
        "metrics": {"h-index": 34, "papers": 54, "citations": 4246, "Novelty": "55%",
                    "AI Score": 64},
    }
    assert list(doc.meta["metrics"]) == ["h-index", "papers", "citations", "Novelty", "AI Score"]
    assert "Novelty: 55%\n" in (content / "profile.md").read_text(encoding="utf-8")
    for name, value in doc.meta.items():
        assert check_value(field_table(PROFILE_FIELDS)[name], value)[1] is None


def test_import_seed_site_title_is_the_name_and_base_url_unset(content: Path) -> None:
    data, _, problems = parse_yaml((content / "site.yml").read_text(encoding="utf-8"), "site.yml")
    assert problems == []
    assert data == {"title": "Xinmei Tian", "theme": "default", "language": "en"}
    text = (content / "site.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=.schemas/site.schema.json\n"
                           "title: Xinmei Tian\n# base_url is left unset")


# ---- Counts -----------------------------------------------------------------------------

def test_import_seed_counts_papers_and_categories(content: Path) -> None:
    # The dump announces "54 Papers" but lists 50 blocks; the 50 listed are imported.
    metas = [read_document(p)[0].meta for p in (content / "papers").glob("*.md")]
    assert len(metas) == 50
    assert Counter(m["category"] for m in metas) == {"CV": 26, "LG": 18, "CL": 3, "AI": 2,
                                                      "QUANT-PH": 1}


def test_import_seed_counts_code_links(content: Path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in (content / "papers").glob("*.md")]
    metas = [read_document(p)[0].meta for p in (content / "papers").glob("*.md")]
    assert sum(1 for m in metas if "code" in m) == 18
    assert sum(1 for t in texts if "# code: flagged" in t) == 1
    assert sum(1 for m in metas if m.get("affiliation") == "uw") == 2
    assert sum(1 for m in metas if m.get("et_al")) == 48


def test_import_seed_every_field_passes_the_field_table(content: Path) -> None:
    table = field_table(PAPER_FIELDS)
    for path in (content / "papers").glob("*.md"):
        meta = read_document(path)[0].meta
        for name, value in meta.items():
            assert check_value(table[name], value)[1] is None, (path.name, name)


def test_import_seed_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path) == 0
    out = capsys.readouterr().out.splitlines()
    assert len([x for x in out if x.startswith("created ")]) == 52
    seed = display_path(SEED)
    assert out[52:] == [
        f"{seed}:10: warning: the dump announces 54 papers but lists 50; importing the 50 listed",
        f"{seed}: 50 papers (profile dump): 50 new, 0 unchanged, 0 skipped",
        f"profile: {tmp_path}/content/profile.md new, {tmp_path}/content/site.yml new",
        'code links found: 18 in 18 of 19 papers flagged "Code"',
        'flagged "Code" without a URL in the text (1; no code link written, a comment marks '
        "the place):",
        f"  {seed}:26: On Efficient Training of Large-Scale Deep Learning Models: A Literature Review",
    ]


# ---- Round trip through the build's loader ----------------------------------------------

def test_import_seed_loads_through_the_content_loader_without_warnings(content: Path) -> None:
    site, warnings = load_site(content)
    assert warnings == []
    assert len(site.papers) == 50
    assert site.config.title == "Xinmei Tian"
    assert site.profile.metrics == (("h-index", 34), ("papers", 54), ("citations", 4246),
                                    ("Novelty", "55%"), ("AI Score", 64))
    lpa3 = next(p for p in site.papers if p.code == ("https://github.com/kai-wen-yang/LPA3",))
    assert '<a href="https://github.com/kai-wen-yang/LPA3"' in lpa3.abstract_html


# ---- Safe to run again ------------------------------------------------------------------

def test_import_again_changes_no_file_nor_mtime(content: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(p for p in content.rglob("*") if p.is_file())
    for p in files:
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    before = {p: p.read_bytes() for p in files}
    capsys.readouterr()
    assert run_import(tmp_path) == 0
    out = capsys.readouterr().out
    assert sorted(p for p in content.rglob("*") if p.is_file()) == files
    assert {p: p.read_bytes() for p in files} == before
    assert all(p.stat().st_mtime_ns == 1_000_000_000 for p in files)
    assert "50 papers (profile dump): 0 new, 50 unchanged, 0 skipped" in out
    assert out.endswith("nothing changed: every file already matches the import\n")
    assert "created" not in out


def test_import_keeps_an_edited_paper_without_force(content: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    edited = content / "papers" / "continuous-dropout.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("category: CV", "category: LG"),
                      encoding="utf-8")
    capsys.readouterr()
    assert run_import(tmp_path) == 0
    out = capsys.readouterr().out
    assert "category: LG" in edited.read_text(encoding="utf-8")
    assert f"skipped {edited}: it exists and differs (--force overwrites it)\n" in out
    assert "0 new, 49 unchanged, 1 skipped" in out
    assert not list((content / "papers").glob("continuous-dropout-*.md"))


def test_import_force_overwrites_an_edited_paper(content: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    edited = content / "papers" / "continuous-dropout.md"
    original = edited.read_bytes()
    edited.write_bytes(original.replace(b"category: CV", b"category: LG"))
    capsys.readouterr()
    assert run_import(tmp_path, "--force") == 0
    out = capsys.readouterr().out
    assert edited.read_bytes() == original
    assert f"overwrote {edited}\n" in out
    assert "0 new, 1 overwritten, 49 unchanged, 0 skipped" in out


def test_import_keeps_an_edited_profile_without_force(content: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    profile = content / "profile.md"
    profile.write_text("---\nname: Xinmei Tian\nheadline: Professor\n---\n\nMy bio.\n",
                       encoding="utf-8")
    capsys.readouterr()
    assert run_import(tmp_path) == 0
    assert profile.read_text(encoding="utf-8").endswith("My bio.\n")
    assert f"profile: {profile} skipped, {content / 'site.yml'} unchanged\n" in capsys.readouterr().out


def test_import_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, "--dry-run") == 0
    out = capsys.readouterr().out.splitlines()
    assert not (tmp_path / "content").exists()
    assert len([x for x in out if x.startswith("would create ")]) == 52
    assert f"would create {tmp_path}/content/papers/continuous-dropout.md" in out
    assert out[-1] == "dry run: nothing was written"


def test_import_dry_run_force_overwrites_nothing(content: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    edited = content / "papers" / "continuous-dropout.md"
    edited.write_text("changed\n", encoding="utf-8")
    capsys.readouterr()
    assert run_import(tmp_path, "--dry-run", "--force") == 0
    assert edited.read_text(encoding="utf-8") == "changed\n"
    assert f"would overwrite {edited}\n" in capsys.readouterr().out


# ---- Slugs ------------------------------------------------------------------------------

def record(title: str, **kw) -> PaperRecord:
    return PaperRecord(title=title, authors=["A. Author"], date=dt.date(2024, 1, 2),
                       category="LG", abstract="Text.", **kw)


def test_slugs_unique_within_the_import_and_against_other_papers(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "deep-learning.md").write_text(
        "---\ntitle: Deep Learning!\nauthors: [B]\ndate: 2020-01-01\ncategory: CV\n---\n",
        encoding="utf-8")
    summary = write_papers([record("Deep Learning"), record("Deep  learning")], tmp_path)
    assert [p.name for p in summary.created] == ["deep-learning-2.md", "deep-learning-3.md"]
    assert "title: Deep Learning!" in (papers / "deep-learning.md").read_text(encoding="utf-8")


def test_slugs_follow_a_paper_the_user_renamed(tmp_path: Path) -> None:
    write_papers([record("Deep Learning")], tmp_path)
    (tmp_path / "papers" / "deep-learning.md").rename(tmp_path / "papers" / "dl.md")
    summary = write_papers([record("Deep Learning")], tmp_path)
    assert [p.name for p in summary.unchanged] == ["dl.md"]
    assert not (tmp_path / "papers" / "deep-learning.md").exists()


def test_slugs_are_cut_at_a_word_boundary(content: Path) -> None:
    names = [p.stem for p in (content / "papers").glob("*.md")]
    assert max(len(n) for n in names) <= 80
    assert "on-better-exploring-and-exploiting-task-relationships-in-multi-task-learning" in names


# ---- YAML the writer emits --------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "yes", "No", "on", "3.10", "012345", "1:20", "2022-05-06", "null", "~", "0o17", "1e3",
    "Attention: all you need", "C# for ML", "#hashtag", "- a list?", "? key", "&anchor",
    "*alias", "!tag", "|block", ">folded", "'quoted'", '"quoted"', "%directive", "@at", "`tick`",
    "trailing ", " leading", "ends with colon:", "tab\tinside", "line\nbreak", "back\\slash",
    "{braces}", "[brackets]", "x\x85y", "bell\x07", "$\\mathcal{O}(n^2)$: fast", "ΔW ünïcode",
])
def test_scalar_reads_back_as_the_same_text(text: str) -> None:
    data, _, problems = parse_yaml(f"title: {scalar(text)}\n", "t.yml")
    assert problems == []
    assert data == {"title": text}


def test_scalar_leaves_ordinary_text_plain() -> None:
    assert scalar("Prompt Distribution Learning") == "Prompt Distribution Learning"
    assert scalar("55%") == "55%"
    assert scalar("Tian, Xinmei") == "Tian, Xinmei"
    assert scalar("A: B") == '"A: B"'


def test_writer_rejects_an_invalid_record_and_writes_nothing(tmp_path: Path) -> None:
    bad = record("Good", code=["javascript:alert(1)"], source="dump.txt", line=7)
    with pytest.raises(SiteError) as exc:
        write_papers([record("Fine"), bad], tmp_path)
    assert str(exc.value) == ("dump.txt:7: code: URL scheme `javascript:` is not allowed; "
                              "use http(s):// or a path under files/")
    assert not (tmp_path / "papers").exists()


# ---- Rejected input ---------------------------------------------------------------------

@pytest.fixture
def rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Import a defective file from tmp_path; assert exit 1 and nothing written; give stderr."""
    def run(name: str, data: bytes | None = None) -> str:
        source = tmp_path / name
        if data is None:
            shutil.copy(DATA / name, source)
        else:
            source.write_bytes(data)
        monkeypatch.chdir(tmp_path)
        code = main(["import", name, "--content", "content", "--as-of", AS_OF])
        out, err = capsys.readouterr()
        assert (code, out) == (1, "")
        assert not (tmp_path / "content").exists()
        return err
    return run


def test_reject_another_text_file(rejected) -> None:
    assert rejected("not-a-dump.txt") == (
        "not-a-dump.txt:1: not a format scholarsite can import; expected an arXiv API response "
        "(an Atom <feed> from export.arxiv.org/api/query); a BibTeX file (.bib, entries such as "
        "@article{key, ...}); a profile dump (a name, `CV`, metric lines, `N Papers`, then one "
        "block per paper)\n"
        "1 error; nothing was written.\n")


def test_reject_an_empty_file(rejected) -> None:
    assert rejected("empty.txt") == ("empty.txt:1: the file is empty: nothing to import\n"
                                     "1 error; nothing was written.\n")


def test_reject_a_truncated_block(rejected) -> None:
    assert rejected("truncated-block.txt") == (
        "truncated-block.txt:19: truncated paper block: abstract missing before the next header "
        "on line 23\n1 error; nothing was written.\n")


def test_reject_a_dump_cut_inside_its_last_block(rejected) -> None:
    cut = "\n".join(SEED_LINES[:20]) + "\n"     # ends after the title of the block on line 19
    assert rejected("cut.txt", cut.encode("utf-8")) == (
        "cut.txt:19: truncated paper block: authors and abstract missing before the end of the "
        "file\n1 error; nothing was written.\n")


def test_reject_an_unknown_month(rejected) -> None:
    assert rejected("unknown-month.txt") == (
        "unknown-month.txt:12: unknown month 'Mai' in the header 'CVMai 6, 2022'; expected Jan, "
        "Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov or Dec\n"
        "1 error; nothing was written.\n")


def test_reject_an_impossible_date(rejected) -> None:
    text = "\n".join(SEED_LINES[:18]).replace("LGNov 2, 2022Code", "LGFeb 30, 2022Code")
    assert rejected("feb30.txt", text.encode("utf-8")) == (
        "feb30.txt:12: impossible date 'Feb 30, 2022' in the header 'LGFeb 30, 2022Code'\n"
        "1 error; nothing was written.\n")


def test_reject_non_utf8_bytes(rejected) -> None:
    assert rejected("latin1.txt") == (
        "latin1.txt:11: not UTF-8 text (byte 0xe9 at offset 95); save the file as UTF-8\n"
        "1 error; nothing was written.\n")


def test_reject_reports_every_defect_not_the_first(rejected) -> None:
    text = "\n".join(SEED_LINES[:32])
    text = text.replace("LGNov 2, 2022Code", "LGFoo 2, 2022Code").replace("CVJun 21, 2022Code", "CVJun 31, 2022Code")
    assert rejected("two.txt", text.encode("utf-8")) == (
        "two.txt:12: unknown month 'Foo' in the header 'LGFoo 2, 2022Code'; expected Jan, Feb, "
        "Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov or Dec\n"
        "two.txt:19: impossible date 'Jun 31, 2022' in the header 'CVJun 31, 2022Code'\n"
        "2 errors; nothing was written.\n")


def test_reject_a_bad_as_of_date_as_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(tmp_path, as_of="28/11/2026") == 2
    assert capsys.readouterr().err == (
        "scholarsite import: --as-of expects a date YYYY-MM-DD, found '28/11/2026'\n")
    assert not (tmp_path / "content").exists()


def test_excerpt_reads_three_records() -> None:
    result = read_file(DATA / "excerpt.txt", ImportOptions(as_of=dt.date(2026, 11, 28)))
    assert [(p.category, p.date.isoformat(), p.code, p.line) for p in result.papers] == [
        ("LG", "2022-11-02", ["https://github.com/kai-wen-yang/LPA3"], 12),
        ("QUANT-PH", "2023-11-13", [], 19),
        ("CV", "2026-05-21", [], 26),
    ]
    assert result.warnings == []


def test_excerpt_with_bom_and_crlf_reads_the_same(tmp_path: Path) -> None:
    text = (DATA / "excerpt.txt").read_text(encoding="utf-8")
    windows = tmp_path / "excerpt.txt"
    windows.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    options = ImportOptions(as_of=dt.date(2026, 11, 28))
    def records(path: Path) -> list[PaperRecord]:
        return [replace(p, source="") for p in read_file(path, options).papers]
    assert records(windows) == records(DATA / "excerpt.txt")
