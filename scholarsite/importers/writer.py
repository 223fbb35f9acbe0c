"""Write imported records into `content/`: papers/<slug>.md, profile.md and site.yml.

One writer for every importer. It plans every file first (text, and whether the file is new,
unchanged or different), validates the records against `fields.py`, and only then writes; a
rejected import writes nothing. A file whose bytes already match is not touched (its mtime
stays), and a file that exists with other content is kept unless `force`.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import fields as F
from ..errors import Problem, SiteError, problem
from ..frontmatter_yaml import parse_yaml, read_document
from ..slugs import slugify
from .records import ImportResult, PaperRecord, ProfileRecord

PAPERS_DIR = "papers"
PROFILE_FILE = "profile.md"
SITE_FILE = "site.yml"
CODE_MISSING_COMMENT = '# code: flagged "Code" in the source, but no URL was found in the text'
BIO_PLACEHOLDER = ("<!-- The imported profile holds no biography. Write yours here in Markdown: "
                   "position, research interests, contact. -->")
# The same modeline `check --write-schemas` expects, so editors validate site.yml as typed.
SITE_SCHEMA_MODELINE = "# yaml-language-server: $schema=.schemas/site.schema.json\n"
SITE_BASE_URL_COMMENT = (
    "# base_url is left unset: every link in the site is relative, so it works at\n"
    "# user.github.io/, user.github.io/repo/ and from file://. Set it (e.g.\n"
    "# base_url: https://user.github.io/repo/) for absolute URLs in the feed, the sitemap and\n"
    "# canonical and social tags; CI passes --base-url with the Pages URL.\n")

NEW, UNCHANGED, DIFFERS = "new", "unchanged", "differs"


@dataclass
class FileChange:
    """One file the import would write: its text and how it compares with what is there."""

    path: Path
    text: str
    state: str          # NEW, UNCHANGED or DIFFERS
    kind: str           # "paper", "profile" or "site"


@dataclass
class Summary:
    """What an import did (or, with dry_run, would do), file by file."""

    created: list[Path] = field(default_factory=list)
    overwritten: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    dry_run: bool = False
    kinds: dict[Path, str] = field(default_factory=dict)

    def count(self, kind: str, bucket: list[Path]) -> int:
        return sum(1 for p in bucket if self.kinds[p] == kind)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.overwritten)


# ---- Public API --------------------------------------------------------------------------

def write_papers(records: list[PaperRecord], content_dir: Path, force: bool = False,
                 dry_run: bool = False) -> Summary:
    """Write each record to content/papers/<slug>.md; see `apply_changes` for the rules."""
    return apply_changes(plan_papers(records, Path(content_dir)), force, dry_run)


def write_import(result: ImportResult, content_dir: Path, force: bool = False,
                 dry_run: bool = False) -> Summary:
    """Write an importer's papers, and its profile and site title when it has them."""
    content_dir = Path(content_dir)
    changes = plan_papers(result.papers, content_dir)
    if result.profile is not None:
        changes += plan_profile(result.profile, content_dir)
    return apply_changes(changes, force, dry_run)


def apply_changes(changes: list[FileChange], force: bool, dry_run: bool) -> Summary:
    """Write new files, and different ones only with `force`; with `dry_run`, write nothing."""
    summary = Summary(dry_run=dry_run, kinds={c.path: c.kind for c in changes})
    for change in changes:
        if change.state == UNCHANGED:
            summary.unchanged.append(change.path)
        elif change.state == DIFFERS and not force:
            summary.skipped.append(change.path)
        else:
            if not dry_run:
                write_atomically(change.path, change.text)
            (summary.created if change.state == NEW else summary.overwritten).append(change.path)
    return summary


# ---- Planning ----------------------------------------------------------------------------

def plan_papers(records: list[PaperRecord], content_dir: Path) -> list[FileChange]:
    """Render every record and find its slug; raise SiteError if any record is invalid."""
    problems = [p for r in records for p in validate_paper(r)]
    if problems:
        raise SiteError(problems)
    folder = content_dir / PAPERS_DIR
    existing = existing_titles(folder)
    # A file at a title's slug that cannot be read is that paper's slot (kept, or repaired by
    # --force), not a reason to add a second copy under another name.
    taken = {slug for slug, title in existing.items() if title is not None}
    by_title: dict[str, list[str]] = {}
    for slug, title in sorted(existing.items()):
        by_title.setdefault(_title_key(title), []).append(slug)
    changes = []
    for record in records:
        # The same paper keeps its file across imports, even one the user renamed.
        known = by_title.get(_title_key(record.title))
        slug = known.pop(0) if known else slugify(record.title, taken)
        taken.add(slug)
        changes.append(_plan_file(folder / f"{slug}.md", render_paper(record), "paper"))
    return changes


def plan_profile(profile: ProfileRecord, content_dir: Path) -> list[FileChange]:
    """content/profile.md (name, highlight, metrics) and content/site.yml (the title)."""
    problems = validate_profile(profile)
    if problems:
        raise SiteError(problems)
    return [_plan_file(content_dir / PROFILE_FILE, render_profile(profile), "profile"),
            _plan_file(content_dir / SITE_FILE, render_site(profile.name), "site")]


def existing_titles(folder: Path) -> dict[str, str | None]:
    """slug -> title of every paper file already there (None when it cannot be read)."""
    out: dict[str, str | None] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        doc, _ = read_document(path)
        title = doc.meta.get("title") if doc is not None else None
        out[path.stem] = title if isinstance(title, str) else None
    return out


def _title_key(title: str | None) -> str:
    return " ".join((title or "").split()).casefold()


def _plan_file(path: Path, text: str, kind: str) -> FileChange:
    data = text.encode("utf-8")
    if not path.exists():
        state = NEW
    else:
        state = UNCHANGED if path.is_file() and path.read_bytes() == data else DIFFERS
    return FileChange(path, text, state, kind)


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a crash leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- Validation --------------------------------------------------------------------------

def validate_paper(record: PaperRecord) -> list[Problem]:
    """Check every field the record would write against the paper field table."""
    problems = []
    for name, value in paper_fields(record):
        f = F.field_table(F.PAPER_FIELDS)[name]
        _, error = F.check_value(f, value)
        if error:
            problems.append(problem(record.source, record.line, name, error))
    return problems


def validate_profile(profile: ProfileRecord) -> list[Problem]:
    problems = []
    for name, value in profile_fields(profile):
        _, error = F.check_value(F.field_table(F.PROFILE_FIELDS)[name], value)
        if error:
            problems.append(problem(profile.source, profile.line, name, error))
    return problems


# ---- Rendering ---------------------------------------------------------------------------

def paper_fields(record: PaperRecord) -> list[tuple[str, Any]]:
    """The frontmatter a record writes, in the field table's order; defaults are left out."""
    values = {
        "title": record.title, "authors": record.authors, "et_al": record.et_al or None,
        "date": record.date, "category": record.category,
        "code": (record.code[0] if len(record.code) == 1 else record.code) or None,
        "links": record.links or None, "venue": record.venue, "citations": record.citations,
        "affiliation": record.affiliation, "selected": record.selected or None,
        "tags": record.tags or None,
    }
    return [(f.name, values[f.name]) for f in F.PAPER_FIELDS if values[f.name] is not None]


def render_paper(record: PaperRecord) -> str:
    entries: list[tuple[str, Any]] = []
    for name, value in paper_fields(record):
        entries.append((name, value))
        if name == "category" and record.code_flagged_missing:
            entries.append(("#", CODE_MISSING_COMMENT))
    return document(entries, record.abstract)


def profile_fields(profile: ProfileRecord) -> list[tuple[str, Any]]:
    entries: list[tuple[str, Any]] = [("name", profile.name)]
    if profile.highlight:
        entries.append(("highlight", profile.highlight))
    if profile.metrics:
        entries.append(("metrics", dict(profile.metrics)))
    return entries


def render_profile(profile: ProfileRecord) -> str:
    return document(profile_fields(profile), BIO_PLACEHOLDER)


def render_site(title: str) -> str:
    header = emit_yaml([("title", title)])
    text = (SITE_SCHEMA_MODELINE + header + SITE_BASE_URL_COMMENT
            + emit_yaml([("theme", "default"), ("language", "en")]))
    _verify(text, {"title": title, "theme": "default", "language": "en"})
    return text


def document(entries: list[tuple[str, Any]], body: str) -> str:
    """`---`, the YAML header, `---`, a blank line, the body: what `read_document` reads back."""
    header = emit_yaml(entries)
    _verify(header, {k: v for k, v in entries if k != "#"})
    body = body.strip("\n")
    return f"---\n{header}---\n" + (f"\n{body}\n" if body else "")


def _verify(header: str, expected: dict[str, Any]) -> None:
    """Parse what we emitted with the loader the build uses; a mismatch is a bug here."""
    data, _, problems = parse_yaml(header, "<import>")
    if problems or data != expected:
        raise AssertionError(f"emitted YAML does not read back: {problems or data!r}")


# ---- A small YAML emitter ----------------------------------------------------------------
# PyYAML's dumper sorts keys, wraps long titles and cannot place a comment; this writes one
# field a line in the field table's order, quoting exactly the text YAML would misread.

# Reading a plain value back with PyYAML catches all that YAML 1.1 would misread (yes, 3.10,
# 2022-05-06, 1:20, null); this catches what only YAML 1.2 tools would: octal 0o17.
_TYPED = re.compile(r"^[-+]?0o[0-7]+$", re.IGNORECASE)
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_PRINTABLE = re.compile("^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def emit_yaml(entries: list[tuple[str, Any]]) -> str:
    """Block-style YAML for (key, value) pairs; key "#" emits its value as a comment line."""
    out = []
    for key, value in entries:
        if key == "#":
            out.append(f"{value}\n")
        elif isinstance(value, list):
            out.append(f"{scalar(key)}:\n" + "".join(f"  - {scalar(v)}\n" for v in value))
        elif isinstance(value, dict):
            out.append(f"{scalar(key)}:\n" + "".join(f"  {scalar(k)}: {scalar(v)}\n"
                                                     for k, v in value.items()))
        else:
            out.append(f"{scalar(key)}: {scalar(value)}\n")
    return "".join(out)


def scalar(value: Any) -> str:
    """One value as YAML: plain when it reads back as the same text, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")
    return value if _plain_is_safe(value) else quoted(value)


def _plain_is_safe(text: str) -> bool:
    if (not text or text != text.strip() or not _PRINTABLE.match(text)
            or text[0] in _INDICATORS or _TYPED.match(text)
            or ": " in text or " #" in text or text.endswith(":")):
        return False
    try:
        return yaml.safe_load(f"k: {text}\n") == {"k": text}
    except yaml.YAMLError:
        return False


def quoted(text: str) -> str:
    """A YAML double-quoted scalar: backslash, quote and non-printable characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _PRINTABLE.match(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'

