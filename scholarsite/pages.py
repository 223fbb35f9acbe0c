"""Plan the site: `Site` -> [Page], each with its output path, template, context and key.

This module owns URLs. Every internal link is relative (`root` is "../../" on a paper page), so
one build works at `user.github.io/`, under `/repo/` and from `file://`. The one exception is
404.html, which GitHub Pages serves at any depth: its `root` is the absolute base path.

A page's `key` is a hash of everything it shows: the fingerprints of the papers it lists (their
frontmatter only, for listings), the profile, the settings and its templates. The renderer
reuses the previous output when the key is unchanged, so a rebuild renders only what changed
and its result is the same, byte for byte, as a full build.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any, Callable
from urllib.parse import urlsplit

from . import __version__
from .bibtex import assign_keys, base_key, entry
from .markup import first_sentence, plain_text
from .metadata import paper_jsonld, person_jsonld, scholar_tags
from .models import Category, Metric, Paper, Site
from .names import Highlighter
from .theme import Theme

RECENT = 10          # papers in the home page's "Recent" list
FEED_SIZE = 50       # papers in the Atom feed
# The builder's warning when plan() leaves out what needs absolute URLs.
NO_BASE_URL = ("not set, so sitemap.xml and robots.txt were skipped (sitemaps need absolute "
               "URLs) and pages have no canonical link or og:url; set it in site.yml or pass "
               "--base-url")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """An SVG bar chart laid out here, so templates only draw rectangles."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    baseline: float

    @classmethod
    def of(cls, title: str, data: list[tuple[str, int]], width: int = 640, height: int = 180
           ) -> "BarChart":
        top, bottom, gap = 22.0, 22.0, 4.0
        peak = max((v for _, v in data), default=0) or 1
        step = width / max(len(data), 1)
        bars = tuple(Bar(label, value, round(i * step + gap / 2, 2),
                         round(top + (height - top - bottom) * (1 - value / peak), 2),
                         round(step - gap, 2), round((height - top - bottom) * value / peak, 2))
                     for i, (label, value) in enumerate(data))
        return cls(title, bars, width, height, height - bottom)

    @property
    def description(self) -> str:
        return f"{self.title}: " + ", ".join(f"{b.label}: {b.value}" for b in self.bars)


@dataclass(frozen=True)
class CodeLink:
    url: str
    host: str
    label: str        # "user/repo" for code hosts, else the URL without its scheme


@dataclass(frozen=True)
class BaseContext:
    """What every template receives (documented in the README; kept in sync by a test)."""

    site: Site
    config: Any               # SiteConfig
    profile: Any              # Profile
    root: str                 # relative path to the site root: "", "../", "../../"
    page_url: str             # this page's path from the root: "papers/x/"
    canonical: str | None     # absolute URL when base_url is set
    build_date: dt.date
    highlight: Highlighter
    description: str
    generator: str
    jsonld: dict[str, Any] | None = None   # schema.org data, rendered with `| tojson`


@dataclass(frozen=True)
class HomeContext(BaseContext):
    metrics: list[Metric] = field(default_factory=list)
    selected: list[Paper] = field(default_factory=list)
    recent: list[Paper] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    year_chart: BarChart | None = None
    citation_chart: BarChart | None = None


@dataclass(frozen=True)
class ListContext(BaseContext):
    title: str = ""
    papers: list[Paper] = field(default_factory=list)
    groups: list[tuple[int, list[Paper]]] = field(default_factory=list)
    category: Category | None = None
    categories: list[Category] = field(default_factory=list)


@dataclass(frozen=True)
class PaperContext(BaseContext):
    paper: Paper | None = None
    category: Category | None = None
    code_links: list[CodeLink] = field(default_factory=list)
    bibtex: str = ""
    bibtex_key: str = ""
    previous: Paper | None = None   # older paper in the same category
    next: Paper | None = None       # newer paper in the same category
    abstract_text: str = ""
    scholar_tags: list[tuple[str, str]] = field(default_factory=list)  # (name, content)


@dataclass(frozen=True)
class Page:
    output: str              # path under the output folder
    template: str
    key: str                 # hash of all the page depends on
    make_context: Callable[[], BaseContext]   # called only when the page is rendered

    @property
    def context(self) -> BaseContext:
        return self.make_context()

    def context_dict(self) -> dict[str, Any]:
        # Shallow on purpose: asdict() would deep-copy every paper of every listing.
        context = self.make_context()
        return {f.name: getattr(context, f.name) for f in fields(context)}


def code_link(url: str) -> CodeLink:
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co"} and len(segments) >= 2:
        label = "/".join(segments[:2])
    else:
        label = (host + parts.path).rstrip("/") if parts.netloc else url
    return CodeLink(url, host or "files", label)


def _hash(*parts: Any) -> str:
    """A short stable hash of the parts' text (one update: listings hash 10,000 parts)."""
    text = "\x00".join(map(str, parts)) + "\x00"
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class PaperDerived:
    """What a paper page shows beyond the paper itself, computed once per paper version."""

    text: str
    description: str
    jsonld: dict[str, Any]
    scholar_tags: list[tuple[str, str]]
    code_links: list[CodeLink]


@dataclass
class PlanMemo:
    """What plans compute per paper, kept across rebuilds, so that a rebuild after one edit
    derives one paper's data, not ten thousand. Derived data is computed when a page renders,
    so a page that is not rendered again costs nothing."""

    derived: dict[str, PaperDerived] = field(default_factory=dict)   # by paper_version
    bibtex: dict[str, str] = field(default_factory=dict)             # by bib_version
    base_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    # slug -> (what the paper's two pages depend on, the page, its cite.bib page, versions)
    paper_pages: dict[str, tuple[tuple[Any, ...], "Page", "Page", tuple[str, str]]] = field(
        default_factory=dict)
    bib_keys: tuple[str, dict[str, str]] | None = None   # (all frontmatter hash, slug -> key)
    common: str | None = None   # hash of what every page shows: settings, profile, citations

    def base_key(self, paper: Paper) -> str:
        """bibtex.base_key, remembered by the paper's frontmatter."""
        k = (paper.slug, paper.meta_fingerprint)
        if k not in self.base_keys:
            self.base_keys[k] = base_key(paper)
        return self.base_keys[k]

    def derive(self, version: str, paper: Paper, category_name: str, site: Site) -> PaperDerived:
        d = self.derived.get(version)
        if d is None:
            config = site.config
            text = plain_text(paper.abstract_md)
            d = self.derived[version] = PaperDerived(
                text=text,
                description=first_sentence(text) or plain_text(paper.title),
                jsonld=paper_jsonld(paper, config, site.profile, category_name, text),
                scholar_tags=scholar_tags(paper, config),
                code_links=[code_link(u) for u in paper.code])
        return d

    def bibtex_of(self, version: str, paper: Paper, bib_key: str, config: Any) -> str:
        b = self.bibtex.get(version)
        if b is None:
            b = self.bibtex[version] = entry(paper, bib_key, config.absolute(paper.url))
        return b

    def keep_only(self, derived: set[str], bibtex: set[str]) -> None:
        """Forget the data of paper versions that no longer exist."""
        if len(self.derived) > len(derived):
            self.derived = {k: v for k, v in self.derived.items() if k in derived}
        if len(self.bibtex) > len(bibtex):
            self.bibtex = {k: v for k, v in self.bibtex.items() if k in bibtex}
        if len(self.base_keys) > 2 * len(bibtex):
            self.base_keys = {}


def plan(site: Site, theme: Theme, build_date: dt.date, memo: PlanMemo | None = None
         ) -> list[Page]:
    """Every page of the site, in a stable order. Pass the same `memo` to every rebuild."""
    config, profile = site.config, site.profile
    highlighter = Highlighter(profile.highlight)
    headline = profile.headline or f"{profile.name}: publications"
    # Everything every page shows: settings, profile (header, nav, highlight), citations.
    common = _hash(__version__, config, profile.fingerprint, site.citations, build_date)
    metas = [p.meta_fingerprint for p in site.papers]
    all_meta = _hash(*metas)
    categories = site.by_category

    def base(page_url: str, depth: int, description: str) -> dict[str, Any]:
        return dict(site=site, config=config, profile=profile, root="../" * depth,
                    page_url=page_url, canonical=config.absolute(page_url), build_date=build_date,
                    highlight=highlighter, description=description,
                    generator=f"scholarsite {__version__}")

    def key(template: str, *deps: Any) -> str:
        return _hash(common, theme.template_fingerprint(template), *deps)

    def home() -> HomeContext:
        years = sorted({p.year for p in site.papers})
        counts = {y: 0 for y in range(years[0], years[-1] + 1)} if years else {}
        for p in site.papers:
            counts[p.year] += 1
        per_year = site.citations.per_year
        return HomeContext(
            **base("", 0, headline), jsonld=person_jsonld(profile, config), metrics=site.metrics,
            selected=[p for p in site.papers if p.selected], recent=site.papers[:RECENT],
            categories=categories,
            year_chart=BarChart.of("Papers per year", [(str(y), n) for y, n in sorted(counts.items())])
            if counts else None,
            citation_chart=BarChart.of("Citations per year", [(str(y), n) for y, n in per_year])
            if per_year else None)

    def category_page(cat: Category) -> ListContext:
        groups: dict[int, list[Paper]] = {}
        for p in cat.papers:
            groups.setdefault(p.year, []).append(p)
        return ListContext(
            **base(cat.url, 2, f"{len(cat.papers)} papers of {profile.name} in {cat.name}."),
            title=cat.name, papers=list(cat.papers), groups=sorted(groups.items(), reverse=True),
            category=cat, categories=categories)

    pages: list[Page] = [
        Page("index.html", "home.html", key("home.html", all_meta), home),
        Page("papers/index.html", "papers.html", key("papers.html", all_meta), lambda: ListContext(
            **base("papers/", 1, f"All {len(site.papers)} papers of {profile.name}, newest first."),
            title="Papers", papers=site.papers, groups=site.by_year, categories=categories)),
        Page("categories/index.html", "categories.html", key("categories.html", all_meta),
             lambda: ListContext(**base("categories/", 1, f"Papers of {profile.name} by category."),
                                 title="Categories", papers=site.papers, categories=categories)),
    ]
    for cat in categories:
        pages.append(Page(f"{cat.url}index.html", "category.html",
                          key("category.html", *(p.meta_fingerprint for p in cat.papers)),
                          partial(category_page, cat)))

    memo = memo if memo is not None else PlanMemo()
    memo.common = common
    if memo.bib_keys is None or memo.bib_keys[0] != all_meta:   # keys change with frontmatter
        memo.bib_keys = (all_meta, assign_keys(site.papers, memo.base_key))
    bib_keys = memo.bib_keys[1]
    # What a paper's derived data depends on besides the paper: settings and profile.
    setting = _hash(config, profile.fingerprint)

    def paper_page(paper: Paper, cat: Category, newer: Paper | None, older: Paper | None,
                   version: str, bib_version: str) -> PaperContext:
        d = memo.derive(version, paper, cat.name, site)
        return PaperContext(
            **base(paper.url, 2, d.description), paper=paper, category=cat,
            code_links=d.code_links, bibtex=memo.bibtex_of(bib_version, paper, bib_keys[paper.slug], config),
            bibtex_key=bib_keys[paper.slug], previous=older, next=newer, abstract_text=d.text,
            jsonld=d.jsonld, scholar_tags=d.scholar_tags)

    def cite_bib(paper: Paper, bib_version: str) -> PaperContext:
        return PaperContext(**base(paper.url, 2, ""), paper=paper,
                            bibtex=memo.bibtex_of(bib_version, paper, bib_keys[paper.slug], config),
                            bibtex_key=bib_keys[paper.slug])

    paper_pages: dict[str, tuple[tuple[Any, ...], Page, Page, tuple[str, str]]] = {}
    versions: dict[str, tuple[str, str]] = {}     # slug -> (paper version, bib version)
    templates = (common, theme.template_fingerprint("paper.html"),
                 theme.template_fingerprint("cite.bib"))
    for cat in categories:
        ps = cat.papers  # newest first
        for i, paper in enumerate(ps):
            newer = ps[i - 1] if i > 0 else None
            older = ps[i + 1] if i + 1 < len(ps) else None
            bib_key = bib_keys[paper.slug]
            # The same paper objects (the builder keeps those of unchanged files) between the
            # same neighbours: nothing these pages show has changed, reuse them as they are.
            depends = (paper, newer, older, bib_key, len(ps), cat.name, setting, templates)
            previous = memo.paper_pages.get(paper.slug)
            if previous is not None and previous[0] == depends:
                paper_pages[paper.slug] = previous
                versions[paper.slug] = previous[3]
                pages += previous[1:3]
                continue
            # The BibTeX depends on the frontmatter only; the page on the whole file.
            bib_version = f"{paper.slug} {paper.meta_fingerprint} {bib_key} {setting}"
            version = f"{paper.slug} {paper.fingerprint} {bib_key} {cat.name} {setting}"
            versions[paper.slug] = (version, bib_version)
            page = Page(f"{paper.url}index.html", "paper.html",
                        key("paper.html", version, len(ps), newer and newer.meta_fingerprint,
                            older and older.meta_fingerprint),
                        partial(paper_page, paper, cat, newer, older, version, bib_version))
            cite = Page(f"{paper.url}cite.bib", "cite.bib", key("cite.bib", bib_version),
                        partial(cite_bib, paper, bib_version))
            pages += (page, cite)
            paper_pages[paper.slug] = (depends, page, cite, (version, bib_version))
    memo.paper_pages = paper_pages
    memo.keep_only({v for v, _ in versions.values()}, {b for _, b in versions.values()})

    def papers_bib() -> PaperContext:
        return PaperContext(**base("papers.bib", 0, ""), bibtex="\n".join(
            memo.bibtex_of(versions[p.slug][1], p, bib_keys[p.slug], config) for p in site.papers))

    feed = site.papers[:FEED_SIZE]
    pages += [
        Page("papers.bib", "papers.bib",
             key("papers.bib", *(versions[p.slug][1] for p in site.papers)), papers_bib),
        Page("feed.xml", "feed.xml", key("feed.xml", *(p.fingerprint for p in feed)),
             lambda: ListContext(**base("feed.xml", 0, headline), title=config.title,
                                 papers=feed, categories=categories)),
        Page("404.html", "404.html", key("404.html"), lambda: BaseContext(
            **{**base("404.html", 0, "Page not found."), "root": config.base_path,
               "canonical": None})),
    ]
    if config.base_url:
        pages += [
            Page("sitemap.xml", "sitemap.xml",
                 key("sitemap.xml", *((p.slug, p.date, p.category) for p in site.papers)),
                 lambda: ListContext(**base("sitemap.xml", 0, ""), papers=site.papers,
                                     categories=categories)),
            Page("robots.txt", "robots.txt", key("robots.txt"),
                 lambda: BaseContext(**base("robots.txt", 0, ""))),
        ]
    return pages
