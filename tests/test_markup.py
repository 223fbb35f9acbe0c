"""Markdown, math and sanitizing."""
from __future__ import annotations

from scholarsite.markup import inline_html, plain_text, to_html


def html(text: str) -> str:
    out, problems = to_html(text, "p.md")
    assert problems == []
    return out


def test_math_is_protected_from_markdown_emphasis():
    out = html("a $x*y*z$ b and $a_i^*$ and $b_i^*$")
    assert "<em>" not in out
    assert out.count("<math") == 3
    assert "<mo>*</mo>" in out


def test_inline_math_becomes_mathml():
    assert html("value $1,120$ here") == (
        '<p>value <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow>'
        "<mn>1</mn><mo>,</mo><mn>120</mn></mrow></math> here</p>")


def test_display_math_becomes_block_mathml():
    out = html("$$\n\\sum_i x_i\n$$")
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')


def test_textbf_and_top_from_the_real_abstracts():
    assert '<mtext mathvariant="bold">mo</mtext>' in html(r"$\textbf{mo}$")
    assert "<msup><mi>A</mi><mo>⊤</mo></msup>" in html(r"$BA^\top$")


def test_dollar_amounts_are_not_math():
    assert html("costs $5 and $10") == "<p>costs $5 and $10</p>"


def test_escaped_dollar_is_a_dollar():
    assert html(r"price \$3") == "<p>price $3</p>"


def test_unconvertible_latex_is_shown_as_source_with_a_warning():
    out, problems = to_html("bad $x^$ here", "p.md", line=7)
    assert out == '<p>bad <code class="math-error">$x^$</code> here</p>'
    assert [str(p) for p in problems] == [
        "p.md:7: abstract: warning: LaTeX $x^$ cannot be converted to MathML "
        "(MissingSuperScriptOrSubscriptError); shown as source"]


def test_unknown_command_is_detected():
    _, problems = to_html(r"$\foo{x}$", "p.md")
    assert "unknown command \\foo" in str(problems[0])


def test_raw_html_is_sanitized():
    out = html('<script>alert(1)</script><iframe src="https://x.org"></iframe>'
               '<a href="javascript:alert(1)" onclick="x()">a</a><img src=x onerror="y()">')
    for bad in ("<script", "alert(1)", "<iframe", "javascript:", "onclick", "onerror"):
        assert bad not in out


def test_script_inside_math_text_is_removed():
    out = html(r"$\text{<script>alert(1)</script>}$")
    assert "<script" not in out and "alert" not in out


def test_safe_links_and_ids_survive():
    assert html("[ok](https://example.org)") == (
        '<p><a href="https://example.org" rel="noopener">ok</a></p>')


def test_title_with_math_and_specials_is_escaped():
    out, problems = inline_html(r"PixArt-$\alpha$: <Fast> & cheap", "p.md")
    assert problems == []
    assert out.startswith("PixArt-<math")
    assert out.endswith(": &lt;Fast&gt; &amp; cheap")


def test_plain_text_strips_markdown_and_math_delimiters():
    assert plain_text(r"We **use** $\textbf{mo}$ and [a link](https://x.org) <b>x</b>.") == (
        "We use mo and a link x.")


def test_text_mode_latex_outside_math_becomes_markdown():
    """Abstracts pasted from papers carry ``quotes'', \\textit and \\url (seen in the real seed)."""
    assert html(r"the ``Adapt-Aggregate-Execute'' mechanism") == (
        "<p>the \u201cAdapt-Aggregate-Execute\u201d mechanism</p>")
    assert html(r"question: \textit{Is it possible} to \textbf{share}?") == (
        "<p>question: <em>Is it possible</em> to <strong>share</strong>?</p>")
    assert html(r"at \url{https://github.com/a/b}") == (
        '<p>at <a href="https://github.com/a/b" rel="noopener">https://github.com/a/b</a></p>')


def test_text_mode_latex_inside_math_is_left_to_mathml():
    assert '<mtext mathvariant="italic">subset</mtext>' in html(r"an $\textit{subset}$ of")


def test_the_shortcuts_math_regex_is_arithmatexs_own():
    from scholarsite import markup
    real = markup._markdown().inlinePatterns["arithmatex-inline"].compiled_re
    real = getattr(real, "regex", real)       # unwrapped from its needle gate
    ours = markup._math_regex()
    assert (ours.pattern, ours.flags) == (real.pattern, real.flags)


def test_math_matches_are_those_of_finditer():
    """_math_matches tries arithmatex's regex only at `$` and backslashes; on random text
    full of both it finds exactly what finditer finds."""
    import random

    from scholarsite import markup
    regex = markup._math_regex()
    rng = random.Random(7)
    pieces = ["$", "$$", "\\", "\\\\", "\\(", "\\)", "x", " ", "a b", "\n", "\x02", "{", "}"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert ([m.span() for m in markup._math_matches(regex, text)]
                == [m.span() for m in regex.finditer(text)]), text
