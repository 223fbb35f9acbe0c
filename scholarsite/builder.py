"""The build: config -> content -> Site -> pages -> render -> write. Orchestration only.

`Builder` keeps what the last build made (parsed papers by file state, rendered pages by key),
so `serve` can call `rebuild()` after every save and pay only for what changed. `build()` is a
one-shot wrapper for the command line and the tests.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import content as C
from . import manifest
from .errors import Problem, SiteError, problem, warning
from .models import Site
from .pages import NO_BASE_URL, PlanMemo, plan
from .render import RenderCache, render_all
from .theme import Theme, load_theme
from .writer import WriteReport, check_output_dir, write_site


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
                 base_url: str | None = None, strict: bool = False):
        self.content_dir = Path(content_dir)
        self.output_dir = Path(output_dir)
        self.themes_dir = Path(themes_dir) if themes_dir else self.content_dir.resolve().parent / "themes"
        self.base_url = base_url
        self.strict = strict
        self.cache = RenderCache()
        self.plan_memo = PlanMemo()
        self.theme: Theme | None = None
        self.site: Site | None = None
        # What the last rebuild read and wrote; None (or a missing key) means "read again".
        self._sources: dict[str, _Source] = {}      # "site.yml", "profile.md", "papers/x.md", ...
        self._paper_names: set[str] | None = None
        self._assets: dict[str, Path] | None = None  # static/... and files/... -> source file
        self._written: dict[str, bytes | Path] | None = None
        self._ok = False                             # did the last rebuild succeed?

    def rebuild(self, changed: Iterable[Path | str] | None = None) -> Report:
        """Load, validate, render and write. On any error raise SiteError and write nothing.

        `changed`: the paths modified, added or deleted since the last rebuild; paths outside
        the content folder and the active theme are ignored. None reads everything again."""
        start = time.perf_counter()
        check_output_dir(self.output_dir, [self.content_dir, self.themes_dir])
        if changed is None:
            self._forget_all()
        elif self._forget(changed) == {"asset"} and self._ok:
            return self._copy_assets(start)
        self._ok = False
        site, warnings = self._load_site()
        if not site.config.base_url:
            warnings.append(warning(self.content_dir / C.SITE_FILE, None, "base_url", NO_BASE_URL))
        if self.strict and warnings:
            raise SiteError(warnings)
        if self.theme is None or self.theme.name != site.config.theme:
            self.theme = None                        # stays None if loading fails
            self.theme = load_theme(self.themes_dir, site.config.theme, _template_cache(self.content_dir))
            self._assets = None
        pages = plan(site, self.theme, build_date(), self.plan_memo)
        first = self._written is None    # a new process: files from an earlier one may be right
        record = manifest.for_output(self.content_dir, self.output_dir) if first else None
        rendered = render_all(pages, self.theme, self.cache, stamp=self.plan_memo.common,
                              kept=record.kept if record else None)
        relist = self._assets is None
        files: dict[str, bytes | Path] = dict(self._asset_files())
        files.update(rendered)
        files[".nojekyll"] = b""
        if site.config.cname:
            files["CNAME"] = site.config.cname.encode() + b"\n"
        write, written = self._write(files, compare_assets=relist)
        if record is not None:
            record.save(self.cache.entries)
        self.site = site
        self._ok = True
        return Report(pages=len(pages), papers=len(site.papers), categories=len(site.by_category),
                      rendered=self.cache.rendered, write=write, warnings=warnings,
                      seconds=time.perf_counter() - start, output=self.output_dir, changed=written)

    # Reading: forget what the changed paths invalidate, then read what is missing.

    def _forget_all(self) -> None:
        self._sources.clear()
        self._paper_names = None
        self.theme = None
        self._assets = None
        self._written = None

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
                elif _is_paper(rel):
                    kinds.add("source")
                    self._sources.pop(rel, None)
                    if self._paper_names is not None:
                        (self._paper_names.add if path.is_file() else self._paper_names.discard)(path.name)
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

    def _load_site(self) -> tuple[Site, list[Problem]]:
        """content.load_site, reading again only the files forgotten since the last rebuild."""
        if not self.content_dir.is_dir():
            raise SiteError([problem(self.content_dir, None, None, "content folder not found")])
        config = self._read(C.SITE_FILE, lambda path: C.load_config(path, self.base_url))
        profile = self._read(C.PROFILE_FILE, C.load_profile)
        if self._paper_names is None:
            self._paper_names = {path.name for path in C.paper_paths(self.content_dir)}
            for rel in [rel for rel in self._sources if _is_paper(rel)]:
                if rel.split("/", 1)[1] not in self._paper_names:
                    del self._sources[rel]
        rels = [f"{C.PAPERS_DIR}/{name}" for name in sorted(self._paper_names)]
        missing = [rel for rel in rels if rel not in self._sources]   # in one batch: cache, workers
        loaded = C.load_papers([self.content_dir / rel for rel in missing],
                               complete=len(missing) == len(rels))
        for rel, result in zip(missing, loaded):
            self._sources[rel] = _Source(*result)
        papers = [self._read(rel, C.load_paper) for rel in rels]
        citations = self._read(C.METRICS_FILE, lambda _: C.load_citations(self.content_dir))
        # The order of content.load_site: settings, profile, papers by path, metrics.
        problems = [p for rel in (C.SITE_FILE, C.PROFILE_FILE, *rels, C.METRICS_FILE)
                    for p in self._sources[rel].problems]
        errors = [p for p in problems if p.is_error]
        if errors or config is None or profile is None:
            raise SiteError(sorted(errors))
        return Site(config, profile, [p for p in papers if p is not None], citations), problems

    def _read(self, rel: str, load: Callable[[Path], tuple[Any, list[Problem]]]) -> Any:
        source = self._sources.get(rel)
        if source is None:
            source = self._sources[rel] = _Source(*load(self.content_dir / rel))
        return source.value

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
        files = {rel: data for rel, data in self._written.items() if not isinstance(data, Path)}
        files.update(self._asset_files())
        write, written = self._write(files, compare_assets=True)
        self.cache.rendered = 0
        return Report(pages=len(self.cache.entries), papers=len(self.site.papers),
                      categories=len(self.site.by_category), write=write,
                      seconds=time.perf_counter() - start, output=self.output_dir, changed=written)

    def _write(self, files: dict[str, bytes | Path], compare_assets: bool
               ) -> tuple[WriteReport, list[str] | None]:
        """The first write compares every file with the disk; later ones compare with the
        last write. Returns the report and the paths changed (None after a first write)."""
        first = self._written is None
        report = write_site(self.output_dir, files, self._written, compare_assets)
        self._written = files
        return report, None if first else report.changed


@dataclass
class _Source:
    """One content file as last read: what it gave (None if it failed) and what was wrong."""

    value: Any
    problems: list[Problem]


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


def build(content_dir: Path, output_dir: Path, themes_dir: Path | None = None,
          base_url: str | None = None, strict: bool = False) -> Report:
    """Build once. Raises SiteError (and leaves the output folder untouched) on any error."""
    return Builder(content_dir, output_dir, themes_dir, base_url, strict).rebuild()


def run(args) -> int:
    """`scholarsite build`: print warnings, then the closing line."""
    report = build(args.content, args.output, args.themes, getattr(args, "base_url", None),
                   args.strict)
    for w in report.warnings:
        print(w, file=sys.stderr)
    print(report.summary())
    return 0
