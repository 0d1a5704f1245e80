"""Failures of a Jira sync: the library's retries, then one line, exit 1, the store as before."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import closed_port
from fake_jira import FakeJira, ago
from jira_helpers import (EMAIL, TOKEN, config_text, env, expected_counts, fake, make_fake,  # noqa: F401 (fixture)
                          stored, sync_runner)

from zonemap.config import load_config
from zonemap.store import Store
from zonemap.sync import run_sync


@pytest.fixture
def sync(cli, write_config, tmp_path):
    return sync_runner(cli, write_config, tmp_path / "z.db", base_extra="max_retry_delay = 0.01\ntimeout = 5")

def search(fake) -> str:
    return "search/jql" if fake.mode == "cloud" else "search"


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and TOKEN not in result.output
    return lines[0]


@pytest.mark.parametrize("status,headers", [(429, {"Retry-After": "1"}), (429, {}),
                                            (503, {"Retry-After": "1"})])
def test_retried_statuses_recover(fake, sync, status, headers):
    fake.fault(search(fake), status=status, headers=headers, times=2)
    result = sync(fake)
    assert result.exit_code == 0, result.output
    assert fake.counts[search(fake)] == 2 + 2  # two failed attempts, then both pages
    assert stored(sync.db) == expected_counts()


def test_dropped_connection_is_retried(fake, sync):
    fake.fault(search(fake), kind="drop", times=1)
    result = sync(fake)
    assert result.exit_code == 0, result.output
    assert stored(sync.db) == expected_counts()


@pytest.mark.parametrize("kind,status,headers,times,expect", [
    ("status", 503, {}, 1, "unavailable (HTTP 503)"),  # no Retry-After: not retried
    ("status", 429, {"Retry-After": "1"}, -1, "rate limiting"),
    ("status", 500, {}, 1, "HTTP 500"),
    ("drop", 0, {}, -1, "closed the connection without answering; try again later"),
    ("malformed", 200, {}, 1, "cannot read"),
])
def test_failures_leave_the_store_as_before(fake, sync, kind, status, headers, times, expect):
    assert sync(fake).exit_code == 0
    before = stored(sync.db)
    newer = fake.people["bob"]
    fake.add_issue("WEB-901", created=ago(minutes=3), creator=newer, reporter=newer)
    fake.fault(search(fake), kind=kind, status=status, headers=headers, times=times)
    result = sync(fake)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith("error: jira: ") and expect in line, line
    assert stored(sync.db) == before
    if times == -1 and kind == "status":  # the library tried 1 + 3 times
        assert fake.counts[search(fake)] == 2 + 4


def test_bad_credentials(fake, sync):
    result = sync(fake, token="wrong-token")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "rejected the credentials (HTTP 401)" in line and "ZM_JIRA_TOKEN" in line
    assert "wrong-token" not in result.output
    assert fake.counts["serverInfo"] == 1 and fake.counts[search(fake)] == 0


def test_legacy_search_gone_on_cloud(sync):
    """A Cloud site that does not say so (a proxy rewrote serverInfo): the client falls back to
    the removed /search, Atlassian answers 410, and the user gets a line saying why."""
    fake = make_fake("cloud")
    try:
        info = {"baseUrl": fake.url, "version": "1001.0.0", "versionNumbers": [1001, 0, 0]}
        fake.fault("serverInfo", status=200, body=json.dumps(info))
        result = sync(fake)
        assert result.exit_code == 1
        line = one_error_line(result)
        assert "410 Gone" in line and "deploymentType" in line
        assert fake.counts["search"] == 1 and fake.counts["search/jql"] == 0
    finally:
        fake.stop()


def test_bad_jql_is_one_line(fake, sync):
    fake.fault(search(fake), status=400, body=json.dumps(
        {"errorMessages": ["Field 'projekt' does not exist or you do not have permission to view it."]}))
    result = sync(fake)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "rejected the query (HTTP 400)" in line and "projekt" in line and "[jira] jql" in line


def test_retries_follow_the_config(fake, cli, write_config, tmp_path):
    cfg = write_config(config_text(fake, extra="retries = 0\nmax_retry_delay = 0.01"))
    fake.fault(search(fake), status=429, headers={"Retry-After": "1"}, times=1)
    result = cli("--config", cfg, "--db", tmp_path / "z.db", "sync", "--source", "jira", env=env())
    assert result.exit_code == 1 and "rate limiting" in one_error_line(result)
    assert fake.counts[search(fake)] == 1


# -- credentials never in a message; transport failures named; an unreachable Jira fails fast ------------

# what a server can echo of the credentials: the header, its value, the token's own base64
WIRE = [TOKEN, base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode(), base64.b64encode(TOKEN.encode()).decode()]

ECHOES = {
    "403 with the header": (403, '{"errorMessages": ["denied {authorization}"]}'),
    "404 with the bare value": (404, '{"errorMessages": ["no {credentials} here"], "errors": {}}'),
    "500 html page": (500, "<html>Internal error; you sent {authorization}</html>"),
    "400 with the value": (400, '{"errorMessages": ["bad query from {credentials}"]}'),
    "410 with the header": (410, '{"errorMessages": ["gone, {authorization}"]}'),
}


@pytest.mark.parametrize("status,body", ECHOES.values(), ids=ECHOES.keys())
def test_a_server_echoing_the_credentials_does_not_get_them_printed(fake, sync, cli, write_config, tmp_path,
                                                                    status, body):
    """Basic base64(email:token) (Cloud) or Bearer token (Data Center) echoed in an error body: the line
    keeps the server's words and loses the credentials, in sync and in check --online (B2)."""
    fault = fake.fault(search(fake), status=status, body=body)
    result = sync(fake)
    assert result.exit_code == 1 and fault.times == 0
    line = one_error_line(result)
    assert "[redacted]" in line and not any(secret in result.output for secret in WIRE), line
    fault = fake.fault("*", status=status, body=body)  # check --online: the first request (serverInfo)
    result = cli("--config", write_config(config_text(fake)), "check", "--online", env=env())
    assert result.exit_code == 1 and fault.times == 0
    assert "[redacted]" in result.output and not any(secret in result.output for secret in WIRE), result.output




@pytest.mark.parametrize("mode,retries,target", [("cloud", 3, "closed port"), ("dc", 0, "closed port"),
                                                 ("dc", 3, "https to plain http")])
def test_unreachable_jira_is_named_and_fails_fast(tmp_path, write_config, mode, retries, target):
    """Connection refused, or a TLS handshake that fails: one true line naming the URL and [jira] url,
    with the default retry settings (3, up to 60 s apart) in seconds, not minutes (E4, E5); no claim
    of retries when there are none."""
    zonemap = Path(sys.executable).with_name("zonemap")
    with contextlib.ExitStack() as stack:
        if target == "closed port":
            url = f"http://127.0.0.1:{stack.enter_context(closed_port())}"
            expect = f"error: jira: cannot connect to Jira at {url} (connection refused); check [jira] url"
        else:
            url = stack.enter_context(FakeJira(mode)).url.replace("http://", "https://")
            expect = f"error: jira: cannot connect to Jira at {url} (TLS handshake failed"
        cfg = write_config(config_text(SimpleNamespace(url=url, mode=mode), extra=f"retries = {retries}"))
        for args in (["sync"], ["check", "--online"]):
            started = time.monotonic()
            try:
                done = subprocess.run([str(zonemap), "--config", str(cfg), "--db", str(tmp_path / "z.db"), *args],
                                      env={**os.environ, **env()}, capture_output=True, text=True, timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{args}: still retrying after 20 s")
            assert done.returncode == 1
            line, = [line for line in done.stderr.splitlines() if line.startswith("error:")]
            assert line.startswith(expect) and "retries" not in line, line
            assert time.monotonic() - started < 10
            assert TOKEN not in done.stdout + done.stderr


class Rows:
    """A progress display that keeps every text each row showed."""

    def __init__(self):
        self.shown: list[list[str]] = []

    def add_task(self, description, total=None, **fields):
        self.shown.append([fields.get("info", "")])
        return len(self.shown) - 1

    def update(self, task, **fields):
        if "info" in fields:
            self.shown[task].append(fields["info"])


def test_retries_show_in_the_progress_row(fake, write_config, tmp_path, monkeypatch):
    """While the library waits to retry, the Jira row says so (E5): a 503 with Retry-After, a refused
    connection (retried quickly, twice at most, then given up)."""
    for name, value in env().items():
        monkeypatch.setenv(name, value)
    fake.fault(search(fake), status=503, headers={"Retry-After": "1"}, times=1)
    cfg = write_config(config_text(fake, extra="max_retry_delay = 0.01"))
    rows, store = Rows(), Store(tmp_path / "z.db")
    try:
        assert run_sync(load_config(cfg), store, ["jira"], progress=rows).ok
        row, = rows.shown
        assert row[0] == f"connecting to {fake.url}"
        assert [t for t in row if "retrying" in t] == ["retrying: HTTP 503, retry 1 of 3"]
        with closed_port() as port:
            cfg = write_config(config_text(SimpleNamespace(url=f"http://127.0.0.1:{port}", mode=fake.mode)))
            rows = Rows()
            assert not run_sync(load_config(cfg), store, ["jira"], progress=rows).ok
    finally:
        store.close()
    row, = rows.shown
    assert [t for t in row if "retrying" in t] == ["retrying: connection refused, retry 1",
                                                  "retrying: connection refused, retry 2 in 1 s"]


@pytest.mark.parametrize("bad", ["s3cr3t-jira\nTOKENtail9", "s3cr3t-jira\u2019TOKEN"], ids=["line break", "not Latin-1"])
def test_a_token_no_header_can_carry_is_named_not_sent(fake, cli, write_config, bad):
    """A token with a line break or a non-Latin-1 character: the line names the variable and why,
    not the token, and does not blame Jira's answer, for nothing was sent (E4)."""
    cfg = write_config(config_text(fake))
    for args in (["sync", "--source", "jira"], ["check", "--online"]):
        result = cli("--config", cfg, "--db", cfg.with_name("z.db"), *args, env=env(bad))
        assert result.exit_code == 1
        line = one_error_line(result) if args[0] == "sync" else result.stderr.strip()
        assert "the token in $ZM_JIRA_TOKEN contains" in line and "not allowed in an HTTP header" in line, line
        assert "cannot read" not in line and not any(part in result.output for part in bad.split("\n"))
    assert sum(fake.counts.values()) == 0
