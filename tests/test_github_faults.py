"""Faults during `zonemap sync` against the fake GitHub: each ends in the clean store, or in exit 1
with one line and nothing half-written; an interrupted sync resumes without loss or duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import closed_port
from github_helpers import TOKEN, TOKEN_ENV, env, make_fake, snapshot, write_setup
from typer.testing import CliRunner

from zonemap.cli import app
from zonemap.config import load_config
from zonemap.store import Store
from zonemap.sync import run_sync


def run(cfg: Path, db: Path, *extra: str):
    result = CliRunner().invoke(app, ["--config", str(cfg), "--db", str(db), "sync", *extra], env=env(),
                                catch_exceptions=False)
    text = result.output  # stdout and stderr
    assert TOKEN not in text and "Traceback" not in text
    return result, text


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, str]:
    """The store of a fault-free sync of the fake org."""
    tmp = tmp_path_factory.mktemp("clean")
    fake = make_fake()
    try:
        cfg, db = write_setup(tmp, fake)
        result, _ = run(cfg, db)
        assert result.exit_code == 0
        return snapshot(db)
    finally:
        fake.stop()


@pytest.fixture
def fake():
    f = make_fake()
    yield f
    f.stop()


TRANSIENT = {
    "500 burst": dict(kind=500, times=2, endpoint="issues"),
    "502 burst on GraphQL": dict(kind=502, times=2, endpoint="graphql"),
    "503 burst": dict(kind=503, times=3, endpoint="commits"),
    "secondary rate limit": dict(kind="secondary", times=1, endpoint="issue_comments"),
    "429 with Retry-After": dict(kind=429, times=1, endpoint="review_comments", retry_after=1),
    "429 without Retry-After": dict(kind=429, times=2, endpoint="issues"),
    "primary limit, reset now": dict(kind="primary", times=1, endpoint="commits", reset_in=0),
    "dropped connection": dict(kind="drop", times=1, endpoint="issues"),
}


@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_fault_ends_in_the_clean_store(fault, fake, clean, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    injected = fake.inject(**fault)
    started = time.monotonic()
    result, text = run(cfg, db)
    assert result.exit_code == 0, text
    assert injected.times == 0  # the fault did happen
    assert snapshot(db) == clean
    assert time.monotonic() - started < 15


FAILING = {  # fault, failing repository, what the line says
    "500 beyond the retries": (dict(kind=500, times=50, endpoint="commits", repo="acme/web"), "acme/web", "500"),
    "401 bad credentials": (dict(kind=401, times=1, endpoint="issues", repo="acme/web"), "acme/web", "401"),
    "truncated body": (dict(kind="truncate", times=1, endpoint="issue_comments", repo="acme/api"), "acme/api",
                       "connection"),
    "GraphQL 500 beyond the retries": (dict(kind=500, times=5, endpoint="graphql", after=1), "acme/web", "500"),
}


@pytest.mark.parametrize("fault,repo,says", FAILING.values(), ids=FAILING.keys())
def test_failing_repo_ends_with_one_line_and_nothing_half_written(fault, repo, says, fake, clean, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    fake.inject(**fault)
    result, text = run(cfg, db)
    assert result.exit_code == 1
    lines = error_lines(text)
    assert len(lines) == 1 and f"github {repo}:" in lines[0] and says in lines[0], text
    stored = snapshot(db)
    assert all(clean[k] == v for k, v in stored.items())  # nothing half-written or different
    other = next(r for r in ("acme/web", "acme/api") if r != repo)
    assert {k for k in clean if f"github:{other}" in k} <= set(stored)  # the other repository synced
    fake.faults.clear()
    again, text = run(cfg, db)
    assert again.exit_code == 0, text
    assert snapshot(db) == clean


def test_missing_repository_is_named_and_the_others_sync(fake, clean, tmp_path):
    cfg, db = write_setup(tmp_path, fake, repos=["acme/web", "acme/nope", "acme/api"])
    result, text = run(cfg, db)
    assert result.exit_code == 1
    lines = error_lines(text)
    assert len(lines) == 1 and "github acme/nope:" in lines[0] and "not found" in lines[0]
    assert snapshot(db) == clean


def test_exhausted_rate_limit_commits_what_is_done_and_says_when_to_resume(fake, clean, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    fake.inject("primary", times=1, endpoint="issues", repo="acme/api", reset_in=3600)
    result, text = run(cfg, db)
    assert result.exit_code == 1
    assert "run `zonemap sync` again after" in text and "UTC" in text
    stored = snapshot(db)
    assert {k for k in clean if "github:acme/web" in k} <= set(stored)
    assert not any("github:acme/api" in k for k in stored)
    fake.faults.clear()
    assert run(cfg, db)[0].exit_code == 0
    assert snapshot(db) == clean


def test_wait_sleeps_through_a_rate_limit_reset(fake, clean, tmp_path):
    cfg, db = write_setup(tmp_path, fake, max_rate_limit_wait=0)
    fake.inject("primary", times=1, endpoint="commits", repo="acme/web", reset_in=1)
    stopped, _ = run(cfg, db)
    assert stopped.exit_code == 1
    fake.inject("primary", times=1, endpoint="issues", repo="acme/api", reset_in=1)
    waited, text = run(cfg, db, "--wait")
    assert waited.exit_code == 0, text
    assert snapshot(db) == clean


def test_killed_sync_resumes_without_loss_or_duplicates(fake, clean, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    fake.hold = ("graphql", 1)  # park the second GraphQL query: acme/web's first chunk is committed by then
    zonemap = Path(sys.executable).with_name("zonemap")
    proc = subprocess.Popen([str(zonemap), "--config", str(cfg), "--db", str(db), "sync"],
                            env={**os.environ, **env()}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert fake.held.wait(60), "the sync never reached the second GraphQL query"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        fake.release.set()
        fake.hold = None
    output = proc.stdout.read().decode()
    assert TOKEN not in output
    stored = snapshot(db)
    assert stored and all(clean[k] == v for k, v in stored.items())
    cursor = Store(db).get_cursor("github", "acme/web")
    assert cursor["partial"]["through"]  # the pass knows where it stopped
    graphql_before = fake.counts["graphql"]
    result, text = run(cfg, db)
    assert result.exit_code == 0, text
    assert snapshot(db) == clean
    web = fake.org.repos["acme/web"]
    detailed = sum(1 for e in web.entries.values() if e.pr or e.closed)
    api = fake.org.repos["acme/api"]
    api_detailed = sum(1 for e in api.entries.values() if e.pr or e.closed)
    resumed = fake.counts["graphql"] - graphql_before
    assert resumed == -(-detailed // 50) - 1 + -(-api_detailed // 50)  # the committed chunk is not asked again


# -- credentials never in a message; transport failures named; an unreachable GitHub fails fast ----------

def check_online(cfg: Path, db: Path, environment: dict | None = None):
    result = CliRunner().invoke(app, ["--config", str(cfg), "--db", str(db), "check", "--online"],
                                env=environment or env(), catch_exceptions=False)
    return result, result.output




def test_a_server_echoing_the_token_does_not_get_it_printed(fake, tmp_path):
    """A proxy that answers 403 with the request's Authorization header in its message (B1)."""
    cfg, db = write_setup(tmp_path, fake, repos=["acme/web"])
    fault = fake.inject(403, times=1, endpoint="issues", message="Forbidden {authorization}")
    result, text = run(cfg, db)
    assert result.exit_code == 1 and fault.times == 0
    line, = error_lines(text)
    assert line.startswith("error: github acme/web: GitHub answered 403: Forbidden token [redacted]"), line
    fake.inject(403, times=1, endpoint="rate_limit", message="Forbidden: you sent {authorization} (token=" + TOKEN + ")")
    result, text = check_online(cfg, db)
    assert result.exit_code == 1 and TOKEN not in text
    assert "github token: GitHub answered 403: Forbidden: you sent token [redacted]" in text
    assert "try again later" in text and "run sync" not in text


def test_closed_port_names_the_url_and_the_key_and_fails_fast(tmp_path):
    """Connection refused: the URL and the config key in one line (E3), after two quick retries at most,
    although retries = 8 with backoff are configured (E5); the other repository is not tried in vain."""
    with closed_port() as port:
        url = f"http://127.0.0.1:{port}"
        cfg, db = write_setup(tmp_path, SimpleNamespace(base_url=url), retries=8, backoff_factor=0.05)
        started = time.monotonic()
        result, text = run(cfg, db)
        elapsed = time.monotonic() - started
        assert result.exit_code == 1
        assert error_lines(text) == [
            f"error: github: cannot connect to GitHub at {url} (connection refused); check [github] base_url"], text
        assert elapsed < 5, f"{elapsed:.1f} s: a refused connection went through the whole backoff"
        result, text = check_online(cfg, db)
        assert result.exit_code == 1
        assert f"error: github token: cannot connect to GitHub at {url} (connection refused); check [github] " \
               "base_url" in text and "run sync" not in text
        assert text.count("retrying: connection refused") == 2, text  # check --online says it retries


def test_https_against_a_plain_http_server_is_a_tls_failure_named_fast(fake, tmp_path):
    """A TLS handshake that fails (here: https:// to a plain-HTTP port) will fail again: two quick
    retries at most, and a line that says TLS and which key to check (E3, E5)."""
    url = fake.base_url.replace("http://", "https://")
    cfg, db = write_setup(tmp_path, SimpleNamespace(base_url=url), retries=8, backoff_factor=0.05)
    started = time.monotonic()
    result, text = run(cfg, db)
    elapsed = time.monotonic() - started
    line, = error_lines(text)
    assert line.startswith(f"error: github: cannot connect to GitHub at {url} (TLS handshake failed"), line
    assert line.endswith("check [github] base_url (https or http?) and the server's certificate")
    assert elapsed < 5, f"{elapsed:.1f} s: a failed TLS handshake went through the whole backoff"


class Rows:
    """A progress display that keeps every text each row showed."""

    def __init__(self):
        self.shown: dict[int, list[str]] = {}
        self.names: dict[int, str] = {}

    def add_task(self, description, total=None, **fields):
        task = len(self.names)
        self.names[task], self.shown[task] = description, [fields.get("info", "")]
        return task

    def update(self, task, **fields):
        if "info" in fields:
            self.shown[task].append(fields["info"])

    def of(self, description: str) -> list[str]:
        return next(self.shown[t] for t, name in self.names.items() if name == description)


def test_retries_show_in_the_progress_row(fake, tmp_path, monkeypatch):
    """While a request is retried the repository's row says so (E5): a refused connection, a 502."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    fake.inject(502, times=2, endpoint="issues", repo="acme/api")
    cfg, db = write_setup(tmp_path, fake)
    rows, store = Rows(), Store(db)
    try:
        assert run_sync(load_config(cfg), store, ["github"], progress=rows).ok
    finally:
        store.close()
    assert [t for t in rows.of("github acme/api") if "retrying" in t] == [
        "retrying: HTTP 502, retry 1", "retrying: HTTP 502, retry 2"]
    assert "retrying" not in rows.of("github acme/api")[-1]  # the counts come back after the retries
    assert not any("retrying" in text for text in rows.of("github acme/web"))
    with closed_port() as port:
        cfg, db = write_setup(tmp_path, SimpleNamespace(base_url=f"http://127.0.0.1:{port}"), name="closed.toml")
        rows, store = Rows(), Store(db)
        try:
            outcome = run_sync(load_config(cfg), store, ["github"], progress=rows)
        finally:
            store.close()
    assert not outcome.ok
    assert [t for t in rows.of("github acme/web") if "retrying" in t] == [
        "retrying: connection refused, retry 1", "retrying: connection refused, retry 2"]


@pytest.mark.parametrize("bad", ["ghp_first\nSECONDhalf9", "ghp_s3cr3t\u2019TOKEN"], ids=["line break", "not Latin-1"])
def test_a_token_no_header_can_carry_is_named_not_sent(bad, fake, tmp_path):
    """A token with a line break or a non-Latin-1 character: the line says so and names the variable,
    without the token and without blaming GitHub's answer, for nothing was sent (E3)."""
    cfg, db = write_setup(tmp_path, fake)
    for args in (["sync"], ["check", "--online"]):
        result = CliRunner().invoke(app, ["--config", str(cfg), "--db", str(db), *args],
                                    env={TOKEN_ENV: bad, "COLUMNS": "200"}, catch_exceptions=False)
        assert result.exit_code == 1
        line, = error_lines(result.output)
        assert f"the token in ${TOKEN_ENV} contains" in line and "not allowed in an HTTP header" in line, line
        assert "malformed" not in line and "InvalidHeader" not in line
        assert not any(part in result.output for part in bad.split("\n"))
    assert fake.requests == 0
