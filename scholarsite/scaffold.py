"""`new`: create `content/papers/<slug>.md` from the theme's `archetypes/paper.md`.

The slug comes from the title by the import's rules (`slugs.slugify`). The required fields are
filled (the date defaults to today, the category to the one most papers use, the profile's
name is the first author), the optional ones are left as commented examples, and the file is
checked with the build's own loader. An existing file is never overwritten.
"""
from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2

from . import content as C
from . import fields as F
from .errors import SiteError, UsageError, display_path, problem
from .importers.writer import emit_yaml
from .slugs import MAX_LENGTH, is_valid_slug, slugify
from .theme import load_theme

ARCHETYPE = "paper.md"


def create_paper(content_dir: Path, title: str, themes_dir: Path | None = None,
                 category: str | None = None, date: str | dt.date | None = None,
                 code: str | None = None, slug: str | None = None) -> Path:
    """Write a new paper file and return its path. Raises UsageError for bad arguments and
    SiteError when the content cannot be read or the file exists."""
    content_dir = Path(content_dir)
    title = _argument("title", title)
    config, problems = C.load_config(content_dir / C.SITE_FILE)
    profile, more = C.load_profile(content_dir / C.PROFILE_FILE)
    if config is None or profile is None:
        raise SiteError([p for p in problems + more if p.is_error])
    papers_dir = content_dir / C.PAPERS_DIR
    category = _argument("category", category.upper()) if category else most_common_category(content_dir)
    if not F.CATEGORY_RE.match(category):
        raise UsageError(f"--category: expected an arXiv-style code such as LG, CV or "
                         f"QUANT-PH, found {category!r}")
    when = date if isinstance(date, dt.date) else _date(date)
    code = _argument("code", code) if code else None
    if slug is None:
        slug = slugify(title)
    elif not is_valid_slug(slug):
        raise UsageError(f"--slug: {slug!r} is not a valid slug: use lowercase ASCII letters, "
                         f"digits and single hyphens, at most {MAX_LENGTH} characters")
    path = papers_dir / f"{slug}.md"
    if path.exists():
        taken = {p.stem for p in C.paper_paths(content_dir)}
        raise SiteError([problem(path, None, "slug",
                                 f"exists already; nothing was overwritten: edit that file, or "
                                 f"choose another slug, e.g. --slug {slugify(title, taken)}")])
    themes = Path(themes_dir) if themes_dir else content_dir.resolve().parent / "themes"
    theme = load_theme(themes, config.theme)
    archetype = theme.archetype(ARCHETYPE)
    if archetype is None:
        raise SiteError([problem(themes / config.theme / "archetypes" / ARCHETYPE, None, None,
                                 f"theme {config.theme!r} and its parents have no "
                                 f"archetypes/{ARCHETYPE}")])
    text = render_archetype(archetype, title=title, date=when, category=category,
                            authors=[profile.name], code=code, slug=slug)
    papers_dir.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as out:     # "x": never replace a file
        out.write(text)
    return path


def most_common_category(content_dir: Path) -> str:
    """The category most papers use; on a tie, the first code in alphabetical order."""
    counts: Counter[str] = Counter()
    for path in C.paper_paths(content_dir):
        paper, _ = C.load_paper(path)
        if paper is not None:
            counts[paper.category] += 1
    if not counts:
        raise UsageError("there are no papers to take the most common category from: "
                         "pass --category, e.g. --category LG")
    return min(counts, key=lambda code: (-counts[code], code))


def render_archetype(archetype: Path, **values: Any) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(archetype.parent)),
        undefined=jinja2.StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["entry"] = lambda name, value: emit_yaml([(name, value)])
    env.filters["comment"] = comment
    return env.get_template(archetype.name).render(fields=F.PAPER_FIELDS, **values)


def comment(text: str) -> str:
    """Every line of `text` as a YAML comment."""
    return "".join(f"# {line}\n" for line in text.splitlines())


def _argument(name: str, value: str) -> str:
    field = F.field_table(F.PAPER_FIELDS)[name]
    if name == "code":
        error = F.check_url(value)
        value = value.strip()
    else:
        value, error = F.check_value(field, value)
    if error:
        raise UsageError(f"{'' if name == 'title' else '--'}{name}: {error}")
    return value


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    value, error = F.check_date(text)
    if error:
        raise UsageError(f"--date: {error}")
    return value


def run(args) -> int:
    """`scholarsite new "Title"`: print the new file's path."""
    path = create_paper(args.content, args.title, args.themes, args.category, args.date,
                        args.code, args.slug)
    paper, problems = C.load_paper(path)
    for p in problems:    # only a child theme's broken archetype can cause any
        print(p, file=sys.stderr)
    print(display_path(path))
    return 0 if paper is not None and not any(p.is_error for p in problems) else 1
