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

from . import content as C
from .errors import Problem, SiteError, problem
from .models import Site
from .pages import plan
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
    """Builds one content folder into one output folder, again and again."""

    def __init__(self, content_dir: Path, output_dir: Path, themes_dir: Path | None = None,
                 base_url: str | None = None, strict: bool = False):
        self.content_dir = Path(content_dir)
        self.output_dir = Path(output_dir)
        self.themes_dir = Path(themes_dir) if themes_dir else self.content_dir.resolve().parent / "themes"
        self.base_url = base_url
        self.strict = strict
        self.cache = RenderCache()
        self.theme: Theme | None = None
        self.site: Site | None = None

    def rebuild(self, theme_changed: bool = True) -> Report:
        """Load, validate, render and write. On any error raise SiteError and write nothing."""
        start = time.perf_counter()
        check_output_dir(self.output_dir, [self.content_dir, self.themes_dir])
        site, warnings = C.load_site(self.content_dir, self.base_url)
        if self.strict and warnings:
            raise SiteError(warnings)
        if theme_changed or self.theme is None or self.theme.name != site.config.theme:
            self.theme = load_theme(self.themes_dir, site.config.theme)
        pages = plan(site, self.theme, build_date())
        rendered = render_all(pages, self.theme, self.cache)
        files: dict[str, bytes | Path] = {}
        for static in self.theme.static_dirs:          # parent first, so the child wins
            files.update(_tree(static, "static/"))
        files_dir = self.content_dir / "files"
        if files_dir.is_dir():
            files.update(_tree(files_dir, "files/"))
        files.update(rendered)
        files[".nojekyll"] = b""
        if site.config.cname:
            files["CNAME"] = site.config.cname.encode() + b"\n"
        write = write_site(self.output_dir, files)
        self.site = site
        return Report(pages=len(pages), papers=len(site.papers), categories=len(site.by_category),
                      rendered=self.cache.rendered, write=write, warnings=warnings,
                      seconds=time.perf_counter() - start, output=self.output_dir)


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
