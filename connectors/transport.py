"""Transport failures in words, retries that tell, and no slow retries of a refused connection.

Both clients sit on ``requests`` and urllib3. A failure below HTTP arrives as a
``requests`` exception wrapping urllib3's, wrapping the socket's; :func:`classify` walks
that chain and names what happened (connection refused, host not found, TLS, a dropped
or truncated answer, a timeout), and :func:`connection_failure` makes the one line the
user sees: what failed, at which URL, and which config key to check, or that trying
again later is the remedy.

Retries. A refused connection (nobody listens at that host and port), an unknown host,
a connection attempt without answer or a failed TLS handshake are not transient the way
a 502 or a reset connection is: they get :data:`CONNECT_RETRIES` quick retries at most,
never the long backoff meant for an overloaded server.

- GitHub: PyGithub's ``GithubRetry`` is a urllib3 ``Retry``; its ``connect`` budget
  (urllib3 counts refused, unknown-host and connect-timeout failures there) and its
  ``other`` budget (TLS and proxy failures) are capped, while ``total`` still covers
  5xx, 429, rate limits and dropped connections (``read``).
- Jira: ``jira``'s ``ResilientSession`` retries every ``requests.ConnectionError`` with
  10-60 s sleeps. :class:`JiraAdapter` (mounted on its session) retries a failed
  connection attempt in urllib3 a little, then raises :class:`CannotConnect`, which is
  no ``ConnectionError``, so the library does not retry it again; dropped connections,
  429 and 503 keep the library's retries.

:class:`RetryNotes` (a urllib3 ``Retry`` mix-in) and :class:`JiraAdapter` call
``on_retry(text)`` before each retry, so the progress display can say "retrying: HTTP
502, retry 2 in 2 s" instead of sitting silent.
"""

from __future__ import annotations

import os
import socket
import ssl
from http.client import IncompleteRead, RemoteDisconnected
from typing import Callable, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3 import Retry
from urllib3 import exceptions as u3


CONNECT_RETRIES = 2  # at most, for a refused connection, an unknown host or a connect timeout
JIRA_CONNECT_BACKOFF = 0.5  # urllib3 backoff between those: 0 s, then 1 s

OnRetry = Callable[[str], None]


class CannotConnect(requests.exceptions.RequestException):
    """No connection could be made (refused, unknown host, no answer) after the quick retries.

    Deliberately not a ``requests.ConnectionError``: the jira library retries those slowly.
    """


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (``args``, urllib3 ``reason``, causes, contexts)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner = [getattr(e, "reason", None), getattr(e, "original_error", None), e.__cause__, e.__context__]
        inner += list(getattr(e, "args", ()))
        stack.extend(x for x in inner if isinstance(x, BaseException))


def classify(exc: BaseException) -> tuple[str, str] | None:
    """(kind, what happened) for a transport failure, None for anything else.

    Kinds: ``header`` (a header value could not be encoded: nothing was sent); ``proxy``,
    ``tls``, ``refused``, ``dns``, ``unreachable``, ``connect_timeout`` (no connection at
    all: :data:`NO_CONNECTION`); ``read_timeout``, ``truncated``, ``dropped`` and
    ``connection`` (other), which may well pass.
    """
    chain = list(_chain(exc))

    def has(*types) -> BaseException | None:
        return next((e for e in chain if isinstance(e, types)), None)

    if has(requests.exceptions.InvalidHeader, UnicodeEncodeError):
        return "header", "a header value has characters an HTTP header cannot carry"
    if has(requests.exceptions.ProxyError, u3.ProxyError):
        return "proxy", "the proxy could not be reached or refused the connection"
    if has(requests.exceptions.SSLError, u3.SSLError, ssl.SSLError):
        cause = has(ssl.SSLError)
        detail = getattr(cause, "verify_message", None) or getattr(cause, "reason", None)
        detail = detail.lower().replace("_", " ") if isinstance(detail, str) and detail else ""
        return "tls", "TLS handshake failed" + (f": {detail}" if detail else "")
    if has(ConnectionRefusedError):
        return "refused", "connection refused"
    if has(u3.NameResolutionError, socket.gaierror):
        return "dns", "host name not found"
    if has(u3.NewConnectionError):  # neither refused nor unknown host: unreachable network, ...
        cause = next((e for e in chain if isinstance(e, OSError) and isinstance(e.errno, int)
                      and not isinstance(e, requests.exceptions.RequestException)), None)
        return "unreachable", os.strerror(cause.errno).lower() if cause is not None else "no connection could be made"
    if has(requests.exceptions.ConnectTimeout, u3.ConnectTimeoutError):
        return "connect_timeout", "no answer to the connection attempt in time"
    if has(requests.exceptions.ReadTimeout, u3.ReadTimeoutError, TimeoutError, socket.timeout):
        return "read_timeout", "no answer in time"
    if has(requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError, IncompleteRead):
        return "truncated", "the answer broke off in the middle"
    if has(RemoteDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError, u3.ProtocolError):
        return "dropped", "the connection was closed without an answer"
    if has(requests.exceptions.ConnectionError, CannotConnect):
        return "connection", "the connection failed"
    return None


NO_CONNECTION = {"proxy", "tls", "refused", "dns", "unreachable", "connect_timeout"}


def kind(exc: BaseException) -> str | None:
    """The kind of transport failure `exc` is (`classify`'s first part), None if none."""
    found = classify(exc)
    return found[0] if found else None


def connection_failure(exc: BaseException, where: str, key: str, later: str) -> str | None:
    """One line for a transport failure of a request to ``where`` ("GitHub at URL"), None otherwise.

    ``key`` is the config key that holds the URL (``[github] base_url``); ``later`` the
    advice for a transient failure ("run sync again to resume", "try again later").
    """
    found = classify(exc)
    if found is None or found[0] == "header":
        return None
    kind, what = found
    if kind == "proxy":
        return f"cannot connect to {where} ({what}); check the HTTPS_PROXY / HTTP_PROXY environment variables"
    if kind == "tls":
        return f"cannot connect to {where} ({what}); check {key} (https or http?) and the server's certificate"
    if kind in ("refused", "dns"):
        return f"cannot connect to {where} ({what}); check {key}"
    if kind in ("unreachable", "connect_timeout"):
        return f"cannot connect to {where} ({what}); check {key} and the network"
    if kind == "read_timeout":
        return f"{where} did not answer in time; {later}"
    if kind == "truncated":
        return f"the connection to {where} broke off in the middle of an answer; {later}"
    if kind == "dropped":
        return f"{where} closed the connection without answering; {later}"
    return f"the connection to {where} failed ({exc.__class__.__name__}); {later}"


def retry_reason(response=None, error: BaseException | None = None) -> str:
    """A few words on why a request is retried: "HTTP 502", "connection refused", ..."""
    if response is not None:
        status = getattr(response, "status", None) or getattr(response, "status_code", None)
        return f"HTTP {status}" + (" (rate limited)" if status in (403, 429) else "")
    if error is not None:
        found = classify(error)
        return found[1] if found else error.__class__.__name__
    return "a failed request"


class RetryNotes:
    """A urllib3 ``Retry`` mix-in: ``on_retry(text)`` is told about each retry before its wait."""

    on_retry: OnRetry | None = None

    def new(self, **kw):
        retry = super().new(**kw)  # type: ignore[misc]
        retry.on_retry = self.on_retry
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        retry = super().increment(method, url, response, error, _pool, _stacktrace)  # type: ignore[misc]
        if self.on_retry is not None:
            wait = (retry.get_retry_after(response) if response is not None else None) or retry.get_backoff_time()
            when = f" in {wait:.0f} s" if wait >= 1 else ""
            self.on_retry(f"retrying: {retry_reason(response, error)}, retry {len(retry.history)}{when}")
        return retry


class _ConnectRetry(RetryNotes, Retry):
    pass


class JiraAdapter(HTTPAdapter):
    """The transport under ``jira``'s ``ResilientSession``; see the module docstring.

    ``max_retries`` is the session's retry budget, for the notes about the
    library's own retries (429, 503 with ``Retry-After``, dropped connections: the
    policy CONNECTORS.md describes).
    """

    def __init__(self, connect_retries: int, on_retry: OnRetry | None, max_retries: int):
        retry = _ConnectRetry(total=connect_retries, connect=connect_retries, read=False, status=0, other=0,
                              respect_retry_after_header=False, backoff_factor=JIRA_CONNECT_BACKOFF,
                              raise_on_status=False)
        retry.on_retry = on_retry
        super().__init__(max_retries=retry)
        self.on_retry = on_retry
        self.budget = max_retries
        self.failures = 0  # consecutive failed attempts: the requests are sequential

    def _note(self, reason: str) -> None:
        self.failures += 1
        budget = self.budget
        if self.on_retry is not None and self.failures <= budget:
            self.on_retry(f"retrying: {reason}, retry {self.failures} of {budget}")

    def send(self, request, *args, **kwargs):
        try:
            response = super().send(request, *args, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            found = classify(exc)
            if found and found[0] in NO_CONNECTION:
                self.failures = 0
                raise CannotConnect(*exc.args, request=request) from exc
            self._note(found[1] if found else "connection failed")
            raise
        if response.status_code == 429 or response.status_code == 503 and response.headers.get("Retry-After"):
            self._note(retry_reason(response))
        else:
            self.failures = 0
        return response
