"""Failures of a Jira sync: the library's retries, then one line, exit 1, the store as before."""

from __future__ import annotations

import json

import pytest
from fake_jira import ago
from jira_helpers import (TOKEN, config_text, env, expected_counts, fake, make_fake, stored,  # noqa: F401 (fixture)
                          sync_runner)


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
    ("drop", 0, {}, -1, "cannot connect to Jira"),
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
