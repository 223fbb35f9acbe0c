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


@lru_cache(maxsize=1)
def _markdown():  # -> markdown.Markdown
    import markdown   # imported only when a file is not in the cache: 25 ms saved per build

    return markdown.Markdown(
        extensions=["extra", "sane_lists", "pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
        output_format="html",
    )


def sanitize(fragment: str) -> str:
    """Remove scripts, event handlers, unsafe URLs and unknown tags; keep MathML."""
    return nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener")


def to_html(text: str, path: Path | str, field: str = "abstract", line: int | None = None
            ) -> tuple[str, list[Problem]]:
    """Markdown with math -> sanitized HTML; problems are warnings about LaTeX."""
    if not text.strip():
        return "", []
    md = _markdown()
    md.reset()
    body = md.convert(latex_text_to_markdown(text))
    problems: list[Problem] = []
    if "arithmatex" in body:
        def replace(m: re.Match[str]) -> str:
            block = m.group(1) == "div"
            tex = html.unescape(m.group(2)).strip()
            tex = tex[2:-2] if tex[:2] in ("\\(", "\\[") else tex
            return render_math(tex, block, path, field, line, problems)
        body = _MATH_SPAN.sub(replace, body)
    return sanitize(body), problems


_MATH_SEGMENT = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)(?:\\.|[^\\$])+?(?<!\s)\$", re.S)
_TEXT_MODE = (
    (re.compile(r"``([^`'\n]+?)''"), "\u201c\\1\u201d"),          # ``quoted'' -> “quoted”
    (re.compile(r"\\(?:textit|emph)\{([^{}\n]+)\}"), "*\\1*"),
    (re.compile(r"\\textbf\{([^{}\n]+)\}"), "**\\1**"),
    (re.compile(r"\\href\{(https?://[^{}\s]+)\}\{([^{}\n]+)\}"), "[\\2](\\1)"),
    (re.compile(r"\\url\{(https?://[^{}\s]+)\}"), "<\\1>"),
)


def latex_text_to_markdown(text: str) -> str:
    """Text-mode LaTeX that abstracts copied from papers carry, outside math, as Markdown:
    ``quotes'', \\textit, \\emph, \\textbf, \\url and \\href. Math is left untouched."""
    if "\\" not in text and "``" not in text:
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
