"""GitHub payloads -> records: pure functions over the raw JSON (no requests).

Only keys present in list payloads are read, so nothing here can trigger a
completion request. Record ids (see docs/github.md):

- item ``github:OWNER/REPO#N`` for an issue or pull request (one number space),
  ``github:OWNER/REPO@SHA`` for a commit;
- activity ``<item>/opened``, ``<item>/closed``, ``<item>/merged``,
  ``<item>/comment/<id>``, ``<item>/review-comment/<id>``, ``<item>/review/<id>``,
  ``<commit item>/commit``;
- identity ``github:<login>``, or ``email:<address>`` for a commit author without
  a GitHub account.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .records import Activity, Identity, Item, Record

GHOST = "ghost"  # GitHub's name for a deleted account
_NUMBER_AT_END = re.compile(r"/(\d+)$")


def parse_time(value: str | None) -> datetime | None:
    """GitHub's ``2026-11-02T10:00:00Z`` (or with an offset) as an aware UTC datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def login_of(user: dict | None) -> str:
    """The login of a REST or GraphQL user object; ``ghost`` for a deleted account."""
    return (user or {}).get("login") or GHOST


def actor(user: dict | None) -> str:
    return f"github:{login_of(user)}"


def item_id(repo: str, number: int) -> str:
    return f"github:{repo}#{number}"


def commit_item_id(repo: str, sha: str) -> str:
    return f"github:{repo}@{sha}"


def number_from_url(url: str | None) -> int | None:
    """The trailing number of ``.../issues/12`` or ``.../pulls/12``."""
    m = _NUMBER_AT_END.search(url or "")
    return int(m.group(1)) if m else None


def is_pull_request(issue: dict) -> bool:
    """A pull request in the issues list carries a ``pull_request`` key; an issue does not."""
    return "pull_request" in issue


def merged_at(issue: dict) -> str | None:
    return (issue.get("pull_request") or {}).get("merged_at")


def item_record(repo: str, issue: dict, paths: list[str] | None = None, draft: bool | None = None) -> Item:
    """The item of an entry of the issues list (an issue or a pull request)."""
    pr = is_pull_request(issue)
    state = issue.get("state")
    if pr and merged_at(issue):
        state = "merged"
    return Item(
        id=item_id(repo, issue["number"]), source="github",
        kind="pull_request" if pr else "issue",
        title=issue.get("title") or "", url=issue.get("html_url"), repo=repo,
        labels=[label["name"] for label in issue.get("labels") or [] if isinstance(label, dict)],
        paths=sorted(set(paths or [])),
        draft=bool(issue.get("draft", False) if draft is None else draft),
        state=state,
        created_at=parse_time(issue.get("created_at")), updated_at=parse_time(issue.get("updated_at")),
    )


def opening_activities(repo: str, issue: dict, closer: dict | None = None,
                       merger: dict | None = None) -> list[Activity]:
    """Opened, and closed (issues) or merged (pull requests), of an issues-list entry.

    ``closer``/``merger`` are the users who closed or merged it; without one the
    closing or merging activity is left out rather than given to the wrong person.
    """
    iid = item_id(repo, issue["number"])
    pr = is_pull_request(issue)
    out = [Activity(id=f"{iid}/opened", item=iid, kind="pr_opened" if pr else "issue_opened",
                    actor=actor(issue.get("user")), at=parse_time(issue["created_at"]))]
    if pr and merged_at(issue) and merger is not None:
        out.append(Activity(id=f"{iid}/merged", item=iid, kind="pr_merged", actor=actor(merger),
                            at=parse_time(merged_at(issue))))
    if not pr and issue.get("state") == "closed" and issue.get("closed_at") and closer is not None:
        out.append(Activity(id=f"{iid}/closed", item=iid, kind="issue_closed", actor=actor(closer),
                            at=parse_time(issue["closed_at"])))
    return out


def issue_comment_activity(repo: str, comment: dict, pr_numbers: set[int]) -> Activity | None:
    """A conversation comment: ``pr_commented`` on a pull request, else ``issue_commented``."""
    number = number_from_url(comment.get("issue_url"))
    if number is None:
        return None
    on_pr = number in pr_numbers or "/pull/" in (comment.get("html_url") or "")
    iid = item_id(repo, number)
    return Activity(id=f"{iid}/comment/{comment['id']}", item=iid,
                    kind="pr_commented" if on_pr else "issue_commented",
                    actor=actor(comment.get("user")), at=parse_time(comment["created_at"]))


def review_comment_activity(repo: str, comment: dict) -> Activity | None:
    """A review (diff) comment of the repo-wide list: ``pr_commented``."""
    number = number_from_url(comment.get("pull_request_url"))
    if number is None:
        return None
    iid = item_id(repo, number)
    return Activity(id=f"{iid}/review-comment/{comment['id']}", item=iid, kind="pr_commented",
                    actor=actor(comment.get("user")), at=parse_time(comment["created_at"]))


def review_activity(repo: str, number: int, review_id: int | str, author: dict | None,
                    submitted_at: str | None) -> Activity | None:
    """A submitted review (REST or GraphQL); a pending one (no submit time) is skipped."""
    if not submitted_at:
        return None
    iid = item_id(repo, number)
    return Activity(id=f"{iid}/review/{review_id}", item=iid, kind="pr_reviewed",
                    actor=actor(author), at=parse_time(submitted_at))


def commit_records(repo: str, commit: dict) -> list[Record]:
    """A commit of the default branch: its item, its ``commit`` activity, its author's identity."""
    sha = commit["sha"]
    git = commit.get("commit") or {}
    author = git.get("author") or {}
    committer = git.get("committer") or {}
    iid = commit_item_id(repo, sha)
    login = (commit.get("author") or {}).get("login")
    email = (author.get("email") or "").strip() or None
    if login:
        who = f"github:{login}"
    elif email:
        who = f"email:{email.lower()}"
    else:
        who = f"github:{GHOST}"
    authored = parse_time(author.get("date")) or parse_time(committer.get("date"))
    out: list[Record] = [
        Item(id=iid, source="github", kind="commit", title=(git.get("message") or "").split("\n", 1)[0],
             url=commit.get("html_url"), repo=repo, state="committed", created_at=authored,
             updated_at=parse_time(committer.get("date")) or authored),
        Activity(id=f"{iid}/commit", item=iid, kind="commit", actor=who, at=authored),
    ]
    if who != f"github:{GHOST}" and (author.get("name") or email):
        out.append(Identity(id=who, name=author.get("name") or None, email=email))
    return out


def merge_identities(records: list[Record]) -> list[Record]:
    """Within one batch keep one identity per id: the last one, with names filled from earlier ones."""
    merged: dict[str, Identity] = {}
    out: list[Record] = []
    for record in records:
        if isinstance(record, Identity):
            old = merged.get(record.id)
            if old is not None:
                record = Identity(id=record.id, name=record.name or old.name, email=record.email or old.email)
            merged[record.id] = record
        else:
            out.append(record)
    return out + list(merged.values())
