"""Regenerate the README's screenshots: the home page and a paper page of the real site, at
1280 and 390 px wide, light and dark, in Debian's Chromium.

    python tests/browser/screenshots.py            # writes docs/screenshots/*.png
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from browser_support import CHROMIUM, CHROMIUM_ARGS, REPO, PagesServer, build_site, real_content  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


def paper_with_most_to_show(site: Path) -> str:
    papers = sorted((site / "papers").glob("*/index.html"))
    score = lambda p: tuple(s in p.read_text() for s in ('class="button code"', "<math", 'rel="next"'))
    return max(papers, key=score).parent.relative_to(site).as_posix() + "/"


def main() -> int:
    from playwright.sync_api import sync_playwright
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(real_content(Path(tmp)), Path(tmp) / "site")
        pages = {"home": "", "paper": paper_with_most_to_show(site)}
        with PagesServer(site) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for scheme in ("light", "dark"):
                for size, viewport in SIZES.items():
                    context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                                  device_scale_factor=1)
                    page = context.new_page()
                    for name, path in pages.items():
                        page.goto(server.url + path, wait_until="networkidle")
                        target = OUT / f"{name}-{size}-{scheme}.png"
                        page.screenshot(path=str(target))
                        print(target.relative_to(REPO))
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
