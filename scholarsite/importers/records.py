"""The neutral records every importer yields and the writer turns into content files.

An importer (profile dump, BibTeX, arXiv Atom) knows its source format and nothing about
`content/`; the writer knows `content/` and nothing about source formats. These dataclasses
are all that passes between them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem


@dataclass(frozen=True)
class ImportOptions:
    """What the command line tells every importer."""

    as_of: dt.date                  # the source's date: dates without a year end on or before it
    category: str | None = None     # the category for entries whose source names none


@dataclass
class PaperRecord:
    """One paper as read from a source, before it becomes `content/papers/<slug>.md`.

    Field names match `fields.PAPER_FIELDS`; `source` and `line` say where it came from so a
    message can point there. `code_flagged_missing` marks a paper the source flags as having
    code although no URL for it is in the text: the writer leaves a comment, never a URL.
    """

    title: str
    authors: list[str]
    date: dt.date
    category: str
    et_al: bool = False
    code: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    venue: str | None = None
    citations: int | None = None
    affiliation: str | None = None
    selected: bool = False
    tags: list[str] = field(default_factory=list)
    abstract: str = ""              # the Markdown body, LaTeX left as it is
    code_flagged_missing: bool = False
    source: Path | str = ""
    line: int | None = None
    # What the source did not say, so a re-import never overrides an existing paper with it:
    # "day" when the source gives the whole date; "month" or "year" when the rest was
    # completed to the 1st (the summary counts them); the category came from --category.
    date_precision: str = "day"
    category_defaulted: bool = False


@dataclass
class ProfileRecord:
    """The person a source describes: becomes `content/profile.md` and the site title."""

    name: str
    metrics: list[tuple[str, int | float | str]] = field(default_factory=list)
    highlight: list[str] = field(default_factory=list)
    source: Path | str = ""
    line: int | None = None


@dataclass
class ImportResult:
    """Everything one source file holds."""

    source: Path
    format: str
    papers: list[PaperRecord] = field(default_factory=list)
    profile: ProfileRecord | None = None
    warnings: list[Problem] = field(default_factory=list)   # worth saying; nothing is wrong
