"""`parse_simple`, the fast path of `parse_yaml`, gives exactly what PyYAML gives, or declines.

Every header is read both ways: `parse_with_pyyaml` (libyaml, PyYAML's resolver and
constructors, `_StrictLoader`'s rules) and `parse_simple`. Where the fast path accepts, data
(with types and key order), key lines and problems must be equal; the data must also be what
the pure-Python SafeLoader reads, so a machine without libyaml gets the same. The headers:
this repository's content and test data, the shared corpus of real inputs (run through the
importers when they are not Markdown), generated papers of several seeds, hand-written tricky
headers and random ones built from YAML's special scalars, quotes, colons, hashes, unicode,
trailing spaces and indentation variants. Other tests make sure the fast path really takes the
common shapes, so that it cannot pass by always declining, and declines the tricky ones.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import pytest
import yaml

from perf.gen_corpus import paper_text
from scholarsite.errors import SiteError
from scholarsite.frontmatter_yaml import parse_simple, parse_with_pyyaml, parse_yaml
from scholarsite.importers import ImportOptions, read_file
from scholarsite.importers.writer import render_paper, render_profile

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
DATA = ROOT / "tests" / "data"
FIRST_LINE = 2   # as read_document calls parse_yaml

TYPICAL = """\
title: "Adaptive Attention Model"
authors:
  - "Hao Lu"
  - "Nora Sato"
date: 2008-01-22
category: SI
links:
  arxiv: https://arxiv.org/abs/0801.08097
  pdf: https://arxiv.org/pdf/0801.08097
citations: 0
tags: [quantum, bound]
code: ["https://github.com/a/b"]
selected: true
venue: NeurIPS 2021
"""


class PureSafeLoader(yaml.SafeLoader):
    """The pure-Python SafeLoader with _StrictLoader's rule for impossible dates."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value


PureSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", PureSafeLoader.construct_yaml_timestamp)


def typed(value):
    """The value with every type and every key order spelled out, so that True == 1,
    date == datetime or a reordered map cannot pass as equal."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def outcome(parse, text: str):
    """What `parse` gives for `text`, types spelled out, or the exception it raises (none
    should: tests/test_content.py checks the problems of a control character and of a list
    as a key, which PyYAML itself raises on)."""
    try:
        data, lines, problems = parse(text, "p.md", FIRST_LINE)
    except Exception as exc:  # noqa: BLE001 - compared
        return ("raises", type(exc))
    return typed(data), list(lines.items()), problems


def check(text: str) -> bool:
    """Assert the fast path agrees with PyYAML on `text`; return whether it accepted it."""
    simple = parse_simple(text)
    if simple is None:
        assert outcome(parse_yaml, text) == outcome(parse_with_pyyaml, text), text
        return False
    fast = parse_yaml(text, "p.md", FIRST_LINE)
    slow = parse_with_pyyaml(text, "p.md", FIRST_LINE)
    data, lines, problems = fast
    assert typed(data) == typed(slow[0]), text
    assert list(lines.items()) == list(slow[1].items()), text
    assert problems == slow[2] == [], text
    assert all(key is sys.intern(key) for key in lines), text
    assert typed(yaml.load(text, Loader=PureSafeLoader)) == typed(data), text
    return True


def header(text: str) -> str | None:
    """The YAML between the `---` lines of a Markdown file, or None without one."""
    parts = text.replace("\r\n", "\n").split("---\n", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "" else None


def real_headers() -> list[tuple[str, str]]:
    """(name, YAML) of every real header: Markdown frontmatter and YAML files found in the
    content, test data and shared corpus, and what the importers write for each importable
    file there (the real BibTeX exports, profile dumps and arXiv answers)."""
    out = []
    roots = [ROOT / "content", DATA, ROOT / "themes", SHARED_CORPUS, SHARED_SEEDS]
    for path in sorted(p for root in roots if root.is_dir() for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".md" and header(text) is not None:
            out.append((str(path), header(text)))
        elif path.suffix in (".yml", ".yaml"):
            out.append((str(path), text))
        elif path.suffix in (".bib", ".txt", ".xml"):
            out += [(f"{path} as imported", h) for h in imported_headers(path)]
    return out


def imported_headers(path: Path) -> list[str]:
    for category in (None, "LG"):   # some BibTeX entries name no category
        try:
            result = read_file(path, ImportOptions(as_of=dt.date(2026, 11, 28), category=category))
        except SiteError:
            continue
        texts = [render_paper(record) for record in result.papers]
        if result.profile is not None:
            texts.append(render_profile(result.profile))
        return [header(text) for text in texts]
    return []


def generated_headers(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [header(paper_text(rng, i)[1]) for i in range(count)]


# ---- Real and generated headers -------------------------------------------------------------

def test_real_headers_read_the_same_and_most_take_the_fast_path():
    headers = real_headers()
    assert len(headers) > 100
    accepted = [name for name, text in headers if check(text)]
    assert len(accepted) >= 0.9 * len(headers), sorted(set(n for n, _ in headers) - set(accepted))


def test_the_repository_content_takes_the_fast_path():
    for path in [*(ROOT / "content").rglob("*.md"), *(ROOT / "content").rglob("*.yml")]:
        text = path.read_text(encoding="utf-8")
        assert parse_simple(header(text) if path.suffix == ".md" else text) is not None, path


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42])
def test_generated_papers_read_the_same_and_all_take_the_fast_path(seed):
    for text in generated_headers(seed, 400):
        assert check(text), text


def test_typical_header_takes_the_fast_path():
    assert check(TYPICAL)
    data, lines = parse_simple(TYPICAL)
    assert data["date"] == dt.date(2008, 1, 22) and data["citations"] == 0
    assert data["selected"] is True and data["tags"] == ["quantum", "bound"]
    assert lines["venue"] == 14


# ---- Hand-written headers -------------------------------------------------------------------

# Each of these the fast path reads, and reads as PyYAML does.
ACCEPTED = [
    "a: b", "a: b\n", "\n\na: b\n\n", "a:   b   \n", "a: b c  d", "a: 'b'", 'a: "b"', "a: ''", 'a: ""',
    "a: it's", "a: say \"hi\" now", "a: 'it''s'", "a: ''''", 'a: "say \\"hi\\""', 'a: "C:\\\\dir"',
    'a: "  padded  "', "a: ' x '", 'a: "a # b"', "a: 'a: b'", 'a: "[not, a, list]"',
    "a: https://x.org/a?b=c&d=e", "a: a:b", "a: 10:30am", "a: x - y", "a: a, b", "a: a [b] {c}",
    "a: Müller–Ñandú & <Friends>", "a: 日本語", "a: Zoë\u00a0", "a: $\\epsilon$-optimal",
    "a: \\alpha", "a: 55%", "a: 2021 NeurIPS", "a: 1st", "a: 0x", "a: e3", "a: 0o17", "a: 1e3", "a: 2001-1-1", "a: ~", "a: null",
    "a: Null", "a: NULL", "a: nULL", "a: yes", "a: Yes", "a: YES", "a: yEs", "a: no", "a: NO",
    "a: on", "a: On", "a: OFF", "a: oN", "a: true", "a: True", "a: TRUE", "a: tRUE", "a: false",
    "a: y", "a: n", "a: Y", "a: N", "a: 0", "a: 7", "a: 123456789", "a: 2008-01-22",
    "a: 2022-02-30", "a: 2022-13-01", "a: 0000-01-01", "a: 2024-02-29", "a: 2023-02-29",
    "a: <b>", "a: <<<", "a: =x", "a: .x", "a: ...", "a: +x", "a: ~x", "a: (x)", "a: /x",
    "a:\nb: 1", "a:\n\n# c\nb: 1", "a:", "a:  \n", "a: []", "a: [ ]", "a: [b]", "a: [b,c]",
    "a: [ b , c ]", "a: [yes, 1, ~, 2020-01-01, 'q', \"d\"]", "a: [\"x, y\", 'p, q']",
    "a: [https://x.org/a, b]", "a: [a :b]", "a: [C++, F*]", "a: [a b, c d]",
    "a:\n  - b\n  - c", "a:\n- b\n- c\nd: e", "a:\n    - b\n    - 'c'", "a:\n - \"b\"",
    "a:\n  -   b", "a:\n  - b\n\n  - c", "a:\n  - b\n# c\n  - d", "a:\n  # c\n  - b",
    "a:\n  b: c\n  d: 1", "a:\n b: [c]", "a:\n   b: 'c'\n   e: 2020-01-01", "a:\n  AI Score: 64",
    "AI Score: 1", "a b c: d", "a-b: c", "_a: b", "a_1: b", "et_al: true", "x: 1\ny: 2\nz: 3",
    "# comment\na: b", "a: b\n# comment", "a: b\n   # indented comment\nc: d",
    "title: A\nauthors:\n  - X\n  - Y\ndate: 2022-05-06\ncitations: 3\nselected: yes\nvenue: ~",
    TYPICAL,
]

# Each of these the fast path leaves to PyYAML.
DECLINED = [
    # numbers and timestamps it does not build
    "a: 012", "a: 0x1F", "a: 0b101", "a: 1_000", "a: +1", "a: -1", "a: 1:30",
    "a: 190:20:30", "a: 1.5", "a: .5", "a: 1.0e+3", "a: .inf", "a: -.inf", "a: .NaN",
    "a: 1.", "a: 00", "a: 1234567890123456789012345", "a: 2001-12-14t21:59:43.10-05:00",
    "a: 2001-12-14 21:59:43.10 -5", "a: 2001-01-01T00:00:00Z", "a: [1.5]",
    # keys that are not plain text, or repeated
    "yes: 1", "on: push", "no: 1", "null: 1", "1: a", "2022-01-01: a", "'a': 1", '"a": 1',
    "a b : c", "a: 1\na: 2", "a:\n  b: 1\n  b: 2", "<<: x", "=: x", "? a\n: b", "a : b",
    # indicators and the features of YAML it does not read
    "a: &x b\nc: *x", "a: !!str 3", "a: !tag b", "a: *x", "a: |\n  b", "a: >\n  b", "a: |-\n  b",
    "a: {b: c}", "a: {}", "a: @b", "a: `b`", "a: %b", "a: -b", "a: - b", "a: ?b", "a: :b",
    "a: ,b", "a: ]b", "a: #b", "a: b #c", "a: b#c", "a: C#", "a: b: c", "a: b:", "a: 'b' c",
    '"a: "b" c', 'a: "b\\nc"', 'a: "\\u00e9"', 'a: "\\x41"', 'a: "b\\ c"', "a: 'b'c'", "a: '''",
    "a: \"b", "a: 'b", "a: [b", "a: [b, [c]]", "a: [b, {c: d}]", "a: [b, ]", "a: [, b]",
    "a: [b: c]", "a: [b:]", "a: [b:, c]", "a: [b #c]", "a: [-b]", "a: [?b]", "a: [b] c",
    "a: [\"b\" c]", "a: [don't]", "---\na: b", "a: b\n---", "a: b\n...", "%YAML 1.1\n---\na: b",
    # multi-line scalars and odd indentation
    "a: b\n  c", "a: b\n\n  c", "a: \"b\n  c\"", "a: 'b\n  c'", "a:\n  b", "a:\n  - b\n    c",
    "a:\n  - b\n - c", "a:\n  - b\n- c", "a:\n  b: c\n   d: e", "a:\n  b: c\n d: e", "a:\n  - b\n  c: d",
    "a:\n  b:\n    c: d", "a:\n  b:", "a:\n  -", "a:\n  - ", "a:\n  - - b", "a:\n  - [b]",
    "a:\n  - b: c", "a:\n  -b", " a: b", "  a: b\n  c: d", "- a\n- b", "a", "a:b", "",
    "# only a comment", "a:\n  # c\n  b", "[a, b]",
    # characters: tabs, CR, YAML's other line breaks, BOM, control characters
    "a:\tb", "a: b\t", "a:\n\t- b", "a: b\r\nc: d", "a: b\x85c", "a: b\u2028c", "a: b\u2029c",
    "\ufeffa: b", "a: \ufeffb", "a: b\x00", "a: b\x07", "a: b\x7f", "a: \x1b[0m",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_fast_path_takes_these_and_reads_them_as_pyyaml(text):
    assert check(text)


@pytest.mark.parametrize("text", DECLINED)
def test_fast_path_leaves_these_to_pyyaml(text):
    assert not check(text)


def test_decimals_and_dates_are_what_the_resolver_says():
    """parse_simple types `0|[1-9][0-9]{0,17}` as int and YYYY-MM-DD as timestamp without
    asking the resolver; it would say the same for every one of them."""
    from scholarsite.frontmatter_yaml import _resolve
    decimals = [str(n) for n in range(0, 20000)] + [str(10 ** k + 7) for k in range(5, 18)]
    assert {_resolve(text) for text in decimals} == {"tag:yaml.org,2002:int"}
    dates = [f"{y:04d}-{m:02d}-{d:02d}" for y in (0, 1, 999, 1900, 1999, 2000, 2024, 9999)
             for m in range(0, 100) for d in range(0, 100)]
    assert {_resolve(text) for text in dates} == {"tag:yaml.org,2002:timestamp"}
    for text in ["1900-01-01", "2024-02-29", "2023-02-29", "2022-13-01", "0000-01-01"]:
        assert check(f"d: {text}") and check(f"d: [{text}]") and check(f"d:\n  - {text}")


def test_the_ascii_shortcut_of_the_character_check_agrees_with_the_regex():
    from scholarsite.frontmatter_yaml import _UNSAFE_CHAR, _safe_characters
    for code in range(128):
        assert _safe_characters(f"a: b{chr(code)}c") == (not _UNSAFE_CHAR.search(chr(code)))
    assert not _safe_characters("a: b\tc") and _safe_characters("a: b c\n")


def test_impossible_dates_stay_text_and_line_numbers_count_from_first_line():
    data, lines, problems = parse_yaml("title: A\n\ndate: 2022-02-30\n", "p.md", first_line=5)
    assert data == {"title": "A", "date": "2022-02-30"} and problems == []
    assert lines == {"title": 5, "date": 7}


# ---- Random headers -------------------------------------------------------------------------

SCALARS = [
    "0", "7", "12", "012", "0o17", "0x1F", "0b11", "1_000", "+1", "-1", "1:30", "190:20:30",
    "99999999999999999999", "1.5", ".5", "1e3", "1.0e+3", ".inf", "-.Inf", ".NaN", "1.",
    "yes", "Yes", "YES", "yEs", "no", "NO", "true", "True", "tRUE", "false", "FALSE", "on",
    "On", "OFF", "y", "N", "~", "null", "Null", "NULL", "nULL", "", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2022-02-30", "2022-13-01",
    "0000-01-01", "2001-1-1", "2024-02-29", "20010101", "plain text", "NeurIPS 2021", "a:b",
    "a: b", "a:", "a #b", "a#b", "C#", "http://x.org/a#frag", "https://arxiv.org/abs/0801.08097",
    "-a", "- a", "?a", ":a", "[a", "a]", "{a", "a}", "!tag", "&anc", "*alias", "|", ">", "%x",
    "@x", "`x", "it's", 'say "hi"', "Müller", "Zoë", "日本語", "\u00a0x", "x\u00a0", "=", "<<",
    "<b>", "$x$", "\\alpha", "a\\nb", "2021 NeurIPS", "1st", ".", "...", "---", "a, b",
    "a [b]", "C++", " lead", "trail ", "a  b", "'", '"', "''", '\\"', "\\", "a\tb", "a\rb",
    "a\u2028b", "a\x85b", "\ufeffa", "a\x07",
]
KEYS = ["title", "authors", "date", "links", "code", "tags", "venue", "a", "AI Score", "et_al",
        "x-y", "_k", "on", "yes", "null", "No", "1", "2022-01-01", "a b ", "'q'", '"dq"', "a:b",
        "<<", "title"]


def quoted(rng: random.Random, text: str) -> str:
    """`text` written plain, double-quoted (with \\\" and \\\\, sometimes other escapes) or
    single-quoted."""
    style = rng.random()
    if style < 0.5:
        return text
    if style < 0.8:
        body = text.replace("\\", "\\\\").replace('"', '\\"')
        if rng.random() < 0.1:
            body = body.replace("a", rng.choice(["\\n", "\\t", "\\x41", "\\u00e9", "\\ "]), 1)
        return f'"{body}"'
    return "'" + text.replace("'", "''") + "'"


# What most values look like, so that many random headers are ones the fast path takes.
COMMON = ["Adaptive Attention Model", "Hao Lu", "Zoë Ñandú", "NeurIPS 2021", "0", "12",
          "2008-01-22", "true", "https://arxiv.org/abs/0801.08097", "CV", "files/a.pdf",
          "$O(n \\log n)$ cost", "it's", "a: b"]


def random_value(rng: random.Random) -> str:
    scalar = rng.choice(COMMON if rng.random() < 0.8 else SCALARS)
    return quoted(rng, scalar) + rng.choice([""] * 12 + [" ", "  ", " # c", "\t"])


def random_entry(rng: random.Random) -> list[str]:
    key = rng.choice(KEYS) if rng.random() < 0.15 else rng.choice(KEYS[:10])
    shape = rng.random()
    if shape < 0.45:
        return [f"{key}:{rng.choice([' ', ' ', '  '])}{random_value(rng)}"]
    if shape < 0.65:
        indent = " " * rng.choice([0, 1, 2, 2, 4])
        items = [f"{indent}-{rng.choice([' ', ' ', '  '])}{random_value(rng)}"
                 for _ in range(rng.randint(1, 4))]
        return [f"{key}:{rng.choice(['', ' '])}"] + items
    if shape < 0.8:
        indent = " " * rng.choice([1, 2, 2, 3])
        names = rng.sample(["arxiv", "pdf", "doi", "AI Score", "on", "pdf", "1", "web"], 3)
        return [f"{key}:"] + [f"{indent}{name}: {random_value(rng)}"
                              for name in names[:rng.randint(1, 3)]]
    if shape < 0.95:
        items = [quoted(rng, rng.choice(SCALARS)) for _ in range(rng.randint(0, 3))]
        return [f"{key}: [" + rng.choice([",", ", ", " , "]).join(items) + "]"]
    return [f"{key}:"]


def mutate(rng: random.Random, lines: list[str]) -> list[str]:
    """Now and then, something the fast path must notice: a blank or comment line, a deeper
    or shallower indent, a continuation line, a tab, a document marker."""
    lines = list(lines)
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        i = rng.randrange(len(lines) + 1)
        extra = rng.choice(["", "  ", "# c", "  # c", "   more", "  - item", "- item", "\tx: 1",
                            "---", "...", "  k: v", "    deeper: x", "x: 1", "x: 1 # c"])
        lines.insert(i, extra)
    if rng.random() < 0.1 and lines:
        i = rng.randrange(len(lines))
        lines[i] = " " + lines[i]
    return lines


def test_random_headers_read_the_same():
    rng = random.Random(20261128)
    accepted = declined = 0
    for _ in range(6000):
        lines = [line for _ in range(rng.randint(1, 5)) for line in random_entry(rng)]
        text = "\n".join(mutate(rng, lines)) + rng.choice(["", "\n", "\n\n"])
        if check(text):
            accepted += 1
        else:
            declined += 1
    # Both sides are well exercised: neither an always-declining nor an always-accepting
    # fast path would pass.
    assert accepted > 1000 and declined > 1000, (accepted, declined)


def test_random_lines_of_yaml_fragments_read_the_same():
    """Lines glued from YAML's significant pieces (indicators, quotes, escapes, numbers,
    dates, spaces): mostly declined, and where accepted, read as PyYAML reads them."""
    rng = random.Random(7)
    pieces = ["a", "b", "Zed", "on", ":", ": ", "-", "- ", " ", "  ", "#", " #", "'", '"', "''",
              '\\"', "\\\\", "\\", "[", "]", ", ", ",", "0", "1", "12", "012", ".5", "yes", "No",
              "~", "null", "2020-02-30", "2020-01-01", "x y", "https://x.org/a", "é", "\u00a0",
              "|", ">", "&a", "*a", "!", "{", "}", "?", "%", "@", "`", "=", "<<", "---", "...",
              "1e3", "+1", "0x1", "1:2"]
    words = ["a", "b", "Zed", "x y", "https://x.org/a", "0", "12", "2020-01-01", "yes", "é",
             '"q"', "'q'", "[a, b]"]
    accepted = 0
    for _ in range(5000):
        lines = []
        for _ in range(rng.randint(1, 6)):
            indent = rng.choice(["", "", "", " ", "  ", "    "])
            lead = rng.choice(["", "- ", "-  ", rng.choice(["a", "b", "c", "d", "AI Score", "on", "1"])
                               + rng.choice([":", ": ", ":  "])])
            body = "".join(rng.choice(pieces if rng.random() < 0.3 else words)
                           for _ in range(rng.randint(0, 3)))
            lines.append(indent + lead + body + rng.choice(["", "", " ", "  "]))
        accepted += check("\n".join(lines))
    assert accepted > 20
