"""The GitHub connector: repositories -> batches of records, since each one's cursor.

``sync_repos`` is a generator that never touches a store: it gets each scope's
stored cursor through a callable and yields :class:`~connectors.base.Batch` es
(records + the cursor that follows them) and, for a repository that failed, a
:class:`~connectors.base.SourceError` (the other repositories go on). An exhausted
primary rate limit whose reset is far away raises ``SourceError`` with
``resume_at``: everything before it was yielded, so it is committed. So does a GitHub
that cannot be reached at all (connection refused, unknown host, TLS failure): every
repository would fail the same way.

One pass over a repository, with ``S`` its cursor's ``since``:

1. ``GET /issues?state=all&sort=updated&direction=asc&since=S`` (conditional on the
   stored ETag). Entries already taken at the same ``updated_at`` (the overlap)
   are dropped. Nothing left: the pass costs this one request.
2. Otherwise the repo-wide ``/issues/comments`` and ``/pulls/comments`` since ``S``,
   and the details (reviews, files, merger, closer) of the changed entries only,
   50 per GraphQL query (``connectors.github_details``).
3. The changed entries go out in chunks of up to 50 detailed entries, each chunk
   with its comments; while chunks remain the cursor keeps ``S`` and notes the
   last entry done, so an interrupted pass resumes after it.
4. ``GET /commits?since=C`` (default branch, conditional), in batches of 100.

The new ``since`` is the newest ``updated_at`` seen minus ``overlap`` (clock skew);
stable record ids make the re-read overlap harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

import requests
from github import GithubException, RateLimitExceededException
from github.GithubException import BadCredentialsException, RateLimitExceededExceedsMaxWait, UnknownObjectException

from .base import Batch, SourceError
from .github_api import Api
from .github_details import GRAPHQL_BATCH, DetailFetcher, needs_details
from .github_map import (commit_item_id, commit_records, issue_comment_activity, is_pull_request, item_id,
                         item_record, merge_identities, number_from_url, opening_activities, parse_time,
                         review_activity, review_comment_activity)
from .records import Record, format_time
from .secrets import server_text
from .transport import NO_CONNECTION, connection_failure
from .transport import kind as failure_kind

DEFAULT_OVERLAP = timedelta(minutes=5)
COMMIT_BATCH = 100
Progress = Callable[[str, dict], None]  # (scope, counts so far)


@dataclass
class RepoCounts:
    """What one repository's sync did, for the progress display and the summary."""

    items: int = 0
    comments: int = 0
    prs_detailed: int = 0
    commits: int = 0
    requests: int = 0
    rate_remaining: int | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Pass:
    """Where one repository's pass starts, read from its stored cursor."""

    since: str | None = None
    seen: dict[str, str] = field(default_factory=dict)  # number -> updated_at, within the overlap
    commits_since: str | None = None
    seen_commits: list[str] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)
    through: list | None = None  # [updated_at, number] of the last entry committed by an unfinished pass
    full: bool = False

    @classmethod
    def start(cls, cursor: dict | None, full: bool) -> "_Pass":
        c = cursor or {}
        partial = c.get("partial")
        if partial and (not full or partial.get("full")):  # resume the unfinished pass
            return cls(since=partial.get("since"), seen=c.get("seen", {}), commits_since=c.get("commits_since"),
                       seen_commits=c.get("seen_commits", []), etags={}, through=partial.get("through"),
                       full=bool(partial.get("full")))
        if full:
            return cls(full=True)
        return cls(since=c.get("since"), seen=c.get("seen", {}), commits_since=c.get("commits_since"),
                   seen_commits=c.get("seen_commits", []), etags=c.get("etags", {}))

    def cursor(self) -> dict:
        return {"since": self.since, "seen": self.seen, "commits_since": self.commits_since,
                "seen_commits": self.seen_commits, "etags": self.etags}


def _key(issue: dict) -> list:
    return [issue["updated_at"], issue["number"]]


def _advance(since: str | None, newest: str | None, overlap: timedelta) -> str | None:
    """The next ``since``: the newest time seen minus the overlap, never going back."""
    if newest is None:
        return since
    candidate = format_time(parse_time(newest) - overlap)
    return max(since, candidate) if since else candidate


def _chunks(changed: list[dict]) -> list[list[dict]]:
    """Consecutive entries, each chunk with at most GRAPHQL_BATCH entries needing details."""
    chunks: list[list[dict]] = [[]]
    detailed = 0
    for issue in changed:
        if needs_details(issue) and detailed == GRAPHQL_BATCH:
            chunks.append([])
            detailed = 0
        chunks[-1].append(issue)
        detailed += needs_details(issue)
    return chunks


class RepoSync:
    """One pass over one repository."""

    def __init__(self, api: Api, details: DetailFetcher, repo: str, cursor: dict | None, *, full: bool,
                 overlap: timedelta, progress: Progress | None):
        self.api, self.details, self.repo = api, details, repo
        self.state = _Pass.start(cursor, full)
        self.overlap = overlap
        self.progress = progress
        self.counts = RepoCounts()
        self._requests_at_start = api.requests

    def _report(self) -> None:
        self.counts.requests = self.api.requests - self._requests_at_start
        self.counts.rate_remaining = self.api.rate_remaining
        if self.progress:
            self.progress(self.repo, self.counts.as_dict())

    def batches(self) -> Iterator[Batch]:
        self._report()  # the repository's progress row shows from its first request (and its retries)
        yield from self._issues()
        yield from self._commits()

    # -- issues, pull requests, comments, reviews ------------------------------------------
    def _issues(self) -> Iterator[Batch]:
        st, repo = self.state, self.repo
        params = {"state": "all", "sort": "updated", "direction": "asc"}
        if st.since:
            params["since"] = st.since
        listing = self.api.get_list(f"/repos/{repo}/issues", params, st.etags.get("issues"))
        entries = listing.items or []
        present = {item_id(repo, i["number"]) for i in entries} if st.full else None
        done = {str(i["number"]) for i in entries
                if st.seen.get(str(i["number"])) == i["updated_at"] or (st.through and _key(i) <= st.through)}
        changed = sorted((i for i in entries if str(i["number"]) not in done), key=_key)
        comments: dict[int, list[Record]] = {}
        if changed:
            comments = self._comments({int(n) for n in done}, {i["number"] for i in entries if is_pull_request(i)})
        self.counts.comments += sum(len(v) for v in comments.values())
        chunks = _chunks(changed)
        for index, chunk in enumerate(chunks):
            records = self._chunk_records(chunk, comments)
            if index < len(chunks) - 1:
                cursor = {**st.cursor(), "partial": {"since": st.since, "through": _key(chunk[-1]), "full": st.full}}
                yield Batch(scope=repo, records=records, cursor=cursor)
                self._report()
                continue
            records += [r for rest in comments.values() for r in rest]  # comments on entries not listed
            newest = max((i["updated_at"] for i in entries), default=None)
            st.since = _advance(st.since, newest, self.overlap)
            merged_seen = {**st.seen, **{str(i["number"]): i["updated_at"] for i in entries}}
            st.seen = {n: t for n, t in merged_seen.items() if st.since and t >= st.since}
            if listing.etag:
                st.etags["issues"] = listing.etag
            else:
                st.etags.pop("issues", None)
            st.through = None
            yield Batch(scope=repo, records=merge_identities(records), cursor=st.cursor(),
                        present_item_ids=present, item_prefix=f"github:{repo}#" if present is not None else None)
            self._report()

    def _comments(self, done: set[int], pr_numbers: set[int]) -> dict[int, list[Record]]:
        """Conversation and review comments since the pass start, by number (done entries left out)."""
        st, repo = self.state, self.repo
        params = {"sort": "updated", "direction": "asc"}
        if st.since:
            params["since"] = st.since
        out: dict[int, list[Record]] = {}
        for c in self.api.get_all(f"/repos/{repo}/issues/comments", params):
            act = issue_comment_activity(repo, c, pr_numbers)
            n = number_from_url(c.get("issue_url"))
            if act is not None and n not in done:
                out.setdefault(n, []).append(act)
        for c in self.api.get_all(f"/repos/{repo}/pulls/comments", params):
            act = review_comment_activity(repo, c)
            n = number_from_url(c.get("pull_request_url"))
            if act is not None and n not in done:
                out.setdefault(n, []).append(act)
        return out

    def _chunk_records(self, chunk: list[dict], comments: dict[int, list[Record]]) -> list[Record]:
        details = self.details.fetch(self.repo, chunk)
        records: list[Record] = []
        for issue in chunk:
            n = issue["number"]
            d = details.get(n)
            records.append(item_record(self.repo, issue, paths=d.paths if d else None, draft=d.draft if d else None))
            records += opening_activities(self.repo, issue, closer=d.closer if d else None,
                                          merger=d.merger if d else None)
            if d is not None:
                records += [a for a in (review_activity(self.repo, n, rid, author, at)
                                        for rid, author, at in d.reviews) if a is not None]
            records += comments.pop(n, [])
            self.counts.items += 1
            self.counts.prs_detailed += is_pull_request(issue)
        return records

    # -- commits on the default branch -------------------------------------------------------
    def _commits(self) -> Iterator[Batch]:
        st, repo = self.state, self.repo
        listing = self.api.get_list(f"/repos/{repo}/commits", {"since": st.commits_since} if st.commits_since else {},
                                    st.etags.get("commits"))
        entries = listing.items or []
        present = {commit_item_id(repo, c["sha"]) for c in entries} if st.full else None
        seen = set(st.seen_commits)
        new = [c for c in entries if c["sha"] not in seen]
        parts = [new[i:i + COMMIT_BATCH] for i in range(0, len(new), COMMIT_BATCH)] or [[]]
        for index, part in enumerate(parts):
            records = [r for c in part for r in commit_records(repo, c)]
            self.counts.commits += len(part)
            if index < len(parts) - 1:  # the cursor moves with the last part only
                yield Batch(scope=repo, records=merge_identities(records), cursor=st.cursor())
                self._report()
                continue
            if listing.items is not None:  # on a 304 the cursor stays as it is
                dates = {c["sha"]: ((c.get("commit") or {}).get("committer") or {}).get("date") for c in entries}
                st.commits_since = _advance(st.commits_since, max(filter(None, dates.values()), default=None),
                                            self.overlap)
                st.seen_commits = sorted(sha for sha, at in dates.items() if at and at >= (st.commits_since or ""))
            if listing.etag:
                st.etags["commits"] = listing.etag
            else:
                st.etags.pop("commits", None)
            yield Batch(scope=repo, records=merge_identities(records), cursor=st.cursor(),
                        present_item_ids=present, item_prefix=f"github:{repo}@" if present is not None else None)
            self._report()


# -- repositories and failures --------------------------------------------------------------

def org_repos(api: Api, org: str, cursor: dict | None) -> tuple[list[str], Batch]:
    """The org's non-archived, non-fork repositories, and the batch that stores the list and ETag."""
    c = cursor or {}
    listing = api.get_list(f"/orgs/{org}/repos", {"type": "all"}, c.get("etag"))
    if listing.items is None:
        repos = list(c.get("repos", []))
    else:
        repos = sorted(r["full_name"] for r in listing.items if not r.get("archived") and not r.get("fork"))
    return repos, Batch(scope=f"org:{org}", cursor={"etag": listing.etag, "repos": repos})


def _reset_time(exc: GithubException, api: Api) -> datetime:
    reset = (exc.headers or {}).get("x-ratelimit-reset") or (exc.headers or {}).get("X-RateLimit-Reset")
    if reset and str(reset).isdigit():
        return datetime.fromtimestamp(int(reset), timezone.utc)
    wait = getattr(exc, "wait", None)
    if wait:
        return datetime.now(timezone.utc) + timedelta(seconds=float(wait))
    return datetime.fromtimestamp(api.rate_reset, timezone.utc) if api.rate_reset else datetime.now(timezone.utc)


def _is_primary_limit(exc: GithubException) -> bool:
    if isinstance(exc, RateLimitExceededExceedsMaxWait):
        return True
    message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
    return isinstance(exc, RateLimitExceededException) and message.lower().startswith("api rate limit exceeded")


def describe_failure(exc: Exception, token_env: str, base_url: str | None = None, *, checking: bool = False) -> str:
    """One line for the user, never holding the token.

    Server text (an error's ``message``) is scrubbed of credentials: a proxy or server
    may echo the Authorization header. ``checking``: for `zonemap check --online`, whose
    remedy is to try again, not to run sync.
    """
    later = "try again later" if checking else "run sync again later"
    resume = "try again" if checking else "run sync again to resume"
    where = f"GitHub at {base_url}" if base_url else "GitHub"
    if isinstance(exc, BadCredentialsException) or getattr(exc, "status", None) == 401:
        return f"GitHub rejected the token (401 bad credentials); check the token in ${token_env}"
    if isinstance(exc, UnknownObjectException):
        return "repository not found (404), or the token cannot read it; check [github] repos and the token's access"
    if isinstance(exc, GithubException):
        message = server_text(exc.data.get("message")) if isinstance(exc.data, dict) else ""
        return f"GitHub answered {exc.status}{': ' + message if message else ''}; {later}"
    if isinstance(exc, requests.exceptions.RetryError):
        m = re.search(r"too many (\d+) error responses", str(exc))
        why = f"{m.group(1)} responses" if m else "errors"
        return f"GitHub kept failing ({why}) after all retries; {later}"
    if failure_kind(exc) == "header":  # nothing was sent: the token cannot go into the Authorization header
        return (f"the token in ${token_env} contains characters not allowed in an HTTP header "
                "(a line break, a control character or a non-Latin-1 character); set it to the token alone")
    line = connection_failure(exc, where, "[github] base_url", resume)
    if line is not None:
        return line
    if isinstance(exc, requests.exceptions.RequestException) and not isinstance(exc, ValueError):
        return f"the request to {where} failed ({exc.__class__.__name__}); {resume}"
    return f"{where} sent a malformed or truncated answer; {resume}"


def sync_repos(api: Api, repos: list[str], cursor_of: Callable[[str], dict | None], *, org: str | None = None,
               full: bool = False, overlap: timedelta = DEFAULT_OVERLAP, use_graphql: bool = True,
               progress: Progress | None = None, token_env: str = "GITHUB_TOKEN") -> Iterator[Batch | SourceError]:
    """Batches for each repository (plus an org's repositories), a SourceError per failed one."""
    details = DetailFetcher(api, use_graphql=use_graphql)
    failures = (GithubException, requests.exceptions.RequestException, ValueError)
    repos = list(repos)
    if org:
        try:
            listed, batch = org_repos(api, org, cursor_of(f"org:{org}"))
        except failures as exc:
            _raise_if_source_down(exc, api, token_env)
            yield SourceError(describe_failure(exc, token_env, api.base_url).replace("repository", "organisation"),
                              scope=f"org:{org}")
        else:
            yield batch
            repos += [r for r in listed if r not in repos]
    for repo in repos:
        job = RepoSync(api, details, repo, cursor_of(repo), full=full, overlap=overlap, progress=progress)
        try:
            yield from job.batches()
        except failures as exc:
            _raise_if_source_down(exc, api, token_env)
            yield SourceError(describe_failure(exc, token_env, api.base_url), scope=repo)


def _raise_if_source_down(exc: Exception, api: Api, token_env: str) -> None:
    """An exhausted primary limit, or a GitHub that cannot be reached at all (refused, unknown
    host, TLS), ends the whole source: the same for every repository, so one line, not one each."""
    if failure_kind(exc) in NO_CONNECTION:
        raise SourceError(describe_failure(exc, token_env, api.base_url)) from None
    if isinstance(exc, GithubException) and _is_primary_limit(exc):
        at = _reset_time(exc, api)
        raise SourceError(f"GitHub's rate limit is exhausted until {at:%Y-%m-%d %H:%M} UTC",
                          resume_at=f"{at:%Y-%m-%d %H:%M} UTC") from None
