"""Pull active work from Jira Cloud or Data Center with the ``jira`` library.

:func:`connect` builds the client (Cloud: email + API token; Data Center: a personal
access token).  :func:`fetch_issues` is a generator of :class:`~connectors.base.Batch`
(one per search page) for the issues matching a JQL filter updated since a cursor:

- the query is ``(<filter>) AND updated >= "yyyy/MM/dd HH:mm" ORDER BY updated ASC, key ASC``,
  the date in the querying user's time zone (``/myself``), an overlap before the cursor;
- Cloud (detected from ``serverInfo.deploymentType``) pages ``search/jql`` with
  ``nextPageToken``; Data Center pages ``/search`` with ``startAt``;
- comments and changelog come embedded; where Cloud caps them (20) the rest of that
  issue's list is fetched, for that issue only;
- issues already stored with the same ``updated`` (the cursor remembers those in the
  overlap) are skipped, so a resync without changes costs one search request.

Every failure leaves as a one-line :class:`~connectors.base.SourceError` without secrets
(server text is scrubbed: ``connectors.secrets``); a server that cannot be reached fails
fast with its URL named (``connectors.transport``).
The generator never touches the store; the record mapping is in ``jira_records``.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from jira import JIRA, JIRAError

from .base import Batch, SourceError
from .jira_records import EPIC_LINK, component_records, issue_records, parse_time, project_key
from .records import format_time
from .secrets import register, server_text
from .transport import CONNECT_RETRIES, JiraAdapter, OnRetry, connection_failure
from .transport import kind as failure_kind

FIELDS = ["summary", "issuetype", "status", "labels", "components", "parent", EPIC_LINK,
          "project", "assignee", "reporter", "creator", "created", "updated", "comment"]
PAGE_SIZE = 100
OVERLAP = timedelta(minutes=2)
EPOCH_JQL = 'updated >= "1970/01/01 00:00"'  # bounds an empty filter (Cloud rejects unbounded JQL)
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)

Progress = Callable[[str], None]


def connect(url: str, token: str, email: str | None = None, *, retries: int = 3,
            max_retry_delay: float = 60.0, timeout: float = 60.0,
            auth_hint: str = "check the Jira credentials", on_retry: OnRetry | None = None) -> JIRA:
    """A ``jira.JIRA`` client: basic auth (Cloud) with ``email``, else a bearer PAT.

    The library retries 429, 503 with ``Retry-After`` and dropped connections ``retries``
    times, sleeping at most ``max_retry_delay`` seconds. A connection that cannot be made
    at all (refused, unknown host) is retried quickly a time or two in urllib3 and then
    fails, without the library's slow retries (``connectors.transport.JiraAdapter``);
    ``on_retry`` hears of every retry. Its own log (which can hold response dumps) is
    silenced. ``serverInfo`` (Cloud or Data Center?) is fetched once the session is set
    up, so it gets the same retries and ceiling as every later request.
    """
    register(token, user=email)
    with jira_errors(url, auth_hint):
        auth = {"basic_auth": (email, token)} if email else {"token_auth": token}
        client = JIRA(server=url, **auth, timeout=timeout, max_retries=retries,
                      logging=False, get_server_info=False)
        session = client._session  # the library offers no arguments for these
        session.max_retry_delay = max_retry_delay
        adapter = JiraAdapter(min(retries, CONNECT_RETRIES), on_retry, retries)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        info = client.server_info()  # what get_server_info=True does in the constructor
        client._version = tuple(info["versionNumbers"])
        client.deploymentType = info.get("deploymentType")
    return client


def is_cloud(client: JIRA) -> bool:
    return client.deploymentType == "Cloud"


def scope_of(url: str, jql: str) -> str:
    """The cursor scope of one (server, JQL) pair."""
    digest = hashlib.sha1(f"{url.rstrip('/')}\n{jql.strip()}".encode()).hexdigest()[:12]
    return f"jql:{digest}"


def _describe(exc: BaseException, url: str, auth_hint: str) -> str:
    """One line for a failure, built from the status and the server's message only.

    ``str(JIRAError)`` is never used: it dumps the request headers, credentials included;
    and the server's message is scrubbed of credentials, since a server or proxy may echo
    the Authorization header in it.
    """
    where = f"Jira at {url}"
    if isinstance(exc, JIRAError):
        status = exc.status_code
        text = server_text(exc.text)
        if status == 401:
            return f"{where} rejected the credentials (HTTP 401): {auth_hint}"
        if status == 403:
            return f"{where} refused access (HTTP 403): {text or 'the account lacks permission'}"
        if status == 410:
            return (f"{where} answered 410 Gone on a removed API ({text or 'legacy search'}); "
                    "Jira Cloud must report deploymentType Cloud in /rest/api/2/serverInfo")
        if status == 400:
            return f"{where} rejected the query (HTTP 400): {text}; check [jira] jql"
        if status in (429, 503):
            return f"{where} is rate limiting or unavailable (HTTP {status}); try again later"
        if status is None:
            return f"{where} failed: {text or 'empty response'}"
        return f"{where} failed with HTTP {status}: {text or 'no message'}"
    if failure_kind(exc) == "header":  # nothing was sent
        return ("a Jira credential contains characters not allowed in an HTTP header (a line break, a control "
                f"character or a non-Latin-1 character); {auth_hint}")
    line = connection_failure(exc, where, "[jira] url", "try again later")
    if line is not None:
        return line
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError)):  # requests' JSONDecodeError too
        return f"{where} sent a response zonemap cannot read (malformed JSON or missing keys)"
    if isinstance(exc, requests.exceptions.RequestException):
        return f"the request to {where} failed ({type(exc).__name__}); try again later"
    return f"{where} failed: {type(exc).__name__}"


@contextmanager
def jira_errors(url: str, auth_hint: str):
    """Turn client, HTTP and decoding failures into a one-line :class:`SourceError`."""
    try:
        yield
    except SourceError:
        raise
    except (JIRAError, requests.exceptions.RequestException, ValueError, KeyError,
            TypeError, AttributeError) as exc:
        raise SourceError(_describe(exc, url, auth_hint)) from None


def split_jql(jql: str) -> str:
    """The filter part of a JQL query (its own ``ORDER BY`` is dropped: we order by update)."""
    match = list(_ORDER_BY.finditer(jql))
    return (jql[: match[-1].start()] if match else jql).strip()


def build_jql(jql: str, since_local: str | None) -> str:
    """``(<filter>) AND updated >= "<since>" ORDER BY updated ASC, key ASC``."""
    parts = [f"({f})" for f in [split_jql(jql)] if f]
    if since_local:
        parts.append(f'updated >= "{since_local}"')
    return f"{' AND '.join(parts) or EPOCH_JQL} ORDER BY updated ASC, key ASC"


def user_zone(client: JIRA) -> tuple[timezone | ZoneInfo, timedelta]:
    """The querying user's time zone from ``/myself``; unknown zones fall back to UTC ± 14 h."""
    name = client.myself().get("timeZone")
    try:
        return ZoneInfo(name), timedelta(0)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return timezone.utc, timedelta(hours=14)


def probe(client: JIRA, jql: str) -> None:
    """Run the configured query for one issue key (``zonemap check --online``)."""
    query = build_jql(jql, None)
    if is_cloud(client):
        client.enhanced_search_issues(query, maxResults=1, fields=["key"])
    else:
        client.search_issues(query, maxResults=1, fields=["key"])


def _since_local(cursor_at: datetime, zone, extra: timedelta) -> str:
    """The JQL date of a cursor in the user's zone, floored to the minute (JQL's precision)."""
    return (cursor_at - extra).astimezone(zone).strftime("%Y/%m/%d %H:%M")


def _pages(client: JIRA, jql: str) -> Iterator[list]:
    """Raw issues of a query, one list per page (nextPageToken on Cloud, startAt elsewhere)."""
    token, start = None, 0
    while True:  # the client rewrites the fields list it is given: pass a fresh one
        if is_cloud(client):
            page = client.enhanced_search_issues(jql, nextPageToken=token, maxResults=PAGE_SIZE,
                                                 fields=list(FIELDS), expand="changelog")
            yield [i.raw for i in page]
            token = page.nextPageToken
            if not token or not page:
                return
        else:
            page = client.search_issues(jql, startAt=start, maxResults=PAGE_SIZE,
                                        fields=list(FIELDS), expand="changelog")
            yield [i.raw for i in page]
            start += len(page)
            if not page or page.total is None or start >= page.total:
                return


def _all_comments(client: JIRA, raw: dict) -> list[dict]:
    """The issue's comments; the embedded list when whole, else fetched for this issue."""
    embedded = (raw.get("fields") or {}).get("comment") or {}
    comments = list(embedded.get("comments") or [])
    total = int(embedded.get("total") or 0)
    if total <= len(comments):
        return comments
    fetched: list[dict] = []
    while len(fetched) < total:  # pages may be shorter than asked for
        page = client.comments(raw["key"], start_at=len(fetched), max_results=PAGE_SIZE)
        if not page:
            break
        fetched.extend(c.raw for c in page)
    return fetched


def _all_histories(client: JIRA, raw: dict) -> list[dict]:
    """The issue's changelog; the embedded list when whole, else paged for this issue."""
    embedded = raw.get("changelog") or {}
    histories = list(embedded.get("histories") or [])
    if int(embedded.get("total") or 0) <= len(histories):
        return histories
    by_id = {h["id"]: h for h in histories}
    start = 0
    while True:  # the library has no method for this endpoint
        page = client._get_json(f"issue/{raw['key']}/changelog",
                                params={"startAt": start, "maxResults": PAGE_SIZE})
        values = page.get("values") or []
        by_id.update((h["id"], h) for h in values)
        start += len(values)
        if not values or page.get("isLast", True) or start >= int(page.get("total") or 0):
            return list(by_id.values())


def _load_cursor(cursor: dict | None, full: bool) -> tuple[datetime | None, dict[str, str]]:
    if full or not cursor or not cursor.get("updated"):
        return None, {}
    return parse_time(cursor["updated"]), dict(cursor.get("seen") or {})


def _next_cursor(prev_at: datetime | None, prev_seen: dict[str, str], page: list[dict],
                 overlap: timedelta = OVERLAP) -> tuple[datetime | None, dict[str, str]]:
    """Advance to the newest ``updated``; remember the (key, updated) pairs inside the overlap."""
    seen = dict(prev_seen)
    seen.update((r["key"], r["fields"]["updated"]) for r in page)
    times = [parse_time(r["fields"]["updated"]) for r in page]
    newest = max([t for t in [prev_at, *times] if t is not None], default=None)
    if newest is None:
        return None, {}
    floor = newest - overlap - timedelta(minutes=1)  # the next query starts at a minute floor
    return newest, {k: v for k, v in seen.items() if parse_time(v) >= floor}


def _cursor(at: datetime | None, seen: dict[str, str], fallback: dict | None) -> dict | None:
    return {"updated": format_time(at), "seen": seen} if at else fallback


def fetch_issues(client: JIRA, url: str, jql: str, *, cursor: dict | None = None,
                 full: bool = False, component_leads: bool = False,
                 overlap: timedelta = OVERLAP, progress: Progress | None = None,
                 auth_hint: str = "check the Jira credentials") -> Iterator[Batch]:
    """Batches of records for the issues matching ``jql`` updated since ``cursor``.

    One batch per search page, each with the cursor after it; with ``full`` the cursor
    is ignored and the last batch lists every item id seen (``present_item_ids``);
    with ``component_leads`` a last batch holds the components of the projects seen.
    """
    scope = scope_of(url, jql)
    say = progress or (lambda _msg: None)
    with jira_errors(url, auth_hint):
        at, seen = _load_cursor(cursor, full)
        since = None
        if at is not None:
            zone, extra = user_zone(client)
            since = _since_local(at - overlap, zone, extra)
        query = build_jql(jql, since)
        say(f"jira: searching {'all' if since is None else 'updated since ' + since} ({query})")
        present: set[str] = set()
        projects: set[str] = set()
        count = skipped = 0
        for page in _pages(client, query):
            records = []
            for raw in page:
                present.add(f"jira:{raw['key']}")
                if seen.get(raw["key"]) == raw["fields"].get("updated"):
                    skipped += 1
                    continue
                records.extend(issue_records(raw, _all_comments(client, raw),
                                             _all_histories(client, raw), url))
                projects.add(project_key(raw))
                count += 1
            at, seen = _next_cursor(at, seen, page, overlap)
            say(f"jira: {count} issues fetched, {skipped} unchanged")
            unique = list({r.id: r for r in records}.values())  # users recur across issues
            yield Batch(scope=scope, records=unique, cursor=_cursor(at, seen, cursor))
        if full:
            yield Batch(scope=scope, records=[], cursor=_cursor(at, seen, None),
                        present_item_ids=present, item_prefix="jira:")
        if component_leads and projects:
            records = []
            for project in sorted(projects):
                records.extend(component_records(
                    project, (c.raw for c in client.project_components(project))))
            say(f"jira: components of {len(projects)} projects")
            yield Batch(scope=scope, records=records, cursor=_cursor(at, seen, cursor))
