"""A persistent cache of parsed papers, so a paper is parsed and rendered once until it changes.

It lives in `.cache/papers-*.pickle` beside the content folder (git-ignored). An entry is keyed
by a hash of the paper's file name and bytes, and the whole file is stamped with the engine's
fingerprint: scholarsite's version and source, the Python version, and the versions of
Markdown, pymdown-extensions, latex2mathml, nh3 and PyYAML, whose output an entry holds. An
entry stores the validated `Paper` (abstract and title already rendered to HTML) and its
problems, so warnings are reported on a hit exactly as on a parse.

Nothing in the cache is trusted: a file with another stamp, a wrong checksum or one that does
not unpickle is ignored and rewritten, and an entry is only used when the file's bytes hash to
its key. Failing to read or write the cache never fails a build.
"""
from __future__ import annotations

import gc
import hashlib
import importlib.util
import os
import pickle
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .errors import Problem, display_path
from .models import Paper, Profile

CACHE_DIR = ".cache"
SHARDS = 16
MAGIC = b"scholarsite paper cache 1\n"
# Distributions whose output a cached paper holds, and the module each one installs.
LIBRARIES = (("markdown", "markdown"), ("pymdown_extensions", "pymdownx"),
             ("latex2mathml", "latex2mathml"), ("nh3", "nh3"), ("pyyaml", "yaml"))


@dataclass(frozen=True, slots=True)   # one per paper
class Entry:
    """One parsed paper: the Paper (None when it has errors) and its problems, path-free."""

    paper: Paper | None
    problems: tuple[tuple[int | None, str | None, str, str], ...]   # line, field, message, severity


class PaperCache:
    """The entries of one content folder, loaded once per process.

    They are kept in SHARDS files by the first hex digit of their key, so saving after an edit
    rewrites one small file, not the whole cache."""

    def __init__(self, folder: Path, stamp: str):
        self.folder = folder
        self.stamp = stamp
        self.shards: list[dict[str, Entry]] = [read_stamped(self._shard_path(i), stamp, _is_entry)
                                                   for i in range(SHARDS)]
        self.touched: set[str] = set()
        self.dirty: set[int] = set()
        self.hits = self.misses = 0

    def _shard_path(self, index: int) -> Path:
        return self.folder / f"papers-{index:x}.pickle"

    @staticmethod
    def key(path: Path | str) -> str | None:
        """The hash of a paper file's name and bytes, or None when it cannot be read."""
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError:
            return None
        return PaperCache.key_of(os.path.basename(path), data)

    @staticmethod
    def key_of(name: str, data: bytes) -> str:
        """`key` of a file named `name` holding `data`."""
        h = hashlib.blake2b(name.encode(), digest_size=16)
        h.update(b"\x00")
        h.update(data)
        return h.hexdigest()

    def holds_papers(self) -> bool:
        """Whether any entry is a paper's (the profile's lives here too, and is loaded
        first)."""
        return any(not isinstance(e.paper, Profile) for shard in self.shards for e in shard.values())

    def __contains__(self, key: str) -> bool:
        return key in self.shards[int(key[0], 16)]

    def get(self, key: str, path: Path | str) -> tuple[Paper | None, list[Problem]] | None:
        """The cached result of `load_paper(path)` for a file whose bytes hash to `key`."""
        entry = self.shards[int(key[0], 16)].get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.touched.add(key)
        paper = entry.paper
        if paper is not None and paper.source_path != str(path):
            paper = _with_source(paper, str(path))
        shown = display_path(path) if entry.problems else ""
        return paper, [Problem(shown, line, field, message, severity)
                       for line, field, message, severity in entry.problems]

    def put(self, key: str, path: Path | str, paper: Paper | None, problems: list[Problem]) -> None:
        """Remember a parse. Problems about another file (none today) make it uncacheable."""
        shown = display_path(path) if problems else ""
        if any(p.path != shown for p in problems):
            return
        index = int(key[0], 16)
        self.shards[index][key] = Entry(paper, tuple((p.line, p.field, p.message, p.severity)
                                                     for p in problems))
        self.touched.add(key)
        self.dirty.add(index)

    def save(self, prune: bool = False, background: bool = False) -> None:
        """Write the shards that changed, atomically. With `prune` (after loading every paper),
        entries this process has not used, of papers deleted or edited since, are dropped.

        With `background`, many new entries (a first build) are written by a forked copy of
        this process while this one goes on: pickling 10,000 papers takes ~0.2 s, during
        which the build would otherwise use one CPU (it plans the pages next). The caller
        waits for it with `wait()` before it ends; a later save waits first, so shards land in
        the order they were saved."""
        for index, shard in enumerate(self.shards):
            stale = [key for key in shard if key not in self.touched] if prune else []
            for key in stale:
                del shard[key]
            if stale:
                self.dirty.add(index)
        wait()
        if background and self.misses >= BACKGROUND_SAVE_MIN and len(self.dirty) > 1:
            from .parallel import can_fork
            if can_fork():
                self._save_in_child(sorted(self.dirty))
                self.dirty.clear()
                return
        for index in sorted(self.dirty):
            if not write_stamped(self._shard_path(index), self.stamp, self.shards[index]):
                return      # a read-only checkout still builds, just without a cache
        self.dirty.clear()

    def _save_in_child(self, indexes: list[int]) -> None:
        pid = os.fork()
        if pid:
            _saving.append(pid)
            return
        status = 1
        try:      # the child: a snapshot of the shards; it must never return into the build
            gc.disable()
            status = 0 if all(write_stamped(self._shard_path(index), self.stamp, self.shards[index])
                              for index in indexes) else 1
        finally:
            os._exit(status)


BACKGROUND_SAVE_MIN = 1000     # new entries below which a forked save costs more than it saves
_saving: list[int] = []        # the processes writing shards in the background


def wait() -> None:
    """Wait until the shards being written in the background are written."""
    while _saving:
        try:
            os.waitpid(_saving.pop(), 0)
        except ChildProcessError:
            pass


def write_stamped(path: Path, stamp: str, entries: dict[str, Any]) -> bool:
    """Write a dict to a cache file with the engine stamp and a checksum, atomically;
    False when it cannot be written (a read-only checkout builds without a cache)."""
    payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
    checksum = hashlib.blake2b(payload, digest_size=16).hexdigest().encode()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"      # like .pytest_cache: git never lists it
        if not ignore.exists():
            ignore.write_text("# Created by scholarsite: a cache, safe to delete.\n*\n")
        with open(tmp, "wb") as f:
            f.write(MAGIC + stamp.encode() + b"\n" + checksum + b"\n")
            f.write(payload)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False
    return True


def _with_source(paper: Paper, source_path: str) -> Paper:
    """The cached paper (or profile) as read from another path."""
    copy = object.__new__(type(paper))
    copy.__dict__.update(paper.__dict__, source_path=source_path)
    return copy


def read_stamped(path: Path, stamp: str, valid: Callable[[Any], bool]) -> dict[str, Any]:
    """The entries of a cache file, or {} when it is missing, stale or damaged in any way
    (`valid` checks each entry's type)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    header = MAGIC + stamp.encode() + b"\n"
    if not data.startswith(header):
        return {}
    checksum, sep, payload = data[len(header):].partition(b"\n")
    if not sep or hashlib.blake2b(payload, digest_size=16).hexdigest().encode() != checksum:
        return {}
    try:
        entries = pickle.loads(payload)
    except Exception:  # anything a damaged or foreign pickle raises
        return {}
    if not isinstance(entries, dict) or not all(valid(e) for e in entries.values()):
        return {}
    return entries


def _is_entry(value: Any) -> bool:
    return isinstance(value, Entry)


_OPEN: dict[Path, PaperCache] = {}


def for_content(content_dir: Path) -> PaperCache | None:
    """The cache of a content folder (in `<content>/../.cache/`); None when disabled.

    Set SCHOLARSITE_CACHE=0 to build without it."""
    if os.environ.get("SCHOLARSITE_CACHE", "1") == "0":
        return None
    folder = Path(content_dir).resolve()
    cache = _OPEN.get(folder)
    if cache is None:
        cache = _OPEN[folder] = PaperCache(folder.parent / CACHE_DIR, engine_stamp())
    return cache


def for_paper(path: Path) -> PaperCache | None:
    """The cache of the content folder a `papers/<slug>.md` file belongs to."""
    path = Path(path)
    return for_content(path.parent.parent) if path.parent.name == "papers" else None


def forget() -> None:
    """Drop the caches this process has open (tests use it to simulate a new process)."""
    wait()
    _OPEN.clear()


@lru_cache(maxsize=1)
def engine_stamp() -> str:
    """A hash of everything a cached paper depends on besides its file."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{__version__} {sys.version_info[:2]}".encode())
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):   # an editable install changes without a version bump
        h.update(source.relative_to(package).as_posix().encode())
        h.update(source.read_bytes())
    for dist, module in LIBRARIES:
        h.update(f"\x00{dist}={library_version(dist, module)}".encode())
    return h.hexdigest()


def library_version(dist: str, module: str) -> str:
    """An installed distribution's version, read from its dist-info folder's name (importing
    importlib.metadata costs more than a small build); falls back to importlib.metadata."""
    spec = importlib.util.find_spec(module)
    if spec and spec.origin:
        origin = Path(spec.origin)
        folder = origin.parent.parent if spec.submodule_search_locations else origin.parent
        try:
            names = os.listdir(folder)
        except OSError:
            names = []
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[: -len(".dist-info")].rpartition("-")
                if project.lower().replace("-", "_").replace(".", "_") == dist:
                    return version
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"
