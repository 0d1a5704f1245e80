"""`zonemap sync --source jira`: the `[jira]` config -> :func:`connectors.jira.fetch_issues`.

Credentials come from the environment variables the config names: with ``email_env``
set, Cloud basic auth (email + API token); without it, a Data Center personal access
token (bearer).  One scope per (server, JQL) pair; its cursor is the newest
``updated`` time synced.  ``check`` serves ``zonemap check --online``.
Tokens are never printed, logged, stored or put in an error message.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, Callable, Iterator

from connectors import jira as jira_connector
from connectors.base import Batch, SourceError
from connectors.secrets import header_problem
from connectors.transport import OnRetry

from .config import Config, JiraConfig
from .store import Store


def _env(name: str, what: str, secret: bool = True) -> str:
    value = (os.environ.get(name) or "").strip()
    if not value:
        raise SourceError(f"environment variable {name} is not set: put {what} in it ([jira] in the config names it)")
    problem = header_problem(value)
    if problem:  # requests or http.client would refuse it: say so before anything is sent (and never quote it)
        raise SourceError(f"the {'token' if secret else 'email address'} in ${name} contains {problem}, which is "
                          f"not allowed in an HTTP header; set {name} to {what} alone")
    return value


def credentials(jc: JiraConfig) -> tuple[str, str | None]:
    """(token, email or None) from the environment variables named in ``[jira]``, both fit
    for an HTTP header (`connectors.jira.connect` registers them for scrubbing)."""
    if jc.email_env:
        token = _env(jc.token_env, "the Jira Cloud API token")
        email = _env(jc.email_env, "the email address of the Jira Cloud account", secret=False)
        return token, email
    return _env(jc.token_env, "the Jira Data Center personal access token"), None


def auth_hint(jc: JiraConfig) -> str:
    if jc.email_env:
        return f"check {jc.email_env} (account email) and {jc.token_env} (API token)"
    return (f"check {jc.token_env} (a Data Center personal access token; "
            f"for Jira Cloud also set [jira] email_env)")


def client(jc: JiraConfig, on_retry: OnRetry | None = None):
    """A connected ``jira.JIRA`` for the configured server (raises SourceError)."""
    token, email = credentials(jc)
    return jira_connector.connect(jc.url, token, email, retries=jc.retries,
                                  max_retry_delay=jc.max_retry_delay, timeout=jc.timeout,
                                  auth_hint=auth_hint(jc), on_retry=on_retry)


def batches(cfg: Config, store: Store, full: bool = False, progress: Any = None,
            options: dict | None = None) -> Iterator[Batch]:
    """The batches of the configured JQL query since its stored cursor (``full``: all of it)."""
    jc = cfg.jira
    if jc is None:
        return
    scope = jira_connector.scope_of(jc.url, jc.jql)
    task = progress.add_task(f"jira {jc.jql}", total=None, info=f"connecting to {jc.url}") if progress else None
    say: Callable[[str], None] = (lambda msg: progress.update(task, info=msg)) if progress else (lambda _m: None)
    conn = client(jc, on_retry=say)  # retries show in the row until the next update
    say("connected")
    issues = 0
    try:
        for batch in jira_connector.fetch_issues(
                conn, jc.url, jc.jql, cursor=store.get_cursor("jira", scope), full=full,
                component_leads=jc.component_leads, overlap=timedelta(minutes=jc.overlap_minutes),
                progress=say, auth_hint=auth_hint(jc)):
            issues += sum(1 for r in batch.records if r.type == "item")
            if task is not None:
                progress.update(task, completed=issues)
            yield batch
    finally:
        conn.close()


def check(cfg: Config, echo: Callable[[str], None]) -> list[str]:
    """Log in, say as whom and where, and run the JQL for one issue; problems as lines."""
    jc = cfg.jira
    try:
        conn = client(jc, on_retry=lambda text: echo(f"jira: {text}"))
        try:
            with jira_connector.jira_errors(jc.url, auth_hint(jc)):
                me = conn.myself()
                jira_connector.probe(conn, jc.jql)
        finally:
            conn.close()
    except SourceError as exc:
        return [f"jira: {exc}"]
    kind = "Cloud" if jira_connector.is_cloud(conn) else "Data Center"
    who = me.get("displayName") or me.get("name") or me.get("accountId") or "?"
    echo(f"jira: signed in to {jc.url} ({kind}) as {who}; the JQL query runs")
    return []
