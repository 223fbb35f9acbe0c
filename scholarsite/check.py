"""`check`: every problem the build would report, and what only a check looks for.

Content: the build's own loaders run file by file, so every error and warning of every file is
collected (the build stops at the first stage with an error). Then the checks the build does not
make: declared metrics that disagree with the computed ones, papers that share a title or a code
URL, `files/` paths that do not exist, dates in the future, and a category with one paper that
looks like a typo of another. Built site (when the output folder exists): every internal link,
stylesheet, script and image resolves, every page is reachable from index.html, and no page is
older than its source. Nothing is written, except the schemas with `--write-schemas`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from . import content as C
from .categories import ARXIV_CATEGORIES
from .errors import Problem, SiteError, display_path, problem, warning
from .models import Paper, Profile, Site, SiteConfig
from .pages import NO_BASE_URL
from .schema import CONTENT_SUBDIR, stale_schemas, write_schemas
from .theme import load_theme
from .writer import MARK

# Elements whose attribute names a file of the site.
LINK_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Result:
    """What `check` found and how much it looked at."""

    problems: list[Problem] = field(default_factory=list)
    papers: int = 0
    pages: int | None = None    # None: no built site to check
    output: Path | None = None

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def check(content_dir: Path, output_dir: Path | None = None, themes_dir: Path | None = None,
          today: dt.date | None = None, base_url: str | None = None) -> Result:
    """Check the content folder and, when it exists, the built site. `base_url` overrides
    site.yml's, as `build --base-url` does."""
    content_dir = Path(content_dir)
    today = today or dt.date.today()
    result = Result(output=Path(output_dir) if output_dir is not None else None)
    if not content_dir.is_dir():
        result.problems.append(problem(content_dir, None, None, "content folder not found"))
        return result
    config, profile, papers, problems = load_content(content_dir, base_url)
    result.papers = len(C.paper_paths(content_dir))
    if config is not None:
        problems += check_theme(content_dir, themes_dir, config)
        if not config.base_url:      # the build's own warning
            problems.append(warning(content_dir / C.SITE_FILE, None, "base_url", NO_BASE_URL))
    problems += check_papers(papers, content_dir, config, today)
    if profile is not None:
        problems += check_files(profile.source_path, profile.lines, "photo",
                                [profile.photo] if profile.photo else [], content_dir)
        problems += check_files(profile.source_path, profile.lines, "links",
                                list(dict(profile.links).items()), content_dir)
    if config is not None and profile is not None and not any(p.is_error for p in problems):
        site = Site(config, profile, papers, C.load_citations(content_dir)[0])
        problems += check_metrics(site)
    for path in stale_schemas(content_dir / CONTENT_SUBDIR):
        problems.append(warning(path, None, "schema", "out of date for this version of "
                                "scholarsite: run `scholarsite check --write-schemas`"))
    if output_dir is not None and Path(output_dir).is_dir():
        base_path = config.base_path if config else "/"
        site_problems, pages = check_built_site(Path(output_dir), content_dir, base_path)
        problems += site_problems
        result.pages = pages
    result.problems = sorted(set(problems), key=_order)
    return result


def _order(p: Problem) -> tuple:
    return (p.path, p.line or 0, p.field or "", p.message)


# Content --------------------------------------------------------------------------------------

def load_content(content_dir: Path, base_url: str | None = None
                 ) -> tuple[SiteConfig | None, Profile | None, list[Paper], list[Problem]]:
    """Like `content.load_site`, but returns what loaded and every problem instead of raising."""
    config, problems = C.load_config(content_dir / C.SITE_FILE, base_url)
    profile, more = C.load_profile(content_dir / C.PROFILE_FILE)
    problems += more
    papers = []
    for path in C.paper_paths(content_dir):
        paper, more = C.load_paper(path)
        problems += more
        if paper is not None:
            papers.append(paper)
    problems += C.load_citations(content_dir)[1]
    return config, profile, papers, problems


def check_theme(content_dir: Path, themes_dir: Path | None, config: SiteConfig) -> list[Problem]:
    themes = Path(themes_dir) if themes_dir else content_dir.resolve().parent / "themes"
    try:
        load_theme(themes, config.theme)
    except SiteError as exc:
        return exc.problems
    return []


def check_papers(papers: list[Paper], content_dir: Path, config: SiteConfig | None,
                 today: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    for paper in papers:
        if paper.date > today:
            problems.append(warning(paper.source_path, paper.lines.get("date"), "date",
                                    f"{paper.date} is in the future; the date is the paper's "
                                    "first public version"))
        problems += check_files(paper.source_path, paper.lines, "code", list(paper.code),
                                content_dir)
        problems += check_files(paper.source_path, paper.lines, "links", list(paper.links),
                                content_dir)
    problems += check_duplicates(papers, "title", lambda p: [(_title_key(p.title), p.title)],
                                 "same title as {other}: is it the same paper twice?")
    problems += check_duplicates(papers, "code", lambda p: [(_url_key(u), u) for u in p.code],
                                 "{value} is also the code of {other}")
    problems += check_categories(papers, config)
    return problems


def check_files(source: str, lines: dict[str, int], name: str,
                urls: list[str | tuple[str, str]], content_dir: Path) -> list[Problem]:
    """An error for each `files/...` URL with no file under content/files/."""
    problems = []
    for item in urls:
        label, url = item if isinstance(item, tuple) else (None, item)
        if not url.lower().startswith("files/"):
            continue
        rel = unquote(urlsplit(url).path)
        if not (content_dir / rel).is_file():
            where = f"{label}: " if label else ""
            problems.append(problem(source, lines.get(name), name,
                                    f"{where}{url} does not exist: put the file at "
                                    f"{display_path(content_dir / rel)}"))
    return problems


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split()).rstrip(".")


def _url_key(url: str) -> str:
    key = url.strip().lower().rstrip("/")
    return key[:-4] if key.endswith(".git") else key


def check_duplicates(papers: list[Paper], name: str,
                     keys: Callable[[Paper], list[tuple[str, str]]], message: str) -> list[Problem]:
    """A warning on each paper that shares a key with a paper before it (by file name).

    `keys` gives a paper's (normalized key, value as written) pairs for the field `name`."""
    first: dict[str, Paper] = {}
    problems = []
    for paper in sorted(papers, key=lambda p: p.source_path):
        for key, value in keys(paper):
            other = first.setdefault(key, paper)
            if other is not paper:
                text = message.format(value=value, other=display_path(other.source_path))
                problems.append(warning(paper.source_path, paper.lines.get(name), name, text))
    return problems


def check_categories(papers: list[Paper], config: SiteConfig | None) -> list[Problem]:
    """A warning for a category that only one paper uses, that no table knows, and that is
    close to a category other papers use (CVV next to CV)."""
    counts = Counter(p.category for p in papers)
    known = set(ARXIV_CATEGORIES) | set(config.categories if config else {})
    problems = []
    for paper in papers:
        code = paper.category
        if counts[code] != 1 or code in known:
            continue
        others = [c for c in counts if c != code]
        close = difflib.get_close_matches(code, others, n=1, cutoff=0.5)
        if close:
            n = counts[close[0]]
            hint = f"`{close[0]}` (used by {n} paper{'s' if n != 1 else ''})"
        else:
            close = difflib.get_close_matches(code, sorted(ARXIV_CATEGORIES), n=1, cutoff=0.5)
            if not close:
                continue
            hint = f"`{close[0]}` ({ARXIV_CATEGORIES[close[0]]})"
        problems.append(warning(paper.source_path, paper.lines.get("category"), "category",
                                f"`{code}` is used by this paper only and is not a known "
                                f"arXiv code; did you mean {hint}?"))
    return problems


def check_metrics(site: Site) -> list[Problem]:
    """A warning for each declared figure that differs from what the papers give."""
    profile = site.profile
    problems = []
    for metric in site.metrics:
        if metric.disagrees:
            if metric.label.lower() == "papers":
                found = f"{C.PAPERS_DIR}/ holds {metric.computed} paper files"
            else:
                found = f"the papers' citation counts give {metric.computed}"
            line = _nested_line(Path(profile.source_path), profile.lines.get("metrics"),
                                metric.label)
            problems.append(warning(profile.source_path, line, "metrics",
                                    f"{metric.label}: declared {metric.value}, but {found}; "
                                    "the page shows the declared figure: correct it, or "
                                    "remove it to show the computed one"))
    return problems


def _nested_line(path: Path, start: int | None, key: str) -> int | None:
    """The line of `  key:` inside the mapping that starts at line `start`."""
    if start is None:
        return None
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    for number in range(start, len(lines)):
        text = lines[number]
        if text.strip() and not text[0].isspace():
            break
        if text.strip().split(":", 1)[0].strip("'\"") == key:
            return number + 1
    return start


# Built site -----------------------------------------------------------------------------------

class _Links(HTMLParser):
    """Collects (line, attribute, url) of every element that names a file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = LINK_ATTRIBUTES.get(tag)
        for attr, value in attrs:
            if attr == name and value is not None:
                self.links.append((self.getpos()[0], attr, value.strip()))

    handle_startendtag = handle_starttag


def page_links(page: Path) -> list[tuple[int, str, str]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.links


def resolve(url: str, page: Path, output: Path, base_path: str) -> Path | None:
    """The file an internal URL names (a folder's index.html), or None for external URLs."""
    if not url or url.startswith(("#", "//")) or _SCHEME.match(url):
        return None
    path = unquote(urlsplit(url).path)
    if not path:
        return None
    if path.startswith("/"):             # 404.html links from the site's base path
        rest = path[len(base_path):] if path.startswith(base_path) else path.lstrip("/")
        target = output / rest
    else:
        target = page.parent / path
    target = Path(os.path.normpath(target))
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def check_built_site(output: Path, content_dir: Path, base_path: str = "/"
                     ) -> tuple[list[Problem], int]:
    """Broken internal links, pages not reachable from index.html, and stale pages."""
    output = Path(os.path.normpath(output.absolute()))
    pages = sorted(p for p in output.rglob("*.html")
                   if not any(part.startswith(".") for part in p.relative_to(output).parts))
    problems: list[Problem] = []
    links: dict[Path, set[Path]] = {}
    for page in pages:
        links[page] = set()
        for line, attr, url in page_links(page):
            target = resolve(url, page, output, base_path)
            if target is None:
                continue
            if not target.is_relative_to(output):
                problems.append(problem(page, line, attr, f"{url} points outside the site"))
            elif not target.is_file():
                problems.append(problem(page, line, attr, f"{url}: {display_path(target)} "
                                        "does not exist"))
            elif target.suffix == ".html":
                links[page].add(target)
    problems += check_reachable(output, links)
    problems += check_stale(output, content_dir)
    return problems, len(pages)


def check_reachable(output: Path, links: dict[Path, set[Path]]) -> list[Problem]:
    home = output / "index.html"
    if home not in links:
        return [problem(home, None, None, "the built site has no home page")]
    seen, queue = {home}, deque([home])
    while queue:
        for target in links.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    not_found = output / "404.html"        # reached by a missing address, not by a link
    return [warning(page, None, None, "no link leads here from index.html")
            for page in links if page not in seen and page != not_found]


def check_stale(output: Path, content_dir: Path) -> list[Problem]:
    """Pages older than their source: the site was not rebuilt after an edit."""
    # The writer leaves a page untouched when its bytes did not change; the mark file tells
    # when the last build ran, where the writer updates it.
    mark = output / MARK
    built_at = mark.stat().st_mtime if mark.is_file() else 0.0
    pairs = [(output / "index.html", content_dir / C.PROFILE_FILE)]
    sources = {p.stem: p for p in C.paper_paths(content_dir)}
    pages = {p.parent.name: p for p in (output / "papers").glob("*/index.html")}
    pairs += [(pages[slug], sources[slug]) for slug in sorted(set(pages) & set(sources))]
    problems = []
    for page, source in pairs:
        if page.is_file() and source.is_file() \
                and max(page.stat().st_mtime, built_at) < source.stat().st_mtime:
            problems.append(warning(page, None, "stale", f"older than its source "
                                    f"{display_path(source)}: run `scholarsite build`"))
    for slug in sorted(set(sources) - set(pages)):
        problems.append(warning(sources[slug], None, "stale", "not built yet: "
                                f"{display_path(output / 'papers' / slug / 'index.html')} does "
                                "not exist: run `scholarsite build`"))
    for slug in sorted(set(pages) - set(sources)):
        problems.append(warning(pages[slug], None, "stale", f"its source "
                                f"{display_path(content_dir / C.PAPERS_DIR / (slug + '.md'))} "
                                "no longer exists: run `scholarsite build`"))
    return problems


# Report ---------------------------------------------------------------------------------------

def report(result: Result) -> str:
    """Problems grouped by file (a blank line between files), then the counts."""
    out: list[str] = []
    previous = None
    for p in result.problems:
        if previous is not None and p.path != previous:
            out.append("")
        out.append(str(p))
        previous = p.path
    files = len({p.path for p in result.problems})
    checked = f"{result.papers} paper{'s' if result.papers != 1 else ''}"
    if result.pages is not None:
        checked += f" and {_plural(result.pages, 'built page')}"
    elif result.output is not None:
        checked += f"; {display_path(result.output)}/ not found, so no built pages"
    if result.problems:
        out.append("")
        out.append(f"{_plural(result.errors, 'error')}, {_plural(result.warnings, 'warning')} "
                   f"in {_plural(files, 'file')} (checked {checked}).")
    else:
        out.append(f"No problems (checked {checked}).")
    return "\n".join(out) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def run(args) -> int:
    """`scholarsite check`: exit 1 on errors, and on warnings with --strict."""
    if getattr(args, "write_schemas", False):
        folder = Path(args.content) / CONTENT_SUBDIR
        written = write_schemas(folder)
        for path in written:
            print(f"wrote {display_path(path)}")
        if not written:
            print(f"{display_path(folder)}/ is up to date")
    result = check(args.content, args.output, args.themes,
                   base_url=getattr(args, "base_url", None))
    sys.stdout.write(report(result))
    failed = result.errors or (args.strict and result.warnings)
    return 1 if failed else 0
