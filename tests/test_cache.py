"""The persistent paper cache: a warm build equals a cold one, byte for byte; warnings come back
on a hit; stale, damaged or foreign cache files are ignored and rewritten, never trusted."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from perf import gen_corpus   # tests/perf/gen_corpus.py: the benchmarks' corpus
from scholarsite import cache, content
from scholarsite.builder import build
from scholarsite.errors import SiteError

REPO = Path(__file__).resolve().parent.parent
THEMES = REPO / "themes"

PAPERS = 100
ENTRIES = PAPERS + 1     # the papers and the profile


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return gen_corpus.generate(PAPERS, tmp_path_factory.mktemp("corpus") / "content")


@pytest.fixture(scope="module")
def cold(corpus: Path, tmp_path_factory) -> dict[str, bytes]:
    """The site built without any cache, to compare every other build with."""
    folder = tmp_path_factory.mktemp("cold")
    shutil.copytree(corpus, folder / "content")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1795824000")
        mp.setenv("SCHOLARSITE_CACHE", "0")
        build(folder / "content", folder / "site", THEMES)
    assert not (folder / ".cache").exists()
    return tree(folder / "site")


@pytest.fixture
def root(corpus: Path, tmp_path: Path) -> Path:
    """A fresh project folder (no .cache/ yet) holding a copy of the generated content."""
    shutil.copytree(corpus, tmp_path / "content")
    cache.forget()
    yield tmp_path
    cache.forget()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fresh_build(root: Path, output: str):
    """A build as a new process makes it: the cache is read from disk, not from memory."""
    cache.forget()
    return build(root / "content", root / output, THEMES)


def shards(root: Path) -> list[Path]:
    return sorted((root / ".cache").glob("papers-*.pickle"))


def test_first_and_warm_builds_are_byte_identical_to_an_uncached_one(root, cold):
    fresh_build(root, "first")
    assert (cache.for_content(root / "content").misses, len(shards(root))) == (ENTRIES, cache.SHARDS)
    fresh_build(root, "warm")
    store = cache.for_content(root / "content")
    assert (store.hits, store.misses) == (ENTRIES, 0)
    assert tree(root / "first") == cold
    assert tree(root / "warm") == cold


def test_warning_is_reported_again_on_a_cache_hit(root):
    paper = sorted((root / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("---\n", "---\nautors: [Somebody]\n", 1))
    cold = fresh_build(root, "site").warnings
    warm = fresh_build(root, "site").warnings
    assert cache.for_content(root / "content").misses == 0
    expected = (f"{paper}:2: autors: warning: unknown paper field (did you mean `authors`?); "
                "it is kept and passed to templates")
    assert [str(w) for w in cold if w.field == "autors"] == [expected]
    assert [str(w) for w in warm] == [str(w) for w in cold]


def test_error_is_reported_again_on_a_cache_hit(root):
    paper = sorted((root / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("\ndate: ", "\ndate: 2022-02-30\nold_date: ", 1))
    with pytest.raises(SiteError) as cold:
        fresh_build(root, "site")
    with pytest.raises(SiteError) as warm:
        fresh_build(root, "site")
    assert cache.for_content(root / "content").misses == 0
    assert str(warm.value) == str(cold.value)
    assert f"{paper}:" in str(cold.value)


def test_edited_paper_is_parsed_again(root):
    fresh_build(root, "site")
    paper = sorted((root / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text() + "\nA sentence added after the first build.\n")
    fresh_build(root, "site")
    store = cache.for_content(root / "content")
    assert (store.hits, store.misses) == (ENTRIES - 1, 1)
    page = root / "site" / "papers" / paper.stem / "index.html"
    assert "A sentence added after the first build." in page.read_text()
    shutil.rmtree(root / ".cache")
    fresh_build(root, "uncached")
    assert tree(root / "site") == tree(root / "uncached")


@pytest.mark.parametrize("first", ["empty cache", "warm cache"])
def test_a_paper_saved_while_it_is_parsed_is_parsed_again(root, monkeypatch, first):
    """The cache entry is keyed by the bytes that were parsed, not by what the file holds
    once parsing ends; whether the cache was empty (nothing hashed before parsing) or not."""
    paper = sorted((root / "content" / "papers").glob("*.md"))[0]
    if first == "warm cache":
        fresh_build(root, "site")
        paper.write_text(paper.read_text() + "\nFirst edit.\n")
    parse = content.parse_paper

    def parse_then_edit(path, data=None):
        result = parse(path, data)
        if path == paper and "Second edit." not in paper.read_text():
            paper.write_text(paper.read_text() + "\nSecond edit.\n")
        return result
    monkeypatch.setattr(content, "parse_paper", parse_then_edit)
    fresh_build(root, "site")
    page = root / "site" / "papers" / paper.stem / "index.html"
    assert "Second edit." not in page.read_text()   # this build showed what it read
    monkeypatch.setattr(content, "parse_paper", parse)
    fresh_build(root, "site")
    assert "Second edit." in page.read_text()
    assert cache.for_content(root / "content").misses == 1


def test_a_cold_build_hashes_each_paper_only_where_it_is_parsed(root, monkeypatch):
    """With no paper in the cache there is nothing to look up: the build does not read and
    hash every file before parsing it (10,000 papers: ~0.2 s, serially). The profile, loaded
    first, is cached too and does not count as a paper."""
    hashed: list[str] = []
    key = cache.PaperCache.key
    monkeypatch.setattr(cache.PaperCache, "key", staticmethod(
        lambda path: hashed.append(Path(path).name) or key(path)))
    fresh_build(root, "site")
    assert hashed == ["profile.md"]
    assert cache.for_content(root / "content").misses == ENTRIES
    hashed.clear()
    fresh_build(root, "site")                  # warm: every paper is looked up by its hash
    assert len(hashed) == ENTRIES and cache.for_content(root / "content").hits == ENTRIES


def test_entries_of_deleted_and_edited_papers_are_dropped(root):
    fresh_build(root, "site")
    papers = sorted((root / "content" / "papers").glob("*.md"))
    papers[0].unlink()
    papers[1].write_text(papers[1].read_text() + "\nEdited.\n")
    fresh_build(root, "site")
    cache.forget()
    store = cache.for_content(root / "content")
    assert sum(len(shard) for shard in store.shards) == ENTRIES - 1


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped byte", "other stamp",
                                    "valid checksum, bad pickle", "valid checksum, foreign object"])
def test_damaged_cache_file_is_ignored_and_rewritten(root, cold, damage):
    fresh_build(root, "first")
    for shard in shards(root):
        data = shard.read_bytes()
        header, rest = data.split(b"\n", 1)[0] + b"\n", data.split(b"\n", 1)[1]
        stamp, checksum, payload = rest.split(b"\n", 2)
        if damage == "truncated":
            data = data[: len(data) // 2]
        elif damage == "garbage":
            data = b"\x00\xff not a cache at all"
        elif damage == "flipped byte":
            data = data[:-10] + bytes([data[-10] ^ 0x01]) + data[-9:]
        elif damage == "other stamp":
            data = header + b"0" * len(stamp) + b"\n" + checksum + b"\n" + payload
        else:
            payload = (b"\x80\x05not a pickle" if damage == "valid checksum, bad pickle"
                       else pickle.dumps({"k": "not an Entry"}))
            checksum = cache.hashlib.blake2b(payload, digest_size=16).hexdigest().encode()
            data = header + stamp + b"\n" + checksum + b"\n" + payload
        shard.write_bytes(data)
    fresh_build(root, "warm")
    store = cache.for_content(root / "content")
    assert (store.hits, store.misses) == (0, ENTRIES)    # everything parsed again, nothing trusted
    assert tree(root / "warm") == cold
    fresh_build(root, "warm-again")
    assert cache.for_content(root / "content").hits == ENTRIES


def test_cache_entry_is_used_only_for_the_bytes_it_was_made_from(root):
    """A damaged entry under the wrong key (here: another paper's) is never reached, because the
    key is the hash of the file's own name and bytes."""
    fresh_build(root, "first")
    a, b = sorted((root / "content" / "papers").glob("*.md"))[:2]
    key_a, key_b = cache.PaperCache.key(a), cache.PaperCache.key(b)
    b.write_bytes(a.read_bytes())                   # same bytes, another name: another key
    assert cache.PaperCache.key(b) not in (key_a, key_b)
    fresh_build(root, "warm")
    assert cache.for_content(root / "content").misses == 1
    assert "papers/" + b.stem in (root / "warm" / "papers" / "index.html").read_text()


def test_unwritable_cache_folder_does_not_fail_the_build(root):
    (root / ".cache").write_text("a file where the cache folder would be")
    report = fresh_build(root, "site")
    assert report.papers == PAPERS
    assert (root / ".cache").read_text() == "a file where the cache folder would be"


@pytest.fixture
def background_saves(monkeypatch, forking) -> list[int]:
    """Save in a forked process whatever the number of new entries; the list of those saves
    (their shard counts) is returned."""
    monkeypatch.setattr(cache, "BACKGROUND_SAVE_MIN", 2)
    saves: list[int] = []
    save_in_child = cache.PaperCache._save_in_child

    def recorded(self, indexes):
        saves.append(len(indexes))
        save_in_child(self, indexes)
    monkeypatch.setattr(cache.PaperCache, "_save_in_child", recorded)
    return saves


def test_cache_saved_in_the_background_is_complete_when_the_build_returns(root, cold,
                                                                           background_saves):
    fresh_build(root, "site")
    assert background_saves == [cache.SHARDS] and not cache._saving   # forked, and waited for
    assert sum(len(cache.read_stamped(path, cache.engine_stamp(), cache._is_entry))
               for path in shards(root)) == ENTRIES
    fresh_build(root, "warm")
    assert cache.for_content(root / "content").hits == ENTRIES
    assert tree(root / "site") == tree(root / "warm") == cold


def test_cache_saved_in_the_background_into_an_unwritable_folder(root, background_saves):
    (root / ".cache").write_text("a file where the cache folder would be")
    assert fresh_build(root, "site").papers == PAPERS
    assert background_saves == [cache.SHARDS]
    assert (root / ".cache").read_text() == "a file where the cache folder would be"


def test_library_versions_come_from_the_installed_distributions():
    from importlib import metadata
    for dist, module in cache.LIBRARIES:
        assert cache.library_version(dist, module) == metadata.version(dist)


def test_cache_folder_ignores_itself_for_git(root):
    fresh_build(root, "site")
    assert (root / ".cache" / ".gitignore").read_text() == (
        "# Created by scholarsite: a cache, safe to delete.\n*\n")


def test_profile_comes_from_the_cache_when_unchanged_and_keeps_its_type(tmp_path, monkeypatch):
    from scholarsite import cache as paper_cache
    from scholarsite.content import load_profile
    from scholarsite.models import Profile
    content = tmp_path / "content"
    content.mkdir()
    (content / "profile.md").write_text("---\nname: Ada\n---\nI *study* $x^2$.\n")
    first, _ = load_profile(content / "profile.md")
    paper_cache.for_content(content).save()             # as the build does after the papers
    paper_cache.forget()                                # a new process
    monkeypatch.setattr("scholarsite.content.parse_profile", lambda path: pytest.fail("parsed again"))
    monkeypatch.chdir(tmp_path)
    second, problems = load_profile(Path("content/profile.md"))   # another spelling of the path
    assert isinstance(second, Profile) and problems == []
    assert (second.name, second.bio_html, second.source_path) == (
        first.name, first.bio_html, "content/profile.md")
