"""BibTeX entries generated from a paper's frontmatter."""
from __future__ import annotations

import re
import unicodedata

from .models import Paper

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ARXIV_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/[0-9]{7})")
_SPECIAL = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_"}
_STOP = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards", "toward"}


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii())


def arxiv_id(paper: Paper) -> str | None:
    """The arXiv id from the paper's `links` (arxiv or pdf), without a version."""
    for _, url in paper.links:
        m = _ARXIV_ID.search(url)
        if m:
            return re.sub(r"v\d+$", "", m.group(1))
    return None


def base_key(paper: Paper) -> str:
    """surname + year + first significant title word, e.g. lu2022prompt."""
    first = paper.authors[0] if paper.authors else "anonymous"
    surname = first.split(",")[0] if "," in first else first.split()[-1]
    words = [w for w in re.findall(r"[A-Za-z0-9]+", ascii_fold(re.sub(r"\$[^$]*\$", " ", paper.title)))]
    word = next((w for w in words if w.lower() not in _STOP), words[0] if words else "paper")
    return (re.sub(r"[^a-z0-9]", "", ascii_fold(surname).lower()) or "anon") + str(paper.year) + word.lower()


def assign_keys(papers: list[Paper]) -> dict[str, str]:
    """slug -> unique key; clashes get a, b, c ... in the papers' (date, slug) order."""
    by_key: dict[str, list[Paper]] = {}
    for p in sorted(papers, key=lambda p: (p.date, p.slug)):
        by_key.setdefault(base_key(p), []).append(p)
    keys: dict[str, str] = {}
    for key, group in by_key.items():
        for i, p in enumerate(group):
            keys[p.slug] = key if len(group) == 1 else f"{key}{chr(ord('a') + i)}"
    return keys


def escape(text: str) -> str:
    """Escape BibTeX specials outside math; math between $...$ is kept as it is."""
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(p if p.startswith("$") and p.endswith("$") and len(p) > 1
                   else "".join(_SPECIAL.get(c, c) for c in p) for p in parts)


def protect_capitals(title: str) -> str:
    """Brace every word holding a capital (BERT, ImageNet, Prompt) so styles keep its case;
    math between $...$ is left alone."""
    parts = re.split(r"(\$[^$]*\$)", title)
    return "".join(part if part.startswith("$") and len(part) > 1
                   else re.sub(r"[^\s{}]*[A-Z][^\s{}]*", lambda m: "{" + m.group(0) + "}", part)
                   for part in parts)


def entry(paper: Paper, key: str, url: str | None) -> str:
    """One BibTeX entry for a paper."""
    authors = " and ".join(escape(a) for a in paper.authors)
    if paper.et_al:
        authors += " and others"
    fields: list[tuple[str, str]] = [("title", "{" + protect_capitals(escape(paper.title)) + "}"),
                                     ("author", authors)]
    aid = arxiv_id(paper)
    if paper.venue:
        kind = "inproceedings"
        fields.append(("booktitle", escape(paper.venue)))
    else:
        kind = "article"
        fields.append(("journal", f"arXiv preprint arXiv:{aid}" if aid else "arXiv preprint"))
    fields += [("year", str(paper.year)), ("month", MONTHS[paper.date.month - 1])]
    if url:
        fields.append(("url", url))
    if aid:
        fields += [("eprint", aid), ("archivePrefix", "arXiv"), ("primaryClass", paper.category)]
    width = max(len(k) for k, _ in fields)
    body = ",\n".join(f"  {k.ljust(width)} = {v if k == 'month' else '{' + v + '}'}" for k, v in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"
