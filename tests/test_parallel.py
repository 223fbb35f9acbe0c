"""Parallel parsing and rendering give the same bytes as one process, whatever the number of
workers, and so does an incremental rebuild; `build` never imports the live-reload server."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perf import gen_corpus   # tests/perf/gen_corpus.py: the benchmarks' corpus
from scholarsite import cache, content, parallel, render
from scholarsite.builder import Builder, build
from scholarsite.errors import SiteError

REPO = Path(__file__).resolve().parent.parent
THEMES = REPO / "themes"

PAPERS = 200


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return gen_corpus.generate(PAPERS, tmp_path_factory.mktemp("corpus") / "content")


@pytest.fixture(scope="module")
def serial(corpus: Path, tmp_path_factory) -> dict[str, bytes]:
    """The site built in one process, without the cache."""
    folder = tmp_path_factory.mktemp("serial")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1795824000")
        mp.setenv("SCHOLARSITE_CACHE", "0")
        mp.setenv("SCHOLARSITE_WORKERS", "1")
        build(corpus, folder / "site", THEMES)
    return tree(folder / "site")


@pytest.fixture
def always_parallel(monkeypatch, forking):
    """Use worker processes for any number of papers and pages."""
    monkeypatch.setattr(content, "PARALLEL_PARSE_MIN", 2)
    monkeypatch.setattr(render, "PARALLEL_RENDER_MIN", 2)
    cache.forget()
    yield
    cache.forget()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# Who writes the pages: the build process (all but the large ones, by default) or workers.
WRITERS = {"build process": 1 << 30, "default": render.WRITE_WHERE_RENDERED, "workers": -1}


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("writer", WRITERS)
def test_parallel_build_is_byte_identical_to_serial(corpus, serial, tmp_path, monkeypatch,
                                                    always_parallel, workers, writer):
    shutil.copytree(corpus, tmp_path / "content")
    monkeypatch.setenv("SCHOLARSITE_WORKERS", str(workers))
    monkeypatch.setattr(render, "WRITE_WHERE_RENDERED", WRITERS[writer])
    report = build(tmp_path / "content", tmp_path / "site", THEMES)
    assert cache.for_content(tmp_path / "content").misses == PAPERS + 1   # papers (by workers) and profile
    assert report.rendered == report.pages
    assert tree(tmp_path / "site") == serial


def test_incremental_rebuild_is_byte_identical_to_a_full_build(corpus, tmp_path, monkeypatch,
                                                                 always_parallel):
    shutil.copytree(corpus, tmp_path / "content")
    monkeypatch.setenv("SCHOLARSITE_WORKERS", "2")
    builder = Builder(tmp_path / "content", tmp_path / "site", THEMES)
    builder.rebuild()
    builder.warm()                  # as serve does: list items and BibTeX made in this process
    papers = sorted((tmp_path / "content" / "papers").glob("*.md"))
    papers[0].write_text(papers[0].read_text() + "\nAn added sentence.\n")
    papers[2].write_text(papers[2].read_text().replace("\ntitle: ", "\ntitle: Revised ", 1))
    papers[1].unlink()
    report = builder.rebuild([papers[0], papers[1], papers[2]])
    assert 0 < report.rendered < report.pages
    cache.forget()
    monkeypatch.setenv("SCHOLARSITE_CACHE", "0")
    monkeypatch.setenv("SCHOLARSITE_WORKERS", "1")
    build(tmp_path / "content", tmp_path / "full", THEMES)
    assert tree(tmp_path / "site") == tree(tmp_path / "full")


def test_template_error_in_a_worker_is_reported_like_in_one_process(corpus, tmp_path, monkeypatch,
                                                                     always_parallel):
    shutil.copytree(corpus, tmp_path / "content")
    shutil.copytree(THEMES / "default", tmp_path / "themes" / "default")
    (tmp_path / "themes" / "broken" / "templates").mkdir(parents=True)
    (tmp_path / "themes" / "broken" / "theme.yml").write_text("extends: default\n")
    (tmp_path / "themes" / "broken" / "templates" / "cite.bib").write_text("{{ no_such_value }}\n")
    # A page of its own, now rendered before the paper pages (see the next test): still
    # reported in the pages' order, after them.
    (tmp_path / "themes" / "broken" / "templates" / "feed.xml").write_text("{{ no_feed }}\n")
    (tmp_path / "content" / "site.yml").write_text(
        (tmp_path / "content" / "site.yml").read_text() + "theme: broken\n")
    messages = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("SCHOLARSITE_WORKERS", workers)
        with pytest.raises(SiteError) as exc:
            build(tmp_path / "content", tmp_path / "site", tmp_path / "themes")
        messages[workers] = [str(p) for p in exc.value.problems]
    assert len(messages["1"]) == PAPERS + 1
    assert messages["1"][0].startswith("cite.bib:1: while rendering papers/")
    assert messages["1"][0].endswith("/cite.bib: 'no_such_value' is undefined")
    assert messages["1"][-1] == "feed.xml:1: while rendering feed.xml: 'no_feed' is undefined"
    assert messages["2"] == messages["1"]
    assert not (tmp_path / "site").exists()


def test_pages_of_rare_templates_are_handed_out_first(corpus, serial, tmp_path, monkeypatch,
                                                      always_parallel):
    """The long pages (listings, papers.bib, sitemap) go to the workers first, so none is
    left for the end, when the other workers would wait for it; the site is the same."""
    shutil.copytree(corpus, tmp_path / "content")
    monkeypatch.setenv("SCHOLARSITE_WORKERS", "2")
    handed: list[str] = []
    imap = render.imap_unordered

    def recording(func, items, *args, **kwargs):
        handed.extend(page.output for page in items)
        return imap(func, items, *args, **kwargs)

    monkeypatch.setattr(render, "imap_unordered", recording)
    report = build(tmp_path / "content", tmp_path / "site", THEMES)
    assert len(handed) == report.pages
    one_offs = {"index.html", "papers/index.html", "categories/index.html", "papers.bib",
                "feed.xml", "404.html", "sitemap.xml", "robots.txt"}
    assert set(handed[:len(one_offs)]) == one_offs
    assert all(out.endswith(("/index.html", "/cite.bib")) for out in handed[len(one_offs):])
    assert handed[-1].startswith("papers/")
    assert tree(tmp_path / "site") == serial


@pytest.mark.parametrize("writer", WRITERS)
def test_failed_parallel_build_leaves_the_last_site_as_it_was(corpus, tmp_path, monkeypatch,
                                                               always_parallel, writer):
    """Pages staged by this process and by the workers alike are removed, none swapped in."""
    shutil.copytree(corpus, tmp_path / "content")
    monkeypatch.setenv("SCHOLARSITE_WORKERS", "2")
    monkeypatch.setattr(render, "WRITE_WHERE_RENDERED", WRITERS[writer])
    build(tmp_path / "content", tmp_path / "site", THEMES)
    before = tree(tmp_path / "site")
    shutil.copytree(THEMES / "default", tmp_path / "themes" / "default")
    paper_html = tmp_path / "themes" / "default" / "templates" / "paper.html"
    # Every page changes (the footer), and the last paper page of the plan fails.
    (tmp_path / "themes" / "default" / "templates" / "partials" / "extend_footer.html"
     ).write_text("<p>Changed.</p>\n")
    last = sorted((tmp_path / "content" / "papers").glob("*.md"))[-1].stem
    paper_html.write_text(paper_html.read_text().replace(
        "{% block content %}",
        f"{{% block content %}}{{% if paper.slug == {last!r} %}}{{{{ no_such_value }}}}{{% endif %}}", 1))
    cache.forget()
    with pytest.raises(SiteError) as exc:
        build(tmp_path / "content", tmp_path / "site", tmp_path / "themes")
    assert [p.message for p in exc.value.problems] == [
        f"while rendering papers/{last}/index.html: 'no_such_value' is undefined"]
    assert tree(tmp_path / "site") == before          # no page changed, no temporary file left


def test_crash_in_a_worker_stops_the_build_and_leaves_no_page(corpus, tmp_path, monkeypatch,
                                                              always_parallel):
    """Not a template problem but a bug: the exception reaches the caller, and the pages
    already written into the new folder are removed."""
    shutil.copytree(corpus, tmp_path / "content")
    monkeypatch.setenv("SCHOLARSITE_WORKERS", "2")
    render_page = render._render_page
    victim = sorted((tmp_path / "content" / "papers").glob("*.md"))[-1].stem

    def crash(page):
        if page.output == f"papers/{victim}/cite.bib":
            raise RuntimeError("a bug")
        return render_page(page)
    monkeypatch.setattr(render, "_render_page", crash)
    with pytest.raises(RuntimeError, match="a bug"):
        build(tmp_path / "content", tmp_path / "site", THEMES)
    assert not [p for p in (tmp_path / "site").rglob("*") if p.is_file()]


def _slow_first(i: int) -> int:
    """Item 0 takes long, as a listing of every paper does among paper pages."""
    if i == 0:
        time.sleep(0.5)
    return i * i


def test_results_come_as_workers_finish_them_and_each_once(forking):
    items = list(range(400))
    unordered = list(parallel.imap_unordered(_slow_first, items, 2, workers=2))
    assert sorted(unordered) == [(i, i * i) for i in items]
    # The pages after the slow one were not held up behind it.
    assert [i for i, _ in unordered].index(0) > len(items) // 2
    assert parallel.map_ordered(_slow_first, items, 2, workers=2) == [i * i for i in items]
    assert parallel.map_ordered(_slow_first, items, 10_000) == [i * i for i in items]  # in process


def _imported_by_build(root: Path) -> set[str]:
    code = ("import sys; from scholarsite.cli import main; "
            f"rc = main(['build', '--content', {str(root / 'content')!r}, "
            f"'--output', {str(root / 'site')!r}, '--themes', {str(THEMES)!r}]); "
            "print(rc, *sorted({m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "SCHOLARSITE_CACHE": "0"}
                         ).stdout.splitlines()[-1].split()
    assert out[0] == "0"
    return set(out[1:])


def test_build_never_imports_the_live_reload_server(tmp_path):
    gen_corpus.generate(3, tmp_path / "content", seed=1)
    modules = _imported_by_build(tmp_path)
    assert {"scholarsite", "jinja2"} <= modules       # (Markdown: only for texts off its fast path)
    assert modules & {"livereload", "tornado"} == set()


def test_latex2mathml_is_imported_only_when_a_page_has_math(tmp_path):
    gen_corpus.generate(3, tmp_path / "content", seed=1)
    papers = sorted((tmp_path / "content" / "papers").glob("*.md"))
    assert not any("$" in p.read_text() for p in papers)
    assert "latex2mathml" not in _imported_by_build(tmp_path)
    papers[0].write_text(papers[0].read_text() + "\nWith $x^2$.\n")
    assert "latex2mathml" in _imported_by_build(tmp_path)


def test_workers_collect_garbage_while_the_build_process_has_paused_it(forking):
    """builder.py pauses the collector while the site is read (and the parse workers are
    forked then); a worker turns it on again, so garbage cycles made parsing a paper are
    collected as they used to be."""
    import gc
    gc.disable()
    try:
        states = parallel.map_ordered(_collector_state, list(range(8)), 2, workers=2)
    finally:
        gc.enable()
    assert states == [True] * 8


def _collector_state(_: int) -> bool:
    import gc
    return gc.isenabled()


def test_parse_workers_start_before_jinja_is_imported(corpus, tmp_path):
    """The build process forks the parse workers first and imports Jinja (and pages, render,
    theme) while they parse: the workers have none of it."""
    shutil.copytree(corpus, tmp_path / "content")
    code = ("import sys\n"
            "from scholarsite import content, parallel\n"
            "from scholarsite.cli import main\n"
            "content.PARALLEL_PARSE_MIN = 2\n"
            "def record(path):\n"
            "    print('worker has jinja2:', 'jinja2' in sys.modules, flush=True)\n"
            "    return parse(path)\n"
            "parse, content._read_and_parse = content._read_and_parse, record\n"
            f"rc = main(['build', '--content', {str(tmp_path / 'content')!r}, "
            f"'--output', {str(tmp_path / 'site')!r}, '--themes', {str(THEMES)!r}])\n"
            "print('build process has jinja2:', 'jinja2' in sys.modules, rc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "SCHOLARSITE_WORKERS": "2"}
                         ).stdout.splitlines()
    workers = [line for line in out if line.startswith("worker")]
    assert len(workers) == PAPERS
    assert set(workers) == {"worker has jinja2: False"}
    assert out[-1] == "build process has jinja2: True 0"
