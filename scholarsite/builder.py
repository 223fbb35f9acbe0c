"""The build: config -> content -> Site -> pages -> render -> write. Orchestration only.

`Builder` keeps what the last build made (parsed papers by file state, rendered pages by key),
so `serve` can call `rebuild()` after every save and pay only for what changed. `build()` is a
one-shot wrapper for the command line and the tests.
"""
from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from . import cache as paper_cache
from . import content as C
from . import manifest, markup
from .errors import Problem, SiteError, problem, warning
from .models import Paper, Site, paper_order
from .writer import Output, WriteReport, check_output_dir

# Jinja and what uses it (pages, render, theme: ~60 ms of imports) are imported when first
# needed, by the build process while its workers parse the papers (see _load_site): the
# workers are forked, and start, before.
if TYPE_CHECKING:
    from .pages import Page, PlanMemo
    from .render import RenderCache
    from .theme import Theme


@dataclass
class Report:
    """What a build did, for the closing line and for tests."""

    pages: int = 0
    papers: int = 0
    categories: int = 0
    rendered: int = 0
    write: WriteReport = field(default_factory=WriteReport)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    output: Path = Path("site")
    changed: list[str] | None = None    # output paths written or removed; None: unknown

    def summary(self) -> str:
        return (f"Built {self.pages} pages ({self.papers} papers, {self.categories} categories) "
                f"in {self.seconds:.2f} s -> {self.output}/")


def build_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH's date for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


class Builder:
    """Builds one content folder into one output folder, again and again.

    It keeps what the last build read and made: each content file's result and problems, the
    theme, the asset list, the rendered pages (by key) and the files it wrote. `rebuild()`
    reads everything again; `rebuild(changed)` reads again only the files a watcher saw
    modified, added or deleted. Both give the same output, byte for byte.
    """

    def __init__(self, content_dir: Path, output_dir: Path, themes_dir: Path | None = None,
                 base_url: str | None = None, strict: bool = False, one_shot: bool = False):
        self.content_dir = Path(content_dir)
        self.output_dir = Path(output_dir)
        self.themes_dir = Path(themes_dir) if themes_dir else self.content_dir.resolve().parent / "themes"
        self.base_url = base_url
        self.strict = strict
        # A process that builds once and ends (`scholarsite build`): what the build reads and
        # plans is then kept out of the collector's sight (see _collector_paused).
        self.one_shot = one_shot
        self._cache: RenderCache | None = None
        self._plan_memo: PlanMemo | None = None
        self.theme: Theme | None = None
        self.site: Site | None = None
        # What the last rebuild read and wrote; None (or a missing key) means "read again".
        self._sources: dict[str, _Source] = {}      # "site.yml", "profile.md", "papers/x.md", ...
        self._noisy: set[str] = set()                # those of _sources with problems
        self._paper_names: set[str] | None = None
        self._rels: list[str] | None = None         # "papers/x.md" of _paper_names, sorted
        self._replaced: dict[str, _Source] = {}     # papers forgotten since the last rebuild
        self._last_site: Site | None = None         # the last Site made, kept while no paper
        self._position: dict[str, int] | None = None  # is added or removed; slug -> index in it
        self._assets: dict[str, Path] | None = None  # static/... and files/... -> source file
        self._output = Output(self.output_dir)
        self._ok = False                             # did the last rebuild succeed?
        self._planned: list[Page] = []               # its pages

    @property
    def cache(self) -> RenderCache:
        """The rendered pages' keys and list items of the last builds."""
        if self._cache is None:
            from .render import RenderCache
            self._cache = RenderCache()
        return self._cache

    @property
    def plan_memo(self) -> PlanMemo:
        """What the last plans made, for the next one to keep."""
        if self._plan_memo is None:
            from .pages import PlanMemo
            self._plan_memo = PlanMemo()
        return self._plan_memo

    def rebuild(self, changed: Iterable[Path | str] | None = None) -> Report:
        """Load, validate, render and write. On any error raise SiteError and write nothing.

        `changed`: the paths modified, added or deleted since the last rebuild; paths outside
        the content folder and the active theme are ignored. None reads everything again."""
        try:
            return self._rebuild(changed)
        finally:
            paper_cache.wait()     # the paper cache, when a forked process saves it

    def _rebuild(self, changed: Iterable[Path | str] | None) -> Report:
        start = time.perf_counter()
        check_output_dir(self.output_dir, [self.content_dir, self.themes_dir])
        if changed is None:
            self._forget_all()
        elif self._forget(changed) == {"asset"} and self._ok:
            return self._copy_assets(start)
        # After a successful rebuild (its plan is what the output folder holds), only the
        # pages plan() makes anew can need rendering, and the same files mean the same set.
        incremental, self._ok = self._ok and changed is not None, False
        with _collector_paused(freeze=self.one_shot):
            site, warnings = self._load_site()
            from .pages import NO_BASE_URL, plan
            from .render import render_all
            if not site.config.base_url:
                warnings.append(warning(self.content_dir / C.SITE_FILE, None, "base_url",
                                        NO_BASE_URL))
            if self.strict and warnings:
                raise SiteError(warnings)
            self._load_theme(site.config.theme)
            pages = self._planned = plan(site, self.theme, build_date(), self.plan_memo)
        first = self._output.files is None   # a new process: files from an earlier one may be right
        record = manifest.for_output(self.content_dir, self.output_dir) if first else None
        existed = self.output_dir.exists()
        self._output.begin()
        try:
            staged = render_all(pages, self.theme, self._output, self.cache,
                                stamp=self.plan_memo.common, kept=record.kept if record else None,
                                candidates=self.plan_memo.replanned if incremental else None)
        except SiteError:
            if not existed and self.output_dir.is_dir() and not any(self.output_dir.iterdir()):
                self.output_dir.rmdir()     # made for the staged pages, now removed
            raise
        if incremental and self.plan_memo.same_outputs:   # the files of the last write
            outputs = self._output.pages
        else:
            outputs = {page.output for page in pages}
            for rel in self.cache.entries.keys() - outputs:
                del self.cache.entries[rel]
        relist = self._assets is None
        extras: dict[str, bytes | Path] = dict(self._asset_files())
        extras[".nojekyll"] = b""
        if site.config.cname:
            extras["CNAME"] = site.config.cname.encode() + b"\n"
        write, written = self._write(staged, outputs, extras, compare_assets=relist)
        if record is not None:
            record.save(self.cache.entries, self._output.written)
        self.site = site
        self._ok = True
        return Report(pages=len(pages), papers=len(site.papers), categories=len(site.by_category),
                      rendered=self.cache.rendered, write=write, warnings=warnings,
                      seconds=time.perf_counter() - start, output=self.output_dir, changed=written)

    # Reading: forget what the changed paths invalidate, then read what is missing.

    def _forget_all(self) -> None:
        self._sources.clear()
        self._noisy.clear()
        self._paper_names = None
        self._rels = None
        self._last_site = None
        self._replaced.clear()
        self.theme = None
        self._assets = None
        self._output = Output(self.output_dir)

    def _forget(self, changed: Iterable[Path | str]) -> set[str]:
        """Drop what the changed paths invalidate; return the kinds touched: source, theme, asset."""
        content = self.content_dir.resolve()
        theme_dirs = [d.resolve() for d in self.theme.dirs] if self.theme else []
        kinds: set[str] = set()
        for raw in changed:
            path = Path(raw).resolve()
            if path.is_relative_to(content):
                rel = path.relative_to(content).as_posix()
                if rel.startswith("files/"):
                    kinds.add("asset")
                    self._assets = None
                elif rel in (C.SITE_FILE, C.PROFILE_FILE, C.METRICS_FILE):
                    kinds.add("source")
                    self._sources.pop(rel, None)
                    self._noisy.discard(rel)
                elif _is_paper(rel):
                    kinds.add("source")
                    old = self._sources.pop(rel, None)
                    self._noisy.discard(rel)
                    if old is not None:
                        self._replaced.setdefault(rel, old)
                    if self._paper_names is not None:
                        names = len(self._paper_names)
                        (self._paper_names.add if path.is_file() else self._paper_names.discard)(path.name)
                        if len(self._paper_names) != names:
                            self._rels = None
                continue
            for folder in theme_dirs:
                if path.is_relative_to(folder):
                    if path.relative_to(folder).parts[:1] == ("static",):
                        kinds.add("asset")
                        self._assets = None
                    else:                            # templates/, theme.yml
                        kinds.add("theme")
                        self.theme = None
        return kinds

    def _load_theme(self, name: str) -> None:
        if self.theme is None or self.theme.name != name:
            self.theme = None                        # stays None if loading fails
            from .theme import load_theme
            self.theme = load_theme(self.themes_dir, name, _template_cache(self.content_dir))
            self._assets = None

    def _prepare_theme(self, name: str) -> None:
        """Load the theme and compile its templates ahead of the render, if it can be: its
        errors are left for the build to report in its order."""
        try:
            self._load_theme(name)
        except SiteError:
            return
        self.theme.compile_all()

    def _load_site(self) -> tuple[Site, list[Problem]]:
        """content.load_site, reading again only the files forgotten since the last rebuild."""
        if not self.content_dir.is_dir():
            raise SiteError([problem(self.content_dir, None, None, "content folder not found")])
        config = self._read(C.SITE_FILE, lambda path: C.load_config(path, self.base_url))
        profile = self._read(C.PROFILE_FILE, C.load_profile)
        if self._paper_names is None:
            self._paper_names = set(C.paper_names(self.content_dir))
            self._rels = None
            for rel in [rel for rel in self._sources if _is_paper(rel)]:
                if rel.split("/", 1)[1] not in self._paper_names:
                    del self._sources[rel]
                    self._noisy.discard(rel)
        if self._rels is None:
            self._rels = [f"{C.PAPERS_DIR}/{name}" for name in sorted(self._paper_names)]
            self._last_site = None
        rels = self._rels
        missing = [rel for rel in rels if rel not in self._sources]   # in one batch: cache, workers
        full = len(missing) == len(rels)
        # str(self.content_dir / rel) of each, without making 10,000 Path objects here.
        # While worker processes parse, this one compiles the theme's templates, which the
        # render workers then inherit (each compiled its own partials before).
        folder = os.fspath(self.content_dir / C.PAPERS_DIR)
        loaded = C.load_papers([folder + rel[len(C.PAPERS_DIR):] for rel in missing],
                               complete=full, save=full, background=True,
                               meanwhile=lambda: config is not None and self._prepare_theme(config.theme))
        for rel, result in zip(missing, loaded):
            self._store(rel, _Source(*result))
        citations = self._read(C.METRICS_FILE, lambda _: C.load_citations(self.content_dir))
        # The order of content.load_site: settings, profile, papers by path, metrics.
        problems = [p for rel in sorted(self._noisy, key=_reading_order)
                    for p in self._sources[rel].problems]
        errors = [p for p in problems if p.is_error]
        if errors or config is None or profile is None:
            raise SiteError(sorted(errors))   # _replaced stays: the last good order still holds
        return self._make_site(config, profile, citations, rels), problems

    def _make_site(self, config: Any, profile: Any, citations: Any, rels: list[str]) -> Site:
        """The Site of the papers read. When the only changes since the last site are papers
        edited in place that keep their place in the order (an abstract edit, most title
        edits), the last order is kept with the new paper objects substituted, instead of
        sorting again; so are the category groups when each paper kept its category."""
        replaced, self._replaced = self._replaced, {}
        last = self._last_site
        papers = swaps = None
        if last is not None:    # the same files as the last site: each replaced one is read
            swaps = [(old.value, self._sources[rel].value) for rel, old in replaced.items()]
            papers = self._substituted(last, swaps)
        if papers is not None:
            site = Site(config, profile, papers, citations, presorted=True)
            if config is last.config and all(old.category == new.category for old, new in swaps):
                site.carry_groups(last, swaps)
        else:
            site = Site(config, profile,
                        [p for rel in rels if (p := self._sources[rel].value) is not None], citations)
            self._position = None
        self._last_site = site
        return site

    def _substituted(self, last: Site, swaps: list[tuple[Any, Any]]) -> list[Paper] | None:
        """`last.papers` with each (old, new) pair's new paper in its old one's place, when
        that keeps them sorted; else None."""
        if any(old is None or new is None for old, new in swaps):
            return None
        if self._position is None:
            self._position = {p.slug: i for i, p in enumerate(last.papers)}
        papers = list(last.papers)
        at = []
        for old, new in swaps:
            at.append(self._position[old.slug])
            papers[at[-1]] = new
        # Still sorted when each new paper sits between its neighbours.
        if all(paper_order(papers[i - 1]) < paper_order(papers[i])
               for j in at for i in (j, j + 1) if 0 < i < len(papers)):
            return papers
        return None

    def warm(self) -> None:
        """Render the listings again in this process, without writing them: a large first
        build renders in worker processes, so the list items and BibTeX entries that a later
        rebuild reuses would otherwise all be made by the first frontmatter edit (~2 s at
        10,000 papers); and set up Python-Markdown. `serve` calls it after the first build."""
        if self._ok and self._planned:
            from . import render
            render.warm([page for page in self._planned
                         if page.template not in ("paper.html", "cite.bib")], self.theme)
        markup.prepare()     # a warm first build never imported Python-Markdown

    def save_cache(self) -> None:
        """Save the paper cache's new entries. A full rebuild saves them itself; after an
        incremental one, `serve` calls this once the browser has been told to reload, so the
        pickling is not in the way of the edit."""
        cache = paper_cache.for_content(self.content_dir)
        if cache is not None:
            cache.save()

    def _read(self, rel: str, load: Callable[[Path], tuple[Any, list[Problem]]]) -> Any:
        source = self._sources.get(rel)
        if source is None:
            source = self._store(rel, _Source(*load(self.content_dir / rel)))
        return source.value

    def _store(self, rel: str, source: "_Source") -> "_Source":
        self._sources[rel] = source
        if source.problems:
            self._noisy.add(rel)
        return source

    # Writing: assets, and only the files that differ from the last write.

    def _asset_files(self) -> dict[str, Path]:
        if self._assets is None:
            assets: dict[str, Path] = {}
            for static in self.theme.static_dirs:    # parent first, so the child wins
                assets.update(_tree(static, "static/"))
            files_dir = self.content_dir / "files"
            if files_dir.is_dir():
                assets.update(_tree(files_dir, "files/"))
            self._assets = assets
        return self._assets

    def _copy_assets(self, start: float) -> Report:
        """Only stylesheets, scripts or content/files changed: copy them and render nothing."""
        extras = {rel: data for rel, data in self._output.extras.items()
                  if not isinstance(data, Path)}
        extras.update(self._asset_files())
        write, written = self._write([], self._output.pages, extras, compare_assets=True)
        self.cache.rendered = 0
        return Report(pages=len(self.cache.entries), papers=len(self.site.papers),
                      categories=len(self.site.by_category), write=write,
                      seconds=time.perf_counter() - start, output=self.output_dir, changed=written)

    def _write(self, staged: list[tuple[str, bytes, str | None]], pages: set[str],
               extras: dict[str, bytes | Path], compare_assets: bool
               ) -> tuple[WriteReport, list[str] | None]:
        """Swap the staged pages in, write the other files, remove what is no longer made.
        The first write compares every file with the disk; later ones compare with the last
        write. Returns the report and the paths changed (None after a first write)."""
        first = self._output.files is None
        report = self._output.finish(staged, pages, extras, compare_assets)
        return report, None if first else report.changed


@dataclass(slots=True)   # one per paper
class _Source:
    """One content file as last read: what it gave (None if it failed) and what was wrong."""

    value: Any
    problems: list[Problem]


def _reading_order(rel: str) -> tuple[int, str]:
    """Settings, profile, papers by path, metrics: the order of content.load_site."""
    first = {C.SITE_FILE: 0, C.PROFILE_FILE: 1, C.METRICS_FILE: 3}
    return (first.get(rel, 2), rel)


def _is_paper(rel: str) -> bool:
    folder, _, name = rel.partition("/")
    return folder == C.PAPERS_DIR and name.endswith(".md") and "/" not in name \
        and not name.startswith(".")


def _template_cache(content_dir: Path) -> Path | None:
    """Compiled templates go beside the paper cache, `<content>/../.cache/jinja/`."""
    if os.environ.get("SCHOLARSITE_CACHE", "1") == "0":
        return None
    return content_dir.resolve().parent / ".cache" / "jinja"


def _tree(folder: Path, prefix: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            out[prefix + path.relative_to(folder).as_posix()] = path
    return out


@contextmanager
def _collector_paused(freeze: bool = False) -> Iterator[None]:
    """The garbage collector off while the site is read and planned: that makes hundreds of
    thousands of objects (10,000 papers, 20,000 pages) and next to no garbage, and each full
    collection it set off walked all of them again (a quarter of plan's time at 10,000
    papers). Whatever garbage there is waits for the next collection.

    `freeze`: then, unless reading failed, every object is frozen (gc.freeze) before the
    collector is on again, as the render workers' fork does anyway (parallel.py): the first
    collection after the pause walked all the objects made during it (50 ms at 10,000 papers,
    while no worker runs). Only for a process that ends after the build: frozen objects that
    become garbage cycles are never collected, and in a test session or `serve` they would add
    up build after build."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        gc.enable()


def build(content_dir: Path, output_dir: Path, themes_dir: Path | None = None,
          base_url: str | None = None, strict: bool = False, one_shot: bool = False) -> Report:
    """Build once. Raises SiteError (and leaves the output folder untouched) on any error.
    `one_shot`: this process ends after the build (see Builder)."""
    return Builder(content_dir, output_dir, themes_dir, base_url, strict, one_shot).rebuild()


def run(args) -> int:
    """`scholarsite build`: print warnings, then the closing line."""
    report = build(args.content, args.output, args.themes, getattr(args, "base_url", None),
                   args.strict, one_shot=getattr(args, "one_shot", False))
    for w in report.warnings:
        print(w, file=sys.stderr)
    print(report.summary())
    return 0
