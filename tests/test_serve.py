"""`scholarsite serve`: a real server in a subprocess on a free loopback port.

Every wait is bounded; every server is stopped by its process id (SIGINT, as Ctrl-C would).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import html
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

SCRIPT = '<script type="text/javascript">(function(){var s=document.createElement("script");'
WAIT = 20.0          # seconds: the watcher polls every 0.8 s, a rebuild of the sample takes < 1 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A `scholarsite serve` subprocess and what it printed."""

    def __init__(self, root: Path, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scholarsite", "serve", "--content", str(root / "content"),
             "--output", str(root / "site"), "--themes", str(root / "themes"),
             "--port", str(self.port)],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.out = self.err = ""

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.out}\n{self.err}")
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("server did not answer in time")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def wait_for(self, path: str, text: str, present: bool = True) -> str:
        deadline = time.monotonic() + WAIT
        body = ""
        while time.monotonic() < deadline:
            _, body = self.get(path)
            if (text in body) == present:
                return body
            time.sleep(0.2)
        raise AssertionError(f"{path}: {text!r} {'never appeared' if present else 'stayed'}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=10)
        self.out, self.err = self.out + out, self.err + err
        return self.proc.returncode


@pytest.fixture
def served(sample_root):
    server = Served(sample_root)
    server.wait_ready()
    yield server
    server.stop()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_served_page_carries_the_live_reload_script(served):
    status, body = served.get("/papers/deep-sets/")
    assert status == 200
    assert SCRIPT in body
    assert body.index(SCRIPT) < body.index("</head>")


def test_edited_abstract_appears_in_the_served_page(served):
    edit(served.root / "content/papers/deep-sets.md", "Sets are *unordered*.",
         "Sets are *unordered* and quite small.")
    body = served.wait_for("/papers/deep-sets/", "and quite small.")
    assert SCRIPT in body


def test_new_paper_appears_and_deleted_paper_is_gone(served):
    new = served.root / "content/papers/fresh-result.md"
    new.write_text("---\ntitle: A Fresh Result\nauthors: [Ada Exemplar]\ndate: 2026-03-04\n"
                   "category: LG\n---\nFresh.\n", encoding="utf-8")
    served.wait_for("/papers/", "A Fresh Result")
    assert served.get("/papers/fresh-result/")[0] == 200
    new.unlink()
    served.wait_for("/papers/", "A Fresh Result", present=False)
    assert served.get("/papers/fresh-result/")[0] == 404
    assert not (served.root / "site/papers/fresh-result").exists()


def test_broken_edit_shows_the_error_page_and_the_fix_recovers(served):
    paper = served.root / "content/papers/deep-sets.md"
    edit(paper, "date: 2020-01-01", "date: 2020-02-30")
    body = served.wait_for("/papers/deep-sets/", "scholarsite-build-error")
    message = "content/papers/deep-sets.md:4: date: impossible date '2020-02-30'"
    assert message in html.unescape(body)
    assert "Deep Sets Revisited" in body            # the last good page, underneath
    assert SCRIPT in body
    status, other = served.get("/papers/")           # the server keeps answering, every page
    assert status == 200 and message in html.unescape(other)
    edit(paper, "date: 2020-02-30", "date: 2020-01-02")
    body = served.wait_for("/papers/deep-sets/", "scholarsite-build-error", present=False)
    assert "Jan 2, 2020" in body or "2020-01-02" in body


def test_server_starts_on_broken_content_and_recovers_when_fixed(sample_root):
    paper = sample_root / "content/papers/deep-sets.md"
    edit(paper, "title: Deep Sets Revisited", "title: [Deep Sets")
    server = Served(sample_root)
    try:
        server.wait_ready()
        status, body = server.get("/")
        assert status == 404 and "scholarsite-build-error" in body and SCRIPT in body
        assert "content/papers/deep-sets.md:" in html.unescape(body)
        edit(paper, "title: [Deep Sets", "title: Deep Sets Fixed")
        body = server.wait_for("/", "scholarsite-build-error", present=False)
        assert "Deep Sets Fixed" in server.get("/papers/deep-sets/")[1]
    finally:
        assert server.stop() == 0


def test_template_syntax_error_shows_the_error_page(served):
    template = served.root / "themes/default/templates/paper.html"
    original = template.read_text(encoding="utf-8")
    template.write_text(original.replace("{% block", "{% blok", 1), encoding="utf-8")
    body = html.unescape(served.wait_for("/", "scholarsite-build-error"))
    assert "themes/default/templates/paper.html:" in body and "template syntax error" in body
    template.write_text(original, encoding="utf-8")
    served.wait_for("/", "scholarsite-build-error", present=False)


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/..%2fsecret.txt", "//etc/passwd", "/papers/../../secret.txt"])
def test_traversal_attempts_are_refused(served, path):
    (served.root / "secret.txt").write_text("secret")
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    assert status in (403, 404)
    assert b"secret" not in reply.split(b"\r\n\r\n", 1)[1]


def test_symlink_out_of_the_output_folder_is_refused(served):
    (served.root / "secret.txt").write_text("secret")
    (served.root / "site/leak.txt").symlink_to(served.root / "secret.txt")
    status, body = served.get("/leak.txt")
    assert status in (403, 404) and "secret" not in body


def test_unknown_path_gets_the_site_404_page_with_the_script(served):
    status, body = served.get("/no/such/page/")
    assert status == 404
    assert body.startswith((served.root / "site/404.html").read_text(encoding="utf-8")[:40])
    assert "Page not found" in body and SCRIPT in body


def test_stylesheet_edit_is_copied_without_rendering(served):
    css = served.root / "themes/default/static/css/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.edited-in-test { color: red; }\n")
    served.wait_for("/static/css/site.css", ".edited-in-test")
    code = served.stop()
    assert code == 0
    assert "site.css changed: 0 rendered, 1 written or removed" in served.out


def test_ctrl_c_stops_cleanly(served):
    assert served.stop() == 0
    assert served.out.rstrip().endswith("Stopped.")
    assert "Traceback" not in served.err


def test_port_in_use_moves_to_the_next_port_and_says_so(sample_root):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Served(sample_root, port)
        try:
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                server.url = f"http://127.0.0.1:{port + 1}"
                try:
                    server.get("/")
                    break
                except OSError:
                    time.sleep(0.1)
        finally:
            server.stop()
    assert f"Port {port} on 127.0.0.1 is in use; using port {port + 1} instead." in server.out
    assert "Traceback" not in server.err


def run_in_own_loop(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API (tests/browser, same session)
    leaves an event loop running in the main thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_two_saves_a_second_apart_both_reach_the_browser(served):
    """livereload drops a reload within 3 s of the previous one; ours must not."""
    paper = served.root / "content/papers/deep-sets.md"

    async def reloads() -> list[dict]:
        ws = await websocket_connect(f"ws://127.0.0.1:{served.port}/livereload")
        ws.write_message(json.dumps({"command": "hello",
                                     "protocols": ["http://livereload.com/protocols/official-7"]}))
        hello = json.loads(await asyncio.wait_for(ws.read_message(), WAIT))
        assert hello["command"] == "hello"
        ws.write_message(json.dumps({"command": "info", "url": served.url + "/papers/deep-sets/"}))
        got: list[dict] = []
        for n in (1, 2):
            edit(paper, "Sets are *unordered*" if n == 1 else "first save",
                 "first save" if n == 1 else "second save")
            started = time.monotonic()
            while True:
                message = json.loads(await asyncio.wait_for(ws.read_message(), WAIT))
                if message.get("path") == "/papers/deep-sets/index.html":
                    got.append(message)
                    break
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
        ws.close()
        return got

    got = run_in_own_loop(asyncio.wait_for(reloads(), 3 * WAIT))
    assert [m["command"] for m in got] == ["reload", "reload"]
    assert "second save" in served.get("/papers/deep-sets/")[1]
