"""Helpers shared by the import tests: run an import into tmp_path/content, read a paper back."""
from __future__ import annotations

from pathlib import Path

from scholarsite.cli import main
from scholarsite.frontmatter_yaml import read_document


def run_import(tmp_path: Path, source: Path, *extra: str) -> int:
    return main(["import", str(source), "--content", str(tmp_path / "content"), *extra])


def paper(tmp_path: Path, slug: str) -> tuple[dict, str]:
    """A paper written by the import: (frontmatter, body); it must read back with no problem."""
    doc, problems = read_document(tmp_path / "content" / "papers" / f"{slug}.md")
    assert problems == []
    return doc.meta, doc.body
