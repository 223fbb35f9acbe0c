"""Render planned pages through the theme, staging each one in the output folder.

A page whose key matches the previous render is not rendered again: the file already holds
its bytes. That is what makes rebuilds incremental, and it cannot make them differ from a full
build, because the key covers everything the page shows.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from .errors import Problem, SiteError, problem
from .manifest import KEPT, Kept
from .models import Paper
from .pages import Page
from .parallel import imap_unordered
from .theme import Theme, clear_fragments
from .writer import Output, digest_of


ITEM_TEMPLATE = "partials/paper_item.html"


@dataclass
class ItemCache:
    """Rendered list items (partials/paper_item.html), by paper frontmatter fingerprint.

    An item is rendered once with a mark in place of `root` (`marked`); a listing joins the
    items and puts its `root` in place of the mark. That holds when the partial uses `root`
    only as the start of links, as it should: `prefix_ok` records, per root, whether the first
    item rendered there directly came out the same; a root where it did not gets directly
    rendered items (`at_root`)."""

    marked: dict[str, str] = field(default_factory=dict)
    prefix_ok: dict[str, bool] = field(default_factory=dict)
    at_root: dict[str, dict[str, Markup]] = field(default_factory=dict)


@dataclass
class RenderCache:
    """Output path -> (key, digest of the bytes (None if not made), or KEPT) of the last
    successful render, and the rendered list items, valid while `items_stamp` holds."""

    entries: dict[str, tuple[str, bytes | Kept | None]] = field(default_factory=dict)
    items: ItemCache = field(default_factory=ItemCache)
    items_stamp: Any = None
    rendered: int = 0


def render_all(pages: list[Page], theme: Theme, output: Output, cache: RenderCache | None = None,
               workers: int | None = None, stamp: str | None = None,
               kept: Callable[[str, str], bool] | None = None,
               candidates: list[Page] | None = None) -> list[tuple[str, bytes, str | None]]:
    """Render the pages whose key changed and stage them in `output` (writer.Output); return
    what was staged, for `output.finish`. Raise SiteError on template errors, staging nothing.

    `stamp` hashes what every page shows besides its papers (plan's settings, profile and
    citations hash): list items rendered under the same stamp are reused. `kept(output, key)`
    says a page's file in the output folder is already right (manifest.py): such a page is
    not rendered. `candidates`: the only pages whose key may have changed since the last
    successful render (plan's `replanned`), to look at instead of every page. Past
    PARALLEL_RENDER_MIN pages to render, they are rendered by `workers` processes (default:
    one per CPU) while this one writes them as they come (see _render_page); the result is
    the same, byte for byte, whatever the number of workers."""
    cache = cache if cache is not None else RenderCache()
    clear_fragments(theme)
    items_stamp = (stamp, _item_fingerprint(theme)) if stamp is not None else None
    if items_stamp is None or items_stamp != cache.items_stamp:
        cache.items = ItemCache()
    cache.items_stamp = items_stamp
    theme.env.globals["paper_item"], theme.env.globals["paper_items"] = \
        _paper_item_functions(theme, cache.items)
    entries = cache.entries
    stale = [page for page in (pages if candidates is None else candidates)
             if (hit := entries.get(page.output)) is None or hit[0] != page.key]
    if kept is not None:
        for page in [page for page in stale if kept(page.output, page.key)]:
            entries[page.output] = (page.key, KEPT)
        stale = [page for page in stale if entries.get(page.output, ("",))[0] != page.key]
    global _theme, _output
    _theme, _output = theme, output
    done: list[tuple[int, str, bytes, str | None]] = []     # (index in stale, staged)
    problems: list[tuple[int, Problem]] = []
    # The pages of templates that few pages use first (the site-wide listings, papers.bib,
    # the sitemap: the long ones), the thousands of pages of a paper template after them: a
    # long page handed out last would keep one worker busy while the others have finished.
    # They come back in the order the workers finish them (so the long listings do not hold
    # up the pages after them) and problems are sorted back into the pages' order.
    uses = Counter(page.template for page in stale)
    order = sorted(range(len(stale)), key=lambda i: uses[stale[i].template])
    results = imap_unordered(_render_page, [stale[i] for i in order], PARALLEL_RENDER_MIN, workers)
    try:
        for name in sorted(uses):   # compile once, before forking
            _get_template(name)
        for j, result in results:
            i = order[j]
            if isinstance(result, Problem):
                problems.append((i, result))
                continue
            digest, written = result
            output_path = stale[i].output
            if isinstance(written, bytes):
                if problems:          # nothing will be swapped in: no need to write it
                    continue
                written = output.stage(output_path, written, digest)[1]
            done.append((i, output_path, digest, written))    # to discard, if it comes to that
    except BaseException:
        output.discard([entry[1:] for entry in done])
        raise
    finally:
        results.close()      # the workers stop now, not when the generator is collected
        _theme = _output = None
    done.sort(key=itemgetter(0))
    staged = [entry[1:] for entry in done]
    if problems:
        output.discard(staged)
        raise SiteError([p for _, p in sorted(problems, key=itemgetter(0))])
    for i, _, digest, _ in done:
        entries[stale[i].output] = (stale[i].key, digest)
    cache.rendered = len(stale)
    return staged


def warm(pages: list[Page], theme: Theme) -> None:
    """Render pages in this process and drop the result, for what rendering them remembers
    (list items, BibTeX entries): after a build whose pages were rendered by worker
    processes, so that the next rebuild does not make them all at once."""
    global _theme
    _theme = theme
    clear_fragments(theme)
    try:
        for page in pages:
            _get_template(page.template).render(page.context_dict())
    except (SiteError, jinja2.TemplateError):
        pass      # only an optimisation: the build that rendered these pages reported errors
    finally:
        _theme = None


def _item_fingerprint(theme: Theme) -> str | None:
    try:
        return theme.template_fingerprint(ITEM_TEMPLATE)
    except SiteError:        # a theme without list items never calls paper_item()
        return None


def _paper_item_functions(theme: Theme, items: ItemCache):
    """`{{ paper_item(paper) }}` in listings, and `{{ paper_items(papers) }}` for a run of
    them: partials/paper_item.html rendered once per paper version (its frontmatter hash,
    which covers its file name), then copied for each page depth (ItemCache). A 10,000-paper
    site has four listings of every paper, at two depths; rendering each item once makes them
    copies, and a title edit re-renders one item.

    The partial sees `paper`, `root`, `site`, `config`, `profile` and `highlight`: the item
    must depend on nothing else, or it would be reused where it differs."""
    def render(context: jinja2.runtime.Context, paper: Paper, root: str) -> str:
        return theme.env.get_template(ITEM_TEMPLATE).render(
            paper=paper, root=root, site=context["site"], config=context["config"],
            profile=context["profile"], highlight=context["highlight"])

    def marked(context: jinja2.runtime.Context, paper: Paper) -> str:
        html = items.marked.get(paper.meta_fingerprint)
        if html is None:
            html = items.marked[paper.meta_fingerprint] = render(context, paper, _ROOT_MARK)
        return html

    def prefix_ok(context: jinja2.runtime.Context, paper: Paper) -> bool:
        root = context["root"]
        ok = items.prefix_ok.get(root)
        if ok is None:
            ok = items.prefix_ok[root] = (
                render(context, paper, root) == marked(context, paper).replace(_ROOT_MARK, root))
        return ok

    @jinja2.pass_context
    def paper_item(context: jinja2.runtime.Context, paper: Paper) -> Markup:
        root = context["root"]
        if prefix_ok(context, paper):
            return Markup(marked(context, paper).replace(_ROOT_MARK, root))
        at_root = items.at_root.setdefault(root, {})
        html = at_root.get(paper.meta_fingerprint)
        if html is None:
            html = at_root[paper.meta_fingerprint] = Markup(render(context, paper, root))
        return html

    @jinja2.pass_context
    def paper_items(context: jinja2.runtime.Context, papers: list[Paper]) -> Markup:
        # The items are Markup already: a plain join, marked safe once (Markup.join would
        # escape each of them again); the root is put in once, in the joined text.
        if not papers or not prefix_ok(context, papers[0]):
            return Markup("".join([paper_item(context, p) for p in papers]))
        get = items.marked.get
        joined = "".join([get(p.meta_fingerprint) or marked(context, p) for p in papers])
        return Markup(joined.replace(_ROOT_MARK, context["root"]))

    return paper_item, paper_items


# Stands for `root` in an item rendered for every depth: NUL characters, which escaping leaves
# alone, around random ones, which no paper's text can hold by chance. (Not a private-use
# character: one in a text makes Python store every character of it in two bytes, and the
# items of a 10,000-paper listing are 10 MB.)
_ROOT_MARK = f"\x00{os.urandom(8).hex()}\x00"


PARALLEL_RENDER_MIN = 1000   # pages to render below which a process pool costs more than it saves
WRITE_WHERE_RENDERED = 256 * 1024   # bytes of a page that its worker writes (_render_page)
_theme: Theme | None = None  # the theme render_all is using, inherited by forked workers
_output: Output | None = None  # where large pages are staged


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


def _render_page(page: Page) -> tuple[bytes | None, bytes | str | None] | Problem:
    """Render one page: (its digest (None into a fresh folder), its bytes) for the caller to
    stage, or, for a large page, (digest, what Output.stage returned) after staging it here;
    or the Problem of an undefined value or other template error (runs in a worker process
    too, so it returns the problem rather than raising it).

    Workers render and the parent writes: creating files and folders is serialised by the
    file system (two processes creating 20,000 files take as long as one, and spend twice its
    CPU waiting for each other), so one writer leaves the other CPUs to rendering. A large
    page (a listing of thousands of papers) is written where it was rendered rather than
    sent through a pipe, which would hold it twice in memory."""
    try:
        template = _get_template(page.template)
        name = getattr(template, "single_name", None)   # (plain Jinja's templates: none)
        if name is None:
            data = template.render(page.context_dict()).encode("utf-8")
        else:
            # What such a template renders to, without a render: a cite.bib page is then
            # its context and a str() (~25 us a page -> ~10).
            context = vars(page.make_context())
            value = context.get(name, context)
            if value is context or isinstance(value, jinja2.Undefined):   # a global's, or
                data = template.render(dict(context)).encode("utf-8")     # undefined: render
            else:
                data = str(value).encode("utf-8")
        if len(data) > WRITE_WHERE_RENDERED:
            return _output.stage(page.output, data)
        return (None if _output.fresh else digest_of(data)), data   # see Output.stage
    except jinja2.TemplateError as exc:       # undefined values, {% cache %} misuse
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
