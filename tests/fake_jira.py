"""A fake Jira (Cloud or Data Center) on 127.0.0.1 for the connector and sync tests.

A stdlib ``http.server`` in a thread serves, from an in-memory data set, what the real
client sends: ``serverInfo``, ``field``, ``myself``, search (Cloud: ``/rest/api/{2,3}/search/jql``
with ``nextPageToken``, the legacy ``/search`` answering 410; Data Center:
``/rest/api/2/search`` with ``startAt``/``maxResults``/``total``), per-issue comment and
changelog pages, and project components.  Shapes follow real payloads: Cloud users
carry ``accountId``, Server users ``name``/``key``; timestamps are in the user's zone.
Cloud embeds at most 20 comments and changelog entries per issue, as Atlassian does.

Requests are counted per endpoint (``fake.counts``) and logged (``fake.log``);
:meth:`FakeJira.fault` injects failures (a status with headers, a dropped connection,
a malformed body, a slow answer, a body echoing the request's credentials) for the next
N requests to an endpoint.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

CAP = 20  # Cloud's embedded comment / changelog limit in search results


@dataclass
class Fault:
    endpoint: str  # a key of FakeJira.counts ("search", "serverInfo", ...) or "*"
    kind: str = "status"  # status | drop | malformed | slow
    status: int = 500
    headers: dict = field(default_factory=dict)
    body: str = ""  # "{authorization}" becomes the request's Authorization header, "{credentials}" its value
    times: int = 1  # how many requests it hits; -1 = all
    delay: float = 0.0
    after: int = 0  # matching requests to let through first


class FakeJira:
    """In-memory Jira; ``mode`` is ``"cloud"`` or ``"dc"``."""

    def __init__(self, mode: str = "cloud", *, token: str = "fake-token",
                 email: str = "me@acme.test", tz: str = "America/Los_Angeles"):
        assert mode in ("cloud", "dc")
        self._server: ThreadingHTTPServer | None = None
        self.mode, self.token, self.email = mode, token, email
        self.zone = ZoneInfo(tz)
        self.tz_name = tz
        self.issues: dict[str, dict] = {}  # key -> {"raw", "comments", "histories"}
        self.components: dict[str, list[dict]] = {}
        self.counts: Counter = Counter()
        self.log: list[str] = []  # "METHOD path?query" of every request
        self.faults: list[Fault] = []
        self.people: dict[str, dict] = {}  # test data sets keep their users here
        self.comment_page = 5000  # the most comments one /comment request returns
        self._lock = threading.Lock()

    # --- data set -------------------------------------------------------------
    def user(self, ident: str, name: str, email: str | None = None) -> dict:
        """A user object as this mode shows it (email hidden when None)."""
        user = {"displayName": name, "active": True, "timeZone": self.tz_name,
                "self": f"{self.url}/rest/api/2/user?x={ident}"}
        if self.mode == "cloud":
            user.update(accountId=ident, accountType="atlassian")
        else:
            user.update(name=ident, key=f"JIRAUSER{abs(hash(ident)) % 100000}")
        if email is not None:
            user["emailAddress"] = email
        return user

    def time(self, at: datetime) -> str:
        """A Jira timestamp, in the user's zone like the real API (``...000-0800``)."""
        return at.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M:%S.000%z")

    def add_issue(self, key: str, *, created: datetime, updated: datetime | None = None,
                  summary: str = "", creator: dict | None = None, reporter: dict | None = None,
                  assignee: dict | None = None, labels=(), components=(),
                  issue_type: str = "Story", status: str = "To Do", done: bool = False,
                  parent: dict | None = None, epic_link: str | None = None,
                  comments=(), histories=()) -> dict:
        """Add or replace an issue. ``comments``: (user, at, body); ``histories``: (user, at, items)."""
        project = key.rsplit("-", 1)[0]
        n = len(self.issues) + 1
        fields = {
            "summary": summary or f"Issue {key}",
            "issuetype": {"id": "10001", "name": issue_type, "subtask": False,
                          "hierarchyLevel": 1 if issue_type == "Epic" else 0},
            "status": {"name": status, "id": "3", "statusCategory": {
                "key": "done" if done else "indeterminate", "id": 3 if done else 4}},
            "labels": list(labels),
            "components": [{"id": str(100 + i), "name": c} for i, c in enumerate(components)],
            "project": {"id": str(10000 + len(project)), "key": project, "name": project.title()},
            "assignee": assignee, "reporter": reporter, "creator": creator,
            "created": self.time(created), "updated": self.time(updated or created),
            "priority": {"name": "Major", "id": "3"},
        }
        if parent is not None:
            fields["parent"] = parent
        if self.mode == "dc":
            fields["customfield_10008"] = epic_link
        raw = {"expand": "operations,changelog", "id": str(20000 + n), "key": key,
               "self": f"{self.url}/rest/api/2/issue/{20000 + n}", "fields": fields}
        coms = [{"id": str(30000 + n * 1000 + i), "author": u, "updateAuthor": u, "body": b,
                 "created": self.time(at), "updated": self.time(at),
                 "self": f"{self.url}/rest/api/2/issue/{key}/comment/{i}"}
                for i, (u, at, b) in enumerate(comments)]
        hist = [{"id": str(40000 + n * 1000 + i), "author": u, "created": self.time(at),
                 "items": [{"field": f, "fieldtype": "jira", "from": None, "fromString": a,
                            "to": None, "toString": b} for f, a, b in items]}
                for i, (u, at, items) in enumerate(histories)]
        self.issues[key] = {"raw": raw, "comments": coms, "histories": hist,
                            "updated": (updated or created).astimezone(timezone.utc)}
        return raw

    def epic_parent(self, key: str) -> dict:
        """A ``parent`` object pointing at an epic, as Cloud embeds it."""
        return {"id": "1", "key": key, "fields": {"summary": f"Epic {key}", "issuetype": {
            "name": "Epic", "hierarchyLevel": 1, "subtask": False}}}

    def fault(self, endpoint: str, kind: str = "status", status: int = 500, *, times: int = 1,
              headers: dict | None = None, body: str = "", delay: float = 0.0, after: int = 0) -> Fault:
        """Fail the next ``times`` requests to ``endpoint`` (after letting ``after`` through)."""
        f = Fault(endpoint, kind, status, headers or {}, body, times, delay, after)
        self.faults.append(f)
        return f

    # --- server ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}" if self._server else "http://x"

    def start(self) -> "FakeJira":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server naming)
                fake._handle(self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- request handling -----------------------------------------------------
    _ROUTES = [
        (re.compile(r"^/rest/api/2/serverInfo$"), "serverInfo"),
        (re.compile(r"^/rest/api/2/field$"), "field"),
        (re.compile(r"^/rest/api/2/myself$"), "myself"),
        (re.compile(r"^/rest/api/[23]/search/jql$"), "search/jql"),
        (re.compile(r"^/rest/api/[23]/search$"), "search"),
        (re.compile(r"^/rest/api/2/issue/([^/]+)/comment$"), "comment"),
        (re.compile(r"^/rest/api/2/issue/([^/]+)/changelog$"), "changelog"),
        (re.compile(r"^/rest/api/2/project/([^/]+)/components$"), "components"),
    ]

    def _authorized(self, header: str | None) -> bool:
        if self.mode == "cloud":
            expect = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return header == f"Basic {expect}"
        return header == f"Bearer {self.token}"

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.times != 0 and f.endpoint in (endpoint, "*"):
                    if f.after > 0:
                        f.after -= 1
                        continue
                    f.times -= 1 if f.times > 0 else 0
                    return f
        return None

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(req.path)
        query = {k: v for k, v in parse_qs(parsed.query).items()}
        endpoint, args = "unknown", ()
        for pattern, name in self._ROUTES:
            m = pattern.match(parsed.path)
            if m:
                endpoint, args = name, m.groups()
                break
        with self._lock:
            self.counts[endpoint] += 1
            self.log.append(f"GET {req.path}")
        fault = self._take_fault(endpoint)
        if fault is not None:
            if fault.kind == "drop":
                req.close_connection = True
                req.connection.shutdown(2)
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "malformed":
                return self._send(req, 200, '{"issues": [{"key": "WEB-1", "fie')
            else:
                auth = req.headers.get("Authorization") or ""  # a server (or proxy) that echoes the request
                body = fault.body.replace("{authorization}", auth).replace("{credentials}", auth.partition(" ")[2])
                return self._send(req, fault.status, body or json.dumps(
                    {"errorMessages": [f"injected {fault.status}"], "errors": {}}), fault.headers)
        if not self._authorized(req.headers.get("Authorization")):
            return self._send(req, 401, "Client must be authenticated to access this resource.",
                              content_type="text/plain")
        try:
            status, body = getattr(self, "_" + endpoint.replace("/", "_"))(query, *args)
        except AttributeError:
            status, body = 404, {"errorMessages": [f"no route {parsed.path}"]}
        self._send(req, status, json.dumps(body))

    def _send(self, req, status: int, body: str, headers: dict | None = None,
              content_type: str = "application/json;charset=UTF-8") -> None:
        data = body.encode()
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            req.send_header(k, str(v))
        req.end_headers()
        req.wfile.write(data)

    # --- endpoints ------------------------------------------------------------
    def _serverInfo(self, q):  # noqa: N802
        info = {"baseUrl": self.url, "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0],
                "buildNumber": 100288, "serverTitle": "Fake Jira", "deploymentType": "Cloud"}
        if self.mode == "dc":
            info.update(version="9.12.2", versionNumbers=[9, 12, 2], deploymentType="Server")
        return 200, info

    def _field(self, q):
        def f(fid, name, clauses, custom=False):
            return {"id": fid, "name": name, "custom": custom, "orderable": True, "navigable": True,
                    "searchable": True, "clauseNames": clauses, "schema": {"type": "string"}}
        out = [f(n, n.title(), [n]) for n in ("summary", "status", "labels", "project", "parent",
                                               "assignee", "reporter", "creator", "comment")]
        out += [f("issuetype", "Issue Type", ["issuetype", "type"]),
                f("components", "Component/s", ["component"]),
                f("created", "Created", ["created", "createdDate"]),
                f("updated", "Updated", ["updated", "updatedDate"])]
        if self.mode == "dc":
            out.append(f("customfield_10008", "Epic Link", ["cf[10008]", "Epic Link"], True))
        return 200, out

    def _myself(self, q):
        return 200, self.user("me", "Sync Bot", self.email)

    def _matching(self, jql: str) -> list[dict]:
        """Issues matching the small JQL subset the connector sends."""
        m = re.search(r'updated\s*>=\s*"(\d{4}/\d\d/\d\d \d\d:\d\d)"', jql)
        since = (datetime.strptime(m.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=self.zone)
                 if m else None)
        p = re.search(r"project\s+in\s*\(([^)]*)\)|project\s*=\s*([A-Z][A-Z0-9]*)", jql, re.I)
        projects = ({x.strip().upper() for x in (p.group(1) or p.group(2)).split(",")}
                    if p else None)
        rows = [i for k, i in self.issues.items()
                if (since is None or i["updated"] >= since)
                and (projects is None or k.rsplit("-", 1)[0] in projects)]
        return sorted(rows, key=lambda i: (i["updated"], i["raw"]["key"].rsplit("-", 1)[0],
                                          int(i["raw"]["key"].rsplit("-", 1)[1])))

    def _render(self, issue: dict, fields: list[str], expand: str) -> dict:
        raw = json.loads(json.dumps(issue["raw"]))
        cap = CAP if self.mode == "cloud" else None
        if "*all" not in fields:
            raw["fields"] = {k: v for k, v in raw["fields"].items() if k in fields}
        if "*all" in fields or "comment" in fields:
            coms = issue["comments"]
            raw["fields"]["comment"] = {"comments": coms[:cap] if cap else coms,
                                        "maxResults": cap or len(coms), "total": len(coms), "startAt": 0}
        if "changelog" in expand:
            hist = issue["histories"]
            shown = hist[-cap:] if cap and len(hist) > cap else hist  # Cloud shows the latest
            raw["changelog"] = {"startAt": 0, "maxResults": len(shown), "total": len(hist),
                                "histories": shown}
        return raw

    @staticmethod
    def _fields(q) -> list[str]:
        return [f for v in q.get("fields", []) for f in v.split(",") if f]

    def _search_jql(self, q):
        if self.mode != "cloud":
            return 404, {"errorMessages": ["null for uri: /rest/api/2/search/jql"]}
        jql = q.get("jql", [""])[0]
        if not re.sub(r"order\s+by.*$", "", jql, flags=re.I | re.S).strip():
            return 400, {"errorMessages": ["Unbounded JQL queries are not allowed here. "
                                           "Please add a search restriction to your query."]}
        size = min(int(q.get("maxResults", ["50"])[0]), 100)
        token = q.get("nextPageToken", [None])[0]
        start = int(base64.b64decode(token).decode()) if token else 0
        rows = self._matching(jql)
        page = rows[start:start + size]
        fields, expand = self._fields(q), q.get("expand", [""])[0]
        body = {"issues": [self._render(i, fields, expand) for i in page], "isLast": True}
        if start + size < len(rows):
            body.update(nextPageToken=base64.b64encode(str(start + size).encode()).decode(),
                        isLast=False)
        return 200, body

    def _search(self, q):
        if self.mode == "cloud":
            return 410, {"errorMessages": [
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
                "API. A full migration guideline is available at "
                "https://developer.atlassian.com/changelog/#CHANGE-2046"], "errors": {}}
        rows = self._matching(q.get("jql", [""])[0])
        start = int(q.get("startAt", ["0"])[0])
        size = min(int(q.get("maxResults", ["50"])[0]), 100)
        fields, expand = self._fields(q), q.get("expand", [""])[0]
        return 200, {"expand": "schema,names", "startAt": start, "maxResults": size,
                     "total": len(rows),
                     "issues": [self._render(i, fields, expand) for i in rows[start:start + size]]}

    def _issue(self, key):
        return self.issues.get(key)

    def _comment(self, q, key):
        issue = self._issue(key)
        if issue is None:
            return 404, {"errorMessages": ["Issue does not exist"]}
        start = int(q.get("startAt", ["0"])[0])
        size = min(int(q.get("maxResults", ["5000"])[0]), self.comment_page)
        coms = issue["comments"]
        return 200, {"startAt": start, "maxResults": size, "total": len(coms),
                     "comments": coms[start:start + size]}

    def _changelog(self, q, key):
        issue = self._issue(key)
        if issue is None or self.mode != "cloud":
            return 404, {"errorMessages": ["Issue does not exist"]}
        start = int(q.get("startAt", ["0"])[0])
        size = min(int(q.get("maxResults", ["100"])[0]), 100)
        hist = issue["histories"]
        return 200, {"startAt": start, "maxResults": size, "total": len(hist),
                     "isLast": start + size >= len(hist), "values": hist[start:start + size]}

    def _components(self, q, project):
        return 200, [dict(c, id=str(500 + i), project=project, assigneeType="PROJECT_DEFAULT")
                     for i, c in enumerate(self.components.get(project, []))]


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC time in November 2026 (tests' calendar)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


def ago(**kw) -> datetime:
    """Now minus a timedelta, in UTC, to the second."""
    return (datetime.now(timezone.utc) - timedelta(**kw)).replace(microsecond=0)
