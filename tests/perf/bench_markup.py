"""Benchmark `markup.to_html` on generated abstracts against an earlier revision's, interleaved.

The earlier `scholarsite/markup.py` (`--before`, a git revision) is loaded next to the working
tree's in one process. Both convert the same generated abstracts (gen_corpus.py, seed 0) in
alternating order, round after round, so that this machine's drifting speed falls on both
alike; it prints medians of the time per abstract:

- for the abstracts that fell off the earlier fast path (went through a full Markdown
  conversion), the set the inline-syntax fast path was built for, and those of them without
  math (whose MathML conversion costs the same either way);
- for all the abstracts of the corpus, which is what a cold build pays;

and the share of abstracts each revision sends through full Markdown. The outputs of the two
are checked to be the same.

    PYTHONPATH=. python tests/perf/bench_markup.py --before main
    PYTHONPATH=. python tests/perf/bench_markup.py --before 4b30d95 --n 10000 --rounds 40

This is a benchmark to read, not a timed test.
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_corpus import paper_text  # noqa: E402

from scholarsite import markup  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def load_before(revision: str, folder: Path) -> ModuleType:
    """markup.py as it was at `revision`, imported as scholarsite._markup_before."""
    source = subprocess.run(["git", "show", f"{revision}:scholarsite/markup.py"], cwd=REPO,
                            check=True, capture_output=True, text=True).stdout
    path = folder / "_markup_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("scholarsite._markup_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def abstracts(n: int) -> list[str]:
    """The abstracts of `gen_corpus.generate(n, dest)`, as read_document gives their bodies."""
    rng = random.Random(0)
    return [paper_text(rng, i)[1].split("\n---\n", 1)[1].strip("\n") for i in range(n)]


def through_markdown(module: ModuleType, texts: list[str]) -> list[str]:
    """The texts `module.to_html` converts with full Markdown (its fast path declines them)."""
    return [t for t in texts if module.plain_paragraphs(
        module.latex_text_to_markdown(t), "p.md", "abstract", 1, []) is None]


def interleaved(modules: dict[str, ModuleType], texts: list[str], rounds: int, batch: int
                ) -> dict[str, list[float]]:
    """Microseconds per abstract of each module's to_html, a batch per round; the batch moves
    through `texts` and the order of the modules alternates from round to round. CPU time of
    this process: time other processes take from the shared CPUs does not count."""
    times: dict[str, list[float]] = {name: [] for name in modules}
    names = list(modules)
    for r in range(rounds):
        start = (r * batch) % len(texts)
        chunk = (texts + texts)[start:start + min(batch, len(texts))]
        for name in (names if r % 2 == 0 else names[::-1]):
            to_html = modules[name].to_html
            t0 = time.process_time()
            for text in chunk:
                to_html(text, "p.md")
            times[name].append((time.process_time() - t0) / len(chunk) * 1e6)
    return times


def report(title: str, times: dict[str, list[float]]) -> None:
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    ratios = [b / a for b, a in zip(times["before"], times["after"])]
    print(f"{title}: before {before:.1f} us, after {after:.1f} us per abstract (median of "
          f"{len(ratios)} rounds; speed-up in a round: median {statistics.median(ratios):.1f}x, "
          f"range {min(ratios):.1f}-{max(ratios):.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="main", help="git revision to compare with")
    parser.add_argument("--n", type=int, default=10000, help="generated papers")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=300, help="abstracts a round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        before = load_before(args.before, Path(folder))
    modules = {"before": before, "after": markup}
    texts = abstracts(args.n)
    fell_off = through_markdown(before, texts)
    still_off = through_markdown(markup, texts)
    print(f"{args.n} generated abstracts through full Markdown: before {len(fell_off)} "
          f"({len(fell_off) / len(texts):.1%}), after {len(still_off)} "
          f"({len(still_off) / len(texts):.1%})")
    for text in fell_off + texts[:500]:   # same HTML and problems; warms both up
        got, expected = markup.to_html(text, "p.md"), before.to_html(text, "p.md")
        assert (got[0], list(map(str, got[1]))) == (expected[0], list(map(str, expected[1])))
    if fell_off:
        report("abstracts that fell off the fast path",
               interleaved(modules, fell_off, args.rounds, args.batch))
        report("  of which without math (no latex2mathml)", interleaved(
            modules, [t for t in fell_off if "$" not in t], args.rounds, args.batch))
    report("all abstracts", interleaved(modules, texts, args.rounds, args.batch))
    whole = interleaved(modules, texts, 4, len(texts))
    print(f"whole corpus of {len(texts)}, {len(whole['after'])} alternating passes: before "
          f"{statistics.median(whole['before']) * len(texts) / 1e6:.2f} s, after "
          f"{statistics.median(whole['after']) * len(texts) / 1e6:.2f} s of to_html")


if __name__ == "__main__":
    main()
