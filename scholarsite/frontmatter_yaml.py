"""Split a Markdown file into its YAML frontmatter and body, and parse the YAML strictly.

We split by hand instead of calling python-frontmatter, because its failure modes are silent:
a BOM, an unclosed `---` or a list-shaped header give `{}`, a key named `content` raises a bare
TypeError, and duplicate keys pass. Here each of those is a `Problem` with a line number, and
every key's line is recorded so later messages can point at it. YAML is parsed with libyaml
(CSafeLoader) when available: it is seven times faster than the pure-Python loader. Most
headers are simpler still, and `parse_simple` reads them line by line, with the same result
at a third of the cost.
"""
from __future__ import annotations

import datetime
import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, problem

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that records duplicate keys and keeps impossible dates as text."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):   # PyYAML would fail on hashing it
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a name, not a list or a mapping",
                    key_node.start_mark)
            key = key_node.value
            if key in seen:
                self.duplicates.append((str(key), key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value  # e.g. 2022-02-30: validation reports it as an impossible date


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)

_TAG = "tag:yaml.org,2002:"
_SCALAR_CONSTRUCTORS = {_TAG + "int": "construct_yaml_int", _TAG + "float": "construct_yaml_float",
                        _TAG + "bool": "construct_yaml_bool", _TAG + "null": "construct_yaml_null",
                        _TAG + "timestamp": "construct_yaml_timestamp"}


class _Unusual(Exception):
    """The document uses a YAML feature that `construct_plain` leaves to PyYAML."""


def construct_plain(loader: _StrictLoader, node: yaml.Node) -> Any:
    """What `loader.construct_document(node)` gives, for the YAML a frontmatter holds: maps
    with text keys, lists and scalars of the standard tags, no aliases of lists or maps.
    PyYAML's generic construction (recursion checks, generators, a memo per node) costs as
    much as parsing; this walk costs a fifth. Raises _Unusual for anything else (duplicate
    keys, merge keys, other tags, shared nodes), which the caller then hands to PyYAML."""
    scalars = {tag: getattr(loader, name) for tag, name in _SCALAR_CONSTRUCTORS.items()}
    seen: set[int] = set()

    def build(node: yaml.Node) -> Any:
        tag = node.tag
        if type(node) is yaml.ScalarNode:
            if tag == _TAG + "str":
                return node.value
            constructor = scalars.get(tag)
            if constructor is None:
                raise _Unusual
            return constructor(node)
        if id(node) in seen:
            raise _Unusual
        seen.add(id(node))
        if type(node) is yaml.SequenceNode and tag == _TAG + "seq":
            return [build(child) for child in node.value]
        if type(node) is yaml.MappingNode and tag == _TAG + "map":
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if type(key_node) is not yaml.ScalarNode or key_node.tag != _TAG + "str" or (
                        key in mapping):
                    raise _Unusual
                mapping[key] = build(value_node)
            return mapping
        raise _Unusual

    return build(node)


@dataclass
class Document:
    """A parsed file: its metadata, body, and the line of each top-level key."""

    meta: dict[str, Any]
    body: str
    lines: dict[str, int] = field(default_factory=dict)
    header_text: str = ""
    body_line: int = 1


def read_text(path: Path, data: bytes | None = None) -> tuple[str | None, list[Problem]]:
    """The file's text as UTF-8 (a BOM and CRLF line ends are accepted), or a problem.
    `data`: the file's bytes, when the caller has read them already."""
    if data is None:
        data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [problem(path, line, None,
                              f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                              f"{exc.start}); save the file as UTF-8")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def parse_yaml(text: str, path: Path | str, first_line: int = 1) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse YAML text; return (data, key lines, problems). Lines count from `first_line`.

    The frontmatter people write (`key: value` lines, short lists, a `links:` map) is read by
    `parse_simple`, which gives exactly what PyYAML gives at a third of the cost; anything
    else goes to PyYAML."""
    simple = parse_simple(text, first_line)
    if simple is not None:
        data, key_lines = simple
        return data, key_lines, []
    return parse_with_pyyaml(text, path, first_line)


def parse_with_pyyaml(text: str, path: Path | str, first_line: int = 1
                      ) -> tuple[Any, dict[str, int], list[Problem]]:
    """`parse_yaml` by libyaml and PyYAML's constructors, for any YAML."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = None
        if node is not None:
            try:
                data = construct_plain(loader, node)
            except _Unusual:
                data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        return None, {}, [problem(path, line, None, _yaml_message(exc, text, mark))]
    except yaml.reader.ReaderError as exc:     # a character YAML does not allow
        line = first_line + text.count("\n", 0, max(exc.position, 0))
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, {}, [problem(path, line, None,
                                  f"invalid YAML: the character U+{code:04X} is not allowed "
                                  "(a control character, perhaps pasted from a PDF): remove it")]
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines.setdefault(sys.intern(str(key_node.value)), first_line + key_node.start_mark.line)
    problems = [problem(path, first_line + line - 1, key,
                        "appears twice; the later value would silently win: keep one")
                for key, line in loader.duplicates]
    return data, lines, problems


def _yaml_message(exc: yaml.MarkedYAMLError, text: str, mark: Any) -> str:
    """Explain the YAML errors people actually make; pass the others through."""
    what = (exc.problem or exc.context or "invalid YAML").strip()
    lines = text.split("\n")
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "mapping values are not allowed" in what and ":" in line:
        key, _, value = line.partition(":")
        return (f"invalid YAML: the value of `{key.strip()}` contains \": \", which YAML reads "
                f"as a nested field: quote it, e.g. {key.strip()}: \"{value.strip()}\"")
    if "cannot start any token" in what and "\t" in line:
        return "invalid YAML: a tab indents this line; YAML allows only spaces for indentation"
    return f"invalid YAML: {what}"


# ---- The fast path: the frontmatter people write ----------------------------------------
# libyaml makes a Python node for every scalar and PyYAML's pure-Python resolver types each
# one: about 100 us for a typical paper. Most headers are one shape: `key: value` lines, a
# list of authors, a `links:` map, a flow list of tags. `parse_simple` reads exactly that
# shape line by line with string methods, and declines (returns None) on anything else, so
# PyYAML still reads every file whose meaning takes more than this to be sure of. Plain
# scalars are typed by PyYAML's own rule: the loader's implicit resolvers pick the tag, as
# `Resolver.resolve` does. tests/test_yaml_fast_path.py compares the two paths.

class _NotSimple(Exception):
    """The text is outside the subset `parse_simple` reads; PyYAML must read it."""


# The characters the fast path reads: "\n", the only line break it knows (it splits with
# `str.split("\n")`), printable ASCII and printable non-ASCII. Not the other YAML line breaks
# (U+0085, U+2028, U+2029), the BOM (skipped by libyaml at a line start), what libyaml
# rejects (C0 and C1 controls, surrogates, U+FFFE, U+FFFF), tabs or CRs: YAML's rules for
# those are subtle and frontmatter rarely has them. _UNSAFE_CHAR lists those refused.
_SAFE_ASCII = bytes(range(0x20, 0x7f)) + b"\n"
_UNSAFE_CHAR = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# Keys are short ASCII names, words apart (`AI Score`): nothing in them needs quoting, and
# libyaml's 1024-character limit on a key is far away.
_KEY_NAME = re.compile(r"[A-Za-z_](?:[A-Za-z0-9_ -]{0,98}[A-Za-z0-9_-])?\Z")
# Characters that cannot start a plain scalar (YAML's indicators, `-?:` included though
# `-a` is plain: declining them costs nothing), and a space.
_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@` ")
# A double-quoted scalar whose only escapes are \" and \\ (the others go to PyYAML).
_ESCAPED_QUOTED = re.compile(r'"((?:[^"\\]|\\["\\])*)"\Z')
_ESCAPE = re.compile(r"\\([\"\\])")
# One item of a flow list `[a, "b", 'c']` and the comma or end after it.
_FLOW_ITEM = re.compile(r""" *(?:"((?:[^"\\]|\\["\\])*)"|'((?:[^']|'')*)'|([^,"'\[\]{}]+?)) *(,|\Z)""")
# The ints and dates built here; other ints (0x1F, 012, 1_000, 1:30, +1) go to PyYAML.
# At most 18 digits: Python refuses to read ints of more than 4300 digits.
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_BOOL_VALUES = yaml.constructor.SafeConstructor.bool_values
_STR, _BOOL, _NULL = _TAG + "str", _TAG + "bool", _TAG + "null"


def _reads_colons_in_flow() -> bool:
    """Whether the loader reads `[https://x]` as a list of one URL, as libyaml 0.2.5 and
    recent PyYAML do; older libyaml releases reject a `:` in a plain scalar of a flow list."""
    try:
        return yaml.load("[a:b]", Loader=_StrictLoader) == ["a:b"]
    except yaml.YAMLError:
        return False


_COLONS_IN_FLOW = _reads_colons_in_flow()


def parse_simple(text: str, first_line: int = 1) -> tuple[dict[str, Any], dict[str, int]] | None:
    """(data, key lines) for the common shape of frontmatter, exactly as `parse_with_pyyaml`
    gives them (and no problem), or None: PyYAML must read this text."""
    if not _safe_characters(text) or _StrictLoader.yaml_path_resolvers:
        return None
    try:
        return _read_mapping(text.split("\n"), first_line)
    except _NotSimple:
        return None


def _safe_characters(text: str) -> bool:
    """Whether every character is one `parse_simple` reads (see _UNSAFE_CHAR). For ASCII text,
    most headers, deleting the safe bytes and finding none left is four times faster."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _SAFE_ASCII)
    return not _UNSAFE_CHAR.search(text)


def _read_mapping(lines: list[str], first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    """The top-level map: `key: value` lines, each `key:` line followed by its block."""
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line or line[0] in " #":
            if not _is_blank_or_comment(line):
                raise _NotSimple    # an indented line here continues the scalar above
            i += 1
            continue
        key, value = _split_pair(line, data)
        key_lines[key] = first_line + i
        i += 1
        if value:
            data[key] = _flow_list(value) if value[0] == "[" else _scalar(value)
        else:
            data[key], i = _block(lines, i)
    if not data:
        raise _NotSimple  # empty or only comments: PyYAML says None, rarely worth a rule here
    return data, key_lines


def _is_blank_or_comment(line: str) -> bool:
    """Spaces only, or a comment. A `#` line is a comment wherever it stands, as long as no
    scalar spans lines, and here none does."""
    text = line.lstrip(" ")
    return not text or text[0] == "#"


def _split_pair(line: str, mapping: dict[str, Any]) -> tuple[str, str]:
    """(key, value) of a `key: value` or `key:` line, the value without its spaces around.
    The key must be new to `mapping`: the slow path reports a repeated key as a problem."""
    key, colon, rest = line.partition(":")
    if not colon or rest[:1] not in ("", " "):
        raise _NotSimple    # no colon, or `a:b`: one plain scalar
    key = _text_key(key)
    if key is None or key in mapping:
        raise _NotSimple
    return key, rest.strip(" ")


@functools.lru_cache(maxsize=1024)
def _text_key(text: str) -> str | None:
    """`text` interned, if it is a plain key that PyYAML reads as text (not `on`, `no`,
    `null`, `1`...); else None. Cached: the same few keys begin every file."""
    if not _KEY_NAME.match(text) or _resolve(text) != _STR:
        return None
    return sys.intern(text)


def _block(lines: list[str], start: int) -> tuple[Any, int]:
    """The value of a `key:` line with nothing after the colon, whose block starts at line
    `start`, and the line after the block. The block ends at the next line that starts with
    neither a space, a `-` (a list may sit at the key's own indentation) nor a `#`, and is
    not empty. Its value is None when it holds no line but blanks and comments, else a list
    of `- value` lines or a map of `name: value` lines, all indented alike."""
    content = []
    end = start
    while end < len(lines) and (not lines[end] or lines[end][0] in " -#"):
        text = lines[end].lstrip(" ")
        if text and text[0] != "#":
            content.append(lines[end])
        end += 1
    if not content:
        return None, end
    first = content[0]
    indent = len(first) - len(first.lstrip(" "))
    if first.startswith("- ", indent):
        return _block_list(content, first[:indent] + "- "), end
    if indent == 0:
        raise _NotSimple
    return _block_mapping(content, first[:indent]), end


def _block_list(lines: list[str], dash: str) -> list[Any]:
    """`- value` lines, their dashes in one column: `dash` is the spaces before it and "- "."""
    items = []
    width = len(dash)
    for line in lines:
        value = line[width:].strip(" ")
        if not line.startswith(dash) or not value:
            raise _NotSimple    # a dash elsewhere, a deeper line, or `- ` alone: a null item
        items.append(_scalar(value))
    return items


def _block_mapping(lines: list[str], indent: str) -> dict[str, Any]:
    """`name: value` lines indented by `indent`, each with its value on its line."""
    mapping: dict[str, Any] = {}
    for line in lines:
        if not line.startswith(indent):
            raise _NotSimple
        key, value = _split_pair(line[len(indent):], mapping)
        if not value:
            raise _NotSimple    # `name:` with a block of its own under it: a deeper level
        mapping[key] = _flow_list(value) if value[0] == "[" else _scalar(value)
    return mapping


def _flow_list(text: str) -> list[Any]:
    """`[a, "b", 'c']` of scalars on one line; `[]` is an empty list."""
    if text[-1] != "]":
        raise _NotSimple
    inner = text[1:-1]
    if not inner.strip(" "):
        return []
    items = []
    pos = 0
    while True:
        match = _FLOW_ITEM.match(inner, pos)
        if match is None:
            raise _NotSimple
        double, single, plain, after = match.groups()
        if double is not None:
            items.append(_ESCAPE.sub(r"\1", double))
        elif single is not None:
            items.append(single.replace("''", "'"))
        elif ":" in plain and (not _COLONS_IN_FLOW or ": " in plain or plain[-1] == ":"):
            raise _NotSimple  # `[a: b]` is a map, and loaders differ on `[a:]`
        else:
            items.append(_plain(plain))
        if not after:
            return items
        pos = match.end()


def _scalar(text: str) -> Any:
    """A one-line scalar without the spaces around it: double-quoted, single-quoted or plain."""
    first = text[0]
    if first == '"':
        return _double_quoted(text)
    if first == "'":
        return _single_quoted(text)
    if ": " in text or text[-1] == ":":
        raise _NotSimple  # a nested map, or an error
    return _plain(text)


def _double_quoted(text: str) -> str:
    """`"..."` on one line; of the escapes, only \\" and \\\\ are read here."""
    if len(text) < 2 or text[-1] != '"':
        raise _NotSimple    # the scalar goes on to the next line, or text follows it
    inner = text[1:-1]
    if '"' not in inner and "\\" not in inner:
        return inner
    match = _ESCAPED_QUOTED.match(text)
    if match is None:
        raise _NotSimple
    return _ESCAPE.sub(r"\1", match.group(1))


def _single_quoted(text: str) -> str:
    """`'...'` on one line, where `''` stands for `'`."""
    inner = text[1:-1]   # "" for a lone `'`, refused just below
    if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
        raise _NotSimple    # on to the next line, text after it, or a lone ' inside
    return inner.replace("''", "'")


def _plain(text: str) -> Any:
    """A plain scalar typed as PyYAML types it; declines the types not built here (floats,
    ints in other forms, date-times). A `#` anywhere declines: ` #` starts a comment."""
    first = text[0]
    if first in _NOT_PLAIN_START or "#" in text:
        raise _NotSimple
    if "0" <= first <= "9":
        # Most numbers are a count or a date, typed here without the resolver's three
        # regexes (test_yaml_fast_path checks the claims against them): PyYAML's float
        # needs a `.`, so a decimal is its int; nor float nor int has a `-` after the
        # first character, so YYYY-MM-DD is its timestamp.
        if _DECIMAL.match(text):
            return int(text)
        if _DATE.match(text):
            return _date(text)
    table = _StrictLoader.yaml_implicit_resolvers
    if first not in table and None not in table:
        return text     # no implicit resolver to try: text, as `Resolver.resolve` says
    tag = _resolve(text)
    if tag == _STR:
        return text
    if tag == _BOOL:
        return _BOOL_VALUES[text.lower()]
    if tag == _NULL:
        return None
    raise _NotSimple


def _date(text: str) -> datetime.date | str:
    """PyYAML's date for a YYYY-MM-DD `text`, or the text if there is no such day (e.g.
    2022-02-30), as _StrictLoader keeps it."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return text


def _resolve(text: str) -> str:
    """The tag PyYAML gives a plain scalar, not empty: `Resolver.resolve` for a scalar, with
    the loader's own table of implicit resolvers (by first character, then the wildcards)."""
    table = _StrictLoader.yaml_implicit_resolvers
    resolvers = table.get(text[0], ())
    if None in table:
        resolvers = [*resolvers, *table[None]]
    for tag, regexp in resolvers:
        if regexp.match(text):
            return tag
    return _STR


# The line that closes the frontmatter: `---` or `...`, with any white space around (as
# `line.strip()` sees it; the text's line ends are already "\n").
_CLOSING_LINE = re.compile(r"^[^\S\n]*(?:---|\.\.\.)[^\S\n]*$", re.M)


def read_document(path: Path, require_frontmatter: bool = True, data: bytes | None = None
                  ) -> tuple[Document | None, list[Problem]]:
    """Read a Markdown file with a `---` YAML header (or parse its bytes, `data`, when read
    already). Every way it can go wrong is a Problem."""
    text, problems = read_text(path, data)
    if text is None:
        return None, problems
    first, newline, rest = text.partition("\n")
    if first.strip() != "---":
        if not require_frontmatter:
            return Document({}, text.strip()), []
        return None, [problem(path, 1, None,
                              "no frontmatter: the file must start with a line `---`, then YAML "
                              "fields, then a closing `---`")]
    close = _CLOSING_LINE.search(rest) if newline else None
    if close is None:
        return None, [problem(path, 1, None,
                              "the frontmatter opened by `---` on line 1 is never closed: "
                              "add a line `---` after the last field")]
    header = rest[:max(close.start() - 1, 0)]
    data, key_lines, problems = parse_yaml(header, path, first_line=2)
    if data is None and problems:
        return None, problems
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [problem(path, 2, None,
                              f"the frontmatter must be a mapping of `field: value` lines, "
                              f"found a {'list' if isinstance(data, list) else type(data).__name__}")]
    body = rest[close.end() + 1:]
    return Document({str(k): v for k, v in data.items()}, body.strip("\n"), key_lines, header,
                     header.count("\n") + (4 if close.start() else 3)), problems
