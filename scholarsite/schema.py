"""JSON Schemas (draft 2020-12) for editors, generated from the field tables in `fields.py`.

One schema each for a paper's frontmatter, the profile's frontmatter and `site.yml`. They are
made from the same `Field` tables the loader validates with, so an editor flags what the build
would flag. The rule they follow: a document is valid exactly when `check --strict` accepts
its fields. So an unknown field is invalid (the build keeps it with a warning, and a warning
fails `--strict`; an editor should underline a typo such as `autors`), and an empty optional
field (`venue:`) is valid, because the loader reads it as absent.

The schemas use only keywords that draft-07 also has, so editors that implement draft-07
alone (the YAML language server, VS Code's JSON service) still validate and complete with them.

The generated files are shipped in `scholarsite/schemas/`; a test checks they equal what this
module produces. After changing a field table run `python -m scholarsite.schema` to rewrite
them. `check --write-schemas` copies them to `content/.schemas/`, where `content/site.yml`'s
`# yaml-language-server: $schema=.schemas/site.schema.json` line finds them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import fields as F

DIALECT = "https://json-schema.org/draft/2020-12/schema"
PACKAGE_DIR = Path(__file__).parent / "schemas"
CONTENT_SUBDIR = ".schemas"
PAPER_SCHEMA = "paper.schema.json"
PROFILE_SCHEMA = "profile.schema.json"
SITE_SCHEMA = "site.schema.json"

# Characters `fields.check_value` rejects in text (control characters except tab and newline).
_CONTROL = r"\u0000-\u0008\u000b-\u001f\u007f"
TEXT_PATTERN = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"
# `fields.check_url`: http(s):// with a host that has a dot (or is localhost), or a path under
# files/ with no `..` segment. Schemes are matched without regard to case, as the validator does.
HTTP_PATTERN = r"[hH][tT][tT][pP][sS]?://(?:localhost|[^/\s]*\.[^/\s]*)(?:/\S*)?"
FILES_PATTERN = r"[fF][iI][lL][eE][sS]/(?!(?:\S*/)?\.\.(?:/|$))\S*"
URL_PATTERN = rf"^(?:{HTTP_PATTERN}|{FILES_PATTERN})$"
PATH_PATTERN = rf"^{FILES_PATTERN}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

# Rules the loader applies beyond the field table (content.load_paper checks the category code).
_EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("paper", "category"): {"pattern": F.CATEGORY_RE.pattern},
}


def value_schema(field: F.Field) -> dict[str, Any]:
    """The schema of one field's value, for its kind."""
    kind = field.kind
    text = {"type": "string", "pattern": TEXT_PATTERN}
    url = {"type": "string", "pattern": URL_PATTERN}
    if kind == F.STRING:
        return text
    if kind == F.STRING_LIST:
        items = {"type": "array", "items": text, "minItems": 1}
        return {"anyOf": [text, items]} if field.name == "tags" else items
    if kind == F.BOOL:
        return {"type": "boolean"}
    if kind == F.INT:
        return {"type": "integer", "minimum": 0}
    if kind == F.DATE:
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if kind == F.URL:
        return url
    if kind == F.URLS:
        return {"anyOf": [url, {"type": "array", "items": url, "minItems": 1}]}
    if kind == F.URL_MAP:
        return {"type": "object", "additionalProperties": url}
    if kind == F.STRING_MAP:
        return {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
    if kind == F.METRICS:
        return {"type": "object", "additionalProperties": {"type": ["number", "string"]}}
    if kind == F.PATH:
        return {"type": "string", "pattern": PATH_PATTERN}
    raise AssertionError(f"unknown field kind {kind}")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Also accept null: the loader reads an empty optional field as absent."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


def property_schema(field: F.Field, document: str) -> dict[str, Any]:
    schema = {"description": field.doc, **value_schema(field), **_EXTRA.get((document, field.name), {})}
    if not field.required:
        schema = _nullable(schema)
    if field.default is not None:
        schema["default"] = field.default
    if field.example is not None:
        schema["examples"] = [field.example]
    return schema


def object_schema(table: tuple[F.Field, ...], document: str, title: str,
                  description: str) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        "type": "object",
        "properties": {f.name: property_schema(f, document) for f in table},
        "required": [f.name for f in table if f.required],
        "additionalProperties": False,
    }


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every document a user edits."""
    return {
        PAPER_SCHEMA: object_schema(
            F.PAPER_FIELDS, "paper", "scholarsite paper",
            "The YAML frontmatter of content/papers/<slug>.md."),
        PROFILE_SCHEMA: object_schema(
            F.PROFILE_FIELDS, "profile", "scholarsite profile",
            "The YAML frontmatter of content/profile.md."),
        SITE_SCHEMA: object_schema(
            F.SITE_FIELDS, "site", "scholarsite site settings", "content/site.yml."),
    }


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`; return the files whose text changed."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / name
        text = schema_text(schema)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale_schemas(folder: Path) -> list[Path]:
    """Schema files in `folder` that differ from what this version generates."""
    return [folder / name for name, schema in schemas().items()
            if (folder / name).is_file()
            and (folder / name).read_text(encoding="utf-8") != schema_text(schema)]


if __name__ == "__main__":  # python -m scholarsite.schema: regenerate the shipped files
    for path in write_schemas(PACKAGE_DIR):
        print(f"wrote {path}")
