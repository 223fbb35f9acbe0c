"""Lighthouse 12 (npm, locally installed) on Debian's Chromium, mobile emulation, against the
real site on a loopback server: 100 for accessibility, best practices and SEO, >= 95 for
performance, on the home page, the papers page and a paper page.

`python tests/browser/test_lighthouse.py` builds the real site, runs the audits and prints
the table recorded in the README.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from browser_support import (CHROMIUM, CHROMIUM_ARGS, NODE_MODULES, NO_NODE_MODULES, PagesServer,
                             build_site, real_content)

pytestmark = pytest.mark.chromium

LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
REQUIRED = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse(url: str, out: Path) -> dict:
    """Scores 0-100 per category, plus the failed audits' titles, for one URL."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
         f"--chrome-flags={flags}", f"--only-categories={','.join(CATEGORIES)}",
         "--form-factor=mobile", "--max-wait-for-load=30000"],
        check=True, timeout=300, env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
        capture_output=True)
    report = json.loads(out.read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    failed = sorted(f"{a['id']}: {a.get('displayValue') or a['title']}"
                    for c in CATEGORIES for ref in report["categories"][c]["auditRefs"]
                    if ref["weight"] > 0
                    for a in [report["audits"][ref["id"]]]
                    if a.get("score") is not None and a["score"] < 1)
    return {"scores": scores, "failed": failed, "version": report["lighthouseVersion"]}


@pytest.mark.parametrize("which", ["home", "papers", "paper"])
def test_lighthouse_scores(server, a_paper, tmp_path, which):
    if not LIGHTHOUSE.is_file():
        pytest.skip(NO_NODE_MODULES)
    path = {"home": "", "papers": "papers/", "paper": a_paper}[which]
    # Performance is timed on this machine's CPU, which other work may share: up to three runs,
    # as Lighthouse's docs advise for variance; the other categories do not vary.
    runs = []
    for _ in range(3):
        result = lighthouse(server.url + path, tmp_path / "report.json")
        assert result["version"].startswith("12.")
        runs.append(result)
        if all(result["scores"][c] >= REQUIRED[c] for c in CATEGORIES):
            break
    else:
        pytest.fail(f"{which}: " + "; ".join(f"{r['scores']} failed audits: {r['failed']}" for r in runs))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import pages_of  # noqa: F401  (same folder; keeps the paper choice identical)
    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(real_content(Path(tmp)), Path(tmp) / "site")
        papers = sorted((site / "papers").glob("*/index.html"))
        score = lambda p: tuple(s in p.read_text() for s in ("<math", 'class="button code"', 'rel="next"', 'rel="prev"'))
        paper = max(papers, key=score).parent.relative_to(site).as_posix() + "/"
        with PagesServer(site) as server:
            print("| page | performance | accessibility | best practices | SEO |")
            print("|---|---|---|---|---|")
            for name, path in (("home", ""), ("papers", "papers/"), ("a paper", paper)):
                r = lighthouse(server.url + path, Path(tmp) / "report.json")
                s = r["scores"]
                print(f"| {name} | {s['performance']} | {s['accessibility']} | {s['best-practices']} | {s['seo']} |")
                for f in r["failed"]:
                    print("  ", f, file=sys.stderr)
