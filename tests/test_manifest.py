"""A new process keeps the pages whose key and file are unchanged (manifest.py), and renders
again every page whose inputs or file changed."""
from __future__ import annotations

import os
from pathlib import Path

from scholarsite import cache, manifest
from scholarsite.builder import Builder


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def new_process_build(root: Path, output: str = "site"):
    """A build as a new process makes it: nothing in memory, only what .cache/ holds."""
    cache.forget()
    return Builder(root / "content", root / output).rebuild()


def test_second_process_renders_nothing_and_gives_the_same_site(sample_root):
    first = new_process_build(sample_root)
    before = tree(sample_root / "site")
    second = new_process_build(sample_root)
    assert (first.rendered, second.rendered) == (first.pages, 0)
    assert second.write.written == 0
    assert tree(sample_root / "site") == before


def test_page_edited_by_hand_in_the_output_is_rendered_again(sample_root):
    new_process_build(sample_root)
    page = sample_root / "site/papers/deep-sets/index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"Deep Sets Revisited", b"Tampered"))
    report = new_process_build(sample_root)
    assert report.rendered == 1 and page.read_bytes() == good


def test_deleted_output_page_is_rendered_again(sample_root):
    new_process_build(sample_root)
    page = sample_root / "site/categories/lg/index.html"
    good = page.read_bytes()
    page.unlink()
    assert new_process_build(sample_root).rendered == 1 and page.read_bytes() == good


def test_template_edit_renders_again_the_pages_that_use_it(sample_root):
    new_process_build(sample_root)
    template = sample_root / "themes/default/templates/partials/scholar_meta.html"
    template.write_text(template.read_text() + "<!-- edited -->\n")
    report = new_process_build(sample_root)
    assert report.rendered == 5                        # the five paper pages
    assert "<!-- edited -->" in (sample_root / "site/papers/deep-sets/index.html").read_text()


def test_content_edit_gives_what_a_build_without_cache_gives(sample_root, monkeypatch):
    new_process_build(sample_root)
    paper = sample_root / "content/papers/deep-sets.md"
    paper.write_text(paper.read_text().replace("Deep Sets Revisited", "Deep Sets, Again"))
    new_process_build(sample_root)
    monkeypatch.setenv("SCHOLARSITE_CACHE", "0")
    new_process_build(sample_root, "uncached")
    assert tree(sample_root / "site") == tree(sample_root / "uncached")


def test_damaged_record_is_ignored(sample_root):
    new_process_build(sample_root)
    [record] = (sample_root / ".cache").glob("pages-*.pickle")
    record.write_bytes(record.read_bytes()[:-10] + b"0123456789")
    before = tree(sample_root / "site")
    report = new_process_build(sample_root)
    assert report.rendered == report.pages and tree(sample_root / "site") == before


def test_record_holds_each_file_as_the_build_left_it(sample_root):
    """Sizes and times are taken when the build writes a file (in place in a new folder, or
    through a temporary file swapped in later), and match what the disk says afterwards."""
    new_process_build(sample_root)                                 # written in place
    template = sample_root / "themes/default/templates/partials/extend_footer.html"
    template.write_text("<p>Edited.</p>\n")
    assert new_process_build(sample_root).write.written > 0        # staged, then swapped in
    record = manifest.for_output(sample_root / "content", sample_root / "site")
    assert len(record.entries) > 10
    for output, (_, size, mtime_ns) in record.entries.items():
        st = os.stat(sample_root / "site" / output)
        assert (size, mtime_ns) == (st.st_size, st.st_mtime_ns), output
    assert new_process_build(sample_root).rendered == 0
