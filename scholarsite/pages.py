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
from dataclasses import dataclass, field
from functools import partial
from itertools import compress
from operator import is_not
from typing import Any, Callable, Sequence
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


@dataclass
class BaseContext:
    """What every template receives (documented in the README; kept in sync by a test).

    Not frozen: a context is made for one render and turned into a dict at once, and a frozen
    dataclass's __init__ costs 4x more (two per paper)."""

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


@dataclass
class HomeContext(BaseContext):
    metrics: list[Metric] = field(default_factory=list)
    selected: list[Paper] = field(default_factory=list)
    recent: list[Paper] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    year_chart: BarChart | None = None
    citation_chart: BarChart | None = None


@dataclass
class ListContext(BaseContext):
    title: str = ""
    papers: list[Paper] = field(default_factory=list)
    groups: list[tuple[int, list[Paper]]] = field(default_factory=list)
    category: Category | None = None
    categories: list[Category] = field(default_factory=list)


@dataclass
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


# 20,000 of them at 10,000 papers, made by plan() while every CPU but one waits: not frozen,
# as a frozen dataclass's __init__ costs 1.0 us instead of 0.2 (object.__setattr__ per field).
# Nothing changes a page once planned.
@dataclass(slots=True)
class Page:
    output: str              # path under the output folder
    template: str
    key: str                 # hash of all the page depends on
    make_context: Callable[[], BaseContext]   # called only when the page is rendered

    def context_dict(self) -> dict[str, Any]:
        # Shallow on purpose: asdict() would deep-copy every paper of every listing. The
        # contexts are plain dataclasses: their __dict__ holds exactly their fields.
        return dict(vars(self.make_context()))


def code_link(url: str) -> CodeLink:
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co"} and len(segments) >= 2:
        label = "/".join(segments[:2])
    else:
        label = (host + parts.path).rstrip("/") if parts.netloc else url
    return CodeLink(url, host or "files", label)


def _meta_fingerprints(papers: tuple[Paper, ...]) -> list[str]:
    return [p.meta_fingerprint for p in papers]


def _hash(*parts: Any) -> str:
    """A short stable hash of the parts' text (one update: listings hash 10,000 parts)."""
    return _digest("\x00".join(map(str, parts)) + "\x00")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class PaperDerived:
    """What a paper page shows beyond the paper itself, computed when the page renders (a few
    tens of microseconds; remembering it for 10,000 papers would cost more memory than time)."""

    text: str
    description: str
    jsonld: dict[str, Any]
    scholar_tags: list[tuple[str, str]]
    code_links: list[CodeLink]


@dataclass(frozen=True)
class LastPlan:
    """What the last plan was made of, to find what the next one can keep."""

    papers: list[Paper]
    all_meta: str
    templates: tuple[str, ...]
    setting: str
    bib_keys: dict[str, str]
    layout: list[tuple[str, str, int]]      # each category's code, name and size
    paper_list: list["Page"]                 # [page, cite.bib, page, ...] in category order
    categories: list[Category]
    base_url: str | None


def derive(paper: Paper, category_name: str, site: Site) -> PaperDerived:
    config = site.config
    text = plain_text(paper.abstract_md)
    return PaperDerived(
        text=text,
        description=first_sentence(text) or plain_text(paper.title),
        jsonld=paper_jsonld(paper, config, site.profile, category_name, text),
        scholar_tags=scholar_tags(paper, config),
        code_links=[code_link(u) for u in paper.code])


def _edited(papers: list[Paper], last: list[Paper]) -> list[int] | None:
    """The positions where `papers` holds another object than `last`, when every paper kept
    its file name and its place; else None."""
    if len(papers) != len(last):
        return None
    edited = _differ(papers, last)
    return edited if all(papers[i].slug == last[i].slug for i in edited) else None


def _differ(a: Sequence[Any], b: Sequence[Any]) -> list[int]:
    """The positions where two sequences of the same length hold different objects (a pass
    that runs in C: it is made for every rebuild over every paper)."""
    return list(compress(range(len(a)), map(is_not, a, b)))


@dataclass
class PlanMemo:
    """What plans compute per paper, kept across rebuilds, so that a rebuild after one edit
    plans one paper's pages, not ten thousand. BibTeX entries are made when a page renders,
    and kept: papers.bib, rendered again after any frontmatter edit, shows them all."""

    bibtex: dict[str, str] = field(default_factory=dict)             # by bib_version
    base_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    # slug -> (what the paper's two pages depend on, the page, its cite.bib page, bib_version)
    paper_pages: dict[str, tuple[tuple[Any, ...], "Page", "Page", str]] = field(
        default_factory=dict)
    bib_keys: tuple[str, dict[str, str]] | None = None   # (all frontmatter hash, slug -> key)
    common: str | None = None   # hash of what every page shows: settings, profile, citations
    last: "LastPlan | None" = None
    same_outputs: bool = False   # does the last plan make the same files as the one before?
    replanned: list["Page"] | None = None   # its pages not kept from the one before; None: all
    # ((all frontmatter hash, common hash), (output, template fingerprint) -> listing key)
    listings: tuple[Any, dict[tuple[str, str], str]] = (None, {})

    def forget_version(self, old: str, new: str) -> None:
        """A paper's page was planned again: drop its old version's BibTeX entry."""
        if old != new:
            self.bibtex.pop(old, None)

    def base_key(self, paper: Paper) -> str:
        """bibtex.base_key: the paper's own (made when it was parsed), or else made here and
        remembered by the paper's frontmatter."""
        if paper.bib_base:
            return paper.bib_base
        k = (paper.slug, paper.meta_fingerprint)
        if k not in self.base_keys:
            self.base_keys[k] = base_key(paper)
        return self.base_keys[k]

    def bibtex_of(self, version: str, paper: Paper, bib_key: str, config: Any) -> str:
        b = self.bibtex.get(version)
        if b is None:
            b = self.bibtex[version] = entry(paper, bib_key, config.absolute(paper.url))
        return b

    def keep_only(self, bibtex: set[str]) -> None:
        """Forget the data of paper versions that no longer exist."""
        if len(self.bibtex) > len(bibtex):
            self.bibtex = {k: v for k, v in self.bibtex.items() if k in bibtex}
        if len(self.base_keys) > 2 * len(bibtex):
            self.base_keys = {}


def plan(site: Site, theme: Theme, build_date: dt.date, memo: PlanMemo | None = None
         ) -> list[Page]:
    """Every page of the site, in a stable order. Pass the same `memo` to every rebuild."""
    memo = memo if memo is not None else PlanMemo()
    config, profile = site.config, site.profile
    highlighter = Highlighter(profile.highlight)
    headline = profile.headline or f"{profile.name}: publications"
    # Everything every page shows: settings, profile (header, nav, highlight), citations.
    common = _hash(__version__, config, profile.fingerprint, site.citations, build_date)
    # Everything listings show of the papers: their frontmatter and file names, in order. When
    # the papers differ from the last plan's only by objects with the same file name and
    # frontmatter (an abstract edit), it is the last plan's.
    last = memo.last
    edited = _edited(site.papers, last.papers) if last is not None else None
    if edited is not None and all(site.papers[i].meta_fingerprint == last.papers[i].meta_fingerprint
                                  for i in edited):
        all_meta = last.all_meta
    else:
        all_meta = _hash(*[p.meta_fingerprint for p in site.papers])
    categories = site.by_category

    def base(page_url: str, depth: int, description: str) -> dict[str, Any]:
        return dict(site=site, config=config, profile=profile, root="../" * depth,
                    page_url=page_url, canonical=config.absolute(page_url), build_date=build_date,
                    highlight=highlighter, description=description,
                    generator=f"scholarsite {__version__}")

    def key(template: str, *deps: Any) -> str:
        return _hash(common, theme.template_fingerprint(template), *deps)

    # Keys of listings that hash something of every paper: the same while every page's common
    # part and every paper's frontmatter are (after an abstract edit).
    if memo.listings[0] != (all_meta, common):
        memo.listings = ((all_meta, common), {})
    listings = memo.listings[1]

    def listing_key(output: str, template: str, deps: Callable[[], Any]) -> str:
        k = (output, theme.template_fingerprint(template))
        hit = listings.get(k)
        if hit is None:
            hit = listings[k] = key(template, *deps())
        return hit

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
                          listing_key(cat.url, "category.html",
                                      partial(_meta_fingerprints, cat.papers)),
                          partial(category_page, cat)))

    memo.common = common
    if memo.bib_keys is None or memo.bib_keys[0] != all_meta:   # keys change with frontmatter
        # The last plan's keys, if it made them (a plan that failed may have made others).
        last_keys = memo.bib_keys[1] if (edited is not None and memo.bib_keys is not None
                                         and memo.bib_keys[0] == last.all_meta) else None
        if last_keys is not None and all(
                site.papers[i].date == last.papers[i].date
                and memo.base_key(site.papers[i]) == memo.base_key(last.papers[i]) for i in edited):
            keys = last_keys    # the same names, dates and base keys: the same keys
        else:
            keys = assign_keys(site.papers, memo.base_key)
        # Mostly they do not change: keep the same dict then, which tells the paper pages so.
        memo.bib_keys = (all_meta, memo.bib_keys[1] if memo.bib_keys and memo.bib_keys[1] == keys
                         else keys)
    bib_keys = memo.bib_keys[1]
    # What a paper's derived data depends on besides the paper: settings and profile.
    setting = _hash(config, profile.fingerprint)

    def paper_page(paper: Paper, cat: Category, newer: Paper | None, older: Paper | None,
                   bib_version: str) -> PaperContext:
        d = derive(paper, cat.name, site)
        return PaperContext(
            **base(paper.url, 2, d.description), paper=paper, category=cat,
            code_links=d.code_links, bibtex=memo.bibtex_of(bib_version, paper, bib_keys[paper.slug], config),
            bibtex_key=bib_keys[paper.slug], previous=older, next=newer, abstract_text=d.text,
            jsonld=d.jsonld, scholar_tags=d.scholar_tags)

    def cite_bib(paper: Paper, bib_version: str) -> PaperContext:
        return PaperContext(**base(paper.url, 2, ""), paper=paper,
                            bibtex=memo.bibtex_of(bib_version, paper, bib_keys[paper.slug], config),
                            bibtex_key=bib_keys[paper.slug])

    templates = (common, theme.template_fingerprint("paper.html"),
                 theme.template_fingerprint("cite.bib"))
    # key("paper.html", ...) and key("cite.bib", ...) of pair(), as one f-string each (20,000
    # pages are keyed while no worker runs): the same text _hash joins, so the same keys.
    paper_head, cite_head = (f"{common}\x00{fingerprint}\x00" for fingerprint in templates[1:])

    def pair(cat: Category, i: int) -> tuple[tuple[Any, ...], Page, Page, str]:
        """The paper page and cite.bib of the i-th paper of a category (newest first)."""
        ps = cat.papers
        paper = ps[i]
        newer = ps[i - 1] if i > 0 else None
        older = ps[i + 1] if i + 1 < len(ps) else None
        bib_key = bib_keys[paper.slug]
        # The same paper objects (the builder keeps those of unchanged files) between the
        # same neighbours: nothing these pages show has changed, reuse them as they are.
        depends = (paper, newer, older, bib_key, len(ps), cat.name, setting, templates)
        previous = memo.paper_pages.get(paper.slug)
        if previous is not None and previous[0] == depends:
            return previous
        # The BibTeX depends on the frontmatter only; the page on the whole file.
        slug = paper.slug
        bib_version = f"{slug} {paper.meta_fingerprint} {bib_key} {setting}"
        version = f"{slug} {paper.fingerprint} {bib_key} {cat.name} {setting}"
        page_key = (f"{paper_head}{version}\x00{len(ps)}\x00{newer and newer.meta_fingerprint}"
                    f"\x00{older and older.meta_fingerprint}\x00")
        url = paper.url
        page = Page(f"{url}index.html", "paper.html", _digest(page_key),
                    partial(paper_page, paper, cat, newer, older, bib_version))
        cite = Page(f"{url}cite.bib", "cite.bib", _digest(f"{cite_head}{bib_version}\x00"),
                    partial(cite_bib, paper, bib_version))
        return depends, page, cite, bib_version

    layout = [(c.code, c.name, len(c.papers)) for c in categories]
    if (edited is not None and last.templates == templates and last.setting == setting
            and last.bib_keys is bib_keys and last.layout == layout):
        # The same papers in the same categories, and the same settings, templates and
        # BibTeX keys (an abstract edit): only the papers whose object changed, and their
        # neighbours in the category, can have new pages; the others keep their place.
        paper_list = list(last.paper_list)
        replanned: list[Page] | None = []
        offset = 0
        for cat, old in zip(categories, last.categories):
            changed = _differ(cat.papers, old.papers) if cat is not old else []
            for i in sorted({j for i in changed for j in (i - 1, i, i + 1) if 0 <= j < len(cat.papers)}):
                slug = cat.papers[i].slug
                entry = pair(cat, i)
                previous = memo.paper_pages.get(slug)
                if previous is not entry:
                    replanned += entry[1:3]
                    if previous is not None:
                        memo.forget_version(previous[3], entry[3])
                memo.paper_pages[slug] = entry
                paper_list[2 * (offset + i)] = entry[1]
                paper_list[2 * (offset + i) + 1] = entry[2]
            offset += len(cat.papers)
    else:
        replanned = None
        paper_pages: dict[str, tuple[tuple[Any, ...], Page, Page, str]] = {}
        paper_list = []
        for cat in categories:
            for i in range(len(cat.papers)):
                entry = paper_pages[cat.papers[i].slug] = pair(cat, i)
                paper_list += entry[1:3]
        memo.paper_pages = paper_pages
        memo.keep_only({e[3] for e in paper_pages.values()})
    # The same files as the last plan when every paper kept its file name.
    memo.same_outputs = edited is not None and last.base_url == config.base_url
    memo.last = LastPlan(site.papers, all_meta, templates, setting, bib_keys, layout,
                         paper_list, categories, config.base_url)
    first_paper = len(pages)
    pages += paper_list

    def papers_bib() -> PaperContext:
        return PaperContext(**base("papers.bib", 0, ""), bibtex="\n".join(
            memo.bibtex_of(memo.paper_pages[p.slug][3], p, bib_keys[p.slug], config)
            for p in site.papers))

    feed = site.papers[:FEED_SIZE]
    pages += [
        # Every entry is made of the frontmatter and the settings; the keys of all frontmatter.
        Page("papers.bib", "papers.bib", key("papers.bib", all_meta, setting), papers_bib),
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
                 listing_key("sitemap.xml", "sitemap.xml",
                             lambda: [f"{p.slug} {p.date.isoformat()} {p.category}"
                                      for p in site.papers]),
                 lambda: ListContext(**base("sitemap.xml", 0, ""), papers=site.papers,
                                     categories=categories)),
            Page("robots.txt", "robots.txt", key("robots.txt"),
                 lambda: BaseContext(**base("robots.txt", 0, ""))),
        ]
    # Every page but the paper pages kept from the last plan: the only ones whose key may differ.
    memo.replanned = None if replanned is None else (
        pages[:first_paper] + replanned + pages[first_paper + len(paper_list):])
    return pages
