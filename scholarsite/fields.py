"""The field tables of papers, the profile and site.yml: one source of truth.

Each `Field` names its type, whether it is required, its default and a one-line doc. The
content loader validates with `check_value`, `new` fills the archetype from it, and the JSON
Schemas for editors are generated from it, so the three cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

# Kinds of value a field may hold.
STRING = "string"
STRING_LIST = "string list"
BOOL = "bool"
DATE = "date"
INT = "integer"
URL = "url"
URLS = "url or list of urls"
URL_MAP = "mapping label -> url"
STRING_MAP = "mapping"
METRICS = "ordered mapping label -> value"
PATH = "path under content/files/"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    default: Any = None
    doc: str = ""
    example: Any = None


PAPER_FIELDS: tuple[Field, ...] = (
    Field("title", STRING, True, doc="The title; may contain inline LaTeX between $...$.",
          example="Prompt Distribution Learning"),
    Field("authors", STRING_LIST, True, doc="Authors in order, as published.",
          example=["Yuning Lu", "Xinmei Tian"]),
    Field("et_al", BOOL, False, False, "The author list above is truncated; show \"et al.\"."),
    Field("date", DATE, True, doc="Date of the first public version, YYYY-MM-DD.",
          example="2022-05-06"),
    Field("category", STRING, True, doc="arXiv-style category code: LG, CV, CL, AI, QUANT-PH, ...",
          example="CV"),
    Field("code", URLS, False, doc="Source code repositories: a URL or a list of URLs.",
          example="https://github.com/user/repo"),
    Field("links", URL_MAP, False, doc="Other links, label -> URL: arxiv, pdf, project, slides, "
          "video, doi, ... A URL is http(s):// or a path under content/files/.",
          example={"arxiv": "https://arxiv.org/abs/2205.03340"}),
    Field("venue", STRING, False, doc="Where it was published, e.g. \"NeurIPS 2022\".",
          example="CVPR 2022"),
    Field("citations", INT, False, doc="Citation count (an integer >= 0); feeds the metrics.",
          example=12),
    Field("affiliation", STRING, False, doc="A short tag shown beside the authors.", example="uw"),
    Field("selected", BOOL, False, False, "Feature this paper on the home page."),
    Field("tags", STRING_LIST, False, doc="Free keywords.", example=["prompt learning"]),
)

PROFILE_FIELDS: tuple[Field, ...] = (
    Field("name", STRING, True, doc="Your name, as shown in the header.", example="Xinmei Tian"),
    Field("headline", STRING, False, doc="One line under the name, e.g. your position."),
    Field("affiliation", STRING, False, doc="Your institution."),
    Field("email", STRING, False, doc="A contact e-mail address."),
    Field("photo", PATH, False, doc="A picture, as a path under content/files/."),
    Field("links", URL_MAP, False, doc="Profile links, label -> URL (Scholar, GitHub, ORCID, ...)."),
    Field("highlight", STRING_LIST, False, doc="Names to bold in author lists, including aliases "
          "and initials forms (\"X. Tian\", \"Tian, Xinmei\"); default: [name]."),
    Field("metrics", METRICS, False, doc="Figures for the CV header, label -> value, in order. "
          "h-index, citations and papers are computed when absent."),
)

SITE_FIELDS: tuple[Field, ...] = (
    Field("title", STRING, True, doc="The site's title.", example="Xinmei Tian"),
    Field("base_url", URL, False, doc="Absolute URL the site is served at; used only for the "
          "feed, the sitemap, canonical and social tags."),
    Field("theme", STRING, False, "default", "The theme under themes/."),
    Field("language", STRING, False, "en", "The pages' language (BCP 47 tag)."),
    Field("categories", STRING_MAP, False, doc="Category code -> display name, overriding the "
          "built-in arXiv names."),
    Field("cname", STRING, False, doc="Custom domain, written to site/CNAME."),
    Field("openalex", STRING, False, doc="Your OpenAlex author id (A...) or ORCID, for `metrics`."),
    Field("openalex_email", STRING, False, doc="Contact e-mail sent to OpenAlex (polite pool)."),
)

PAPER_FIELD_NAMES = frozenset(f.name for f in PAPER_FIELDS)
URL_SCHEMES = ("http://", "https://")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s")   # what str.isspace() calls white space
CATEGORY_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:[-.][A-Z0-9]+)*$")


def field_table(fields: tuple[Field, ...]) -> dict[str, Field]:
    return {f.name: f for f in fields}


def suggest(name: str, known: tuple[Field, ...]) -> str:
    """' (did you mean `authors`?)' for a near miss such as `autors`, else ''."""
    import difflib   # only for a wrong field name: a warm build never needs it
    close = difflib.get_close_matches(name, [f.name for f in known], n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def yaml_hint(value: Any) -> str:
    """Explain a YAML 1.1 coercion that turned text into another type."""
    if isinstance(value, bool):
        return "; YAML reads yes/no/on/off/true/false as booleans: quote the text"
    if isinstance(value, (int, float)):
        return "; YAML read it as a number (3.10 becomes 3.1): quote the text"
    if isinstance(value, (dt.date, dt.datetime)):
        return "; YAML read it as a date: quote the text"
    if value is None:
        return "; it is empty"
    return ""


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"a date ({value})"
    if isinstance(value, str):
        return f"text ({value!r})" if len(value) < 40 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def check_url(value: Any, files_dir_exists: bool = True) -> str | None:
    """None when `value` is a URL we link to, else what is wrong with it."""
    if not isinstance(value, str) or not value.strip():
        return f"expected a URL, found {type_name(value)}{yaml_hint(value)}"
    url = value.strip()
    if _SPACE.search(url):
        return f"URL {url!r} contains white space"
    lower = url.lower()
    if lower.startswith(URL_SCHEMES):
        host = url.split("://", 1)[1].split("/", 1)[0]
        if not host or "." not in host and host != "localhost":
            return f"URL {url!r} has no valid host"
        return None
    if ":" in lower.split("/", 1)[0]:
        scheme = lower.split(":", 1)[0]
        return f"URL scheme `{scheme}:` is not allowed; use http(s):// or a path under files/"
    if lower.startswith("files/") and ".." not in url.split("/") and not url.startswith("//"):
        return None
    return (f"{url!r} is neither an http(s):// URL nor a path under files/ "
            "(a file in content/files/ is linked as files/<name>)")


def check_value(field: Field, value: Any) -> tuple[Any, str | None]:
    """Normalize `value` for `field`; return (value, None) or (None, what is wrong)."""
    kind = field.kind
    if kind == STRING:
        if isinstance(value, str) and _CONTROL.search(value):
            return None, ("contains a control character: in double-quoted YAML a backslash "
                          "starts an escape (\\a, \\t, \\b): put LaTeX in single quotes, "
                          "e.g. title: 'A $\\alpha$ model'")
        if isinstance(value, str) and value.strip():
            return value.strip(), None
        if isinstance(value, str):
            return None, "is empty"
        return None, f"expected text, found {type_name(value)}{yaml_hint(value)}"
    if kind == STRING_LIST:
        if isinstance(value, str) and field.name == "tags":
            value = [value]
        if not isinstance(value, list):
            return None, f"expected a list of text, found {type_name(value)}"
        if not value:
            return None, "is an empty list"
        for i, item in enumerate(value, 1):
            if not isinstance(item, str) or not item.strip():
                return None, (f"item {i}: expected text, found {type_name(item)}"
                              f"{yaml_hint(item)}")
        return [v.strip() for v in value], None
    if kind == BOOL:
        if isinstance(value, bool):
            return value, None
        return None, f"expected true or false, found {type_name(value)}"
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"expected a whole number >= 0, found {type_name(value)}"
        if value < 0:
            return None, f"expected a whole number >= 0, found {value}"
        return value, None
    if kind == DATE:
        return check_date(value)
    if kind == URL:
        err = check_url(value)
        return (value.strip(), None) if err is None else (None, err)
    if kind == URLS:
        items = value if isinstance(value, list) else [value]
        if not items:
            return None, "is an empty list"
        for item in items:
            err = check_url(item)
            if err:
                return None, err
        return [i.strip() for i in items], None
    if kind == URL_MAP:
        if not isinstance(value, dict):
            return None, f"expected a mapping label -> URL, found {type_name(value)}"
        out = {}
        for label, url in value.items():
            err = check_url(url)
            if err:
                return None, f"{label}: {err}"
            out[str(label)] = url.strip()
        return out, None
    if kind == STRING_MAP:
        if not isinstance(value, dict):
            return None, f"expected a mapping, found {type_name(value)}"
        return {str(k): str(v) for k, v in value.items()}, None
    if kind == METRICS:
        if not isinstance(value, dict):
            return None, f"expected a mapping label -> value, found {type_name(value)}"
        for label, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                return None, f"{label}: expected a number or text, found {type_name(v)}"
        return {str(k): v for k, v in value.items()}, None
    if kind == PATH:
        if not isinstance(value, str) or not value.strip():
            return None, f"expected a path under files/, found {type_name(value)}"
        err = check_url(value)
        if err or value.lower().startswith(URL_SCHEMES):
            return None, f"expected a path under files/ (files/<name>), found {value!r}"
        return value.strip(), None
    raise AssertionError(f"unknown field kind {kind}")


def check_date(value: Any) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str) and DATE_RE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()), None
        except ValueError:
            return None, f"impossible date {value.strip()!r}"
    return None, f"expected a date YYYY-MM-DD, found {type_name(value)}"
