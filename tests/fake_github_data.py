"""The fake GitHub's data: an organisation in memory, and its objects in GitHub's payload shapes.

Shapes follow payloads recorded from the real REST API (issues with a
``pull_request`` key for pull requests, ``draft`` on PRs, list items without
``closed_by``/``merged_by``, commits with ``commit.author`` and a nullable ``author``).
The data is generated from a seed and dated relative to ``ANCHOR`` (today, midnight
UTC, fixed once per test session), so two fakes built alike hold equal data.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

ANCHOR = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
ORG = "acme"
USERS = {  # login -> (name, email, role hint)
    "alice-s": ("Alice Smith", "alice@acme.test", "product"),
    "bob-e": ("Bob Evans", "bob@acme.test", "engineering"),
    "carol-d": ("Carol Diaz", "carol@acme.test", "design"),
    "dave-e": ("Dave Engel", "dave@acme.test", "engineering"),
    "erin-e": ("Erin Ek", "erin@acme.test", "engineering"),
    "frank-p": ("Frank Park", "frank@acme.test", "product"),
}
AREAS = {"billing": "src/billing", "search": "src/search", "onboarding": "src/onboarding"}


def ts(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(days: float = 0, minutes: float = 0) -> datetime:
    return ANCHOR - timedelta(days=days, minutes=minutes)


@dataclass
class Entry:
    """An issue or a pull request (one number space per repository)."""

    number: int
    title: str
    author: str
    created: datetime
    updated: datetime
    labels: list[str] = field(default_factory=list)
    closed: datetime | None = None
    closer: str | None = None
    pr: bool = False
    draft: bool = False
    merged: datetime | None = None
    merger: str | None = None
    files: list[str] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)  # id, user, state, submitted (None = pending)


@dataclass
class Comment:
    id: int
    number: int
    user: str
    created: datetime
    review: bool = False  # a review (diff) comment of a pull request
    path: str | None = None


@dataclass
class Commit:
    sha: str
    message: str
    name: str
    email: str
    login: str | None
    date: datetime


@dataclass
class Repo:
    full_name: str
    entries: dict[int, Entry] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    archived: bool = False
    fork: bool = False
    default_branch: str = "main"


class Org:
    """A generated organisation; mutations move a clock that is newer than all data."""

    def __init__(self, seed: int = 7, sizes: dict[str, tuple[int, int, int]] | None = None):
        self.rng = random.Random(seed)
        self.repos: dict[str, Repo] = {}
        self.next_id = 1000
        self.clock = ANCHOR - timedelta(minutes=30)  # after every generated time
        sizes = sizes or {"web": (130, 40, 150), "api": (30, 20, 40)}  # PRs, issues, commits
        for name, (prs, issues, commits) in sizes.items():
            self._generate(f"{ORG}/{name}", prs, issues, commits)
        self.repos[f"{ORG}/old"] = Repo(f"{ORG}/old", archived=True)
        self.repos[f"{ORG}/forked"] = Repo(f"{ORG}/forked", fork=True)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    # -- generation --------------------------------------------------------------
    def _generate(self, full_name: str, prs: int, issues: int, commits: int) -> None:
        rng, logins = self.rng, sorted(USERS)
        repo = Repo(full_name)
        self.repos[full_name] = repo
        kinds = [True] * prs + [False] * issues
        rng.shuffle(kinds)
        for number, pr in enumerate(kinds, 1):
            area = rng.choice(sorted(AREAS))
            created = ago(days=rng.uniform(2, 50))
            author = rng.choice(logins)
            e = Entry(number=number, title=f"{'Change' if pr else 'Report'} {number} in {area}", author=author,
                      created=created, updated=created, labels=[f"area:{area}"] if rng.random() < 0.6 else [], pr=pr)
            if rng.random() < 0.15:
                e.labels.append("prototype" if pr else "design")
            t = created
            if pr:
                e.draft = rng.random() < 0.2
                e.files = [f"{AREAS[area]}/f{number}_{i}.py" for i in range(rng.randint(1, 4))]
                for _ in range(rng.randint(0, 2)):
                    t += timedelta(hours=rng.uniform(1, 20))
                    e.reviews.append({"id": self.new_id(), "user": rng.choice(logins), "submitted": t,
                                      "state": rng.choice(["APPROVED", "COMMENTED", "CHANGES_REQUESTED"])})
                if rng.random() < 0.1:
                    e.reviews.append({"id": self.new_id(), "user": rng.choice(logins), "submitted": None,
                                      "state": "PENDING"})
                if not e.draft and rng.random() < 0.6:
                    t += timedelta(hours=rng.uniform(1, 10))
                    e.merged, e.closed, e.merger = t, t, rng.choice(logins)
            elif rng.random() < 0.4:
                t += timedelta(hours=rng.uniform(1, 48))
                e.closed, e.closer = t, rng.choice(logins)
            for _ in range(rng.randint(0, 3)):
                t_c = created + timedelta(hours=rng.uniform(0.5, 30))
                repo.comments.append(Comment(self.new_id(), number, rng.choice(logins), t_c))
                t = max(t, t_c)
            if pr and rng.random() < 0.5:
                t_c = created + timedelta(hours=rng.uniform(0.5, 30))
                repo.comments.append(Comment(self.new_id(), number, rng.choice(logins), t_c, review=True,
                                             path=e.files[0]))
                t = max(t, t_c)
            e.updated = min(t, ANCHOR - timedelta(hours=1))
            repo.entries[number] = e
        for i in range(commits):
            login = rng.choice(logins)
            name, email, _ = USERS[login]
            anonymous = rng.random() < 0.1  # an address GitHub cannot link to an account
            repo.commits.append(Commit(
                sha=hashlib.sha1(f"{full_name}{i}".encode()).hexdigest(), message=f"Commit {i}\n\nBody text",
                name=name, email=f"old-{email}" if anonymous else email, login=None if anonymous else login,
                date=ago(days=rng.uniform(1, 50))))

    # -- mutations for tests ----------------------------------------------------------
    def add_comment(self, repo: str, number: int, user: str, review: bool = False) -> Comment:
        r = self.repos[repo]
        at = self.tick()
        c = Comment(self.new_id(), number, user, at, review=review,
                    path=r.entries[number].files[0] if review else None)
        r.comments.append(c)
        r.entries[number].updated = at
        return c

    def add_entry(self, repo: str, author: str, pr: bool = False, labels: list[str] | None = None,
                  files: list[str] | None = None) -> Entry:
        r = self.repos[repo]
        at = self.tick()
        number = max(r.entries, default=0) + 1
        e = Entry(number=number, title=f"New {number}", author=author, created=at, updated=at,
                  labels=labels or [], pr=pr, files=files or [])
        r.entries[number] = e
        return e

    def merge(self, repo: str, number: int, user: str) -> None:
        e = self.repos[repo].entries[number]
        e.merged = e.closed = e.updated = self.tick()
        e.merger = user

    def add_commit(self, repo: str, login: str) -> Commit:
        r = self.repos[repo]
        name, email, _ = USERS[login]
        c = Commit(hashlib.sha1(f"new{self.new_id()}".encode()).hexdigest(), "New commit", name, email, login,
                   self.tick())
        r.commits.append(c)
        return c

    def remove_entry(self, repo: str, number: int) -> None:
        """Gone upstream (deleted or transferred), with its comments."""
        r = self.repos[repo]
        del r.entries[number]
        r.comments = [c for c in r.comments if c.number != number]


# -- payloads ------------------------------------------------------------------------------

class Payloads:
    """Objects in GitHub's REST and GraphQL shapes; ``api`` is the REST base URL."""

    def __init__(self, api: str, web: str = "https://github.example"):
        self.api, self.web = api, web

    def user(self, login: str | None) -> dict | None:
        if login is None:
            return None
        uid = int(hashlib.md5(login.encode()).hexdigest()[:6], 16)
        u = f"{self.api}/users/{login}"
        return {"login": login, "id": uid, "node_id": f"MDQ6VXNlcj{uid}", "avatar_url": f"{self.web}/a/{uid}",
                "gravatar_id": "", "url": u, "html_url": f"{self.web}/{login}", "followers_url": f"{u}/followers",
                "following_url": f"{u}/following{{/other_user}}", "gists_url": f"{u}/gists{{/gist_id}}",
                "starred_url": f"{u}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{u}/subscriptions",
                "organizations_url": f"{u}/orgs", "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
                "received_events_url": f"{u}/received_events", "type": "Bot" if login.endswith("[bot]") else "User",
                "user_view_type": "public", "site_admin": False}

    def repo(self, r: Repo) -> dict:
        u = f"{self.api}/repos/{r.full_name}"
        owner, name = r.full_name.split("/")
        return {"id": int(hashlib.md5(r.full_name.encode()).hexdigest()[:6], 16), "node_id": "R_x", "name": name,
                "full_name": r.full_name, "private": False, "owner": self.user(owner) | {"type": "Organization"},
                "html_url": f"{self.web}/{r.full_name}", "description": None, "fork": r.fork, "url": u,
                "issues_url": f"{u}/issues{{/number}}", "pulls_url": f"{u}/pulls{{/number}}",
                "commits_url": f"{u}/commits{{/sha}}", "created_at": ts(ago(days=400)),
                "updated_at": ts(ago(days=1)), "pushed_at": ts(ago(days=1)), "archived": r.archived,
                "disabled": False, "visibility": "public", "default_branch": r.default_branch,
                "open_issues_count": sum(1 for e in r.entries.values() if not e.closed)}

    def label(self, repo: str, name: str) -> dict:
        return {"id": int(hashlib.md5(name.encode()).hexdigest()[:6], 16), "node_id": "LA_x",
                "url": f"{self.api}/repos/{repo}/labels/{name}", "name": name, "color": "ededed",
                "default": False, "description": None}

    def issue(self, repo: str, e: Entry, comments: int, single: bool = False) -> dict:
        u = f"{self.api}/repos/{repo}/issues/{e.number}"
        out = {"url": u, "repository_url": f"{self.api}/repos/{repo}", "labels_url": f"{u}/labels{{/name}}",
               "comments_url": f"{u}/comments", "events_url": f"{u}/events",
               "html_url": f"{self.web}/{repo}/{'pull' if e.pr else 'issues'}/{e.number}",
               "id": 500000 + e.number, "node_id": f"I_{e.number}", "number": e.number, "title": e.title,
               "user": self.user(e.author), "labels": [self.label(repo, n) for n in e.labels],
               "state": "closed" if e.closed else "open", "locked": False, "assignee": None, "assignees": [],
               "milestone": None, "comments": comments, "created_at": ts(e.created), "updated_at": ts(e.updated),
               "closed_at": ts(e.closed) if e.closed else None, "author_association": "MEMBER",
               "active_lock_reason": None, "body": "Text from GitHub, <b>not</b> HTML to render",
               "reactions": {"url": f"{u}/reactions", "total_count": 0}, "timeline_url": f"{u}/timeline",
               "performed_via_github_app": None,
               "state_reason": ("completed" if e.closed and not e.pr else None)}
        if e.pr:
            p = f"{self.api}/repos/{repo}/pulls/{e.number}"
            out["draft"] = e.draft
            out["pull_request"] = {"url": p, "html_url": f"{self.web}/{repo}/pull/{e.number}",
                                   "diff_url": f"{self.web}/{repo}/pull/{e.number}.diff",
                                   "patch_url": f"{self.web}/{repo}/pull/{e.number}.patch",
                                   "merged_at": ts(e.merged) if e.merged else None}
        if single:
            out["closed_by"] = self.user(e.closer if not e.pr else e.merger) if e.closed else None
        return out

    def pull(self, repo: str, e: Entry) -> dict:
        p = f"{self.api}/repos/{repo}/pulls/{e.number}"
        return {"url": p, "id": 700000 + e.number, "node_id": f"PR_{e.number}",
                "html_url": f"{self.web}/{repo}/pull/{e.number}", "issue_url": f"{self.api}/repos/{repo}/issues/{e.number}",
                "number": e.number, "state": "closed" if e.closed else "open", "locked": False, "title": e.title,
                "user": self.user(e.author), "body": None, "created_at": ts(e.created), "updated_at": ts(e.updated),
                "closed_at": ts(e.closed) if e.closed else None, "merged_at": ts(e.merged) if e.merged else None,
                "merge_commit_sha": None, "assignee": None, "assignees": [], "requested_reviewers": [],
                "requested_teams": [], "labels": [self.label(repo, n) for n in e.labels], "milestone": None,
                "draft": e.draft, "head": {"ref": f"topic-{e.number}", "sha": "0" * 40},
                "base": {"ref": "main", "sha": "1" * 40}, "author_association": "MEMBER",
                "merged": bool(e.merged), "mergeable": None, "merged_by": self.user(e.merger) if e.merged else None,
                "comments": 0, "review_comments": 0, "commits": 1, "additions": 1, "deletions": 0,
                "changed_files": len(e.files)}

    def comment(self, repo: str, c: Comment, on_pr: bool) -> dict:
        if c.review:
            u = f"{self.api}/repos/{repo}/pulls/comments/{c.id}"
            return {"url": u, "pull_request_review_id": c.id + 1, "id": c.id, "node_id": f"PRRC_{c.id}",
                    "diff_hunk": "@@ -1 +1 @@", "path": c.path, "position": 1, "original_position": 1,
                    "commit_id": "0" * 40, "original_commit_id": "0" * 40, "user": self.user(c.user),
                    "body": "nit", "created_at": ts(c.created), "updated_at": ts(c.created),
                    "html_url": f"{self.web}/{repo}/pull/{c.number}#discussion_r{c.id}",
                    "pull_request_url": f"{self.api}/repos/{repo}/pulls/{c.number}",
                    "author_association": "MEMBER", "_links": {"self": {"href": u}}, "line": 1, "side": "RIGHT"}
        return {"url": f"{self.api}/repos/{repo}/issues/comments/{c.id}",
                "html_url": f"{self.web}/{repo}/{'pull' if on_pr else 'issues'}/{c.number}#issuecomment-{c.id}",
                "issue_url": f"{self.api}/repos/{repo}/issues/{c.number}", "id": c.id, "node_id": f"IC_{c.id}",
                "user": self.user(c.user), "created_at": ts(c.created), "updated_at": ts(c.created),
                "author_association": "MEMBER", "body": "<script>alert(1)</script> plain text",
                "reactions": {"total_count": 0}, "performed_via_github_app": None}

    def review(self, repo: str, number: int, r: dict) -> dict:
        out = {"id": r["id"], "node_id": f"PRR_{r['id']}", "user": self.user(r["user"]), "body": "",
               "state": r["state"], "html_url": f"{self.web}/{repo}/pull/{number}#pullrequestreview-{r['id']}",
               "pull_request_url": f"{self.api}/repos/{repo}/pulls/{number}", "author_association": "MEMBER",
               "_links": {}, "commit_id": "0" * 40}
        if r["submitted"] is not None:
            out["submitted_at"] = ts(r["submitted"])
        return out

    def file(self, repo: str, path: str) -> dict:
        return {"sha": "2" * 40, "filename": path, "status": "modified", "additions": 1, "deletions": 1,
                "changes": 2, "blob_url": f"{self.web}/{repo}/blob/x/{path}",
                "raw_url": f"{self.web}/{repo}/raw/x/{path}", "contents_url": f"{self.api}/repos/{repo}/contents/{path}",
                "patch": "@@ -1 +1 @@"}

    def commit(self, repo: str, c: Commit) -> dict:
        u = f"{self.api}/repos/{repo}/commits/{c.sha}"
        person = {"name": c.name, "email": c.email, "date": ts(c.date)}
        return {"sha": c.sha, "node_id": f"C_{c.sha[:8]}",
                "commit": {"author": person, "committer": dict(person), "message": c.message,
                           "tree": {"sha": "3" * 40, "url": f"{self.api}/repos/{repo}/git/trees/{'3' * 40}"},
                           "url": f"{self.api}/repos/{repo}/git/commits/{c.sha}", "comment_count": 0,
                           "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                            "payload": None}},
                "url": u, "html_url": f"{self.web}/{repo}/commit/{c.sha}", "comments_url": f"{u}/comments",
                "author": self.user(c.login), "committer": self.user(c.login), "parents": []}

    # -- GraphQL nodes ------------------------------------------------------------------
    def gql_user(self, login: str | None) -> dict | None:
        return {"login": login} if login else None

    def gql_pull(self, e: Entry) -> dict:
        reviews, files = e.reviews, e.files
        return {"number": e.number, "isDraft": e.draft, "mergedAt": ts(e.merged) if e.merged else None,
                "mergedBy": self.gql_user(e.merger) if e.merged else None,
                "reviews": {"pageInfo": {"hasNextPage": len(reviews) > 100},
                            "nodes": [{"databaseId": r["id"], "state": r["state"],
                                       "submittedAt": ts(r["submitted"]) if r["submitted"] else None,
                                       "author": self.gql_user(r["user"])} for r in reviews[:100]]},
                "files": {"pageInfo": {"hasNextPage": len(files) > 100},
                          "nodes": [{"path": p} for p in files[:100]]}}

    def gql_issue(self, e: Entry) -> dict:
        nodes = [{"createdAt": ts(e.closed), "actor": self.gql_user(e.closer)}] if e.closed else []
        return {"number": e.number, "timelineItems": {"nodes": nodes}}
