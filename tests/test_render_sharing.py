"""What rendering shares between pages: `{% cache %}` fragments and list items rendered once
for every page depth. Shared output must be the output each page would get on its own."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest

from perf.gen_corpus import generate
from scholarsite import render, theme as theme_module
from scholarsite.builder import Builder, build
from scholarsite.errors import SiteError
from scholarsite.theme import Theme, clear_fragments, load_theme
from test_theme import child_theme

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env() -> jinja2.Environment:
    environment = load_theme(REPO / "themes", "default").env
    environment.fragment_cache.clear()
    return environment


def test_a_fragment_is_rendered_once_per_key(env):
    tpl = env.from_string("{% cache x %}<b>{{ y }}</b>{% endcache %}")
    assert tpl.render(x=1, y="a") == "<b>a</b>"
    assert tpl.render(x=1, y="b") == "<b>a</b>"          # y is not a key: the first is reused
    assert tpl.render(x=2, y="<b>") == "<b>&lt;b&gt;</b>"  # escaped once, not twice


def test_two_tags_with_the_same_keys_do_not_share(env):
    tpl = env.from_string("{% cache x %}one{% endcache %} \n{% cache x %}two{% endcache %}")
    assert tpl.render(x=1).split() == ["one", "two"]


def test_a_fragment_without_keys_is_the_same_for_the_whole_build(env):
    tpl = env.from_string("{% cache %}{{ y }}{% endcache %}")
    assert tpl.render(y=1) == "1" and tpl.render(y=2) == "1"
    clear_fragments(Theme("t", [], env))
    assert tpl.render(y=2) == "2"


def test_a_fragment_inside_a_macro_a_set_block_and_a_loop_is_reused(env):
    """The tag's own compiled code (theme._CodeGenerator.visit_CallBlock) where output goes to
    a buffer rather than straight out, and its body's macro is made only for a new key."""
    source = ("{% macro m(v) %}[{% cache v %}{{ v }}{{ n }}{% endcache %}]{% endmacro %}"
              "{% set s %}{% cache %}<i>{{ n }}</i>{% endcache %}{% endset %}"
              "{% for v in [1, 2, 1] %}{{ m(v) }}{% endfor %}{{ s }}")
    plain = jinja2.Environment(extensions=[theme_module.FragmentCache], autoescape=True)
    for environment in (env, plain):
        tpl = environment.from_string(source)
        assert tpl.render(n="&") == "[1&amp;][2&amp;][1&amp;]<i>&amp;</i>"
        assert tpl.render(n="b") == "[1&amp;][2&amp;][1&amp;]<i>&amp;</i>"
    code = env.compile("{% cache x %}{{ y }}{% endcache %}", raw=True)
    assert code.index("._hit(") < code.index("def macro(") < code.index("._cached(")


def test_unhashable_keys_are_a_clear_error(env):
    tpl = env.from_string("{% cache d %}x{% endcache %}")
    with pytest.raises(jinja2.TemplateRuntimeError, match="keys must be text, numbers or None, found"):
        tpl.render(d={"a": 1})


def test_check_mode_reports_a_fragment_that_needs_more_keys(env, monkeypatch):
    monkeypatch.setattr(theme_module, "_CHECK_FRAGMENTS", True)
    tpl = env.from_string("{% cache x %}{{ y }}{% endcache %}")
    tpl.render(x=1, y=1)
    tpl.render(x=1, y=1)                                   # the same: fine
    with pytest.raises(jinja2.TemplateRuntimeError, match=r"shows something its keys \[1\] do not name"):
        tpl.render(x=1, y=2)


def test_the_default_theme_keys_its_fragments_fully(tmp_path, monkeypatch):
    """Every reuse of a fragment is checked against a fresh render, on a generated site with
    pages at every depth, and on the sample site."""
    monkeypatch.setattr(theme_module, "_CHECK_FRAGMENTS", True)
    monkeypatch.setenv("SCHOLARSITE_WORKERS", "1")
    generate(120, tmp_path / "content", seed=3)
    build(tmp_path / "content", tmp_path / "site", REPO / "themes")
    build(REPO / "tests" / "data" / "sample", tmp_path / "sample-site", REPO / "themes")


def test_an_edited_site_title_reaches_every_fragment(sample_root):
    builder = Builder(sample_root / "content", sample_root / "site", sample_root / "themes")
    builder.rebuild()
    site_yml = sample_root / "content" / "site.yml"
    site_yml.write_text(re.sub(r"(?m)^title: .*$", "title: Renamed Lab", site_yml.read_text()))
    builder.rebuild()
    page = (sample_root / "site" / "papers" / "deep-sets" / "index.html").read_text()
    assert 'class="nav-home" href="../../index.html">Renamed Lab</a>' in page
    fresh = sample_root / "fresh"
    build(sample_root / "content", fresh, sample_root / "themes")
    for path in fresh.rglob("*.html"):
        assert (sample_root / "site" / path.relative_to(fresh)).read_bytes() == path.read_bytes(), path


def _items(html: str) -> list[str]:
    return re.findall(r'<li class="paper-item".*?</li>', html, re.S)


def test_shared_list_items_are_what_the_partial_renders_at_each_depth(tmp_path):
    generate(60, tmp_path / "content", seed=5)
    build(tmp_path / "content", tmp_path / "site", REPO / "themes")
    theme = load_theme(REPO / "themes", "default")
    builder = Builder(tmp_path / "content", tmp_path / "other", REPO / "themes")
    site, _ = builder._load_site()
    paper = site.papers[0]
    context = dict(site=site, config=site.config, profile=site.profile,
                   highlight=lambda name: False)
    item = theme.env.get_template(render.ITEM_TEMPLATE)
    category = (tmp_path / "site" / "categories" / paper.category.lower() / "index.html").read_text()
    papers = (tmp_path / "site" / "papers" / "index.html").read_text()
    ours = [i for i in _items(category) if f'href="../../{paper.url}index.html"' in i]
    assert ours == [item.render(paper=paper, root="../../", **context).strip()]
    ours = [i for i in _items(papers) if f'href="../{paper.url}index.html"' in i]
    assert ours == [item.render(paper=paper, root="../", **context).strip()]


def test_an_item_that_uses_root_otherwise_than_as_a_prefix_is_rendered_per_depth(sample_root):
    folder = child_theme(sample_root)
    shutil.copy(sample_root / "themes/default/templates/partials/paper_item.html",
                folder / "templates/partials/paper_item.html")
    path = folder / "templates/partials/paper_item.html"
    path.write_text(path.read_text().replace(
        '<li class="paper-item"', '<li data-depth="{{ root | length }}{{ "top" if not root }}" class="paper-item"'))
    build(sample_root / "content", sample_root / "site", sample_root / "themes")
    home = (sample_root / "site/index.html").read_text()
    papers = (sample_root / "site/papers/index.html").read_text()
    category = next((sample_root / "site/categories").glob("*/index.html")).read_text()
    assert 'data-depth="0top"' in home
    assert 'data-depth="3"' in papers and 'data-depth="0top"' not in papers
    assert 'data-depth="6"' in category
    assert render._ROOT_MARK not in home + papers + category


def test_no_mark_is_left_in_any_page(tmp_path):
    generate(80, tmp_path / "content", seed=9)
    build(tmp_path / "content", tmp_path / "site", REPO / "themes")
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file():
            assert b"\x00" not in path.read_bytes(), path


def test_a_broken_fragment_is_a_site_error_naming_the_template(sample_root):
    folder = child_theme(sample_root)
    (folder / "templates/partials/footer.html").write_text(
        "<footer>{% cache [1] %}x{% endcache %}</footer>\n")
    with pytest.raises(SiteError, match=r"footer.html:1: .*keys must be text"):
        build(sample_root / "content", sample_root / "site", sample_root / "themes")
