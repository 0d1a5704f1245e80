"""A fake GitHub (REST + the GraphQL query zonemap sends) on 127.0.0.1, in a thread.

It serves an :class:`~fake_github_data.Org` the way GitHub does: token auth, exact
``Link`` pagination carrying every query parameter, ``since``, ``X-RateLimit-*``
once per response, ETags with 304 (not counted against the limit), an optional
``/api/v3`` prefix (GraphQL then lives at ``/api/graphql``), per-endpoint request
counts, the GraphQL queries received, and injected faults (one of which echoes the
request's ``Authorization`` header in its message, as a misbehaving proxy does).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from fake_github_data import ORG, Org, Payloads, ts

GQL_NODE = re.compile(r"(\w+): (pullRequest|issue)\(number: (\d+)\)")
PRIMARY = "API rate limit exceeded for user ID 1."
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


@dataclass
class Fault:
    """What to do instead of answering: a status (500, 502, 503, 401, 429), ``primary``,
    ``secondary``, ``drop`` (close without answering) or ``truncate`` (half a body)."""

    kind: str | int
    times: int = 1
    endpoint: str | None = None  # only requests to this endpoint (see FakeGitHub.endpoint)
    repo: str | None = None  # only REST requests under /repos/<repo>/
    after: int = 0  # let this many matching requests through first
    retry_after: int | None = None  # 429/403: send Retry-After
    reset_in: int = 3600  # primary: seconds until X-RateLimit-Reset
    message: str | None = None  # a status fault's "message"; "{authorization}" becomes the request's header


class FakeGitHub:
    def __init__(self, org: Org | None = None, token: str = "t", prefix: str = "", graphql: bool = True,
                 per_page_max: int = 100):
        self.org = org or Org()
        self.token, self.prefix, self.graphql_enabled = token, prefix, graphql
        self.per_page_max = per_page_max
        self.counts: Counter = Counter()  # endpoint -> requests
        self.statuses: Counter = Counter()  # status -> responses
        self.log: list[tuple[str, str, int]] = []  # (method, path with query, status)
        self.queries: list[str] = []  # GraphQL query texts
        self.faults: list[Fault] = []
        self.rate_limit, self.rate_remaining = 5000, 5000
        self.hold: tuple[str, int] | None = None  # (endpoint, after): park that request until released
        self.held, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    @property
    def payloads(self) -> Payloads:
        return Payloads(self.base_url)

    def start(self) -> "FakeGitHub":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def inject(self, kind: str | int, **kw) -> Fault:
        fault = Fault(kind, **kw)
        self.faults.append(fault)
        return fault

    def reset_counts(self) -> None:
        self.counts.clear()
        self.statuses.clear()
        self.log.clear()
        self.queries.clear()

    @property
    def requests(self) -> int:
        return sum(self.counts.values())

    # -- routing -------------------------------------------------------------------------
    def endpoint(self, method: str, path: str) -> str:
        """A short name per endpoint: ``issues``, ``issue_comments``, ``review_comments``, ``reviews``, ..."""
        if method == "POST":
            return "graphql"
        p = path[len(self.prefix):] if self.prefix and path.startswith(self.prefix) else path
        for pattern, name in ((r"/repos/[^/]+/[^/]+/issues", "issues"),
                              (r"/repos/[^/]+/[^/]+/issues/comments", "issue_comments"),
                              (r"/repos/[^/]+/[^/]+/issues/\d+", "issue"),
                              (r"/repos/[^/]+/[^/]+/pulls/comments", "review_comments"),
                              (r"/repos/[^/]+/[^/]+/pulls/\d+", "pull"),
                              (r"/repos/[^/]+/[^/]+/pulls/\d+/reviews", "reviews"),
                              (r"/repos/[^/]+/[^/]+/pulls/\d+/files", "files"),
                              (r"/repos/[^/]+/[^/]+/commits", "commits"),
                              (r"/repos/[^/]+/[^/]+", "repo"), (r"/orgs/[^/]+/repos", "org_repos"),
                              (r"/orgs/[^/]+", "org"), (r"/rate_limit", "rate_limit"), (r"/user", "user")):
            if re.fullmatch(pattern, p):
                return name
        return "unknown"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._safely("GET")

            def do_POST(self):
                self._safely("POST")

            def _safely(self, method: str) -> None:
                try:
                    fake._serve(self, method)
                except (BrokenPipeError, ConnectionResetError):  # the client went away (a killed sync)
                    self.close_connection = True

        return Handler

    def _take_fault(self, endpoint: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.endpoint not in (None, endpoint) or fault.times <= 0:
                    continue
                if fault.repo and f"/repos/{fault.repo}/" not in path + "/":
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(h.path)
        endpoint = self.endpoint(method, split.path)
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0)) if method == "POST" else b""
        with self.lock:
            self.counts[endpoint] += 1
            n_seen = self.counts[endpoint]
        if self.hold and self.hold[0] == endpoint and n_seen > self.hold[1]:
            self.held.set()
            self.release.wait(30)
        fault = self._take_fault(endpoint, split.path)
        if fault is not None and self._fault(h, method, split.path, fault):
            return
        if h.headers.get("Authorization") != f"token {self.token}":
            return self._send(h, method, h.path, 401, {"message": "Bad credentials",
                                                       "documentation_url": "https://docs.github.com/rest"})
        try:
            if method == "POST":
                status, data, link = self._graphql(split.path, json.loads(body or b"{}"))
            else:
                status, data, link = self._get(split.path, dict(parse_qsl(split.query)))
        except KeyError:
            status, data, link = 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, None
        self._send(h, method, h.path, status, data, link=link, conditional=h.headers.get("If-None-Match"))

    def _fault(self, h, method: str, path: str, fault: Fault) -> bool:
        kind = fault.kind
        if kind == "drop":
            self._record(method, path, 0)
            h.close_connection = True
            return True
        if kind == "truncate":
            data = json.dumps([{"filler": "x" * 200}] * 20).encode()
            self._record(method, path, 200)
            h.send_response(200)
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return True
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if kind == "primary":
            self._send(h, method, path, 403, {"message": PRIMARY}, extra=headers,
                       rate=(0, int(time.time()) + fault.reset_in))
        elif kind == "secondary":
            self._send(h, method, path, 403, {"message": SECONDARY}, extra=headers)
        elif kind == 401:
            self._send(h, method, path, 401, {"message": "Bad credentials"})
        else:
            message = (fault.message.replace("{authorization}", h.headers.get("Authorization") or "")
                       if fault.message else f"fault {kind}")  # a server (or proxy) that echoes the request
            self._send(h, method, path, int(kind), {"message": message}, extra=headers)
        return True

    def _record(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.log.append((method, path, status))

    def _send(self, h, method: str, path: str, status: int, data, link: str | None = None,
              conditional: str | None = None, extra: dict | None = None, rate: tuple[int, int] | None = None) -> None:
        raw = json.dumps(data).encode() if data is not None else b""
        etag = f'W/"{hashlib.sha1(raw).hexdigest()}"'
        if status == 200 and method == "GET" and conditional == etag:
            status, raw = 304, b""
        with self.lock:
            if rate is None:
                if status not in (304, 401) and self.rate_remaining > 0:
                    self.rate_remaining -= 1
                rate = (self.rate_remaining, int(time.time()) + 3600)
        self._record(method, path, status)
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("X-RateLimit-Limit", str(self.rate_limit))
        h.send_header("X-RateLimit-Remaining", str(rate[0]))
        h.send_header("X-RateLimit-Reset", str(rate[1]))
        h.send_header("X-RateLimit-Used", str(self.rate_limit - rate[0]))
        h.send_header("X-RateLimit-Resource", "graphql" if method == "POST" else "core")
        if status in (200, 304) and method == "GET":
            h.send_header("ETag", etag)
        if link:
            h.send_header("Link", link)
        for key, value in (extra or {}).items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)

    # -- REST ------------------------------------------------------------------------------
    def _page(self, path: str, query: dict, items: list) -> tuple[int, list, str | None]:
        per_page = min(int(query.get("per_page", 30)), self.per_page_max)
        page = int(query.get("page", 1))
        last = max(1, -(-len(items) // per_page))
        url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        wanted = ([("prev", page - 1)] if page > 1 else []) + ([("next", page + 1), ("last", last)] if page < last else [])
        wanted += [("first", 1)] if page > 1 else []
        rels = [f'<{url}?{urlencode({**query, "page": n})}>; rel="{rel}"' for rel, n in wanted]
        return 200, items[(page - 1) * per_page: page * per_page], ", ".join(rels) or None

    def _get(self, path: str, query: dict) -> tuple[int, object, str | None]:
        p = path[len(self.prefix):] if self.prefix else path
        if self.prefix and not path.startswith(self.prefix):
            raise KeyError(path)
        parts = p.strip("/").split("/")
        pay, org = self.payloads, self.org
        if parts == ["rate_limit"]:
            return 200, {"resources": {"core": {"limit": self.rate_limit, "remaining": self.rate_remaining}}}, None
        if parts == ["user"]:
            return 200, pay.user("sync-bot"), None
        if parts[0] == "orgs" and parts[1] == ORG:
            if len(parts) == 2:
                return 200, {"login": ORG, "id": 1, "url": f"{self.base_url}/orgs/{ORG}"}, None
            repos = [pay.repo(r) for _, r in sorted(org.repos.items())]
            return self._page(path, query, repos)
        if parts[0] != "repos" or len(parts) < 3:
            raise KeyError(path)
        repo = org.repos[f"{parts[1]}/{parts[2]}"]
        name, rest = repo.full_name, parts[3:]
        since = query.get("since")
        if not rest:
            return 200, pay.repo(repo), None
        if rest == ["issues"]:
            entries = [e for e in repo.entries.values() if not since or ts(e.updated) >= since]
            entries.sort(key=lambda e: (e.updated, e.number), reverse=query.get("direction") != "asc")
            counts = Counter(c.number for c in repo.comments if not c.review)
            return self._page(path, query, [pay.issue(name, e, counts[e.number]) for e in entries])
        if rest == ["issues", "comments"] or rest == ["pulls", "comments"]:
            review = rest[0] == "pulls"
            cs = [c for c in repo.comments if c.review == review and (not since or ts(c.created) >= since)]
            cs.sort(key=lambda c: (c.created, c.id))
            return self._page(path, query, [pay.comment(name, c, repo.entries[c.number].pr) for c in cs])
        if rest[0] == "issues" and len(rest) == 2:
            e = repo.entries[int(rest[1])]
            return 200, pay.issue(name, e, 0, single=True), None
        if rest[0] == "pulls" and len(rest) >= 2:
            e = repo.entries[int(rest[1])]
            if not e.pr:
                raise KeyError(path)
            if len(rest) == 2:
                return 200, pay.pull(name, e), None
            if rest[2] == "reviews":
                return self._page(path, query, [pay.review(name, e.number, r) for r in e.reviews])
            if rest[2] == "files":
                return self._page(path, query, [pay.file(name, f) for f in e.files])
        if rest == ["commits"]:
            cs = [c for c in repo.commits if not since or ts(c.date) >= since]
            cs.sort(key=lambda c: (c.date, c.sha), reverse=True)
            return self._page(path, query, [pay.commit(name, c) for c in cs])
        raise KeyError(path)

    # -- GraphQL -----------------------------------------------------------------------------
    def _graphql(self, path: str, body: dict) -> tuple[int, object, None]:
        expected = (self.prefix[: -len("/v3")] if self.prefix.endswith("/v3") else self.prefix) + "/graphql"
        if not self.graphql_enabled or path != expected:
            raise KeyError(path)
        query, variables = body.get("query", ""), body.get("variables") or {}
        self.queries.append(query)
        repo = self.org.repos.get(f"{variables.get('owner')}/{variables.get('name')}")
        if repo is None:
            return 200, {"data": {"repository": None}, "errors": [{"type": "NOT_FOUND", "message": "no repo"}]}, None
        nodes, errors = {}, []
        for alias, kind, number in GQL_NODE.findall(query):
            e = repo.entries.get(int(number))
            if e is None or e.pr != (kind == "pullRequest"):
                nodes[alias] = None
                errors.append({"type": "NOT_FOUND", "path": ["repository", alias], "message": "not found"})
            else:
                nodes[alias] = self.payloads.gql_pull(e) if e.pr else self.payloads.gql_issue(e)
        out: dict = {"data": {"rateLimit": {"cost": 1, "remaining": self.rate_remaining, "resetAt": None},
                              "repository": nodes}}
        if errors:
            out["errors"] = errors
        return 200, out, None
