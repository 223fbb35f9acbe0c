"""Markdown and LaTeX to safe HTML: abstracts and the bio, titles with inline math.

Math between `$...$` / `$$...$$` is protected from Markdown by pymdownx.arithmatex, converted to
MathML at build time by latex2mathml, and the whole result is sanitized by nh3 in one pass
(latex2mathml does not escape `\\text{<script>}`, so its output is not trusted either). LaTeX
that cannot be converted is shown as its source in `<code class="math-error">` and reported.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable

import nh3

from .errors import Problem, warning

MATHML_TAGS = frozenset({
    "math", "mrow", "mi", "mo", "mn", "ms", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
    "mtext", "mtable", "mtr", "mtd", "mover", "munder", "munderover", "mspace", "mstyle",
    "menclose", "mpadded", "mphantom", "semantics", "annotation", "merror", "mmultiscripts",
    "mprescripts", "none",
})
ALLOWED_TAGS = (nh3.ALLOWED_TAGS - {"center", "acronym", "strike", "tt"}) | MATHML_TAGS
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "math": {"xmlns", "display"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace", "form", "largeop",
           "movablelimits", "accent", "minsize", "maxsize", "symmetric"},
    "mstyle": {"displaystyle", "scriptlevel", "mathvariant"},
    "mspace": {"width", "height", "depth"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mtd": {"columnalign"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "mfrac": {"linethickness"},
    "menclose": {"notation"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_MATH_SPAN = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)((?:\\.|[^\\$])+?)(?<!\s)\$(?!\$)")
INLINE_MATH = _INLINE_MATH   # public: BibTeX finds math in titles exactly as the pages do
# latex2mathml turns a command it does not know into text such as <mi>\foo</mi>.
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")


def prepare() -> None:
    """Import and set up Python-Markdown now, rather than at the first paper to parse
    (`serve` calls it once it is serving, so the first edit does not pay ~0.2 s for it)."""
    _markdown()


@lru_cache(maxsize=1)
def _markdown():  # -> markdown.Markdown
    import markdown   # imported only when a file is not in the cache: 25 ms saved per build

    md = markdown.Markdown(
        extensions=["extra", "sane_lists", "pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
        output_format="html",
    )
    _skip_needless_scans(md)
    return md


# Inline patterns and block processors whose regex can only match text that contains one of
# these strings. Scanning every text node and block with them costs more than the rest of
# Markdown does for an abstract (the backtick and arithmatex regexes open with a lookbehind,
# the block ones with `(^|\n)`, which defeat the regex engine's quick search).
_PATTERN_NEEDLES = {
    "backtick": ("`",),
    "arithmatex-inline": ("$", "\\("),
    "reference": ("[",), "link": ("[",), "short_reference": ("[",),
}
_BLOCK_NEEDLES = {   # processor: (attribute holding its regex, needles)
    "hashheader": ("RE", ("#",)),
    "setextheader": ("RE", ("\n=", "\n-")),
    "hr": ("SEARCH_RE", ("-", "_", "*")),
    "deflist": ("RE", (":",)),
    "quote": ("RE", (">",)),
}


class _NeedleGate:
    """A compiled regex that finds no match at once in text without any of its needles."""

    def __init__(self, regex: re.Pattern[str], needles: tuple[str, ...]):
        self.regex = regex
        self.needles = needles
        self.pattern = regex.pattern

    def _may_match(self, text: str) -> bool:
        return any(needle in text for needle in self.needles)

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        return self.regex.search(text, *args) if self._may_match(text) else None

    def match(self, text: str, *args: int) -> re.Match[str] | None:
        return self.regex.match(text, *args) if self._may_match(text) else None

    def finditer(self, text: str, *args: int):  # -> Iterator[re.Match[str]]
        return self.regex.finditer(text, *args) if self._may_match(text) else iter(())


def _skip_needless_scans(md) -> None:  # md: markdown.Markdown
    """Let Markdown skip the regexes that cannot match a text node or block; the output is
    the same (tests/test_markup_speed.py compares with an untouched instance). A processor
    another Markdown version names or builds differently is left alone."""
    gates = [(md.inlinePatterns, name, "compiled_re", needles)
             for name, needles in _PATTERN_NEEDLES.items()]
    gates += [(md.parser.blockprocessors, name, attribute, needles)
              for name, (attribute, needles) in _BLOCK_NEEDLES.items()]
    gates.append((md.preprocessors, "fenced_code_block", "FENCED_BLOCK_RE", ("```", "~~~")))
    for registry, name, attribute, needles in gates:
        regex = getattr(registry[name], attribute, None) if name in registry else None
        if isinstance(regex, re.Pattern):
            setattr(registry[name], attribute, _NeedleGate(regex, needles))


_CLEANER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                       url_schemes=URL_SCHEMES, link_rel="noopener")


def sanitize(fragment: str) -> str:
    """Remove scripts, event handlers, unsafe URLs and unknown tags; keep MathML.
    (One Cleaner: `nh3.clean` with these options converts them on every call, 80 us.)"""
    return _CLEANER.clean(fragment)


def to_html(text: str, path: Path | str, field: str = "abstract", line: int | None = None
            ) -> tuple[str, list[Problem]]:
    """Markdown with math -> sanitized HTML; problems are warnings about LaTeX."""
    if not text.strip():
        return "", []
    source = latex_text_to_markdown(text)
    problems: list[Problem] = []
    body = plain_paragraphs(source, path, field, line, problems)
    if body is not None and not _ANY_INLINE_SYNTAX.search(source):
        # Paragraphs of text alone: printable, with no `<`, `>`, `&` nor any other syntax,
        # between <p> tags, which is what nh3 gives back for them (~10 us saved on 56% of
        # the generated abstracts; tests/test_markup_speed.py compares).
        return body, problems
    if body is None:
        md = _markdown()
        md.reset()
        body = md.convert(source)
        if "arithmatex" in body:
            def replace(m: re.Match[str]) -> str:
                block = m.group(1) == "div"
                tex = html.unescape(m.group(2)).strip()
                tex = tex[2:-2] if tex[:2] in ("\\(", "\\[") else tex
                return render_math(tex, block, path, field, line, problems)
            body = _MATH_SPAN.sub(replace, body)
    return sanitize(body), problems


# Markdown that is only paragraphs of text with inline math and the common inline syntax below,
# which Python-Markdown would turn into <p>...</p> and nothing else. Rejected anywhere:
# characters that are not printable but newlines (controls, tabs, NBSP and every other
# whitespace Markdown's `\s` matches), trailing spaces (line breaks), more than one blank line,
# a newline at either end and `$$` (display math); and a line that starts with anything but a
# letter, `(`, a quote or `$` (headers, lists, quotes, tables, code, rules, definitions,
# footnote and link references, attribute lists and raw HTML blocks all start a line
# otherwise, and HTML within a line stays text for Markdown's HTML block preprocessor).
_NOT_PLAIN = (" \n", "\n\n\n", "$$")
_PLAIN_LINE_START = r"[^\W\d_]|[(\"'$]"
_NOT_PLAIN_START = re.compile(rf"(?!{_PLAIN_LINE_START})")
_NOT_PLAIN_LINE = re.compile(rf"\n(?!{_PLAIN_LINE_START}|\n)")
# Left outside math, code, links and autolinks: the characters of every other inline syntax
# but `*` (escapes, `_`, brackets of references, images and footnotes, attribute lists,
# unpaired backticks, entities and raw HTML; tables, headers and code fences too, to be safe).
# A paragraph with none of them, `*` nor `$` is text alone.
_LEFTOVER_SYNTAX = "\\_[]{}|~#`<>&"
_INLINE_SYNTAX = _LEFTOVER_SYNTAX + "*$"
_ANY_INLINE_SYNTAX = re.compile(f"[{re.escape(_INLINE_SYNTAX)}]")


def _is_plain(source: str) -> bool:
    """True when `source` has none of the block syntax the comment above lists."""
    return (source[-1:] not in ("", " ", "\n") and not _NOT_PLAIN_START.match(source)
            and not any(s in source for s in _NOT_PLAIN)
            and source.replace("\n", " ").isprintable() and not _NOT_PLAIN_LINE.search(source))


def plain_paragraphs(source: str, path: Path | str, field: str, line: int | None,
                     problems: list[Problem]) -> str | None:
    """The HTML Python-Markdown gives `source`, math converted, when `source` is only
    paragraphs of text, inline math, code spans, links, autolinks and simple emphasis; None
    when it may hold any other Markdown syntax, or these in a form not mirrored here.

    A fast path (Markdown takes ~0.5 ms an abstract, this ~10-30 us) that gives the same bytes:
    tests/test_markup_speed.py compares the two on real, generated and random abstracts."""
    if not _is_plain(source):
        return None
    paragraphs: list[list[str | tuple[str]]] = []
    for para in source.split("\n\n"):
        if not any(c in para for c in _INLINE_SYNTAX):
            paragraphs.append([para])
            continue
        parts = _inline(para)
        if parts is None:
            return None
        paragraphs.append(parts)
    return "\n".join(
        "<p>" + "".join(part if isinstance(part, str) else
                        render_math(part[0], False, path, field, line, problems)
                        for part in parts) + "</p>"
        for parts in paragraphs)


# The inline syntax of one paragraph, handled as Python-Markdown 3.11's inline patterns handle
# it, in their order: code spans (priority 190), arithmatex math (189.9), inline links (160),
# autolinks (120), `*` emphasis (60). Like Markdown, each step replaces what it renders with a
# placeholder, STX number ETX, that later steps cannot match into; to emphasis it looks as
# Markdown's own placeholder (STX klzzwxh:number ETX) does, neither a space nor a `*`. Each
# step returns None for any form it does not mirror: then the whole text goes to Markdown.
_PLACEHOLDER = re.compile("\x02([0-9]+)\x03")
_Stash = Callable[[str | tuple[str]], str]   # stores a rendered span, returns its placeholder


def _inline(para: str) -> list[str | tuple[str]] | None:
    """One paragraph's HTML as parts: strings, and `(tex,)` for math to convert in order."""
    spans: list[str | tuple[str]] = []

    def stash(span: str | tuple[str]) -> str:
        spans.append(span)
        return f"\x02{len(spans) - 1}\x03"

    data: str | None = para
    for step in (_code_spans, _math_spans, _links, _angle_brackets):
        data = step(data, stash)
        if data is None:
            return None
    if any(c in data for c in _LEFTOVER_SYNTAX):
        return None   # checked before emphasis, which would hide them in its spans
    data = _emphasis(data, stash)
    return None if data is None else _expand(data, spans, [])


def _expand(data: str, spans: list[str | tuple[str]], out: list[str | tuple[str]]
            ) -> list[str | tuple[str]]:
    """`data` with its placeholders replaced by what they stand for, recursively."""
    for i, piece in enumerate(_PLACEHOLDER.split(data)):
        if i % 2 == 0:
            if piece:
                out.append(piece)
        else:
            span = spans[int(piece)]
            if isinstance(span, tuple):
                out.append(span)
            else:
                _expand(span, spans, out)
    return out


# Declined in code: `<!` (a comment Markdown's HTML preprocessor may rewrite, `--!>` as `-->`),
# `&#` (a character reference it may complete with `;`), `|` (table rows are split on it) and
# newlines (kept in the code, and a line start to check).
_NOT_IN_CODE = ("<!", "&#", "|", "\n")


def _code_spans(data: str, stash: _Stash) -> str | None:
    """`code` -> <code>code</code>: BacktickInlineProcessor strips the code and escapes `&`,
    `<` and `>` (util.code_escape). Only single backticks paired in order, none after a
    backslash (an escape, or escaped backslashes before a backtick), no blank code."""
    if "`" not in data:
        return data
    pieces = data.split("`")
    if len(pieces) % 2 == 0:
        return None   # a backtick left unpaired
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        code, text = pieces[i], pieces[i + 1]
        if (not code.strip() or code.endswith("\\") or out[-1].endswith("\\")
                or (not text and i + 2 < len(pieces))       # `` (a longer run of backticks)
                or any(s in code for s in _NOT_IN_CODE)):
            return None
        code = code.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out += [stash(f"<code>{code}</code>"), text]
    return "".join(out)


@lru_cache(maxsize=1)
def _math_regex() -> re.Pattern[str]:
    """arithmatex's own regex, which finds the math exactly as it would: made from its
    patterns as its extension makes it for our settings (smart dollars, `$` and `\\(`), rather
    than read from a whole Markdown instance, which takes ~0.2 s to set up (a third of a
    50-paper build with no cache). tests/test_markup.py checks that the two are the same."""
    try:
        from pymdownx.arithmatex import RE_BRACKET_INLINE, RE_SMART_DOLLAR_INLINE
    except ImportError:       # another version of pymdownx: ask the instance
        regex = _markdown().inlinePatterns["arithmatex-inline"].compiled_re
        return getattr(regex, "regex", regex)
    # markdown.inlinepatterns.InlineProcessor compiles its pattern with these flags.
    return re.compile(f"(?:{RE_SMART_DOLLAR_INLINE}|{RE_BRACKET_INLINE})", re.DOTALL | re.UNICODE)


# Where a match of arithmatex's regex can start: every one of its alternatives opens with a
# lookbehind, then a `$` or a backslash.
_MATH_START = re.compile(r"[$\\]")


def _math_matches(regex: re.Pattern[str], data: str):  # -> Iterator[re.Match[str]]
    """regex.finditer(data), for arithmatex's regex: tried only where a match can start.
    Its opening lookbehinds keep the regex engine from skipping ahead, so finditer tried the
    whole regex at every character: ~150 us a paragraph with math, this ~10 us. (Its
    matches are never empty, and lookbehinds see the text before `pos`.)"""
    pos = 0
    while (start := _MATH_START.search(data, pos)) is not None:
        m = regex.match(data, start.start())
        if m is None:
            pos = start.start() + 1
        else:
            yield m
            pos = m.end()


def _math_spans(data: str, stash: _Stash) -> str | None:
    """Inline `$tex$` (and `\\(tex\\)`) -> a part converted to MathML in document order.
    Declined: escaped backslashes, math across lines, and `<`, `>`, `&` in the TeX (Markdown's
    serializer escapes the TeX but spares entities, and to_html unescapes it: `&amp;` would
    come back as `&`)."""
    if "$" not in data and "\\" not in data:
        return data
    out, last = [], 0
    for m in _math_matches(_math_regex(), data):
        groups = m.groups()
        tex = groups[2] or groups[5]
        if groups[0] or groups[3] or not tex or any(c in tex for c in "\n<>&"):
            return None
        out += [data[last:m.start()], stash((tex,))]
        last = m.end()
    out.append(data[last:])
    return "".join(out)


# A URL character in links and autolinks: none that an earlier inline pattern could take
# (backslash, backtick, `$`, brackets, placeholders), that ends or quotes a URL or title (space,
# `<`, `>`, quotes, parentheses: allowed only as below) or that is rare enough to leave to
# Markdown (`{}|^*`). `&` is allowed except in `&#`.
_URL_CHAR = r"[^\s<>\"'`\\\[\]{}|^$*()\x02\x03]"
_INLINE_LINK = re.compile(
    r"\[(?P<text>[^\[\]\n]+)\]"
    rf"\((?P<url>(?:{_URL_CHAR}|\({_URL_CHAR}*\))+)"
    r"(?: +(?P<quote>[\"'])(?P<title>[^\"'()<>&\\`$\[\]\x02\x03\n]+)(?P=quote))?\)")
# Markdown's serializer escapes `&` in text and attributes unless it starts an entity
# (markdown.serializers.RE_AMP).
_RE_AMP = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.I)


def _links(data: str, stash: _Stash) -> str | None:
    """[text](url) and [text](url "title") -> <a href="url" title="title">text</a>, as
    LinkInlineProcessor gives them: the URL may hold one level of balanced parentheses (its
    bracket count), the title is stripped, the text goes through emphasis. Every `[` must start
    such a link: references, footnotes, images and nested brackets are declined."""
    if "[" not in data:
        return data
    out, last = [], 0
    start = data.find("[")
    while start != -1:
        m = _INLINE_LINK.match(data, start)
        if m is None or data[start - 1:start] == "!" or "&#" in m["url"]:
            return None
        text = _link_text(m["text"], stash)
        title = m["title"].strip() if m["title"] is not None else None
        if text is None or title == "":
            return None
        attributes = f' href="{_RE_AMP.sub("&amp;", m["url"])}"'
        if title is not None:
            attributes += f' title="{title}"'
        out += [data[last:start], stash(f"<a{attributes}>{text}</a>")]
        last = m.end()
        start = data.find("[", last)
    out.append(data[last:])
    return "".join(out)


def _link_text(text: str, stash: _Stash) -> str | None:
    """A link's text after the inline patterns that follow links, of which only emphasis may
    apply here; None for a footnote-like `^`, blank text or any other syntax."""
    if text[0] == "^" or not text.strip() or any(c in text for c in _LEFTOVER_SYNTAX):
        return None
    return _emphasis(text, stash)


_ANGLE = re.compile(rf"<(?P<url>https?://(?:{_URL_CHAR}|[()])+)>|(?P<lt><(?=[ 0-9]))|(?P<gt>>)|<")
_AUTOMAIL = re.compile(r"<([^<> !]+@[^@<> ]+)>")   # Markdown's AUTOMAIL_RE


def _angle_brackets(data: str, stash: _Stash) -> str | None:
    """<http(s)://url> -> <a href="url">url</a> (AutolinkInlineProcessor); a `<` before a space
    or a digit, which starts no tag, autolink or email link, and `>` stay text, escaped by the
    serializer as &lt; and &gt;. Any other `<` (HTML, email links) is declined."""
    if "<" not in data and ">" not in data:
        return data
    out, last = [], 0
    for m in _ANGLE.finditer(data):
        if m.lastgroup == "url" and "&#" not in m["url"]:
            url = _RE_AMP.sub("&amp;", m["url"])
            span = f'<a href="{url}">{url}</a>'
        elif m.lastgroup == "gt":
            span = "&gt;"
        elif m.lastgroup == "lt" and not _AUTOMAIL.match(data, m.start()):
            span = "&lt;"
        else:
            return None
        out += [data[last:m.start()], stash(span)]
        last = m.end()
    out.append(data[last:])
    return "".join(out)


# Markdown's DelimiterProcessor classes a run of `*` by its neighbours (Delimiter._build_patterns,
# the `*` token not being "smart"): it may open before a non-space, close after one, or both.
# (`\*\**`, not `\*+`: opening with a literal lets the regex engine skip to each `*`; 20 us ->
# 2 us on an abstract.)
_STAR_RUN = re.compile(r"\*\**")
_STAR_BOUNDARY = re.compile(r"""(?x)
    (?P<ambiguous>(?<!^)(?<![\s*])\*+(?![\s*])(?!$))|
    (?P<end>(?<!^)(?<![\s*])\*+)|
    (?P<start>\*+(?![\s*])(?!$))
    """)


def _emphasis(data: str, stash: _Stash) -> str | None:
    """*em* -> <em>em</em> and **strong** -> <strong>strong</strong>, when the runs of `*` pair
    in order, one opening (start or ambiguous), the next closing (end or ambiguous) with the
    same length, 1 or 2: then DelimiterProcessor pairs exactly these, one region a match, and
    leaves no state behind. Declined: longer runs, nesting, unpaired or space-flanked `*`.
    `data` must hold no other syntax (no `_`, the other delimiter, no escape): the callers
    check it first."""
    if "*" not in data:
        return data
    runs = [m.span() for m in _STAR_RUN.finditer(data)]
    if len(runs) % 2:
        return None
    out, last = [], 0
    for (a, b), (c, d) in zip(runs[::2], runs[1::2]):
        if b - a > 2 or d - c != b - a:
            return None
        opener, closer = _STAR_BOUNDARY.match(data, a), _STAR_BOUNDARY.match(data, c)
        if opener is None or opener.lastgroup == "end" or closer is None \
                or closer.lastgroup == "start":
            return None
        tag = "strong" if b - a == 2 else "em"
        out += [data[last:a], stash(f"<{tag}>{data[b:c]}</{tag}>")]
        last = d
    out.append(data[last:])
    return "".join(out)


_MATH_SEGMENT = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)(?:\\.|[^\\$])+?(?<!\s)\$", re.S)
_TEXT_MODE = (
    (re.compile(r"``([^`'\n]+?)''"), "\u201c\\1\u201d"),          # ``quoted'' -> “quoted”
    (re.compile(r"\\(?:textit|emph)\{([^{}\n]+)\}"), "*\\1*"),
    (re.compile(r"\\textbf\{([^{}\n]+)\}"), "**\\1**"),
    (re.compile(r"\\href\{(https?://[^{}\s]+)\}\{([^{}\n]+)\}"), "[\\2](\\1)"),
    (re.compile(r"\\url\{(https?://[^{}\s]+)\}"), "<\\1>"),
)
_TEXT_MODE_STARTS = ("``", "\\textit{", "\\emph{", "\\textbf{", "\\href{", "\\url{")


def latex_text_to_markdown(text: str) -> str:
    """Text-mode LaTeX that abstracts copied from papers carry, outside math, as Markdown:
    ``quotes'', \\textit, \\emph, \\textbf, \\url and \\href. Math is left untouched."""
    if not any(start in text for start in _TEXT_MODE_STARTS):   # math alone has nothing to do
        return text
    out, last = [], 0
    for m in _MATH_SEGMENT.finditer(text):
        out.append(_text_mode(text[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_text_mode(text[last:]))
    return "".join(out)


def _text_mode(segment: str) -> str:
    for pattern, replacement in _TEXT_MODE:
        segment = pattern.sub(replacement, segment)
    return segment


def inline_html(text: str, path: Path | str, field: str = "title", line: int | None = None
                ) -> tuple[str, list[Problem]]:
    """Plain text with inline `$...$` math (a title) -> escaped HTML with MathML."""
    if "$" not in text:
        return html.escape(text, quote=False), []
    problems: list[Problem] = []
    parts: list[str] = []
    last = 0
    for m in _INLINE_MATH.finditer(text):
        parts.append(html.escape(text[last:m.start()].replace("\\$", "$"), quote=False))
        parts.append(render_math(m.group(1), False, path, field, line, problems))
        last = m.end()
    parts.append(html.escape(text[last:].replace("\\$", "$"), quote=False))
    return sanitize("".join(parts)), problems


def render_math(tex: str, block: bool, path: Path | str, field: str, line: int | None,
                problems: list[Problem]) -> str:
    """One formula -> MathML, or its source in <code> with a warning when it cannot be."""
    from latex2mathml.converter import convert  # imported only when a page has math

    try:
        mathml = convert(tex, display="block" if block else "inline")
    except Exception as exc:  # latex2mathml raises many exception types for bad input
        reason = f"{type(exc).__name__} {exc}".strip()
    else:
        unknown = _UNKNOWN_COMMAND.search(mathml)
        if not unknown:
            return mathml
        reason = f"unknown command {unknown.group(1)}"
    problems.append(warning(path, line, field,
                            f"LaTeX ${tex}$ cannot be converted to MathML ({reason}); "
                            "shown as source"))
    source = html.escape(f"$${tex}$$" if block else f"${tex}$", quote=False)
    return f'<code class="math-error">{source}</code>'


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$<>|~])")
# Raw HTML tags in Markdown: only real tag names, so a title's "<Bounds>" stays as text.
_RAW_TAG = re.compile(r"</?(?:%s)(?:\s[^<>]*)?/?>" % "|".join(
    sorted(nh3.ALLOWED_TAGS | {"script", "style", "iframe", "object", "embed", "form", "input",
                               "button", "svg", "math", "font", "center"}, key=len, reverse=True)),
    re.I)
# Commands that only style their argument: `\textbf{mo}` reads as "mo", in math or not.
_TEXT_COMMAND = re.compile(
    r"\\(?:textbf|textit|textrm|textsf|texttt|text|mathrm|mathbf|mathit|mathsf|mathcal|mathbb|"
    r"operatorname|emph)\{([^{}]*)\}")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[^a-z\s]|\s*$)")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "cf.", "vs.", "Fig.", "Eq.", "Sec.", "resp.")


@lru_cache(maxsize=1 << 12)   # a title is asked for by the page's <title>, og:title, tags, JSON-LD
def plain_text(text: str) -> str:
    """Markdown with math -> readable plain text for meta tags, JSON-LD and feeds.

    Math reads as its LaTeX source without the dollars (`$x*y*z$` -> `x*y*z`; styling commands
    such as `\\textbf{mo}` unwrapped) and code as its text: both are set aside before Markdown's
    emphasis and links are stripped, so their `*`, `_` and brackets survive. The result is
    unescaped text; templates escape it once.
    """
    # Each step runs only when the text holds what its pattern needs: most abstracts and
    # titles are prose with none of it, and the regexes cost 200 us on a 1,500-character one.
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    if "`" in text:
        text = _CODE_SPAN.sub(lambda m: keep(m.group(2).strip()), text)
    if "$" in text:
        if "$$" in text:
            text = _DISPLAY_MATH.sub(lambda m: keep(_TEXT_COMMAND.sub(r"\1", m.group(1).strip())),
                                     text)
        text = _FAST_INLINE_MATH.sub(lambda m: keep(_TEXT_COMMAND.sub(r"\1", m.group(1))), text)
    if "\\" in text:
        text = _MARKDOWN_ESCAPE.sub(lambda m: keep(m.group(1)), text)
        text = _TEXT_COMMAND.sub(r"\1", text)
        text = _LATEX_COMMAND.sub(r"\1", text)                      # LaTeX outside math
    if _has_block_mark(text):
        text = _BLOCK_MARK.sub("", text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)                               # links and images
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _RAW_TAG.sub("", text)                                # raw HTML
    if "*" in text:
        text = _STAR_EMPHASIS.sub(r"\2", text)
    if "_" in text:
        text = _UNDERSCORE_EMPHASIS.sub(r"\2", text)
    text = html.unescape(text)
    if "\x00" in text:
        text = _KEPT.sub(lambda m: kept[int(m.group(1))], text)
    return " ".join(text.split())     # as re.sub(r"\s+", " ", text).strip(): same whitespace


_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_BLOCK_MARK = re.compile(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", re.M)
# _INLINE_MATH starting with its `$`, so the regex engine skips to each `$` instead of trying
# the lookbehind at every character (35 us -> 1 us on an abstract); it matches the same text.
_FAST_INLINE_MATH = re.compile(r"\$(?<![\\$]\$)(?!\s)((?:\\.|[^\\$])+?)(?<!\s)\$(?!\$)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_STAR_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_KEPT = re.compile(r"\x00(\d+)\x00")


def _has_block_mark(text: str) -> bool:
    """Whether a line may start with a heading, quote, list or number marker (a quick test
    for _BLOCK_MARK, whose multi-line `^` the regex engine tries at every character)."""
    for line in text.split("\n"):
        first = line.lstrip()[:1]
        if first and (first in "#>*+-" or first.isdigit()):
            return True
    return False


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of plain text, cut at a word boundary under `limit` characters.

    A sentence ends at `.`, `!` or `?` before a space and a word that is not lowercase, and
    not after an abbreviation such as "e.g." or "et al."."""
    sentence = text
    for m in _SENTENCE_END.finditer(text):
        if not text[: m.end()].endswith(_ABBREVIATIONS):
            sentence = text[: m.end()]
            break
    if len(sentence) > limit:
        head = sentence[:limit]
        head = head.rsplit(" ", 1)[0] if " " in head else head[: limit - 1]
        sentence = head.rstrip(" ,;:") + "…"
    return sentence
