"""Render planned pages through the theme: [Page] -> {output path: bytes}.

A page whose key matches the previous render is not rendered again: the previous bytes are
reused. That is what makes rebuilds incremental, and it cannot make them differ from a full
build, because the key covers everything the page shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jinja2

from .errors import Problem, SiteError, problem
from .pages import Page
from .theme import Theme


@dataclass
class RenderCache:
    """Output path -> (key, bytes) of the last successful render."""

    entries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    rendered: int = 0
    reused: int = 0


def render_all(pages: list[Page], theme: Theme, cache: RenderCache | None = None) -> dict[str, bytes]:
    """Render every page (or reuse its cached bytes); raise SiteError on template errors."""
    cache = cache if cache is not None else RenderCache()
    out: dict[str, bytes] = {}
    problems: list[Problem] = []
    fresh: dict[str, tuple[str, bytes]] = {}
    cache.rendered = cache.reused = 0
    templates: dict[str, jinja2.Template] = {}
    for page in pages:
        hit = cache.entries.get(page.output)
        if hit is not None and hit[0] == page.key:
            out[page.output] = hit[1]
            fresh[page.output] = hit
            cache.reused += 1
            continue
        try:
            template = templates.get(page.template)
            if template is None:
                template = templates[page.template] = theme.env.get_template(page.template)
            data = template.render(page.context_dict()).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            raise SiteError([problem(exc.filename or exc.name or page.template, exc.lineno, None,
                                     f"template syntax error: {exc.message}")]) from None
        except jinja2.TemplateNotFound as exc:
            raise SiteError([problem(page.template, None, None,
                                     f"template {exc.name!r} not found in theme "
                                     f"{theme.name!r} ({', '.join(str(d) for d in theme.dirs)})")]) from None
        except jinja2.UndefinedError as exc:
            problems.append(problem(page.template, _template_line(exc), None,
                                    f"while rendering {page.output}: {exc.message}"))
            continue
        out[page.output] = data
        fresh[page.output] = (page.key, data)
        cache.rendered += 1
    if problems:
        raise SiteError(problems)
    cache.entries = fresh
    return out


def _template_line(exc: Exception) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt", ".bib")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
