"""Read a BibTeX file (Google Scholar, DBLP, Zotero, arXiv exports, al-folio's papers.bib).

bibtexparser 2 splits the file into blocks and keeps each field's value as written; this
module evaluates the values (`@string` macros, month macros, `#` concatenation), decodes
LaTeX to Unicode with pylatexenc (math between `$...$` stays as it is), and maps the fields
onto a `PaperRecord`. Every defect is reported with the line of its entry; a file with any
defect yields nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import (parse_single_name_into_parts,
                                            split_multiple_persons_names)
from bibtexparser.model import (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry,
                                ParsingFailedBlock, String)
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as get_walker_context_db
from pylatexenc.macrospec import MacroSpec

from .. import fields as F
from ..categories import code_from_arxiv
from ..errors import Problem, SiteError, problem, warning
from .links import (category_option, arxiv_url, category_of_arxiv_id, code_urls_in, doi_url, is_code_url,
                    parse_arxiv_id, parse_doi)
from .records import ImportOptions, ImportResult, PaperRecord
from .writer import record_keys

FORMAT = "BibTeX"
DESCRIPTION = "a BibTeX file (.bib, entries such as @article{key, ...})"

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")
# BibTeX predefines a macro per month: `month = jan` means "January".
MONTH_MACROS = {name[:3]: name.capitalize() for name in MONTH_NAMES}
MONTHS = {**{name: n for n, name in enumerate(MONTH_NAMES, 1)},
          **{name[:3]: n for n, name in enumerate(MONTH_NAMES, 1)}, "sept": 9}
# Links in the order they are written, each from the BibTeX field of the same name.
LINK_FIELDS = ("pdf", "html", "doi", "arxiv", "website", "slides", "video", "poster", "blog")
# "arXiv preprint arXiv:2205.03340", "arXiv e-prints", "CoRR": where a preprint is, not a venue.
GENERIC_ARXIV_VENUE = re.compile(
    r"^(?:arxiv(?:\s+preprint)?(?:\s*,?\s*(?:arxiv:)?\s*(?P<id>\S+?))?|arxiv e-prints|corr)\.?$",
    re.IGNORECASE)
ENTRY_START = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")


def looks_like(path: Path, text: str) -> bool:
    """A `.bib` file, or text whose first entry-like line is `@type{`."""
    return path.suffix.lower() == ".bib" or bool(ENTRY_START.search(_without_frontmatter(text)))


def read(path: Path, text: str, options: ImportOptions) -> ImportResult:
    """Every entry as a PaperRecord; raise SiteError listing every defect found."""
    default_category = category_option(options.category)
    library = parse(_without_frontmatter(text))
    problems: list[Problem] = []
    notes: list[Problem] = []
    macros = dict(MONTH_MACROS)
    for block in library.strings:
        value, unknown = evaluate(block.value, macros)
        for name in unknown:
            problems.append(problem(path, _line(block), None,
                                    f"@string `{block.key}` uses `{name}`, which no @string "
                                    "before it defines"))
        macros[block.key.lower()] = value
    entries: list[Entry] = list(library.entries)
    for failed in library.failed_blocks:
        _read_failed(path, failed, entries, problems, notes)
    records: list[PaperRecord] = []
    for entry in sorted(entries, key=_line):
        reader = EntryReader(path, entry, macros, default_category)
        record = reader.read()
        problems += reader.problems
        notes += reader.notes
        if record is not None:
            records.append(record)
    if not entries and not problems:
        problems.append(problem(path, 1, None, "no BibTeX entries (such as @article{key, ...}) "
                                               "found: nothing to import"))
    if problems:
        raise SiteError(sorted(problems, key=lambda p: p.line or 0))
    return ImportResult(Path(path), FORMAT, without_repeats(records, notes), None, notes)


def parse(text: str) -> bibtexparser.Library:
    """Blocks with their values as written; a block it cannot read is in `failed_blocks`."""
    # The splitter also logs each failed block; we report them, with their lines, ourselves.
    splitter_log = logging.getLogger("bibtexparser.splitter")
    level = splitter_log.level
    splitter_log.setLevel(logging.ERROR)
    try:
        return bibtexparser.parse_string(text, parse_stack=[])
    finally:
        splitter_log.setLevel(level)


def _without_frontmatter(text: str) -> str:
    """Blank a Jekyll `---` frontmatter pair at the top (al-folio) and `%` comment lines, as
    biber does (BibTeX itself would read `% @article{...}` as an entry); lines keep their
    numbers."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        start = 0 if end is None else end + 1
    return "\n".join("" if i < start or line.lstrip().startswith("%") else line
                     for i, line in enumerate(lines))


def _line(block: object) -> int:
    """bibtexparser counts lines from 0."""
    return (getattr(block, "start_line", None) or 0) + 1


def _read_failed(path: Path, failed: ParsingFailedBlock, entries: list[Entry],
                 problems: list[Problem], notes: list[Problem]) -> None:
    line = _line(failed)
    if isinstance(failed, DuplicateBlockKeyBlock):
        kind = "@string" if isinstance(failed.ignore_error_block, String) else "entry key"
        if isinstance(failed.ignore_error_block, Entry):
            entries.append(failed.ignore_error_block)
        notes.append(warning(path, line, None,
                             f"duplicate {kind} `{failed.key}` (first on line "
                             f"{_line(failed.previous_block)})"
                             + ("; the later definition is used" if kind == "@string"
                                else "; both entries are read")))
    elif isinstance(failed, DuplicateFieldKeyBlock):
        names = ", ".join(f"`{k}`" for k in sorted(failed.duplicate_keys))
        problems.append(problem(path, line, None,
                                f"entry `{failed.ignore_error_block.key}` gives {names} twice: "
                                "keep one"))
    else:
        reason = (getattr(failed.error, "abort_reason", "") or "").strip().rstrip(".")
        reason = reason[:1].lower() + reason[1:]
        problems.append(problem(path, line, None,
                                "cannot read this entry" + (f": {reason}" if reason else "")
                                + " (check its braces, quotes and commas)"))


# ---- Field values ------------------------------------------------------------------------

def evaluate(raw: str, macros: dict[str, str]) -> tuple[str, list[str]]:
    """A field's value as written (`{..}`, `".."`, a number, a macro, joined by `#`) -> text.

    Returns the text and the names of macros no @string defines.
    """
    out: list[str] = []
    unknown: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch.isspace() or ch == "#":
            i += 1
        elif ch in "{\"":
            end = _closing(raw, i)
            out.append(raw[i + 1:end])
            i = end + 1
        else:
            m = re.compile(r"[^\s#{}\"]+").match(raw, i)
            word = m.group(0)
            if word.isdigit():
                out.append(word)
            elif word.lower() in macros:
                out.append(macros[word.lower()])
            else:
                unknown.append(word)
                out.append(word)
            i = m.end()
    return "".join(out), unknown


def _closing(raw: str, start: int) -> int:
    """The index of the brace or quote that closes the one at `start` (or the end)."""
    depth = 0
    for i in range(start + 1, len(raw)):
        ch = raw[i]
        if ch == "\\":
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0 and raw[start] == "{":
                return i
            depth -= 1
        elif ch == '"' and raw[start] == '"' and depth == 0 and raw[i - 1] != "\\":
            return i
    return len(raw)


def _decoder() -> tuple[LatexNodes2Text, object]:
    walker_context = get_walker_context_db()
    walker_context.add_context_category("scholarsite", prepend=True,
                                        macros=[MacroSpec("href", "{{")])
    text_context = get_default_latex_context_db()
    text_context.add_context_category("scholarsite", prepend=True, macros=[
        MacroTextSpec("url", simplify_repl="%s"),
        MacroTextSpec("href", simplify_repl=lambda node, l2tobj: l2tobj.nodelist_to_text(
            [node.nodeargd.argnlist[1]]) if len(node.nodeargd.argnlist) > 1 else ""),
    ])
    return LatexNodes2Text(latex_context=text_context, math_mode="verbatim",
                           keep_braced_groups=False), walker_context


_TO_TEXT, _WALKER_CONTEXT = _decoder()
_ESCAPED_DOLLAR = "\ue000"      # keeps `\$` from being read as the start of math


def decode(latex: str) -> str:
    """LaTeX to Unicode: `M{\\"u}ller` -> Müller, `\\&` -> &, braces dropped, `$math$` kept."""
    text = latex.replace("\\$", _ESCAPED_DOLLAR)
    text = re.sub(r"(?<!\\)%", r"\\%", text)     # a bare % is a percent sign, not a comment
    nodes = LatexWalker(text, latex_context=_WALKER_CONTEXT, tolerant_parsing=True
                        ).get_latex_nodes()[0]
    return _TO_TEXT.nodelist_to_text(nodes).replace(_ESCAPED_DOLLAR, "\\$").replace("\xa0", " ")


def one_line(latex: str) -> str:
    return " ".join(decode(latex).split())


def paragraphs(latex: str) -> str:
    """An abstract: decoded, each paragraph on one line, paragraphs apart by a blank line."""
    parts = re.split(r"\n\s*\n", latex.strip())
    return "\n\n".join(p for p in (one_line(part) for part in parts) if p)


def url_value(raw: str) -> str:
    """A URL as BibTeX holds it: `\\url{...}`, braces and `\\_`-style escapes removed."""
    m = re.search(r"\\url\{([^{}]*)\}", raw)
    value = m.group(1) if m else raw
    value = re.sub(r"\\([_%&#~$])", r"\1", value.replace("{", "").replace("}", ""))
    return value.strip()


# ---- One entry ---------------------------------------------------------------------------

@dataclass
class EntryReader:
    """Turns one entry into a PaperRecord, collecting its problems and notes."""

    path: Path
    entry: Entry
    macros: dict[str, str]
    default_category: str | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.line = _line(self.entry)
        self.fields: dict[str, str] = {}
        for f in self.entry.fields:
            value, unknown = evaluate(str(f.value), self.macros)
            for name in unknown:
                self.error(f.key.lower(), f"`{name}` is not defined by any @string (quote or "
                                          "brace the value if it is text)")
            self.fields[f.key.lower()] = value

    def error(self, name: str | None, message: str) -> None:
        self.problems.append(problem(self.path, self.line, name,
                                     f"{message} (entry `{self.entry.key}`)"))

    def get(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if value is not None and value.strip() else None

    def read(self) -> PaperRecord | None:
        title = one_line(self.get("title") or "")
        if not title:
            self.error("title", "no title")
        authors, et_al = self.authors()
        date, precision = self.date()
        arxiv_id = self.arxiv_id()
        category, defaulted = self.category(arxiv_id)
        links, code = self.links(arxiv_id)
        selected = self.selected()
        if self.problems:
            return None
        return PaperRecord(
            title=title, authors=authors, et_al=et_al, date=date, category=category,
            code=code, links=links, venue=self.venue(), selected=selected,
            abstract=paragraphs(self.get("abstract") or ""), source=self.path, line=self.line,
            date_precision=precision, category_defaulted=defaulted)

    def authors(self) -> tuple[list[str], bool]:
        raw = self.get("author")
        if raw is None:
            self.error("author", "no author")
            return [], False
        names, et_al = [], False
        for position, name in enumerate(split_multiple_persons_names(raw), 1):
            if name.strip().lower() == "others":
                et_al = True
                continue
            parts = parse_single_name_into_parts(name, strict=False)
            full = one_line(parts.merge_first_name_first)
            if not full:
                self.error("author", f"author {position} is empty")
            names.append(full)
        if not names:
            self.error("author", "no author")
        return names, et_al

    def date(self) -> tuple[dt.date, str]:
        """`date`, else `year` with `month` and `day`; what is missing is the 1st."""
        fallback = dt.date(1970, 1, 1), "day"
        if (value := self.get("date")) is not None:
            m = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:/.*)?$", value.strip())
            if not m:
                self.error("date", f"expected a date YYYY, YYYY-MM or YYYY-MM-DD, found {value!r}")
                return fallback
            year, month, day = m.groups()
            return self._make_date("date", value, int(year), month and int(month),
                                   day and int(day))
        year = self.get("year")
        if year is None:
            self.error("year", "no date: give `year` (and `month`), or `date`")
            return fallback
        if not re.fullmatch(r"\d{4}", year.strip()):
            self.error("year", f"expected a four-digit year, found {year!r}")
            return fallback
        month = self.get("month")
        number = None
        if month is not None:
            number = parse_month(month)
            if number is None:
                self.error("month", f"expected a month such as jan, March or 3, found {month!r}")
                return fallback
        day = self.get("day")
        if day is not None and not day.strip().isdigit():
            self.error("day", f"expected a day of the month, found {day!r}")
            return fallback
        return self._make_date("year", year, int(year), number, day and int(day))

    def _make_date(self, name: str, shown: str, year: int, month: int | None,
                   day: int | None) -> tuple[dt.date, str]:
        precision = "day" if day else "month" if month else "year"
        try:
            return dt.date(year, month or 1, day or 1), precision
        except ValueError:
            self.error(name, f"impossible date {year}-{month or 1:02d}-{day or 1:02d} "
                             f"(from {shown!r})")
            return dt.date(1970, 1, 1), "day"

    def arxiv_id(self) -> str | None:
        """From `eprint` (arXiv), `arxiv`, "arXiv preprint arXiv:ID", CoRR, or an arXiv URL."""
        prefix = (self.get("archiveprefix") or self.get("eprinttype") or "").strip().lower()
        eprint = self.get("eprint")
        if eprint and prefix in ("arxiv", ""):
            if (found := parse_arxiv_id(eprint)) is not None:
                return found
            if prefix == "arxiv":
                self.error("eprint", f"expected an arXiv id such as 2205.03340 or "
                                     f"hep-th/9901001, found {eprint!r}")
        if (found := parse_arxiv_id(self.get("arxiv"))) is not None:
            return found
        venue = one_line(self.get("journal") or "")
        m = GENERIC_ARXIV_VENUE.match(venue)
        if m and m["id"] and (found := parse_arxiv_id(m["id"])) is not None:
            return found
        volume = (self.get("volume") or "").strip()
        if venue.lower() == "corr" and volume.lower().startswith("abs/"):
            if (found := parse_arxiv_id(volume[4:])) is not None:
                return found
        for name in ("url", "pdf", "html"):
            if (found := parse_arxiv_id(url_value(self.get(name) or ""))) is not None:
                return found
        return None

    def category(self, arxiv_id: str | None) -> tuple[str, bool]:
        """`primaryClass`, else an old-style arXiv id's archive, else --category."""
        primary = self.get("primaryclass")
        if primary is not None:
            code = code_from_arxiv(primary.split()[0])
            if F.CATEGORY_RE.match(code):
                return code, False
            self.error("primaryclass", f"expected an arXiv category such as cs.LG or "
                                       f"quant-ph, found {primary!r}")
            return "", False
        if arxiv_id and (code := category_of_arxiv_id(arxiv_id)):
            return code, False
        if self.default_category:
            return self.default_category, True
        self.error(None, "no category: the entry has no `primaryClass` and no arXiv id that "
                         "names one; add primaryClass = {cs.LG} or pass --category CODE")
        return "", False

    def venue(self) -> str | None:
        for name in ("booktitle", "journal"):
            text = one_line(self.get(name) or "")
            if text and not GENERIC_ARXIV_VENUE.match(text):
                return text
        return None

    def selected(self) -> bool:
        value = (self.get("selected") or "false").strip().lower()
        if value in TRUE + FALSE:
            return value in TRUE
        self.error("selected", f"expected true or false, found {value!r}")
        return False

    def links(self, arxiv_id: str | None) -> tuple[dict[str, str], list[str]]:
        """(links, code URLs) from the link fields, `code`/`github`, and URLs in the text."""
        values = {name: url_value(self.fields[name]) for name in LINK_FIELDS + ("url",)
                  if self.get(name)}
        code: list[str] = []
        for name in ("code", "github"):
            if (value := self.get(name)) is not None:
                url = url_value(value)
                if name == "github" and re.fullmatch(r"[\w.-]+/[\w.-]+", url):
                    url = f"https://github.com/{url}"     # al-folio's `github = {user/repo}`
                code.append(self.local(name, url))
        url = values.pop("url", None)
        if url is not None:
            if is_code_url(url):
                code.append(url)
            elif parse_doi(url) and "doi" not in values:
                values["doi"] = url
            elif parse_arxiv_id(url) is None and "html" not in values:
                values["html"] = url
            elif parse_arxiv_id(url) is None and values["html"] != url:
                values["url"] = url
        for name in ("note", "howpublished"):
            code += code_urls_in(self.get(name) or "")
        links: dict[str, str] = {}
        for name in LINK_FIELDS + ("url",):
            if name == "arxiv":
                if arxiv_id:
                    links["arxiv"] = arxiv_url(arxiv_id)
            elif name == "doi" and name in values:
                doi = parse_doi(values["doi"])
                if doi is None:
                    self.error("doi", f"expected a DOI such as 10.1109/CVPR.2022.01234, found "
                                      f"{values['doi']!r}")
                else:
                    links["doi"] = doi_url(doi)
            elif name in values:
                links[name] = self.local(name, values[name])
        return links, list(dict.fromkeys(code))

    def local(self, name: str, value: str) -> str:
        """An http(s) URL as it is; a local file name becomes files/<name>."""
        if "://" in value or value.startswith("files/") or ":" in value.split("/", 1)[0]:
            error = F.check_url(value)
            if error:
                self.error(name, error)
            return value
        return "files/" + value.rstrip("/").rsplit("/", 1)[-1]


def parse_month(text: str) -> int | None:
    """`jan`, `January`, `Jan.`, `3`, `03` -> the month's number."""
    word = text.strip().rstrip(".").lower()
    if word.isdigit():
        return int(word) if 1 <= int(word) <= 12 else None
    return MONTHS.get(word)


def without_repeats(records: list[PaperRecord], notes: list[Problem]) -> list[PaperRecord]:
    """The first of several entries for one paper (same arXiv id, DOI or title)."""
    seen: dict[tuple[str, str], PaperRecord] = {}
    out = []
    for record in records:
        keys = record_keys(record)
        repeated = next((k for k in keys if k in seen), None)
        if repeated is not None:
            what = {"arxiv": "arXiv id", "doi": "DOI", "title": "title"}[repeated[0]]
            notes.append(warning(record.source, record.line, None,
                                 f"the same paper (same {what}) as the entry on line "
                                 f"{seen[repeated].line}: importing only that one"))
            continue
        seen.update({k: record for k in keys})
        out.append(record)
    return out
