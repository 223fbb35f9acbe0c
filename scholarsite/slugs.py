"""File-name slugs for papers: lowercase ASCII letters, digits and single hyphens, <= 80 chars."""
from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_LENGTH and bool(SLUG_RE.match(slug))


def slugify(title: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The slug for a title, cut at a word boundary, made unique against `taken` with -2, -3 ...

    LaTeX commands and math delimiters are dropped; accents are folded to ASCII.
    """
    text = re.sub(r"\\[a-zA-Z]+", " ", title)
    # Punctuation such as an en dash separates words; only accents are folded away.
    text = "".join(c if c.isalnum() or unicodedata.combining(c) else " "
                   for c in unicodedata.normalize("NFKD", text))
    text = text.encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", text.lower())
    base = _cut(words, MAX_LENGTH) or "paper"
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = _cut(base.split("-"), MAX_LENGTH - len(suffix)) + suffix
        n += 1
    return slug


def _cut(words: list[str], limit: int) -> str:
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    if not out and words:
        out = words[0][:limit]
    return out
