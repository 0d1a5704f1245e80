"""`zonemap sync --source jira` against the fake Jira, Cloud and Data Center, with the real client."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_jira import ago
from jira_helpers import (BIG, EMAIL, N, TOKEN, config_text, env, expected_counts, fake,  # noqa: F401 (fixture)
                          full_sync_budget, make_fake, records, stored, sync_runner)

from zonemap.store import Store


@pytest.fixture
def sync(cli, write_config, tmp_path):
    return sync_runner(cli, write_config, tmp_path / "z.db")


def test_full_sync_stores_every_kind_within_the_request_budget(fake, sync):
    result = sync(fake)
    assert result.exit_code == 0, result.output
    assert stored(sync.db) == expected_counts()
    assert sum(fake.counts.values()) <= full_sync_budget(fake.mode), fake.counts
    search = "search/jql" if fake.mode == "cloud" else "search"
    assert fake.counts[search] == 2 and fake.counts["myself"] == 0
    assert f"{N + 1} items" in result.stdout


def test_capped_issue_arrives_whole(fake, sync):
    assert sync(fake).exit_code == 0
    ids = {r["id"] for r in records(sync.db) if r.get("item") == f"jira:{BIG}"}
    comments = {i for i in ids if "/comment/" in i}
    histories = {i.split("/history/")[1].split("/")[0] for i in ids if "/history/" in i}
    assert len(comments) == 45 and len(histories) == 30
    if fake.mode == "cloud":  # the embedded lists were capped: one extra request each
        assert fake.counts["comment"] == 1 and fake.counts["changelog"] == 1
    else:
        assert fake.counts["comment"] == 0 and fake.counts["changelog"] == 0


def test_item_fields_and_identities(fake, sync):
    assert sync(fake).exit_code == 0
    recs = {r["id"]: r for r in records(sync.db)}
    bill = recs["jira:BILL-2"]
    assert (bill["project"], bill["components"], bill["labels"]) == ("BILL", ["Billing"], ["area:billing"])
    assert bill["state"] == "open" and bill["url"] == f"{fake.url}/browse/BILL-2"
    big = recs[f"jira:{BIG}"]
    assert big["epic"] == "WEB-1" and big["issue_type"] == "Bug"
    assert recs[f"jira:{BIG}/created"]["actor"] == "jira:alice-acct"
    assert recs["jira:alice-acct"]["email"] == "alice@acme.test"
    assert recs["jira:alice-acct"]["name"] == "Alice Smith"
    carol_email = None if fake.mode == "cloud" else "carol@acme.test"  # Cloud privacy hides it
    assert recs["jira:carol-acct"]["email"] == carol_email


def test_no_change_resync_costs_one_search(fake, sync):
    assert sync(fake).exit_code == 0
    before = stored(sync.db)
    fake.counts.clear()
    result = sync(fake)
    assert result.exit_code == 0, result.output
    search = "search/jql" if fake.mode == "cloud" else "search"
    assert fake.counts[search] == 1
    assert fake.counts["comment"] == fake.counts["changelog"] == 0
    assert stored(sync.db) == before
    assert "jira: no changes" in result.stdout


def test_incremental_sync_queries_in_the_users_time_zone(fake, sync):
    assert sync(fake).exit_code == 0
    newest = max(i["updated"] for i in fake.issues.values())
    bob = fake.people["bob"]
    fake.add_issue("WEB-900", created=ago(minutes=5), creator=bob, reporter=bob,
                   comments=[(bob, ago(minutes=4), "new")])
    fake.log.clear()
    assert sync(fake).exit_code == 0
    recs = {r["id"] for r in records(sync.db)}
    assert {"jira:WEB-900", "jira:WEB-900/created"} <= recs
    query = next(line for line in fake.log if "search" in line)
    since = re.search(r"updated\+%3E%3D\+%22(\d{4})%2F(\d\d)%2F(\d\d)\+(\d\d)%3A(\d\d)%22", query)
    assert since, query
    local = datetime(*map(int, since.groups()), tzinfo=ZoneInfo("America/Los_Angeles"))
    # the cursor minus a small overlap, written in the user's zone (not UTC)
    assert newest - timedelta(minutes=5) <= local <= newest


def test_full_sync_removes_issues_gone_upstream(fake, sync):
    assert sync(fake).exit_code == 0
    del fake.issues["WEB-1"]
    result = sync(fake, "--full")
    assert result.exit_code == 0, result.output
    ids = {r["id"] for r in records(sync.db)}
    assert "jira:WEB-1" not in ids and "jira:WEB-1/created" not in ids
    assert "jira:WEB-3" in ids
    assert "1 items removed upstream" in result.stdout


def test_component_leads(fake, sync):
    assert sync(fake, component_leads=True).exit_code == 0
    comps = {r["id"]: r for r in records(sync.db) if r["type"] == "component"}
    assert comps == {
        "jira:BILL/Billing": {"type": "component", "id": "jira:BILL/Billing", "project": "BILL",
                              "name": "Billing", "lead": "jira:carol-acct"},
        "jira:WEB/Web": {"type": "component", "id": "jira:WEB/Web", "project": "WEB",
                         "name": "Web", "lead": None},
    }
    assert fake.counts["components"] == 2


def test_an_interrupted_sync_keeps_whole_pages_and_resumes(fake, sync):
    search = "search/jql" if fake.mode == "cloud" else "search"
    fake.fault(search, status=500, after=1)  # the second page fails
    result = sync(fake)
    assert result.exit_code == 1
    assert stored(sync.db)[("item", "jira_issue")] == 100  # the first page, whole
    fake.log.clear()
    assert sync(fake).exit_code == 0
    assert stored(sync.db) == expected_counts()
    assert "updated+%3E%3D" in next(line for line in fake.log if "search" in line)  # resumed


def test_token_never_shown_or_stored(fake, sync, tmp_path):
    fake.fault("search/jql" if fake.mode == "cloud" else "search", status=500, after=1)
    outputs = [sync(fake).output, sync(fake).output, sync(fake, token=TOKEN + "-wrong").output]
    for text in outputs:
        assert TOKEN not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    Store(sync.db).close()


def test_missing_env_var_is_one_line(fake, sync, cli, write_config):
    cfg = write_config(config_text(fake))
    result = cli("--config", cfg, "--db", sync.db, "sync", "--source", "jira",
                 env={"ZM_JIRA_TOKEN": "", "ZM_JIRA_EMAIL": EMAIL})
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "ZM_JIRA_TOKEN is not set" in lines[0]
    assert sum(fake.counts.values()) == 0


def test_short_comment_pages_are_followed(sync):
    fake = make_fake("cloud")
    try:
        fake.comment_page = 10  # the server returns fewer comments per page than asked for
        assert sync(fake).exit_code == 0
        comments = [r for r in records(sync.db) if r["id"].startswith(f"jira:{BIG}/comment/")]
        assert len(comments) == 45 and fake.counts["comment"] == 5
    finally:
        fake.stop()


def test_check_online(fake, cli, write_config, tmp_path):
    cfg = write_config(config_text(fake))
    result = cli("--config", cfg, "check", "--online", env=env())
    assert result.exit_code == 0, result.output
    kind = "Cloud" if fake.mode == "cloud" else "Data Center"
    assert f"jira: signed in to {fake.url} ({kind}) as Sync Bot" in result.stdout
    result = cli("--config", cfg, "check", "--online", env=env("not-it"))
    assert result.exit_code == 1 and "HTTP 401" in result.stderr and "not-it" not in result.output
