"""Identifiers and links the BibTeX and arXiv importers find in their sources.

arXiv ids (new style `2205.03340`, old style `hep-th/9901001`, with or without a version),
DOIs, the category an old-style id names, and code repositories: URLs on a code host found
in free text such as a BibTeX `note` or an arXiv comment.
"""
from __future__ import annotations

import re
import urllib.parse

from ..categories import code_from_arxiv
from ..errors import UsageError
from ..fields import CATEGORY_RE

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID_RE = re.compile(rf"^(?:arxiv:\s*)?(?P<id>{_NEW_ID}|{_OLD_ID})(?:v\d+)?$", re.IGNORECASE)
ARXIV_URL_RE = re.compile(
    rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>{_NEW_ID}|{_OLD_ID})"
    r"(?:v\d+)?(?:\.pdf)?/?$", re.IGNORECASE)
DOI_RE = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(?P<doi>10\.\d{4,9}/\S+)$",
                    re.IGNORECASE)
URL_IN_TEXT_RE = re.compile(r"https?://[^\s{}<>\[\]()\"'\\]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?"
# Where source code lives; a project page on github.io is not code.
CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sourceforge.net",
              "git.sr.ht")


def parse_arxiv_id(text: str | None) -> str | None:
    """`2205.03340` from `2205.03340v2`, `arXiv:2205.03340` or an arxiv.org abs/pdf URL."""
    if not text:
        return None
    text = text.strip()
    m = ARXIV_ID_RE.match(text) or ARXIV_URL_RE.match(text)
    if not m:
        return None
    ident = m["id"]
    # Old-style archives are lower case, their subject classes upper case: math.GT/0309136.
    if "/" in ident:
        archive, _, number = ident.partition("/")
        name, dot, subject = archive.partition(".")
        return f"{name.lower()}{dot}{subject.upper()}/{number}"
    return ident


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def category_of_arxiv_id(arxiv_id: str) -> str | None:
    """The category an old-style id names (`hep-th/9901001` -> HEP-TH); new-style ids name none."""
    archive, slash, _ = arxiv_id.partition("/")
    return code_from_arxiv(archive) if slash else None


def parse_doi(text: str | None) -> str | None:
    """`10.1109/x.2020.1` from a bare DOI, `doi:...` or a doi.org URL."""
    if not text:
        return None
    m = DOI_RE.match(urllib.parse.unquote(text.strip()))
    return m["doi"] if m else None


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def urls_in(text: str) -> list[str]:
    """Every http(s) URL in free text, without the sentence punctuation that follows it."""
    found = (m.group(0).rstrip(TRAILING_PUNCTUATION) for m in URL_IN_TEXT_RE.finditer(text))
    return list(dict.fromkeys(u for u in found if "://" in u and u.split("://", 1)[1]))


def is_code_url(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in CODE_HOSTS) and \
        urllib.parse.urlsplit(url).path.strip("/") != ""


def code_urls_in(text: str) -> list[str]:
    """The code-host URLs in free text, in order, each once."""
    return [u for u in urls_in(text) if is_code_url(u)]


def category_option(value: str | None) -> str | None:
    """The --category default as a code: `cs.LG` and `LG` -> LG; a usage error if not one."""
    if value is None:
        return None
    code = code_from_arxiv(value)
    if not CATEGORY_RE.match(code):
        raise UsageError(f"--category expects an arXiv-style code such as LG, CV, QUANT-PH "
                         f"or cs.LG, found {value!r}")
    return code
