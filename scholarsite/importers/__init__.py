"""`import FILE`: read a profile dump (and, later, BibTeX or arXiv Atom) into `content/`.

Each importer module turns its format into neutral records (`records.py`); `writer.py` writes
them. This module picks the importer by looking at the file, runs it, writes, and prints the
summary. Nothing is written unless the whole file was read without a problem.
"""
from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import SiteError, UsageError, display_path, problem
from ..frontmatter_yaml import read_text
from . import arxiv, bibtex, profile_dump
from .records import ImportOptions, ImportResult, PaperRecord, ProfileRecord
from .writer import Summary, write_import, write_papers

__all__ = ["FORMATS", "Format", "ImportOptions", "ImportResult", "PaperRecord", "ProfileRecord",
           "detect_format", "read_file", "run", "write_import", "write_papers"]


@dataclass(frozen=True)
class Format:
    """An importable format: how to recognize its text, and its reader."""

    name: str
    description: str
    looks_like: Callable[[Path, str], bool]
    read: Callable[[Path, str, ImportOptions], ImportResult]


# One line per format, most specific first: each module offers FORMAT, DESCRIPTION,
# looks_like(path, text) and read(path, text, options).
FORMATS: tuple[Format, ...] = (
    Format(arxiv.FORMAT, arxiv.DESCRIPTION, arxiv.looks_like, arxiv.read),
    Format(bibtex.FORMAT, bibtex.DESCRIPTION, bibtex.looks_like, bibtex.read),
    Format(profile_dump.FORMAT, profile_dump.DESCRIPTION, profile_dump.looks_like,
           profile_dump.read),
)


def detect_format(path: Path, text: str) -> Format:
    """The format of `text`, or a SiteError naming the formats we can read."""
    if not text.strip():
        raise SiteError([problem(path, 1, None, "the file is empty: nothing to import")])
    for fmt in FORMATS:
        if fmt.looks_like(path, text):
            return fmt
    expected = "; ".join(f.description for f in FORMATS)
    raise SiteError([problem(path, 1, None,
                             f"not a format scholarsite can import; expected {expected}")])


def read_file(path: Path, options: ImportOptions) -> ImportResult:
    """Read and parse a source file completely; raise SiteError on any defect."""
    if not path.is_file():
        raise SiteError([problem(path, None, None, "file not found")])
    text, problems = read_text(path)
    if text is None:
        raise SiteError(problems)
    return detect_format(path, text).read(path, text, options)


def run(args: argparse.Namespace) -> int:
    as_of = parse_as_of(args.as_of)
    result = read_file(Path(args.file), ImportOptions(as_of=as_of, category=args.category))
    summary = write_import(result, Path(args.content), force=args.force, dry_run=args.dry_run)
    for line in report(result, summary):
        print(line)
    return 0


def parse_as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of expects a date YYYY-MM-DD, found {value!r}") from None


def report(result: ImportResult, summary: Summary) -> list[str]:
    """The file-by-file actions, then the summary: papers, code links, flagged without URL."""
    would = "would " if summary.dry_run else ""
    lines = [f"{would}{'create' if summary.dry_run else 'created'} {display_path(p)}"
             for p in summary.created]
    lines += [f"{would}{'overwrite' if summary.dry_run else 'overwrote'} {display_path(p)}"
              for p in summary.overwritten]
    lines += [f"{would}{'skip' if summary.dry_run else 'skipped'} {display_path(p)}: it exists "
              "and differs (--force overwrites it)" for p in summary.skipped]
    counts = [f"{summary.count('paper', summary.created)} new"]
    if summary.overwritten:
        counts.append(f"{summary.count('paper', summary.overwritten)} overwritten")
    counts += [f"{summary.count('paper', summary.unchanged)} unchanged",
               f"{summary.count('paper', summary.skipped)} skipped"]
    lines += [str(w) for w in result.warnings + summary.warnings]
    lines.append(f"{display_path(result.source)}: {len(result.papers)} papers "
                 f"({result.format}): {', '.join(counts)}")
    states = {p: state for state, paths in (("new", summary.created),
                                            ("overwritten", summary.overwritten),
                                            ("unchanged", summary.unchanged),
                                            ("skipped", summary.skipped)) for p in paths}
    others = [f"{display_path(p)} {states[p]}" for p, kind in summary.kinds.items()
              if kind != "paper"]
    if others:
        lines.append("profile: " + ", ".join(others))
    flagged = [p for p in result.papers if p.code or p.code_flagged_missing]
    with_url = [p for p in result.papers if p.code]
    missing = [p for p in result.papers if p.code_flagged_missing]
    lines.append(f"code links found: {sum(len(p.code) for p in with_url)} in {len(with_url)} "
                 + (f"of {len(flagged)} papers flagged \"Code\"" if missing
                    else f"of {len(result.papers)} papers"))
    if missing:
        lines.append(f"flagged \"Code\" without a URL in the text ({len(missing)}; no code link "
                     "written, a comment marks the place):")
        lines += [f"  {display_path(p.source)}:{p.line}: {p.title}" for p in missing]
    lines += completed_dates(result.papers)
    if summary.dry_run:
        lines.append("dry run: nothing was written")
    elif not summary.changed:
        lines.append("nothing changed: every file already matches the import"
                     + ("" if not summary.skipped else " or was kept"))
    return lines


def completed_dates(papers: list[PaperRecord]) -> list[str]:
    """The note on dates the source gave without a day (or month), completed to the 1st."""
    no_day = [p for p in papers if p.date_precision != "day"]
    if not no_day:
        return []
    no_month = sum(1 for p in no_day if p.date_precision == "year")
    return [f"dates completed to the 1st: {len(no_day)} of {len(papers)} papers had no day"
            + (f" ({no_month} had only a year: January 1st)" if no_month else "")
            + "; edit `date:` where you know it"]
