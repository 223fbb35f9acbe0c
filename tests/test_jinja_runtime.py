"""The cheaper Jinja runtime of theme.py (escaping to text, calls, contexts, template lookup)
renders exactly what plain Jinja renders: whole sites, byte for byte, and template snippets
that reach every path it changes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import markupsafe
import pytest

from perf import gen_corpus   # tests/perf/gen_corpus.py: the benchmarks' corpus
from scholarsite import theme as theme_module
from scholarsite.builder import build

REPO = Path(__file__).resolve().parent.parent
THEMES = REPO / "themes"
SAMPLE = Path(__file__).resolve().parent / "data" / "sample"


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


class PlainEnvironment(jinja2.Environment):
    """Jinja as it comes: with its optimizer too, which load_theme turns off."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("optimized", None)
        super().__init__(*args, **kwargs)


def built(content: Path, output: Path, plain: bool) -> dict[str, bytes]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCHOLARSITE_CACHE", "0")
        mp.setenv("SCHOLARSITE_WORKERS", "1")
        if plain:
            mp.setattr(theme_module, "_Environment", PlainEnvironment)
        build(content, output, THEMES)
    return tree(output)


@pytest.mark.parametrize("site", ["repository", "sample", "generated"])
def test_sites_render_to_the_same_bytes_as_with_plain_jinja(site, tmp_path):
    if site == "repository":
        content = tmp_path / "content"
        shutil.copytree(REPO / "content", content)
    elif site == "sample":
        content = tmp_path / "content"
        shutil.copytree(SAMPLE, content)
    else:
        content = gen_corpus.generate(300, tmp_path / "content")
    ours = built(content, tmp_path / "ours", plain=False)
    theirs = built(content, tmp_path / "theirs", plain=True)
    assert len(ours) > 20
    assert ours.keys() == theirs.keys()
    assert [name for name in ours if ours[name] != theirs[name]] == []


class Shouting:
    def __call__(self, text):
        return text.upper()


class Greeter:
    @jinja2.pass_context
    def __call__(self, context, who):
        return f"{context['greeting']}, {who}"


def stops():
    raise StopIteration


@jinja2.pass_context
def from_context(context, name):
    return context[name]


@jinja2.pass_environment
def from_environment(environment, value):
    return f"{type(environment).__name__ != ''}:{value}"


class Html:
    def __html__(self):
        return "<b>bold</b>"


SNIPPETS = {
    "escapes": "{{ text }}|{{ safe }}|{{ number }}|{{ html }}|{{ none }}|{{ text | e }}",
    "set block": "{% set x %}<i>{{ text }}</i>{% endset %}{{ x }}|{{ x | length }}|{{ x | e }}",
    "macro": "{% macro m(v) %}<p>{{ v }}</p>{% endmacro %}{{ m(text) }}{{ m(text) | upper }}",
    "macro arguments": "{% macro m(a, b='<b>', c=none) %}{{ a }}|{{ b }}|{{ c }}{% endmacro %}"
                       "{{ m(text) }}{{ m(text, safe) }}{{ m(text, c=1) }}{{ m(b=2, a=3) }}"
                       "{% for i in range(2) %}{{ m(i) }}{% endfor %}",
    "macro varargs": "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}"
                     "{{ m(1, 2, 3) }}{{ m(1, x=2) }}",
    "macro caller": "{% macro m(a) %}{{ a }}{{ caller() }}{% endmacro %}"
                    "{% call m(text) %}in{% endcall %}",
    "macro without its caller": "{% macro m(a) %}{{ a }}{% if caller is defined %}"
                                "{{ caller() }}{% endif %}{% endmacro %}{{ m(text) }}",
    "macro without escaping": "{% macro m(a) %}<{{ a }}>{% endmacro %}{% autoescape false %}"
                              "{{ m(text) | e }}{% endautoescape %}{{ m(text) | e }}",
    "call block": "{% macro wrap() %}[{{ caller() }}]{% endmacro %}"
                  "{% call wrap() %}{{ text }}{% endcall %}",
    "filter block": "{% filter upper %}{{ text }}<b>{% endfilter %}",
    "autoescape off": "{% autoescape false %}{{ text }}{% endautoescape %}{{ text }}",
    "concat": "{{ text ~ safe }}|{{ [text, safe] | join(', ') }}",
    "callables": "{{ shout(text) }}|{{ greet('you') }}|{{ from_context('greeting') }}"
                 "|{{ from_environment(1) }}|{{ stops() is undefined }}|{{ 'a,b'.split(',') }}",
    "loop and include": "{% for i in range(3) %}{% include 'item.html' %}{% endfor %}",
    "include without context": "{% include 'greeting.html' without context %}",
    "import": "{% from 'macros.html' import tag %}{{ tag(text) }}{% import 'macros.html' as m %}"
              "{{ m.tag(safe) }}",
    "inheritance": "{% extends 'base.html' %}{% block body %}{{ super() }}+{{ text }}"
                   "{% endblock %}",
    "self": "{% extends 'base.html' %}{% block body %}{{ self.title() }}{% endblock %}",
    # Includes and blocks, whose output _CodeGenerator joins where it is made.
    "include by name": "{% include tpl %}|{% include ['missing.html', tpl] %}"
                       "|{% include tpls %}|{% include 'missing.html' ignore missing %}.",
    "include in a macro": "{% macro m() %}({% include 'greeting.html' %}){% endmacro %}"
                          "{{ m() }}{{ m() | length }}",
    "include in a block": "{% extends 'base.html' %}{% block body %}{% for i in range(2) %}"
                          "{% set text = i * 2 %}{% include 'item.html' %}{% endfor %}{% endblock %}",
    "scoped block in a loop": "{% for i in range(3) %}{% block row scoped %}<{{ i }}>"
                              "{% endblock %}{% endfor %}",
    "nested inheritance": "{% extends 'middle.html' %}{% block title %}{{ super() }}!"
                          "{% endblock %}",
    "include text only": "{% include 'static.html' %}|{% include 'comment.html' %}|"
                         "{% for i in range(2) %}{% include 'static.html' %}{% endfor %}"
                         "{% macro m() %}{% include 'static.html' %}{% endmacro %}{{ m() }}",
    # Includes that theme.py writes into the includer, and those it must leave as includes.
    "include written in": "{% include 'uses_x.html' %}{% include 'nested.html' %}"
                          "{% include 'own_loop.html' %}{% if text %}{% include 'uses_x.html' %}"
                          "{% endif %}{% macro m() %}{% include 'uses_x.html' %}{% endmacro %}"
                          "{{ m() }}",
    "include of a name set later": "{% include 'uses_x.html' %}{% set x = 2 %}{{ x }}",
    "include of a loop's name": "{% for x in [1, 2] %}{% include 'uses_x.html' %}{% endfor %}",
    "include beside a loop": "{% for i in [1] %}{{ i }}{% endfor %}{% include 'own_loop.html' %}",
    "include that sets": "{% include 'sets.html' %}{{ y is defined }}",
    "include that reads loop": "{% for i in [1, 2] %}{% include 'loop_user.html' %}{% endfor %}"
                               "{% include 'loop_user.html' %}",
}

TEMPLATES = {
    "greeting.html": "{{ greeting }}{{ shout('!') }}",
    "item.html": "<li>{{ i | default('-') }} {{ text }}</li>",
    "macros.html": "{% macro tag(v) %}<tag>{{ v }}</tag>{% endmacro %}",
    "base.html": "<title>{% block title %}{{ text }}{% endblock %}</title>"
                 "{% block body %}<base>{% endblock %}",
    "middle.html": "{% extends 'base.html' %}{% block body %}[{% include 'greeting.html' %}"
                   "{{ super() }}]{% endblock %}",
    "static.html": "<b>only text</b> & more\n",
    "comment.html": "{# a hook for child themes #}",
    "uses_x.html": "<x>{{ x }}</x>",
    "own_loop.html": "{% for i in [7, 8] %}{{ i }}{% endfor %}{{ text }}",
    "sets.html": "{% set y = 5 %}{{ y }}{{ text }}",
    "loop_user.html": "{{ loop.index if loop is defined else '-' }}",
    "nested.html": "[{% include 'uses_x.html' %}|{% include 'static.html' %}]",
}


def environment(kind: type[jinja2.Environment]) -> jinja2.Environment:
    env = kind(loader=jinja2.DictLoader({**TEMPLATES, **SNIPPETS}), autoescape=True,
               undefined=jinja2.StrictUndefined, auto_reload=False, cache_size=-1)
    env.globals.update(shout=Shouting(), greet=Greeter(), stops=stops,
                       from_context=from_context, from_environment=from_environment,
                       greeting="Hello")
    return env


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippets_render_as_with_plain_jinja(name):
    values = dict(text="<a & 'b'>", safe=markupsafe.Markup("<em>ok</em>"), number=4.5,
                  html=Html(), none=None, tpl="greeting.html", tpls=["missing.html", "item.html"],
                  x="<x & y>")
    ours = environment(theme_module._Environment).get_template(name).render(values)
    theirs = environment(jinja2.Environment).get_template(name).render(values)
    assert ours == theirs
    assert ours.strip()


def test_imports_see_the_globals_given_to_the_importing_template():
    # Jinja passes them on through the context's globals_keys, which _Context computes.
    def render(kind):
        env = environment(kind)
        env.loader.mapping.update({
            "accent.html": "{% macro show() %}{{ accent }}{% endmacro %}",
            "importer.html": "{% from 'accent.html' import show %}{{ show() }}"})
        return env.get_template("importer.html", globals={"accent": "<!>"}).render()
    assert render(theme_module._Environment) == render(jinja2.Environment) == "&lt;!&gt;"


@pytest.mark.parametrize("call", ["m(1, 2)", "m(b=1)", "m(1, a=2)"])
def test_macro_calls_fail_as_with_plain_jinja(call):
    errors = []
    for kind in (theme_module._Environment, jinja2.Environment):
        template = environment(kind).from_string(
            "{% macro m(a) %}{{ a }}{% endmacro %}{{ " + call + " }}")
        with pytest.raises(TypeError) as error:
            template.render()
        errors.append(str(error.value))
    assert errors[0] == errors[1]


def test_output_kept_as_a_value_is_escaped_once():
    env = environment(theme_module._Environment)
    assert env.get_template("set block").render(text="<") == "<i>&lt;</i>|11|<i>&lt;</i>"
    assert env.get_template("call block").render(text="<") == "[&lt;]"


def test_escaping_to_text_matches_markupsafe():
    for value in ["", "plain", "<&>\"'", markupsafe.Markup("<b>"), Html(), 3, None, 2.5,
                  ["<x>"], "\u00e9<\u2003>"]:
        assert theme_module._escape_text(value) == str(markupsafe.escape(value))
    assert type(theme_module._escape_text("<")) is str


def test_templates_compiled_for_the_theme_escape_to_text():
    env = theme_module._Environment(loader=jinja2.DictLoader({"t.html": "{{ x }}"}),
                                    autoescape=True)
    template = env.get_template("t.html")
    assert template.root_render_func.__globals__["escape"] is theme_module._escape_text
    assert template.render(x="<") == "&lt;"


def test_the_theme_compiles_to_one_yield_per_include_and_parent_template():
    """No template of the default theme relays its includes' or its parent template's output
    piece by piece (if Jinja's compiled code changed, _CodeGenerator would stop applying)."""
    env = theme_module.load_theme(THEMES, "default").env
    names = env.list_templates()
    assert len(names) > 20
    for name in names:
        source = env.loader.get_source(env, name)[0]
        code = env.compile(source, name, name, raw=True)
        assert "for event in" not in code and "yield from parent_template" not in code, name
    paper = env.compile(env.loader.get_source(env, "paper.html")[0], "paper.html", raw=True)
    assert "yield concat(parent_template.root_render_func(context))" in paper
    base = env.compile(env.loader.get_source(env, "base.html")[0], "base.html", raw=True)
    assert "concat(template.root_render_func(template.new_context(" in base   # nav.html
    assert "yield template.static_text if template.static_text is not None else" in base


def test_includes_are_written_in_only_where_nothing_can_differ():
    env = environment(theme_module._Environment)

    def included(name: str) -> list[str]:
        code = env.compile(SNIPPETS[name], name, name, raw=True)
        return re.findall(r"(?m)^ *template = environment\.get_template\('([^']+)'", code)

    assert included("include written in") == []
    assert included("include of a name set later") == ["uses_x.html"]
    assert included("include of a loop's name") == ["uses_x.html"]
    assert included("include beside a loop") == ["own_loop.html"]
    assert included("include that sets") == ["sets.html"]
    assert included("include that reads loop") == ["loop_user.html", "loop_user.html"]
    assert included("include without context") == ["greeting.html"]


def test_a_changed_partial_is_not_served_from_compiled_code_of_its_includer(tmp_path):
    """paper.html holds authors.html's code: compiled templates kept in .cache/jinja/ are
    keyed by every template of the theme, so a new process sees an edited partial."""
    themes = tmp_path / "themes"
    shutil.copytree(THEMES, themes)
    content = tmp_path / "content"
    shutil.copytree(SAMPLE, content)
    build(content, tmp_path / "site", themes)
    paper = next((tmp_path / "site" / "papers").glob("*/index.html"))
    assert "EDITED-PARTIAL" not in paper.read_text(encoding="utf-8")
    authors = themes / "default" / "templates" / "partials" / "authors.html"
    authors.write_text(authors.read_text(encoding="utf-8") + "EDITED-PARTIAL", encoding="utf-8")
    assert any((tmp_path / ".cache" / "jinja").iterdir())
    build(content, tmp_path / "site", themes)            # a new Builder: a new environment
    assert "EDITED-PARTIAL" in paper.read_text(encoding="utf-8")


def test_the_theme_writes_its_simple_partials_into_the_pages():
    """Every include of paper.html and base.html but the navigation (which imports the icons)
    is written in; the navigation stays an include."""
    env = theme_module.load_theme(THEMES, "default").env
    for name, kept in (("paper.html", []), ("base.html", ["partials/nav.html"])):
        code = env.compile(env.loader.get_source(env, name)[0], name, name, raw=True)
        assert re.findall(r"(?m)^ *template = environment\.get_template\('([^']+)'", code) == kept


def test_templates_of_text_alone_are_included_as_their_text():
    env = environment(theme_module._Environment)
    # (this environment drops a template's last newline, as Jinja does by default)
    assert env.get_template("static.html").static_text == "<b>only text</b> & more"
    assert env.get_template("comment.html").static_text == ""
    assert env.get_template("greeting.html").static_text is None
    assert env.get_template("macros.html").static_text is None     # a macro: not text alone
    theme = theme_module.load_theme(THEMES, "default").env
    assert theme.get_template("partials/extend_head.html").static_text == ""


def test_a_template_of_one_variable_is_its_value_without_a_render(monkeypatch):
    """cite.bib (`{{ bibtex }}`) is shown without Jinja's render (render._render_page): the
    same text for any value, a global's value, and the same error for an undefined name."""
    from types import SimpleNamespace

    from scholarsite import render
    from scholarsite.errors import Problem
    from scholarsite.pages import Page

    sources = {"a.bib": "{{ bibtex }}", "b.html": "{{ bibtex }}", "c.bib": "{{ bibtex }}\n",
               "d.bib": "{{ x.y }}", "e.bib": "{{ g }}", "f.bib": "{% if 1 %}{{ bibtex }}{% endif %}"}
    env = theme_module._Environment(loader=jinja2.DictLoader(sources), keep_trailing_newline=True,
                                    autoescape=jinja2.select_autoescape(["html"]),
                                    undefined=jinja2.StrictUndefined)
    env.globals["g"] = "from the globals"
    assert {name: env.get_template(name).single_name for name in sources} == {
        "a.bib": "bibtex", "b.html": None, "c.bib": None, "d.bib": None, "e.bib": "g",
        "f.bib": None}
    assert theme_module.load_theme(THEMES, "default").env.get_template("cite.bib").single_name \
        == "bibtex"
    monkeypatch.setattr(render, "_theme", SimpleNamespace(env=env, name="t", dirs=[]))
    monkeypatch.setattr(render, "_output", SimpleNamespace(fresh=True))

    def shown(template: str, **context) -> bytes | Problem:
        result = render._render_page(Page("x/cite.bib", template, "key",
                                          lambda: SimpleNamespace(**context)))
        return result if isinstance(result, Problem) else result[1]

    for value in ["@article{k,\n  title = {A & <B>}}\n", "é ü", 42, None, markupsafe.Markup("<b>")]:
        assert shown("a.bib", bibtex=value) == env.get_template("a.bib").render(
            bibtex=value).encode(), value
    assert shown("e.bib") == b"from the globals"
    assert shown("e.bib", g="the page's") == b"the page's"
    undefined = shown("a.bib")
    assert isinstance(undefined, Problem) and "'bibtex' is undefined" in undefined.message
