"""Themes: resolve the `extends` chain, build the Jinja environment, list static folders.

A theme is `themes/<name>/` with `templates/`, `static/`, `archetypes/` and an optional
`theme.yml` naming a parent (`extends: default`). Templates are looked up child first; a child
template can extend its parent's same-named template as `{% extends "default:paper.html" %}`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import json.encoder
import os
import re
from collections import ChainMap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import jinja2
import jinja2.compiler
import jinja2.ext
import jinja2.nodes
import jinja2.runtime
import markupsafe
from jinja2 import nodes
from markupsafe import Markup

from .errors import SiteError, problem
from .frontmatter_yaml import parse_yaml, read_text
from .markup import plain_text


@dataclass
class Theme:
    """The active theme and its ancestors, child first."""

    name: str
    dirs: list[Path]
    env: jinja2.Environment
    _fingerprints: dict[str, str] = field(default_factory=dict)

    @property
    def static_dirs(self) -> list[Path]:
        """Static folders, lowest precedence first, so a child's files are copied last and win."""
        return [d / "static" for d in reversed(self.dirs) if (d / "static").is_dir()]

    def archetype(self, name: str) -> Path | None:
        for d in self.dirs:
            if (d / "archetypes" / name).is_file():
                return d / "archetypes" / name
        return None

    def compile_all(self) -> None:
        """Compile every template the theme chain has (kept in the environment), so that
        processes forked afterwards do not each compile them again. Templates that do not
        compile are left for the render to report."""
        for name in self.env.list_templates():
            if ":" not in name:              # "default:x.html" is x.html of a parent theme
                try:
                    self.env.get_template(name)
                except (jinja2.TemplateError, SiteError, OSError, UnicodeError):
                    pass

    def template_fingerprint(self, name: str) -> str:
        """A hash of a template and every template it extends, includes or imports.

        Pages record it, so editing a template re-renders exactly the pages that use it."""
        if name not in self._fingerprints:
            sources: list[str] = []
            self._collect(name, sources, set(), top=True)
            digest = hashlib.blake2b("\x00".join(sources).encode(), digest_size=12).hexdigest()
            self._fingerprints[name] = digest
        return self._fingerprints[name]

    def _collect(self, name: str, sources: list[str], seen: set[str], top: bool = False) -> None:
        if name in seen:
            return
        seen.add(name)
        try:
            source, _, _ = self.env.loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            if not top:                # `ignore missing`, or an error rendering will report
                sources.append(f"{name}\x00(missing)")
                return
            raise SiteError([problem(name, None, None,
                                     f"template {name!r} not found in theme {self.name!r} "
                                     f"({', '.join(str(d) for d in self.dirs)})")]) from None
        sources.append(f"{name}\x00{source}")
        references = _references(source)
        if references is None:     # a computed name: depend on every template of the theme
            references = [n for n in self.env.list_templates() if n not in seen]
        for ref in references:
            self._collect(ref, sources, seen)

    def forget_fingerprints(self) -> None:
        self._fingerprints.clear()


# `{% extends "x" %}`, `{% include "x" %}`, `{% import "x" as y %}`, `{% from "x" import y %}`,
# possibly with a list of names; found without parsing, since parsing every template costs
# more than rendering a small site. Syntax errors are still reported when templates compile.
_REFERENCE_TAG = re.compile(r"\{%-?\s*(?:extends|include|import|from)\s+(.*?)-?%\}", re.S)
_LITERAL_NAMES = re.compile(r"""^(?:\[\s*)?((?:["'][^"']+["']\s*,?\s*)+)(?:\])?"""
                            r"""(?:\s+(?:as\s+\w+|import\s+.*|ignore\s+missing|with(?:out)?\s+context))*\s*$""", re.S)


def _references(source: str) -> list[str] | None:
    """The template names a template refers to, or None when one is computed at run time."""
    names: list[str] = []
    for tag in _REFERENCE_TAG.finditer(source):
        literal = _LITERAL_NAMES.match(tag.group(1).strip())
        if literal is None:
            return None
        names += re.findall(r"""["']([^"']+)["']""", literal.group(1))
    return names


def theme_chain(themes_dir: Path, name: str) -> list[Path]:
    """[themes/name, themes/parent, ...] following `extends:`; errors for loops and unknowns."""
    chain: list[Path] = []
    current: str | None = name
    while current:
        folder = themes_dir / current
        if not (folder / "templates").is_dir():
            known = sorted(p.name for p in themes_dir.iterdir() if (p / "templates").is_dir()) \
                if themes_dir.is_dir() else []
            raise SiteError([problem(folder, None, "theme",
                                     f"theme {current!r} not found (no {folder}/templates/); "
                                     f"available: {', '.join(known) or 'none'}")])
        if folder in chain:
            raise SiteError([problem(folder / "theme.yml", None, "extends",
                                     "themes extend each other in a loop: "
                                     + " -> ".join(p.name for p in chain + [folder]))])
        chain.append(folder)
        current = _parent(folder)
    return chain


def _parent(folder: Path) -> str | None:
    path = folder / "theme.yml"
    if not path.is_file():
        return None
    text, problems = read_text(path)
    data, lines, more = (None, {}, []) if text is None else parse_yaml(text, path)
    problems += more
    if problems:
        raise SiteError(problems)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("extends", ""), str):
        raise SiteError([problem(path, lines.get("extends", 1), "extends",
                                 "expected `extends: <theme name>`")])
    return data.get("extends") or None


def load_theme(themes_dir: Path, name: str, cache_dir: Path | None = None) -> Theme:
    """The theme `name` with its ancestors. Compiled templates are kept in `cache_dir` when
    given (Jinja checks each template's modification time before using it)."""
    dirs = theme_chain(Path(themes_dir), name)
    loaders = [jinja2.FileSystemLoader(str(d / "templates")) for d in dirs]
    prefixed = {d.name: jinja2.FileSystemLoader(str(d / "templates")) for d in dirs}
    env = _Environment(
        loader=jinja2.ChoiceLoader([*loaders, jinja2.PrefixLoader(prefixed, delimiter=":")]),
        # Asked on every include and render (9 times a paper page): answered once per name.
        autoescape=lru_cache(maxsize=None)(
            jinja2.select_autoescape(["html", "xml"], default_for_string=True)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
        bytecode_cache=_bytecode_cache(cache_dir),
        extensions=[FragmentCache],
        # Jinja's optimizer folds constant expressions as it compiles: the default theme has
        # one (`-1` in feed.xml), and looking for them is 15% of compiling it (~20 ms of a
        # cold build). The output is the same either way.
        optimized=False,
    )
    env.filters.update(figure=figure, human_date=human_date, initials=initials, plain=plain,
                       site_url=site_url)
    env.policies["json.dumps_function"] = _json_dumps
    return Theme(name, dirs, env)


def _no_json(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.dumps(value, sort_keys=True), what `| tojson` asks for, made by the C encoder that
# json.dumps itself ends in, without the steps before it (a new JSONEncoder, the check for
# circular references): a paper page's JSON-LD in 15 us instead of 30. A circular value still
# fails (RecursionError instead of ValueError). The same text: tests/test_theme.py.
_SORTED_JSON = (json.encoder.c_make_encoder(None, _no_json, json.encoder.encode_basestring_ascii,
                                            None, ": ", ", ", True, False, True)
                if json.encoder.c_make_encoder is not None else None)


def _json_dumps(value: object, **kwargs: object) -> str:
    if _SORTED_JSON is not None and kwargs == {"sort_keys": True}:
        return "".join(_SORTED_JSON(value, 0))
    return json.dumps(value, **kwargs)


try:            # MarkupSafe 3: what escape() wraps in Markup (C, or Python without the speedups)
    from markupsafe import _escape_inner
except ImportError:
    _escape_inner = None


def _escape_text(s: object, _str=str, _type=type, _inner=_escape_inner) -> str:
    """markupsafe.escape for template output, returning plain text instead of Markup.

    Compiled templates escape every `{{ value }}` they yield (~80 a paper page), and the
    render joins the yielded text at once: wrapping each piece in Markup first cost 13% of a
    paper page's instructions (callgrind). Where Jinja keeps output as a value (macros, set
    blocks, call blocks), it marks the joined text safe itself, so nothing else changes."""
    if _type(s) is _str:
        return _inner(s)
    html = getattr(s, "__html__", None)
    if html is not None:
        return html()
    return _inner(_str(s))


# Whether a type's `__call__` carries a pass_context (or similar) mark, by type: Jinja's
# Context.call looks it up on every call. (Jinja looks at the object's `__call__`; an instance
# attribute of that name, which Python never calls, is the one case where the two differ.)
_CALL_MARKED: dict[type, bool] = {}


_Macro = jinja2.runtime.Macro
_MISSING = jinja2.runtime.missing
# The parts of a Macro the fast path in _Context.call reads (Jinja 3.1's); without them,
# macros are called the long way.
_MACRO_FAST = all(name in _Macro.__init__.__code__.co_names for name in (
    "_func", "_argument_count", "caller", "catch_kwargs", "catch_varargs"))


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a cheaper way through the steps that every call and include
    takes: calling a plain function (~3% of a paper page) or a macro (~6%: Jinja passes it
    the evaluation context and sorts its arguments out in Python), and creating the context
    of an include. The results are the same as Jinja's own."""

    def __init__(self, environment, parent, name, blocks, globals=None):
        self.parent = parent
        self.vars = {}
        self.environment = environment
        self.eval_ctx = jinja2.nodes.EvalContext(environment, name)
        self.exported_vars = set()
        self.name = name
        self._globals = globals
        self._globals_keys = None
        self.blocks = {k: [v] for k, v in blocks.items()} if blocks else {}

    @property
    def globals_keys(self) -> set:
        # Jinja reads it only when this context imports a template: made then, not for
        # every include. set(ChainMap) iterates it in Python; the union of its maps is the
        # same keys.
        keys = self._globals_keys
        if keys is None:
            globals = self._globals
            keys = self._globals_keys = (
                set() if globals is None else
                set().union(*globals.maps) if type(globals) is ChainMap else set(globals))
        return keys

    @globals_keys.setter
    def globals_keys(self, keys: set) -> None:
        self._globals_keys = keys

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        kind = type(__obj)
        if kind is _Macro and _MACRO_FAST:
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            count = __obj._argument_count
            if (not kwargs and len(args) <= count and not __obj.caller
                    and not __obj.catch_kwargs and not __obj.catch_varargs
                    and not __self.environment.is_async):
                # Macro.__call__ for positional arguments, the rest left to their defaults
                # (a macro of the theme called as `icon("code")`, ~7 a paper page).
                html = __obj._func(*args, *(_MISSING,) * (count - len(args)))
                return Markup(html) if __self.eval_ctx.autoescape else html
            return super().call(__obj, *args, **kwargs)
        marked = _CALL_MARKED.get(kind)
        if marked is None:
            marked = _CALL_MARKED[kind] = hasattr(getattr(kind, "__call__", None),
                                                  "jinja_pass_arg")
        if marked or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)    # pass_context and friends
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


class _Template(jinja2.Template):
    # The whole output of a template that is only text (the empty hooks a child theme
    # overrides, partials/extend_*.html), which an include then yields without a context:
    # set from the compiled module, see _CodeGenerator.visit_Template.
    static_text: str | None = None
    # The variable a template shows, when its whole text is one `{{ name }}` that is output as
    # str(value) (no autoescaping: cite.bib's `{{ bibtex }}`): see render._render_page.
    single_name: str | None = None

    def new_context(self, vars=None, shared=False, locals=None):
        # jinja2.runtime.new_context, in one call (an include makes one: 9 a paper page).
        # A page's render merges the globals with its variables: dict(ChainMap, **vars) reads
        # the globals one by one in Python; merged in C, the same keys in the same order, the
        # first map's values winning.
        if vars is None:
            vars = {}
        if shared:
            parent = vars
            if locals:
                parent = dict(parent)
                for key, value in locals.items():
                    if value is not _MISSING:
                        parent[key] = value
        elif locals or type(self.globals) is not ChainMap:
            return super().new_context(vars, shared, locals)
        else:
            parent = {}
            for layer in reversed(self.globals.maps):
                parent.update(layer)
            parent.update(vars)
        return self.environment.context_class(self.environment, parent, self.name, self.blocks,
                                              globals=self.globals)

    def _get_default_module(self, ctx=None):
        # Jinja's, with the names of the importer's globals this template lacks found in C:
        # `set - ChainMap.keys()` tests each name against the ChainMap in Python (an import
        # in a page: ~18k instructions).
        if ctx is not None and type(self.globals) is ChainMap and not self.environment.is_async:
            keys = ctx.globals_keys.difference(*self.globals.maps)
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
            ctx = None
        return super()._get_default_module(ctx)

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__     # the compiled module's
        if _escape_inner is not None and namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = _escape_text
        template.static_text = namespace.get("static_text")
        template.single_name = namespace.get("single_name")
        return template


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's compiler, but an include's output, and a page's parent template's, is joined
    where it is made and passed up as one string. Jinja relays every piece (~170 a paper page)
    through each generator above it: the include, the block, the parent's root, the page's
    root; joined once, it is the same text for a fraction of the generator resumptions. Blocks
    still relay their pieces: joining them too saves little more (callgrind) and, for a
    10,000-paper listing, keeps one more 13 MB copy of it alive (the worker's peak memory grew
    by 12 MiB). (Only pages are rendered here, never streamed piece by piece.)"""

    def writeline(self, x: str, node=None, extra: int = 0) -> None:
        # The parent template's output: the last thing a child template's root yields. The
        # page's render then joins a single string, which Python does without copying it.
        if x == "yield from parent_template.root_render_func(context)":
            x = "yield concat(parent_template.root_render_func(context))"
        super().writeline(x, node, extra)

    def visit_Template(self, node: nodes.Template, frame=None) -> None:
        super().visit_Template(node, frame)
        if all(type(n) is nodes.Output and all(type(c) is nodes.TemplateData for c in n.nodes)
               for n in node.body):
            text = "".join(c.data for n in node.body for c in n.nodes)
            self.writeline(f"static_text = {text!r}")
        elif (len(node.body) == 1 and type(node.body[0]) is nodes.Output
              and len(node.body[0].nodes) == 1 and type(node.body[0].nodes[0]) is nodes.Name
              and self.environment.finalize is None
              and not nodes.EvalContext(self.environment, self.name).autoescape):
            self.writeline(f"single_name = {node.body[0].nodes[0].name!r}")

    def visit_CallBlock(self, node: nodes.CallBlock, frame) -> None:
        # `{% cache %}` (FragmentCache): its key looked up first, and the body made into a
        # caller macro only when the key is new. Jinja makes the macro and calls the tag each
        # time (~5 us, three times a paper page: the navigation, the footer, the copy buttons).
        call = node.call
        if not (type(call) is nodes.Call and type(call.node) is nodes.ExtensionAttribute
                and call.node.identifier == FragmentCache.identifier
                and call.node.name == "_cached" and len(call.args) == 1 and not call.kwargs
                and call.dyn_args is None and call.dyn_kwargs is None
                and not self.environment.is_async):
            super().visit_CallBlock(node, frame)
            return
        key, html = self.temporary_identifier(), self.temporary_identifier()
        tag = f"environment.extensions[{FragmentCache.identifier!r}]"
        self.writeline(f"{key} = ", node)
        self.visit(call.args[0], frame)
        self.writeline(f"{html} = {tag}._hit({key})")
        self.writeline(f"if {html} is None:")
        self.indent()
        call_frame, macro_ref = self.macro_body(node, frame)
        self.writeline("caller = ")
        self.macro_def(macro_ref, call_frame)
        self.writeline(f"{html} = {tag}._cached({key}, caller)")
        self.outdent()
        self.start_write(frame, node)
        self.write(html)
        self.end_write(frame)

    def visit_Include(self, node: nodes.Include, frame) -> None:
        if (node.ignore_missing or not node.with_context or frame.buffer is not None
                or self.environment.is_async):
            super().visit_Include(node, frame)
            return
        # Jinja's include with context, `for event in gen: yield event` made one yield.
        if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
            lookup = "get_template"
        elif isinstance(node.template, (nodes.Tuple, nodes.List)) or (
                isinstance(node.template, nodes.Const)
                and isinstance(node.template.value, (tuple, list))):
            lookup = "select_template"
        else:
            lookup = "get_or_select_template"
        self.writeline(f"template = environment.{lookup}(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        self.writeline("yield template.static_text if template.static_text is not None else "
                       "concat(template.root_render_func(template.new_context("
                       f"context.get_all(), True, {self.dump_local_context(frame)})))")


class _Environment(jinja2.Environment):
    """Jinja's environment with the cheaper context, output escaping and compiled code
    above. Tests render whole sites through it and through plain Jinja and compare the
    bytes."""

    context_class = _Context
    template_class = _Template
    code_generator_class = _CodeGenerator

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, jinja2.Template] = {}
        # Partials parsed to be written in (_parsed_partial), and _theme_sources_digest's hash.
        self._written_in: dict[str, tuple[list[nodes.Node], frozenset[str]] | None] = {}
        self._sources_digest: str | None = None

    def get_template(self, name, parent=None, globals=None):
        # Every include and import asks again on every render (10 times a paper page); with
        # auto_reload off and an unbounded cache, Jinja would return this same template.
        if (globals is None and type(name) is str and not self.auto_reload
                and type(self.cache) is dict):
            found = self._loaded.get(name)
            if found is None:
                found = self._loaded[name] = super().get_template(name, parent)
            return found
        return super().get_template(name, parent, globals)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        template = super()._parse(source, name, filename)
        if name is not None and self.loader is not None and not self.is_async \
                and "include" in source:
            _inline_includes(self, template, name, (name,))
        return template


# An include written into the template that includes it, in a scope of its own (`{% with %}`'s
# node), when the two cannot differ: the included template is named by a constant, with
# context, autoescaped alike, holds only output, conditions, loops, `{% cache %}` and
# includes written in too, reads no name the includer sets anywhere (so each name it reads
# is the page's, as through the include's copy of the context) and none of the names that
# mean something else in another template. An include costs a context and a generator (~9
# thousand instructions; eight a paper page). What stays a runtime include is unchanged.
# _StampedBytecodeCache keys compiled templates by every template's source, as a template
# now holds its partials' code.
_INLINE_STATEMENTS = (nodes.Output, nodes.If, nodes.For, nodes.CallBlock, nodes.Scope)
_NAMES_OF_ELSEWHERE = frozenset({"self", "super", "caller", "varargs", "kwargs", "loop"})


def _inline_includes(env: jinja2.Environment, node: nodes.Node, name: str,
                     chain: tuple[str, ...]) -> None:
    """Replace the includes of `node` (a parsed template named `name`) that can be written
    in; `chain`: the templates being written into each other, to stop at a cycle."""
    stored: set[str] = set()
    for n in node.find_all(nodes.Node):       # one walk: Jinja's find_all is slow
        kind = type(n)
        if kind is nodes.Name:
            if n.ctx in ("store", "param"):
                stored.add(n.name)
        elif kind is nodes.Macro:
            stored.add(n.name)
        elif kind is nodes.Import:
            stored.add(n.target)
        elif kind is nodes.FromImport:
            stored.update(i[1] if isinstance(i, tuple) else i for i in n.names)
        elif issubclass(kind, nodes.EvalContextModifier):   # {% autoescape %}: left alone
            return
    _write_in(env, node, name, chain, stored)


def _write_in(env: jinja2.Environment, node: nodes.Node, name: str, chain: tuple[str, ...],
              stored: set[str]) -> None:
    for field in node.fields:
        value = getattr(node, field, None)
        children = value if isinstance(value, list) else [value]
        for i, child in enumerate(children):
            if type(child) is nodes.Include and children is value:   # a statement in a list
                body = _partial_body(env, child, name, chain, stored)
                if body is not None:
                    value[i] = nodes.Scope(body, lineno=child.lineno)
                    continue
            if isinstance(child, nodes.Node):
                _write_in(env, child, name, chain, stored)


def _partial_body(env: jinja2.Environment, include: nodes.Include, name: str,
                  chain: tuple[str, ...], stored: set[str]) -> list[nodes.Node] | None:
    """The statements of the template `include` includes, when it can be written in."""
    target = include.template
    if (type(target) is not nodes.Const or type(target.value) is not str
            or not include.with_context or include.ignore_missing or target.value in chain):
        return None
    partial = target.value
    autoescape = env.autoescape
    if callable(autoescape) and autoescape(partial) != autoescape(name):
        return None
    found = _parsed_partial(env, partial, chain)
    if found is None or found[1] & stored or found[1] & _NAMES_OF_ELSEWHERE:
        return None
    return found[0]


def _parsed_partial(env: jinja2.Environment, partial: str, chain: tuple[str, ...]
                    ) -> tuple[list[nodes.Node], frozenset[str]] | None:
    """The statements of a partial that holds only what can be written in, its own includes
    written in, and the names it reads; None if it holds more or does not parse. Parsed once
    per environment: the includers share its nodes (Jinja's compiler does not change them),
    and a theme compiles as fast as with includes."""
    cache = env._written_in   # type: ignore[attr-defined]
    if partial in cache:
        return cache[partial]
    found = None
    try:
        source, filename, _ = env.loader.get_source(env, partial)   # type: ignore[union-attr]
        parsed = jinja2.Environment._parse(env, source, partial, filename)
    except (jinja2.TemplateError, OSError, UnicodeError):
        parsed = None         # left to the include, which reports it when it renders
    if parsed is not None:
        if "include" in source:
            _inline_includes(env, parsed, partial, chain + (partial,))
        names: set[str] = set()
        for n in parsed.find_all(nodes.Node):
            if isinstance(n, nodes.Stmt) and type(n) not in _INLINE_STATEMENTS:
                break
            if type(n) is nodes.Name:
                names.add(n.name)
        else:
            found = (parsed.body, frozenset(names))
    cache[partial] = found
    return found


class FragmentCache(jinja2.ext.Extension):
    """`{% cache key, ... %}...{% endcache %}`: the body is rendered once per build for each
    distinct key, then copied (as Hugo's `partialCached`). For what every page repeats: the
    navigation (keyed by `root` and `page_url`), the footer, icons. The keys must name
    everything the body shows that changes from page to page; what is the same for the whole
    build (config, profile, site, build_date) need not be named. The template and line of
    the tag are part of the key, so two tags never share an entry.

    The entries live in `env.fragment_cache`, which `clear_fragments` empties before each
    build. With SCHOLARSITE_CHECK_FRAGMENTS=1 in the environment every reuse is rendered
    again and compared, and a difference is an error naming the tag (tests build with it)."""

    tags = {"cache"}

    def __init__(self, environment: jinja2.Environment):
        super().__init__(environment)
        environment.extend(fragment_cache={})

    def parse(self, parser: "jinja2.parser.Parser") -> nodes.Node:
        lineno = next(parser.stream).lineno
        keys: list[nodes.Expr] = [nodes.Const(parser.name), nodes.Const(lineno)]
        while parser.stream.current.type != "block_end":
            if len(keys) > 2:
                parser.stream.expect("comma")
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_cached", [nodes.Tuple(keys, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _hit(self, key: tuple) -> Markup | None:
        """The fragment of `key`, or None: not made yet, a key `_cached` will refuse, or the
        check mode, where every reuse goes through `_cached` to be compared."""
        if _CHECK_FRAGMENTS:
            return None
        try:
            return self.environment.fragment_cache.get(key)  # type: ignore[attr-defined]
        except TypeError:
            return None

    def _cached(self, key: tuple, caller: Callable[[], str]) -> Markup:
        cache = self.environment.fragment_cache  # type: ignore[attr-defined]
        try:
            html = cache.get(key)
        except TypeError:
            raise jinja2.TemplateRuntimeError(
                f"{{% cache %}} at {key[0]}:{key[1]}: keys must be text, numbers or None, "
                f"found {[type(k).__name__ for k in key[2:]]}") from None
        if html is None:
            html = cache[key] = Markup(caller())
        elif _CHECK_FRAGMENTS and html != caller():
            raise jinja2.TemplateRuntimeError(
                f"{{% cache %}} at {key[0]}:{key[1]} shows something its keys "
                f"{list(key[2:])!r} do not name: the same keys gave different HTML")
        return html


_CHECK_FRAGMENTS = os.environ.get("SCHOLARSITE_CHECK_FRAGMENTS", "") not in ("", "0")


def clear_fragments(theme: Theme) -> None:
    """Forget the `{% cache %}` fragments of the last build (its config may have changed)."""
    theme.env.fragment_cache.clear()  # type: ignore[attr-defined]


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None            # a read-only checkout builds without it
    return _StampedBytecodeCache(str(folder))


class _StampedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache checks a template's source, not the code that compiles it: the
    `{% cache %}` tag is ours, so the engine's stamp (scholarsite's sources and the libraries'
    versions) and Jinja's version are part of each key, and an upgrade compiles again."""

    def __init__(self, directory: str):
        super().__init__(directory)
        from .cache import engine_stamp, library_version
        self.stamp = f"{engine_stamp()} {library_version('jinja2', 'jinja2')}"

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{self.stamp} {name}", filename)

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        # A template holds the code of the partials written into it (_inline_includes): its
        # compiled code is checked against every template of the theme, not its own source.
        return super().get_bucket(environment, name, filename,
                                  f"{_theme_sources_digest(environment)}\x00{source}")


def _theme_sources_digest(env: jinja2.Environment) -> str:
    """A hash of the source of every template `env` can load, made once per environment (its
    templates are read once: auto_reload is off, and `serve` loads the theme again when a
    template changes)."""
    digest = getattr(env, "_sources_digest", None)    # (a plain Jinja environment: none)
    if digest is None:
        h = hashlib.blake2b(digest_size=16)
        for name in sorted(env.list_templates()):
            h.update(f"{name}\x00{env.loader.get_source(env, name)[0]}\x00".encode())  # type: ignore[union-attr]
        digest = env._sources_digest = h.hexdigest()  # type: ignore[attr-defined]
    return digest


# Filters the templates use. They are small and named for what they show.

def figure(value: object) -> str:
    """4246 -> "4,246"; text such as "55%" as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def human_date(value: dt.date) -> str:
    """2022-11-02 -> "Nov 2, 2022" (the same on every platform and locale, unlike strftime's
    %-d and %b; and without strftime's cost, twice on every page)."""
    return f"{_MONTH_NAMES[value.month - 1]} {value.day}, {value.year}"


def initials(name: str) -> str:
    words = [w for w in name.replace(",", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in (words[:1] + words[-1:] if len(words) > 1 else words))


def plain(text: str) -> str:
    """Markdown/LaTeX text -> plain text for titles, meta tags and feeds."""
    return plain_text(text)


def site_url(url: str, root: str) -> str:
    """A link from content: http(s) URLs as they are, `files/...` relative to the page."""
    return url if "://" in url or url.startswith("mailto:") else root + url
