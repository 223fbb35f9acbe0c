"""What the callgrind benchmarks (page_instructions.py, build_instructions.py) share: the
valgrind command, their generated corpus and reading the count callgrind prints."""
from __future__ import annotations

import compileall
import re
import shutil
import sys
from pathlib import Path

COMMAND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]


def require_valgrind() -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")


def compile_engine(source: Path) -> None:
    """Write the compiled modules (__pycache__) of a source tree's engine, as its first run
    would: otherwise, with PYTHONDONTWRITEBYTECODE set (as on the machine these scripts were
    written on), every run of a tree that never wrote them compiles them again (~280 million
    instructions)."""
    compileall.compile_dir(source / "scholarsite", quiet=1)


def corpus(workdir: Path, papers: int) -> Path:
    """The content folder of `papers` generated papers (tests/perf/gen_corpus.py, seed 0),
    made once in `workdir` and kept for later runs."""
    from gen_corpus import generate
    content = workdir / f"n{papers}" / "content"
    if not (content / "papers").is_dir():
        generate(papers, content, seed=0)
    return content


def collected(returncode: int, stderr: str, stdout: str = "") -> int:
    """The instructions callgrind counted for the one process it ran; exits on a failed run."""
    found = re.findall(r"Collected : (\d+)", stderr)
    if returncode != 0 or len(found) != 1:
        raise SystemExit(f"callgrind run failed ({returncode}):\n{stdout[-1000:]}{stderr[-2000:]}")
    return int(found[0])
