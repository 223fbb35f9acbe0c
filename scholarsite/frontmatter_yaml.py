"""Split a Markdown file into its YAML frontmatter and body, and parse the YAML strictly.

We split by hand instead of calling python-frontmatter, because its failure modes are silent:
a BOM, an unclosed `---` or a list-shaped header give `{}`, a key named `content` raises a bare
TypeError, and duplicate keys pass. Here each of those is a `Problem` with a line number, and
every key's line is recorded so later messages can point at it. YAML is parsed with libyaml
(CSafeLoader) when available: it is seven times faster than the pure-Python loader.
"""
from __future__ import annotations

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
    """Parse YAML text; return (data, key lines, problems). Lines count from `first_line`."""
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
