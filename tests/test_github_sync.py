"""`zonemap sync` against the fake GitHub, through the real PyGithub: records, requests, cursors."""

from __future__ import annotations

import json
import math
from io import StringIO

import pytest
from fake_github_data import ANCHOR
from github_helpers import (REPOS, TOKEN, counts_by_kind, env, expected_counts, expected_full_requests, make_fake,
                            snapshot, write_setup)
from rich.console import Console

from zonemap.config import load_config
from zonemap.progress import sync_progress
from zonemap.store import Store
from zonemap.sync import run_sync


@pytest.fixture
def fake():
    f = make_fake()
    yield f
    f.stop()


def sync(cli, cfg, db, *extra):
    return cli("--config", cfg, "--db", db, "sync", *extra, env=env())


def test_full_sync_stores_every_kind_with_exact_request_count(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    result = sync(cli, cfg, db)
    assert result.exit_code == 0, result.output
    assert counts_by_kind(db) == expected_counts(fake.org)
    assert fake.requests == expected_full_requests(fake.org) == 17
    assert fake.counts["reviews"] == fake.counts["files"] == fake.counts["pull"] == 0  # no per-PR REST
    assert fake.counts["issue"] == fake.counts["user"] == 0  # no completion GETs
    assert fake.statuses[200] == fake.requests


def test_records_carry_paths_labels_draft_state_and_the_right_actors(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    assert sync(cli, cfg, db).exit_code == 0
    records = {k: json.loads(v) for k, v in snapshot(db).items()}
    web = fake.org.repos["acme/web"]
    pr = next(e for e in web.entries.values() if e.pr and e.merged and e.labels and e.reviews)
    item = records[f"item:github:acme/web#{pr.number}"]
    assert item["kind"] == "pull_request" and item["state"] == "merged"
    assert item["paths"] == sorted(pr.files) and item["labels"] == pr.labels and item["draft"] is False
    merged = records[f"activity:github:acme/web#{pr.number}/merged"]
    assert merged["actor"] == f"github:{pr.merger}" and merged["kind"] == "pr_merged"
    draft = next(e for e in web.entries.values() if e.pr and e.draft)
    assert records[f"item:github:acme/web#{draft.number}"]["draft"] is True
    closed = next(e for e in web.entries.values() if not e.pr and e.closed)
    assert records[f"activity:github:acme/web#{closed.number}/closed"]["actor"] == f"github:{closed.closer}"
    pending = [rv for e in web.entries.values() for rv in e.reviews if rv["submitted"] is None]
    assert pending and not any(f"/review/{rv['id']}" in k for rv in pending for k in records)
    anonymous = next(c for c in web.commits if c.login is None)
    assert records[f"activity:github:acme/web@{anonymous.sha}/commit"]["actor"] == f"email:{anonymous.email}"
    assert records["identity:github:alice-s"] == {"type": "identity", "id": "github:alice-s",
                                                  "name": "Alice Smith", "email": "alice@acme.test"}
    comment = next(c for c in web.comments if not c.review and web.entries[c.number].pr)
    assert records[f"activity:github:acme/web#{comment.number}/comment/{comment.id}"]["kind"] == "pr_commented"


def test_no_change_resync_costs_at_most_three_requests_per_repo_then_only_304s(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    assert sync(cli, cfg, db).exit_code == 0
    before = snapshot(db)
    fake.reset_counts()
    assert sync(cli, cfg, db).exit_code == 0
    assert fake.requests <= 3 * len(REPOS)
    assert snapshot(db) == before
    fake.reset_counts()
    remaining = fake.rate_remaining
    result = sync(cli, cfg, db)
    assert result.exit_code == 0 and "no changes" in result.output
    assert fake.requests <= 3 * len(REPOS) and fake.statuses == {304: fake.requests}
    assert fake.rate_remaining == remaining  # 304s cost nothing against the limit
    assert snapshot(db) == before


def test_changes_after_a_sync_are_picked_up_exactly_once(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    assert sync(cli, cfg, db).exit_code == 0
    org = fake.org
    pr = next(e for e in org.repos["acme/web"].entries.values() if e.pr and not e.merged and not e.draft)
    comment = org.add_comment("acme/web", pr.number, "carol-d")
    review_comment = org.add_comment("acme/web", pr.number, "bob-e", review=True)
    org.merge("acme/web", pr.number, "dave-e")
    new_issue = org.add_entry("acme/api", "frank-p", labels=["area:search"])
    commit = org.add_commit("acme/api", "erin-e")
    fake.reset_counts()
    result = sync(cli, cfg, db)
    assert result.exit_code == 0, result.output
    records = {k: json.loads(v) for k, v in snapshot(db).items()}
    base = f"activity:github:acme/web#{pr.number}"
    assert records[f"{base}/comment/{comment.id}"]["actor"] == "github:carol-d"
    assert records[f"{base}/review-comment/{review_comment.id}"]["kind"] == "pr_commented"
    assert records[f"{base}/merged"]["actor"] == "github:dave-e"
    assert records[f"item:github:acme/web#{pr.number}"]["state"] == "merged"
    assert records[f"item:github:acme/api#{new_issue.number}"]["labels"] == ["area:search"]
    assert f"activity:github:acme/api@{commit.sha}/commit" in records
    assert fake.counts["graphql"] == 1  # only the changed PR (acme/api's new issue is open)
    expected = expected_counts(org)
    assert counts_by_kind(db) == expected
    fake.reset_counts()
    again = sync(cli, cfg, db)
    assert again.exit_code == 0 and "no changes" in again.output
    assert counts_by_kind(db) == expected and fake.counts["graphql"] == 0


def test_many_updated_prs_cost_about_one_graphql_request_per_fifty(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake, repos=["acme/web"])
    assert sync(cli, cfg, db).exit_code == 0
    prs = [e for e in fake.org.repos["acme/web"].entries.values() if e.pr][:120]
    for e in prs:
        fake.org.add_comment("acme/web", e.number, "alice-s")
    fake.reset_counts()
    assert sync(cli, cfg, db).exit_code == 0
    assert fake.counts["graphql"] == math.ceil(len(prs) / 50) == 3
    assert fake.counts["reviews"] == fake.counts["files"] == fake.counts["pull"] == 0
    assert fake.requests <= 2 + 2 + 2 + 3 + 1  # issues, comments (2 pages), review comments, GraphQL, commits
    assert all("pullRequest(number:" in q for q in fake.queries)


def test_full_resync_removes_items_gone_upstream_and_reports_it(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    assert sync(cli, cfg, db).exit_code == 0
    gone = next(e for e in fake.org.repos["acme/api"].entries.values() if not e.pr)
    fake.org.remove_entry("acme/api", gone.number)
    result = sync(cli, cfg, db, "--full")
    assert result.exit_code == 0, result.output
    assert "1 items removed upstream" in result.output
    stored = snapshot(db)
    assert f"item:github:acme/api#{gone.number}" not in stored
    assert not any(k.startswith(f"activity:github:acme/api#{gone.number}/") for k in stored)
    assert counts_by_kind(db) == expected_counts(fake.org)


def test_enterprise_prefix_without_graphql_falls_back_to_rest_per_pr(cli, tmp_path):
    fake = make_fake(prefix="/api/v3", graphql=False)
    try:
        cfg, db = write_setup(tmp_path, fake, repos=["acme/api"])
        result = sync(cli, cfg, db)
        assert result.exit_code == 0, result.output
        assert counts_by_kind(db) == expected_counts(fake.org, ["acme/api"])
        entries = fake.org.repos["acme/api"].entries.values()
        prs = [e for e in entries if e.pr]
        assert fake.counts["graphql"] == 1  # one 404, then REST for the rest of the sync
        assert fake.counts["reviews"] == fake.counts["files"] == len(prs)
        assert fake.counts["pull"] == sum(1 for e in prs if e.merged)
        assert fake.counts["issue"] == sum(1 for e in entries if not e.pr and e.closed)
        assert all(path.startswith("/api/") for _, path, _ in fake.log)
    finally:
        fake.stop()


def test_enterprise_graphql_lives_at_api_graphql(cli, tmp_path):
    fake = make_fake(prefix="/api/v3")
    try:
        cfg, db = write_setup(tmp_path, fake, repos=["acme/api"])
        assert sync(cli, cfg, db).exit_code == 0
        assert fake.counts["graphql"] >= 1 and fake.counts["reviews"] == 0
        assert ("POST", "/api/graphql", 200) in fake.log
    finally:
        fake.stop()


def test_big_pull_request_pages_its_files_through_rest(cli, fake, tmp_path):
    big = fake.org.add_entry("acme/api", "bob-e", pr=True, files=[f"src/search/f{i}.py" for i in range(130)])
    cfg, db = write_setup(tmp_path, fake, repos=["acme/api"])
    assert sync(cli, cfg, db).exit_code == 0
    item = json.loads(snapshot(db)[f"item:github:acme/api#{big.number}"])
    assert len(item["paths"]) == 130
    assert fake.counts["files"] == 2 and fake.counts["reviews"] == 1


def test_org_lists_active_repositories_and_skips_archived_and_forks(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake, repos=None, org="acme")
    assert sync(cli, cfg, db).exit_code == 0
    assert counts_by_kind(db) == expected_counts(fake.org)
    scopes = set(Store(db).cursors()["scope"])
    assert scopes == {"org:acme", "acme/api", "acme/web"}
    fake.reset_counts()
    assert sync(cli, cfg, db).exit_code == 0
    assert fake.counts["org_repos"] == 1 and fake.requests <= 1 + 3 * 2


def test_token_appears_in_no_output_and_no_stored_byte(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    fake.inject(500, times=20, endpoint="commits")  # a failure path too
    result = sync(cli, cfg, db)
    assert result.exit_code == 1
    assert TOKEN not in result.output  # stdout and stderr
    for path in tmp_path.iterdir():
        assert TOKEN.encode() not in path.read_bytes(), path


def test_missing_token_is_one_line(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    result = cli("--config", cfg, "--db", db, "sync", env={"ZM_TEST_GITHUB_TOKEN": ""})
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "ZM_TEST_GITHUB_TOKEN" in errors[0] and "Traceback" not in result.output


def test_report_over_the_synced_store_shows_the_orgs_areas_and_people(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake)
    assert sync(cli, cfg, db).exit_code == 0
    out = tmp_path / "report.json"
    result = cli("--config", cfg, "--db", db, "report", "--format", "json", "--out", out,
                 "--as-of", ANCHOR.date().isoformat())
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    areas = {a["id"]: a for a in report["areas"]}
    assert set(areas) == {"billing", "search", "onboarding"}
    assert all(a["active"] and a["fte"] > 0 for a in areas.values())
    people = {p["id"] for p in report["people"]}
    assert {"alice", "carol", "github:bob-e", "github:dave-e"} <= people


def test_check_online_verifies_the_token_and_each_repository(cli, fake, tmp_path):
    cfg, db = write_setup(tmp_path, fake, repos=["acme/web", "acme/nope"])
    result = cli("--config", cfg, "--db", db, "check", "--online", env=env())
    assert result.exit_code == 1
    assert "github token: ok" in result.output and "github acme/web: ok" in result.output
    assert "error: github acme/nope: repository not found" in result.output
    bad = cli("--config", cfg, "--db", db, "check", "--online", env={"ZM_TEST_GITHUB_TOKEN": "wrong"})
    assert bad.exit_code == 1 and "401" in bad.output and "ZM_TEST_GITHUB_TOKEN" in bad.output


def test_progress_rows_count_items_requests_and_rate_limit(fake, tmp_path, monkeypatch):
    cfg_path, db = write_setup(tmp_path, fake)
    console = Console(file=StringIO(), force_terminal=True, width=200)
    store = Store(db)
    monkeypatch.setenv("ZM_TEST_GITHUB_TOKEN", TOKEN)
    try:
        with sync_progress(console) as progress:
            outcome = run_sync(load_config(cfg_path), store, ["github"], progress=progress)
            rows = {t.description: t.fields["info"] for t in progress.tasks}
    finally:
        store.close()
    assert outcome.ok
    web = fake.org.repos["acme/web"]
    info = rows["github acme/web"]
    assert f"{len(web.entries)} items" in info and f"{len(web.commits)} commits" in info
    assert f"{sum(1 for e in web.entries.values() if e.pr)} PRs detailed" in info
    assert "requests" in info and "rate limit" in info and "left" in info
    assert TOKEN not in console.file.getvalue()
