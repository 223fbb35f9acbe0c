"""Keep the README honest about what the code offers."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from scholarsite import pages
from scholarsite.cli import _parser
from scholarsite.fields import PAPER_FIELDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def section(title: str) -> str:
    m = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert m, f"README has no section {title!r}"
    return m.group(1)


@pytest.mark.parametrize("context", [pages.BaseContext, pages.HomeContext, pages.ListContext,
                                     pages.PaperContext])
def test_every_template_context_field_is_documented(context):
    text = section("Template context")
    missing = [f.name for f in dataclasses.fields(context) if f"`{f.name}`" not in text]
    assert missing == []


def test_every_paper_field_is_in_the_readme_table():
    table = section("Content in brief")
    assert [f.name for f in PAPER_FIELDS if f"| {f.name} |" not in table] == []


def test_every_command_is_listed_in_the_readme():
    listed = section("Commands")
    commands = _parser()._subparsers._group_actions[0].choices
    assert [c for c in commands if f"python build.py {c}" not in listed
            and not (c == "build" and "python build.py [build]" in listed)] == []
