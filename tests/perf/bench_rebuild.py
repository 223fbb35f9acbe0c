"""Benchmark the live preview's rebuilds: full build, then incremental rebuilds after edits.

For each corpus size it generates a deterministic content folder (gen_corpus.py), builds it
once with a Builder (the full build), then edits one paper's abstract, and then its title,
`--repeat` times each. Each rebuild is timed inside the process from the saved file to the
pages written, as `serve` runs it: `Builder.rebuild([path])`. It prints the medians.

    python tests/perf/bench_rebuild.py                  # N = 50 and N = 10000, 5 edits each
    python tests/perf/bench_rebuild.py --sizes 50 --repeat 3

Goals (issue 4): at N = 10,000 an abstract edit under 50 ms, a title edit under 300 ms.
This is a benchmark to read, not a timed test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_corpus import generate  # noqa: E402

from scholarsite.builder import Builder  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def timed_edits(builder: Builder, paper: Path, repeat: int, change) -> list[float]:
    """Apply `change(text, i)` to the paper `repeat` times; seconds per rebuild."""
    times = []
    for i in range(repeat):
        paper.write_text(change(paper.read_text(encoding="utf-8"), i), encoding="utf-8")
        start = time.perf_counter()
        builder.rebuild([paper])
        times.append(time.perf_counter() - start)
    return times


def edit_abstract(text: str, i: int) -> str:
    return text.rstrip("\n") + f" Edited {i}.\n"


def edit_title(text: str, i: int) -> str:
    head, sep, rest = text.partition("\ntitle: ")
    title, nl, tail = rest.partition("\n")
    return f'{head}{sep}"Revised {i} {title.strip(chr(34))}"{nl}{tail}'


def bench(n: int, repeat: int, workdir: Path) -> dict[str, float]:
    content = generate(n, workdir / f"n{n}" / "content")
    builder = Builder(content, workdir / f"n{n}" / "site", REPO / "themes")
    start = time.perf_counter()
    report = builder.rebuild()
    full = time.perf_counter() - start
    builder.warm()        # as `serve` does after its first build
    papers = sorted((content / "papers").glob("*.md"))
    paper = papers[len(papers) // 2]
    abstract = timed_edits(builder, paper, repeat, edit_abstract)
    title = timed_edits(builder, paper, repeat, edit_title)
    return {"pages": report.pages, "full": full, "abstract": statistics.median(abstract),
            "title": statistics.median(title)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 10_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'papers':>7} {'pages':>7} {'full build':>11} {'abstract edit':>14} {'title edit':>11}"
          f"   (median of {args.repeat} edits)")
    with tempfile.TemporaryDirectory(prefix="scholarsite-bench-") as tmp:
        for n in args.sizes:
            r = bench(n, args.repeat, Path(tmp))
            print(f"{n:>7} {r['pages']:>7} {r['full']:>9.2f} s {r['abstract'] * 1000:>11.0f} ms"
                  f" {r['title'] * 1000:>8.0f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
