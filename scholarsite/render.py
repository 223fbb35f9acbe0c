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
from .parallel import map_ordered
from .theme import Theme


@dataclass
class RenderCache:
    """Output path -> (key, bytes) of the last successful render."""

    entries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    rendered: int = 0
    reused: int = 0


def render_all(pages: list[Page], theme: Theme, cache: RenderCache | None = None,
               workers: int | None = None) -> dict[str, bytes]:
    """Render every page (or reuse its cached bytes); raise SiteError on template errors.

    Past PARALLEL_RENDER_MIN pages to render, they are rendered by `workers` processes (default:
    one per CPU); the result is the same, byte for byte, whatever the number of workers."""
    cache = cache if cache is not None else RenderCache()
    cache.rendered = cache.reused = 0
    stale = [page for page in pages
             if (hit := cache.entries.get(page.output)) is None or hit[0] != page.key]
    global _theme
    _theme = theme
    try:
        for name in sorted({page.template for page in stale}):   # compile once, before forking
            _get_template(name)
        results = map_ordered(_render_page, stale, PARALLEL_RENDER_MIN, workers)
    finally:
        _theme = None
    problems = [result for result in results if isinstance(result, Problem)]
    if problems:
        raise SiteError(problems)
    rendered = {page.output: (page.key, data) for page, data in zip(stale, results)}
    out: dict[str, bytes] = {}
    fresh: dict[str, tuple[str, bytes]] = {}
    for page in pages:
        entry = rendered.get(page.output)
        if entry is None:
            entry = cache.entries[page.output]
            cache.reused += 1
        else:
            cache.rendered += 1
        out[page.output] = entry[1]
        fresh[page.output] = entry
    cache.entries = fresh
    return out


PARALLEL_RENDER_MIN = 1000   # pages to render below which a process pool costs more than it saves
_theme: Theme | None = None  # the theme render_all is using, inherited by forked workers


def _get_template(name: str) -> jinja2.Template:
    theme = _theme
    try:
        return theme.env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise SiteError([problem(exc.filename or exc.name or name, exc.lineno, None,
                                 f"template syntax error: {exc.message}")]) from None
    except jinja2.TemplateNotFound as exc:
        raise SiteError([problem(name, None, None,
                                 f"template {exc.name!r} not found in theme "
                                 f"{theme.name!r} ({', '.join(str(d) for d in theme.dirs)})")]) from None


def _render_page(page: Page) -> bytes | Problem:
    """One page's bytes, or the Problem of an undefined value (runs in a worker process too,
    so it returns the problem rather than raising it)."""
    try:
        return _get_template(page.template).render(page.context_dict()).encode("utf-8")
    except jinja2.UndefinedError as exc:
        return problem(page.template, _template_line(exc), None,
                       f"while rendering {page.output}: {exc.message}")


def _template_line(exc: Exception) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt", ".bib")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
