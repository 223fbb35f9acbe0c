"""What flows between the stages: site settings, the profile, papers and the site. No I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import Any

from .categories import category_name


@dataclass(frozen=True)
class SiteConfig:
    """`content/site.yml`, validated."""

    title: str
    base_url: str | None = None
    theme: str = "default"
    language: str = "en"
    categories: dict[str, str] = field(default_factory=dict)
    cname: str | None = None
    openalex: str | None = None
    openalex_email: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, with slashes at both ends: "/" or "/repo/"."""
        if not self.base_url:
            return "/"
        rest = self.base_url.split("://", 1)[-1]
        path = rest.split("/", 1)[1] if "/" in rest else ""
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    def absolute(self, relpath: str) -> str | None:
        """An absolute URL for a site-relative path, or None without base_url."""
        if not self.base_url:
            return None
        return self.base_url.rstrip("/") + "/" + relpath.lstrip("/")


@dataclass(frozen=True)
class Paper:
    """One `content/papers/<slug>.md`, validated, with its abstract rendered."""

    slug: str
    source_path: str
    title: str
    authors: tuple[str, ...]
    date: dt.date
    category: str
    et_al: bool = False
    code: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    venue: str | None = None
    citations: int | None = None
    affiliation: str | None = None
    selected: bool = False
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    abstract_md: str = ""
    abstract_html: str = ""
    title_html: str = ""
    # Hashes of the file name (the URL) with the whole file, and with the frontmatter alone.
    # Listings depend only on the latter, so an abstract edit re-renders the paper page and not
    # the listings.
    fingerprint: str = ""
    meta_fingerprint: str = ""
    # bibtex.key_base of the authors, title and year, e.g. "lu2022prompt"; "" when not made.
    bib_base: str = ""

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def url(self) -> str:
        """The page's path relative to the site root."""
        return f"papers/{self.slug}/"


@dataclass(frozen=True)
class Profile:
    """`content/profile.md`, validated, with the bio rendered."""

    name: str
    source_path: str
    headline: str | None = None
    affiliation: str | None = None
    email: str | None = None
    photo: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    highlight: tuple[str, ...] = ()
    metrics: tuple[tuple[str, Any], ...] = ()
    bio_md: str = ""
    bio_html: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    fingerprint: str = ""


@dataclass(frozen=True)
class CitationData:
    """`content/metrics.yml` as the build reads it (written by `metrics`, never by hand)."""

    fetched: dt.date | None = None
    source: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    per_paper: dict[str, int] = field(default_factory=dict)
    per_year: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Metric:
    """One figure of the CV header."""

    label: str
    value: Any
    computed: Any = None      # what the papers (or metrics.yml) give, when they give anything
    declared: bool = True

    @property
    def disagrees(self) -> bool:
        return self.declared and self.computed is not None and _as_number(self.value) != self.computed


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    papers: tuple[Paper, ...]

    @property
    def url(self) -> str:
        return f"categories/{self.code.lower()}/"


def paper_order(paper: Paper) -> tuple[int, str, str]:
    """The sort key of the site's papers: newest first, then by title, then by slug."""
    return (-paper.date.toordinal(), paper.title.lower(), paper.slug)


@dataclass
class Site:
    """Everything the pages are made of. Papers are sorted newest first (then by title);
    `presorted=True` says they already are (the builder keeps the order across rebuilds)."""

    config: SiteConfig
    profile: Profile
    papers: list[Paper]
    citations: CitationData = field(default_factory=CitationData)
    presorted: InitVar[bool] = False

    def __post_init__(self, presorted: bool) -> None:
        if not presorted:
            self.papers = sorted(self.papers, key=paper_order)

    def carry_groups(self, last: "Site", swaps: list[tuple[Paper, Paper]]) -> None:
        """Take `last`'s category groups, with each (old, new) pair's new paper in its old
        one's place: for papers edited without a change of date, title or category, whose
        groups and their order are then the same. Saves a pass over every paper."""
        groups = list(last.by_category)
        for old, new in swaps:
            for c, cat in enumerate(groups):
                if cat.code == old.category:
                    papers = list(cat.papers)
                    papers[next(i for i, p in enumerate(papers) if p is old)] = new
                    groups[c] = Category(cat.code, cat.name, tuple(papers))
                    break
        self.__dict__["by_category"] = groups

    def citations_of(self, paper: Paper) -> int | None:
        """A paper's count: metrics.yml's when it has one, else the frontmatter's."""
        return self.citations.per_paper.get(paper.slug, paper.citations)

    @cached_property
    def by_category(self) -> list[Category]:
        """Categories by descending count, then code; one pass over the papers."""
        groups: dict[str, list[Paper]] = {}
        for paper in self.papers:
            groups.setdefault(paper.category, []).append(paper)
        cats = [Category(code, category_name(code, self.config.categories), tuple(ps))
                for code, ps in groups.items()]
        return sorted(cats, key=lambda c: (-len(c.papers), c.code))

    @cached_property
    def by_year(self) -> list[tuple[int, list[Paper]]]:
        groups: dict[int, list[Paper]] = {}
        for paper in self.papers:
            groups.setdefault(paper.year, []).append(paper)
        return sorted(groups.items(), reverse=True)

    @cached_property
    def metrics(self) -> list[Metric]:
        """The CV header: declared figures in their order, then computable ones not declared."""
        computed = self.computed_metrics()
        out = [Metric(label, value, computed.get(label.lower()), True)
               for label, value in self.profile.metrics]
        declared = {label.lower() for label, _ in self.profile.metrics}
        for label in ("papers", "citations", "h-index"):
            if label not in declared and computed.get(label) is not None:
                out.append(Metric(label, computed[label], computed[label], False))
        return out

    def computed_metrics(self) -> dict[str, int | None]:
        """papers: the count; citations and h-index from metrics.yml's summary, else from every
        paper's count when every paper has one."""
        out: dict[str, int | None] = {"papers": len(self.papers), "citations": None, "h-index": None}
        summary = self.citations.summary
        if "cited_by_count" in summary:
            out["citations"] = summary["cited_by_count"]
        if "h_index" in summary:
            out["h-index"] = summary["h_index"]
        counts = [self.citations_of(p) for p in self.papers]
        if counts and all(c is not None for c in counts):
            out["citations"] = out["citations"] if out["citations"] is not None else sum(counts)
            out["h-index"] = out["h-index"] if out["h-index"] is not None else h_index(counts)
        return out


def h_index(counts: list[int]) -> int:
    """The largest h such that h papers have at least h citations each."""
    ranked = sorted(counts, reverse=True)
    return sum(1 for i, c in enumerate(ranked, 1) if c >= i)


def _as_number(value: Any) -> Any:
    if isinstance(value, str):
        text = value.replace(",", "").strip()
        if text.isdigit():
            return int(text)
    return value
