"""`deploy`: build, then commit the output folder as the whole tree of the gh-pages branch.

Like `mkdocs gh-deploy`, but with git plumbing only: the files are staged in a temporary
index (`GIT_INDEX_FILE`) with the output folder as the work tree, so the user's working tree,
index, current branch and uncommitted work are never touched. Each deploy is one commit on
top of the branch's previous history (local or fetched from the remote, whichever is newer),
and a deploy that changes nothing makes no commit.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__

DEFAULT_MESSAGE = "Deploy {sha} with scholarsite {version}"
EMPTY_BLOB_MODE = "100644"


class DeployError(Exception):
    """A deploy that cannot go on; the message is one line for the user, never a traceback."""


@dataclass(frozen=True)
class Outcome:
    """What a deploy did: the branch tip, and whether it is a new commit and was pushed."""

    commit: str
    created: bool
    pushed: bool


def run(args: argparse.Namespace) -> int:
    try:
        git = Git.in_current_repository()
        remote_url = _preflight(git, args)
        _build(args)
        outcome = deploy(git, Path(args.output), branch=args.branch, remote=args.remote,
                         push=not args.no_push, message=args.message or DEFAULT_MESSAGE)
    except DeployError as exc:
        print(f"scholarsite deploy: {exc}", file=sys.stderr)
        return 1
    _report(outcome, args, remote_url)
    return 0


def _preflight(git: "Git", args: argparse.Namespace) -> str | None:
    """Refuse before building what would fail after it; returns the remote's URL if it has one."""
    if git.current_ref() == f"refs/heads/{args.branch}":
        raise DeployError(f"the current branch is {args.branch!r}, the branch deploy writes; "
                          f"check out your source branch first")
    remote_url = git.remote_url(args.remote)
    if remote_url is None and not args.no_push:
        raise DeployError(f"no remote named {args.remote!r} "
                          f"(see `git remote -v`; choose one with --remote, or use --no-push)")
    return remote_url


def _build(args: argparse.Namespace) -> None:
    """Build first; a failed build raises SiteError, so nothing is deployed."""
    from .builder import build

    report = build(args.content, args.output, themes_dir=args.themes,
                   base_url=args.base_url, strict=args.strict)
    for w in report.warnings:
        print(w, file=sys.stderr)
    print(report.summary())


def deploy(git: "Git", output: Path, *, branch: str, remote: str, push: bool,
           message: str) -> Outcome:
    """Commit `output` as the whole tree of `branch` and, if `push`, push it to `remote`.

    Pushing fetches the remote's branch first; without it, no network is used and the last
    fetched remote-tracking branch (if any) stands for the remote.
    """
    if not output.is_dir():
        raise DeployError(f"{output} is not a folder; build the site first")
    ref = f"refs/heads/{branch}"
    remote_tip = (git.fetch_branch(remote, branch) if push
                  else git.resolve(f"refs/remotes/{remote}/{branch}"))
    local_tip = git.resolve(ref)
    parent = git.newer_of(local_tip, remote_tip)

    tree = git.tree_of_folder(output)
    created = parent is None or git.resolve(f"{parent}^{{tree}}") != tree
    if created:
        text = message.replace("{sha}", git.source_sha()).replace("{version}", __version__)
        tip = git.commit_tree(tree, parent, text)
    else:
        tip = parent
    if tip != local_tip:
        git.update_ref(ref, tip, local_tip)
    pushed = False
    if push and tip != remote_tip:
        git.push(remote, tip, ref)
        pushed = True
    return Outcome(tip, created, pushed)


def _report(outcome: Outcome, args: argparse.Namespace, remote_url: str | None) -> None:
    short = outcome.commit[:7]
    if outcome.created:
        print(f"Committed {args.output} to {args.branch} as {short}.")
    else:
        print(f"Nothing changed: {args.branch} already holds this build ({short}); no new commit.")
    if args.no_push:
        print(f"Not pushed (--no-push); publish with `git push {args.remote} {args.branch}`.")
        return
    print(f"Pushed {args.branch} to {args.remote}." if outcome.pushed
          else f"{args.remote} already has {args.branch} at {short}.")
    url = published_url(remote_url or "", _cname(Path(args.output)))
    if url:
        print(f"Your site will be live at {url} in a minute "
              f"(Settings -> Pages -> Source: Deploy from a branch, {args.branch}).")


def published_url(remote_url: str, cname: str | None = None) -> str | None:
    """The GitHub Pages URL for a github.com remote (or the custom domain); None if unknown."""
    if cname:
        return f"https://{cname}/"
    m = re.match(r"^(?:https?://(?:[^@/]+@)?|ssh://git@|git@)github\.com[:/]"
                 r"([^/]+)/([^/]+?)(?:\.git)?/?$", remote_url.strip())
    if not m:
        return None
    user, repo = m.group(1), m.group(2)
    host = f"{user.lower()}.github.io"
    return f"https://{host}/" if repo.lower() == host else f"https://{host}/{repo}/"


def _cname(output: Path) -> str | None:
    try:
        text = (output / "CNAME").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text.splitlines()[0].strip() if text else None


class Git:
    """The few git commands deploy needs, run against one repository; failures raise DeployError."""

    def __init__(self, executable: str, git_dir: Path):
        self.executable = executable
        self.git_dir = git_dir

    @classmethod
    def in_current_repository(cls) -> "Git":
        executable = shutil.which("git")
        if executable is None:
            raise DeployError("git is not installed (or not on PATH); deploy needs it")
        done = subprocess.run([executable, "rev-parse", "--absolute-git-dir"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise DeployError(f"{Path.cwd()} is not in a git repository; "
                              f"run deploy from your site's clone (or use the Pages workflow)")
        return cls(executable, Path(done.stdout.strip()))

    def _run(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
             input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.executable, f"--git-dir={self.git_dir}", *args],
                              capture_output=True, text=True, env=env, cwd=cwd, input=input)
        if check and done.returncode != 0:
            raise DeployError(f"git {args[0]} failed: {_last_line(done.stderr)}")
        return done

    def resolve(self, rev: str) -> str | None:
        done = self._run("rev-parse", "--quiet", "--verify", f"{rev}^{{object}}", check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def current_ref(self) -> str | None:
        done = self._run("symbolic-ref", "--quiet", "HEAD", check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def source_sha(self) -> str:
        return self.resolve("HEAD") or "(no commit yet)"

    def remote_url(self, remote: str) -> str | None:
        """The URL as configured (before any `insteadOf` rewriting); None if no such remote."""
        done = self._run("config", "--get", f"remote.{remote}.url", check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def fetch_branch(self, remote: str, branch: str) -> str | None:
        """Fetch `branch` from `remote` so the deploy continues its history; None if absent."""
        listed = self._run("ls-remote", "--heads", remote, f"refs/heads/{branch}", check=False)
        if listed.returncode != 0:
            raise DeployError(f"cannot reach remote {remote!r}: {_last_line(listed.stderr)}")
        if not listed.stdout.strip():
            return None
        tracking = f"refs/remotes/{remote}/{branch}"
        self._run("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}")
        return self.resolve(tracking)

    def newer_of(self, local: str | None, remote: str | None) -> str | None:
        """The tip to build on: the descendant of the two, or the remote's when they diverge."""
        if local is None or remote is None or local == remote:
            return remote or local
        is_ancestor = self._run("merge-base", "--is-ancestor", remote, local, check=False)
        return local if is_ancestor.returncode == 0 else remote

    def tree_of_folder(self, folder: Path) -> str:
        """Stage every file of `folder` (ignore rules off, bytes as they are) and write the tree."""
        with tempfile.TemporaryDirectory(prefix="scholarsite-deploy-") as tmp:
            env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp) / "index"))
            self._run("-c", "core.autocrlf=false", "-c", "core.safecrlf=false",
                      f"--work-tree={folder.resolve()}", "add", "--all", "--force", ".",
                      env=env, cwd=folder)
            if not (folder / ".nojekyll").exists():
                # GitHub's branch publishing runs Jekyll unless this file is there.
                empty = self._run("hash-object", "-w", "--stdin", input="").stdout.strip()
                self._run("update-index", "--add", "--cacheinfo",
                          f"{EMPTY_BLOB_MODE},{empty},.nojekyll", env=env)
            return self._run("write-tree", env=env).stdout.strip()

    def commit_tree(self, tree: str, parent: str | None, message: str) -> str:
        parents = ["-p", parent] if parent else []
        return self._run("commit-tree", tree, *parents, "-m", message).stdout.strip()

    def update_ref(self, ref: str, new: str, old: str | None) -> None:
        # The old value makes update-ref refuse if someone moved the branch meanwhile.
        self._run("update-ref", "-m", "scholarsite deploy", ref, new, old or "0" * 40)

    def push(self, remote: str, commit: str, ref: str) -> None:
        done = self._run("push", "--porcelain", remote, f"{commit}:{ref}", check=False)
        if done.returncode != 0:
            raise DeployError(_push_failure(remote, done))


def _push_failure(remote: str, done: subprocess.CompletedProcess) -> str:
    """One line saying why git push failed: the rejected ref and its reason, else git's error."""
    for line in done.stdout.splitlines():
        # porcelain: "!<TAB>from:to<TAB>[rejected] (reason)"
        parts = line.split("\t")
        if parts[0] == "!" and len(parts) >= 3:
            return f"push to {remote!r} was rejected: {parts[2]}"
    return f"push to {remote!r} failed: {_last_line(done.stderr)}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else "(no message)"
