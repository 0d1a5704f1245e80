"""The `[github]` config meets the GitHub connector: token, client, cursors, progress.

``batches`` is what `zonemap sync` iterates for the source ``github`` (see
zonemap/sync.py); ``check`` is `zonemap check --online`. The token is read from the
environment variable named by ``[github] token_env`` and goes nowhere but into the
client's Authorization header.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any, Iterator

from connectors.base import Batch, SourceError
from connectors.github import describe_failure, sync_repos
from connectors.github_api import Api, ClientOptions, make_client
from connectors.secrets import header_problem, register, scrub
from connectors.transport import OnRetry

from .config import Config, GithubConfig
from .store import Store

SOURCE = "github"


def client_options(gh: GithubConfig, options: dict[str, Any], on_retry: OnRetry | None = None) -> ClientOptions:
    """Client settings from ``[github]``; ``--wait`` lifts the cap on rate-limit waits."""
    return ClientOptions(
        base_url=gh.base_url, retries=gh.retries, backoff_factor=gh.backoff_factor,
        seconds_between_requests=gh.seconds_between_requests or None,
        secondary_rate_wait=gh.secondary_rate_wait,
        max_rate_limit_wait=None if options.get("wait") else gh.max_rate_limit_wait,
        on_retry=on_retry,
    )


class _Scrubbed(logging.Filter):
    """Log records without credentials: PyGithub's retry lines quote the server's reason phrase."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        return True


def _quiet_pygithub(debug: bool = False) -> None:
    """PyGithub logs each retry at INFO through a handler bound to stderr at import time;
    keep only warnings, through logging's last-resort handler (the current stderr), unless
    `--debug` asks to see the retries (scrubbed of credentials, like every other line)."""
    logger = logging.getLogger("github")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.setLevel(logging.INFO if debug else logging.WARNING)
    if debug:
        handler = logging.StreamHandler()
        handler.addFilter(_Scrubbed())
        logger.addHandler(handler)


def _token(gh: GithubConfig) -> str:
    """The token from ``$token_env``, registered for scrubbing, and fit for the Authorization header."""
    token = os.environ.get(gh.token_env, "").strip()
    if not token:
        raise SourceError(f"no token: set the environment variable {gh.token_env} to a read-only GitHub token "
                          f"(or name another variable in [github] token_env)")
    register(token)
    problem = header_problem(token)
    if problem:  # requests or http.client would refuse it: say so before anything is sent
        raise SourceError(f"the token in ${gh.token_env} contains {problem}, which is not allowed in an HTTP "
                          f"header; set {gh.token_env} to the token alone")
    return token


class _Display:
    """One progress row per repository: items, comments, PRs detailed, requests, rate limit left;
    while a request is being retried, the row says so (``note``)."""

    def __init__(self, progress: Any):
        self.progress = progress
        self.tasks: dict[str, Any] = {}
        self.current: Any = None  # the task of the repository being synced

    def __call__(self, repo: str, counts: dict) -> None:
        if self.progress is None:
            return
        if repo not in self.tasks:
            self.tasks[repo] = self.progress.add_task(f"github {repo}", total=None, info="")
        self.current = self.tasks[repo]
        self.progress.update(self.current, completed=counts["items"] + counts["commits"], info=info_line(counts))

    def note(self, text: str) -> None:
        """``text`` (e.g. "retrying: connection refused, retry 1") in the current row, until its next update."""
        if self.progress is None:
            return
        if self.current is None:  # before the first repository (an org's repository list)
            self.current = self.progress.add_task("github", total=None, info="")
        self.progress.update(self.current, info=text)


def info_line(counts: dict) -> str:
    rate = counts.get("rate_remaining")
    return (f"{counts['items']} items, {counts['comments']} comments, {counts['prs_detailed']} PRs detailed, "
            f"{counts['commits']} commits, {counts['requests']} requests"
            + (f", rate limit {rate} left" if rate is not None else ""))


def batches(cfg: Config, store: Store, full: bool = False, progress: Any = None,
            options: dict | None = None) -> Iterator[Batch | SourceError]:
    """The GitHub source's batches, each with its repository's cursor (and failures as SourceError)."""
    gh = cfg.github
    if gh is None:
        raise SourceError("no [github] section in the config")
    if not gh.repos and not gh.org:
        raise SourceError("[github] names no repos and no org; add repos = [\"owner/name\"] or org = \"name\"")
    _quiet_pygithub(bool((options or {}).get("debug")))
    display = _Display(progress)
    client = make_client(_token(gh), client_options(gh, options or {}, on_retry=display.note))
    api = Api(client)
    try:
        yield from sync_repos(api, gh.repos, lambda scope: store.get_cursor(SOURCE, scope), org=gh.org,
                              full=full, overlap=timedelta(minutes=gh.overlap_minutes), use_graphql=gh.graphql,
                              progress=display, token_env=gh.token_env)
    finally:
        client.close()


def check(cfg: Config, echo) -> list[str]:
    """`zonemap check --online`: the token works and can read each repository (or the org)."""
    gh = cfg.github
    if gh is None:
        return []
    _quiet_pygithub()
    try:
        api = Api(make_client(_token(gh), client_options(gh, {}, on_retry=lambda text: echo(f"github: {text}"))))
    except SourceError as exc:
        return [f"github: {exc}"]
    problems = []
    targets = [f"/repos/{r}" for r in gh.repos] + ([f"/orgs/{gh.org}"] if gh.org else [])
    for url in ["/rate_limit", *targets]:
        what = url.split("/", 2)[-1] if url != "/rate_limit" else "token"
        try:
            api.get(url)
        except Exception as exc:  # one line per problem, whatever failed
            problems.append(f"github {what}: {describe_failure(exc, gh.token_env, gh.base_url, checking=True)}")
            if url == "/rate_limit":
                break
        else:
            echo(f"github {what}: ok" + (f" (rate limit {api.rate_remaining} left)" if url == "/rate_limit" else ""))
    api.client.close()
    return problems
