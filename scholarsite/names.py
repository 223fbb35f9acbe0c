"""Author-name matching for highlighting the site owner in author lists."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1 << 16)   # author names repeat across papers and listings
def name_key(name: str) -> str:
    """A comparable form: accents folded, case folded, "Last, First" turned around, dots and
    hyphens as spaces. "Tian, Xinmei" and "xinmei  tian" give the same key."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    return " ".join(re.sub(r"[.\-‐]", " ", text).split())


class Highlighter:
    """Decides whether an author is one of the profile's names (aliases and initials forms are
    listed by the user in `highlight`; we do not guess initials, to avoid false matches)."""

    def __init__(self, names: tuple[str, ...] | list[str]):
        self.keys = frozenset(name_key(n) for n in names if n.strip())

    def __call__(self, author: str) -> bool:
        return name_key(author) in self.keys
