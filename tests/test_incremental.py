"""Incremental rebuilds equal full builds, byte for byte.

A Builder builds the sample once; then each edit is applied to the content (or theme), the
same Builder rebuilds with only the changed paths, and its output folder is compared, file by
file and folder by folder, with a fresh full build of the same content into another folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from scholarsite.builder import Builder, build
from scholarsite.errors import SiteError

NEW_PAPER = """---
title: A Fresh Result on $k$-Sets
authors: [Ada Exemplar, Carla Coauthor]
date: 2026-03-04
category: CV
---
We show a *fresh* result.
"""


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> list[Path]:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return [path]


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under `folder`, by relative path."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def assert_same_tree(incremental: Path, full: Path) -> None:
    got, want = tree(incremental), tree(full)
    assert sorted(got) == sorted(want)
    differing = [rel for rel in want if got[rel] != want[rel]]
    assert differing == []


# Each edit changes the project under `root` and returns the paths it changed.
def edit_abstract(root: Path) -> list[Path]:
    path = root / "content/papers/deep-sets.md"
    replace(path, "Sets are *unordered*.", "Sets are *unordered* and finite.")
    return [path]


def edit_title(root: Path) -> list[Path]:
    path = root / "content/papers/deep-sets.md"
    replace(path, "title: Deep Sets Revisited", "title: Deep Sets Revisited Again")
    return [path]


def edit_date(root: Path) -> list[Path]:
    path = root / "content/papers/deep-sets.md"
    replace(path, "date: 2020-01-01", "date: 2027-01-01")
    return [path]


def edit_category(root: Path) -> list[Path]:
    path = root / "content/papers/deep-sets.md"
    replace(path, "category: LG", "category: RO")
    return [path]


def add_paper(root: Path) -> list[Path]:
    path = root / "content/papers/fresh-result.md"
    path.write_text(NEW_PAPER, encoding="utf-8")
    return [path]


def delete_paper(root: Path) -> list[Path]:
    path = root / "content/papers/deep-sets.md"
    path.unlink()
    return [path]


def edit_template(root: Path) -> list[Path]:
    path = root / "themes/default/templates/base.html"
    replace(path, "</head>", "<meta name=\"x-edited\" content=\"yes\">\n</head>")
    return [path]


def edit_partial(root: Path) -> list[Path]:
    return append(root / "themes/default/templates/partials/footer.html", "<!-- edited footer -->\n")


def edit_stylesheet(root: Path) -> list[Path]:
    return append(root / "themes/default/static/css/site.css", "\n.edited { color: red; }\n")


def add_file(root: Path) -> list[Path]:
    path = root / "content/files/slides/talk.pdf"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4\n% talk\n")
    return [path]


def edit_profile(root: Path) -> list[Path]:
    path = root / "content/profile.md"
    replace(path, "headline: Professor of Computer Science", "headline: Professor of Examples")
    return [path]


def edit_site(root: Path) -> list[Path]:
    path = root / "content/site.yml"
    replace(path, "title: Ada Exemplar", "title: Ada Exemplar's Lab")
    return [path]


def rename_paper(root: Path) -> list[Path]:
    """One file goes, another comes, in the same save: as many papers as before."""
    old = root / "content/papers/graph-priors.md"
    new = root / "content/papers/graph-priors-revisited.md"
    old.rename(new)
    return [old, new]


def edit_two_papers(root: Path) -> list[Path]:
    """An abstract in one paper and a title in another, seen by the same rebuild."""
    second = root / "content/papers/unicode-names.md"
    replace(second, "title: Müller–Ñandú Networks", "title: Müller–Ñandú Nets")
    return append(root / "content/papers/prompt-learning.md", "\nOne more sentence.\n") + [second]


def edit_abstract_again(root: Path) -> list[Path]:
    return append(root / "content/papers/quantum-walks.md", "\nAnd a last sentence.\n")


def edit_category_name(root: Path) -> list[Path]:
    path = root / "content/site.yml"
    replace(path, "LG: Learning", "LG: Machine Learning")
    return [path]


EDITS: list[Callable[[Path], list[Path]]] = [
    edit_abstract, edit_title, edit_date, edit_category, add_paper, delete_paper, edit_template,
    edit_partial, edit_stylesheet, add_file, edit_profile, edit_site, rename_paper,
    edit_two_papers, edit_category_name, edit_abstract_again]


def full_build(root: Path, name: str) -> Path:
    output = root / name
    build(root / "content", output, themes_dir=root / "themes")
    return output


@pytest.mark.parametrize("edit", EDITS, ids=lambda f: f.__name__)
def test_incremental_equals_full_after_one_edit(sample_root, edit):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    before = tree(sample_root / "site")
    builder.rebuild(edit(sample_root))
    assert tree(sample_root / "site") != before
    assert_same_tree(sample_root / "site", full_build(sample_root, "full"))


def test_incremental_equals_full_after_a_series_of_edits(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    for n, edit in enumerate(EDITS):
        builder.rebuild(edit(sample_root))
        assert_same_tree(sample_root / "site", full_build(sample_root, f"full{n}"))


def test_abstract_edit_renders_only_its_page_and_the_feed(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    report = builder.rebuild(edit_abstract(sample_root))
    assert report.changed == ["feed.xml", "papers/deep-sets/index.html"]
    assert report.rendered == 2


def test_stylesheet_edit_renders_nothing_and_copies_the_stylesheet(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    report = builder.rebuild(edit_stylesheet(sample_root))
    assert (report.rendered, report.changed) == (0, ["static/css/site.css"])


def test_paths_outside_content_and_theme_change_nothing(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    stray = sample_root / "notes.txt"
    stray.write_text("not part of the site")
    report = builder.rebuild([stray, sample_root / "content/papers/README.txt"])
    assert (report.rendered, report.changed) == (0, [])


def test_broken_edit_writes_nothing_and_the_fix_recovers(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    good = tree(sample_root / "site")
    path = sample_root / "content/papers/deep-sets.md"
    replace(path, "date: 2020-01-01", "date: 2020-02-30")
    with pytest.raises(SiteError) as exc:
        builder.rebuild([path])
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:4: date: impossible date '2020-02-30'"]
    assert tree(sample_root / "site") == good
    replace(path, "date: 2020-02-30", "date: 2021-05-06")
    builder.rebuild([path])
    assert_same_tree(sample_root / "site", full_build(sample_root, "full"))


def test_template_syntax_error_is_reported_and_the_fix_recovers(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    path = sample_root / "themes/default/templates/paper.html"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("{% block", "{% blok", 1), encoding="utf-8")
    with pytest.raises(SiteError) as exc:
        builder.rebuild([path])
    assert "template syntax error" in str(exc.value)
    path.write_text(original, encoding="utf-8")
    builder.rebuild([path])
    assert_same_tree(sample_root / "site", full_build(sample_root, "full"))


def test_broken_yaml_in_site_settings_then_fix(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    path = sample_root / "content/site.yml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("title: Ada Exemplar", "title: [Ada", 1), encoding="utf-8")
    with pytest.raises(SiteError):
        builder.rebuild([path])
    path.write_text(original.replace("title: Ada Exemplar", "title: Ada E.", 1), encoding="utf-8")
    builder.rebuild([path])
    assert_same_tree(sample_root / "site", full_build(sample_root, "full"))


def test_a_paper_added_while_a_template_is_broken_then_deleted_leaves_no_page(sample_root):
    """The rebuild after a failed one must not take the failed plan for what the folder holds."""
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    cite = sample_root / "themes/default/templates/cite.bib"
    good = cite.read_text(encoding="utf-8")
    cite.write_text("{{ no_such_value }}\n", encoding="utf-8")
    added = add_paper(sample_root)
    with pytest.raises(SiteError):
        builder.rebuild(added + [cite])
    cite.write_text(good, encoding="utf-8")
    builder.rebuild([cite])
    added[0].unlink()
    builder.rebuild(added)
    assert_same_tree(sample_root / "site", full_build(sample_root, "full"))


def test_pages_rendered_again_are_compared_with_their_files(sample_root):
    """A build into an empty folder hashes none of its pages: a later rebuild compares each
    page it renders again with its file, so the same bytes are not written again (the feed
    here) and a file altered since is put right."""
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    page = sample_root / "site/papers/deep-sets/index.html"
    right = page.read_bytes()
    page.write_bytes(b"altered")
    paper = sample_root / "content/papers/deep-sets.md"
    replace(paper, "---\n", "---\n# A comment: new file bytes, the same pages\n")
    report = builder.rebuild([paper])
    assert report.rendered >= 2
    assert report.changed == ["papers/deep-sets/index.html"]
    assert page.read_bytes() == right


def test_paper_pages_are_keyed_by_what_they_show(sample_root):
    """plan() writes the key of each paper page and cite.bib as one string; it is _hash of
    the parts the page shows, as every other page's key (a wrong part would keep a page that
    changed, or render again one that did not)."""
    from scholarsite import pages as P
    from scholarsite.builder import build_date
    from scholarsite.content import load_site
    from scholarsite.theme import load_theme
    site, _ = load_site(sample_root / "content")
    theme = load_theme(sample_root / "themes", site.config.theme)
    memo = P.PlanMemo()
    P.plan(site, theme, build_date(), memo)
    setting = P._hash(site.config, site.profile.fingerprint)
    paper_fp, cite_fp = (theme.template_fingerprint(t) for t in ("paper.html", "cite.bib"))
    checked = 0
    for cat in site.by_category:
        ps = cat.papers
        for i, paper in enumerate(ps):
            newer = ps[i - 1] if i > 0 else None
            older = ps[i + 1] if i + 1 < len(ps) else None
            _, page, cite, bib_version = memo.paper_pages[paper.slug]
            bib_key = memo.bib_keys[1][paper.slug]
            version = f"{paper.slug} {paper.fingerprint} {bib_key} {cat.name} {setting}"
            assert page.key == P._hash(memo.common, paper_fp, version, len(ps),
                                       newer and newer.meta_fingerprint,
                                       older and older.meta_fingerprint)
            assert cite.key == P._hash(memo.common, cite_fp, bib_version)
            checked += 1
    assert checked == len(site.papers) >= 5
