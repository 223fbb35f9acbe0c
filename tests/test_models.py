"""The CV header's metrics: declared order, computed fallbacks, disagreements."""
from __future__ import annotations

import datetime as dt

from scholarsite.models import CitationData, Paper, Profile, Site, SiteConfig, h_index


def paper(slug: str, citations: int | None, year: int = 2022) -> Paper:
    return Paper(slug=slug, source_path=f"{slug}.md", title=slug, authors=("A",),
                 date=dt.date(year, 1, 1), category="LG", citations=citations)


def site(metrics=(), citations=(10, 3, 0), data=CitationData()) -> Site:
    return Site(SiteConfig(title="T"), Profile(name="A", source_path="p.md", metrics=tuple(metrics)),
                [paper(f"p{i}", c) for i, c in enumerate(citations)], data)


def figures(s: Site) -> list[tuple[str, object, bool]]:
    return [(m.label, m.value, m.declared) for m in s.metrics]


def test_h_index():
    assert h_index([10, 3, 0]) == 2
    assert h_index([]) == 0
    assert h_index([5, 5, 5, 5, 5]) == 5


def test_absent_metrics_are_computed_when_every_paper_has_citations():
    assert figures(site()) == [("papers", 3, False), ("citations", 13, False), ("h-index", 2, False)]


def test_citations_and_h_index_are_not_computed_when_a_paper_lacks_a_count():
    assert figures(site(citations=(10, None))) == [("papers", 2, False)]


def test_declared_order_is_kept_and_values_shown_as_declared():
    s = site(metrics=[("Novelty", "55%"), ("h-index", 34), ("papers", 54)])
    assert figures(s) == [("Novelty", "55%", True), ("h-index", 34, True), ("papers", 54, True),
                          ("citations", 13, False)]


def test_disagreement_between_declared_and_computed_is_flagged():
    s = site(metrics=[("papers", 54), ("citations", "13")])
    assert [(m.label, m.disagrees) for m in s.metrics] == [
        ("papers", True), ("citations", False), ("h-index", False)]


def test_metrics_yml_summary_feeds_citations_and_h_index():
    data = CitationData(summary={"cited_by_count": 4246, "h_index": 34},
                        per_paper={"p0": 100})
    s = site(citations=(None, None), data=data)
    assert figures(s) == [("papers", 2, False), ("citations", 4246, False), ("h-index", 34, False)]
    assert [s.citations_of(p) for p in s.papers] == [100, None]
