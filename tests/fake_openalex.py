"""A loopback stand-in for the OpenAlex API, answering in its documented response format.

Run as a script: `python tests/fake_openalex.py SCENARIO.json LOG.jsonl`. It binds 127.0.0.1 on
a free port, prints `port N` on stdout, and appends one JSON line per request to LOG (path and
query, so tests can see what was sent, e.g. that `api_key` arrived). The scenario holds:

  authors: [author objects]    served by GET /authors/<A...|https://openalex.org/A...|
                               orcid:0000-...|https://orcid.org/0000-...>
  works:   [work objects]      served by GET /works?filter=author.id:A...&per_page=&cursor=
                               (each work lists its authors in `authorships`)
  faults:  [{endpoint: "author"|"works", page: N (works only, 1-based), times: N or null
             (null: every time), status: 500, retry_after: "1", body: "...",
             malformed: true, sleep: seconds, close: true}]

What it follows from the docs: `/authors/{id}` by OpenAlex id or ORCID (full URL or URN
form); list responses `{"meta": {count, db_response_time_ms, page, per_page, next_cursor,
groups_count}, "results": [...], "group_by": []}`; cursor paging where `cursor=*` starts,
`meta.next_cursor` continues, and paging ends with an empty `results` and a null
`next_cursor`; `per_page` 1-100 (also spelled `per-page`); `select` of top-level fields;
errors as `{"error": ..., "message": ...}` with 400/404 status.
"""
from __future__ import annotations

import base64
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_PER_PAGE = 100


class Scenario:
    def __init__(self, data: dict[str, Any], log_path: str):
        self.authors = data.get("authors", [])
        self.works = data.get("works", [])
        self.faults = [dict(f) for f in data.get("faults", [])]
        self.log_path = log_path
        self.lock = threading.Lock()

    def log(self, entry: dict[str, Any]) -> None:
        with self.lock, open(self.log_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    def fault_for(self, endpoint: str, page: int | None) -> dict[str, Any] | None:
        with self.lock:
            for fault in self.faults:
                if fault.get("endpoint") != endpoint:
                    continue
                if endpoint == "works" and fault.get("page") not in (None, page):
                    continue
                times = fault.get("times")
                if times is not None:
                    if times <= 0:
                        continue
                    fault["times"] = times - 1
                return fault
        return None


def find_author(authors: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    key = urllib.parse.unquote(key)
    for author in authors:
        short = author["id"].rsplit("/", 1)[-1]
        orcid = (author.get("orcid") or "").rsplit("/", 1)[-1]
        if key.upper() in (short.upper(), author["id"].upper()):
            return author
        if orcid and key.lower() in (f"orcid:{orcid}".lower(), f"https://orcid.org/{orcid}".lower()):
            return author
    return None


def encode_cursor(offset: int) -> str:
    return base64.b64encode(json.dumps([offset, "fake"]).encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    if cursor == "*":
        return 0
    try:
        return int(json.loads(base64.b64decode(cursor))[0])
    except Exception:
        return None


class Handler(BaseHTTPRequestHandler):
    scenario: Scenario

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        self.scenario.log({"path": parsed.path, "query": query, "time": time.time(),
                           "user_agent": self.headers.get("User-Agent")})
        if parsed.path.startswith("/authors/"):
            self.author(parsed.path[len("/authors/"):], query)
        elif parsed.path == "/works":
            self.works(query)
        else:
            self.error(404, "Not Found", f"{parsed.path} is not an endpoint")

    def author(self, key: str, query: dict[str, str]) -> None:
        if self.apply_fault("author", None):
            return
        author = find_author(self.scenario.authors, key)
        if author is None:
            self.error(404, "Not Found", f"Author {key} not found")
            return
        self.send_json(200, author)

    def works(self, query: dict[str, str]) -> None:
        per_page_text = query.get("per_page", query.get("per-page", "25"))
        if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= MAX_PER_PAGE:
            self.error(400, "Invalid query parameters error.",
                       f"per_page must be between 1 and {MAX_PER_PAGE}")
            return
        per_page = int(per_page_text)
        author_id = None
        for part in query.get("filter", "").split(","):
            name, _, value = part.partition(":")
            if name in ("author.id", "authorships.author.id"):
                author_id = value.rsplit("/", 1)[-1].upper()
            elif part:
                self.error(400, "Invalid query parameters error.", f"unknown filter {name}")
                return
        cursor = query.get("cursor")
        offset = decode_cursor(cursor) if cursor else 0
        if offset is None:
            self.error(400, "Invalid query parameters error.", "invalid cursor")
            return
        page = offset // per_page + 1
        if self.apply_fault("works", page):
            return
        matching = [w for w in self.scenario.works
                    if author_id is None or any(a["author"]["id"].rsplit("/", 1)[-1].upper() == author_id
                                                for a in w.get("authorships", []))]
        results = matching[offset:offset + per_page]
        select = query.get("select")
        if select:
            fields = select.split(",")
            known = set().union(*(w.keys() for w in self.scenario.works)) if self.scenario.works else set()
            unknown = [f for f in fields if f not in known]
            if unknown:
                self.error(400, "Invalid query parameters error.",
                           f"{unknown[0]} is not a valid select field")
                return
            results = [{f: w.get(f) for f in fields} for w in results]
        next_cursor = encode_cursor(offset + per_page) if cursor and results else None
        self.send_json(200, {
            "meta": {"count": len(matching), "db_response_time_ms": 7,
                     "page": None if cursor else 1, "per_page": per_page,
                     "next_cursor": next_cursor, "groups_count": None},
            "results": results,
            "group_by": [],
        })

    def apply_fault(self, endpoint: str, page: int | None) -> bool:
        fault = self.scenario.fault_for(endpoint, page)
        if fault is None:
            return False
        if fault.get("sleep"):
            time.sleep(fault["sleep"])
        if fault.get("close"):
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return True
        if fault.get("malformed"):
            self.send_raw(200, fault.get("body", '{"meta": {"count": 3, "results": [').encode())
            return True
        if fault.get("status"):
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
            body = fault.get("body", json.dumps({"error": "Simulated fault",
                                                 "message": "the fake server was told to fail"}))
            self.send_raw(fault["status"], body.encode(), headers)
            return True
        return False

    def error(self, status: int, error: str, message: str) -> None:
        self.send_json(status, {"error": error, "message": message})

    def send_json(self, status: int, data: Any) -> None:
        self.send_raw(status, json.dumps(data).encode())

    def send_raw(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def main(argv: list[str]) -> int:
    scenario_path, log_path = argv
    with open(scenario_path, encoding="utf-8") as f:
        Handler.scenario = Scenario(json.load(f), log_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
