"""The shortcuts of markup.py give the same bytes as plain Python-Markdown and nh3.clean.

`reference_html` is `to_html` as it was before the shortcuts: an untouched Markdown instance
for every text, and `nh3.clean` with the options. It is compared with `to_html` (paragraph
fast path with its own code spans, links, autolinks and emphasis, needle-gated inline patterns,
one nh3 Cleaner) on real abstracts and titles (this repository's content, the test data, the
seeds excerpt, arXiv answers), generated papers and random texts built from Markdown's special
characters and inline syntax; where the fast path takes a text, before sanitizing too.
"""
from __future__ import annotations

import html
import random
import re
import sys
from pathlib import Path

import markdown
import nh3
import pytest
import yaml

from perf.gen_corpus import paper_text
from scholarsite import markup
from scholarsite.frontmatter_yaml import read_document
from scholarsite.markup import plain_paragraphs, to_html

ROOT = Path(__file__).resolve().parent.parent


def reference_body(text: str, path: str = "p.md", field: str = "abstract", line: int = 3
                   ) -> tuple[str, list[str]]:
    """Plain Python-Markdown's HTML for `text`, math converted, before sanitizing."""
    md = markdown.Markdown(extensions=["extra", "sane_lists", "pymdownx.arithmatex"],
                           extension_configs={"pymdownx.arithmatex": {"generic": True}},
                           output_format="html")
    body = md.convert(markup.latex_text_to_markdown(text))
    problems: list = []

    def replace(m: re.Match[str]) -> str:
        tex = html.unescape(m.group(2)).strip()
        tex = tex[2:-2] if tex[:2] in ("\\(", "\\[") else tex
        return markup.render_math(tex, m.group(1) == "div", path, field, line, problems)
    return markup._MATH_SPAN.sub(replace, body), [str(p) for p in problems]


def reference_html(text: str, path: str = "p.md", field: str = "abstract", line: int = 3
                   ) -> tuple[str, list[str]]:
    if not text.strip():
        return "", []
    body, problems = reference_body(text, path, field, line)
    clean = nh3.clean(body, tags=markup.ALLOWED_TAGS, attributes=markup.ALLOWED_ATTRIBUTES,
                      url_schemes=markup.URL_SCHEMES, link_rel="noopener")
    return clean, problems


def current_html(text: str) -> tuple[str, list[str]]:
    out, problems = to_html(text, "p.md", "abstract", 3)
    return out, [str(p) for p in problems]


def real_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "content").rglob("*.md")) + sorted(
            (ROOT / "tests" / "data").rglob("*.md")):
        doc, _ = read_document(path)
        if doc is not None:
            texts.append(doc.body)
            texts += [v for v in doc.meta.values() if isinstance(v, str)]
    for path in sorted((ROOT / "tests" / "data" / "arxiv").glob("*.xml")):
        found = re.findall(r"<(?:summary|title)>(.*?)</(?:summary|title)>",
                           path.read_text(encoding="utf-8"), re.S)
        texts += [html.unescape(t).strip() for t in found]
    seeds = (ROOT / "seeds" / "xinmei-tian.txt")
    if seeds.exists():
        texts += [p for p in seeds.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return texts


def generated_texts(n: int = 400) -> list[str]:
    rng = random.Random(0)
    texts = []
    for i in range(n):
        _, text = paper_text(rng, i)
        texts.append(text.split("\n---\n", 1)[1].strip("\n"))
    return texts


TOKENS = (["word", "Word", "model", "Über", "(a)", "x", "2022", "e.g.", "costs", "'q'", '"q"',
           "$x$", "$a*b*c$", r"$\alpha_i$", r"$\mathcal{O}(n^2)$", "$x^$", r"$\foo{x}$",
           "$|x|$", "$a<b$", "$a&b$", "$[a](b)$", r"\(x+1\)", "$5", r"\$", r"\\", "$$", "$ x$",
           "$x $", "${x}$", "$x^{2}$", "$#$", "$`a`$", "$_x_$", "$\\{a\\}$", "$\n$", "$ $",
           r"\textbf{b}", r"\emph{e}", "``q''", r"\url{https://x.org}", "*", "**", "_", "__",
           "`", "[", "]", "(", ")", "{", "}", "{: .c}", "#", "##", ">", "<", "&", "&amp;", "|",
           ":", "-", "---", "+", "=", "===", "1.", "1)", "!", "![", "[^1]", "[^1]:", "*[x]:",
           "~", "~~~", "```", "<b>", "<script>", "\u00a0", "\u2028", "\t", "\x0c", "é", "'",
           "%", "@", "a@b.c", "<a@b.c>", "<https://x.org>", "http://x.org", "^", "\x02", "\x7f"]
          + ["\nTitle\n---\n", "\nTitle\n===\n", "\n- item", "\n1. item", "\n> q",
             "\n    code", "\nTerm\n: def\n", "\n| a | b |\n|---|---|\n| 1 | 2 |\n", "\n***\n",
             "\n# H", "\n$$\nx\n$$\n", "\n```\ncode\n```\n", "\n~~~ {.py}\nx\n~~~\n",
             "[a]: https://x.org", "[a][]", "\n<div>\nx\n</div>\n"]
          + ["\n"] * 6 + ["\n\n"] * 4 + ["\n\n\n", "    ", "  \n", " "] + [" "] * 25)


def random_texts(n: int = 3000) -> list[str]:
    rng = random.Random(1)
    texts = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(1, 30)):
            words.append(rng.choice(TOKENS) if rng.random() < 0.5 else rng.choice(TOKENS[:12]))
            words.append(" " if rng.random() < 0.7 else "")
        texts.append("".join(words))
    # the fast path's own shape, with one special character put somewhere
    for i in range(n):
        base = ["Plain words here", "and $x_i^2$ there.", "Second paragraph", "(with) 'quotes'"]
        rng.shuffle(base)
        text = " ".join(base[:2]) + "\n\n" + " ".join(base[2:]) + "\nmore text"
        pos = rng.randrange(len(text) + 1)
        texts.append(text[:pos] + rng.choice(TOKENS) + text[pos:])
    return texts


# Inline syntax the fast path renders itself, each next to what it must decline: markers at
# word edges, in math and code, by punctuation, unpaired, nested, escaped or flanked by spaces;
# code with `*`, `$`, HTML, entities and backslashes; links with parentheses, underscores,
# ampersands, entities and quotes in URLs and titles; autolinks, email links and bare `<`, `>`.
INLINE_GOOD = [
    "*em*", "**strong**", "*two words*", "**bold $x_i$ words**", "`code`", "`a*b$c$`",
    "`x_y <b> &amp; &`", "`a\\b`", "[text](https://x.org)", "[t *e*](https://x.org/a_(b)?q=1&r=2)",
    '[t](https://x.org "A title")', "[t](u 'it is')", "[**s**](u)", "[`c`](u)", "[$x$](u)",
    "[t](https://x.org/~u/a_b%20c#frag)", "[t](mailto:a@b.c)", "[a (b) c](u)",
    "<https://github.com/a/b_c>", "<http://x.org/?a=1&b=2&amp;c>", "<https://x.org/(a)/>",
    "(<5%)", "(< 5%)", "a > b", "$x$", "$a*b*c$", "a*b*c", "x**y**z", "*$x$*", "**`c`**",
    "*[a](u)*", "**<https://x.org>**", "*(a)*", "*a*.", '"**q**"', "(*a*)", "*a*,", "**a**:",
    '[t](u "a_b *c*")', "`[x](y)`", '`<a href="x">`', "` a  b `", "$a `b` c$", "*$a_b$*"]
INLINE_BAD = [
    "*", "**", "***", "****", "*a", "a*", "**a", "a**", "**a*", "*a**", "***a***",
    "*a **b** c*", "**a *b* c**", "* a*", "*a *", "a * b", "_a_", "__a__", "a_b", "\\*a\\*", "\\*", "a\\",
    "\\`", "``", "``a``", "` `", "`a\\`", "`<!-- x -->`", "`&#65`", "`a|b`", "`x\ny`",
    "[a][b]", "[a]", "[^1]", "![i](u)", "[t](<u>)", "[t]( u )", "[t](u v)", "[t](u)(v)",
    '[t](u "a"b")', "[t](u \"it's\")", '[t](u "")', "[t](u$x$)", "[t](a&#1;)", "[t](a((b)))",
    "[t](a(b)", "[a [b] c](u)", "[_a_](u)", "[<b>](u)", "[](u)", "<HTTPS://x.org>",
    "<https://x y>", "<https://x.org/$a$>", "<a@b.c>", "<5@x.org>", "<b>", "</b>", "<!--",
    "&", "&amp;", "R&D", "$a<b$", "$a&b$", "{", "}", "|", "~", "#", "]", "[", "a!["]
INLINE_TOKENS = INLINE_GOOD + INLINE_BAD


def inline_texts(n: int, seed: int) -> list[str]:
    """Paragraphs of words and the inline syntax the fast path takes, a construct it must
    decline now and then; the same with one or two tokens it must decline put anywhere, even
    inside a construct (the texts nearest to those it takes); denser mixes of everything."""
    rng = random.Random(seed)
    words = ["word", "Word", "x", "model", "(a)", "e.g.", "Über", "2022", "'q'", "costs", "$5"]
    texts = []
    for i in range(n):
        pieces = []
        for _ in range(rng.randint(1, 16)):
            r = rng.random()
            if i % 3 == 2:   # dense: anything next to anything
                pool = INLINE_TOKENS if r < 0.5 else TOKENS if r < 0.6 else words
            else:
                pool = INLINE_GOOD if r < 0.35 else INLINE_BAD if r < 0.38 else words
            pieces.append(rng.choice(pool))
            pieces.append(rng.choice([" ", " ", " ", "", ", ", "\n"]))
        text = "".join(pieces).strip()
        if i % 3 == 1:
            for _ in range(rng.randint(1, 2)):
                pos = rng.randrange(len(text) + 1)
                text = text[:pos] + rng.choice(INLINE_BAD + TOKENS) + text[pos:]
        text = "Start " + text
        if rng.random() < 0.3:   # a second paragraph
            text += "\n\nThen " + " ".join(rng.choice(INLINE_GOOD + words)
                                           for _ in range(rng.randint(1, 8)))
        texts.append(text)
    return texts


@pytest.mark.parametrize("source", ["real", "generated", "random"])
def test_to_html_gives_the_bytes_of_plain_markdown(source):
    texts = {"real": real_texts, "generated": generated_texts, "random": random_texts}[source]()
    assert len(texts) > 40
    for text in texts:
        assert current_html(text) == reference_html(text), repr(text)


def test_the_fast_path_is_taken_for_plain_abstracts_and_math():
    texts = generated_texts(200)
    taken = [t for t in texts if plain_paragraphs(t, "p.md", "abstract", 1, []) is not None]
    assert len(taken) > len(texts) // 2
    assert any("$" in t for t in taken)
    assert plain_paragraphs("A\n\n- list", "p.md", "abstract", 1, []) is None
    assert plain_paragraphs("A *b **c** d*", "p.md", "abstract", 1, []) is None
    assert plain_paragraphs("A **bold** word", "p.md", "abstract", 1, []) == (
        "<p>A <strong>bold</strong> word</p>")


def test_paragraphs_of_text_alone_are_what_nh3_gives_back():
    """to_html returns them without sanitizing: any printable character but the syntax ones,
    quotes, apostrophes, accents, other scripts, symbols and emoji included."""
    rng = random.Random(2)
    alphabet = [chr(c) for c in range(0x20, 0x3000) if chr(c).isprintable()
                and chr(c) not in markup._INLINE_SYNTAX] + ["😀", "𝔸", "\ufb01", "\uff01"]
    checked = 0
    for _ in range(2000):
        paragraphs = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
                      for _ in range(rng.randint(1, 3))]
        text = "\n\n".join("A " + p.strip(" ") for p in paragraphs)
        body = plain_paragraphs(markup.latex_text_to_markdown(text), "p.md", "abstract", 1, [])
        if body is None:
            continue
        checked += 1
        assert current_html(text) == (body, []) == reference_html(text), repr(text)
    assert checked > 1000


def test_the_fast_path_reports_math_problems_like_markdown():
    text = "bad $x^$ here and $\\foo{x}$\n\nthen $y$"
    assert plain_paragraphs(text, "p.md", "abstract", 1, []) is not None
    assert current_html(text) == reference_html(text)
    assert len(current_html(text)[1]) == 2


@pytest.mark.parametrize("seed", [2, 3])
def test_inline_syntax_gives_the_bytes_of_plain_markdown(seed):
    """Where the fast path takes a text, its HTML before sanitizing is Markdown's byte for byte
    (a stronger check than after nh3); every text gives to_html's output and problems."""
    taken: list[str] = []
    for text in inline_texts(3000, seed):
        problems: list = []
        fast = plain_paragraphs(markup.latex_text_to_markdown(text), "p.md", "abstract", 3,
                                problems)
        if fast is not None:
            assert (fast, [str(p) for p in problems]) == reference_body(text), repr(text)
            taken.append(fast)
        assert current_html(text) == reference_html(text), repr(text)
    # The fast path really renders each construct; it does not just decline everything.
    assert len(taken) > 600
    for html_piece in (
            "<em>", "<strong>", "<code>", "<em><math", "<strong><code>", "<code>a*b$c$</code>",
            "<code>x_y &lt;b&gt; &amp;amp; &amp;</code>", "&lt;", "&gt;",
            '<a href="https://x.org/a_(b)?q=1&amp;r=2">t <em>e</em></a>', ' title="A title">',
            'title="it is"', '<a href="u"><strong>s</strong></a>',
            '<a href="https://github.com/a/b_c">https://github.com/a/b_c</a>'):
        assert any(html_piece in out for out in taken), html_piece


def test_the_fast_path_takes_abstracts_with_inline_syntax():
    generated = [t for t in generated_texts(400) if "**" in t]
    assert len(generated) > 50
    assert all(plain_paragraphs(t, "p.md", "abstract", 1, []) for t in generated)
    real = [markup.latex_text_to_markdown(t) for t in real_texts()]
    autolinked = [t for t in real if "<https://" in t]
    assert len(autolinked) >= 10
    assert all(plain_paragraphs(t, "p.md", "abstract", 1, []) for t in autolinked)
    for text in ("Sets are *unordered*.",
                 "I study learning with **structure**, e.g. $f(x) = \\sum_i w_i x_i$.",
                 r"question: \textit{Is it possible} to \url{https://x.org}"):
        assert plain_paragraphs(markup.latex_text_to_markdown(text), "p.md", "abstract", 1, [])


def test_star_runs_are_classed_as_markdown_classes_them():
    """_STAR_BOUNDARY is Markdown's own Delimiter pattern for `*`, not a look-alike."""
    boundary = markup._markdown().inlinePatterns["em_strong"].delimiters["*"].boundary
    rng = random.Random(4)
    for _ in range(5000):
        text = "".join(rng.choice("** a\n.\x02\x03") for _ in range(rng.randint(1, 8)))
        for pos in range(len(text)):
            mine, theirs = markup._STAR_BOUNDARY.match(text, pos), boundary.match(text, pos)
            assert (mine and (mine.lastgroup, mine.span())) == (
                theirs and (theirs.lastgroup, theirs.span())), repr((text, pos))


def test_mirrored_patterns_are_markdowns():
    """The fast path's copies of Markdown's patterns are Markdown's, in this version too."""
    from markdown import inlinepatterns, serializers
    assert (markup._RE_AMP.pattern, markup._RE_AMP.flags) == (
        serializers.RE_AMP.pattern, serializers.RE_AMP.flags)
    assert markup._AUTOMAIL.pattern == inlinepatterns.AUTOMAIL_RE
    delimiters = markup._markdown().inlinePatterns["em_strong"].delimiters
    assert not delimiters["*"].smart and delimiters["_"].smart


def test_gated_patterns_match_as_before():
    md = markup._markdown()
    for name in markup._PATTERN_NEEDLES:
        gate = md.inlinePatterns[name].compiled_re
        assert isinstance(gate, markup._NeedleGate)
        assert list(gate.finditer("no needles at all")) == []
    for name, (attribute, _) in markup._BLOCK_NEEDLES.items():
        gate = getattr(md.parser.blockprocessors[name], attribute)
        assert isinstance(gate, markup._NeedleGate)
        assert gate.search("no needles at all") is None


def test_the_fast_path_refuses_every_whitespace_but_space_and_newline():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(spaces) > 20
    for c in spaces:
        if c not in " \n":
            assert not markup._is_plain(f"a{c}b"), hex(ord(c))


YAML_CASES = [
    "title: A\nauthors:\n  - X\n  - Y\ndate: 2022-05-06\ncitations: 3\nselected: yes\nvenue: ~",
    "a: 1.5\nb: 0x1F\nc: 012\nd: 1:20\ne: .inf\nf: on\ng: null\nh: 2022-02-30",
    "i: 2024-03-05 10:30:00\nj: 2024-03-05T10:30:00+01:00\nk: '2024-03-05'",
    "links: {arxiv: 'https://x.org', pdf: \"files/a.pdf\"}\ntags: [a, b]\nnested: [[1, 2], {a: b}]",
    "base: &b {x: 1}\nother: *b", "base: &b [1]\nother: *b", "s: &s text\nt: *s",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2", "a: 1\na: 2", "m: {a: 1, a: 2}",
    "1: int key\n2022-01-01: date key", "? [a, b]\n: complex key", "t: !!str 3", "b: !!binary aGk=",
    "s: !!set {a, b}", "o: !!omap [a: 1]", "x: !custom 1", "'quoted key': 1\n\"dq\": 2",
    "=: value key", "e: ''\nf:\ng: []\nh: {}", "- a list", "just text", "",
]


@pytest.mark.parametrize("text", YAML_CASES + [
    paper_text(random.Random(i), i)[1].split("---\n")[1] for i in range(50)])
def test_construct_plain_gives_what_pyyaml_gives(text):
    from scholarsite import frontmatter_yaml as fy

    def compose(text):
        loader = fy._StrictLoader(text)
        try:
            return loader, loader.get_single_node()
        except yaml.YAMLError:
            return loader, None
    loader, node = compose(text)
    if node is None:
        return
    other_loader, other_node = compose(text)
    try:
        expected = ("ok", other_loader.construct_document(other_node))
    except Exception as exc:  # noqa: BLE001 - compared below
        expected = ("error", type(exc), str(exc))
    try:
        found = ("ok", fy.construct_plain(loader, node))
    except fy._Unusual:
        return
    assert found == expected
    assert type(found[1]) is type(expected[1])


def reference_split(text: str) -> tuple[str, str, int] | None:
    """read_document's split as it was: by lines (header, body, body_line); None if unclosed."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None
    ends = [i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")]
    if not ends:
        return None
    end = ends[0]
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1:]).strip("\n"), end + 2


def test_frontmatter_split_is_the_line_split(tmp_path):
    pieces = ["---", "...", " --- ", "---\t", "\u2028---", "\x1c...", "--- x", "a: 1", "b: [1]",
              "", " ", "body", "\n", "c: 'x'"]
    rng = random.Random(3)
    path = tmp_path / "p.md"
    for _ in range(3000):
        text = "---\n" + "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        path.write_text(text, encoding="utf-8", newline="")
        expected = reference_split(text)
        doc, _ = read_document(path)
        if expected is None or doc is None:
            continue
        assert (doc.header_text, doc.body, doc.body_line) == expected, repr(text)


def test_url_white_space_is_what_isspace_says():
    from scholarsite import fields
    for c in map(chr, range(sys.maxunicode + 1)):
        assert bool(fields._SPACE.search(f"a{c}b")) == c.isspace(), hex(ord(c))
