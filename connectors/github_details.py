"""Per-item details that no repo-wide list carries, many items per request.

For pull requests: submitted reviews, changed file paths, who merged, the draft
flag; for closed issues: who closed them. One GraphQL query asks for up to
``GRAPHQL_BATCH`` items; where GraphQL is unavailable (404), or a node comes back
empty, or a list has more than 100 entries, the REST endpoints of that one item
are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .github_api import Api, GraphQLUnavailable
from .github_map import is_pull_request, merged_at

GRAPHQL_BATCH = 50

PR_FIELDS = (
    "number isDraft mergedAt mergedBy { login } "
    "reviews(first: 100) { pageInfo { hasNextPage } nodes { databaseId state submittedAt author { login } } } "
    "files(first: 100) { pageInfo { hasNextPage } nodes { path } }"
)
ISSUE_FIELDS = (
    "number timelineItems(itemTypes: [CLOSED_EVENT], last: 1) "
    "{ nodes { ... on ClosedEvent { createdAt actor { login } } } }"
)


@dataclass
class Details:
    """What the lists lack, for one issue or pull request."""

    reviews: list[tuple[str, dict | None, str | None]] = field(default_factory=list)  # (id, author, submitted_at)
    paths: list[str] = field(default_factory=list)
    draft: bool | None = None
    merger: dict | None = None  # the user who merged
    closer: dict | None = None  # the user who closed


def needs_details(issue: dict) -> bool:
    """Pull requests (reviews, files) and closed issues (who closed them)."""
    return is_pull_request(issue) or issue.get("state") == "closed"


def graphql_query(numbers: list[tuple[int, bool]]) -> str:
    """One query for many items of a repository; ``numbers`` is ``[(number, is_pr)]``."""
    nodes = " ".join(
        f"pr{n}: pullRequest(number: {n}) {{ {PR_FIELDS} }}" if pr else f"is{n}: issue(number: {n}) {{ {ISSUE_FIELDS} }}"
        for n, pr in numbers
    )
    return ("query($owner: String!, $name: String!) { rateLimit { cost remaining resetAt } "
            f"repository(owner: $owner, name: $name) {{ {nodes} }} }}")


class DetailFetcher:
    """Fetches details of a repository's items; remembers when GraphQL is unavailable."""

    def __init__(self, api: Api, use_graphql: bool = True):
        self.api = api
        self.use_graphql = use_graphql

    def fetch(self, repo: str, issues: list[dict]) -> dict[int, Details]:
        """Details of the given issues-list entries, by number."""
        out: dict[int, Details] = {}
        wanted = [i for i in issues if needs_details(i)]
        for start in range(0, len(wanted), GRAPHQL_BATCH):
            chunk = wanted[start:start + GRAPHQL_BATCH]
            got: dict[int, Details] = {}
            if self.use_graphql:
                try:
                    got = self._graphql(repo, chunk)
                except GraphQLUnavailable:
                    self.use_graphql = False
            for issue in chunk:
                n = issue["number"]
                out[n] = got[n] if n in got else self._rest(repo, issue)
        return out

    def _graphql(self, repo: str, chunk: list[dict]) -> dict[int, Details]:
        owner, name = repo.split("/", 1)
        answer = self.api.graphql(graphql_query([(i["number"], is_pull_request(i)) for i in chunk]),
                                  {"owner": owner, "name": name})
        nodes = ((answer.get("data") or {}).get("repository")) or {}
        out: dict[int, Details] = {}
        for issue in chunk:
            n = issue["number"]
            node = nodes.get(f"pr{n}" if is_pull_request(issue) else f"is{n}")
            if not node:
                continue  # REST for this one
            if is_pull_request(issue):
                reviews, files = node.get("reviews") or {}, node.get("files") or {}
                if (reviews.get("pageInfo") or {}).get("hasNextPage") or (files.get("pageInfo") or {}).get("hasNextPage"):
                    continue  # more than 100: page through REST
                out[n] = Details(
                    reviews=[(str(r["databaseId"]), r.get("author"), r.get("submittedAt"))
                             for r in reviews.get("nodes") or [] if r.get("state") != "PENDING"],
                    paths=[f["path"] for f in files.get("nodes") or []],
                    draft=node.get("isDraft"), merger=node.get("mergedBy"),
                )
            else:
                events = (node.get("timelineItems") or {}).get("nodes") or []
                out[n] = Details(closer=(events[-1].get("actor") or {"login": None}) if events else None)
        return out

    def _rest(self, repo: str, issue: dict) -> Details:
        n = issue["number"]
        if not is_pull_request(issue):
            full = self.api.get(f"/repos/{repo}/issues/{n}")
            return Details(closer=full.get("closed_by"))
        details = Details(
            reviews=[(str(r["id"]), r.get("user"), r.get("submitted_at"))
                     for r in self.api.get_all(f"/repos/{repo}/pulls/{n}/reviews") if r.get("state") != "PENDING"],
            paths=[f["filename"] for f in self.api.get_all(f"/repos/{repo}/pulls/{n}/files")],
        )
        if merged_at(issue):
            pull = self.api.get(f"/repos/{repo}/pulls/{n}")
            details.merger, details.draft = pull.get("merged_by"), pull.get("draft")
        return details
