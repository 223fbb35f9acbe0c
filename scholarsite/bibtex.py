"""BibTeX entries generated from a paper's frontmatter.

One entry per paper, as Google Scholar and arXiv write them: a key such as `lu2022prompt`,
`@inproceedings` with the venue as `booktitle` for conferences, `@article` with the venue as
`journal` for journals, and `@article` with `journal = {arXiv preprint arXiv:<id>}` when there is
no venue. LaTeX in titles (`$...$`, `\\'e`) is kept; BibTeX's specials elsewhere are escaped;
capitals are braced so bibliography styles keep them.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache

from .categories import arxiv_class
from .markup import INLINE_MATH
from .metadata import arxiv_id, doi, venue_kind
from .models import Paper

__all__ = ["MONTHS", "arxiv_id", "assign_keys", "base_key", "entry", "escape", "key_base",
           "protect_capitals"]

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Characters BibTeX or LaTeX treat specially outside math, and how to write them literally.
_SPECIAL = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
            "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_SPECIAL_TABLE = str.maketrans(_SPECIAL)
_ANY_SPECIAL = re.compile("[" + re.escape("".join(_SPECIAL)) + "]")
_STOP = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards", "toward",
         "from", "by", "at", "is", "are", "via", "do", "does", "how", "what", "when", "why"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def ascii_fold(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii())


def surname(author: str) -> str:
    """"Yuning Lu" -> "Lu", "Lu, Yuning" -> "Lu", "Martin Luther King Jr." -> "King"."""
    if "," in author:
        return author.split(",")[0].strip()
    words = author.split()
    while len(words) > 1 and words[-1].strip(".").lower() in _SUFFIXES:
        words.pop()
    return words[-1] if words else ""


_NOT_KEY_CHAR = re.compile(r"[^a-z0-9]")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z0-9]+")


def base_key(paper: Paper) -> str:
    """surname + year + first significant title word, e.g. lu2022prompt: `key_base` of the
    paper, which parsing it worked out (in the parse workers of a large build, not while the
    pages are planned)."""
    return paper.bib_base or key_base(paper.authors, paper.title, paper.year)


def key_base(authors: tuple[str, ...] | list[str], title: str, year: int) -> str:
    """The base key of a paper with these authors, title and year."""
    name = _NOT_KEY_CHAR.sub("", ascii_fold(surname(authors[0]) if authors else "").lower())
    title = ascii_fold(INLINE_MATH.sub(" ", title) if "$" in title else title)
    if "\\" in title:
        title = _COMMAND.sub(" ", title)
    first = None          # the words are looked at only up to the first significant one
    for m in _WORD.finditer(title):
        word = m.group()
        if word.lower() not in _STOP:
            break
        first = first or word
    else:
        word = first or "paper"
    return (name or "anonymous") + str(year) + word.lower()


def assign_keys(papers: list[Paper], base: Callable[[Paper], str] = base_key) -> dict[str, str]:
    """slug -> key, unique in the site. When keys clash, the oldest paper (then by slug) keeps
    the plain key and the others get b, c, ..., so adding a paper never renames an older one.
    `base` may be a memoized `base_key`."""
    taken: set[str] = set()
    keys: dict[str, str] = {}
    for paper in sorted(papers, key=lambda p: (p.date, p.slug)):
        key = base(paper)
        if key in taken:
            key = next(k for k in _candidates(key) if k not in taken)
        taken.add(key)
        keys[paper.slug] = key
    return keys


def _candidates(key: str) -> Iterator[str]:
    yield key
    letters = "bcdefghijklmnopqrstuvwxyz"
    yield from (key + c for c in letters)
    n = 2
    while True:
        yield f"{key}{n}"
        n += 1


def _split_math(text: str) -> list[tuple[bool, str]]:
    """[(is_math, piece)], with math as `$...$` exactly as the site renders it."""
    if "$" not in text:
        return [(False, text)] if text else []
    pieces: list[tuple[bool, str]] = []
    last = 0
    for m in INLINE_MATH.finditer(text):
        pieces.append((False, text[last:m.start()]))
        pieces.append((True, m.group(0)))
        last = m.end()
    pieces.append((False, text[last:]))
    return [p for p in pieces if p[1]]


def _escape_text(text: str) -> str:
    """Escape specials in text outside math. A backslash starts LaTeX and is kept with the
    character after it (`\\&`, `\\'e`); braces are kept when they pair up, since BibTeX counts
    every brace, and written as commands when they do not."""
    if "\\" not in text and "{" not in text and "}" not in text:
        # The common case, without the loop below. Most titles hold no special at all, and
        # translate() with replacements longer than one character is slow (4 us a title).
        return text.translate(_SPECIAL_TABLE) if _ANY_SPECIAL.search(text) else text
    out: list[str] = []
    unmatched = _unmatched_braces(text)
    i = 0
    while i < len(text):
        c = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if c == "\\" and nxt in ("{", "}"):        # \{ or \}: a literal brace in LaTeX
            i += 1
            c = nxt
            out.append("" if i in unmatched else "\\")
        elif c == "\\" and nxt:
            out.append(c + nxt)
            i += 2
            continue
        if c in "{}" and i in unmatched:
            out.append(r"\textbraceleft{}" if c == "{" else r"\textbraceright{}")
        elif c == "\\":
            out.append(r"\textbackslash{}")
        else:
            out.append(_SPECIAL.get(c, c))
        i += 1
    return "".join(out)


def _unmatched_braces(text: str) -> set[int]:
    stack: list[int] = []
    unmatched: set[int] = set()
    escaped = False
    for i, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\" and i + 1 < len(text) and text[i + 1] not in "{}":
            escaped = True
        elif c == "{":
            stack.append(i)
        elif c == "}":
            if stack:
                stack.pop()
            else:
                unmatched.add(i)
    return unmatched | set(stack)


def escape(text: str) -> str:
    """Escape BibTeX specials outside math; math between $...$ is kept as it is."""
    if "$" not in text:
        return _escape_text(text)
    return "".join(piece if is_math else _escape_text(piece) for is_math, piece in _split_math(text))


_SPACES = re.compile(r"(\s+)")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_CAPITAL = re.compile(r"[A-Z]")
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_AND = re.compile(r"\band\b", re.I)
_primary_class = lru_cache(maxsize=256)(arxiv_class)   # a few categories, asked per paper


def protect_capitals(title: str) -> str:
    """Brace every word holding a capital (BERT, ImageNet, Prompt) and every formula holding
    one, so bibliography styles that lowercase titles keep them. Expects escaped text."""
    out: list[str] = []
    for is_math, piece in _split_math(title):
        if is_math:
            out.append("{" + piece + "}" if _CAPITAL.search(piece) else piece)
            continue
        if ("\\" not in piece and "{" not in piece and "}" not in piece and "  " not in piece
                and piece.isprintable()):
            # Words between single spaces (no other white space is printable), none with a
            # command or a brace: the loop below, in one expression.
            out.append(" ".join([w if _CAPITALS.isdisjoint(w) else "{" + w + "}"
                                 for w in piece.split(" ")]))
            continue
        for word in _SPACES.split(piece):
            if _CAPITALS.isdisjoint(word):
                pass                                        # nothing to protect
            elif "\\" not in word and "{" not in word and "}" not in word:
                word = "{" + word + "}"                     # the common case: a plain word
            else:
                bare = _COMMAND.sub("", word)               # command names are not capitals
                already = word.startswith("{") and word.endswith("}")
                if _CAPITAL.search(bare) and not already and not _unmatched_braces(word):
                    word = "{" + word + "}"
            out.append(word)
    return "".join(out)


@lru_cache(maxsize=1 << 13)   # names repeat: the site owner's is on most entries
def _author(name: str) -> str:
    """One author for the `author` field: "Martin Luther King Jr." as "King, Jr., Martin Luther"
    (BibTeX's form for a suffix); a name holding the word "and" braced whole."""
    words = name.split()
    if "," not in name and len(words) > 2 and words[-1].strip(".").lower() in _SUFFIXES:
        name = f"{words[-2]}, {words[-1]}, {' '.join(words[:-2])}"
    text = escape(name.strip())
    return "{" + text + "}" if _AND.search(text) else text


def entry(paper: Paper, key: str, url: str | None) -> str:
    """One BibTeX entry for a paper; `url` is its page (absolute) or None without base_url."""
    authors = " and ".join(_author(a) for a in paper.authors)
    if paper.et_al:
        authors += " and others"
    fields: list[tuple[str, str]] = [("title", protect_capitals(escape(paper.title))),
                                     ("author", authors)]
    aid = arxiv_id(paper)
    kind = venue_kind(paper.venue)
    if kind == "conference":
        entry_type = "inproceedings"
        fields.append(("booktitle", escape(paper.venue.strip())))
    else:
        entry_type = "article"
        fields.append(("journal", escape(paper.venue.strip()) if kind == "journal" else
                       f"arXiv preprint arXiv:{aid}" if aid else "arXiv preprint"))
    fields += [("year", str(paper.year)), ("month", MONTHS[paper.date.month - 1])]
    url = url or (f"https://arxiv.org/abs/{aid}" if aid else None)
    if url:
        fields.append(("url", url))
    if paper_doi := doi(paper):
        fields.append(("doi", paper_doi))
    if aid:
        fields += [("eprint", aid), ("archivePrefix", "arXiv")]
        if primary := _primary_class(paper.category):
            fields.append(("primaryClass", primary))
    width = max(len(k) for k, _ in fields)
    body = ",\n".join(f"  {k.ljust(width)} = {v if k == 'month' else '{' + v + '}'}" for k, v in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"
