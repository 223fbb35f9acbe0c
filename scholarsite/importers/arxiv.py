"""Read an arXiv API response: the Atom feed `export.arxiv.org/api/query` returns.

Each `<entry>` is one paper: title, authors, first-version date (`<published>`), primary
category (`arxiv:primary_category`), abstract (`<summary>`), arXiv id (from `<id>`, without
its version), the PDF link, `arxiv:doi`, and `arxiv:journal_ref` as the venue; code URLs are
looked for in `arxiv:comment` and the abstract. The file is parsed with ElementTree, fed by
expat so that each entry keeps its line for messages. No network is used.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from .. import fields as F
from ..categories import code_from_arxiv
from ..errors import Problem, SiteError, problem, warning
from .bibtex import decode
from .links import (category_option, arxiv_url, category_of_arxiv_id, code_urls_in, doi_url, parse_arxiv_id,
                    parse_doi)
from .records import ImportOptions, ImportResult, PaperRecord

FORMAT = "arXiv Atom"
DESCRIPTION = "an arXiv API response (an Atom <feed> from export.arxiv.org/api/query)"

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
NS = {"atom": ATOM, "arxiv": ARXIV, "opensearch": OPENSEARCH}
ERROR_ID = re.compile(r"^https?://arxiv\.org/api/errors", re.IGNORECASE)


def looks_like(path: Path, text: str) -> bool:
    """An Atom feed: `<feed` in the Atom namespace near the top."""
    head = text[:2000]
    return "<feed" in head and ATOM in head


def read(path: Path, text: str, options: ImportOptions) -> ImportResult:
    """Every entry as a PaperRecord; raise SiteError listing every defect found."""
    default = category_option(options.category)
    try:
        root, lines = parse(text)
    except expat.ExpatError as exc:
        raise SiteError([problem(path, exc.lineno, None,
                                 f"not well-formed XML: {expat.ErrorString(exc.code)} "
                                 f"(column {exc.offset + 1})")]) from None
    if root.tag != f"{{{ATOM}}}feed":
        raise SiteError([problem(path, lines.get(root, 1), None,
                                 f"expected an Atom <feed>, found <{_local(root.tag)}>")])
    problems: list[Problem] = []
    notes: list[Problem] = []
    entries = root.findall("atom:entry", NS)
    records = []
    for entry in entries:
        record = read_entry(path, lines.get(entry, 1), entry, default, problems)
        if record is not None:
            records.append(record)
    if not entries:
        problems.append(problem(path, lines.get(root, 1), None,
                                "the feed holds no <entry>: nothing to import"))
    total = _int(root.findtext("opensearch:totalResults", None, NS))
    if total is not None and entries and total > len(entries):
        notes.append(warning(path, lines.get(root, 1), None,
                             f"the query matched {total} papers but this response holds "
                             f"{len(entries)}; fetch the rest with start= and max_results="))
    if problems:
        raise SiteError(problems)
    return ImportResult(Path(path), FORMAT, records, None, notes)


def parse(text: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The XML tree, and the line each element starts on (ElementTree alone keeps none)."""
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate(namespace_separator="}")

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})
        lines[element] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_clark(tag))
    parser.CharacterDataHandler = builder.data
    parser.Parse(text.lstrip("\ufeff").encode("utf-8"), True)
    return builder.close(), lines


def _clark(name: str) -> str:
    """expat's `uri}local` as ElementTree's `{uri}local`."""
    return "{" + name if "}" in name else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _int(text: str | None) -> int | None:
    return int(text.strip()) if text and text.strip().isdigit() else None


def one_line(text: str | None) -> str:
    """The API wraps titles and names over lines with indentation: one line, single spaces."""
    return " ".join((text or "").split())


def author_name(text: str | None) -> str:
    """A name, with the TeX accents older arXiv records hold (`M\\"uller`) decoded."""
    name = one_line(text)
    return one_line(decode(name)) if "\\" in name else name


def paragraphs(text: str | None) -> str:
    """An abstract: each paragraph on one line; a blank line between paragraphs."""
    parts = re.split(r"\n\s*\n", (text or "").strip())
    return "\n\n".join(p for p in map(one_line, parts) if p)


def read_entry(path: Path, line: int, entry: ET.Element, default: str | None,
               problems: list[Problem]) -> PaperRecord | None:
    """One `<entry>` -> a PaperRecord, or None with its problems added."""
    before = len(problems)

    def error(field_name: str | None, message: str) -> None:
        problems.append(problem(path, line, field_name, message))

    ident = one_line(entry.findtext("atom:id", "", NS))
    if ERROR_ID.match(ident):
        error(None, "the arXiv API answered with an error: "
                    f"{one_line(entry.findtext('atom:summary', '', NS)) or ident}")
        return None
    arxiv_id = parse_arxiv_id(ident)
    if arxiv_id is None:
        error("id", f"expected an arXiv abstract URL such as http://arxiv.org/abs/2205.03340v2, "
                    f"found {ident!r}")
    title = one_line(entry.findtext("atom:title", "", NS))
    if not title:
        error("title", "no <title>")
    authors = [author_name(a.findtext("atom:name", "", NS))
               for a in entry.findall("atom:author", NS)]
    if not authors or not all(authors):
        error("author", "every <author> needs a <name>" if authors else "no <author>")
    date = _date(entry.findtext("atom:published", "", NS), error)
    category, defaulted = _category(entry, arxiv_id, default, error)
    if len(problems) > before:
        return None
    abstract = paragraphs(entry.findtext("atom:summary", "", NS))
    comment = one_line(entry.findtext("arxiv:comment", "", NS))
    links = {"arxiv": arxiv_url(arxiv_id)}
    pdf = next((link.get("href") for link in entry.findall("atom:link", NS)
                if link.get("title") == "pdf" and link.get("href")), None)
    if pdf:
        links["pdf"] = pdf
    doi = parse_doi(entry.findtext("arxiv:doi", "", NS))
    if doi:
        links["doi"] = doi_url(doi)
    venue = one_line(entry.findtext("arxiv:journal_ref", "", NS)) or None
    code = list(dict.fromkeys(code_urls_in(comment) + code_urls_in(abstract)))
    return PaperRecord(title=title, authors=authors, date=date, category=category, code=code,
                       links=links, venue=venue, abstract=abstract, source=path, line=line,
                       category_defaulted=defaulted)


def _date(text: str, error) -> dt.date:
    """`<published>` (the first version): `2022-05-06T17:59:59Z` -> 2022-05-06."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        error("published", f"expected a date such as 2022-05-06T17:59:59Z, found {text.strip()!r}")
        return dt.date(1970, 1, 1)


def _category(entry: ET.Element, arxiv_id: str | None, default: str | None,
              error) -> tuple[str, bool]:
    """arxiv:primary_category, else an old-style id's archive, else --category."""
    primary = entry.find("arxiv:primary_category", NS)
    term = (primary.get("term") or "").strip() if primary is not None else ""
    if term:
        code = code_from_arxiv(term)
        if F.CATEGORY_RE.match(code):
            return code, False
        error("primary_category", f"expected an arXiv category such as cs.LG, found {term!r}")
        return "", False
    if arxiv_id and (code := category_of_arxiv_id(arxiv_id)):
        return code, False
    if default:
        return default, True
    error(None, "no category: the entry has no <arxiv:primary_category>; pass --category CODE")
    return "", False
