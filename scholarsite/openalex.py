"""`python build.py metrics`: refresh `content/metrics.yml` from the OpenAlex API.

It reads the author (id `A...` or ORCID) and a contact e-mail from `content/site.yml`, fetches
the author's summary and every work (cursor paging), matches each work to a paper of the site
by DOI, then arXiv id, then normalized title, and writes `content/metrics.yml`. It never edits
a paper file.

Nothing is written unless every request succeeded, and then atomically; a refresh that would
only move the fetch date leaves the file alone, so a scheduled job commits only real changes.

Environment: `OPENALEX_API_KEY` (sent as `api_key`, never printed or written),
`OPENALEX_API_URL` (default https://api.openalex.org), and for slow networks and tests
`OPENALEX_TIMEOUT` (seconds per request, default 30), `OPENALEX_RETRIES` (retries after the
first attempt, default 3) and `OPENALEX_BACKOFF` (first retry delay in seconds, doubled each
time, default 1).
"""
from __future__ import annotations

import argparse
import datetime as dt
import difflib
import email.utils
import html
import http.client
import json
import os
import re
import socket
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .citation_data import (FILENAME, read_citation_data, render_citation_data, same_data,
                            write_atomically)
from .errors import Problem, SiteError, display_path, problem, warning
from .frontmatter_yaml import parse_yaml, read_document, read_text
from .models import CitationData
from .slugs import is_valid_slug

DEFAULT_API_URL = "https://api.openalex.org"
PER_PAGE = 100          # the current API reference allows 1-100 (older docs said 200)
MAX_PAGES = 500         # 50,000 works: far beyond any one author; stops a cursor that loops
MAX_RETRY_AFTER = 120   # seconds we are willing to wait when asked to; longer means "try later"
WORK_FIELDS = "id,doi,title,display_name,publication_year,cited_by_count,ids,locations"


def run(args: argparse.Namespace) -> int:
    content = Path(args.content)
    settings = read_settings(content)
    papers, problems = read_papers(content)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise SiteError(problems)
    client = Client.from_environment(settings.email)
    try:
        author = client.author(settings.author)
        works = client.works(author_short_id(author["id"]))
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"{display_path(content / FILENAME)} was left unchanged.", file=sys.stderr)
        return 1

    matching = match_works(works, papers)
    new = citation_data(author, matching, f"{client.base_url}/authors/{author_short_id(author['id'])}")
    print(describe_author(new))
    for line in matching.report():
        print(line)
    return write_metrics(content, new, dry_run=args.dry_run)


# --- settings and papers ---------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    author: str            # the path segment after /authors/: "A5023888391" or "orcid:0000-..."
    email: str | None


AUTHOR_ID_RE = re.compile(r"^(?:https?://openalex\.org/)?([Aa]\d{4,})$")
ORCID_RE = re.compile(r"^(?:https?://orcid\.org/|orcid:)?(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])$")


def read_settings(content: Path) -> Settings:
    """`openalex` and `openalex_email` from content/site.yml; a SiteError when unusable."""
    path = content / "site.yml"
    if not path.is_file():
        raise SiteError([problem(path, None, None, "not found: `metrics` needs content/site.yml "
                                 "with `openalex: <author id or ORCID>`")])
    text, problems = read_text(path)
    data, lines, more = parse_yaml(text, path) if text is not None else (None, {}, [])
    problems += more
    if problems:
        raise SiteError(problems)
    data = data if isinstance(data, dict) else {}
    value = data.get("openalex")
    if value is None:
        raise SiteError([problem(path, None, "openalex", "not set: add your OpenAlex author id "
                                 "(e.g. `openalex: A5023888391`) or your ORCID "
                                 "(e.g. `openalex: 0000-0002-1298-3089`)")])
    author = parse_author(str(value).strip())
    if author is None:
        raise SiteError([problem(path, lines.get("openalex"), "openalex",
                                 f"expected an OpenAlex author id such as A5023888391 or an ORCID "
                                 f"such as 0000-0002-1298-3089, found {value!r}")])
    email_value = data.get("openalex_email")
    if email_value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(email_value)):
        raise SiteError([problem(path, lines.get("openalex_email"), "openalex_email",
                                 f"expected an e-mail address, found {email_value!r}")])
    return Settings(author, str(email_value) if email_value is not None else None)


def parse_author(value: str) -> str | None:
    """The API path segment for an author id or ORCID, or None when it is neither.
    An ORCID's check digit is verified, so a typo fails here rather than as a 404."""
    m = AUTHOR_ID_RE.match(value)
    if m:
        return m.group(1).upper()
    m = ORCID_RE.match(value)
    if m and orcid_checksum_ok(m.group(1)):
        return "orcid:" + m.group(1).upper()
    return None


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2, as ORCID specifies."""
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1].upper() == ("X" if check == 10 else str(check))


@dataclass(frozen=True)
class PaperKeys:
    """What a paper can be matched on."""

    slug: str
    path: Path
    dois: frozenset[str]
    arxiv_ids: frozenset[str]
    title: str


def read_papers(content: Path) -> tuple[list[PaperKeys], list[Problem]]:
    """The identifiers of every content/papers/*.md (read only; never written)."""
    papers, problems = [], []
    for path in sorted((content / "papers").glob("*.md")):
        doc, found = read_document(path)
        problems += found
        if doc is None:
            continue
        if not is_valid_slug(path.stem):
            problems.append(warning(path, None, None, "the file name is not a valid slug; "
                                    "this paper is left out of the citation matching"))
            continue
        links = doc.meta.get("links")
        urls = [str(v) for v in links.values()] if isinstance(links, dict) else []
        dois = {d for d in map(normalize_doi, urls) if d}
        arxiv_ids = {a for a in map(arxiv_id_from_url, urls) if a}
        arxiv_ids |= {a for a in map(arxiv_id_from_doi, dois) if a}
        title = doc.meta.get("title")
        papers.append(PaperKeys(path.stem, path, frozenset(dois), frozenset(arxiv_ids),
                                normalize_title(str(title)) if title else ""))
    return papers, problems


# --- identifiers -----------------------------------------------------------------------------

DOI_RE = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
ARXIV_URL_RE = re.compile(r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})",
                          re.IGNORECASE)
ARXIV_DOI_RE = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def normalize_doi(value: str | None) -> str | None:
    """A bare lowercase DOI from `https://doi.org/10.x/y`, `doi:10.x/y` or `10.x/y`."""
    if not value:
        return None
    text = urllib.parse.unquote(str(value).strip())
    if "arxiv.org" in text.lower():
        return None
    m = DOI_RE.search(text)
    return m.group(1).rstrip(".").lower() if m else None


def arxiv_id_from_url(url: str | None) -> str | None:
    """`2205.03340` from an arxiv.org abs or pdf URL (the version suffix is dropped)."""
    m = ARXIV_URL_RE.search(url or "")
    return m.group(1).lower() if m else None


def arxiv_id_from_doi(doi: str | None) -> str | None:
    """arXiv's own DOIs, 10.48550/arXiv.2205.03340, name the arXiv id."""
    m = ARXIV_DOI_RE.match(doi or "")
    return re.sub(r"v\d+$", "", m.group(1)).lower() if m else None


def normalize_title(title: str) -> str:
    """Lowercase ASCII words only: accents folded, LaTeX commands, math signs, HTML tags and
    punctuation dropped, so "$\\mathcal{O}(n)$ Sorting" and "O(n) sorting" compare equal."""
    text = re.sub(r"<[^>]+>", " ", html.unescape(title))
    text = re.sub(r"\\[a-zA-Z]+", " ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def work_keys(work: dict[str, Any]) -> tuple[set[str], set[str], str]:
    """(DOIs, arXiv ids, normalized title) of an OpenAlex work object."""
    ids = work.get("ids") if isinstance(work.get("ids"), dict) else {}
    dois = {d for d in (normalize_doi(work.get("doi")), normalize_doi(ids.get("doi"))) if d}
    arxiv = {a for a in map(arxiv_id_from_doi, dois) if a}
    for location in work.get("locations") or []:
        if isinstance(location, dict):
            for key in ("landing_page_url", "pdf_url"):
                a = arxiv_id_from_url(location.get(key))
                if a:
                    arxiv.add(a)
    title = work.get("title") or work.get("display_name") or ""
    return dois, arxiv, normalize_title(str(title))


# --- matching --------------------------------------------------------------------------------

RULES = ("DOI", "arXiv id", "title")


@dataclass
class Matching:
    """Which work gave each paper its count, and everything that did not line up."""

    counts: dict[str, int] = field(default_factory=dict)
    rule_of: dict[str, str] = field(default_factory=dict)
    unmatched_works: list[dict[str, Any]] = field(default_factory=list)
    unmatched_papers: list[PaperKeys] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)     # ambiguous matches, explained

    def report(self) -> list[str]:
        by_rule = {rule: sum(1 for r in self.rule_of.values() if r == rule) for rule in RULES}
        total = len(self.counts) + len(self.unmatched_papers)
        lines = [f"Matched {len(self.counts)} of {total} papers ("
                 + ", ".join(f"{n} by {rule}" for rule, n in by_rule.items()) + ")."]
        lines += self.notes
        for paper in self.unmatched_papers:
            lines.append(f"{display_path(paper.path)}: no OpenAlex work has its DOI, arXiv id "
                         f"or title; add links.doi or links.arxiv to match it")
        if self.unmatched_works:
            lines.append(f"{len(self.unmatched_works)} OpenAlex works match no paper of the site "
                         f"(most cited first):")
            for work in sorted(self.unmatched_works, key=lambda w: (-_count(w), _title(w))):
                lines.append(f"  {author_short_id(work.get('id', ''))} ({_count(work)} citations, "
                             f"{work.get('publication_year') or 'no year'}) {_title(work)}")
        return lines


def match_works(works: list[dict[str, Any]], papers: list[PaperKeys]) -> Matching:
    """Match each work to one paper: by DOI, else arXiv id, else normalized title.

    A work that fits several papers by its best rule is ambiguous and counts for none of them.
    A paper that several works fit keeps the work matched by the strongest rule; when several
    tie (a preprint and its published version, say), it takes the highest count.
    """
    index: dict[str, dict[str, list[PaperKeys]]] = {rule: {} for rule in RULES}
    for paper in papers:
        for doi in paper.dois:
            index["DOI"].setdefault(doi, []).append(paper)
        for arxiv in paper.arxiv_ids:
            index["arXiv id"].setdefault(arxiv, []).append(paper)
        if paper.title:
            index["title"].setdefault(paper.title, []).append(paper)

    result = Matching()
    claims: dict[str, list[tuple[int, dict[str, Any]]]] = {}   # slug -> (rule rank, work)
    for work in works:
        dois, arxiv, title = work_keys(work)
        keys = {"DOI": dois, "arXiv id": arxiv, "title": {title} if title else set()}
        for rank, rule in enumerate(RULES):
            found = {p.slug: p for key in keys[rule] for p in index[rule].get(key, [])}
            if len(found) == 1:
                claims.setdefault(next(iter(found)), []).append((rank, work))
                break
            if len(found) > 1:
                result.notes.append(
                    f"ambiguous: OpenAlex work {author_short_id(work.get('id', ''))} "
                    f"\"{_title(work)}\" matches {len(found)} papers by {rule} "
                    f"({', '.join(sorted(found))}); it counts for none of them")
                break
        else:
            result.unmatched_works.append(work)

    for paper in papers:
        options = claims.get(paper.slug)
        if not options:
            result.unmatched_papers.append(paper)
            continue
        best = min(rank for rank, _ in options)
        tied = [w for rank, w in options if rank == best]
        chosen = max(tied, key=_count)
        if len(tied) > 1:
            listed = ", ".join(f"{author_short_id(w.get('id', ''))} ({_count(w)})" for w in tied)
            result.notes.append(f"ambiguous: {len(tied)} OpenAlex works match {paper.slug} by "
                                f"{RULES[best]}: {listed}; using the highest count, "
                                f"{_count(chosen)}")
        result.counts[paper.slug] = _count(chosen)
        result.rule_of[paper.slug] = RULES[best]
    return result


def _count(work: dict[str, Any]) -> int:
    value = work.get("cited_by_count")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _title(work: dict[str, Any]) -> str:
    return str(work.get("display_name") or work.get("title") or "(untitled)")


# --- the data file ---------------------------------------------------------------------------

def citation_data(author: dict[str, Any], matching: Matching, source: str,
                  today: dt.date | None = None) -> CitationData:
    stats = author.get("summary_stats") if isinstance(author.get("summary_stats"), dict) else {}
    summary: dict[str, Any] = {"id": author["id"]}
    if isinstance(author.get("display_name"), str):
        summary["display_name"] = author["display_name"]
    for key, value in (("works_count", author.get("works_count")),
                       ("cited_by_count", author.get("cited_by_count")),
                       ("h_index", stats.get("h_index")), ("i10_index", stats.get("i10_index"))):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            summary[key] = value
    return CitationData(today or dt.date.today(), source, summary, dict(matching.counts),
                        citations_per_year(author.get("counts_by_year")))


def citations_per_year(counts_by_year: Any) -> tuple[tuple[int, int], ...]:
    """year -> citations from `counts_by_year`. OpenAlex leaves out years with nothing, so the
    gaps between the first and last year listed are filled with 0 (a chart needs every year)."""
    found: dict[int, int] = {}
    for item in counts_by_year or []:
        if isinstance(item, dict) and isinstance(item.get("year"), int):
            count = item.get("cited_by_count")
            found[item["year"]] = count if isinstance(count, int) and count >= 0 else 0
    if not found:
        return ()
    return tuple((year, found.get(year, 0)) for year in range(min(found), max(found) + 1))


def describe_author(data: CitationData) -> str:
    s = data.summary
    figures = ", ".join(f"{s[key]} {label}" for key, label in
                        (("works_count", "works"), ("cited_by_count", "citations"),
                         ("h_index", "h-index"), ("i10_index", "i10-index")) if key in s)
    return f"OpenAlex author {s.get('display_name', '')} ({s['id']}): {figures}"


def write_metrics(content: Path, new: CitationData, dry_run: bool) -> int:
    """Write content/metrics.yml when its data changed (the fetch date alone is no change);
    with `dry_run`, print the differences instead."""
    path = content / FILENAME
    shown = display_path(path)
    old_text = path.read_text(encoding="utf-8") if path.is_file() else ""
    old, problems = read_citation_data(content)
    if path.is_file() and not problems and same_data(old, new):
        print(f"{shown} is up to date (only the fetch date would change); not rewritten.")
        return 0
    for p in problems:
        print(f"{p} (the file will be regenerated)")
    new_text = render_citation_data(new)
    if dry_run:
        sys.stdout.writelines(difflib.unified_diff(
            old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
            fromfile=f"a/{shown}", tofile=f"b/{shown}"))
        print(f"Dry run: {shown} was not written.")
        return 0
    write_atomically(path, new_text)
    print(f"Wrote {shown}.")
    return 0


# --- HTTP ------------------------------------------------------------------------------------

class FetchError(Exception):
    """A request that failed for good: the message says which one and why."""


@dataclass
class Client:
    """A small OpenAlex client: urllib, a timeout, bounded retries with exponential backoff
    that honour Retry-After. The API key is sent but kept out of every message."""

    base_url: str = DEFAULT_API_URL
    email: str | None = None
    api_key: str | None = None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_environment(cls, email: str | None) -> "Client":
        env = os.environ
        return cls(base_url=(env.get("OPENALEX_API_URL") or DEFAULT_API_URL).rstrip("/"),
                   email=email, api_key=env.get("OPENALEX_API_KEY") or None,
                   timeout=_env_number("OPENALEX_TIMEOUT", 30.0),
                   retries=int(_env_number("OPENALEX_RETRIES", 3)),
                   backoff=_env_number("OPENALEX_BACKOFF", 1.0))

    def author(self, author: str) -> dict[str, Any]:
        """GET /authors/<id or orcid:...>: the author object."""
        data = self.get_json(f"/authors/{urllib.parse.quote(author, safe=':')}", {},
                             what=f"author {author}")
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) \
                or not AUTHOR_ID_RE.match(data["id"]):
            raise FetchError(f"OpenAlex answered the author request for {author} with something "
                             f"that is not an author object (no `id` of the form "
                             f"https://openalex.org/A...)")
        return data

    def works(self, author_id: str) -> list[dict[str, Any]]:
        """Every work of the author, by cursor paging. Raises FetchError if any page fails,
        so a partial list is never used."""
        works: list[dict[str, Any]] = []
        cursor, seen = "*", set()
        for page in range(1, MAX_PAGES + 1):
            params = {"filter": f"author.id:{author_id}", "select": WORK_FIELDS,
                      "per_page": str(PER_PAGE), "cursor": cursor}
            data = self.get_json("/works", params, what=f"works page {page}")
            meta = data.get("meta") if isinstance(data, dict) else None
            results = data.get("results") if isinstance(data, dict) else None
            if not isinstance(meta, dict) or not isinstance(results, list) \
                    or not all(isinstance(w, dict) for w in results):
                raise FetchError(f"OpenAlex answered works page {page} without the documented "
                                 f"`meta` object and `results` list")
            works += results
            cursor = meta.get("next_cursor")
            if not results or not cursor:
                return works
            if not isinstance(cursor, str) or cursor in seen:
                raise FetchError(f"OpenAlex returned a repeated or invalid next_cursor on works "
                                 f"page {page}; stopped to avoid looping")
            seen.add(cursor)
        raise FetchError(f"the author has more than {MAX_PAGES * PER_PAGE} works; stopped paging")

    def get_json(self, path: str, params: dict[str, str], what: str) -> Any:
        """GET with retries on timeouts, connection errors, 429, 5xx and malformed JSON."""
        query = dict(params)
        if self.email:
            query["mailto"] = self.email
        if self.api_key:
            query["api_key"] = self.api_key
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json",
                   "User-Agent": f"scholarsite/{__version__}"
                                 + (f" (mailto:{self.email})" if self.email else "")}
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            wait: float | None = self.backoff * 2 ** (attempt - 1)
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                            timeout=self.timeout) as response:
                    body = response.read()
                try:
                    return json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    reason = f"the response is not valid JSON ({self._redact(str(exc))})"
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code} {exc.reason}{self._api_message(exc)}"
                if exc.code != 429 and exc.code < 500:
                    raise FetchError(f"OpenAlex refused the request for {what}: {reason}"
                                     f"{self._hint(exc.code)}") from None
                asked = retry_after_seconds(exc.headers.get("Retry-After"))
                if asked is not None:
                    if asked > MAX_RETRY_AFTER:
                        raise FetchError(f"OpenAlex refused the request for {what}: {reason}, "
                                         f"and asks to wait {asked:.0f} s (Retry-After); "
                                         f"try again later") from None
                    wait = asked
            except (TimeoutError, socket.timeout):
                reason = f"no answer within {self.timeout:g} s"
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                cause = getattr(exc, "reason", exc)
                reason = f"connection failed ({self._redact(str(cause))})"
            if attempt == attempts:
                break
            self.sleep(wait)
        raise FetchError(f"OpenAlex request for {what} failed: {reason} "
                         f"({attempts} attempt{'s' if attempts != 1 else ''} at "
                         f"{self._redact(self.base_url + path)})")

    def _api_message(self, exc: urllib.error.HTTPError) -> str:
        """The `message` (or `error`) of OpenAlex's JSON error body, when there is one."""
        try:
            body = json.loads(exc.read().decode("utf-8"))
        except Exception:  # any unreadable body: the status line says enough
            return ""
        text = body.get("message") or body.get("error") if isinstance(body, dict) else None
        return f": {self._redact(str(text))}" if text else ""

    def _hint(self, status: int) -> str:
        if status == 404:
            return "; check `openalex` in content/site.yml"
        if status in (401, 403) and not self.api_key:
            return ("; OpenAlex may require an API key: get a free one at "
                    "https://openalex.org/settings/api and set OPENALEX_API_KEY")
        return ""

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def author_short_id(openalex_id: str) -> str:
    """"https://openalex.org/A5023888391" -> "A5023888391" (works ids alike)."""
    return str(openalex_id).rstrip("/").rsplit("/", 1)[-1]


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SiteError([problem("environment", None, name,
                                 f"expected a number, found {value!r}")]) from None
    if number < 0:
        raise SiteError([problem("environment", None, name, f"expected a number >= 0, found {value!r}")])
    return number
