"""What indexers read about a page: a paper's identifiers, its venue kind, Google Scholar's
`citation_*` tags and schema.org JSON-LD.

Google Scholar reads Highwire Press meta tags and needs title, authors and date on each paper's
own page; search engines read JSON-LD. Everything here is plain data (strings, tuples, dicts)
holding unescaped text: templates escape it once (`{{ }}` for attributes, `| tojson` for JSON).
URLs are absolute only when `base_url` is set; without it they are left out, never guessed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .markup import plain_text
from .models import Paper, Profile, SiteConfig
from .names import Highlighter

# Conference acronyms that appear alone in venue strings ("NeurIPS 2022", "ACM MM '23").
CONFERENCE_NAMES = frozenset({
    "NEURIPS", "NIPS", "ICML", "ICLR", "CVPR", "ICCV", "ECCV", "WACV", "BMVC", "ACL", "EMNLP",
    "NAACL", "EACL", "COLING", "AAAI", "IJCAI", "KDD", "WWW", "SIGIR", "WSDM", "CIKM", "MM",
    "UAI", "AISTATS", "COLT", "ICASSP", "INTERSPEECH", "ICRA", "IROS", "CORL", "MICCAI", "CHI",
    "SIGGRAPH", "ICDE", "VLDB", "SIGMOD", "ICDM", "SDM", "ECAI", "ICME", "ICIP",
})
_CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshops?|symposium|congress|neural information processing)\b",
    re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([0-9]{4}\.[0-9]{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/[0-9]{7})")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.([0-9]{4}\.[0-9]{4,5})$", re.I)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)$", re.I)


def link(paper: Paper, label: str) -> str | None:
    """The paper's link under `label`, whatever its case ("PDF", "pdf")."""
    return next((url for name, url in paper.links if name.lower() == label), None)


def doi(paper: Paper) -> str | None:
    """The DOI ("10.1109/...") from a `doi` link to doi.org."""
    return _identifiers(paper.links)[1]


def arxiv_id(paper: Paper) -> str | None:
    """The arXiv id without a version, from the `arxiv` link first, then any link, then an
    arXiv DOI (10.48550/arXiv.<id>)."""
    return _identifiers(paper.links)[0]


# A paper's BibTeX entry, Scholar tags and JSON-LD each ask for its identifiers: found once.
@lru_cache(maxsize=1 << 12)
def _identifiers(links: tuple[tuple[str, str], ...]) -> tuple[str | None, str | None]:
    """(arXiv id, DOI) of a paper's links."""
    doi_url = next((url for name, url in links if name.lower() == "doi"), None)
    m = _DOI.match(doi_url) if doi_url else None
    paper_doi = m.group(1) if m else None
    labelled = next((url for name, url in links if name.lower() == "arxiv"), None)
    for url in ([labelled] if labelled else []) + [u for _, u in links]:
        m = _ARXIV_URL.search(url)
        if m:
            return m.group(1), paper_doi
    m = _ARXIV_DOI.match(paper_doi or "")
    return (m.group(1) if m else None), paper_doi


@lru_cache(maxsize=1 << 12)     # venues repeat across papers
def venue_kind(venue: str | None) -> str | None:
    """"conference" for conference names and proceedings, "journal" for any other venue,
    None without one."""
    if not venue or not venue.strip():
        return None
    words = {w.upper() for w in re.findall(r"[A-Za-z]+", venue)}
    if words & CONFERENCE_NAMES or _CONFERENCE_WORDS.search(venue):
        return "conference"
    return "journal"


def absolute(url: str, config: SiteConfig) -> str | None:
    """An http(s) URL as it is; a `files/...` path made absolute with base_url (None without)."""
    return url if "://" in url else config.absolute(url)


def scholar_tags(paper: Paper, config: SiteConfig) -> list[tuple[str, str]]:
    """Highwire Press tags for Google Scholar, in the order its guidelines list them."""
    tags = [("citation_title", plain_text(paper.title))]
    tags += [("citation_author", author) for author in paper.authors]
    date = paper.date     # as strftime("%Y/%m/%d"), without its cost
    tags.append(("citation_publication_date", f"{date.year}/{date.month:02d}/{date.day:02d}"))
    kind = venue_kind(paper.venue)
    if kind:
        tags.append((f"citation_{kind}_title", paper.venue.strip()))
    pdf = link(paper, "pdf")
    pdf_url = absolute(pdf, config) if pdf else None
    if pdf_url:
        tags.append(("citation_pdf_url", pdf_url))
    if arxiv := arxiv_id(paper):
        tags.append(("citation_arxiv_id", arxiv))
    if paper_doi := doi(paper):
        tags.append(("citation_doi", paper_doi))
    if page := config.absolute(paper.url):
        tags.append(("citation_abstract_html_url", page))
    return tags


def paper_jsonld(paper: Paper, config: SiteConfig, profile: Profile, category_name: str,
                 abstract: str) -> dict[str, Any]:
    """A schema.org ScholarlyArticle. The site owner's Person carries the profile's links."""
    owner = _highlighter(profile.highlight)
    authors = []
    for name in paper.authors:
        person: dict[str, Any] = {"@type": "Person", "name": name}
        if owner(name):
            person.update(_person_links(profile, config))
        authors.append(person)
    title = plain_text(paper.title)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": title,
        "name": title,
        "author": authors,
        "datePublished": paper.date.isoformat(),
        "about": {"@type": "Thing", "name": category_name},
        "genre": category_name,
        "inLanguage": config.language,
    }
    if abstract:
        data["abstract"] = abstract
    if page := config.absolute(paper.url):
        data["url"] = page
        data["mainEntityOfPage"] = page
    if paper.tags:
        data["keywords"] = ", ".join(paper.tags)
    kind = venue_kind(paper.venue)
    if kind == "journal":
        data["isPartOf"] = {"@type": "Periodical", "name": paper.venue.strip()}
    elif kind == "conference":
        data["publication"] = {"@type": "PublicationEvent", "name": paper.venue.strip()}
    code = [u for u in (absolute(c, config) for c in paper.code) if u]
    if code:
        data["isBasedOn"] = [{"@type": "SoftwareSourceCode", "codeRepository": u} for u in code]
    same_as, identifiers = [], []
    if arxiv := arxiv_id(paper):
        same_as.append(f"https://arxiv.org/abs/{arxiv}")
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": arxiv})
    if paper_doi := doi(paper):
        same_as.append(f"https://doi.org/{paper_doi}")
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": paper_doi})
    if same_as:
        data["sameAs"] = same_as
        data["identifier"] = identifiers
    return data


@lru_cache(maxsize=16)
def _highlighter(names: tuple[str, ...]) -> Highlighter:
    return Highlighter(names)


def person_jsonld(profile: Profile, config: SiteConfig) -> dict[str, Any]:
    """A schema.org Person for the home page: name, headline, affiliation, links."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Person",
                            "name": profile.name}
    if profile.headline:
        data["description"] = plain_text(profile.headline)
    if profile.affiliation:
        data["affiliation"] = {"@type": "Organization", "name": profile.affiliation}
    if profile.email:
        data["email"] = f"mailto:{profile.email}"
    if profile.photo and (photo := config.absolute(profile.photo)):
        data["image"] = photo
    data.update(_person_links(profile, config))
    return data


def _person_links(profile: Profile, config: SiteConfig) -> dict[str, Any]:
    """`url` (the home page) and `sameAs` (the profile's web links: ORCID, Scholar, GitHub)."""
    out: dict[str, Any] = {}
    if home := config.absolute(""):
        out["url"] = home
    same_as = [url for _, url in profile.links if "://" in url]
    if same_as:
        out["sameAs"] = same_as
    return out
