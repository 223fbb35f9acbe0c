"""Shared fixtures: the repository's paths, a copy of the sample site, a CLI runner."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scholarsite.cli import main

REPO = Path(__file__).resolve().parent.parent
THEMES = REPO / "themes"
SAMPLE = Path(__file__).resolve().parent / "data" / "sample"


@pytest.fixture(autouse=True)
def _fixed_build_date(monkeypatch):
    """Builds are reproducible: 2026-11-28 00:00 UTC."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795824000")


@pytest.fixture
def forking():
    """For tests of what worker or forked processes do: fail, rather than quietly test the
    one-process fallback, when this process cannot fork (a thread left running by an earlier
    test makes scholarsite.parallel.can_fork() refuse)."""
    import threading
    from scholarsite.parallel import can_fork
    assert can_fork(), f"this process cannot fork; threads: {threading.enumerate()}"


@pytest.fixture
def sample_root(tmp_path: Path) -> Path:
    """A project folder holding a copy of tests/data/sample as content/ and the real themes/."""
    shutil.copytree(SAMPLE, tmp_path / "content")
    shutil.copytree(THEMES, tmp_path / "themes")
    return tmp_path


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run the CLI in a folder: run_cli(argv, cwd) -> (exit status, stdout, stderr)."""
    def run(argv: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def import_rejected(tmp_path: Path, monkeypatch, capsys):
    """import_rejected(data_dir)(name, *extra, text=None) -> stderr: import a fixture file (or
    `text`) from tmp_path, assert exit 1 with nothing written, and give what it printed."""
    def bind(data_dir: Path):
        def run(name: str, *extra: str, text: str | None = None) -> str:
            source = tmp_path / name
            if text is None:
                shutil.copy(data_dir / name, source)
            else:
                source.write_text(text, encoding="utf-8")
            monkeypatch.chdir(tmp_path)
            code = main(["import", name, "--content", "content", *extra])
            out, err = capsys.readouterr()
            assert (code, out) == (1, "")
            assert not (tmp_path / "content").exists()
            return err
        return run
    return bind
