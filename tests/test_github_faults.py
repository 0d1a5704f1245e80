"""Faults during `zonemap sync` against the fake GitHub: each ends in the clean store, or in exit 1
with one line and nothing half-written; an interrupted sync resumes without loss or duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from github_helpers import TOKEN, env, make_fake, snapshot, write_setup
from typer.testing import CliRunner

from zonemap.cli import app
from zonemap.store import Store


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
