"""The JSON Schemas for editors: generated from the field tables, shipped as generated, and in
agreement with the loader (valid exactly when `check --strict` accepts the fields)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from scholarsite import content as C
from scholarsite.frontmatter_yaml import parse_yaml, read_document
from scholarsite.schema import (CONTENT_SUBDIR, PACKAGE_DIR, PAPER_SCHEMA, PROFILE_SCHEMA,
                                SITE_SCHEMA, schema_text, schemas)

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).resolve().parent / "data" / "sample"

CONTENT = REPO / "content"
Validator = jsonschema.Draft202012Validator


def validator(name: str) -> jsonschema.Draft202012Validator:
    return Validator(schemas()[name], format_checker=Validator.FORMAT_CHECKER)


def as_json(value):
    """YAML data as an editor's YAML 1.2 parser sees it: dates are text."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def schema_errors(name: str, meta: dict) -> list[str]:
    return sorted(e.message for e in validator(name).iter_errors(as_json(meta)))


@pytest.mark.parametrize("name", [PAPER_SCHEMA, PROFILE_SCHEMA, SITE_SCHEMA])
def test_shipped_schema_equals_the_generated_one(name):
    assert (PACKAGE_DIR / name).read_text(encoding="utf-8") == schema_text(schemas()[name]), \
        "run `python -m scholarsite.schema` after changing fields.py"


@pytest.mark.parametrize("name", [PAPER_SCHEMA, PROFILE_SCHEMA, SITE_SCHEMA])
def test_repository_content_schemas_equal_the_generated_one(name):
    path = CONTENT / CONTENT_SUBDIR / name
    if not path.is_file():
        pytest.skip("content/.schemas/ not present")
    assert path.read_text(encoding="utf-8") == schema_text(schemas()[name]), \
        "run `python build.py check --write-schemas`"


@pytest.mark.parametrize("name", [PAPER_SCHEMA, PROFILE_SCHEMA, SITE_SCHEMA])
def test_schema_is_a_valid_draft_2020_12_schema(name):
    schema = schemas()[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Validator.check_schema(schema)


def test_site_yml_names_its_schema_for_the_yaml_language_server():
    site_yml = CONTENT / "site.yml"
    if not site_yml.is_file():
        pytest.skip("content/site.yml not present")
    first = site_yml.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == "# yaml-language-server: $schema=.schemas/site.schema.json"
    assert (site_yml.parent / ".schemas" / "site.schema.json").is_file()


def real_papers() -> list[Path]:
    return C.paper_paths(CONTENT)


@pytest.mark.skipif(not real_papers(), reason="content/papers/ is empty")
def test_every_paper_of_the_real_site_validates():
    failures = {}
    for path in real_papers():
        doc, problems = read_document(path)
        assert doc is not None, problems
        errors = schema_errors(PAPER_SCHEMA, doc.meta)
        if errors:
            failures[path.name] = errors
    assert failures == {}


def test_the_real_profile_and_site_yml_validate():
    if not (CONTENT / "profile.md").is_file():
        pytest.skip("content/profile.md not present")
    doc, _ = read_document(CONTENT / "profile.md")
    assert schema_errors(PROFILE_SCHEMA, doc.meta) == []
    data, _, _ = parse_yaml((CONTENT / "site.yml").read_text(encoding="utf-8"), "site.yml")
    assert schema_errors(SITE_SCHEMA, data) == []


def test_every_paper_of_the_sample_site_validates():
    for path in C.paper_paths(SAMPLE):
        doc, _ = read_document(path)
        assert schema_errors(PAPER_SCHEMA, doc.meta) == [], path.name


GOOD = """\
title: A paper
authors: [Ada Lovelace]
date: 2022-05-06
category: CV
"""

# Frontmatter the loader rejects (an error) or warns about (fails --strict): the schema must
# reject each, and accept each of ACCEPTED, as the loader does.
REJECTED = {
    "missing title": "authors: [A]\ndate: 2022-05-06\ncategory: CV\n",
    "empty title": GOOD.replace("title: A paper", "title:"),
    "blank title": GOOD.replace("title: A paper", "title: '  '"),
    "control character in title": GOOD.replace("title: A paper", 'title: "A \\alpha model"'),
    "missing authors": "title: A\ndate: 2022-05-06\ncategory: CV\n",
    "authors is text": GOOD.replace("authors: [Ada Lovelace]", "authors: Ada Lovelace"),
    "empty authors": GOOD.replace("authors: [Ada Lovelace]", "authors: []"),
    "author is a number": GOOD.replace("authors: [Ada Lovelace]", "authors: [1]"),
    "bad date": GOOD.replace("2022-05-06", "May 2022"),
    "impossible date": GOOD.replace("2022-05-06", "2022-02-30"),
    "date is a number": GOOD.replace("2022-05-06", "2022"),
    "lowercase category": GOOD.replace("CV", "cs.cv"),
    "javascript: code": GOOD + "code: javascript:alert(1)\n",
    "data: link": GOOD + "links:\n  pdf: data:text/html,x\n",
    "relative link outside files/": GOOD + "links:\n  pdf: paper.pdf\n",
    "files/ path with ..": GOOD + "links:\n  pdf: files/../secret.pdf\n",
    "URL without a host": GOOD + "code: https://github\n",
    "empty code list": GOOD + "code: []\n",
    "links is a list": GOOD + "links: [https://a.org]\n",
    "citations is text": GOOD + "citations: many\n",
    "negative citations": GOOD + "citations: -1\n",
    "selected is text": GOOD + "selected: 'true'\n",
    "et_al is a number": GOOD + "et_al: 1\n",
    "venue is a list": GOOD + "venue: [A, B]\n",
    "unknown field": GOOD + "autors: [A]\n",
}

ACCEPTED = {
    "minimal": GOOD,
    "every field": GOOD + ("et_al: true\ncode: [https://github.com/a/b, https://gitlab.com/a/b]\n"
                           "links:\n  pdf: files/a.pdf\n  arxiv: https://arxiv.org/abs/1\n"
                           "venue: CVPR 2022\ncitations: 0\naffiliation: uw\nselected: false\n"
                           "tags: [a, b]\n"),
    "code as one URL": GOOD + "code: https://github.com/a/b\n",
    "tags as one text": GOOD + "tags: vision\n",
    "empty optional field": GOOD + "venue:\n",
    "http on localhost": GOOD + "code: http://localhost/x\n",
    "LaTeX title": GOOD.replace("title: A paper", "title: 'A $\\alpha$ model'"),
    "category with a hyphen": GOOD.replace("CV", "QUANT-PH"),
}


def loader_problems(tmp_path: Path, header: str) -> list[str]:
    path = tmp_path / "a-paper.md"
    path.write_text(f"---\n{header}---\nAbstract.\n", encoding="utf-8")
    _, problems = C.load_paper(path)
    return [str(p) for p in problems]


def schema_verdict(header: str) -> list[str]:
    data, _, problems = parse_yaml(header, "a-paper.md")
    assert not problems
    return schema_errors(PAPER_SCHEMA, data)


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_schema_rejects_what_the_loader_rejects(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert loader_problems(tmp_path, REJECTED[case]) != []
    assert schema_verdict(REJECTED[case]) != []


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_schema_accepts_what_the_loader_accepts(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert loader_problems(tmp_path, ACCEPTED[case]) == []
    assert schema_verdict(ACCEPTED[case]) == []


def test_schema_names_the_unknown_field():
    data, _, _ = parse_yaml(GOOD + "autors: [A]\n", "a-paper.md")
    assert schema_errors(PAPER_SCHEMA, data) == [
        "Additional properties are not allowed ('autors' was unexpected)"]


def test_schema_describes_each_field_with_its_doc():
    properties = schemas()[PAPER_SCHEMA]["properties"]
    assert properties["selected"] == {
        "description": "Feature this paper on the home page.",
        "type": ["boolean", "null"],
        "default": False,
    }
    assert schemas()[PAPER_SCHEMA]["required"] == ["title", "authors", "date", "category"]


def test_profile_schema_rejects_a_metric_that_is_a_boolean():
    meta = {"name": "Ada", "metrics": {"papers": True}}
    assert schema_errors(PROFILE_SCHEMA, meta) == [
        "True is not of type 'number', 'string'"]


def test_site_schema_requires_a_title():
    assert schema_errors(SITE_SCHEMA, {"theme": "default"}) == [
        "'title' is a required property"]


def test_shipped_schemas_are_json_with_a_trailing_newline():
    for name in (PAPER_SCHEMA, PROFILE_SCHEMA, SITE_SCHEMA):
        text = (PACKAGE_DIR / name).read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert json.loads(text)["title"].startswith("scholarsite ")


def readme_paper_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### A complete paper", 1)[1]
    return section.split("```markdown\n", 1)[1].split("```", 1)[0]


def test_readme_complete_paper_loads_without_a_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sparse-g-priors-a-note.md"
    path.write_text(readme_paper_example(), encoding="utf-8")
    paper, problems = C.load_paper(path)
    assert problems == []
    assert paper.selected is True


def test_readme_complete_paper_validates_with_the_schema_and_uses_every_field():
    doc_header = readme_paper_example().split("---\n")[1]
    data, _, problems = parse_yaml(doc_header, "README.md")
    assert problems == []
    assert schema_errors(PAPER_SCHEMA, data) == []
    assert list(data) == list(schemas()[PAPER_SCHEMA]["properties"])
