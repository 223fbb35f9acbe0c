"""Benchmark frontmatter parsing: `parse_yaml` (fast path first) against PyYAML alone. Not run in CI.

    PYTHONPATH=. python tests/perf/bench_yaml.py [--papers 2000] [--rounds 15]

Headers: the first N generated papers (tests/perf/gen_corpus.py, seed 0), and the real ones
(this repository's content/, tests/data/, and what the importers write for the real BibTeX
exports, profile dumps and arXiv answers in tests/data/ and ../shared/). Each round times one
pass over every header with each parser, the two in alternating order, so that this machine's
speed, which drifts by a fifth from minute to minute, weighs on both alike; the report gives
the median per-header time over the rounds, and how many headers the fast path took.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from gen_corpus import paper_text  # noqa: E402

from scholarsite.errors import SiteError  # noqa: E402
from scholarsite.frontmatter_yaml import parse_simple, parse_with_pyyaml, parse_yaml  # noqa: E402
from scholarsite.importers import ImportOptions, read_file  # noqa: E402
from scholarsite.importers.writer import render_paper, render_profile  # noqa: E402


def header(text: str) -> str | None:
    parts = text.split("---\n", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "" else None


def generated(n: int) -> list[str]:
    rng = random.Random(0)
    return [header(paper_text(rng, i)[1]) for i in range(n)]


def real() -> list[str]:
    """Frontmatter of the Markdown files there are, and of what the importers write."""
    out = []
    for folder in (REPO / "content", REPO / "tests" / "data", REPO.parent / "shared"):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.suffix == ".md":
                text = header(path.read_text(encoding="utf-8"))
                out += [text] if text is not None else []
            elif path.suffix in (".bib", ".txt", ".xml"):
                try:
                    result = read_file(path, ImportOptions(as_of=dt.date(2026, 11, 28), category="LG"))
                except SiteError:
                    continue
                out += [header(render_paper(r)) for r in result.papers]
                out += [header(render_profile(result.profile))] if result.profile else []
    return out


def one_pass(parse, headers: list[str]) -> float:
    """Seconds per header for one pass of `parse` over `headers`."""
    start = time.perf_counter()
    for text in headers:
        parse(text, "p.md", 2)
    return (time.perf_counter() - start) / len(headers)


def bench(name: str, headers: list[str], rounds: int) -> None:
    fast, slow = [], []
    for i in range(rounds):
        pair = [(fast, parse_yaml), (slow, parse_with_pyyaml)]
        for times, parse in pair if i % 2 == 0 else pair[::-1]:
            times.append(one_pass(parse, headers))
    taken = sum(parse_simple(text) is not None for text in headers)
    f, s = statistics.median(fast) * 1e6, statistics.median(slow) * 1e6
    print(f"{name}: {len(headers)} headers, {taken} by the fast path; per header, median of "
          f"{rounds} rounds: PyYAML {s:.1f} us, parse_yaml {f:.1f} us ({s / f:.1f}x); "
          f"round spread PyYAML {min(slow) * 1e6:.1f}-{max(slow) * 1e6:.1f}, "
          f"parse_yaml {min(fast) * 1e6:.1f}-{max(fast) * 1e6:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    bench("generated", generated(args.papers), args.rounds)
    bench("real", real(), args.rounds * 10)


if __name__ == "__main__":
    main()
