"""Read the text dump of a research-profile page (the format of `seeds/xinmei-tian.txt`).

The dump is the page's visible text, copied as is:

    Xinmei Tian                     the person's name
    CV
    h-index34                       metric lines: label and value glued, either order
    54papers
    54 Papers                       how many paper blocks follow
    LGNov 2, 2022Code               a header: category, date (year optional), optional "Code"
    Title
    Author One, Author Two et al. · uw
    The abstract, one line, with its LaTeX and a code URL damaged by a LaTeX-to-text tool.

Blank lines separate everything and carry no meaning. Every defect is reported with its line.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..errors import Problem, SiteError, problem, warning
from ..fields import check_url
from .records import ImportOptions, ImportResult, PaperRecord, ProfileRecord

FORMAT = "profile dump"
DESCRIPTION = "a profile dump (a name, `CV`, metric lines, `N Papers`, then one block per paper)"

MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), 1) for name in names}

# `LGNov 2, 2022Code`, `QUANT-PHNov 13, 2023`, `CVApr 28Code`: the category is upper case and
# the month capitalized, so the month starts at the last capital before lower-case letters.
HEADER_RE = re.compile(r"^(?P<category>[A-Z][A-Z0-9]*(?:[-.][A-Z0-9]+)*)(?P<month>[A-Z][a-z]+)\.? "
                       r"(?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?P<code>Code)?$")
PAPER_COUNT_RE = re.compile(r"^(?P<count>\d[\d,]*) Papers?$")
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?%?"
VALUE_FIRST_RE = re.compile(rf"^(?P<value>{NUMBER})\s*(?P<label>[^\d\s].*)$")
LABEL_FIRST_RE = re.compile(rf"^(?P<label>.*?[^\d\s,.])\s*(?P<value>{NUMBER})$")
ET_AL_RE = re.compile(r"\s*\bet al\.?$")
AFFILIATION_SEPARATOR = " \u00b7 "      # `... et al. · uw`
BLOCK = ("title", "authors", "abstract")
EXAMPLE_HEADER = "`LGNov 2, 2022Code` (category, date, optional `Code`)"


def looks_like(path: Path, text: str) -> bool:
    """True when the text has the dump's opening: a name, then `CV` or a paper count."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:12]
    return len(lines) >= 2 and (lines[1] == "CV" or any(PAPER_COUNT_RE.match(x) for x in lines))


def read(path: Path, text: str, options: ImportOptions) -> ImportResult:
    """Parse the whole dump; raise SiteError listing every defect found."""
    lines = [(n, line.strip()) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    if not lines:
        raise SiteError([problem(path, 1, None, "the file is empty: nothing to import")])
    problems: list[Problem] = []
    profile, announced, start = _read_profile(path, lines, problems)
    papers = _read_papers(path, lines[start:], options, problems)
    if problems:
        raise SiteError(problems)
    notes = []
    if announced is not None and len(papers) != announced[1]:
        # The profile page counts every paper but lists fewer: the real dump says 54, holds 50.
        notes.append(warning(path, announced[0], None,
                             f"the dump announces {announced[1]} papers but lists "
                             f"{len(papers)}; importing the {len(papers)} listed"))
    return ImportResult(Path(path), FORMAT, papers, profile, notes)


def _read_profile(path: Path, lines: list[tuple[int, str]], problems: list[Problem]
                  ) -> tuple[ProfileRecord | None, tuple[int, int] | None, int]:
    """Name, `CV`, metrics, `N Papers`: (profile, (line, N), index of the first paper line)."""
    first_line, name = lines[0]
    if HEADER_RE.match(name) or PAPER_COUNT_RE.match(name):
        problems.append(problem(path, first_line, None,
                                f"expected the person's name on the first line, found {name!r}"))
        return None, None, 0
    if len(lines) < 2 or lines[1][1] != "CV":
        where = lines[1][0] if len(lines) > 1 else first_line
        found = repr(lines[1][1]) if len(lines) > 1 else "the end of the file"
        problems.append(problem(path, where, None,
                                f"expected the label `CV` after the name, found {found}"))
        return None, None, 1
    metrics: list[tuple[str, int | float | str]] = []
    i = 2
    while i < len(lines) and not PAPER_COUNT_RE.match(lines[i][1]):
        number, line = lines[i]
        if HEADER_RE.match(line):
            problems.append(problem(path, number, None,
                                    "expected the paper count (e.g. `54 Papers`) before the "
                                    f"first paper, found the header {line!r}"))
            return None, None, i
        metric = parse_metric(line)
        if metric is None:
            problems.append(problem(path, number, None,
                                    "expected a metric with its value, such as `h-index34` or "
                                    f"`4,246citations`, found {line!r}"))
        else:
            metrics.append(metric)
        i += 1
    if i == len(lines):
        problems.append(problem(path, lines[-1][0], None,
                                "the file ends before the paper count (e.g. `54 Papers`): "
                                "no papers to import"))
        return None, None, i
    count_line, count_text = lines[i]
    count = int(PAPER_COUNT_RE.match(count_text)["count"].replace(",", ""))
    profile = ProfileRecord(name=name, metrics=metrics, highlight=name_forms(name),
                            source=path, line=first_line)
    return profile, (count_line, count), i + 1


def parse_metric(line: str) -> tuple[str, int | float | str] | None:
    """`h-index34` -> ("h-index", 34); `4,246citations` -> ("citations", 4246); `55%` stays text."""
    m = (VALUE_FIRST_RE if line[:1].isdigit() else LABEL_FIRST_RE).match(line)
    if not m:
        return None
    label, value = m["label"].strip(), m["value"]
    if value.endswith("%"):
        return label, value
    number = value.replace(",", "")
    return label, float(number) if "." in number else int(number)


def name_forms(name: str) -> list[str]:
    """The name as author lists write it: `Xinmei Tian`, `X. Tian`, `Tian, Xinmei`."""
    parts = name.split()
    if len(parts) < 2:
        return [name]
    given, family = parts[:-1], parts[-1]
    initials = " ".join(f"{p[0]}." for p in given)
    forms = [name, f"{initials} {family}", f"{family}, {' '.join(given)}"]
    return list(dict.fromkeys(forms))


def _read_papers(path: Path, lines: list[tuple[int, str]], options: ImportOptions,
                 problems: list[Problem]) -> list[PaperRecord]:
    papers: list[PaperRecord] = []
    i = 0
    while i < len(lines):
        number, header = lines[i]
        m = HEADER_RE.match(header)
        if not m:
            problems.append(problem(path, number, None,
                                    f"expected a paper header such as {EXAMPLE_HEADER}, "
                                    f"found {_short(header)!r}"))
            # Resynchronize on the next header so one defect does not hide the others.
            i += 1
            while i < len(lines) and not HEADER_RE.match(lines[i][1]):
                i += 1
            continue
        body = []
        for number_, line in lines[i + 1:i + 4]:
            if HEADER_RE.match(line):
                break
            body.append((number_, line))
        i += 1 + len(body)
        if len(body) < 3:
            missing = " and ".join(BLOCK[len(body):])
            end = (f"the next header on line {lines[i][0]}" if i < len(lines)
                   else "the end of the file")
            problems.append(problem(path, number, None,
                                    f"truncated paper block: {missing} missing before {end}"))
            continue
        paper = _read_paper(path, number, m, body, options, problems)
        if paper is not None:
            papers.append(paper)
    return papers


def _read_paper(path: Path, number: int, header: re.Match[str], body: list[tuple[int, str]],
                options: ImportOptions, problems: list[Problem]) -> PaperRecord | None:
    date, error = parse_date(header, options.as_of)
    if error:
        problems.append(problem(path, number, None, error))
        return None
    (_, title), (authors_line, authors_text), (_, abstract) = body
    authors, et_al, affiliation = parse_authors(authors_text)
    if not authors:
        problems.append(problem(path, authors_line, None,
                                "expected the authors, comma-separated, found "
                                f"{_short(authors_text)!r}"))
        return None
    abstract, urls = repair_links(abstract)
    flagged = header["code"] is not None
    return PaperRecord(
        title=title, authors=authors, et_al=et_al, date=date, category=header["category"],
        code=urls if flagged else [], affiliation=affiliation, abstract=abstract,
        code_flagged_missing=flagged and not urls, source=path, line=number)


def parse_date(header: re.Match[str], as_of: dt.date) -> tuple[dt.date | None, str | None]:
    """The header's date; without a year, the most recent such day not after `as_of`."""
    month = MONTHS.get(header["month"].lower())
    whole = header.group(0)
    shown = whole[len(header["category"]):len(whole) - len(header["code"] or "")]
    if month is None:
        return None, (f"unknown month {header['month']!r} in the header {header.group(0)!r}; "
                      "expected Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov or Dec")
    day = int(header["day"])
    if header["year"]:
        try:
            return dt.date(int(header["year"]), month, day), None
        except ValueError:
            return None, f"impossible date {shown!r} in the header {header.group(0)!r}"
    for year in range(as_of.year, as_of.year - 8, -1):   # Feb 29 may need a few years back
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= as_of:
            return candidate, None
    return None, f"impossible date {shown!r} in the header {header.group(0)!r}"


def parse_authors(text: str) -> tuple[list[str], bool, str | None]:
    """`A, B, C et al. · uw` -> ([A, B, C], True, "uw")."""
    affiliation = None
    if AFFILIATION_SEPARATOR in text:
        text, _, affiliation = text.rpartition(AFFILIATION_SEPARATOR)
        affiliation = affiliation.strip() or None
    et_al = bool(ET_AL_RE.search(text))
    text = ET_AL_RE.sub("", text)
    authors = [a.strip() for a in text.split(",")]
    if not text.strip() or any(not a for a in authors):
        return [], et_al, affiliation
    return authors, et_al, affiliation


# ---- Code URLs in abstracts -------------------------------------------------------------

# Inline math is left byte for byte: links are looked for only between formulas.
MATH_RE = re.compile(r"(?<!\\)\$(?:\\.|[^$\\])+\$")
URL_CHARS = r"[^\s{}<>\[\]()\"]+"
LINK_RE = re.compile(
    rf"\\url\{{(?P<url>{URL_CHARS})\}}"
    rf"|\\href\{{(?P<href>{URL_CHARS})\}}\{{(?P<href_text>[^{{}}]*)\}}"
    # `\href{URL}{TEXT}` that lost `\href{` and its last `}`: `URL}{TEXT`
    rf"|(?P<damaged>https?://[^\s{{}}<>]+)\}}\{{(?P<damaged_text>[^{{}}]*\}}|[^\s{{}}]*)"
    rf"|(?<![<(])(?P<bare>https?://{URL_CHARS})",
    re.IGNORECASE)
TRAILING = ".,;:!?'\""


def repair_links(text: str) -> tuple[str, list[str]]:
    """Turn the URLs a LaTeX-to-text tool damaged into Markdown links; return (text, URLs).

    `\\url{U}.` and `U}{U.` become `<U>.`, `\\href{U}{text}` becomes `[text](U)`; each URL
    is cleaned of trailing punctuation, `}` residue and doubled slashes. Math is untouched.
    """
    out: list[str] = []
    urls: list[str] = []
    pos = 0
    for m in MATH_RE.finditer(text):
        out.append(_repair_segment(text[pos:m.start()], urls))
        out.append(m.group(0))
        pos = m.end()
    out.append(_repair_segment(text[pos:], urls))
    return "".join(out), list(dict.fromkeys(urls))


def _repair_segment(text: str, urls: list[str]) -> str:
    def replace(m: re.Match[str]) -> str:
        raw = m["url"] or m["href"] or m["damaged"] or m["bare"]
        url, after = clean_url(raw)
        if check_url(url) is not None:
            return m.group(0)
        label = m["href_text"] if m["href"] is not None else m["damaged_text"]
        if label is not None:
            label, after = _strip_trailing(label.rstrip("}"))
            label = label.strip()
        urls.append(url)
        if label and clean_url(label)[0] != url:
            return f"[{label}]({url}){after}"
        return f"<{url}>{after}"
    return LINK_RE.sub(replace, text)


def clean_url(raw: str) -> tuple[str, str]:
    """(the URL, the sentence punctuation that followed it): no trailing `.` or `}`, no `//`."""
    url, after = _strip_trailing(raw.rstrip("}"))
    scheme, sep, rest = url.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        url = f"{scheme}://{host}{slash}{re.sub(r'/{2,}', '/', path.lstrip('/'))}"
    return url, after


def _strip_trailing(text: str) -> tuple[str, str]:
    stripped = text.rstrip(TRAILING + "}")
    return stripped, text[len(stripped):].replace("}", "")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
