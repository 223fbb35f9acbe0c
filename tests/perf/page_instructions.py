"""CPU instructions to render one paper page, counted by callgrind: a figure that does not
drift with the machine's load, for comparing templates or rendering code. Not run in CI.

    python tests/perf/page_instructions.py [--themes DIR ...] [--pages 150] [--papers 1000]

For each themes folder (default: the repository's), runs a small Python program twice under
`valgrind --tool=callgrind`: once loading a generated corpus (tests/perf/gen_corpus.py, seed
0; parsed beforehand, so the runs read it from `.cache/`), planning it and rendering 20 paper
pages, once rendering `--pages` more; the difference divided by `--pages` is the cost of a
page, context included. PYTHONHASHSEED is fixed and the collector is off while pages render,
so the count is the same from run to run.
"""
from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE), str(REPO)]
import callgrind  # noqa: E402  (tests/perf/callgrind.py)


def render_pages(content: Path, themes: Path, pages: int) -> None:
    """The program callgrind runs: plan the site, render 20 + `pages` paper pages."""
    from scholarsite import builder
    from scholarsite.pages import PlanMemo, plan
    from scholarsite.theme import load_theme

    site, _ = builder.Builder(content, content.parent / "unused", themes)._load_site()
    theme = load_theme(themes, site.config.theme, None)
    paper_pages = [p for p in plan(site, theme, builder.build_date(), PlanMemo())
                   if p.template == "paper.html"]
    template = theme.env.get_template("paper.html")
    for page in paper_pages[:20]:       # compiles and fills what later pages reuse
        template.render(page.context_dict())
    gc.collect()
    gc.freeze()
    gc.disable()
    for page in paper_pages[20:20 + pages]:
        template.render(page.context_dict())


def instructions(content: Path, themes: Path, pages: int) -> int:
    run = subprocess.run(
        [*callgrind.COMMAND, __file__, "--child", str(content), str(themes), str(pages)],
        capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0",
                                             "SCHOLARSITE_WORKERS": "1"})
    return callgrind.collected(run.returncode, run.stderr)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        render_pages(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--themes", type=Path, nargs="+", default=[REPO / "themes"])
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scholarsite-instructions"))
    args = parser.parse_args()
    callgrind.require_valgrind()
    from scholarsite import builder

    content = callgrind.corpus(args.workdir, args.papers)
    builder.build(content, content.parent / "site", REPO / "themes")   # fills .cache/
    for themes in args.themes:
        # Once without callgrind: the templates of a themes folder the build above did not
        # use are compiled and kept in .cache/, or the first run below would compile them.
        subprocess.run([sys.executable, __file__, "--child", str(content), str(themes.resolve()),
                        "0"], check=True, env={**os.environ, "SCHOLARSITE_WORKERS": "1"})
        base = instructions(content, themes.resolve(), 0)
        more = instructions(content, themes.resolve(), args.pages)
        print(f"{themes}: {(more - base) // args.pages:,} instructions a paper page")


if __name__ == "__main__":
    main()
