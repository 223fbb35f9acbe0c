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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import fields as F
from ..errors import Problem, SiteError, problem, warning
from ..frontmatter_yaml import parse_yaml, read_document
from ..slugs import slugify
from .links import parse_arxiv_id, parse_doi
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
    warnings: list[Problem] = field(default_factory=list)   # e.g. a linked file not there

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
    summary = apply_changes(changes, force, dry_run)
    summary.warnings = missing_files(result.papers, content_dir)
    return summary


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
    """Render every record and find its file; raise SiteError if any record is invalid.

    A record that matches a paper already there (same arXiv id, DOI or normalized title) is
    that paper: it keeps its file, even one the user renamed, and the file's fields the record
    does not provide stay as they are (see `merge_paper`).
    """
    problems = [p for r in records for p in validate_paper(r)]
    if problems:
        raise SiteError(problems)
    folder = content_dir / PAPERS_DIR
    existing = existing_papers(folder)
    # A file at a title's slug that cannot be read is that paper's slot (kept, or repaired by
    # --force), not a reason to add a second copy under another name.
    taken = {paper.slug for paper in existing if paper.meta is not None}
    unclaimed = [paper for paper in existing if paper.meta is not None]
    changes = []
    for record in records:
        match = _find_match(record, unclaimed)
        if match is not None:
            unclaimed.remove(match)
            text = merge_paper(record, match.meta, match.body)
            changes.append(_plan_file(folder / f"{match.slug}.md", text, "paper"))
            continue
        slug = slugify(record.title, taken)
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


@dataclass
class ExistingPaper:
    """A paper file already in content/papers/: what matching and merging need of it."""

    slug: str
    meta: dict[str, Any] | None         # None when the file cannot be read
    body: str = ""

    def keys(self) -> list[tuple[str, str]]:
        if self.meta is None:
            return []
        links = self.meta.get("links") if isinstance(self.meta.get("links"), dict) else {}
        title = self.meta.get("title")
        return identity_keys(links, title if isinstance(title, str) else None)


def existing_papers(folder: Path) -> list[ExistingPaper]:
    """Every paper file already there, by slug."""
    out = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        doc, _ = read_document(path)
        readable = doc is not None and isinstance(doc.meta.get("title"), str)
        out.append(ExistingPaper(path.stem, doc.meta if readable else None,
                                 doc.body if readable else ""))
    return out


def record_keys(record: PaperRecord) -> list[tuple[str, str]]:
    return identity_keys(record.links, record.title)


def identity_keys(links: dict[str, Any], title: str | None) -> list[tuple[str, str]]:
    """(kind, value) pairs that identify a paper: its arXiv id, DOI and normalized title."""
    urls = [u for u in links.values() if isinstance(u, str)]
    keys = [("arxiv", a) for a in map(parse_arxiv_id, urls) if a]
    doi = parse_doi(links["doi"]) if isinstance(links.get("doi"), str) else None
    keys += [("doi", doi.lower())] if doi else []
    return keys + ([("title", title_key(title))] if title else [])


def _find_match(record: PaperRecord, papers: list[ExistingPaper]) -> ExistingPaper | None:
    keys = record_keys(record)
    for kind in ("arxiv", "doi", "title"):
        wanted = {value for k, value in keys if k == kind}
        for paper in papers:
            if wanted & {value for k, value in paper.keys() if k == kind}:
                return paper
    return None


def title_key(title: str | None) -> str:
    """A title as matching compares it: case, spacing, braces and a final period ignored."""
    text = unicodedata.normalize("NFC", (title or "").replace("{", "").replace("}", ""))
    return " ".join(text.split()).rstrip(".").casefold()


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


def merge_paper(record: PaperRecord, meta: dict[str, Any], body: str) -> str:
    """The existing paper updated with what the record provides; nothing else is lost.

    Fields the record leaves out stay, and so do unknown fields. Code URLs and links are
    added to the existing ones (a link the record also has takes the record's URL). A body
    that is there is kept: it may be hand-written. A date the source gave only in part, or a
    category that came from --category, does not replace the paper's own. For a file that
    holds exactly what the record writes, the text is exactly `render_paper(record)`.
    """
    new = dict(paper_fields(record))
    merged: dict[str, Any] = {}
    for name in [f.name for f in F.PAPER_FIELDS] + [k for k in meta if k not in new]:
        if name not in new:
            if name in meta:
                merged[name] = meta[name]
            continue
        old, value = meta.get(name), new[name]
        if name == "code" and old:
            old_list = old if isinstance(old, list) else [old]
            urls = list(dict.fromkeys(old_list + (value if isinstance(value, list) else [value])))
            value = urls[0] if len(urls) == 1 else urls
        elif name == "links" and isinstance(old, dict):
            value = {**old, **value}
        elif name == "date" and isinstance(old, dt.date) and _same_as_far_as_given(
                old, value, record.date_precision):
            value = old
        elif name == "category" and record.category_defaulted and old:
            value = old
        merged[name] = value
    entries: list[tuple[str, Any]] = []
    for name, value in merged.items():
        entries.append((name, value))
        if name == "category" and record.code_flagged_missing and not merged.get("code"):
            entries.append(("#", CODE_MISSING_COMMENT))
    return document(entries, body if body.strip() else record.abstract)


def _same_as_far_as_given(old: dt.date, new: dt.date, precision: str) -> bool:
    if precision == "year":
        return old.year == new.year
    if precision == "month":
        return (old.year, old.month) == (new.year, new.month)
    return old == new


def missing_files(records: list[PaperRecord], content_dir: Path) -> list[Problem]:
    """A warning for each `files/...` link whose file is not under content/files/."""
    out = []
    for record in records:
        targets = [("code", u) for u in record.code] + [("links", u) for u in record.links.values()]
        for name, url in targets:
            if url.startswith("files/") and not (content_dir / url).is_file():
                out.append(warning(record.source, record.line, name,
                                   f"{url} is not in {content_dir / 'files'}: copy "
                                   f"{url.split('/', 1)[1]} there, or the link will be broken"))
    return out


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
        elif not _emittable(value):
            # A value kept from an existing file that this emitter has no form for.
            out.append(yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True,
                                      default_flow_style=False, width=10_000))
        elif isinstance(value, list):
            out.append(f"{scalar(key)}:\n" + "".join(f"  - {scalar(v)}\n" for v in value))
        elif isinstance(value, dict):
            out.append(f"{scalar(key)}:\n" + "".join(f"  {scalar(k)}: {scalar(v)}\n"
                                                     for k, v in value.items()))
        else:
            out.append(f"{scalar(key)}: {scalar(value)}\n")
    return "".join(out)


def _emittable(value: Any) -> bool:
    def is_scalar(v: Any) -> bool:
        return isinstance(v, (bool, int, float, str)) or type(v) is dt.date
    if isinstance(value, list):
        return all(is_scalar(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_scalar(v) for k, v in value.items())
    return is_scalar(value)


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

