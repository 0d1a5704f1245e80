"""Map raw Jira REST objects (issues, comments, changelog histories, components) to records.

Pure functions over the JSON the REST API returns (``issue.raw``); no client, no I/O.
The mapping and the record ids are documented in ``docs/jira.md``:

- item ``jira:<KEY>`` (kind ``jira_issue``);
- activities ``jira:<KEY>/created``, ``jira:<KEY>/comment/<comment id>``,
  ``jira:<KEY>/history/<history id>/transition`` and ``.../update``;
- identities ``jira:<accountId>`` (Cloud) or ``jira:<name>`` (Data Center);
- components ``jira:<PROJECT>/<component name>``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Iterator

from .records import Activity, Component, Identity, Item, Record

# Changelog fields that belong to a status transition rather than to an edit.
TRANSITION_FIELDS = frozenset({"status", "resolution", "workflow"})
EPIC_LINK = "Epic Link"  # the Data Center / classic custom field, aliased by the jira client


def parse_time(value: str | None) -> datetime | None:
    """A Jira timestamp (``2026-11-02T10:00:00.000+0100``) as an aware UTC datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(timezone.utc)


def identity_id(user: dict | None) -> str | None:
    """``jira:<accountId>`` on Cloud, ``jira:<name>`` (else ``<key>``) on Data Center."""
    if not user:
        return None
    ident = user.get("accountId") or user.get("name") or user.get("key")
    return f"jira:{ident}" if ident else None


def identity(user: dict | None) -> Identity | None:
    """The identity record of a Jira user object; email only where the server shows it."""
    ident = identity_id(user)
    if ident is None:
        return None
    return Identity(id=ident, name=user.get("displayName") or None,
                    email=(user.get("emailAddress") or "").strip() or None)


def _epic(fields: dict) -> str | None:
    """The epic key: the "Epic Link" field, else a parent that is an epic (hierarchy level 1)."""
    link = fields.get(EPIC_LINK)
    if isinstance(link, str) and link:
        return link
    parent = fields.get("parent") or {}
    ptype = (parent.get("fields") or {}).get("issuetype") or {}
    if parent.get("key") and (ptype.get("hierarchyLevel", 0) >= 1 or ptype.get("name") == "Epic"):
        return parent["key"]
    return None


def _state(status: dict | None) -> str | None:
    """``closed`` for a status in the done category, else ``open`` (like GitHub's states)."""
    if not status:
        return None
    return "closed" if (status.get("statusCategory") or {}).get("key") == "done" else "open"


def project_key(raw: dict) -> str:
    """The project key of a raw issue (from its fields, else from its key)."""
    return ((raw.get("fields") or {}).get("project") or {}).get("key") or raw["key"].rsplit("-", 1)[0]


def issue_item(raw: dict, browse_base: str) -> Item:
    """The ``jira_issue`` item of a raw issue."""
    key = raw["key"]
    fields = raw.get("fields") or {}
    return Item(
        id=f"jira:{key}", source="jira", kind="jira_issue",
        title=fields.get("summary") or "",
        url=f"{browse_base.rstrip('/')}/browse/{key}",
        project=project_key(raw),
        labels=list(fields.get("labels") or []),
        components=[c["name"] for c in fields.get("components") or [] if c.get("name")],
        epic=_epic(fields),
        issue_type=(fields.get("issuetype") or {}).get("name"),
        state=_state(fields.get("status")),
        created_at=parse_time(fields.get("created")),
        updated_at=parse_time(fields.get("updated")),
    )


def _history_activities(key: str, history: dict) -> Iterator[Activity]:
    """One ``jira_transitioned`` for a status change, one ``jira_updated`` for other edits."""
    actor = identity_id(history.get("author"))
    at = parse_time(history.get("created"))
    if actor is None or at is None:  # anonymous or automated change without a user
        return
    names = {(i.get("field") or "").lower() for i in history.get("items") or []}
    base = f"jira:{key}/history/{history['id']}"
    if "status" in names:
        yield Activity(id=f"{base}/transition", item=f"jira:{key}", kind="jira_transitioned",
                       actor=actor, at=at)
    if names - TRANSITION_FIELDS:
        yield Activity(id=f"{base}/update", item=f"jira:{key}", kind="jira_updated",
                       actor=actor, at=at)


def issue_records(raw: dict, comments: list[dict], histories: list[dict],
                  browse_base: str) -> list[Record]:
    """Item, activities and identities of one issue, given its complete comments and changelog."""
    key = raw["key"]
    fields = raw.get("fields") or {}
    item_id = f"jira:{key}"
    records: list[Record] = [issue_item(raw, browse_base)]
    users = [fields.get(k) for k in ("creator", "reporter", "assignee")]

    opener = fields.get("creator") or fields.get("reporter")
    created = parse_time(fields.get("created"))
    if identity_id(opener) and created:
        records.append(Activity(id=f"{item_id}/created", item=item_id, kind="jira_created",
                                actor=identity_id(opener), at=created))
    for comment in comments:
        actor, at = identity_id(comment.get("author")), parse_time(comment.get("created"))
        users.append(comment.get("author"))
        if actor and at:
            records.append(Activity(id=f"{item_id}/comment/{comment['id']}", item=item_id,
                                    kind="jira_commented", actor=actor, at=at))
    for history in histories:
        users.append(history.get("author"))
        records.extend(_history_activities(key, history))
    records.extend(identities(users))
    return records


def identities(users: Iterable[dict | None]) -> list[Identity]:
    """Identity records of users, one per id (the last one seen wins)."""
    out: dict[str, Identity] = {}
    for user in users:
        ident = identity(user)
        if ident is not None:
            out[ident.id] = ident
    return list(out.values())


def component_records(project: str, components: Iterable[dict]) -> list[Record]:
    """``Component`` records of one project (with their leads' identities)."""
    records: list[Record] = []
    leads = []
    for comp in components:
        lead = comp.get("lead") or (
            {"accountId": comp["leadAccountId"]} if comp.get("leadAccountId") else None)
        leads.append(lead)
        records.append(Component(id=f"jira:{project}/{comp['name']}", project=project,
                                 name=comp["name"], lead=identity_id(lead)))
    records.extend(i for i in identities(leads) if i.name or i.email)
    return records
