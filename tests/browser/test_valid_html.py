"""Every page of the real site passes the W3C Nu HTML checker (npm `vnu-jar`, run with Java)
with no error. Warnings are not failures."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from browser_support import NODE_MODULES, NO_NODE_MODULES

VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_errors(folder) -> list[str]:
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json", str(folder)],
        capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [f"{m.get('url', '').split(folder.name + '/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
            for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def test_every_page_of_the_real_site_is_valid_html(site_dir):
    if shutil.which("java") is None:
        pytest.skip("java is not installed (the Nu checker runs on Java 17)")
    if not VNU.is_file():
        pytest.skip(NO_NODE_MODULES)
    assert len(list(site_dir.rglob("*.html"))) > 3
    assert nu_errors(site_dir) == []
