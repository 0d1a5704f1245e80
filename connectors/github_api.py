"""The HTTP layer of the GitHub connector, on PyGithub's requester.

PyGithub's ``Requester`` does the talking (auth header, base URL and its
``/api/v3`` prefix, ``GithubRetry``, rate-limit headers); this module pages list
endpoints itself so that it can send ``If-None-Match`` on a first page, count
every request, and read only the raw JSON (no PyGithub object, so no completion
request can happen).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from github import Auth, Github, GithubRetry
from github.Requester import Requester

from .transport import CONNECT_RETRIES, OnRetry, RetryNotes

DEFAULT_BASE_URL = "https://api.github.com"


class _Retry(RetryNotes, GithubRetry):
    """``GithubRetry`` that tells ``on_retry`` about each retry (for the progress display)."""


@dataclass
class ClientOptions:
    """How zonemap talks to GitHub. The defaults are polite to the real service."""

    base_url: str = DEFAULT_BASE_URL
    per_page: int = 100
    seconds_between_requests: float | None = 0.25  # PyGithub's throttle; None against a local fake
    retries: int = 8  # GithubRetry total: 5xx, 429, secondary limits, dropped connections
    connect_retries: int = CONNECT_RETRIES  # at most this many of them when no connection can be made
    backoff_factor: float = 1.0  # urllib3 exponential backoff between retries
    secondary_rate_wait: float = 60.0  # wait after a secondary rate limit
    max_rate_limit_wait: float | None = 120.0  # a primary-limit reset further away stops the sync; None waits
    timeout: int = 30
    on_retry: OnRetry | None = None  # told "retrying: HTTP 502, retry 2 in 2 s" before each retry


def make_client(token: str, options: ClientOptions) -> Github:
    """A PyGithub client: token auth, 100 per page, GithubRetry that also retries 429.

    urllib3 counts a refused connection, an unknown host and a connect timeout against
    ``connect``, a TLS or proxy failure against ``other`` (each as well as ``total``):
    capping both keeps an unreachable ``base_url`` from waiting through the whole backoff
    meant for 5xx answers and dropped connections.
    """
    cannot_connect = min(options.retries, options.connect_retries)
    retry = _Retry(
        total=options.retries, connect=cannot_connect, other=cannot_connect,
        backoff_factor=options.backoff_factor,
        secondary_rate_wait=options.secondary_rate_wait, max_rate_limit_wait=options.max_rate_limit_wait,
        status_forcelist=list(range(500, 600)) + [429],
    )
    retry.on_retry = options.on_retry
    return Github(auth=Auth.Token(token), base_url=options.base_url.rstrip("/"), per_page=options.per_page,
                  retry=retry, seconds_between_requests=options.seconds_between_requests,
                  seconds_between_writes=options.seconds_between_requests,  # GraphQL POSTs only read
                  timeout=options.timeout, lazy=True)


class GraphQLUnavailable(Exception):
    """``/graphql`` answered 404 (an old GitHub Enterprise, or a proxy without it)."""


@dataclass
class Listing:
    """The items of a list endpoint, or ``None`` when the first page was not modified (304).

    ``etag`` is set only for a one-page list: a later 304 on a longer list would
    only say that its first page did not change.
    """

    items: list[dict] | None
    etag: str | None


def next_link(headers: dict[str, Any]) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, parsed as PyGithub does."""
    link = headers.get("link")
    if not link:
        return None
    for part in link.split(", "):
        url, _, rel = part.partition("; ")
        if rel == 'rel="next"':
            return url.strip("<>")
    return None


class Api:
    """Counted requests through a PyGithub client."""

    def __init__(self, client: Github):
        self.client = client
        self.requester: Requester = client.requester
        self.requests = 0

    @property
    def base_url(self) -> str:
        return self.requester.base_url

    @property
    def rate_remaining(self) -> int | None:
        remaining, limit = self.requester.rate_limiting
        return None if limit < 0 else remaining

    @property
    def rate_reset(self) -> int:
        """Unix time of the next primary rate-limit reset (0 when unknown)."""
        return self.requester.rate_limiting_resettime

    def _request(self, verb: str, url: str, params: dict | None = None, headers: dict | None = None,
                 body: Any = None) -> tuple[int, dict[str, Any], Any]:
        self.requests += 1
        status, out_headers, text = self.requester.requestJson(verb, url, params, headers, body)
        data = json.loads(text) if text else None  # a malformed body raises ValueError
        if status >= 400:
            raise Requester.createException(status, out_headers, data)
        return status, out_headers, data

    def get(self, url: str, params: dict | None = None) -> Any:
        return self._request("GET", url, params)[2]

    def get_list(self, url: str, params: dict | None = None, etag: str | None = None) -> Listing:
        """Every page of a list endpoint (``per_page`` added), conditional on ``etag``."""
        params = {**(params or {}), "per_page": self.requester.per_page}
        status, headers, data = self._request("GET", url, params, {"If-None-Match": etag} if etag else None)
        if status == 304:
            return Listing(items=None, etag=etag)
        items = list(data or [])
        first_etag = headers.get("etag")
        following = next_link(headers)
        if following:
            first_etag = None
        while following:
            _, headers, data = self._request("GET", following)
            items.extend(data or [])
            following = next_link(headers)
        return Listing(items=items, etag=first_etag)

    def get_all(self, url: str, params: dict | None = None) -> list[dict]:
        items = self.get_list(url, params).items
        return items or []

    def graphql(self, query: str, variables: dict) -> dict:
        """POST to the GraphQL endpoint (``/api/graphql`` on Enterprise); the whole answer.

        Partial answers (``data`` with ``errors``) are returned as they are; the caller
        falls back to REST for the nodes that came back empty.
        """
        try:
            _, _, data = self._request("POST", self.requester.graphql_url, body={"query": query, "variables": variables})
        except Exception as exc:  # GithubException carries the status
            if getattr(exc, "status", None) == 404:
                raise GraphQLUnavailable() from None
            raise
        return data or {}
