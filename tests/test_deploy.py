"""`deploy` against a real bare repository used as the remote (a `file://` URL).

Each test gets a project clone with a small content folder, `origin` pointing at a bare
repository, and git isolated from the user's configuration.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scholarsite import __version__
from scholarsite.cli import main
from scholarsite.deploy import published_url

ROOT = Path(__file__).resolve().parents[1]

SITE_YML = "title: Ada Example\nbase_url: https://octo.github.io/homepage/\n"
PROFILE_MD = "---\nname: Ada Example\n---\nI study small things.\n"
PAPERS = {
    "first-paper": ("---\ntitle: The First Paper\nauthors: [Ada Example, Bo Other]\n"
                    "date: 2023-04-05\ncategory: LG\n---\nWe learn a thing.\n"),
    "second-paper": ("---\ntitle: A Second Paper on $x^2$\nauthors: [Ada Example]\n"
                     "date: 2024-06-07\ncategory: CV\nvenue: CVPR 2024\n---\nWe see a thing.\n"),
}


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def blob(cwd: Path, rev: str, path: str) -> bytes:
    return subprocess.run(["git", "cat-file", "blob", f"{rev}:{path}"], cwd=cwd,
                          capture_output=True, check=True).stdout


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def isolated_git(tmp_path, monkeypatch):
    """No user or system git config; fixed identity and build date."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Ada Example")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ada@example.org")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture
def remote(tmp_path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(bare))
    return bare


@pytest.fixture
def project(tmp_path, remote, monkeypatch) -> Path:
    """A source repository on branch main with content/, site/ ignored, origin = `remote`."""
    repo = tmp_path / "project"
    (repo / "content" / "papers").mkdir(parents=True)
    (repo / "content" / "site.yml").write_text(SITE_YML)
    (repo / "content" / "profile.md").write_text(PROFILE_MD)
    for slug, text in PAPERS.items():
        (repo / "content" / "papers" / f"{slug}.md").write_text(text)
    (repo / ".gitignore").write_text("/site/\n")
    (repo / "notes.txt").write_text("committed notes\n")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "Source")
    git(repo, "remote", "add", "origin", remote.as_uri())
    monkeypatch.chdir(repo)
    return repo


def deploy(capsys, *extra: str) -> tuple[int, str, str]:
    rc = main(["deploy", "--content", "content", "--output", "site",
               "--themes", str(ROOT / "themes"), *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def commits(repo: Path, ref: str = "gh-pages") -> list[str]:
    return git(repo, "rev-list", ref).splitlines()


def test_deploy_commits_the_output_folder_as_the_whole_branch_tree(project, remote, capsys):
    rc, out, err = deploy(capsys)
    assert (rc, err) == (0, "")
    site = project / "site"
    assert git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines() == files_under(site)
    for name in files_under(site):
        assert blob(remote, "gh-pages", name) == (site / name).read_bytes(), name
    assert ".nojekyll" in files_under(site)
    assert git(project, "rev-parse", "gh-pages") == git(remote, "rev-parse", "gh-pages")


def test_deploy_says_what_it_committed_and_pushed(project, capsys):
    rc, out, err = deploy(capsys)
    tip = git(project, "rev-parse", "--short=7", "gh-pages")
    assert out.splitlines()[1:] == [f"Committed site to gh-pages as {tip}.",
                                    "Pushed gh-pages to origin."]


def test_deploy_message_names_the_source_commit_and_version(project, capsys):
    deploy(capsys)
    source = git(project, "rev-parse", "HEAD")
    assert git(project, "log", "-1", "--format=%B", "gh-pages") == (
        f"Deploy {source} with scholarsite {__version__}")


def test_deploy_message_option_fills_sha_and_version(project, capsys):
    deploy(capsys, "--message", "Site for {sha} ({version})")
    source = git(project, "rev-parse", "HEAD")
    assert git(project, "log", "-1", "--format=%B", "gh-pages") == (
        f"Site for {source} ({__version__})")


def test_deploy_with_nothing_changed_adds_no_commit(project, remote, capsys):
    deploy(capsys)
    rc, out, err = deploy(capsys)
    tip = git(project, "rev-parse", "--short=7", "gh-pages")
    assert rc == 0
    assert out.splitlines()[1:] == [
        f"Nothing changed: gh-pages already holds this build ({tip}); no new commit.",
        f"origin already has gh-pages at {tip}."]
    assert len(commits(remote)) == 1


def test_deploy_after_a_content_change_adds_exactly_one_commit(project, remote, capsys):
    deploy(capsys)
    first = git(remote, "rev-parse", "gh-pages")
    paper = project / "content" / "papers" / "first-paper.md"
    paper.write_text(paper.read_text().replace("The First Paper", "The First Paper, Revised"))
    rc, out, err = deploy(capsys)
    assert rc == 0
    assert commits(remote) == [git(project, "rev-parse", "gh-pages"), first]
    assert b"The First Paper, Revised" in blob(remote, "gh-pages", "papers/first-paper/index.html")


def test_deploy_leaves_working_tree_index_and_current_branch_untouched(project, capsys):
    (project / "notes.txt").write_text("edited, not committed\n")    # unstaged edit
    (project / "staged.txt").write_text("staged, not committed\n")
    git(project, "add", "staged.txt")                                 # staged new file
    (project / "scratch.txt").write_text("untracked\n")               # untracked file
    index = (project / ".git" / "index").read_bytes()
    head = git(project, "rev-parse", "HEAD")
    status = git(project, "status", "--porcelain")
    worktree = {name: (project / name).read_bytes()
                for name in files_under(project) if not name.startswith((".git/", "site/"))}

    rc, out, err = deploy(capsys)

    assert rc == 0
    assert (project / ".git" / "index").read_bytes() == index
    assert git(project, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == status
    assert {name: (project / name).read_bytes() for name in worktree} == worktree
    assert git(project, "stash", "list") == ""


def test_deploy_no_push_commits_locally_only(project, remote, capsys):
    rc, out, err = deploy(capsys, "--no-push")
    assert rc == 0
    assert out.splitlines()[-1] == (
        "Not pushed (--no-push); publish with `git push origin gh-pages`.")
    assert len(commits(project)) == 1
    assert git(remote, "ls-remote", "--heads", ".", "gh-pages") == ""


def test_deploy_pushes_an_earlier_no_push_commit_even_when_nothing_changed(project, remote,
                                                                           capsys):
    deploy(capsys, "--no-push")
    rc, out, err = deploy(capsys)
    assert rc == 0
    assert out.splitlines()[-1] == "Pushed gh-pages to origin."
    assert git(remote, "rev-parse", "gh-pages") == git(project, "rev-parse", "gh-pages")


def test_deploy_continues_the_remote_history_from_a_fresh_clone(project, remote, tmp_path,
                                                                 capsys, monkeypatch):
    git(project, "push", "--quiet", "origin", "main")
    deploy(capsys)
    first = git(remote, "rev-parse", "gh-pages")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--branch", "main", remote.as_uri(), str(clone))
    assert git(clone, "branch", "--list", "gh-pages") == ""
    paper = clone / "content" / "papers" / "second-paper.md"
    paper.write_text(paper.read_text().replace("CVPR 2024", "ICCV 2025"))
    monkeypatch.chdir(clone)

    rc, out, err = deploy(capsys)

    assert (rc, err) == (0, "")
    assert commits(remote) == [git(clone, "rev-parse", "gh-pages"), first]


def test_deploy_to_another_branch(project, remote, capsys):
    rc, out, err = deploy(capsys, "--branch", "published")
    assert rc == 0
    assert len(commits(remote, "published")) == 1
    assert git(remote, "branch", "--list", "gh-pages") == ""


def test_deploy_prints_the_pages_url_of_a_github_remote(project, remote, capsys):
    git(project, "remote", "set-url", "origin", "https://github.com/octo/homepage.git")
    git(project, "config", f"url.{remote.as_uri()}.insteadOf",
        "https://github.com/octo/homepage.git")
    rc, out, err = deploy(capsys)
    assert rc == 0
    assert out.splitlines()[-1] == (
        "Your site will be live at https://octo.github.io/homepage/ in a minute "
        "(Settings -> Pages -> Source: Deploy from a branch, gh-pages).")


def test_deploy_prints_the_custom_domain_when_site_yml_sets_cname(project, remote, capsys):
    (project / "content" / "site.yml").write_text(SITE_YML + "cname: ada.example.org\n")
    git(project, "remote", "set-url", "origin", "https://github.com/octo/homepage.git")
    git(project, "config", f"url.{remote.as_uri()}.insteadOf",
        "https://github.com/octo/homepage.git")
    rc, out, err = deploy(capsys)
    assert out.splitlines()[-1].startswith("Your site will be live at https://ada.example.org/ ")
    assert blob(remote, "gh-pages", "CNAME") == b"ada.example.org\n"


@pytest.mark.parametrize("remote_url, url", [
    ("https://github.com/octo/homepage.git", "https://octo.github.io/homepage/"),
    ("https://github.com/octo/homepage", "https://octo.github.io/homepage/"),
    ("git@github.com:Octo/homepage.git", "https://octo.github.io/homepage/"),
    ("ssh://git@github.com/octo/homepage.git", "https://octo.github.io/homepage/"),
    ("https://github.com/octo/Octo.github.io.git", "https://octo.github.io/"),
    ("https://gitlab.com/octo/homepage.git", None),
    ("file:///srv/git/homepage.git", None),
])
def test_published_url_from_the_remote(remote_url, url):
    assert published_url(remote_url) == url


def test_deploy_after_a_failed_build_deploys_nothing(project, remote, capsys):
    (project / "content" / "papers" / "first-paper.md").write_text(
        PAPERS["first-paper"].replace("title: The First Paper\n", ""))
    rc, out, err = deploy(capsys)
    assert rc == 1
    assert err.splitlines()[-1] == "1 error; nothing was written."
    assert git(project, "branch", "--list", "gh-pages") == ""
    assert git(remote, "branch", "--list", "gh-pages") == ""


def test_deploy_outside_a_git_repository_fails_clearly(tmp_path, capsys, monkeypatch):
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    rc, out, err = deploy(capsys)
    assert (rc, out) == (1, "")
    assert err == (f"scholarsite deploy: {outside} is not in a git repository; "
                   f"run deploy from your site's clone (or use the Pages workflow)\n")


def test_deploy_to_a_missing_remote_fails_before_building(project, capsys):
    rc, out, err = deploy(capsys, "--remote", "upstream")
    assert (rc, out) == (1, "")
    assert err == ("scholarsite deploy: no remote named 'upstream' "
                   "(see `git remote -v`; choose one with --remote, or use --no-push)\n")
    assert not (project / "site").exists()


def test_deploy_from_the_deploy_branch_itself_is_refused(project, capsys):
    git(project, "checkout", "--quiet", "-b", "gh-pages")
    rc, out, err = deploy(capsys)
    assert (rc, out) == (1, "")
    assert err == ("scholarsite deploy: the current branch is 'gh-pages', the branch deploy "
                   "writes; check out your source branch first\n")


def test_deploy_rejected_by_a_remote_hook_fails_clearly(project, remote, capsys):
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'deploys are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    rc, out, err = deploy(capsys)
    assert rc == 1
    assert err == ("scholarsite deploy: push to 'origin' was rejected: "
                   "[remote rejected] (pre-receive hook declined)\n")
    assert git(remote, "branch", "--list", "gh-pages") == ""


def test_deploy_rejected_as_not_a_fast_forward_fails_clearly(project, tmp_path, capsys):
    # Fetches read `remote` (no gh-pages yet) but pushes go to `other`, whose gh-pages has
    # unrelated history: the push is a real non-fast-forward.
    other = tmp_path / "other.git"
    git(tmp_path, "init", "--quiet", "--bare", str(other))
    git(project, "push", "--quiet", other.as_uri(), "main:gh-pages")
    git(project, "remote", "set-url", "--push", "origin", other.as_uri())
    rc, out, err = deploy(capsys)
    assert rc == 1
    assert err == ("scholarsite deploy: push to 'origin' was rejected: "
                   "[rejected] (non-fast-forward)\n")


def test_deploy_without_git_fails_clearly(project, tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    rc, out, err = deploy(capsys)
    assert (rc, out) == (1, "")
    assert err == "scholarsite deploy: git is not installed (or not on PATH); deploy needs it\n"


def test_deploy_base_url_option_gives_the_404_page_its_base_path(project, remote, capsys):
    code, out, err = deploy(capsys, "--base-url", "https://octocat.github.io/homepage/")
    assert code == 0
    page = blob(remote, "gh-pages", "404.html").decode()
    assert 'href="/homepage/static/css/site.css"' in page
