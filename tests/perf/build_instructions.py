"""CPU instructions of a whole cold build, counted by callgrind: a figure that does not drift
with the machine's load, for comparing two versions of the engine. Not run in CI.

    python tests/perf/build_instructions.py [--papers 1000] [--sources DIR ...]

For each source tree (default: this repository; another one is, for example, a `git worktree`
of an older commit), builds a generated corpus (tests/perf/gen_corpus.py, seed 0) with that
tree's engine and themes, with no `.cache/`, into a new folder, all in one process
(SCHOLARSITE_WORKERS=1, the paper cache saved in the same process), under `valgrind
--tool=callgrind`, and prints the user-space instructions it took. Kernel time (creating the
files) is not counted, nor is the work of running in parallel. The runs go side by side, one
per CPU.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE)]
import callgrind  # noqa: E402  (tests/perf/callgrind.py)

# What runs under callgrind, with the source tree first on sys.path.
PROGRAM = """
import sys
from scholarsite import cache, cli
cache.BACKGROUND_SAVE_MIN = 1 << 62          # no forked save: one process, one count
sys.argv = ["scholarsite", "build", "--content", "content", "--output", "out",
            "--themes", sys.argv[1]]
cli.main()
"""


def start(source: Path, corpus: Path, workdir: Path) -> subprocess.Popen:
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(corpus, workdir / "content")
    env = {**os.environ, "PYTHONPATH": str(source), "PYTHONHASHSEED": "0",
           "SOURCE_DATE_EPOCH": "1795824000", "SCHOLARSITE_WORKERS": "1"}
    return subprocess.Popen(
        [*callgrind.COMMAND, "-c", PROGRAM, str(source / "themes")],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(run: subprocess.Popen) -> int:
    out, err = run.communicate()
    return callgrind.collected(run.returncode if "Built" in out else -1, err, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--sources", type=Path, nargs="+", default=[REPO])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scholarsite-instructions"))
    args = parser.parse_args()
    callgrind.require_valgrind()
    corpus = callgrind.corpus(args.workdir, args.papers)
    sources = [s.resolve() for s in args.sources]
    for source in sources:
        callgrind.compile_engine(source)
    with tempfile.TemporaryDirectory(dir=args.workdir) as scratch:
        counts: list[int] = []
        width = os.cpu_count() or 1
        for i in range(0, len(sources), width):
            runs = [start(source, corpus, Path(scratch) / str(i + j))
                    for j, source in enumerate(sources[i:i + width])]
            counts += [count(run) for run in runs]
    first = counts[0]
    for source, n in zip(sources, counts):
        print(f"{source}: {n:,} instructions for {args.papers:,} papers "
              f"({n / args.papers:,.0f} a paper; {n / first:.3f}x the first)")


if __name__ == "__main__":
    main()
