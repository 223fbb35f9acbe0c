"""Where a cold build's CPU goes, step by step, all in one process. Not run in CI.

    python tests/perf/cpu_by_step.py [--papers 10000] [--workdir DIR]

Builds a generated corpus (tests/perf/gen_corpus.py, seed 0) with no `.cache/` into a new
output folder, with the worker pools (and the forked save of the paper cache) replaced by plain
loops, and prints the process CPU time
of parsing (per paper) and of rendering each template (per page, its context included). The
file writes are kept, so the total is what one core would spend on the whole build; two
workers share the parsing and rendering. Times drift with the machine: compare ratios.
"""
from __future__ import annotations

import argparse
import collections
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE), str(REPO)]
from gen_corpus import generate  # noqa: E402

from scholarsite import builder, cache, content, render  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scholarsite-cpu"))
    args = parser.parse_args()
    root = args.workdir / f"n{args.papers}"
    if not (root / "content" / "papers").is_dir():
        generate(args.papers, root / "content", seed=0)
    shutil.rmtree(root / ".cache", ignore_errors=True)
    output = root / f"site-{time.time_ns()}"        # a folder that never existed

    spent: collections.Counter[str] = collections.Counter()
    count: collections.Counter[str] = collections.Counter()

    def timed(label_of, func):
        def run(item):
            start = time.process_time()
            try:
                return func(item)
            finally:
                label = label_of(item)
                spent[label] += time.process_time() - start
                count[label] += 1
        return run

    def in_process(func, items, min_items, workers=None, meanwhile=None):
        if meanwhile is not None:
            timed(lambda _: "compile the theme", lambda _: meanwhile())(None)
        return [func(item) for item in items]

    def in_process_unordered(func, items, min_items, workers=None):
        for i, item in enumerate(items):
            yield i, func(item)

    content.map_ordered = in_process
    render.imap_unordered = in_process_unordered
    cache.BACKGROUND_SAVE_MIN = 1 << 62          # the paper cache is saved here too
    content._read_and_parse = timed(lambda path: "parse a paper", content._read_and_parse)
    render._render_page = timed(lambda page: f"render {page.template}", render._render_page)
    start = time.process_time()
    report = builder.build(root / "content", output, REPO / "themes")
    total = time.process_time() - start
    shutil.rmtree(output, ignore_errors=True)
    print(f"{report.summary()}: {total:.2f} s of CPU in all")
    for label, seconds in spent.most_common():
        n = count[label]
        print(f"  {label:28} {seconds:6.2f} s  {1e6 * seconds / n:9.0f} us x {n}")


if __name__ == "__main__":
    main()
