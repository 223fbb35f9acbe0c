"""Themes: a child theme extends the default one and overrides single templates and files."""
from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from scholarsite import cache
from scholarsite.builder import build
from scholarsite.errors import SiteError
from scholarsite.theme import load_theme

THEMES = Path(__file__).resolve().parent.parent / "themes"


def child_theme(root: Path, name: str = "mine", extends: str = "default") -> Path:
    folder = root / "themes" / name
    (folder / "templates" / "partials").mkdir(parents=True)
    (folder / "theme.yml").write_text(f"extends: {extends}\n")
    site_yml = root / "content" / "site.yml"
    site_yml.write_text(site_yml.read_text() + f"theme: {name}\n")
    return folder


def test_child_partial_overrides_the_parents(sample_root):
    folder = child_theme(sample_root)
    (folder / "templates/partials/footer.html").write_text('<footer class="mine">My footer</footer>\n')
    build(sample_root / "content", sample_root / "site")
    home = (sample_root / "site/index.html").read_text()
    assert '<footer class="mine">My footer</footer>' in home
    assert "Built with scholarsite" not in home
    assert '<h1 id="name">Ada Exemplar</h1>' in home      # the rest still comes from default


def test_child_template_extends_the_parents_same_template_and_changes_one_block(sample_root):
    folder = child_theme(sample_root)
    (folder / "templates/paper.html").write_text(
        '{% extends "default:paper.html" %}\n'
        '{% block title %}Paper: {{ paper.title | plain }}{% endblock %}\n')
    build(sample_root / "content", sample_root / "site")
    page = (sample_root / "site/papers/deep-sets/index.html").read_text()
    assert "<title>Paper: Deep Sets Revisited</title>" in page
    assert '<section class="abstract"' in page                # the parent's content block


def test_child_static_file_wins_and_parent_files_are_kept(sample_root):
    folder = child_theme(sample_root)
    (folder / "static/css").mkdir(parents=True)
    (folder / "static/css/site.css").write_text("body { color: red; }\n")
    build(sample_root / "content", sample_root / "site")
    assert (sample_root / "site/static/css/site.css").read_text() == "body { color: red; }\n"
    assert (sample_root / "site/static/js/site.js").is_file()


def test_unknown_theme_is_an_error_naming_the_available_ones(sample_root):
    site_yml = sample_root / "content/site.yml"
    site_yml.write_text(site_yml.read_text() + "theme: nosuch\n")
    with pytest.raises(SiteError) as exc:
        build(sample_root / "content", sample_root / "site")
    assert str(exc.value).endswith(
        "theme: theme 'nosuch' not found (no " + str(sample_root / "themes/nosuch") +
        "/templates/); available: default")


def test_themes_extending_each_other_in_a_loop_are_an_error(sample_root):
    child_theme(sample_root, "a", extends="b")
    (sample_root / "themes/b/templates").mkdir(parents=True)
    (sample_root / "themes/b/theme.yml").write_text("extends: a\n")
    with pytest.raises(SiteError) as exc:
        build(sample_root / "content", sample_root / "site")
    assert "themes extend each other in a loop: a -> b -> a" in str(exc.value)


def test_compiled_templates_are_reused_by_the_same_engine_only(sample_root, monkeypatch):
    """.cache/jinja keeps compiled templates; they depend on our `{% cache %}` tag's code as
    well as on their source, so another engine (scholarsite or Jinja version) compiles anew."""
    compiled = sample_root / ".cache" / "jinja"
    build(sample_root / "content", sample_root / "site")
    first = set(os.listdir(compiled))
    assert len(first) > 10
    build(sample_root / "content", sample_root / "site")
    assert set(os.listdir(compiled)) == first                 # reused, none compiled again
    monkeypatch.setattr(cache, "engine_stamp", lambda: "another engine")
    site = sample_root / "site" / "index.html"
    before = site.read_bytes()
    site.unlink()                                             # so that it is rendered again
    build(sample_root / "content", sample_root / "site")
    assert len(set(os.listdir(compiled)) - first) == len(first)
    assert site.read_bytes() == before


def test_templates_are_compiled_while_worker_processes_parse_the_papers(
        sample_root, monkeypatch, forking):
    """The build process compiles every template while it waits for the parsing workers,
    and the render workers inherit them; a template that does not compile is still reported
    by the render, with its file and line."""
    import multiprocessing

    from scholarsite import content
    from scholarsite.theme import Theme
    monkeypatch.setattr(content, "PARALLEL_PARSE_MIN", 2)
    seen = []
    compile_all = Theme.compile_all

    def spy(theme):
        seen.append(len(multiprocessing.active_children()))
        compile_all(theme)
        seen.append(sorted(template.name for template in theme.env.cache.values()))
    monkeypatch.setattr(Theme, "compile_all", spy)
    build(sample_root / "content", sample_root / "site")
    workers, compiled = seen
    assert workers > 0
    templates = sample_root / "themes" / "default" / "templates"
    assert compiled == sorted(str(p.relative_to(templates)) for p in templates.rglob("*.*"))

    seen.clear()
    (sample_root / "themes" / "default" / "templates" / "404.html").write_text(
        "{% extends 'base.html' %}\n{% block content %}{{ oops( }}{% endblock %}\n")
    with pytest.raises(SiteError) as error:
        build(sample_root / "content", sample_root / "site")
    assert "404.html:2" in str(error.value) and "template syntax error" in str(error.value)


@pytest.mark.parametrize("value", [
    {"b": [1, 2.5, None, True, {"z": "é \u2028 </script> & 'q'"}], "a": float("inf")},
    {"@context": "https://schema.org", "author": [{"@type": "Person", "name": "Ada"}] * 3},
    [], {}, "text", 3, [[{"k": [float("nan")]}]], {"\U0001f600": "\ud83d"},
])
def test_tojson_gives_what_jinja_gives(value):
    """The theme's `| tojson` goes straight to json's C encoder (theme._json_dumps)."""
    ours = load_theme(THEMES, "default").env.from_string("{{ v | tojson }}|{{ v | tojson(2) }}")
    plain = jinja2.Environment(autoescape=True).from_string("{{ v | tojson }}|{{ v | tojson(2) }}")
    assert ours.render(v=value) == plain.render(v=value)


def test_tojson_fails_as_jinja_does_on_what_json_cannot_write():
    template = load_theme(THEMES, "default").env.from_string("{{ v | tojson }}")
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        template.render(v={"a": object()})
