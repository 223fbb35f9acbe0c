"""The command line: parse arguments and dispatch to one module per command.

`main(argv) -> int` so tests call it directly. A `SiteError` prints every problem and returns
1; wrong usage returns 2; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from . import __version__
from .errors import SiteError, UsageError

COMMANDS = ("build", "serve", "import", "new", "check", "deploy", "metrics")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scholarsite",
        description="Build a researcher's homepage from Markdown papers.")
    parser.add_argument("--version", action="version", version=f"scholarsite {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def paths(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", type=Path, default=Path("content"),
                       help="the content folder (default: content)")
        p.add_argument("--output", type=Path, default=Path("site"),
                       help="the output folder (default: site)")
        p.add_argument("--themes", type=Path, default=None,
                       help="the themes folder (default: themes/ beside the content folder)")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("--base-url", default=None,
                       help="override site.yml's base_url (CI passes the Pages URL here)")

    p = sub.add_parser("build", help="build content/ into site/ (the default command)")
    paths(p)

    p = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on change")
    paths(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--open", action="store_true", help="open the site in a browser")

    p = sub.add_parser("import", help="import papers from a profile dump, BibTeX or arXiv Atom")
    p.add_argument("file", type=Path)
    p.add_argument("--content", type=Path, default=Path("content"))
    p.add_argument("--as-of", default=None, metavar="YYYY-MM-DD",
                   help="the dump's date, for dates without a year (default: today)")
    p.add_argument("--category", default=None, help="category for entries that name none")
    p.add_argument("--force", action="store_true", help="overwrite paper files that exist")
    p.add_argument("--dry-run", action="store_true", help="write nothing; print what would change")

    p = sub.add_parser("new", help="create content/papers/<slug>.md from the theme's archetype")
    p.add_argument("title")
    p.add_argument("--content", type=Path, default=Path("content"))
    p.add_argument("--themes", type=Path, default=None)
    p.add_argument("--category", default=None)
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--code", default=None, metavar="URL")
    p.add_argument("--slug", default=None)

    p = sub.add_parser("check", help="validate content and the built site")
    paths(p)
    p.add_argument("--write-schemas", action="store_true",
                   help="write the JSON Schemas for editors under content/.schemas/")

    p = sub.add_parser("deploy", help="commit site/ to the gh-pages branch and push it")
    paths(p)
    p.add_argument("--remote", default="origin")
    p.add_argument("--branch", default="gh-pages")
    p.add_argument("--no-push", action="store_true")
    p.add_argument("--message", default=None)

    p = sub.add_parser("metrics", help="refresh content/metrics.yml from OpenAlex")
    p.add_argument("--content", type=Path, default=Path("content"))
    p.add_argument("--dry-run", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Without `argv`, it is this process's own command line (build.py,
    `python -m scholarsite`, the console script), and main() manages its garbage collector:
    off while the command's modules are imported (they make many objects and no garbage),
    then those objects are frozen, so that no collection during the command scans them again
    (7 % of the instructions of a warm 54-paper build), and collection is on again."""
    if argv is None:
        gc.disable()
        try:
            return _main(sys.argv[1:], freeze=True)
        finally:
            gc.enable()
    return _main(list(argv), freeze=False)


def _main(argv: list[str], freeze: bool) -> int:
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "build")
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        return _dispatch(args, freeze)
    except SiteError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(_tally(exc.problems), file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"scholarsite {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _tally(problems) -> str:
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    if errors:
        return f"{errors} error{'s' if errors != 1 else ''}; nothing was written."
    return (f"{warnings} warning{'s' if warnings != 1 else ''} treated as errors (--strict); "
            "nothing was written.")


def _dispatch(args: argparse.Namespace, freeze: bool = False) -> int:
    # Each command's module is imported only when used: `build` never loads livereload.
    if args.command == "build":
        from .builder import run
    elif args.command == "serve":
        from .server import run
    elif args.command == "import":
        from .importers import run
    elif args.command == "new":
        from .scaffold import run
    elif args.command == "check":
        from .check import run
    elif args.command == "deploy":
        from .deploy import run
    elif args.command == "metrics":
        from .openalex import run
    else:
        raise AssertionError(args.command)
    if freeze:
        gc.freeze()
        gc.enable()
    args.one_shot = freeze      # this process ends after the command (builder.Builder)
    return run(args)
