"""`connectors.secrets`: credentials are scrubbed from any text before it reaches a message, and a
credential that no HTTP header can carry is named (never quoted) before anything is sent.

The end-to-end cases (servers echoing the Authorization header, tokens with a line break) are in
test_github_faults.py and test_jira_faults.py, against the fake servers with the real clients."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from connectors.base import SourceError
from connectors.secrets import REDACTED, header_problem, register, scrub, server_text
from zonemap.sync import SyncOutcome, _failed

TOKEN = "t0k3n-Registered-In-This-Test-77"
EMAIL = "someone@acme.test"
register(TOKEN, user=EMAIL)


def b64(text: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(text.encode()).decode()


@pytest.mark.parametrize("form", [
    TOKEN, quote(TOKEN, safe=""), b64(TOKEN), b64(TOKEN).rstrip("="), b64(TOKEN, urlsafe=True),
    b64(f"{EMAIL}:{TOKEN}"), b64(f"{EMAIL}:{TOKEN}").rstrip("="),
], ids=["value", "percent-encoded", "base64", "base64 unpadded", "base64 url-safe", "basic auth",
        "basic auth unpadded"])
def test_every_wire_form_of_a_registered_credential_goes(form):
    out = scrub(f"oops <{form}> was sent")
    assert form not in out and out == f"oops <{REDACTED}> was sent"


@pytest.mark.parametrize("text,kept", [
    ("Forbidden token ghp_UnregisteredButShaped0123456789", "Forbidden token"),
    ("you sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123def", "you sent Bearer"),
    ("denied Basic dXNlcjpwYXNzd29yZDEyMw==", "denied Basic"),
    ('{"headers": {"Authorization": "token abcdef0123456789"}}', '{"headers": {"Authorization": "token'),
    ("redirect?access_token=abc123xyz&next=1", "redirect?access_token="),
    ('{"password": "hunter2hunter2"}', '{"password": "'),
    ("leaked github_pat_11AAAAAAA0abcdefghijklmnop_qrstu in a log", "leaked "),
    ("Atlassian ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz=ABC", "Atlassian "),
])
def test_unregistered_credentials_after_a_scheme_or_of_a_known_shape_go(text, kept):
    out = scrub(text)
    assert REDACTED in out and out.startswith(kept), out
    secret = text[len(kept):].strip().split()[0].strip('"}')
    assert secret not in out


@pytest.mark.parametrize("line", [
    "GitHub rejected the token (401 bad credentials); check the token in $ZM_TEST_GITHUB_TOKEN",
    "no token: set the environment variable GITHUB_TOKEN to a read-only GitHub token (or name another "
    "variable in [github] token_env)",
    "the token in $GITHUB_TOKEN contains a line break, which is not allowed in an HTTP header; set "
    "GITHUB_TOKEN to the token alone",
    "Jira at https://acme.atlassian.net rejected the credentials (HTTP 401): check JIRA_EMAIL (account email) "
    "and JIRA_TOKEN (API token)",
    "repository not found (404), or the token cannot read it; check [github] repos and the token's access",
    "Basic authentication is disabled on this server",
    "cannot connect to GitHub at http://127.0.0.1:9 (connection refused); check [github] base_url",
])
def test_our_own_lines_are_left_as_they_are(line):
    assert scrub(line) == line


def test_server_text_is_scrubbed_before_it_is_cut():
    """A credential straddling the 200-character cut must not leave its first half behind."""
    text = "x" * 190 + " " + TOKEN + " and more"
    out = server_text(text)
    assert len(out) <= 200 and TOKEN[:8] not in out
    assert server_text("  two\n lines\t folded ") == "two lines folded"


@pytest.mark.parametrize("value,problem", [
    ("ghp_abc\ndef", "a line break"), ("ghp_abc\rdef", "a line break"), ("ghp_abc\x00def", "a control character"),
    ("ghp_abc\tdef", "a control character"), ("ghp_abc\u2019def", "a character outside Latin-1"),
    ("ghp_abc\U0001F511", "a character outside Latin-1"), ("ghp_abcdef0123", None), ("caf\u00e9-token", None),
])
def test_header_problem_says_why_without_quoting(value, problem):
    found = header_problem(value)
    if problem is None:
        assert found is None
    else:
        assert found.startswith(problem) and "abc" not in found


def test_sync_scrubs_every_error_line_once_more():
    """The last guard in zonemap.sync: a SourceError that carries a credential (a connector bug, a
    message from a source not yet scrubbing) is shown without it."""
    outcome = SyncOutcome()
    _failed(outcome, "github", SourceError(f"upstream said: you sent {b64(f'{EMAIL}:{TOKEN}')}", scope="acme/web"))
    assert outcome.errors == [f"github acme/web: upstream said: you sent {REDACTED}"]
